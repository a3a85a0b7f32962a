// `fin-wait-2-timeout`: the client closes but the server application never does. After a full close
// the client will not wait in FIN-WAIT-2 forever: finWait2Timeout (Linux tcp_fin_timeout, 60 s) ends
// it. When the server finally closes, its FIN meets no connection and is answered with a RST.

import { formatDuration } from '../trace/ladder.js';
import { afterHandshake, CLIENT, enteredAt, errorsOf, ms, SERVER } from './world.js';

/** When the server application finally closes, ms after the start. */
export const LATE_CLOSE_AT = 90_000;

const info = {
  name: 'fin-wait-2-timeout',
  title: 'FIN-WAIT-2 timeout: the server never closes; the client gives up after 60 s',
  description:
    'The client closes; the server ACKs the FIN but its application never closes, so the server sits ' +
    'in CLOSE-WAIT and the client in FIN-WAIT-2. Having fully closed, the client gives FIN-WAIT-2 only ' +
    'finWait2Timeout (60 s, as Linux tcp_fin_timeout) and then drops the connection without TIME-WAIT. ' +
    "At 90 s the server closes at last: its FIN finds no connection and the client's host answers RST.",
};

export const finWait2TimeoutScenario = afterHandshake(info, (w, { c, s }) => {
  w.note('client app: close()');
  c.close();
  w.runTo(LATE_CLOSE_AT);
  w.note('server app: close(), at last');
  s.close();
  w.net.run();
  return {
    summary: (f) => {
      const fw2 = f.states[CLIENT]?.includes('FIN-WAIT-2');
      const entered = enteredAt(w.events(), CLIENT, 'FIN-WAIT-2');
      const cc = f.closedAt[CLIENT];
      return [
        `client in FIN-WAIT-2 from ${ms(entered)} until CLOSED at ${ms(cc)}` +
          (fw2 && entered !== undefined && cc !== undefined ? ` (${formatDuration(cc - entered)})` : ''),
        `server closed at ${ms(LATE_CLOSE_AT)}; its FIN got a RST: CLOSED at ${ms(f.closedAt[SERVER])}` +
          ` with ${errorsOf(f, SERVER)}`,
      ];
    },
  };
});
