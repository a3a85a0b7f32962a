// `handshake`: the three-way handshake (RFC 9293 §3.5, "Basic Three-Way Handshake"), then one
// request and its answer.

import { CLIENT, enteredAt, ms, SERVER, scenario } from './world.js';

const info = {
  name: 'handshake',
  title: 'three-way handshake: SYN, SYN-ACK, ACK, then a request and a reply',
  description:
    'The server listens on port 80; the client connects: SYN (SYN-SENT), SYN-ACK (the server in ' +
    'SYN-RECEIVED), ACK (both ESTABLISHED). Each SYN occupies one sequence number, so the first data ' +
    'byte is seq 1. The client then sends a request and the server replies.',
};

export const handshakeScenario = scenario(info, (w) => {
  w.start();
  const l = w.listen();
  w.note('client app: connect()');
  const c = w.dial();
  w.net.runUntil(() => c.state === 'ESTABLISHED');
  w.note('client app: write "GET /"');
  c.write('GET /');
  w.net.runUntil(() => l.accepted[0] !== undefined && l.accepted[0].receivedText() === 'GET /');
  w.note('server app: write "200 OK"');
  l.accepted[0]?.write('200 OK');
  w.net.run();
  return {
    summary: (f) => {
      const est = (ep: string) => enteredAt(w.events(), ep, 'ESTABLISHED');
      return [
        `client ESTABLISHED at ${ms(est(CLIENT))} (one round trip), server at ${ms(est(SERVER))}`,
        `client states ${f.states[CLIENT]?.join(' → ')}; server ${f.states[SERVER]?.join(' → ')}`,
      ];
    },
  };
});
