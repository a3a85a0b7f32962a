import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectScripts } from '../../src/cli/packetdrill.js';
import { parseScript, ScriptSyntaxError } from '../../src/packetdrill/parser.js';
import { ACK, FIN, PSH, RST, SYN } from '../../src/wire/segment.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = process.env.FINACK_PACKETDRILL_DIR ?? resolve(repoRoot, '../shared/conformance/packetdrill');

test('every external script parses', { skip: existsSync(dir) ? false : `no scripts at ${dir}` }, () => {
  const files = collectScripts(dir);
  assert.equal(files.length, 32);
  for (const f of files) {
    const s = parseScript(readFileSync(f, 'utf8'));
    assert.ok(s.events.length > 0, f);
  }
});

test('every own script parses', () => {
  for (const f of collectScripts(fileURLToPath(new URL('./scripts', import.meta.url)))) {
    parseScript(readFileSync(f, 'utf8'));
  }
});

test('options, commands, times and a packet line', () => {
  const s = parseScript(`--tolerance_usecs=100000
--tcp_ts_tick_usecs=1000
\`../common/defaults.sh\`
    0 socket(..., SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) = 3
 +.01...0.011 connect(3, ..., ...) = 0
  +.3~+.400 > F. 1:1(0) ack 1
   * > P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 100 ecr 7,nop,wscale 7, sack 1:2 3:4>
0.100 < S 0:0(0) win 32792 <mss 1460 ,sackOK,nop,nop,nop,wscale 7>
+0 < R 0:0(0) win 0 <...>
`);
  assert.equal(s.options.get('tolerance_usecs'), '100000');
  assert.equal(s.options.get('tcp_ts_tick_usecs'), '1000');
  const [cmd, sock, conn, fin, data, syn, rst] = s.events;
  assert.deepEqual(cmd, { kind: 'command', line: 3, time: undefined, command: '../common/defaults.sh' });
  assert.equal(sock?.kind, 'syscall');
  if (sock?.kind === 'syscall') {
    assert.deepEqual(sock.time, { kind: 'point', at: { relative: false, usecs: 0 } });
    assert.deepEqual(sock.args[1], {
      kind: 'or',
      items: [
        { kind: 'symbol', name: 'SOCK_STREAM' },
        { kind: 'symbol', name: 'SOCK_NONBLOCK' },
      ],
    });
    assert.deepEqual(sock.result, { kind: 'int', value: 3 });
  }
  assert.deepEqual(conn?.time, {
    kind: 'blocking',
    start: { relative: true, usecs: 10_000 },
    end: { relative: false, usecs: 11_000 },
  });
  assert.deepEqual(fin?.time, {
    kind: 'window',
    lo: { relative: true, usecs: 300_000 },
    hi: { relative: true, usecs: 400_000 },
  });
  if (fin?.kind === 'packet') {
    assert.equal(fin.flags, FIN | ACK);
    assert.equal(fin.ack, 1);
    assert.deepEqual(fin.options, []);
  }
  assert.deepEqual(data?.time, { kind: 'any' });
  if (data?.kind === 'packet') {
    assert.equal(data.flags, PSH | ACK);
    assert.equal(data.len, 1000);
    assert.equal(data.win, 257);
    assert.deepEqual(data.options, [
      { kind: 'nop' },
      { kind: 'nop' },
      { kind: 'ts', val: 100, ecr: 7 },
      { kind: 'nop' },
      { kind: 'wscale', value: 7 },
      {
        kind: 'sack',
        blocks: [
          { left: 1, right: 2 },
          { left: 3, right: 4 },
        ],
      },
    ]);
  }
  if (syn?.kind === 'packet') {
    assert.equal(syn.direction, 'inbound');
    assert.equal(syn.flags, SYN);
    assert.equal(syn.options?.[0]?.kind, 'mss');
  }
  if (rst?.kind === 'packet') {
    assert.equal(rst.flags, RST);
    assert.equal(rst.options, undefined);
  }
});

test('syscall results: errno, comments, structs, arrays, multi-line commands', () => {
  const s = parseScript(`0 write(4, ..., 1000) = -1 EPIPE (Broken pipe)
+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0   // trailing comment
+0 %{ assert tcpi_advmss == 1100, tcpi_advmss }%
\`
../../common/defaults.sh
../set_sysctls.py /proc/sys/net/ipv4/tcp_tw_reuse=1 # global
\`
`);
  const [w, f, so, go, py, cmd] = s.events;
  assert.ok(w?.kind === 'syscall' && w.errno === 'EPIPE' && w.note === 'Broken pipe');
  assert.deepEqual(w.result, { kind: 'int', value: -1 });
  assert.ok(f?.kind === 'syscall' && f.errno === undefined && f.note === 'flags O_RDWR');
  assert.deepEqual(f.result, { kind: 'int', value: 2 });
  assert.ok(so?.kind === 'syscall');
  assert.deepEqual(so.args[3], {
    kind: 'struct',
    fields: [
      { name: 'onoff', value: { kind: 'int', value: 1 } },
      { name: 'linger', value: { kind: 'int', value: 0 } },
    ],
  });
  assert.ok(go?.kind === 'syscall');
  assert.deepEqual(go.args[3], { kind: 'array', items: [{ kind: 'int', value: 1100 }] });
  assert.ok(py?.kind === 'python' && py.code === 'assert tcpi_advmss == 1100, tcpi_advmss');
  assert.ok(cmd?.kind === 'command' && cmd.command.includes('tcp_tw_reuse=1'));
});

test('syntax errors name the line', () => {
  assert.throws(
    () => parseScript('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < Z 0:0(0) win 1\n'),
    (e: unknown) => e instanceof ScriptSyntaxError && e.line === 2,
  );
  assert.throws(
    () => parseScript('0 < S 0:5(4) win 1\n'),
    (e: unknown) => e instanceof ScriptSyntaxError && e.line === 1,
  );
});
