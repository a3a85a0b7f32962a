import { TunDevice, TunDriver } from 'finack';

// Run as root inside a network namespace. The kernel's side of the TUN interface owns 198.51.100.1/24;
// finack answers as 198.51.100.2, with the same net API as on the simulated network, in real time.
const device = TunDevice.open({ name: 'finack0', kernelAddrs: ['198.51.100.1/24'] });
const net = new TunDriver({ device, addresses: ['198.51.100.2'] }).net;

net
  .createServer({ allowHalfOpen: true }, (sock) => {
    let request = '';
    sock.on('data', (d) => (request += d));
    sock.on('end', () => sock.end(`you sent ${request.length} bytes\n`)); // after the kernel's FIN
  })
  .listen(7, '198.51.100.2');
