import { SimNetwork } from 'finack';

// node:net's API on two simulated hosts; virtual time runs on Node's event loop.
const sim = new SimNetwork({ seed: 1 });
const server = sim.host('192.0.2.1').net;
const client = sim.host('192.0.2.2').net;

// allowHalfOpen: after the client's FIN ('end') the server may still write, then end() sends its FIN.
server
  .createServer({ allowHalfOpen: true }, (sock) => {
    let request = '';
    sock.on('data', (d) => (request += d));
    sock.on('end', () => {
      console.log('server got FIN in', sock.tcpState); // CLOSE-WAIT
      sock.end(`you sent ${request.length} bytes`); // our FIN: LAST-ACK, then CLOSED
    });
  })
  .listen(80, '192.0.2.1');

const c = client.connect(80, '192.0.2.1', () => c.end('hello')); // data, then FIN: still reading
// The reply and the server's FIN arrive in one segment, so by the time it is read: TIME-WAIT.
c.on('data', (d) => console.log('client read', JSON.stringify(String(d)), 'in', c.tcpState));
c.on('close', () => console.log('client closed in', c.tcpState)); // TIME-WAIT: the 2MSL duty remains
