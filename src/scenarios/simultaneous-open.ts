// `simultaneous-open`: both ends actively open toward each other at the same instant (RFC 9293 §3.5,
// "Simultaneous Connection Synchronization"): SYN-SENT → SYN-RECEIVED → ESTABLISHED on both sides.

import { CLIENT, CLIENT_ADDR, ms, SERVER, SERVER_PORT, scenario } from './world.js';

export const SIMOPEN_CLIENT_PORT = 5000;

const info = {
  name: 'simultaneous-open',
  title: 'simultaneous open: both sides send SYN, the SYNs cross, one connection results',
  description:
    'No listener: both hosts connect to each other at the same instant (client port 5000 to server ' +
    'port 80, and server port 80 to client port 5000). Each SYN arrives in SYN-SENT, so each side goes ' +
    'to SYN-RECEIVED and answers SYN,ACK; those ACKs complete the open and both are ESTABLISHED.',
};

export const simultaneousOpenScenario = scenario(info, (w) => {
  w.start();
  w.note('both apps: connect() to each other');
  const c = w.dial(SIMOPEN_CLIENT_PORT);
  const s = w.server.connect({ addr: CLIENT_ADDR, port: SIMOPEN_CLIENT_PORT }, { localPort: SERVER_PORT });
  w.net.run();
  return {
    summary: (f) => [
      `client ${f.states[CLIENT]?.join(' → ')}; server ${f.states[SERVER]?.join(' → ')}`,
      `both ESTABLISHED (client ${c.state}, server ${s.state}) after ${ms(w.t)}`,
    ],
  };
});
