// finack's net API on the simulated network alone: what the kernel cannot show in a bounded test
// (keepalive after two hours, retransmission and SYN timeouts, partitions), what goes beyond Node
// (tcpState, connections()), time modes, and the seed's close sequence through this API.

import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { HOUR, MINUTE } from '../../src/core/time.js';
import { formatConnections, netOf } from '../../src/net/index.js';
import type { Socket } from '../../src/net/socket.js';
import { SimNetwork } from '../../src/sim/network.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { ACK, FIN } from '../../src/wire/segment.js';

const closed = (s: Socket): Promise<boolean> =>
  new Promise((r) => (s.closed ? r(false) : s.once('close', (hadError: boolean) => r(hadError))));

function setup(
  opts: { seed?: number; trace?: (e: TraceEvent) => void; time?: 'virtual' | 'real'; latency?: number } = {},
) {
  const sim = new SimNetwork({
    seed: opts.seed ?? 3,
    link: { latency: opts.latency ?? 10 },
    ...(opts.trace ? { trace: opts.trace } : {}),
  });
  const a = netOf(sim.host('192.0.2.1'), opts.time ? { time: opts.time } : {});
  const b = netOf(sim.host('192.0.2.2'));
  return { sim, a, b };
}

/** Waits (event-loop turns, at most 1000) until pred() holds; returns whether it did. */
async function until(pred: () => boolean): Promise<boolean> {
  for (let i = 0; i < 1000; i++) {
    if (pred()) return true;
    await new Promise<void>((r) => setImmediate(r));
  }
  return pred();
}

async function listening(srv: { listen: (...a: unknown[]) => unknown }, port = 80): Promise<void> {
  await new Promise<void>((r) => srv.listen(port, '192.0.2.1', () => r()));
}

test('keepalive: a silent peer is declared dead after 2 h idle + 10 probes, in well under a second', async () => {
  const { sim, a, b } = setup();
  const srv = a.createServer((s) => s.resume());
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  c.setKeepAlive(true); // initialDelay 0: the default idle time, 2 hours
  const errors: unknown[] = [];
  c.on('error', (e) => errors.push(e));
  sim.partition('192.0.2.1', '192.0.2.2');
  const wall = performance.now();
  const t0 = sim.now;
  assert.equal(await closed(c), true);
  assert.ok(performance.now() - wall < 1_000, 'virtual time');
  const e = errors[0] as { code: string; errno: number; syscall: string };
  assert.equal(e.code, 'ETIMEDOUT');
  assert.equal(e.errno, -constants.errno.ETIMEDOUT);
  assert.equal(e.syscall, 'read');
  // 2 h idle, then 10 probes a second apart (as libuv sets them), then the verdict.
  assert.equal(sim.now - t0, 2 * HOUR + 10_000);
  assert.equal(c.readyState, 'closed');
  srv.close();
});

test('keepalive with a live peer: probes are answered, the connection survives 5 virtual hours', async () => {
  const { sim, a, b } = setup();
  const srv = a.createServer((s) => s.resume());
  await listening(srv);
  const c = b.connect({ port: 80, host: '192.0.2.1', keepAlive: true, keepAliveInitialDelay: 60_000 });
  let probes = 0;
  sim.tap((p) => {
    if (p.from === '192.0.2.2' && p.packet?.seg.payload.length === 0 && p.packet.seg.flags === ACK) probes++;
  });
  const t0 = sim.now;
  c.setTimeout(5 * HOUR, () => c.destroy());
  assert.equal(await closed(c), false);
  assert.ok(sim.now - t0 >= 5 * HOUR);
  assert.ok(probes >= 5 * 60 - 2, `probes ${probes}`); // one a minute
  srv.close();
});

test('retransmission exhausted: ETIMEDOUT on read; SYN retries exhausted: ETIMEDOUT on connect', async () => {
  const { sim, a, b } = setup();
  const srv = a.createServer((s) => s.resume());
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  sim.partition('192.0.2.1', '192.0.2.2');
  const errs: { code: string; syscall: string }[] = [];
  c.on('error', (e) => errs.push(e as never));
  c.write('into the void');
  assert.equal(await closed(c), true);
  assert.deepEqual(
    errs.map((e) => [e.code, e.syscall]),
    [['ETIMEDOUT', 'read']],
  );
  const d = b.connect(80, '192.0.2.1');
  const derrs: { code: string; syscall: string; address: string; port: number }[] = [];
  d.on('error', (e) => derrs.push(e as never));
  const t0 = sim.now;
  assert.equal(await closed(d), true);
  assert.deepEqual(
    derrs.map((e) => [e.code, e.syscall, e.address, e.port]),
    [['ETIMEDOUT', 'connect', '192.0.2.1', 80]],
  );
  assert.ok(sim.now - t0 > MINUTE, 'six SYN retransmissions with backoff');
  srv.close();
});

test('errors are shaped like node:net: ECONNREFUSED with errno, syscall, address, port and message', async () => {
  const { b } = setup();
  const c = b.connect(81, '192.0.2.1');
  const hadError = closed(c);
  const err = await new Promise<Error & Record<string, unknown>>((r) => c.once('error', r as never));
  assert.equal(err.code, 'ECONNREFUSED');
  assert.equal(err.errno, -constants.errno.ECONNREFUSED);
  assert.equal(err.syscall, 'connect');
  assert.equal(err.address, '192.0.2.1');
  assert.equal(err.port, 81);
  assert.equal(err.message, 'connect ECONNREFUSED 192.0.2.1:81');
  assert.equal(await hadError, true);
  assert.equal(c.pending, true);
});

test('tcpState and readyState along a half-close; connections() shows the CLOSE-WAIT leak and TIME-WAIT', async () => {
  const { sim, a, b } = setup();
  let accepted!: (s: Socket) => void;
  const serverP = new Promise<Socket>((r) => (accepted = r));
  const srv = a.createServer({ allowHalfOpen: true }, (s) => {
    s.resume();
    accepted(s);
  });
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  c.resume(); // a socket nobody reads never emits 'end' (as in Node)
  const seen: string[] = [];
  for (const ev of ['connect', 'finish', 'end', 'close'])
    c.on(ev, () => seen.push(`${ev}:${c.readyState}:${c.tcpState}`));
  assert.equal(c.tcpState, 'CLOSED'); // connect() opens on the next tick, as Node's
  await new Promise<void>((r) => c.once('connect', () => r()));
  const server = await serverP;
  c.end();
  await new Promise<void>((r) => server.once('end', () => r()));
  // The server never ends: a CLOSE-WAIT leak, visible like `ss -tan` shows it.
  const rows = a.connections();
  const cw = rows.find((r) => r.state === 'CLOSE-WAIT');
  assert.ok(cw);
  assert.equal(cw.local.port, 80);
  // The server's ACK of the FIN is still on its way (10 ms of network time).
  assert.ok(await until(() => b.connections().find((r) => r.conn !== undefined)?.state === 'FIN-WAIT-2'));
  assert.match(formatConnections(rows), /^State .*\nLISTEN .*\nCLOSE-WAIT +0 +0 192\.0\.2\.1:80 +192\.0\.2\.2:\d+/);
  assert.equal(server.readyState, 'writeOnly');
  server.end('late');
  assert.equal(await closed(c), false);
  assert.deepEqual(seen, [
    'connect:open:ESTABLISHED',
    'finish:readOnly:FIN-WAIT-1',
    'end:closed:TIME-WAIT',
    'close:closed:TIME-WAIT',
  ]);
  const tw = b.connections().find((r) => r.state === 'TIME-WAIT');
  assert.equal(tw?.timer?.kind, 'time-wait');
  assert.ok((tw?.timer?.remaining ?? 0) > 59_000);
  const t = sim.now;
  await closed(server);
  srv.close();
  assert.ok(sim.now >= t);
});

test("the seed's close through this API: same states and seq/ack values as the core's scenario", async () => {
  const states: Record<string, string[]> = { '192.0.2.1': [], '192.0.2.2': [] };
  const { sim, a, b } = setup({
    trace: (e) => {
      if (e.type === 'state' && e.conn !== '' && e.to !== 'LISTEN') states[e.endpoint]?.push(e.to);
    },
  });
  let server!: Socket;
  const LAST = 'bye from server\n'; // as the core's close scenario (src/scenarios/close.ts)
  const srv = a.createServer({ allowHalfOpen: true }, (s) => {
    server = s;
    s.resume();
    s.on('end', () => {
      s.write(LAST);
      setImmediate(() => s.end());
    });
  });
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  let got = '';
  c.on('data', (d) => (got += d));
  await new Promise<void>((r) => c.once('connect', () => r()));
  const rel: { t: number; who: string; flags: number; seq: number; ack: number; len: number }[] = [];
  sim.tap((p) => {
    const s = p.packet?.seg;
    if (s === undefined) return;
    const who = p.from === '192.0.2.2' ? 'client' : 'server';
    rel.push({ t: p.t, who, flags: s.flags & ~0x08, seq: s.seq, ack: s.ack, len: s.payload.length });
  });
  c.end();
  assert.equal(await closed(c), false);
  await closed(server);
  assert.ok(await until(() => server.tcpState === 'CLOSED'));
  // Relative numbers: the client's FIN is the first segment after the handshake.
  const cFin = rel.find((x) => x.who === 'client' && x.flags & FIN);
  assert.ok(cFin);
  const iss = { client: cFin.seq - 1, server: cFin.ack - 1 };
  const view = rel.map((x) => [
    x.who,
    x.flags,
    (x.seq - iss[x.who as 'client' | 'server']) >>> 0,
    (x.ack - iss[x.who === 'client' ? 'server' : 'client']) >>> 0,
    x.len,
  ]);
  assert.deepEqual(view, [
    ['client', FIN | ACK, 1, 1, 0],
    ['server', ACK, 1, 2, 0],
    ['server', ACK, 1, 2, 16],
    ['server', FIN | ACK, 17, 2, 0],
    ['client', ACK, 2, 18, 0],
  ]);
  assert.equal(got, LAST);
  assert.deepEqual(states['192.0.2.2'], ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT']);
  assert.deepEqual(states['192.0.2.1'], ['SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  srv.close();
});

test('virtual time: a 2-hour socket timeout fires at exactly 2 h of network time', async () => {
  const { sim, a, b } = setup();
  const srv = a.createServer((s) => s.resume());
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  const t0 = sim.now;
  const wall = performance.now();
  await new Promise<void>((r) => c.setTimeout(2 * HOUR, () => r()));
  assert.equal(sim.now - t0, 2 * HOUR);
  assert.ok(performance.now() - wall < 1_000);
  c.destroy();
  await closed(c);
  srv.close();
});

test('real-time mode: network time follows the wall clock', async () => {
  const { sim, a, b } = setup({ time: 'real', latency: 25 });
  const srv = a.createServer((s) => s.on('data', (d) => s.end(d)));
  await listening(srv);
  const wall = performance.now();
  const c = b.connect(80, '192.0.2.1');
  c.on('connect', () => c.write('echo'));
  let got = '';
  c.on('data', (d) => (got += d));
  await closed(c);
  const elapsed = performance.now() - wall;
  assert.equal(got, 'echo');
  // SYN, SYN-ACK, data, reply: at least two round trips of 50 ms.
  assert.ok(elapsed >= 95, `elapsed ${elapsed}`);
  assert.ok(sim.now >= 100 && sim.now <= elapsed + 50, `sim ${sim.now} wall ${elapsed}`);
  srv.close();
  a.driver.stop();
});

test('server: listen forms, port 0, address(), EADDRINUSE shape, close(cb) when not running', async () => {
  const { a } = setup();
  const s1 = a.createServer();
  await new Promise<void>((r) => s1.listen({ port: 0, host: '192.0.2.1', backlog: 4 }, () => r()));
  const addr = s1.address();
  assert.ok(addr && addr.port >= 49152, 'ephemeral');
  assert.deepEqual({ ...addr, port: 0 }, { address: '192.0.2.1', family: 'IPv4', port: 0 });
  const s2 = a.createServer();
  const err = await new Promise<Error & Record<string, unknown>>((r) => {
    s2.once('error', r as never);
    s2.listen(addr.port);
  });
  assert.equal(err.code, 'EADDRINUSE');
  assert.equal(err.syscall, 'listen');
  assert.equal(err.errno, -constants.errno.EADDRINUSE);
  assert.equal(err.port, addr.port);
  const s3 = a.createServer();
  const e3 = await new Promise<Error & Record<string, unknown>>((r) => {
    s3.once('error', r as never);
    s3.listen(8080, '203.0.113.77');
  });
  assert.equal(e3.code, 'EADDRNOTAVAIL');
  const notRunning = await new Promise<Error & { code?: string }>((r) => a.createServer().close(r as never));
  assert.equal(notRunning.code, 'ERR_SERVER_NOT_RUNNING');
  assert.throws(() => s1.listen(0), { code: 'ERR_SERVER_ALREADY_LISTEN' });
  await new Promise<void>((r) => s1.close(() => r()));
  assert.equal(s1.address(), null);
  assert.equal(a.isIP('192.0.2.1'), 4);
  assert.equal(a.isIP('::1'), 6);
  assert.equal(a.isIP('host'), 0);
});

test('new Socket() then connect(); localhost resolves to the host itself with a lookup event', async () => {
  const { a } = setup();
  const srv = a.createServer((s) => s.end('self'));
  await listening(srv, 7);
  const s = new a.Socket();
  assert.equal(s.pending, true);
  assert.equal(s.readyState, 'open'); // as node:net says of a socket never connected
  const lookups: unknown[][] = [];
  s.on('lookup', (...args) => lookups.push(args));
  s.connect(7, 'localhost');
  assert.equal(s.readyState, 'opening');
  let got = '';
  s.on('data', (d) => (got += d));
  await closed(s);
  assert.deepEqual(lookups, [[null, '192.0.2.1', 4, 'localhost']]);
  assert.equal(got, 'self');
  srv.close();
});

test('backpressure: write() is false once the send buffer and the stream are full; drain follows; bytes intact', async () => {
  const sim = new SimNetwork({ seed: 5, config: { sendBuffer: 8192, recvBuffer: 8192 } });
  const a = netOf(sim.host('192.0.2.1'));
  const b = netOf(sim.host('192.0.2.2'));
  let received = 0;
  let server!: Socket;
  const srv = a.createServer((s) => {
    server = s;
    s.pause(); // the reader does not read yet: both buffers fill
    s.on('data', (d) => (received += d.length));
  });
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  const N = 32;
  const results: boolean[] = [];
  for (let i = 0; i < N; i++) results.push(c.write(Buffer.alloc(4096, i)));
  // 8 KiB fit the send buffer at once; the third write is taken only in part, so it and the later
  // ones wait in the stream, which says false once it holds 16 KiB (its high-water mark).
  assert.deepEqual(results.slice(0, 6), [true, true, true, true, true, false]);
  assert.ok(results.slice(5).every((r) => !r));
  assert.equal(c.writableLength, (N - 2) * 4096);
  assert.equal(c.bytesWritten, N * 4096);
  let drains = 0;
  c.on('drain', () => drains++);
  // The receiver's stream takes 16 KiB and its window 8 KiB: the writer stays blocked.
  assert.ok((await until(() => server !== undefined && received === 0 && sim.now > 1000)) || drains === 0);
  assert.equal(drains, 0);
  server.resume();
  assert.ok(await until(() => drains === 1));
  c.resume(); // read the server's FIN, or 'end' (and so 'close') never comes
  c.end();
  await closed(c);
  assert.equal(received, N * 4096);
  assert.equal(server.bytesRead, N * 4096);
  srv.close();
});

test('diagnostics_channel: client and server sockets are published', async () => {
  const dc = await import('node:diagnostics_channel');
  const seen: string[] = [];
  const onClient = (m: unknown) => seen.push(`client ${(m as { socket: Socket }).socket.constructor.name}`);
  const onServer = () => seen.push('server');
  dc.subscribe('finack.net.client.socket', onClient);
  dc.subscribe('finack.net.server.socket', onServer);
  const { a, b } = setup();
  const srv = a.createServer((s) => s.end());
  await listening(srv);
  const c = b.connect(80, '192.0.2.1');
  c.resume();
  await closed(c);
  dc.unsubscribe('finack.net.client.socket', onClient);
  dc.unsubscribe('finack.net.server.socket', onServer);
  assert.deepEqual(seen, ['client HostSocket', 'server']);
  srv.close();
});
