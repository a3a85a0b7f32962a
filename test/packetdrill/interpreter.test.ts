// The interpreter must fail scripts that finack does not satisfy, with the line and a ladder.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScriptText } from '../../src/packetdrill/interpreter.js';
import { evaluateAsserts } from '../../src/packetdrill/tcpinfo-assert.js';

const HANDSHAKE = `--tolerance_usecs=10000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0.000 bind(3, ..., ...) = 0
0.000 listen(3, 1) = 0
0.100 < S 0:0(0) win 65535 <mss 1460,nop,wscale 7>
0.100 > S. 0:0(0) ack 1 <...>
0.200 < . 1:1(0) ack 1 win 512
0.200 accept(3, ..., ...) = 4
`;
const run = (body: string) => runScriptText(HANDSHAKE + body, { defaultProfile: 'finack' });

test('a matching script passes', () => {
  const r = run('0.300 write(4, ..., 10) = 10\n0.300 > P. 1:11(10) ack 1 <...>\n');
  assert.equal(r.status, 'pass', r.reason);
});

test('a wrong ack fails at its line with expected and actual', () => {
  const r = run('0.300 write(4, ..., 10) = 10\n0.300 > P. 1:11(10) ack 2 <...>\n');
  assert.equal(r.status, 'fail');
  assert.equal(r.line, 10);
  assert.match(r.reason, /ack 1 \(expected 2\)/);
  assert.ok(r.detail.some((l) => l.includes('expected: > P. 1:11(10) ack 2')));
  assert.ok(r.detail.some((l) => l.includes('actual:   > P. 1:11(10) ack 1')));
});

test('missing PSH, wrong seq and exact options are checked', () => {
  assert.match(
    run('0.300 write(4, ..., 10) = 10\n0.300 > . 1:11(10) ack 1 <...>\n').reason,
    /flags P\. \(expected \.\)/,
  );
  assert.match(run('0.300 write(4, ..., 10) = 10\n0.300 > P. 2:12(10) ack 1 <...>\n').reason, /seq 1 \(expected 2\)/);
  // finack's default profile has timestamps off for a peer that did not offer them: no options.
  assert.match(run('0.300 write(4, ..., 10) = 10\n0.300 > P. 1:11(10) ack 1 <nop>\n').reason, /options/);
});

test('a packet that comes too late, or never, fails', () => {
  const late = run('0.300 write(4, ..., 10) = 10\n0.250 > P. 1:11(10) ack 1 <...>\n');
  assert.equal(late.status, 'fail');
  assert.match(late.reason, /too late/);
  const none = run('0.300 > . 1:1(0) ack 1 <...>\n');
  assert.equal(none.status, 'fail');
  assert.match(none.reason, /sent nothing/);
});

test('a syscall result or errno that differs fails', () => {
  assert.match(run('0.300 write(4, ..., 10) = 11\n').reason, /write\(\) = 10, expected 11/);
  assert.match(run('0.300 read(4, ..., 10) = -1 EAGAIN (x)\n').reason, /would block/);
  assert.equal(
    run('0.300 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n0.300 read(4, ..., 10) = -1 EWOULDBLOCK\n').status,
    'pass',
  );
});

test('a blocking call must return inside its window', () => {
  const ok = runScriptText(
    `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0...0.200 accept(3, ..., ...) = 4
+.1 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
+.1 < . 1:1(0) ack 1 win 257
`,
    { defaultProfile: 'finack' },
  );
  assert.equal(ok.status, 'pass', ok.reason);
  const never = runScriptText(
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0...0.2 accept(3, ..., ...) = 4\n',
    {
      defaultProfile: 'finack',
    },
  );
  assert.equal(never.status, 'fail');
  assert.match(never.reason, /never returned/);
});

test('unknown commands and options are reported as unsupported, not run', () => {
  assert.equal(runScriptText('`echo hi`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n').status, 'unsupported');
  assert.equal(runScriptText('--ip_tos=1\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n').status, 'unsupported');
});

test('defaults.sh selects the linux profile and sysctls override it', () => {
  const r = runScriptText(
    '`../common/defaults.sh\n../set_sysctls.py /proc/sys/net/ipv4/tcp_tw_reuse=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n',
  );
  assert.equal(r.status, 'pass', r.reason);
  assert.equal(r.profile, 'linux');
});

test('tcp_info asserts', () => {
  assert.deepEqual(
    evaluateAsserts('assert tcpi_advmss == 1100, tcpi_advmss; assert tcpi_snd_mss >= 1000 and 1 & 1', {
      tcpi_advmss: 1100,
      tcpi_snd_mss: 1088,
    }),
    { ok: true },
  );
  const r = evaluateAsserts('assert tcpi_snd_mss == 1100', { tcpi_snd_mss: 1088 });
  assert.deepEqual(r, { ok: false, failed: 'assert tcpi_snd_mss == 1100 (tcpi_snd_mss=1088)' });
  assert.equal(evaluateAsserts('print(1)', {}).ok, false);
});

test('tcp_info asserts: Python comments, line continuations and / // % as Python has them', () => {
  const vars = { tcpi_rtt: 100_500, tcpi_snd_cwnd: 10 };
  assert.deepEqual(
    evaluateAsserts(
      '# the RTT in ms\nassert tcpi_rtt // 1000 == 100, tcpi_rtt  # floor\nassert tcpi_snd_cwnd % 3 == 1 and \\\n  tcpi_snd_cwnd / 4 == 2.5',
      vars,
    ),
    { ok: true },
  );
  assert.deepEqual(evaluateAsserts('assert -7 % 3 == 2', {}), { ok: true });
  assert.equal(evaluateAsserts('assert tcpi_rtt / 0 == 1', vars).ok, false);
});
