// The node:net look-alike (src/net) over a TUN driver: the same Socket and Server code as on the
// simulated network, now against the Linux kernel's TCP.
//
// The first tests need no kernel: two TunDrivers joined by in-memory devices, once in virtual time
// (the SimDriver steps the drivers' VirtualClock) and once in real time (NodeClock + ClockDriver).
// The others run in a network namespace each (netns.ts): the finack side is a small program using
// `tunDriver.net`, started inside the namespace, which prints what its sockets saw as JSON lines;
// the kernel side is node:net (or curl) in the same namespace.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { type PacketDevice, TunDriver } from '../../src/drivers/tun/driver.js';
import { ClockDriver, netOf, SimDriver } from '../../src/net/index.js';
import type { Socket } from '../../src/net/socket.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { FINACK, IFNAME, KERNEL, type Proc, ROOT, requireSystem, withNetns } from './netns.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

// -------------------------------------------------------------------------------------------------
// Without a kernel

/** One end of an in-memory wire; `deliver` says when a written packet reaches the other end. */
class MemDevice implements PacketDevice {
  readonly mtu = 1500;
  onPacket: (bytes: Uint8Array) => void = () => {};
  peer: MemDevice | undefined;
  constructor(
    readonly name: string,
    readonly deliver: (fn: () => void) => void,
  ) {}
  write(packet: Uint8Array): boolean {
    const peer = this.peer;
    if (peer !== undefined) this.deliver(() => peer.onPacket(packet));
    return true;
  }
  close(): void {}
}

function driverPair(
  deliver: (fn: () => void) => void,
  clock?: () => VirtualClock,
  addrs: [string[], string[]] = [['192.0.2.1'], ['192.0.2.2']],
) {
  const da = new MemDevice('a', deliver);
  const db = new MemDevice('b', deliver);
  da.peer = db;
  db.peer = da;
  const mk = (device: MemDevice, addresses: string[], name: string) =>
    new TunDriver({
      device,
      addresses,
      name,
      isnSecret: new Uint8Array(16).fill(name.length),
      random: () => 0.5,
      ...(clock !== undefined ? { clock: clock() } : {}),
    });
  return { server: mk(da, addrs[0], 'server'), client: mk(db, addrs[1], 'client') };
}

/** Records a socket's events in order, with readyState where Node users look at it. */
function record(s: Socket, log: string[]): void {
  s.on('connect', () => log.push(`connect ${s.readyState}`));
  s.on('end', () => log.push(`end ${s.readyState} ${s.tcpState}`));
  s.on('finish', () => log.push(`finish ${s.readyState}`));
  s.on('error', (e: NodeJS.ErrnoException) => log.push(`error ${e.code}`));
  s.on('close', (hadError: boolean) => log.push(`close ${hadError}`));
}

function closed(s: Socket): Promise<void> {
  return new Promise((r) => (s.destroyed && s.closed ? r() : s.once('close', () => r())));
}

/** Bounded wait for a promise (real time). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kernel-free half-close both ways: the client ends first and the server answers after that FIN;
 * a TunConnection listener on the same driver keeps working beside the net API.
 */
async function halfCloseOverDrivers(server: TunDriver, client: TunDriver, time: 'virtual' | 'real') {
  const sNet = netOf(server);
  const cNet = netOf(client);
  const serverLog: string[] = [];
  const srv = sNet.createServer({ allowHalfOpen: true }, (s) => {
    serverLog.push(`connection ${s.remoteAddress} ${s.readyState}`);
    record(s, serverLog);
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => {
      const all = Buffer.concat(got);
      s.end(`after your FIN: ${all.length} ${sha(all)}`);
    });
  });
  await new Promise<void>((r) => srv.listen(7, '192.0.2.1', () => r()));
  assert.deepEqual(srv.address(), { address: '192.0.2.1', family: 'IPv4', port: 7 });
  // The CLI's TunConnection path on another port of the same driver.
  const echoed: string[] = [];
  server.listen(9, (c) => {
    c.on('data', (d) => c.write(d));
    c.on('end', () => c.end());
  });
  const raw = client.connect('192.0.2.1', 9);
  raw.on('data', (d) => echoed.push(Buffer.from(d).toString()));
  // The raw client closes first: its 'close' waits out TIME-WAIT; the peer's FIN is enough here.
  const rawEnded = new Promise<void>((r) => raw.once('end', () => r()));
  raw.on('connect', () => {
    raw.write(Buffer.from('raw path'));
    raw.end();
  });

  const payload = Buffer.alloc(300_000, 'x');
  const clientLog: string[] = [];
  const c = cNet.connect({ port: 7, host: '192.0.2.1', allowHalfOpen: true });
  record(c, clientLog);
  let reply = '';
  c.on('data', (d: Buffer) => (reply += d));
  let local = '';
  c.on('connect', () => {
    local = `${c.localAddress} ${c.remoteAddress}:${c.remotePort} ${c.remoteFamily}`;
    c.end(payload);
  });
  await within(closed(c), 20_000, `${time}: client close`);
  await within(rawEnded, 20_000, `${time}: raw end`);
  assert.equal(reply, `after your FIN: ${payload.length} ${sha(payload)}`);
  assert.deepEqual(clientLog, ['connect open', 'finish readOnly', 'end closed TIME-WAIT', 'close false']);
  assert.deepEqual(serverLog.slice(0, 3), ['connection 192.0.2.2 open', 'end writeOnly CLOSE-WAIT', 'finish closed']);
  assert.equal(serverLog[3], 'close false');
  assert.equal(echoed.join(''), 'raw path');
  assert.equal(local, '192.0.2.2 192.0.2.1:7 IPv4');
  assert.equal(c.localAddress, undefined, 'forgotten once destroyed, as in Node');
  assert.equal(c.remotePort, 7, 'cached once asked, as in Node');
  assert.equal(c.bytesWritten, payload.length);
  const rows = cNet.connections().filter((r) => r.remote?.port === 7);
  assert.deepEqual(
    rows.map((r) => r.state),
    ['TIME-WAIT'],
  );
  srv.close();
}

test('net over TunDriver, virtual time (in-memory devices): half-close both ways; TunConnection beside it', async () => {
  const clock = new VirtualClock(0);
  const { server, client } = driverPair(
    (fn) => clock.schedule(clock.now() + 1, fn),
    () => clock,
  );
  assert.ok(netOf(server).driver instanceof SimDriver);
  assert.equal(netOf(server).driver, netOf(client).driver, 'one driver per clock');
  assert.equal(server.net, netOf(server));
  await halfCloseOverDrivers(server, client, 'virtual');
  netOf(server).driver.stop();
});

test('net over a dual-stack TunDriver (virtual time): IPv6 and IPv4 peers, listen on one address, EADDRNOTAVAIL', async () => {
  const clock = new VirtualClock(0);
  const { server, client } = driverPair(
    (fn) => clock.schedule(clock.now() + 1, fn),
    () => clock,
    [
      ['192.0.2.1', '2001:db8::1'],
      ['192.0.2.2', '2001:db8::2'],
    ],
  );
  const seen: string[] = [];
  const srv = server.net.createServer((s) => {
    seen.push(`${s.remoteAddress} ${s.remoteFamily} -> ${s.localAddress}:${s.localPort}`);
    s.end('hi');
  });
  await new Promise<void>((r) => srv.listen(80, () => r()));
  assert.deepEqual(srv.address(), { address: '::', family: 'IPv6', port: 80 });
  const only6 = server.net.createServer((s) => s.end('six'));
  await new Promise<void>((r) => only6.listen(81, '2001:db8::1', () => r()));
  assert.deepEqual(only6.address(), { address: '2001:db8::1', family: 'IPv6', port: 81 });
  const bad = server.net.createServer();
  const err = await new Promise<NodeJS.ErrnoException>((r) => bad.listen(82, '203.0.113.9').once('error', r));
  assert.equal(err.code, 'EADDRNOTAVAIL');

  const read = (s: Socket) =>
    new Promise<string>((r) => {
      let got = '';
      s.on('data', (d: Buffer) => (got += d));
      s.on('close', () => r(got));
    });
  assert.equal(await read(client.net.connect(80, '2001:db8::1')), 'hi');
  assert.equal(await read(client.net.connect(80, '192.0.2.1')), 'hi');
  assert.equal(await read(client.net.connect(81, '2001:db8::1')), 'six');
  // Port 81 listens on 2001:db8::1 only: the IPv4 address answers with a RST.
  const refused = client.net.connect(81, '192.0.2.1');
  const e = await new Promise<NodeJS.ErrnoException>((r) => refused.once('error', r));
  assert.equal(e.code, 'ECONNREFUSED');
  assert.deepEqual(seen, ['2001:db8::2 IPv6 -> 2001:db8::1:80', '192.0.2.2 IPv4 -> 192.0.2.1:80']);
  srv.close();
  only6.close();
  server.net.driver.stop();
});

test('net over TunDriver, real time (NodeClock, in-memory devices): half-close; setTimeout fires', async () => {
  const { server, client } = driverPair((fn) => setImmediate(fn));
  try {
    assert.ok(server.net.driver instanceof ClockDriver);
    assert.equal(server.net.driver.mode, 'real');
    assert.throws(() => netOf(server, { time: 'virtual' }), { code: 'ERR_INVALID_ARG_VALUE' });
    await halfCloseOverDrivers(server, client, 'real');
    // An idle timeout in real time: 'timeout' after about 50 ms without traffic.
    const srv = server.net.createServer(() => {});
    await new Promise<void>((r) => srv.listen(8, () => r()));
    const c = client.net.connect(8, '192.0.2.1');
    await within(new Promise<void>((r) => c.once('connect', () => r())), 5_000, 'connect');
    const t0 = performance.now();
    await within(new Promise<void>((r) => c.setTimeout(50, () => r())), 5_000, "'timeout'");
    assert.ok(performance.now() - t0 >= 45, `timeout after ${performance.now() - t0} ms`);
    c.destroy();
    await closed(c);
    srv.close();
  } finally {
    server.close({ abort: true });
    client.close({ abort: true });
  }
});

// -------------------------------------------------------------------------------------------------
// Against the kernel, in a namespace

/** The start of every finack-side program: a TUN device in the namespace and `net` over it. */
const FINACK_HEAD = `
import { createHash } from 'node:crypto';
import http from 'node:http';
import { TunDevice, TunDriver } from ${JSON.stringify(`${ROOT}/src/index.ts`)};
const device = TunDevice.open({ name: ${JSON.stringify(IFNAME)}, kernelAddrs: [${JSON.stringify(`${KERNEL}/24`)}] });
const driver = new TunDriver({ device, addresses: [${JSON.stringify(FINACK)}] });
const net = driver.net;
const KERNEL = ${JSON.stringify(KERNEL)};
const FINACK = ${JSON.stringify(FINACK)};
const out = (o) => console.log(JSON.stringify(o));
const sha = (b) => createHash('sha256').update(b).digest('hex');
const done = (code = 0) => { driver.close({ abort: true }); process.exit(code); };
setTimeout(() => { out({ type: 'gave up' }); done(4); }, 25000).unref();
function record(s, log) {
  s.on('connect', () => log.push('connect ' + s.readyState));
  s.on('end', () => log.push('end ' + s.readyState + ' ' + s.tcpState));
  s.on('finish', () => log.push('finish ' + s.readyState));
  s.on('error', (e) => log.push('error ' + e.code + ' ' + e.syscall));
  s.on('close', (hadError) => log.push('close ' + hadError));
}
`;

/** JSON lines printed by a program, parsed. */
function lines(p: Proc): Record<string, unknown>[] {
  return p.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function line(p: Proc, type: string): Record<string, unknown> | undefined {
  return lines(p).find((l) => l.type === type);
}

async function waitLine(p: Proc, type: string, ms: number): Promise<Record<string, unknown>> {
  await p.until(() => line(p, type) !== undefined, ms, `"${type}" from ${p.label}`);
  return line(p, type) as Record<string, unknown>;
}

const TOOLS = ['ip', 'ss'];

/**
 * Server code written once against the `net` interface (`net`, `HOST`, `out`, `sha`, `record` in
 * scope): port 7 answers after the client's FIN, then ends; port 8 half-closes first and reads on.
 * It runs on finack over TUN and on node:net in the same namespace, against the same kernel client.
 */
const HALF_CLOSE_SERVERS = `
const results = [];
function report(r) {
  results.push(r);
  out({ type: 'conn', ...r });
  if (results.length === 2 && typeof net.connections === 'function') {
    out({ type: 'rows', rows: net.connections().map((x) => x.state + ' ' + x.local.port) });
  }
}
const s7 = net.createServer({ allowHalfOpen: true }, (s) => {
  const log = ['connection ' + s.remoteFamily + ' ' + s.localPort + ' ' + s.readyState];
  const addr = [s.remoteAddress, s.localAddress];
  record(s, log);
  const got = [];
  s.on('data', (d) => got.push(d));
  s.on('end', () => {
    const all = Buffer.concat(got);
    for (let i = 0; i < 5; i++) s.write('after your FIN ' + i + ' ' + all.length + ' ' + sha(all) + '\\n');
    s.end();
  });
  s.on('close', () => report({ port: 7, log, addr, bytesRead: s.bytesRead, bytesWritten: s.bytesWritten }));
});
const s8 = net.createServer({ allowHalfOpen: true }, (s) => {
  const log = ['connection ' + s.remoteFamily + ' ' + s.localPort + ' ' + s.readyState];
  record(s, log);
  const got = [];
  s.on('data', (d) => got.push(d));
  s.on('end', () => log.push('got ' + Buffer.concat(got).toString()));
  s.end('finack half-closes first\\n');
  s.on('close', () => report({ port: 8, log, state: s.tcpState, bytesRead: s.bytesRead, bytesWritten: s.bytesWritten }));
});
let n = 0;
const ready = () => { if (++n === 2) out({ type: 'listening', a7: s7.address(), a8: s8.address() }); };
s7.listen(7, HOST, ready);
// The IPv4 wildcard: node:net would take '::' (dual-stack) for no host and show IPv4 peers as IPv6.
s8.listen({ port: 8, host: '0.0.0.0' }, ready);
`;

/** The same helpers as FINACK_HEAD, over node:net and the namespace's loopback. */
const NODE_HEAD = `
import net from 'node:net';
import { createHash } from 'node:crypto';
const HOST = '127.0.0.1';
const out = (o) => console.log(JSON.stringify(o));
const sha = (b) => createHash('sha256').update(b).digest('hex');
setTimeout(() => process.exit(4), 25000).unref();
${FINACK_HEAD.slice(FINACK_HEAD.indexOf('function record'))}
`;

const HALF_CLOSE_CLIENT = `
import net from 'node:net'; import { createHash } from 'node:crypto';
const host = process.argv.at(-1);
const payload = Buffer.alloc(200000, 'k');
function seven() {
  return new Promise((res) => {
    const s = net.connect({ host, port: 7, allowHalfOpen: true });
    let got = '';
    s.on('connect', () => s.end(payload));
    s.on('data', (d) => (got += d));
    s.on('error', (e) => console.log(JSON.stringify({ type: 'error7', code: e.code })));
    s.on('close', (hadError) => { console.log(JSON.stringify({ type: 'k7', got, hadError, sha: createHash('sha256').update(payload).digest('hex') })); res(); });
  });
}
function eight() {
  return new Promise((res) => {
    const s = net.connect({ host, port: 8, allowHalfOpen: true });
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('end', () => { for (let i = 0; i < 3; i++) s.write('kernel after your FIN ' + i + ';'); s.end(); });
    s.on('error', (e) => console.log(JSON.stringify({ type: 'error8', code: e.code })));
    s.on('close', (hadError) => { console.log(JSON.stringify({ type: 'k8', got, hadError })); res(); });
  });
}
await seven();
await eight();
`;

/** Drops what only finack has (the RFC state after 'end'; node:net prints undefined there). */
const withoutState = (log: string[]): string[] => log.map((l) => l.replace(/^(end \w+) \S+$/, '$1'));

test('kernel node:net client -> finack net server on TUN: half-close both ways, same events as node:net, TIME-WAIT on the side that closed first', async (t) => {
  if (!requireSystem(t, TOOLS)) return;
  await withNetns(async (ns) => {
    const finack = ns.nodeTs(`${FINACK_HEAD}const HOST = FINACK;\n${HALF_CLOSE_SERVERS}`, 'finack net server');
    const node = ns.node(`${NODE_HEAD}${HALF_CLOSE_SERVERS}`, [], 'node:net server');
    const listening = await waitLine(finack, 'listening', 20_000);
    assert.deepEqual(listening.a7, { address: FINACK, family: 'IPv4', port: 7 });
    assert.deepEqual(listening.a8, { address: '0.0.0.0', family: 'IPv4', port: 8 });
    assert.deepEqual((await waitLine(node, 'listening', 20_000)).a8, listening.a8);

    const kernel = ns.node(HALF_CLOSE_CLIENT, [FINACK], 'kernel client -> finack');
    const r = await kernel.wait(20_000);
    assert.equal(r.code, 0, r.stderr);
    const k7 = line(kernel, 'k7') as { got: string; hadError: boolean; sha: string };
    const k8 = line(kernel, 'k8') as { got: string; hadError: boolean };
    assert.equal(k7.hadError, false);
    assert.equal(
      k7.got,
      [0, 1, 2, 3, 4].map((i) => `after your FIN ${i} 200000 ${k7.sha}\n`).join(''),
      'data sent by finack after the kernel FIN arrived intact',
    );
    assert.equal(k8.got, 'finack half-closes first\n');
    assert.equal(k8.hadError, false);

    const rows = await waitLine(finack, 'rows', 10_000);
    const conns = lines(finack).filter((l) => l.type === 'conn');
    const c7 = conns.find((c) => c.port === 7) as { log: string[]; addr: string[]; bytesRead: number };
    const c8 = conns.find((c) => c.port === 8) as { log: string[]; state: string };
    assert.deepEqual(c7.log, ['connection IPv4 7 open', 'end writeOnly CLOSE-WAIT', 'finish closed', 'close false']);
    assert.deepEqual(c7.addr, [KERNEL, FINACK]);
    assert.equal(c7.bytesRead, 200_000);
    assert.deepEqual(c8.log, [
      'connection IPv4 8 open',
      'finish readOnly',
      'end closed TIME-WAIT',
      'got kernel after your FIN 0;kernel after your FIN 1;kernel after your FIN 2;',
      'close false',
    ]);
    assert.equal(c8.state, 'TIME-WAIT');
    // finack closed first on port 8: its TIME-WAIT record is listed; the port-7 connection is gone.
    assert.deepEqual(((rows.rows as string[]) ?? []).sort(), ['LISTEN 7', 'LISTEN 8', 'TIME-WAIT 8']);
    // The kernel closed first on port 7: TIME-WAIT on its side.
    const kernelSide = ns.sockets().filter((s) => s.peer === `${FINACK}:7`);
    assert.deepEqual(
      kernelSide.map((s) => s.state),
      ['TIME-WAIT'],
    );

    // The same client against the same server code on node:net: the same bytes and the same events.
    const kernel2 = ns.node(HALF_CLOSE_CLIENT, ['127.0.0.1'], 'kernel client -> node:net');
    const r2 = await kernel2.wait(20_000);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(line(kernel2, 'k7'), line(kernel, 'k7'));
    assert.deepEqual(line(kernel2, 'k8'), line(kernel, 'k8'));
    await node.until((p) => lines(p).filter((l) => l.type === 'conn').length === 2, 10_000, 'both node:net reports');
    const nodeConns = lines(node).filter((l) => l.type === 'conn');
    for (const port of [7, 8]) {
      const f = conns.find((c) => c.port === port) as { log: string[]; bytesRead: number; bytesWritten: number };
      const k = nodeConns.find((c) => c.port === port) as { log: string[]; bytesRead: number; bytesWritten: number };
      assert.deepEqual(withoutState(f.log), withoutState(k.log), `port ${port}: events as node:net`);
      assert.equal(f.bytesRead, k.bytesRead, `port ${port}: bytesRead`);
      assert.equal(f.bytesWritten, k.bytesWritten, `port ${port}: bytesWritten`);
    }
    finack.kill();
    node.kill();
  });
});

test('finack net client on TUN -> kernel node:net server: 1 MiB with backpressure, half-close, TIME-WAIT; ECONNREFUSED', async (t) => {
  if (!requireSystem(t, TOOLS)) return;
  await withNetns(async (ns) => {
    const kernel = ns.node(
      `
import net from 'node:net'; import { createHash } from 'node:crypto';
const srv = net.createServer({ allowHalfOpen: true }, (s) => {
  const h = createHash('sha256'); let n = 0;
  s.on('data', (d) => { n += d.length; h.update(d); });
  s.on('end', () => { s.end(n + ' ' + h.digest('hex')); });
  s.on('close', () => { console.log('SERVED ' + n); srv.close(); });
});
// Every address of the namespace: the TUN interface and the kernel's address on it come with finack later.
srv.listen(9, '0.0.0.0', () => console.log('LISTENING'));
setTimeout(() => process.exit(4), 25000).unref();
`,
      [KERNEL],
      'kernel server',
    );
    await kernel.until((p) => p.stdout.includes('LISTENING'), 10_000, 'the kernel server');
    const finack = ns.nodeTs(
      `${FINACK_HEAD}
const log = [];
const c = net.connect({ port: 9, host: KERNEL });
record(c, log);
const chunk = Buffer.alloc(16384);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7) & 255;
const total = 64; let written = 0; let drains = 0; let refusals = 0;
const h = createHash('sha256');
function pump() {
  while (written < total) {
    written++; h.update(chunk);
    if (!c.write(chunk)) { refusals++; c.once('drain', () => { drains++; pump(); }); return; }
  }
  c.end();
}
c.on('connect', () => { log.push('addr ' + c.localAddress + ' ' + c.remoteAddress + ':' + c.remotePort + ' ' + c.remoteFamily); pump(); });
let reply = '';
c.on('data', (d) => (reply += d));
c.on('close', () => {
  out({ type: 'client', log, reply, sha: h.digest('hex'), refusals, drains, state: c.tcpState, bytesWritten: c.bytesWritten, bytesRead: c.bytesRead });
  const r = net.connect(10, KERNEL);
  r.on('error', (e) => out({ type: 'refused', code: e.code, syscall: e.syscall, address: e.address, port: e.port, errno: e.errno }));
  r.on('close', (hadError) => { out({ type: 'refused-close', hadError }); done(); });
});
`,
      'finack net client',
    );
    const res = await waitLine(finack, 'client', 20_000);
    assert.deepEqual(res.log, [
      'connect open',
      `addr ${FINACK} ${KERNEL}:9 IPv4`,
      'finish readOnly',
      'end closed TIME-WAIT',
      'close false',
    ]);
    assert.equal(res.reply, `${64 * 16384} ${res.sha}`);
    assert.equal(res.bytesWritten, 64 * 16384);
    assert.equal(res.bytesRead, String(res.reply).length);
    assert.ok((res.refusals as number) > 0, 'write() returned false at least once');
    assert.equal(res.drains, res.refusals, "a 'drain' for every refusal");
    assert.equal(res.state, 'TIME-WAIT');
    const refused = await waitLine(finack, 'refused', 10_000);
    assert.deepEqual(refused, {
      type: 'refused',
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: KERNEL,
      port: 10,
      errno: -111,
    });
    assert.deepEqual(await waitLine(finack, 'refused-close', 10_000), { type: 'refused-close', hadError: true });
    const k = await kernel.wait(10_000);
    assert.match(k.stdout, /SERVED 1048576/);
    await finack.wait(10_000);
  });
});

test("Node's http over finack sockets on TUN: http.request to a kernel http server; curl against a finack-fed http.Server", async (t) => {
  if (!requireSystem(t, [...TOOLS, 'curl'])) return;
  await withNetns(async (ns) => {
    const kernel = ns.node(
      `
import http from 'node:http'; import { createHash } from 'node:crypto';
const body = Buffer.alloc(3 * 1024 * 1024);
for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 255;
const srv = http.createServer((req, res) => {
  const h = createHash('sha256'); let n = 0;
  req.on('data', (d) => { n += d.length; h.update(d); });
  req.on('end', () => {
    res.setHeader('x-got', n + ' ' + h.digest('hex'));
    res.setHeader('x-sha', createHash('sha256').update(body).digest('hex'));
    res.end(body);
  });
});
srv.listen(8080, '0.0.0.0', () => console.log('LISTENING'));
setTimeout(() => process.exit(0), 25000).unref();
`,
      [KERNEL],
      'kernel http server',
    );
    await kernel.until((p) => p.stdout.includes('LISTENING'), 10_000, 'the kernel http server');
    const finack = ns.nodeTs(
      `${FINACK_HEAD}
// A finack-fed http.Server for curl.
const served = Buffer.alloc(2 * 1024 * 1024 + 123);
for (let i = 0; i < served.length; i++) served[i] = (i * 13 + 1) & 255;
const hs = http.createServer((req, res) => { res.setHeader('x-sha', sha(served)); res.end(served); });
const listener = net.createServer((s) => hs.emit('connection', s));
listener.listen(80, FINACK, () => out({ type: 'listening' }));
// http.request over a finack socket to the kernel's server, with a request body.
const upload = Buffer.alloc(1024 * 1024 + 5, 'u');
const req = http.request({
  host: KERNEL, port: 8080, method: 'POST', path: '/',
  headers: { connection: 'close', 'content-length': upload.length },
  createConnection: () => net.connect(8080, KERNEL),
}, (res) => {
  const h = createHash('sha256'); let n = 0;
  res.on('data', (d) => { n += d.length; h.update(d); });
  res.on('end', () => out({ type: 'response', status: res.statusCode, n, sha: h.digest('hex'), xsha: res.headers['x-sha'], xgot: res.headers['x-got'], upload: upload.length + ' ' + sha(upload) }));
});
req.on('error', (e) => out({ type: 'request-error', code: e.code }));
req.end(upload);
`,
      'finack http',
    );
    const resp = await waitLine(finack, 'response', 20_000);
    assert.equal(resp.status, 200);
    assert.equal(resp.n, 3 * 1024 * 1024);
    assert.equal(resp.sha, resp.xsha, 'response body byte for byte');
    assert.equal(resp.xgot, resp.upload, 'request body byte for byte');

    await waitLine(finack, 'listening', 10_000);
    const curl = ns.spawn(
      'sh',
      ['-c', `curl -sS -D - -o ${ns.file('body')} http://${FINACK}/ && sha256sum ${ns.file('body')}`],
      'curl',
    );
    const c = await curl.wait(20_000);
    assert.equal(c.code, 0, c.stderr);
    const headerSha = /x-sha: ([0-9a-f]{64})/i.exec(c.stdout)?.[1];
    const fileSha = /^([0-9a-f]{64}) /m.exec(c.stdout)?.[1];
    assert.ok(headerSha !== undefined, c.stdout);
    assert.equal(fileSha, headerSha, 'curl got the body byte for byte');
    assert.match(c.stdout, /content-length: 2097275/i);
    finack.kill();
  });
});

test('reset both ways on TUN: finack resetAndDestroy() -> kernel ECONNRESET; kernel resetAndDestroy() -> finack ECONNRESET', async (t) => {
  if (!requireSystem(t, TOOLS)) return;
  await withNetns(async (ns) => {
    const finack = ns.nodeTs(
      `${FINACK_HEAD}
const s7 = net.createServer((s) => {
  const log = [];
  record(s, log);
  s.on('data', () => { log.push('resetAndDestroy'); s.resetAndDestroy(); });
  s.on('close', () => out({ type: 'conn7', log, state: s.tcpState }));
});
const s8 = net.createServer((s) => {
  const log = [];
  record(s, log);
  s.write('hello');
  s.on('close', () => out({ type: 'conn8', log, state: s.tcpState, rows: net.connections().filter((r) => r.remote !== null).length }));
});
let n = 0;
const ready = () => { if (++n === 2) out({ type: 'listening' }); };
s7.listen(7, ready);
s8.listen(8, ready);
`,
      'finack net server',
    );
    await waitLine(finack, 'listening', 20_000);
    const kernel = ns.node(
      `
import net from 'node:net';
const host = process.argv.at(-1);
const a = net.connect({ host, port: 7 }, () => a.write('x'));
a.on('error', (e) => console.log(JSON.stringify({ type: 'k7', code: e.code, syscall: e.syscall })));
a.on('close', (hadError) => {
  console.log(JSON.stringify({ type: 'k7-close', hadError }));
  const b = net.connect({ host, port: 8 });
  b.on('data', () => b.resetAndDestroy());
  b.on('error', (e) => console.log(JSON.stringify({ type: 'k8', code: e.code })));
  b.on('close', (hadError) => console.log(JSON.stringify({ type: 'k8-close', hadError })));
});
setTimeout(() => process.exit(4), 15000).unref();
`,
      [FINACK],
      'kernel client',
    );
    const r = await kernel.wait(20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(line(kernel, 'k7'), { type: 'k7', code: 'ECONNRESET', syscall: 'read' });
    assert.deepEqual(line(kernel, 'k7-close'), { type: 'k7-close', hadError: true });
    assert.equal(line(kernel, 'k8'), undefined, 'resetAndDestroy() reports no error of its own');
    assert.deepEqual(line(kernel, 'k8-close'), { type: 'k8-close', hadError: false });

    const c7 = await waitLine(finack, 'conn7', 10_000);
    assert.deepEqual(c7.log, ['resetAndDestroy', 'close false']);
    assert.equal(c7.state, 'CLOSED');
    const c8 = await waitLine(finack, 'conn8', 10_000);
    assert.deepEqual(c8.log, ['error ECONNRESET read', 'close true']);
    assert.equal(c8.state, 'CLOSED');
    assert.equal(c8.rows, 0, 'no connection left after the resets');
    finack.kill();
  });
});
