// Node's own http module over finack: an http.Server fed finack sockets through
// server.emit('connection', socket), and http.request whose createConnection (or agent) returns a
// finack socket. Keep-alive and Connection: close, bodies of several MiB checked byte for byte.
// Everything runs in virtual time on a simulated network.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { test } from 'node:test';
import { type FinackNet, netOf } from '../../src/net/index.js';
import type { Socket } from '../../src/net/socket.js';
import { SimNetwork } from '../../src/sim/network.js';

const MiB = 1024 * 1024;

function body(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  return b;
}

/** Waits (event-loop turns, at most 1000) until pred() holds; returns whether it did. */
async function until(pred: () => boolean): Promise<boolean> {
  for (let i = 0; i < 1000; i++) {
    if (pred()) return true;
    await new Promise<void>((r) => setImmediate(r));
  }
  return pred();
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface World {
  sim: SimNetwork;
  server: FinackNet;
  client: FinackNet;
  http: http.Server;
  accepted: Socket[];
  stop(): Promise<void>;
}

/** An http.Server whose connections come from a finack listener on 192.0.2.1:80. */
async function world(handler: http.RequestListener): Promise<World> {
  const sim = new SimNetwork({ seed: 42 });
  const server = netOf(sim.host('192.0.2.1'));
  const client = netOf(sim.host('192.0.2.2'));
  const hs = http.createServer(handler);
  const accepted: Socket[] = [];
  const listener = server.createServer((sock) => {
    accepted.push(sock);
    hs.emit('connection', sock);
  });
  await new Promise<void>((r) => listener.listen(80, '192.0.2.1', () => r()));
  return {
    sim,
    server,
    client,
    http: hs,
    accepted,
    stop: () =>
      new Promise<void>((r) => {
        hs.closeAllConnections();
        listener.close(() => r());
      }),
  };
}

function collect(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (d: Buffer) => parts.push(d));
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', reject);
  });
}

test('http: POST 5 MiB up and GET 6 MiB down over one finack connection (Connection: close)', async () => {
  const up = body(5 * MiB, 1);
  const down = body(6 * MiB, 2);
  const w = await world((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const got = Buffer.concat(parts);
      res.setHeader('x-got-sha', sha(got));
      res.setHeader('x-got-len', String(got.length));
      res.end(down);
    });
  });
  const t0 = performance.now();
  const sock = w.client.connect(80, '192.0.2.1') as Socket;
  const states: string[] = [];
  sock.on('close', () => states.push(`close ${sock.tcpState}`));
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(
      {
        method: 'POST',
        host: '192.0.2.1',
        port: 80,
        path: '/upload',
        headers: { connection: 'close', 'content-length': up.length },
        createConnection: () => sock as unknown as import('node:net').Socket,
      },
      resolve,
    );
    req.on('error', reject);
    req.end(up);
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.connection, 'close');
  assert.equal(res.headers['x-got-len'], String(up.length));
  assert.equal(res.headers['x-got-sha'], sha(up));
  const got = await collect(res);
  assert.equal(got.length, down.length);
  assert.ok(got.equals(down), 'download differs');
  await new Promise<void>((r) => (sock.destroyed ? r() : sock.once('close', () => r())));
  // The client closed first (Connection: close is honoured by the server ending its side).
  assert.equal(sock.bytesRead > down.length, true);
  assert.equal(w.sim.now > 0, true);
  await w.stop();
  assert.ok(performance.now() - t0 < 5_000);
});

test('http: keep-alive agent reuses one finack connection for several requests', async () => {
  const w = await world((req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n'));
    res.end(body(n, n));
  });
  let made = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  (agent as unknown as { createConnection: (o: { port: number; host: string }) => unknown }).createConnection = (o) => {
    made++;
    return w.client.connect(o.port, o.host);
  };
  const sizes = [10, 1 * MiB, 3 * MiB + 17, 0, 2 * MiB];
  const remotePorts = new Set<number>();
  for (const n of sizes) {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({ host: '192.0.2.1', port: 80, path: `/?n=${n}`, agent }, resolve);
      req.on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.connection, 'keep-alive');
    remotePorts.add(res.socket.localPort as number);
    const got = await collect(res);
    assert.equal(got.length, n);
    assert.ok(got.equals(body(n, n)), `body of ${n} bytes differs`);
  }
  assert.equal(made, 1, 'one connection for every request');
  assert.equal(remotePorts.size, 1);
  assert.equal(w.accepted.length, 1);
  // Both ends are ESTABLISHED while the agent keeps the socket.
  assert.equal(w.accepted[0]?.tcpState, 'ESTABLISHED');
  agent.destroy();
  await w.stop();
});

test('http: Connection: close on every request makes one connection each, closed in order', async () => {
  const w = await world((_req, res) => {
    res.setHeader('connection', 'close');
    res.end('bye');
  });
  const sockets: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(
        {
          host: '192.0.2.1',
          port: 80,
          path: '/',
          createConnection: () => {
            const s = w.client.connect(80, '192.0.2.1') as Socket;
            sockets.push(s);
            return s as unknown as import('node:net').Socket;
          },
        },
        resolve,
      );
      req.on('error', reject);
    });
    assert.equal((await collect(res)).toString(), 'bye');
  }
  const closed = (s: Socket): Promise<void> => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())));
  await Promise.all([...sockets, ...w.accepted].map(closed));
  // The server's sockets are gone for the application, but their connections still wait for the
  // client's FIN (FIN-WAIT-2) for a moment of virtual time.
  assert.ok(await until(() => w.accepted.every((s) => s.tcpState === 'TIME-WAIT')));
  assert.equal(sockets.length, 3);
  assert.equal(w.accepted.length, 3);
  // The server closed first (it sent Connection: close), so the TIME-WAIT records sit on the server.
  const rows = w.server.connections();
  assert.equal(rows.filter((r) => r.state === 'TIME-WAIT').length, 3);
  assert.equal(w.client.connections().filter((r) => r.state === 'TIME-WAIT').length, 0);
  await w.stop();
});
