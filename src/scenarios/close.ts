// `close`: the four-way close as the seed figure draws it (RFC 9293 §3.6, "Normal Close Sequence").
// The client closes first (its sending side: it still reads, as the seed says it must); the server
// acknowledges the FIN at once, still sends its last data while
// in CLOSE-WAIT, then closes. The client waits 2×MSL in TIME-WAIT before it is CLOSED; the server is
// CLOSED as soon as its FIN is acknowledged.

import type { TraceEvent } from '../trace/events.js';
import { formatDuration } from '../trace/ladder.js';
import { ACK, FIN } from '../wire/segment.js';
import { afterHandshake, CLIENT, ms, SERVER, sent } from './world.js';

/** What the server still sends in CLOSE-WAIT. */
export const LAST_WORDS = 'bye from server\n';

const info = {
  name: 'close',
  title: 'four-way close: client closes first, server sends data in CLOSE-WAIT, then closes',
  description:
    'The four-way close of the seed figure. Both sides start ESTABLISHED. The client closes its ' +
    'sending side (FIN, FIN-WAIT-1) but still reads; the server ACKs the FIN at once (CLOSE-WAIT) and ' +
    'the client waits in FIN-WAIT-2 while the server sends its last data from CLOSE-WAIT; then the ' +
    'server closes (FIN, LAST-ACK). The client ACKs that FIN and stays in TIME-WAIT for 2×MSL; the ' +
    'server is CLOSED as soon as the ACK arrives, well before the client.',
};

/**
 * The figure's letters: u = the client's FIN seq, v = the server's seq when it ACKs that FIN,
 * w = the server's FIN seq; the last ACK carries seq u+1, ack w+1.
 */
function seedLetters(events: readonly TraceEvent[]): string {
  const u = sent(events, CLIENT, (f) => (f & FIN) !== 0)[0];
  const v = sent(events, SERVER, (f) => f === ACK)[0];
  const w = sent(events, SERVER, (f) => (f & FIN) !== 0)[0];
  const last = sent(events, CLIENT).at(-1);
  if (!u || !v || !w || !last) {
    return 'the seed figure: not all four segments were seen';
  }
  return (
    `in the seed's letters: u = ${u.relSeq}, v = ${v.relSeq}, w = ${w.relSeq}; ` +
    `the server's ACK and FIN carry ack = u+1 = ${v.relAck}, the last ACK seq = u+1 = ${last.relSeq}, ack = w+1 = ${last.relAck}`
  );
}

export const closeScenario = afterHandshake(info, (w, { c, s }) => {
  // The seed's client "stops sending" but must still receive: a close of the sending side.
  w.note('client app: shutdown() (done sending, still reading)');
  c.shutdown();
  w.net.runUntil(() => s.state === 'CLOSE-WAIT');
  w.runTo(w.t + 20);
  w.note(`server app: write ${LAST_WORDS.length} bytes`);
  s.write(LAST_WORDS);
  w.runTo(w.t + 20);
  w.note('server app: close()');
  s.close();
  w.net.run();
  return {
    summary: (f) => {
      const tw = f.timeWaitAt[CLIENT];
      const cc = f.closedAt[CLIENT];
      const lasted = tw !== undefined && cc !== undefined ? cc - tw : undefined;
      return [
        `server CLOSED at ${ms(f.closedAt[SERVER])}, client CLOSED at ${ms(cc)}: ` +
          `TIME-WAIT lasted ${lasted === undefined ? '?' : formatDuration(lasted)}` +
          `${lasted === 2 * w.mslMs ? ` = 2×MSL (MSL ${formatDuration(w.mslMs)})` : ''}`,
        `client read ${JSON.stringify(c.receivedText())} after its own FIN (half-closed, still receiving)`,
        seedLetters(w.events()),
      ];
    },
    extra: { clientReceived: c.receivedText() },
  };
});
