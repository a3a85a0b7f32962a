// `abort`: the client aborts (RST) instead of closing: no FIN exchange, no TIME-WAIT; the server
// learns of it from the RST and reports ECONNRESET (RFC 9293 §3.10.5, §3.10.7.4 second step).

import { CLIENT, ms, result, type ScenarioDef, type ScenarioOptions, SERVER, World } from './world.js';

const def = {
  name: 'abort',
  title: 'abort: the client resets the connection (RST), no TIME-WAIT',
  description:
    'The client sends a request, then aborts: one RST and the client is CLOSED at once, with no FIN ' +
    'and no TIME-WAIT. The server processes the data already on its way, then the RST: it reports ' +
    'ECONNRESET and is CLOSED too.',
};

export const abortScenario: ScenarioDef = {
  ...def,
  run(opts: ScenarioOptions = {}) {
    const w = new World(opts);
    const { c } = w.connect();
    w.start();
    w.note('client app: write "GET /"');
    c.write('GET /');
    w.runTo(20);
    w.note('client app: abort()');
    c.abort();
    w.net.run();
    const run = w.run('abort', (f) => [
      `client CLOSED at ${ms(f.closedAt[CLIENT])} (no TIME-WAIT); server CLOSED at ${ms(f.closedAt[SERVER])} ` +
        `with ${f.errors[SERVER]?.join(', ') || 'no error'}`,
    ]);
    return result(def, w, [run]);
  },
};
