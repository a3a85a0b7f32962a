import { TunDevice, TunDriver } from 'finack';

// Run as root inside a network namespace. The kernel's side of the TUN interface owns 10.9.0.1/24;
// finack answers as 10.9.0.2, with the same net API as on the simulated network, in real time.
const device = TunDevice.open({ name: 'finack0', kernelAddrs: ['10.9.0.1/24'] });
const net = new TunDriver({ device, addresses: ['10.9.0.2'] }).net;

net
  .createServer({ allowHalfOpen: true }, (sock) => {
    let request = '';
    sock.on('data', (d) => (request += d));
    sock.on('end', () => sock.end(`you sent ${request.length} bytes\n`)); // after the kernel's FIN
  })
  .listen(7, '10.9.0.2');
