// `simultaneous-close`: both applications close at the same instant; the FINs cross (RFC 9293 §3.6,
// "Simultaneous Close Sequence"): FIN-WAIT-1 → CLOSING → TIME-WAIT on both sides.

import { afterHandshake, CLIENT, ms, SERVER } from './world.js';

const info = {
  name: 'simultaneous-close',
  title: 'simultaneous close: both FINs cross, both sides go through CLOSING to TIME-WAIT',
  description:
    'Both applications call close() at the same instant. Each FIN arrives while its receiver is in ' +
    'FIN-WAIT-1, so each side goes to CLOSING and ACKs; when the ACKs arrive both enter TIME-WAIT, ' +
    'and both wait 2×MSL (RFC 9293 §3.6, "Simultaneous Close Sequence").',
};

export const simultaneousCloseScenario = afterHandshake(info, (w, { c, s }) => {
  w.note('both apps: close()');
  c.close();
  s.close();
  w.net.run();
  return {
    summary: (f) => [
      `both sides went ${f.states[CLIENT]?.join(' → ')}`,
      `client CLOSED at ${ms(f.closedAt[CLIENT])}, server CLOSED at ${ms(f.closedAt[SERVER])}: both waited 2×MSL`,
    ],
  };
});
