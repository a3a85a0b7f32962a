// `finack ss` and the control channel: the table, filters and JSON (pure), the protocol over a real
// Unix socket in a temporary runtime directory (XDG_RUNTIME_DIR), and the error cases: no such
// instance, a live process that is not one (never signalled), a stale socket, bad options.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import {
  filterRows,
  formatInfo,
  formatTable,
  formatTimer,
  parseSsArgs,
  parseStates,
  runSs,
  type SsIo,
  ssTime,
} from '../../src/cli/ss.js';
import {
  CONTROL_VERSION,
  ControlError,
  type ControlRow,
  controlDir,
  controlRequest,
  controlSocketPath,
  serveControl,
} from '../../src/drivers/control.js';
import { SimNetwork } from '../../src/index.js';

const CONTROL_TS = fileURLToPath(new URL('../../src/drivers/control.ts', import.meta.url));

let runtime: string;
let savedXdg: string | undefined;

before(() => {
  runtime = mkdtempSync(join(tmpdir(), 'finack-ss-test-'));
  savedXdg = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = runtime;
});

after(() => {
  if (savedXdg === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = savedXdg;
  rmSync(runtime, { recursive: true, force: true });
});

function capture(extra: Partial<SsIo> = {}): SsIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    ...extra,
  };
  return io;
}

/** A client and a server on the simulated network, one connection established and one in TIME-WAIT. */
function simPair() {
  const sim = new SimNetwork({ seed: 1, link: { latency: 10 } });
  const client = sim.host('192.0.2.1', { name: 'client' });
  const server = sim.host('192.0.2.2', { name: 'server' });
  const listener = server.listen(80);
  const old = client.connect({ addr: '192.0.2.2', port: 80 });
  sim.runFor(100);
  old.write('hello');
  sim.runFor(100);
  old.close();
  sim.runFor(100);
  listener.accepted[0]?.close();
  sim.runFor(100);
  const live = client.connect({ addr: '192.0.2.2', port: 80 });
  sim.runFor(100);
  live.write('x'.repeat(3000));
  sim.runFor(1000);
  return { sim, client, server, live };
}

const ROWS: ControlRow[] = [
  { state: 'LISTEN', local: { addr: '*', port: 80 }, remote: null, sendQ: 128, recvQ: 0, listener: 1 as never },
  {
    state: 'ESTABLISHED',
    local: { addr: '198.51.100.2', port: 80 },
    remote: { addr: '198.51.100.1', port: 40000 },
    sendQ: 1000,
    recvQ: 5,
    timer: { kind: 'retransmit', remaining: 200 },
    info: {
      rtt: 20,
      rttvar: 10,
      rto: 1000,
      backoffs: 2,
      cwnd: 14600,
      mss: 1460,
      sndWnd: 65535,
      rcvWnd: 65535,
      wscale: { snd: 7, rcv: 7 },
      timestamps: true,
      sack: true,
      bytesAcked: 12345,
      bytesReceived: 678,
      retransmits: 3,
      keepaliveProbes: 0,
      inRecovery: false,
    },
  },
  {
    state: 'TIME-WAIT',
    local: { addr: '2001:db8::2', port: 80 },
    remote: { addr: '2001:db8::1', port: 40001 },
    sendQ: 0,
    recvQ: 0,
    timer: { kind: 'time-wait', remaining: 59_000 },
  },
];

test('ssTime prints times left as ss does', () => {
  assert.equal(ssTime(200), '200ms');
  assert.equal(ssTime(1500), '1.500ms');
  assert.equal(ssTime(59_000), '59sec');
  assert.equal(ssTime(125_000), '2min5sec');
  assert.equal(ssTime(12 * 60_000 + 30_000), '12min');
  assert.equal(ssTime(0), '0ms');
});

test('formatTimer: on with its backoff count, timewait, keepalive with its probes', () => {
  assert.equal(formatTimer(ROWS[1] as ControlRow), 'timer:(on,200ms,2)');
  assert.equal(formatTimer(ROWS[2] as ControlRow), 'timer:(timewait,59sec,0)');
  const ka: ControlRow = {
    ...(ROWS[1] as ControlRow),
    timer: { kind: 'keepalive', remaining: 7_200_000 },
    info: { ...(ROWS[1]?.info as NonNullable<ControlRow['info']>), keepaliveProbes: 1 },
  };
  assert.equal(formatTimer(ka), 'timer:(keepalive,120min,1)');
  assert.equal(formatTimer(ROWS[0] as ControlRow), '');
  // The endpoint's own count wins where it gives one (an orphan's retransmissions of its FIN).
  const counted: ControlRow = { ...(ROWS[1] as ControlRow), timer: { kind: 'retransmit', remaining: 200, count: 5 } };
  assert.equal(formatTimer(counted), 'timer:(on,200ms,5)');
});

test('formatTable: an orphan (closed by the application, finishing its close) is marked as one', () => {
  const orphan: ControlRow = { ...(ROWS[1] as ControlRow), state: 'FIN-WAIT-1', orphan: true };
  const text = formatTable([{ pid: 42, name: 'finack serve', rows: [orphan] }]);
  assert.match(text.split('\n')[1] as string, /^FIN-WAIT-1 .* orphan of finack serve,pid=42 +timer:\(on,200ms,2\)$/);
});

test('formatInfo and formatTable: an ss -tanopi table, details indented under each connection', () => {
  assert.equal(
    formatInfo(ROWS[1] as ControlRow),
    'ts sack wscale:7,7 rto:1000 rtt:20/10 mss:1460 cwnd:10 bytes_acked:12345 bytes_received:678 snd_wnd:65535 rcv_wnd:65535 retrans:2/3',
  );
  const text = formatTable([{ pid: 42, name: 'finack serve', rows: ROWS }]);
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0] as string, /^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process$/);
  assert.match(lines[1] as string, /^LISTEN +0 +128 +\*:80 +\*:\* +finack serve,pid=42$/);
  assert.match(
    lines[2] as string,
    /^ESTABLISHED +5 +1000 +198\.51\.100\.2:80 +198\.51\.100\.1:40000 +finack serve,pid=42 +timer:\(on,200ms,2\)$/,
  );
  assert.match(lines[3] as string, /^\t ts sack wscale:7,7 rto:1000/);
  assert.match(
    lines[4] as string,
    /^TIME-WAIT +0 +0 +\[2001:db8::2\]:80 +\[2001:db8::1\]:40001 .*timer:\(timewait,59sec,0\)$/,
  );
  assert.equal(lines.length, 5);
  // Columns line up: Recv-Q is right-aligned under its header.
  const col = (lines[0] as string).indexOf('Recv-Q') + 'Recv-Q'.length;
  assert.equal((lines[1] as string)[col - 1], '0');
  assert.equal((lines[2] as string)[col - 1], '5');
});

test('--state: ss names and groups, several allowed, unknown names a usage error', () => {
  assert.deepEqual([...parseStates(['time-wait'])], ['TIME-WAIT']);
  assert.deepEqual([...parseStates(['established,listen', 'SYN-RECV'])].sort(), [
    'ESTABLISHED',
    'LISTEN',
    'SYN-RECEIVED',
  ]);
  assert.equal(parseStates(['connected']).has('LISTEN'), false);
  assert.equal(parseStates(['connected']).has('TIME-WAIT'), true);
  assert.equal(parseStates(['synchronized']).has('SYN-SENT'), false);
  assert.deepEqual([...parseStates(['bucket'])].sort(), ['SYN-RECEIVED', 'TIME-WAIT']);
  assert.equal(parseStates(['all']).size, 11);
  assert.deepEqual(
    filterRows(ROWS, parseStates(['time-wait', 'listening'])).map((r) => r.state),
    ['LISTEN', 'TIME-WAIT'],
  );
  assert.equal(filterRows(ROWS, undefined).length, 3);
  assert.throws(() => parseStates(['sleepy']), /unknown state "sleepy"; valid: established/);
});

test('parseSsArgs: --watch with and without an interval, --watch-count, --pid', () => {
  const o = parseSsArgs(['--watch', '--json']);
  assert.ok(o !== 'help');
  assert.equal(o.watch, 1000);
  assert.equal(o.json, true);
  const p = parseSsArgs(['--watch', '250ms', '--watch-count', '3', '--pid', '7']);
  assert.ok(p !== 'help');
  assert.deepEqual([p.watch, p.watchCount, p.pid], [250, 3, 7]);
  assert.equal(parseSsArgs(['-h']), 'help');
  assert.throws(() => parseSsArgs(['--watch-count', '3']), /--watch-count needs --watch/);
  assert.throws(() => parseSsArgs(['--pid', 'x']), /--pid wants an integer/);
});

test('bad options: one line, exit 2, no stack trace; --help on stdout', async () => {
  for (const argv of [
    ['ss', '--bogus'],
    ['connections', '--pid'],
    ['ss', 'extra'],
    ['ss', '--state', 'nope'],
  ]) {
    const io = capture();
    const code = await main(argv, io);
    assert.equal(code, 2, `${argv.join(' ')}: ${io.err}`);
    assert.equal(io.err.trimEnd().split('\n').length, 1, io.err);
    assert.match(io.err, /^finack: /);
    assert.doesNotMatch(io.err, /\n\s+at |ERR_PARSE_ARGS/);
  }
  for (const cmd of ['ss', 'connections']) {
    const io = capture();
    assert.equal(await main([cmd, '--help'], io), 0);
    assert.match(io.out, /^Usage: finack ss/);
    assert.equal(io.err, '');
  }
});

test('the runtime directory: XDG_RUNTIME_DIR/finack, 0700; the socket <pid>.sock, 0600; close() removes it', async () => {
  assert.equal(controlDir(), join(runtime, 'finack'));
  assert.equal(
    controlDir({}),
    process.getuid?.() === 0 ? '/run/finack' : join(tmpdir(), `finack-${process.getuid?.()}`),
  );
  const { sim, client } = simPair();
  const h = serveControl(client, { now: () => sim.now, name: 'sim client', signals: false });
  await h.ready;
  assert.equal(h.path, controlSocketPath(process.pid));
  assert.equal(statSync(controlDir()).mode & 0o777, 0o700);
  assert.equal(statSync(h.path).mode & 0o777, 0o600);
  assert.ok(statSync(h.path).isSocket());
  h.close();
  h.close();
  assert.equal(h.closed, true);
  assert.equal(existsSync(h.path), false);
});

test('the protocol: info, rows with connection details, stats; errors for bad requests', async () => {
  const { sim, client } = simPair();
  const h = serveControl({ endpoint: client.endpoint, clock: sim.clock }, { name: 'sim client', signals: false });
  try {
    await h.ready;
    const info = await controlRequest(h.path, { op: 'info' });
    assert.equal(info.v, CONTROL_VERSION);
    assert.ok(info.op === 'info');
    assert.equal(info.info.pid, process.pid);
    assert.equal(info.info.name, 'sim client');
    assert.deepEqual(info.info.ops, ['info', 'rows', 'stats']);

    const rows = await controlRequest(h.path, { op: 'rows' });
    assert.ok(rows.op === 'rows');
    assert.deepEqual(
      rows.rows.map((r) => r.state),
      ['TIME-WAIT', 'ESTABLISHED'],
    );
    const est = rows.rows[1] as ControlRow;
    assert.equal(est.local.addr, '192.0.2.1');
    assert.equal(est.remote?.port, 80);
    assert.ok(est.info, 'a live connection has its details');
    assert.equal(est.info.bytesAcked, 3000);
    assert.equal(est.info.bytesReceived, 0);
    assert.equal(est.info.mss, client.endpoint.connection(est.conn as never)?.info().mss);
    assert.equal(typeof est.info.rtt, 'number');
    const tw = rows.rows[0] as ControlRow;
    assert.equal(tw.timer?.kind, 'time-wait');
    assert.ok((tw.timer?.remaining ?? 0) > 0);

    const stats = await controlRequest(h.path, { op: 'stats' });
    assert.ok(stats.op === 'stats');
    assert.equal(stats.stats.activeOpens, 2);
    assert.equal(stats.stats.timeWait.created, 1);

    await assert.rejects(controlRequest(h.path, { op: 'nope' as never }), (e: unknown) => {
      assert.ok(e instanceof ControlError);
      assert.equal(e.code, 'ERR_CONTROL_UNKNOWN_OP');
      return true;
    });
    await assert.rejects(controlRequest(h.path, { v: 99, op: 'rows' }), { code: 'ERR_CONTROL_VERSION' });
    // Raw lines: not JSON, and too long.
    assert.match(await rawRequest(h.path, 'hello\n'), /"ok":false,"error":\{"code":"ERR_CONTROL_PROTOCOL"/);
    assert.match(await rawRequest(h.path, 'x'.repeat(5000)), /"code":"ERR_CONTROL_PROTOCOL","message":"request longer/);
    // A version-less request is taken as version 1.
    assert.match(await rawRequest(h.path, '{"op":"info"}\n'), /^\{"v":1,"ok":true,"op":"info"/);
  } finally {
    h.close();
  }
});

function rawRequest(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const s = createConnection(path, () => s.write(text));
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
    });
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
}

test('finack ss: the table of every instance on stdout; --pid, --state, --json, --list, --stats', async () => {
  const a = simPair();
  const b = simPair();
  const ha = serveControl(a.client, { now: () => a.sim.now, name: 'sim client', signals: false });
  const hb = serveControl(b.server, { now: () => b.sim.now, name: 'sim server', signals: false });
  try {
    await Promise.all([ha.ready, hb.ready]);
    assert.notEqual(ha.path, hb.path);

    const all = capture();
    assert.equal(await main(['ss'], all), 0, all.err);
    assert.match(all.out, /^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port +Process\n/);
    assert.match(
      all.out,
      /TIME-WAIT +0 +0 +192\.0\.2\.1:\d+ +192\.0\.2\.2:80 +sim client,pid=\d+ +timer:\(timewait,\d+sec,0\)/,
    );
    assert.match(all.out, /LISTEN +0 +\d+ +\*:80 +\*:\* +sim server,pid=/);
    assert.match(all.out, /\t .*rto:\d+ .*mss:\d+ cwnd:\d+ .*bytes_acked:3000 bytes_received:0/);
    assert.match(all.out, /\t .*bytes_acked:0 bytes_received:3000/);

    const tw = capture();
    assert.equal(await main(['connections', '--pid', String(process.pid), '--state', 'time-wait'], tw), 0, tw.err);
    const body = tw.out.trimEnd().split('\n').slice(1);
    assert.ok(body.length >= 1);
    for (const l of body) assert.match(l, /^TIME-WAIT /);

    const js = capture();
    assert.equal(await runSs(['--json', '--state', 'established', '--stats'], js), 0, js.err);
    const snap = JSON.parse(js.out) as {
      v: number;
      instances: { info: { name: string }; socket: string; rows: ControlRow[]; stats?: { activeOpens: number } }[];
    };
    assert.equal(snap.v, 1);
    assert.deepEqual(snap.instances.map((i) => i.info.name).sort(), ['sim client', 'sim server']);
    for (const i of snap.instances) {
      assert.deepEqual(
        i.rows.map((r) => r.state),
        ['ESTABLISHED'],
      );
      assert.equal(typeof i.stats?.activeOpens, 'number');
    }

    const list = capture();
    assert.equal(await runSs(['--list'], list), 0, list.err);
    assert.match(list.out, /^PID +Name +Addresses +Rows +Uptime +Control socket\n/);
    assert.match(list.out, new RegExp(`${process.pid} +sim client +192\\.0\\.2\\.1 +2 +\\d+s +${reEscape(ha.path)}`));
    assert.match(list.out, new RegExp(`sim server +192\\.0\\.2\\.2 +\\d+ +\\d+s +${reEscape(hb.path)}`));

    const st = capture();
    assert.equal(await runSs(['--stats', '--state', 'listen'], st), 0, st.err);
    assert.match(st.out, /#sim client pid \d+\nTcpActiveOpens +2\n/);
    assert.match(st.out, /#sim server pid \d+\nTcpActiveOpens +0\nTcpPassiveOpens +2\n/);
  } finally {
    ha.close();
    hb.close();
  }
});

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('--watch refreshes until --watch-count (or an abort), one JSON line per refresh', async () => {
  const { sim, client } = simPair();
  const h = serveControl(client, { now: () => sim.now, signals: false });
  try {
    await h.ready;
    const io = capture();
    assert.equal(await runSs(['--watch', '100ms', '--watch-count', '3', '--state', 'established'], io), 0, io.err);
    assert.equal(io.out.match(/^Every 0\.1s: finack ss/gm)?.length, 3);
    assert.equal(io.out.match(/^ESTABLISHED /gm)?.length, 3);
    const js = capture();
    assert.equal(await runSs(['--watch', '100ms', '--watch-count', '2', '--json'], js), 0, js.err);
    const lines = js.out.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.equal((JSON.parse(l) as { v: number }).v, 1);
    // Unbounded, stopped by an abort (as by SIGINT).
    const ac = new AbortController();
    const unbounded = capture({ signal: ac.signal });
    const run = runSs(['--watch', '100ms'], unbounded);
    setTimeout(() => ac.abort(), 250);
    assert.equal(await run, 0);
    assert.ok((unbounded.out.match(/^Every /gm)?.length ?? 0) >= 2);
  } finally {
    h.close();
  }
});

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('no such instance: --pid 999999 and a live process without a socket are errors (exit 1), never signalled', async () => {
  const none = capture();
  assert.equal(await main(['ss', '--pid', '999999'], none), 1);
  assert.equal(none.err.trimEnd().split('\n').length, 1, none.err);
  assert.match(none.err, /^finack: no process 999999|^finack: process 999999 is not a finack instance/);
  assert.doesNotMatch(none.err, /\n\s+at |ESRCH/);

  // A process that is not finack (it would die of SIGUSR2): `ss --pid` leaves it alone.
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    const pid = sleeper.pid as number;
    const io = capture();
    assert.equal(await main(['connections', '--pid', String(pid), '--stats'], io), 1);
    assert.match(
      io.err,
      new RegExp(
        `^finack: process ${pid} is not a finack instance: no control socket for it in .*nothing was sent to it`,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sleeper.exitCode, null, 'the process is still running');
    assert.equal(sleeper.signalCode, null);
  } finally {
    sleeper.kill();
  }
  // No instances at all: the header alone, exit 0.
  const empty = capture();
  assert.equal(await runSs(['--dir', join(runtime, 'empty')], empty), 0);
  assert.match(empty.out, /^State +Recv-Q/);
});

test('a stale socket (its process killed) is removed by ss; --pid on it is an error', async () => {
  const dir = controlDir();
  // A program that opts in through the API, then dies without cleaning up (SIGKILL).
  const prog = `import { serveControl } from ${JSON.stringify(CONTROL_TS)};
const h = serveControl({ endpoint: { connections: () => [], connection: () => undefined, stats: {} } }, { now: () => 0, name: 'victim' });
await h.ready; console.log(h.path); setInterval(() => {}, 1000);`;
  const mk = (): ChildProcess =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', prog], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
  const victim = mk();
  let out = '';
  victim.stdout?.on('data', (d) => {
    out += d;
  });
  await until(() => out.includes('.sock'), 20_000, 'the child to listen');
  const path = out.trim();
  assert.equal(path, join(dir, `${victim.pid}.sock`));
  victim.kill('SIGKILL');
  await waitExit(victim);
  assert.ok(existsSync(path), 'SIGKILL leaves the socket behind');

  const io = capture();
  assert.equal(await runSs(['--pid', String(victim.pid)], io), 1);
  assert.match(io.err, /is not a running finack instance \(its stale control socket was removed\)/);
  assert.equal(existsSync(path), false);

  // Listing everything removes stale sockets too, with a note on stderr.
  const again = mk();
  out = '';
  again.stdout?.on('data', (d) => {
    out += d;
  });
  await until(() => out.includes('.sock'), 20_000, 'the child to listen');
  const listed = capture();
  assert.equal(await runSs(['--list'], listed), 0, listed.err);
  assert.match(listed.out, new RegExp(`${again.pid} +victim`));
  // SIGTERM, with no handler of the program's own: the socket goes, the signal still ends it.
  again.kill('SIGTERM');
  const r = await waitExit(again);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(existsSync(out.trim()), false, 'SIGTERM removes the socket');

  const third = mk();
  out = '';
  third.stdout?.on('data', (d) => {
    out += d;
  });
  await until(() => out.includes('.sock'), 20_000, 'the child to listen');
  third.kill('SIGKILL');
  await waitExit(third);
  const all = capture();
  assert.equal(await runSs([], all), 0, all.err);
  assert.match(all.err, /removed the stale control socket .*\.sock \(process \d+ is gone\)/);
  assert.equal(existsSync(out.trim()), false);
});
