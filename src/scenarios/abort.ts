// `abort`: the client aborts (RST) instead of closing: no FIN exchange, no TIME-WAIT; the server
// learns of it from the RST and reports ECONNRESET (RFC 9293 §3.10.5, §3.10.7.4 second step).

import { afterHandshake, CLIENT, errorsOf, ms, SERVER } from './world.js';

const info = {
  name: 'abort',
  title: 'abort: the client resets the connection (RST), no TIME-WAIT',
  description:
    'The client sends a request, then aborts: one RST and the client is CLOSED at once, with no FIN ' +
    'and no TIME-WAIT. The server processes the data already on its way, then the RST: it reports ' +
    'ECONNRESET and is CLOSED too.',
};

export const abortScenario = afterHandshake(info, (w, { c }) => {
  w.note('client app: write "GET /"');
  c.write('GET /');
  w.runTo(20);
  w.note('client app: abort()');
  c.abort();
  w.net.run();
  return {
    summary: (f) => [
      `client CLOSED at ${ms(f.closedAt[CLIENT])} (no TIME-WAIT); server CLOSED at ${ms(f.closedAt[SERVER])} ` +
        `with ${errorsOf(f, SERVER)}`,
    ],
  };
});
