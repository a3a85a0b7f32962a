// `simultaneous-close`: both applications close at the same instant; the FINs cross (RFC 9293 §3.6,
// "Simultaneous Close Sequence"): FIN-WAIT-1 → CLOSING → TIME-WAIT on both sides.

import { CLIENT, ms, result, type ScenarioDef, type ScenarioOptions, SERVER, World } from './world.js';

const def = {
  name: 'simultaneous-close',
  title: 'simultaneous close: both FINs cross, both sides go through CLOSING to TIME-WAIT',
  description:
    'Both applications call close() at the same instant. Each FIN arrives while its receiver is in ' +
    'FIN-WAIT-1, so each side goes to CLOSING and ACKs; when the ACKs arrive both enter TIME-WAIT, ' +
    'and both wait 2×MSL (RFC 9293 §3.6, "Simultaneous Close Sequence").',
};

export const simultaneousCloseScenario: ScenarioDef = {
  ...def,
  run(opts: ScenarioOptions = {}) {
    const w = new World(opts);
    const { c, s } = w.connect();
    w.start();
    w.note('both apps: close()');
    c.close();
    s.close();
    w.net.run();
    const run = w.run('simultaneous-close', (f) => [
      `both sides went ${f.states[CLIENT]?.join(' → ')}`,
      `client CLOSED at ${ms(f.closedAt[CLIENT])}, server CLOSED at ${ms(f.closedAt[SERVER])}: both waited 2×MSL`,
    ]);
    return result(def, w, [run]);
  },
};
