import { SimNetwork } from 'finack';

// Names come from the simulated network (a hosts map, and the hosts' own names), never a resolver.
const sim = new SimNetwork({ hosts: { 'www.example.test': '198.51.100.1' } });
const server = sim.host('198.51.100.1', { name: 'server' });
const net = sim.host('192.0.2.1').net;

net.lookup('www.example.test', (_err, address, family) => console.log(address, family)); // 198.51.100.1 4
net.lookup('nowhere.example.test', (err) => console.log(err?.code)); // ENOTFOUND, as getaddrinfo says
server.net.createServer((sock) => sock.end('hi')).listen(80);
net.connect(80, 'server').on('data', (d) => console.log(String(d))); // hi: a host name resolves too
