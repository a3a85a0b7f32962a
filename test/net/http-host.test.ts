// host.http: node:http over a finack host, with no way out to the kernel. GET and POST bodies of
// several sizes, keep-alive reuse, chunked responses, server close, connection errors as 'error'
// events with a code, the refused options that would bypass the host's agent; node:net's kernel
// Socket.connect and Server.listen are spied on throughout and must never be called. The last test
// runs the same traffic in a child inside a network namespace with only a loopback interface and
// counts the kernel's TCP sockets there (root only; skipped with the reason otherwise, a failure
// when FINACK_REQUIRE_SYSTEM=1).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/base/errors.js';
import { FinackAgent, FinackHttpServer, httpOf } from '../../src/net/index.js';
import { SimNetwork } from '../../src/sim/network.js';

// Kernel sockets: every connect() and listen() of node:net's own classes (finack's Socket and
// Server are other classes). A request that slipped through to the kernel would show here.
const kernel = { connect: 0, listen: 0 };
const realConnect = net.Socket.prototype.connect;
const realListen = net.Server.prototype.listen;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  kernel.connect++;
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof realConnect;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  kernel.listen++;
  return (realListen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof realListen;
after(() => {
  net.Socket.prototype.connect = realConnect;
  net.Server.prototype.listen = realListen;
  assert.deepEqual(kernel, { connect: 0, listen: 0 }, 'no kernel socket was opened');
});

const KiB = 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

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

function collect(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (d: Buffer) => parts.push(d));
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', reject);
  });
}

/** The response and its body; rejects with the request's 'error'. */
function send(
  req: http.ClientRequest,
  payload?: Buffer,
): Promise<{ res: http.IncomingMessage; body: Buffer; localPort: number | undefined }> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const localPort = res.socket.localPort; // the agent takes the socket back once the body is read
      collect(res).then((b) => resolve({ res, body: b, localPort }), reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function failure(req: http.ClientRequest): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    req.on('error', resolve);
    req.on('response', () => reject(new Error('a response came')));
    req.end();
  });
}

/** A server on 192.0.2.1:80 that answers with the sha and length of what it got, and a client host. */
async function world(handler?: http.RequestListener) {
  const sim = new SimNetwork({ seed: 14 });
  const server = sim.host('192.0.2.1');
  const client = sim.host('192.0.2.2');
  let accepted = 0;
  const hs = server.http.createServer(
    handler ??
      ((req, res) => {
        collect(req).then((got) => {
          const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? 0);
          res.setHeader('x-got-sha', sha(got));
          res.setHeader('x-got-len', String(got.length));
          res.end(body(n, n + 1));
        });
      }),
  );
  hs.on('connection', () => accepted++);
  await new Promise<void>((r) => hs.listen(80, '192.0.2.1', () => r()));
  return {
    sim,
    server,
    client,
    hs,
    accepted: () => accepted,
    stop: () =>
      new Promise<void>((r) => {
        client.http.globalAgent.destroy();
        hs.close(() => r());
        hs.closeAllConnections();
      }),
  };
}

test('host.http: GET and POST bodies of several sizes, checked byte for byte', async () => {
  const w = await world();
  const sizes = [0, 1, 1460, 64 * KiB + 3, 1024 * KiB + 17];
  for (const n of sizes) {
    const got = await send(w.client.http.get(`http://192.0.2.1/get?n=${n}`));
    assert.equal(got.res.statusCode, 200);
    assert.ok(got.body.equals(body(n, n + 1)), `GET body of ${n} bytes`);
    const up = body(n, 7 * n + 3);
    const post = w.client.http.request({
      method: 'POST',
      host: '192.0.2.1',
      port: 80,
      path: `/post?n=${n >> 1}`,
      headers: { 'content-length': up.length },
    });
    const r = await send(post, up);
    assert.equal(r.res.headers['x-got-len'], String(n));
    assert.equal(r.res.headers['x-got-sha'], sha(up));
    assert.ok(r.body.equals(body(n >> 1, (n >> 1) + 1)), `POST reply of ${n >> 1} bytes`);
  }
  // Node's globalAgent settings (keepAlive) kept one connection for all ten requests.
  assert.equal(w.client.http.globalAgent.connectionsMade, 1);
  assert.equal(w.accepted(), 1);
  await w.stop();
});

test('host.http: keep-alive reuses one connection; the url + options form and a host agent', async () => {
  const w = await world();
  const agent = new w.client.http.Agent({ keepAlive: true, maxSockets: 1 });
  assert.ok(agent instanceof http.Agent && agent instanceof FinackAgent);
  const a = await send(w.client.http.get('http://192.0.2.1/?n=5', { agent }));
  const b = await send(w.client.http.request(new URL('http://192.0.2.1:80/?n=9'), { agent, method: 'PUT' }));
  assert.equal(a.res.headers.connection, 'keep-alive');
  assert.equal(a.body.length + b.body.length, 14);
  assert.equal(a.localPort, b.localPort, 'the same socket');
  assert.equal(agent.connectionsMade, 1);
  assert.equal(w.accepted(), 1);
  const rows = w.client.net.connections().filter((r) => r.remote?.port === 80);
  assert.deepEqual(
    rows.map((r) => r.state),
    ['ESTABLISHED'],
  );
  // The same agent given to Node's own http.request: Node ignores createConnection when there is
  // an agent, and this one's createConnection is finack's.
  const c = await send(http.request({ host: '192.0.2.1', path: '/?n=3', agent }));
  assert.equal(c.body.length, 3);
  assert.equal(agent.connectionsMade, 1);
  // keepAlive off: a connection per request.
  const once = new w.client.http.Agent({ keepAlive: false });
  await send(w.client.http.get({ host: '192.0.2.1', path: '/', agent: once }));
  await send(w.client.http.get({ host: '192.0.2.1', path: '/', agent: once }));
  assert.equal(once.connectionsMade, 2);
  agent.destroy();
  await w.stop();
});

test('host.http: a chunked response arrives whole, in the chunks the server wrote', async () => {
  const parts = [body(10, 1), body(4000, 2), body(70_000, 3), body(1, 4)];
  const w = await world((_req, res) => {
    let i = 0;
    const next = (): void => {
      const p = parts[i++];
      if (p === undefined) res.end();
      else res.write(p, () => setImmediate(next));
    };
    next();
  });
  const got = await send(w.client.http.get('http://192.0.2.1/stream'));
  assert.equal(got.res.headers['transfer-encoding'], 'chunked');
  assert.equal(got.res.headers['content-length'], undefined);
  assert.ok(got.body.equals(Buffer.concat(parts)));
  await w.stop();
});

test('host.http: createServer listens on the finack host; close() stops it and emits close', async () => {
  const w = await world();
  assert.ok(w.hs instanceof http.Server && w.hs instanceof FinackHttpServer);
  assert.equal(w.hs.listening, true);
  assert.deepEqual(w.hs.address(), { address: '192.0.2.1', family: 'IPv4', port: 80 });
  assert.deepEqual(
    w.server.net.connections().map((r) => [r.state, r.local.port]),
    [['LISTEN', 80]],
  );
  await send(w.client.http.get('http://192.0.2.1/?n=1'));
  let closed = false;
  const done = new Promise<Error | undefined>((r) =>
    w.hs.close((err) => {
      closed = true;
      r(err);
    }),
  );
  assert.equal(w.hs.listening, false);
  assert.equal(w.hs.address(), null);
  // Node's close() ends the idle keep-alive connection; 'close' follows once it is gone.
  assert.equal(await done, undefined);
  assert.ok(closed);
  // Nothing listens any more: the next connection is refused.
  w.client.http.globalAgent.destroy();
  const err = await failure(w.client.http.get('http://192.0.2.1/'));
  assert.equal(err.code, 'ECONNREFUSED');
  // Another server on the same host: port 0 is an ephemeral port; a port in use is an 'error'.
  const other = w.server.http.createServer((_q, s) => s.end('x'));
  await new Promise<void>((r) => other.listen(0, () => r()));
  const port = (other.address() as net.AddressInfo).port;
  assert.ok(port > 0);
  assert.equal((await send(w.client.http.get({ host: '192.0.2.1', port }))).body.toString(), 'x');
  const dup = w.server.http.createServer();
  const e = await new Promise<NodeJS.ErrnoException>((r) => dup.on('error', r).listen(port));
  assert.equal(e.code, 'EADDRINUSE');
  assert.equal(dup.listening, false);
  w.client.http.globalAgent.destroy();
  await new Promise<void>((r) => other.close(() => r()));
});

test('host.http: connection errors are error events with a code (refused, unknown name)', async () => {
  const w = await world();
  const refused = await failure(w.client.http.request({ host: '192.0.2.1', port: 81 }));
  assert.equal(refused.code, 'ECONNREFUSED');
  assert.equal((refused as { port?: number }).port, 81);
  const unreachable = await failure(w.client.http.get('http://example.com/'));
  assert.equal(unreachable.code, 'ENOTFOUND');
  assert.equal(unreachable.syscall, 'getaddrinfo');
  // 'localhost' is the host itself: the server host reaches its own listener, the client host has none.
  assert.equal((await send(w.server.http.get('http://localhost/?n=2'))).body.length, 2);
  assert.equal((await failure(w.client.http.get('http://localhost/'))).code, 'ECONNREFUSED');
  w.server.http.globalAgent.destroy();
  await w.stop();
});

test('host.http: options that would bypass the host are refused (UsageError ERR_INVALID_ARG_VALUE)', () => {
  const sim = new SimNetwork({ seed: 1 });
  const host = sim.host('192.0.2.2');
  const h = host.http;
  const otherHost = sim.host('192.0.2.3').http;
  const url = 'http://192.0.2.1/';
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['agent', { agent: false }, /agent=false .*kernel socket/],
    ['agent', { agent: new http.Agent() }, /not an agent of this host/],
    ['agent', { agent: new otherHost.Agent() }, /not an agent of this host/],
    ['createConnection', { createConnection: () => null }, /createConnection=function .*over finack/],
    ['socketPath', { socketPath: '/tmp/x.sock' }, /socketPath=\/tmp\/x.sock .*Unix domain socket/],
    ['lookup', { lookup: () => {} }, /lookup=function .*resolver/],
  ];
  for (const [name, opts, message] of cases) {
    const calls = [
      () => h.request({ host: '192.0.2.1', ...opts }),
      () => h.get({ host: '192.0.2.1', ...opts }),
      () => h.request(url, opts),
      () => h.get(new URL(url), opts, () => {}),
    ];
    for (const call of calls) {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof UsageError, `${name}: a UsageError`);
        assert.equal(e.code, 'ERR_INVALID_ARG_VALUE');
        assert.match(e.message, message);
        return true;
      });
    }
  }
  // The agent made no connection, and nothing reached the kernel (the spies in after()).
  assert.equal(h.globalAgent.connectionsMade, 0);
  assert.equal(host.net.connections().length, 0);
  // null and undefined mean "the default", as in Node: this host's globalAgent.
  const req = h.request({ host: '192.0.2.1', agent: undefined, createConnection: undefined });
  assert.equal((req as unknown as { agent: unknown }).agent, h.globalAgent);
  req.on('error', () => {}).destroy();
});

test('host.http is one object per host, on simulated hosts and TUN drivers alike', async () => {
  const finack = await import('../../src/index.js');
  const sim = new SimNetwork({ seed: 1 });
  const host = sim.host('192.0.2.1');
  assert.equal(host.http, host.http);
  assert.equal(host.http, httpOf(host));
  assert.equal(host.http.net, host.net);
  const device = { name: 'mem0', mtu: 1500, onPacket: () => {}, write: () => true, close: () => {} };
  const driver = new finack.TunDriver({ device, addresses: ['192.0.2.2'], clock: new finack.VirtualClock(0) });
  assert.equal(driver.http.net, driver.net);
  assert.equal(driver.http, httpOf(driver));
  driver.close({ abort: true });
});

/** Why the namespace test cannot run here, or undefined when it can. */
function namespaceMissing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (unshare --net needs root)';
  if (spawnSync('unshare', ['--version'], { stdio: 'ignore' }).status !== 0)
    return 'no unshare (apt-get install util-linux)';
  return undefined;
}

test('host.http sends nothing to the kernel: in a namespace with only lo, no kernel TCP socket opens', (t) => {
  const why = namespaceMissing();
  if (why !== undefined) {
    if (process.env.FINACK_REQUIRE_SYSTEM === '1') throw new Error(`FINACK_REQUIRE_SYSTEM=1 but ${why}`);
    t.diagnostic(`skipped: ${why}`);
    t.skip(why);
    return;
  }
  const child = fileURLToPath(new URL('./http-host-netns-child.ts', import.meta.url));
  const r = spawnSync('unshare', ['--net', '--', process.execPath, '--import', 'tsx', child], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  assert.deepEqual(out.interfaces, ['lo'], 'a namespace of its own, loopback only');
  assert.deepEqual(out.replies, ['got 0', 'got 100000']);
  // No kernel TCP socket before, while serving, or after; no kernel connect() at all.
  assert.deepEqual([out.before, out.during, out.after, out.finackConnects], [0, 0, 0, 0]);
  // The control shows the counting works: Node's agent: false ignores createConnection and tries
  // the kernel, which has no route out of this namespace.
  assert.equal(out.controlConnects, 1);
  assert.equal(out.leak, 'ENETUNREACH');
});
