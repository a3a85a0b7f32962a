// finack against the Linux kernel's TCP, through a TUN device, inside a network namespace made by
// each test (see netns.ts). Needs root, /dev/net/tun, koffi and the tools named per test; otherwise
// each test is skipped with the reason (and fails when FINACK_REQUIRE_SYSTEM=1).

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { runSs } from '../../src/cli/ss.js';
import { sourcePattern } from '../../src/cli/tun.js';
import {
  eventually,
  FINACK,
  FINACK6,
  IFNAME,
  KERNEL,
  type Netns,
  type Proc,
  readTrace,
  requireSystem,
  startServe,
  stateChanges,
  type TraceLine,
  traceCounts,
  tsharkCheck,
  tunArgs,
  withNetns,
} from './netns.js';

const BASE = ['ip', 'ss', 'tshark'];

/** tshark reads the capture with checksum validation; its counts agree with finack's trace. */
function checkCapture(pcap: string, trace: TraceLine[], opts: { exact?: boolean; finack?: string } = {}): void {
  const ts = tsharkCheck(pcap, opts.finack ?? FINACK);
  assert.equal(ts.badChecksums, 0, 'tshark: bad checksums');
  assert.equal(ts.malformed, 0, 'tshark: malformed packets');
  assert.ok(ts.tcp > 0, 'tshark saw TCP');
  if (opts.exact ?? true) {
    const c = traceCounts(trace);
    assert.equal(ts.fromFinack, c.send, 'packets finack sent: tshark vs trace');
    assert.equal(ts.toFinack, c.recv + c.drops, 'packets finack received: tshark vs trace');
    assert.equal(
      ts.conversations.reduce((a, b) => a + b, 0),
      c.send + c.recv + c.drops,
    );
  }
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A node:net client in the namespace: sends `bytes` random bytes, half-closes, hashes what comes back. */
const BULK_CLIENT = `
import net from 'node:net'; import crypto from 'node:crypto';
const [host, port, nStr] = process.argv.slice(-3); const n = Number(nStr);
const t0 = performance.now();
const s = net.connect({ host, port: Number(port), allowHalfOpen: true });
const tx = crypto.createHash('sha256'); const rx = crypto.createHash('sha256'); let got = 0, sent = 0;
s.on('connect', () => {
  const pump = () => { while (sent < n) { const b = crypto.randomBytes(Math.min(65536, n - sent)); tx.update(b); sent += b.length; if (!s.write(b)) return; } s.end(); };
  s.on('drain', pump); pump();
});
s.on('data', (d) => { got += d.length; rx.update(d); });
s.on('end', () => { console.log(JSON.stringify({ sent, got, tx: tx.digest('hex'), rx: rx.digest('hex'), ms: performance.now() - t0 })); s.end(); });
s.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(3); });
`;

function summaryHashes(stderr: string): { rx: string; tx: string; rxBytes: number; txBytes: number } {
  const m = /received (\d+) bytes sha256 ([0-9a-f]{64}); sent (\d+) bytes sha256 ([0-9a-f]{64})/.exec(stderr);
  assert.ok(m, `no summary in finack's stderr:\n${stderr.slice(-2000)}`);
  return { rxBytes: Number(m[1]), rx: m[2] as string, txBytes: Number(m[3]), tx: m[4] as string };
}

async function serveDone(p: Proc): Promise<void> {
  const r = await p.wait(30_000);
  assert.equal(r.code, 0, r.stderr);
}

test('curl (HTTP/1.1) gets the answer of `finack serve --mode http`; tshark agrees with the trace', async (t) => {
  if (!requireSystem(t, [...BASE, 'curl'])) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '80', '--mode', 'http', '--once', '--msl', '100ms']);
    const r = ns.run('curl', ['-sS', '--max-time', '10', `http://${FINACK}/`]);
    assert.equal(r.stdout, 'hello from finack\n');
    await serveDone(serve);
    const trace = readTrace(ns.file('serve.jsonl'));
    // finack closes first (Connection: close): its side goes through TIME-WAIT.
    assert.ok(stateChanges(trace).includes('TIME-WAIT>CLOSED'), stateChanges(trace).join(' '));
    checkCapture(ns.file('serve.pcap'), trace);
  });
});

test('nc -N against echo: the kernel closes first (TIME-WAIT in ss), finack goes CLOSE-WAIT > LAST-ACK > CLOSED; data after the FIN arrives', async (t) => {
  if (!requireSystem(t, [...BASE, 'nc'])) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '7', '--mode', 'echo', '--once']);
    const input = `${'line of text\n'.repeat(2000)}`; // 26 kB: the echo is still coming after nc's FIN
    const r = ns.run('nc', ['-N', '-w', '10', FINACK, '7'], { input });
    assert.equal(r.stdout, input);
    await serveDone(serve);
    const sock = ns.sockets().filter((s) => s.peer === `${FINACK}:7`);
    assert.deepEqual(
      sock.map((s) => s.state),
      ['TIME-WAIT'],
    );
    const trace = readTrace(ns.file('serve.jsonl'));
    assert.deepEqual(stateChanges(trace), [
      'LISTEN>SYN-RECEIVED',
      'SYN-RECEIVED>ESTABLISHED',
      'ESTABLISHED>CLOSE-WAIT',
      'CLOSE-WAIT>LAST-ACK',
      'LAST-ACK>CLOSED',
    ]);
    checkCapture(ns.file('serve.pcap'), trace);
  });
});

test('finack closes first (source mode): ss shows the kernel in CLOSE-WAIT, then nothing; finack FIN-WAIT-1 > FIN-WAIT-2 > TIME-WAIT > CLOSED; finack ss over the control socket', async (t) => {
  if (!requireSystem(t, BASE)) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, [
      '--port',
      '9',
      '--mode',
      'source',
      '--bytes',
      '100000',
      '--hash',
      '--once',
      '--msl',
      '200ms',
    ]);
    // A node:net client that reads to the end, then waits for us before closing its side.
    const client = ns.node(
      `
import net from 'node:net'; import crypto from 'node:crypto';
const h = crypto.createHash('sha256'); let n = 0;
const s = net.connect({ host: process.argv.at(-2), port: Number(process.argv.at(-1)), allowHalfOpen: true });
s.on('data', (d) => { n += d.length; h.update(d); });
s.on('end', () => { console.log('END', n, h.digest('hex')); process.stdin.once('data', () => s.end()); });
s.on('close', () => { console.log('CLOSED'); process.exit(0); });
s.on('error', (e) => { console.log('ERROR', e.code); process.exit(3); });
`,
      [FINACK, '9'],
      'node client',
    );
    await client.until((p) => p.stdout.includes('END'), 15_000, 'the client to see EOF');
    const expected = sha(sourcePattern(0, 100000));
    assert.match(client.stdout, new RegExp(`END 100000 ${expected}`));
    await eventually(
      () => ns.sockets().some((s) => s.peer === `${FINACK}:9` && s.state === 'CLOSE-WAIT'),
      5000,
      'CLOSE-WAIT in ss',
    );
    // finack's own table, read by `finack ss` over the control socket (printed on our stdout, never
    // on finack's stderr), once finack has seen the ACK of its FIN (its --verbose line).
    await serve.until((p) => p.stderr.includes('-> FIN-WAIT-2'), 5000, 'finack in FIN-WAIT-2');
    const pid = serve.child.pid as number;
    const socket = /control (\S+\.sock)/.exec(serve.stderr)?.[1];
    assert.ok(socket && existsSync(socket), `the ready line names the control socket:\n${serve.stderr}`);
    const ss = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const code = await runSs(args, { stdout: (x) => (out += x), stderr: (x) => (err += x) });
      return { code, out, err };
    };
    const before = serve.stderr.length;
    const table = await ss(['--pid', String(pid), '--stats']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process/);
    assert.match(table.out, new RegExp(`LISTEN +0 +\\d+ +198\\.51\\.100\\.2:9 +\\*:\\* +finack serve,pid=${pid}`));
    assert.match(table.out, /FIN-WAIT-2 .*198\.51\.100\.2:9 +198\.51\.100\.1:\d+/);
    assert.match(table.out, /bytes_acked:100000 bytes_received:0/);
    // The counters (one passive open so far).
    assert.match(table.out, /TcpPassiveOpens +1\n/);
    assert.match(table.out, /TcpActiveOpens +0\n/);
    assert.match(table.out, /FinackDropChecksum +0\n/);
    // --state and --json, as `ss state fin-wait-2` would select.
    const json = await ss(['--pid', String(pid), '--state', 'fin-wait-2', '--json']);
    assert.equal(json.code, 0, json.err);
    const snap = JSON.parse(json.out) as { instances: { info: { pid: number }; rows: { state: string }[] }[] };
    assert.deepEqual(
      snap.instances.map((i) => [i.info.pid, i.rows.map((r) => r.state)]),
      [[pid, ['FIN-WAIT-2']]],
    );
    // Nothing printed on finack's side: the channel is not a signal.
    assert.equal(serve.stderr.slice(before).includes('LISTEN'), false);
    client.child.stdin?.write('go\n');
    await client.until((p) => p.stdout.includes('CLOSED'), 10_000, 'the client to close');
    await serveDone(serve);
    assert.deepEqual(
      ns.sockets().filter((s) => s.peer === `${FINACK}:9`),
      [],
    );
    const trace = readTrace(ns.file('serve.jsonl'));
    assert.deepEqual(stateChanges(trace), [
      'LISTEN>SYN-RECEIVED',
      'SYN-RECEIVED>ESTABLISHED',
      'ESTABLISHED>FIN-WAIT-1',
      'FIN-WAIT-1>FIN-WAIT-2',
      'FIN-WAIT-2>TIME-WAIT',
      'TIME-WAIT>CLOSED',
    ]);
    const tw = trace.find((e) => e.type === 'state' && e.to === 'TIME-WAIT')?.t ?? 0;
    const closed = trace.find((e) => e.type === 'state' && e.to === 'CLOSED' && e.from === 'TIME-WAIT')?.t ?? 0;
    assert.ok(closed - tw >= 400, `TIME-WAIT lasted ${closed - tw} ms, 2 x MSL is 400`);
    assert.equal(summaryHashes(serve.stderr).tx, expected);
    checkCapture(ns.file('serve.pcap'), trace);
  });
});

test('finack connect <-> nc -l: both directions, stdin EOF half-closes, exit 0 when both FINs are done', async (t) => {
  if (!requireSystem(t, [...BASE, 'nc'])) return;
  await withNetns(async (ns) => {
    const server = ns.spawn('nc', ['-N', '-l', '9000'], 'nc -l');
    server.child.stdin?.end('from the kernel\n');
    await eventually(() => ns.run('ss', ['-tlnH']).stdout.includes(':9000'), 5000, 'nc to listen');
    const client = ns.finack('connect', [
      ...tunArgs(),
      '--verbose',
      '--trace',
      ns.file('c.jsonl'),
      '--pcap',
      ns.file('c.pcap'),
      KERNEL,
      '9000',
    ]);
    client.child.stdin?.end('from finack\n');
    const r = await client.wait(20_000);
    const s = await server.wait(10_000);
    assert.equal(s.stdout, 'from finack\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from the kernel\n');
    const trace = readTrace(ns.file('c.jsonl'));
    assert.equal(stateChanges(trace)[0], 'SYN-SENT>ESTABLISHED');
    checkCapture(ns.file('c.pcap'), trace);
  });
});

test('finack connect -> node:net server: data sent by the kernel after finack FIN arrives intact; finack FIN-WAIT-1 > FIN-WAIT-2 > TIME-WAIT > CLOSED (--linger)', async (t) => {
  if (!requireSystem(t, BASE)) return;
  await withNetns(async (ns) => {
    const server = ns.node(
      `
import net from 'node:net'; import crypto from 'node:crypto';
const srv = net.createServer({ allowHalfOpen: true }, (s) => {
  const h = crypto.createHash('sha256'); let n = 0;
  s.on('data', (d) => { n += d.length; h.update(d); });
  s.on('end', () => {
    // Our peer has half-closed: answer after its FIN, in several writes.
    const digest = h.digest('hex');
    for (let i = 0; i < 10; i++) s.write('after your FIN ' + i + ' ' + n + ' ' + digest + '\\n');
    s.end(() => { console.log('SERVED', n); srv.close(); });
  });
  s.on('error', (e) => { console.log('ERROR', e.code); process.exit(3); });
});
srv.listen(9001, () => console.log('LISTENING'));
`,
      [],
      'node server',
    );
    await server.until((p) => p.stdout.includes('LISTENING'), 10_000, 'the server');
    const payload = randomBytes(300_000);
    const client = ns.finack('connect', [
      ...tunArgs(),
      '--trace',
      ns.file('c.jsonl'),
      '--pcap',
      ns.file('c.pcap'),
      '--msl',
      '150ms',
      '--linger',
      KERNEL,
      '9001',
    ]);
    client.child.stdin?.end(payload);
    const r = await client.wait(20_000);
    assert.equal(r.code, 0, r.stderr);
    const lines = Buffer.concat(client.stdoutBytes).toString().trim().split('\n');
    assert.deepEqual(
      lines,
      Array.from({ length: 10 }, (_, i) => `after your FIN ${i} ${payload.length} ${sha(payload)}`),
    );
    await server.wait(10_000);
    const trace = readTrace(ns.file('c.jsonl'));
    assert.deepEqual(stateChanges(trace), [
      'SYN-SENT>ESTABLISHED',
      'ESTABLISHED>FIN-WAIT-1',
      'FIN-WAIT-1>FIN-WAIT-2',
      'FIN-WAIT-2>TIME-WAIT',
      'TIME-WAIT>CLOSED',
    ]);
    checkCapture(ns.file('c.pcap'), trace);
  });
});

test('reset from the kernel (SO_LINGER 0 close): finack reports ECONNRESET, on serve and on connect', async (t) => {
  if (!requireSystem(t, [...BASE, 'python3'])) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '7', '--mode', 'echo', '--once']);
    const py = `
import socket, struct, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b'hello')
assert s.recv(5) == b'hello'
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
s.close()
print('RESET SENT')
`;
    const r = ns.run('python3', ['-c', py, FINACK, '7']);
    assert.equal(r.stdout.trim(), 'RESET SENT');
    await serveDone(serve);
    assert.match(serve.stderr, /closed ECONNRESET|ECONNRESET: received 5 bytes/);
    const trace = readTrace(ns.file('serve.jsonl'));
    assert.ok(trace.some((e) => e.type === 'event' && e.event?.type === 'error' && e.event.code === 'ECONNRESET'));
    assert.deepEqual(stateChanges(trace).slice(-1), ['ESTABLISHED>CLOSED']);
    checkCapture(ns.file('serve.pcap'), trace);

    // And as a client: a Python server that resets the connection once data has arrived.
    const srv = ns.spawn(
      'python3',
      [
        '-c',
        `
import socket, struct
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(('0.0.0.0', 9002)); l.listen(1)
print('LISTENING', flush=True)
l.settimeout(20)
c, _ = l.accept(); c.settimeout(10)
c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
c.close()
print('RESET SENT', flush=True)
`,
      ],
      'python server',
    );
    await srv.until((p) => p.stdout.includes('LISTENING'), 10_000, 'the python server');
    const client = ns.finack('connect', [...tunArgs(), '--trace', ns.file('c.jsonl'), KERNEL, '9002']);
    client.child.stdin?.write('some data\n'); // stdin stays open: only the reset ends this
    const cr = await client.wait(20_000);
    assert.equal(cr.code, 1);
    assert.match(cr.stderr, /ECONNRESET/);
    await srv.wait(10_000);
  });
});

test('finack aborts (serve --mode abort): the node:net client gets ECONNRESET', async (t) => {
  if (!requireSystem(t, BASE)) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '7', '--mode', 'abort', '--once']);
    const client = ns.node(
      `
import net from 'node:net';
const s = net.connect({ host: process.argv.at(-2), port: Number(process.argv.at(-1)) }, () => s.write('x'));
s.on('error', (e) => { console.log('ERROR', e.code); process.exit(0); });
s.on('close', () => { console.log('CLOSED without error'); process.exit(0); });
setTimeout(() => { console.log('TIMEOUT'); process.exit(4); }, 10000).unref();
`,
      [FINACK, '7'],
      'node client',
    );
    const r = await client.wait(15_000);
    assert.equal(r.stdout.trim(), 'ERROR ECONNRESET');
    await serveDone(serve);
    const trace = readTrace(ns.file('serve.jsonl'));
    assert.deepEqual(stateChanges(trace).slice(-1), ['ESTABLISHED>CLOSED']);
    assert.ok(trace.some((e) => e.type === 'send' && e.seg?.flags.includes('RST')));
    checkCapture(ns.file('serve.pcap'), trace);
  });
});

test('keepalive against a vanished peer: probes on the wire, then ETIMEDOUT after the configured count', async (t) => {
  if (!requireSystem(t, [...BASE, 'nc'])) return;
  await withNetns(async (ns) => {
    const server = ns.spawn('nc', ['-l', '9003'], 'nc -l');
    await eventually(() => ns.run('ss', ['-tlnH']).stdout.includes(':9003'), 5000, 'nc to listen');
    const client = ns.finack('connect', [
      ...tunArgs(),
      '--verbose',
      '--keepalive',
      '1s,300ms,3',
      '--trace',
      ns.file('c.jsonl'),
      '--pcap',
      ns.file('c.pcap'),
      KERNEL,
      '9003',
    ]);
    await client.until((p) => p.stderr.includes('connected'), 20_000, 'the connection');
    // The peer vanishes: its address goes away inside the namespace, so probes find nobody.
    ns.run('ip', ['addr', 'del', `${KERNEL}/24`, 'dev', IFNAME]);
    const t0 = Date.now();
    const r = await client.wait(15_000);
    const took = Date.now() - t0;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ETIMEDOUT/);
    // idle 1 s + 3 probes 300 ms apart: about 1.9 s, well under 5 s.
    assert.ok(took >= 1200 && took < 5000, `aborted after ${took} ms`);
    server.kill();
    const trace = readTrace(ns.file('c.jsonl'));
    const fired = trace.filter((e) => e.type === 'timer' && e.timer === 'keepalive' && e.action === 'fired').length;
    const ts = tsharkCheck(ns.file('c.pcap'));
    assert.equal(ts.keepalives, 3, 'keep-alive probes tshark recognises');
    assert.ok(fired >= 3, `keepalive timer fired ${fired} times`);
    assert.ok(trace.some((e) => e.type === 'event' && e.event?.type === 'error' && e.event.code === 'ETIMEDOUT'));
    checkCapture(ns.file('c.pcap'), trace);
  });
});

test('IPv6: nc -6 against echo over the TUN device', async (t) => {
  if (!requireSystem(t, [...BASE, 'nc'])) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '7', '--mode', 'echo', '--once'], true);
    const r = ns.run('nc', ['-6', '-N', '-w', '10', FINACK6, '7'], { input: 'over IPv6\n' });
    assert.equal(r.stdout, 'over IPv6\n');
    await serveDone(serve);
    const trace = readTrace(ns.file('serve.jsonl'));
    assert.equal(stateChanges(trace).at(-1), 'LAST-ACK>CLOSED');
    checkCapture(ns.file('serve.pcap'), trace, { finack: FINACK6 });
  });
});

const MiB = 1 << 20;

async function bulk(
  ns: Netns,
  bytes: number,
  serveArgs: string[],
): Promise<{ ms: number; client: { sent: number; got: number; tx: string; rx: string; ms: number }; serve: Proc }> {
  const serve = await startServe(ns, ['--port', '7', '--mode', 'echo', '--hash', '--once', ...serveArgs]);
  const t0 = Date.now();
  const client = ns.node(BULK_CLIENT, [FINACK, '7', String(bytes)], 'bulk client');
  const r = await client.wait(240_000);
  const ms = Date.now() - t0;
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  await serveDone(serve);
  return { ms, client: out, serve };
}

test('64 MiB each way (node:net client <-> finack echo), clean: SHA-256 equal on both ends', async (t) => {
  if (!requireSystem(t, BASE)) return;
  await withNetns(async (ns) => {
    const { ms, client, serve } = await bulk(ns, 64 * MiB, []);
    assert.equal(client.sent, 64 * MiB);
    assert.equal(client.got, 64 * MiB);
    assert.equal(client.rx, client.tx);
    const s = summaryHashes(serve.stderr);
    assert.deepEqual(s, { rx: client.tx, tx: client.tx, rxBytes: 64 * MiB, txBytes: 64 * MiB });
    t.diagnostic(`64 MiB each way, clean: ${ms} ms (${((128 * MiB) / 1e6 / (ms / 1000)).toFixed(1)} MB/s total)`);
    const trace = readTrace(ns.file('serve.jsonl'));
    checkCapture(ns.file('serve.pcap'), trace);
  });
});

/** nftables in the namespace: drop N % of packets on the TUN interface, both directions. */
function nftLoss(ns: Netns, percent: number): void {
  const rules = `
table inet finack_loss {
  chain in { type filter hook input priority 0; iifname "${IFNAME}" meta l4proto tcp numgen random mod 100 < ${percent} counter drop; }
  chain out { type filter hook output priority 0; oifname "${IFNAME}" meta l4proto tcp numgen random mod 100 < ${percent} counter drop; }
}
`;
  ns.run('nft', ['-f', '-'], { input: rules });
}

function nftDropped(ns: Netns): number {
  const r = ns.run('nft', ['list', 'table', 'inet', 'finack_loss']);
  return [...r.stdout.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

test('64 MiB each way with 1% loss on the kernel side (nftables), 0.5% finack-side loss, delay, jitter and reordering: SHA-256 equal', async (t) => {
  if (!requireSystem(t, [...BASE, 'nft'])) return;
  await withNetns(async (ns) => {
    nftLoss(ns, 1);
    const { ms, client, serve } = await bulk(ns, 64 * MiB, [
      '--loss',
      '0.005',
      '--delay',
      '1ms',
      '--jitter',
      '1ms',
      '--reorder',
      '0.005',
      '--fault-seed',
      '7',
      '--rto-min',
      '200ms',
    ]);
    assert.equal(client.got, 64 * MiB);
    assert.equal(client.rx, client.tx);
    const s = summaryHashes(serve.stderr);
    assert.deepEqual(s, { rx: client.tx, tx: client.tx, rxBytes: 64 * MiB, txBytes: 64 * MiB });
    const dropped = nftDropped(ns);
    assert.ok(dropped > 200, `nftables dropped ${dropped} packets`);
    const trace = readTrace(ns.file('serve.jsonl'));
    const rto = trace.filter((e) => e.type === 'timer' && e.timer === 'retransmit' && e.action === 'fired').length;
    t.diagnostic(`64 MiB each way, lossy: ${ms} ms, nftables dropped ${dropped}, ${rto} retransmission timeouts`);
    // finack-side faults drop some packets before the device: counts cannot match exactly.
    checkCapture(ns.file('serve.pcap'), trace, { exact: false });
  });
});

test('4 MiB each way with finack-side delay, jitter, reordering and duplication: SHA-256 equal', async (t) => {
  if (!requireSystem(t, BASE)) return;
  await withNetns(async (ns) => {
    const { ms, client, serve } = await bulk(ns, 4 * MiB, [
      '--delay',
      '2ms',
      '--jitter',
      '2ms',
      '--reorder',
      '0.01',
      '--duplicate',
      '0.01',
      '--fault-seed',
      '7',
      '--rto-min',
      '200ms',
    ]);
    assert.equal(client.got, 4 * MiB);
    assert.equal(client.rx, client.tx);
    const s = summaryHashes(serve.stderr);
    assert.deepEqual(s, { rx: client.tx, tx: client.tx, rxBytes: 4 * MiB, txBytes: 4 * MiB });
    t.diagnostic(`4 MiB each way, delayed/reordered/duplicated: ${ms} ms`);
    const trace = readTrace(ns.file('serve.jsonl'));
    checkCapture(ns.file('serve.pcap'), trace, { exact: false });
  });
});

test('connect to a closed port: ECONNREFUSED, exit 1; SIGTERM on serve resets its live connections and removes the interface', async (t) => {
  if (!requireSystem(t, BASE)) return;
  await withNetns(async (ns) => {
    const client = ns.finack('connect', [...tunArgs(), '--trace', ns.file('c.jsonl'), KERNEL, '9']);
    const r = await client.wait(20_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.deepEqual(stateChanges(readTrace(ns.file('c.jsonl'))), ['SYN-SENT>CLOSED']);

    const serve = await startServe(ns, ['--port', '7', '--mode', 'echo']);
    const peer = ns.node(
      `
import net from 'node:net';
const s = net.connect({ host: process.argv.at(-2), port: Number(process.argv.at(-1)) }, () => s.write('hi'));
s.on('data', () => console.log('ECHOED'));
s.on('error', (e) => { console.log('ERROR', e.code); process.exit(0); });
s.on('close', () => { console.log('CLOSED'); process.exit(0); });
setTimeout(() => process.exit(4), 15000).unref();
`,
      [FINACK, '7'],
      'node client',
    );
    await peer.until((p) => p.stdout.includes('ECHOED'), 10_000, 'the echo');
    const socket = /control (\S+\.sock)/.exec(serve.stderr)?.[1];
    assert.ok(socket && existsSync(socket), `the ready line names the control socket:\n${serve.stderr}`);
    serve.kill('SIGTERM');
    const sr = await serve.wait(10_000);
    assert.equal(sr.code, 0, sr.stderr);
    assert.equal(existsSync(socket), false, 'SIGTERM removes the control socket');
    const pr = await peer.wait(10_000);
    assert.match(pr.stdout, /ERROR ECONNRESET/);
    assert.notEqual(ns.run('ip', ['link', 'show', IFNAME], { check: false }).code, 0);
    checkCapture(ns.file('serve.pcap'), readTrace(ns.file('serve.jsonl')));
  });
});
