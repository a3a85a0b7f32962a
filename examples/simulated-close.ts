import { SimNetwork } from 'finack';

// Two hosts on a simulated network with 10 ms of one-way latency, in virtual time.
const sim = new SimNetwork({ seed: 1, link: { latency: 10 } });
const client = sim.host('192.0.2.1', { name: 'client' });
const server = sim.host('192.0.2.2', { name: 'server' });

const listener = server.listen(80);
const conn = client.connect({ addr: '192.0.2.2', port: 80 });
sim.runFor(100); // the three-way handshake

const peer = listener.accepted[0]!;
conn.write('hello');
conn.shutdown(); // half-close: FIN after the data; the client still reads
sim.runFor(100);
console.log(peer.receivedText(), peer.state); // hello CLOSE-WAIT

peer.write('bye'); // the server may go on sending in CLOSE-WAIT
peer.close(); // then its FIN: LAST-ACK
sim.runFor(100);
console.log(conn.receivedText(), conn.state, peer.state); // bye TIME-WAIT CLOSED

sim.run(); // virtual time jumps over the 60 s of TIME-WAIT
console.log(conn.state, sim.now); // CLOSED 60210: TIME-WAIT began at 210 ms
