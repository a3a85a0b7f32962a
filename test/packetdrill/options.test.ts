// Upstream packetdrill's options (its config.c names) in scripts and on the command line, the
// `--linux-compat` spelling of the command, and the directory run's count of what was unsupported.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runPacketdrillCli } from '../../src/cli/packetdrill.js';
import { runScriptText } from '../../src/packetdrill/interpreter.js';
import { OptionError, PACKETDRILL_OPTIONS, parseUpstreamArgs } from '../../src/packetdrill/options.js';

function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = runPacketdrillCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** An active open to the connect port; the SYN's destination port is checked through the SYN-ACK's. */
const CLIENT = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+.01 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
`;

test('every upstream long option is known, with a note', () => {
  for (const name of [
    'ip_version',
    'bind_port',
    'connect_port',
    'remote_ip',
    'local_ip',
    'gateway_ip',
    'netmask_ip',
    'speed',
    'mss',
    'mtu',
    'init_scripts',
    'tolerance_usecs',
    'tolerance_percent',
    'wire_client',
    'wire_server',
    'so_filename',
    'tcp_ts_ecr_scaled',
    'tcp_ts_tick_usecs',
    'strict_segments',
    'non_fatal',
    'dry_run',
    'is_anyip',
    'send_omit_free',
    'debug',
    'define',
    'verbose',
  ]) {
    const o = PACKETDRILL_OPTIONS[name];
    assert.ok(o, name);
    assert.ok(o.note.length > 0, name);
  }
});

test('upstream argument forms: --a=b, --a b, flags, -v, -D', () => {
  const p = parseUpstreamArgs([
    '--tolerance_usecs=10000',
    '--bind_port',
    '57005',
    '--strict_segments',
    '-v',
    '-D',
    'FOO=5',
    '-DBAR=6',
    '--wire_client',
    '--so_filename=/x.so',
    'a.pkt',
  ]);
  assert.deepEqual(Object.fromEntries(p.options), {
    tolerance_usecs: '10000',
    bind_port: '57005',
    strict_segments: '',
    verbose: '',
  });
  assert.deepEqual(Object.fromEntries(p.defines), { FOO: '5', BAR: '6' });
  assert.deepEqual(p.ignored, ['wire_client', 'so_filename']);
  assert.deepEqual(p.positionals, ['a.pkt']);
  assert.throws(() => parseUpstreamArgs(['--no_such']), OptionError);
  assert.throws(() => parseUpstreamArgs(['--bind_port']), OptionError);
  assert.throws(() => parseUpstreamArgs(['--strict_segments=1']), OptionError);
});

test('--connect_port and --bind_port set the ports the script uses', () => {
  const r = runScriptText(CLIENT, { defaultProfile: 'linux', options: new Map([['connect_port', '9090']]) });
  assert.equal(r.status, 'pass', r.reason);
  const bad = runScriptText(CLIENT, { options: new Map([['connect_port', '70000']]) });
  assert.equal(bad.status, 'error');
  assert.match(bad.reason, /bad --connect_port/);
});

test('--define names a symbol for the script; --dry_run parses only', () => {
  const script = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [BUF], 4) = 0\n';
  assert.equal(runScriptText(script, { defines: new Map([['BUF', '20000']]) }).status, 'pass');
  assert.equal(runScriptText(script).unsupported, 'symbol BUF');
  const dry = runScriptText('--dry_run\n0 epoll_create(1) = 3\n');
  assert.equal(dry.status, 'pass', dry.reason);
});

test('--non_fatal=syscall turns a syscall mismatch into a warning; the run goes on', () => {
  const script = `--non_fatal=syscall\n${CLIENT}+0 write(3, ..., 10) = 11\n+0 > P. 1:11(10) ack 1\n`;
  const r = runScriptText(script, { defaultProfile: 'linux' });
  assert.equal(r.status, 'pass', r.reason);
  assert.equal(r.warnings?.length, 1);
  assert.match(r.warnings?.[0] ?? '', /write\(\) = 10, expected 11/);
  const fatal = runScriptText(script.replace('--non_fatal=syscall\n', ''), { defaultProfile: 'linux' });
  assert.equal(fatal.status, 'fail');
});

test('--strict_segments: a larger expected segment is not made of several sent ones', () => {
  const script = `--mss=1000
\`../common/defaults.sh\`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2000) = 2000
+0 > P. 1:2001(2000) ack 1
`;
  assert.equal(runScriptText(script).status, 'pass');
  const strict = runScriptText(`--strict_segments\n${script}`);
  assert.equal(strict.status, 'fail');
});

test('--ip_version=ipv6 runs the same script over IPv6', () => {
  const r = runScriptText(`--ip_version=ipv6\n${CLIENT}`, { defaultProfile: 'linux' });
  assert.equal(r.status, 'pass', r.reason);
  assert.equal(runScriptText(`--ip_version=ipv5\n${CLIENT}`).status, 'error');
});

test('finack packetdrill --linux-compat: upstream flags verbatim, the ignored ones named in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-pd-compat-'));
  try {
    const ok = join(dir, 'ok.pkt');
    const cork = join(dir, 'fastopen.pkt');
    writeFileSync(ok, CLIENT);
    writeFileSync(cork, `${CLIENT}+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0\n`);
    const r = cli(['--linux-compat', '--tolerance_usecs=10000', '--wire_client', '--speed', '10', '-v', ok]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(
      r.err,
      'finack packetdrill: ignored (no meaning for a user-space stack in virtual time): --wire_client, --speed\n',
    );
    assert.match(r.out, /^PASS .*ok\.pkt\n1 passed, 0 failed\n$/);
    // The directory run counts what the unsupported scripts needed.
    const d = cli(['--linux-compat', dir]);
    assert.equal(d.code, 1);
    const lines = d.out.trimEnd().split('\n');
    assert.equal(lines.at(-1), '1 passed, 1 failed');
    assert.equal(lines.at(-2), 'unsupported: setsockopt TCP_FASTOPEN (1)');
    assert.equal(cli(['--linux-compat', '--no_such_flag', ok]).code, 2);
    const j = cli([dir, '--json']);
    const doc = JSON.parse(j.out) as { unsupported: Record<string, number> };
    assert.deepEqual(doc.unsupported, { 'setsockopt TCP_FASTOPEN': 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
