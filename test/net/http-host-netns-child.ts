// Run by http-host.test.ts inside a network namespace of its own that has only a loopback interface
// (unshare --net). It serves and fetches over host.http on a simulated network, counting the
// kernel's TCP sockets of this namespace (/proc/net/tcp and tcp6) before, during and after, and
// every call of node:net's kernel Socket.prototype.connect. Then, as a control that the counting
// sees a leak, it makes the mistake host.http refuses — Node's http.request with agent: false and
// a createConnection — which goes to the kernel (and finds no route: nothing leaves the namespace).
// Prints one JSON line.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { SimNetwork } from '../../src/index.js';

// The control below deliberately reaches the kernel's TCP: refuse to run anywhere but a namespace
// whose only interface is the loopback, so nothing can leave the machine even by mistake.
const interfacesHere = readFileSync('/proc/net/dev', 'utf8')
  .split('\n')
  .slice(2)
  .map((l) => l.split(':')[0]?.trim())
  .filter(Boolean);
if (interfacesHere.some((i) => i !== 'lo')) {
  process.stderr.write(
    `refusing to run outside a loopback-only namespace (interfaces: ${interfacesHere.join(', ')})\n`,
  );
  process.exit(2);
}

const tcpSockets = (): number =>
  ['/proc/net/tcp', '/proc/net/tcp6']
    .map((f) => readFileSync(f, 'utf8').trim().split('\n').length - 1)
    .reduce((a, b) => a + b, 0);

let kernelConnects = 0;
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  kernelConnects++;
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof realConnect;

const before = tcpSockets();
let during = -1;
const sim = new SimNetwork({ seed: 3 });
const server = sim.host('192.0.2.1');
const client = sim.host('192.0.2.2');
const hs = server.http.createServer((req, res) => {
  during = tcpSockets();
  let n = 0;
  req.on('data', (d: Buffer) => (n += d.length));
  req.on('end', () => res.end(`got ${n}`));
});
await new Promise<void>((r) => hs.listen(80, () => r()));

const fetch = (req: http.ClientRequest, payload?: string): Promise<string> =>
  new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end(payload);
  });

const replies = [
  await fetch(client.http.get('http://192.0.2.1/')),
  await fetch(client.http.request({ host: '192.0.2.1', method: 'POST' }), 'x'.repeat(100_000)),
];
client.http.globalAgent.destroy();
await new Promise<void>((r) => hs.close(() => r()));
const after = tcpSockets();
const finackConnects = kernelConnects;

// The control: Node's own http, as a copied snippet would call it.
const leak = await new Promise<string>((resolve) => {
  const req = http.request({
    host: '192.0.2.1',
    agent: false,
    createConnection: () => client.net.connect(80, '192.0.2.1') as unknown as net.Socket,
  });
  req.on('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
  req.on('response', () => resolve('response'));
  req.end();
});

console.log(
  JSON.stringify({
    // /proc/net/dev is this namespace's (sysfs would show the mounter's).
    interfaces: readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]?.trim())
      .filter(Boolean),
    before,
    during,
    after,
    finackConnects,
    replies,
    controlConnects: kernelConnects - finackConnects,
    leak,
  }),
);
