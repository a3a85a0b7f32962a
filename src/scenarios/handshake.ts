// `handshake`: the three-way handshake (RFC 9293 §3.5, "Basic Three-Way Handshake"), then one
// request and its answer.

import {
  CLIENT,
  ms,
  result,
  type ScenarioDef,
  type ScenarioOptions,
  SERVER,
  SERVER_ADDR,
  SERVER_PORT,
  World,
} from './world.js';

const def = {
  name: 'handshake',
  title: 'three-way handshake: SYN, SYN-ACK, ACK, then a request and a reply',
  description:
    'The server listens on port 80; the client connects: SYN (SYN-SENT), SYN-ACK (the server in ' +
    'SYN-RECEIVED), ACK (both ESTABLISHED). Each SYN occupies one sequence number, so the first data ' +
    'byte is seq 1. The client then sends a request and the server replies.',
};

export const handshakeScenario: ScenarioDef = {
  ...def,
  run(opts: ScenarioOptions = {}) {
    const w = new World(opts);
    w.start();
    const l = w.server.listen(SERVER_PORT);
    w.note('client app: connect()');
    const c = w.client.connect({ addr: SERVER_ADDR, port: SERVER_PORT });
    w.net.runUntil(() => c.state === 'ESTABLISHED');
    w.note('client app: write "GET /"');
    c.write('GET /');
    w.net.runUntil(() => l.accepted[0] !== undefined && l.accepted[0].receivedText() === 'GET /');
    w.note('server app: write "200 OK"');
    l.accepted[0]?.write('200 OK');
    w.net.run();
    const run = w.run('handshake', (f) => {
      const est = (ep: string) =>
        w.events().find((e) => e.type === 'state' && e.endpoint === ep && e.to === 'ESTABLISHED')?.t;
      return [
        `client ESTABLISHED at ${ms(est(CLIENT))} (one round trip), server at ${ms(est(SERVER))}`,
        `client states ${f.states[CLIENT]?.join(' → ')}; server ${f.states[SERVER]?.join(' → ')}`,
      ];
    });
    return result(def, w, [run]);
  },
};
