// `half-close`: the client shuts down only its sending direction (shutdown(), Node's end()) and keeps
// reading: the server streams a response after the client's FIN, then closes (RFC 9293 §3.6: CLOSE
// means "I have no more to send", the other direction stays open).

import { afterHandshake, CLIENT, ms, SERVER } from './world.js';

/** Bytes the server sends after the client's FIN. */
export const HALF_CLOSE_BYTES = 4000;

const info = {
  name: 'half-close',
  title: 'half-close: client shutdown(), server keeps sending, then closes',
  description:
    'The client sends a request and half-closes with shutdown() (FIN): it has nothing more to say but ' +
    'keeps reading. The server, in CLOSE-WAIT, streams a 4000-byte response over several segments, ' +
    'which the client acknowledges from FIN-WAIT-2, then closes. The client ends in TIME-WAIT.',
};

export const halfCloseScenario = afterHandshake(info, (w, { c, s }) => {
  w.note('client app: write "GET /" and shutdown()');
  c.write('GET /');
  c.shutdown();
  w.net.runUntil(() => s.state === 'CLOSE-WAIT');
  w.runTo(w.t + 10);
  w.note(`server app: write ${HALF_CLOSE_BYTES} bytes`);
  s.write(new Uint8Array(HALF_CLOSE_BYTES).fill(0x72));
  w.net.runUntil(() => c.receivedBytes().length >= HALF_CLOSE_BYTES);
  w.runTo(w.t + 10);
  w.note('server app: close()');
  s.close();
  w.net.run();
  const got = c.receivedBytes().length;
  return {
    summary: (f) => [
      `client sent its FIN at 0 ms and still received ${got} bytes; server read ${JSON.stringify(s.receivedText())}`,
      `server CLOSED at ${ms(f.closedAt[SERVER])}, client CLOSED at ${ms(f.closedAt[CLIENT])} after TIME-WAIT`,
    ],
    extra: { clientReceivedBytes: got, serverReceived: s.receivedText() },
  };
});
