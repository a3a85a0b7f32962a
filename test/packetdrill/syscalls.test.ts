// The system calls of a script as upstream packetdrill runs them: descriptor numbers bound to live
// ones, the data calls with iovecs and msghdrs, poll, peeking, and what is unsupported (named).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScriptText } from '../../src/packetdrill/interpreter.js';
import { parseScript } from '../../src/packetdrill/parser.js';

/** A passive open; the listener is script fd `l` and the accepted socket `a`. */
const server = (l: number, a: number) => `--tolerance_usecs=10000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = ${l}
0.000 bind(${l}, ..., ...) = 0
0.000 listen(${l}, 1) = 0
0.100 < S 0:0(0) win 65535 <mss 1460,nop,wscale 7>
0.100 > S. 0:0(0) ack 1 <...>
0.200 < . 1:1(0) ack 1 win 512
0.200 accept(${l}, ..., ...) = ${a}
`;
// The linux profile: its quick ACKs answer data at once, so the lines below need no delayed-ACK times.
const run = (body: string, l = 3, a = 4) => runScriptText(server(l, a) + body, { defaultProfile: 'linux' });

test('descriptors: the numbers socket() and accept() give in the script are bound to the live ones', () => {
  const body = (a: number) =>
    `0.300 write(${a}, ..., 10) = 10\n0.300 > P. 1:11(10) ack 1 <...>\n0.400 close(${a}) = 0\n`;
  // The live descriptors are 3 and 4 in both runs; the script names them 4 and 7, or 9 and 5.
  for (const [l, a] of [
    [3, 4],
    [4, 7],
    [9, 5],
  ] as const) {
    const r = run(body(a), l, a);
    assert.equal(r.status, 'pass', `${l}/${a}: ${r.reason}`);
  }
});

test('descriptors: a number no socket() or accept() gave is a script error; close() ends the binding', () => {
  const r = run('0.300 write(5, ..., 10) = 10\n');
  assert.equal(r.status, 'error');
  assert.match(r.reason, /line 9: no socket with script descriptor 5/);
  const closed = run('0.300 close(4) = 0\n0.400 write(4, ..., 10) = -1 EBADF\n');
  assert.equal(closed.status, 'error');
  assert.match(closed.reason, /line 10: no socket with script descriptor 4/);
  // A script number reused while still open is an error, as upstream.
  const dup = run('0.300 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n');
  assert.equal(dup.status, 'error');
  assert.match(dup.reason, /descriptor 4 is already open/);
  // After close() the number may be given again.
  const again = run('0.300 close(4) = 0\n0.300 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4\n0.300 close(4) = 0\n');
  assert.equal(again.status, 'pass', again.reason);
});

test('a failing socket() is checked as written (-1 and the errno)', () => {
  const r = runScriptText('0 socket(..., 99, IPPROTO_TCP) = -1 ESOCKTNOSUPPORT (Socket type not supported)\n', {
    defaultProfile: 'finack',
  });
  assert.equal(r.status, 'pass', r.reason);
});

test('writev and sendmsg send the sum of their iovecs; readv and recvmsg read into theirs', () => {
  const r = run(`0.300 writev(4, [{..., 10}, {iov_base=..., iov_len=20}], 2) = 30
0.300 > P. 1:31(30) ack 1 <...>
0.400 < . 1:1(0) ack 31 win 512
0.400 sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 5}, {..., 5}], msg_flags=0}, 0) = 10
0.400 > P. 31:41(10) ack 1 <...>
0.500 < P. 1:101(100) ack 41 win 512
0.500 > . 41:41(0) ack 101 <...>
0.600 readv(4, [{..., 30}, {..., 20}], 2) = 50
0.600 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0}, 0) = 50
0.600 recvfrom(4, ..., 10, 0, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)
`);
  // The socket is blocking: recvfrom would block, which a call without '...' may not do.
  assert.equal(r.status, 'fail');
  assert.match(r.reason, /line 18: recvfrom\(\) would block/);
  const nb = run(`0.300 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
0.300 fcntl(4, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
0.300 recvfrom(4, ..., 10, 0, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)
0.300 recv(4, ..., 10, MSG_DONTWAIT) = -1 EWOULDBLOCK
`);
  assert.equal(nb.status, 'pass', nb.reason);
});

test('an iovec count that does not match the array is a script error', () => {
  const r = run('0.300 writev(4, [{..., 10}], 2) = 10\n');
  assert.equal(r.status, 'error');
  assert.match(r.reason, /iovec count 2 does not match 1 elements/);
});

test('recv(MSG_PEEK) leaves the bytes to read; SIOCINQ and FIONREAD count them', () => {
  const r = run(`0.300 < P. 1:101(100) ack 1 win 512
0.300 > . 1:1(0) ack 101 <...>
0.400 recv(4, ..., 40, MSG_PEEK) = 40
0.400 ioctl(4, SIOCINQ, [100]) = 0
0.400 recv(4, ..., 200, MSG_PEEK) = 100
0.400 ioctl(4, FIONREAD, [100]) = 0
0.400 read(4, ..., 60) = 60
0.400 ioctl(4, SIOCINQ, [40]) = 0
0.400 read(4, ..., 100) = 40
0.400 ioctl(4, SIOCINQ, [0]) = 0
`);
  assert.equal(r.status, 'pass', r.reason);
});

test('accept4 with SOCK_NONBLOCK makes the new socket non-blocking', () => {
  const script = `--tolerance_usecs=10000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0.000 bind(3, ..., ...) = 0
0.000 listen(3, 1) = 0
0.100 < S 0:0(0) win 65535 <mss 1460,nop,wscale 7>
0.100 > S. 0:0(0) ack 1 <...>
0.200 < . 1:1(0) ack 1 win 512
0.200 accept4(3, ..., ..., SOCK_NONBLOCK) = 4
0.200 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)
0.200 fcntl(4, F_GETFL) = 0x802
`;
  const r = runScriptText(script, { defaultProfile: 'finack' });
  assert.equal(r.status, 'pass', r.reason);
});

test('poll: revents as Linux tcp_poll() reports them, and a blocking poll returns when an event comes', () => {
  const r = run(`0.300 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
0.300 poll([{fd=3, events=POLLIN, revents=0}], 1, 0) = 0
0.300...0.400 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 1000) = 1
0.400 < P. 1:11(10) ack 1 win 512
0.400 > . 1:1(0) ack 11 <...>
0.500 < F. 11:11(0) ack 1 win 512
0.540 > . 1:1(0) ack 12 <...>
0.600 poll([{fd=4, events=POLLIN|POLLOUT|POLLRDHUP, revents=POLLIN|POLLOUT|POLLRDHUP}], 1, 0) = 1
0.600 shutdown(4, SHUT_WR) = 0
0.600 > F. 1:1(0) ack 12 <...>
0.700 poll([{fd=4, events=POLLIN, revents=POLLIN|POLLHUP}], 1, 0) = 1
`);
  assert.equal(r.status, 'pass', r.reason);
});

test('poll: a timeout with no event returns 0 at the timeout', () => {
  const r = run(`0.300...0.350 poll([{fd=4, events=POLLIN, revents=0}], 1, 50) = 0
0.400 poll([{fd=4, events=POLLIN}], 1, 20) = 0
0.420 write(4, ..., 1) = 1
`);
  assert.equal(r.status, 'pass', r.reason);
  const wrong = run('0.300 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLIN}], 1, 0) = 1\n');
  assert.equal(wrong.status, 'fail');
  assert.match(wrong.reason, /revents POLLOUT, expected POLLIN/);
});

test('poll: a RST reported as POLLIN|POLLOUT|POLLERR|POLLHUP', () => {
  const r = run(`0.300 < R. 1:1(0) ack 1 win 0
0.300 poll([{fd=4, events=POLLIN|POLLOUT|POLLERR|POLLHUP, revents=POLLIN|POLLOUT|POLLERR|POLLHUP}], 1, 0) = 1
`);
  assert.equal(r.status, 'pass', r.reason);
});

test('what finack does not have fails the script as unsupported, naming it', () => {
  const cases: [string, string][] = [
    ['0.300 send(4, ..., 10, MSG_EOR) = 10\n', 'send MSG_EOR'],
    ['0.300 setsockopt(4, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0\n', 'setsockopt TCP_FASTOPEN'],
    ['0.300 epoll_create(1) = 5\n', 'syscall epoll_create'],
    ['0.300 setsockopt(4, SOL_TCP, TCP_NO_SUCH_THING, [1], 4) = 0\n', 'symbol TCP_NO_SUCH_THING'],
    ['0.300 setsockopt(4, SOL_TCP, TCP_CONGESTION, "reno", 4) = 0\n', 'setsockopt TCP_CONGESTION'],
    ['0.300 %{ assert tcpi_min_rtt < 10 }%\n', 'tcp_info tcpi_min_rtt'],
    ['0.300 %{ assert SK_MEMINFO_RCVBUF > 0 }%\n', '%{ }% name SK_MEMINFO_RCVBUF'],
  ];
  cases.push(
    ['0.300 < [ect0] P. 1:11(10) ack 1 win 512\n', 'IP ECN field [ect0]'],
    ['0.300 < P. 1:11(10) ack 1 win 512 {rep tcp win_size 0x1021}\n', 'packet modifier'],
    // A zerocopy send under SO_ZEROCOPY owes a completion on the error queue, which poll would see.
    [
      '0.300 setsockopt(4, SOL_SOCKET, SO_ZEROCOPY, [1], 4) = 0\n0.300 send(4, ..., 10, MSG_ZEROCOPY) = 10\n0.300 poll([{fd=4, events=POLLIN, revents=0}], 1, 0) = 0\n',
      'poll after MSG_ZEROCOPY',
    ],
  );
  for (const [body, feature] of cases) {
    const r = run(body);
    assert.equal(r.status, 'unsupported', `${feature}: ${r.reason}`);
    assert.equal(r.unsupported, feature);
    assert.ok(r.reason.includes(feature), r.reason);
  }
  // [noecn] is what finack sends and what it makes of a packet: it runs.
  assert.equal(run('0.300 < [noecn] P. 1:11(10) ack 1 win 512\n0.300 > [noecn] . 1:1(0) ack 11\n').status, 'pass');
  // A script that expects the option to be refused still runs: ENOPROTOOPT is then its answer.
  const refused = run('0.300 setsockopt(4, SOL_TCP, TCP_FASTOPEN, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n');
  assert.equal(refused.status, 'pass', refused.reason);
});

test('the parser reads msghdrs, iovecs, pollfds and calls as upstream writes them', () => {
  const s = parseScript(
    '0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 40}], msg_flags=0}, MSG_MORE) = 40\n' +
      '+0 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 100) = 1\n' +
      '+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0\n',
  );
  const [send, poll, linger] = s.events;
  assert.equal(send?.kind, 'syscall');
  if (send?.kind !== 'syscall') return;
  const msg = send.args[1];
  assert.equal(msg?.kind, 'struct');
  if (msg?.kind !== 'struct') return;
  assert.deepEqual(
    msg.fields.map((f) => [f.name, f.arg?.kind]),
    [
      ['msg_name', 'ellipsis'],
      ['msg_iov', 'int'],
      ['msg_flags', undefined],
    ],
  );
  const iov = msg.fields[1]?.value;
  assert.equal(iov?.kind, 'array');
  if (iov?.kind === 'array') {
    const first = iov.items[0];
    assert.equal(first?.kind, 'struct');
    if (first?.kind === 'struct')
      assert.deepEqual(
        first.fields.map((f) => f.name),
        ['#0', '#1'],
      );
  }
  assert.equal(poll?.kind, 'syscall');
  if (linger?.kind === 'syscall') assert.equal(linger.args[3]?.kind, 'struct');
});

test('a blocking write larger than the send buffer returns whole, once the rest fits', () => {
  const script = `--tolerance_usecs=10000
\`../common/defaults.sh\`
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0.000 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [5000], 4) = 0
0.000 bind(3, ..., ...) = 0
0.000 listen(3, 1) = 0
0.100 < S 0:0(0) win 65535 <mss 1000,nop,wscale 7>
0.100 > S. 0:0(0) ack 1 <...>
0.200 < . 1:1(0) ack 1 win 512
0.200 accept(3, ..., ...) = 4
// 10000 bytes of send buffer (SO_SNDBUF doubled): the first 10000 go in and out (IW10) at once,
// pushed before the write sleeps (Linux tcp_sendmsg pushes the tail before waiting for memory).
0.300...0.400 write(4, ..., 15000) = 15000
0.300 > P. 1:10001(10000) ack 1
// The ACK of 5000 makes room for the last 5000: the write returns.
0.400 < . 1:1(0) ack 5001 win 512
0.400 > P. 10001:15001(5000) ack 1
`;
  const r = runScriptText(script);
  assert.equal(r.status, 'pass', `${r.reason}\n${r.detail.join('\n')}`);
  // Non-blocking, the same write is short: what fitted.
  const nb = runScriptText(
    script
      .replace(
        '0.300...0.400 write(4, ..., 15000) = 15000',
        '0.300 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n0.300 write(4, ..., 15000) = 10000',
      )
      .replace(/0\.400 > P\..*\n/, ''),
  );
  assert.equal(nb.status, 'pass', `${nb.reason}\n${nb.detail.join('\n')}`);
});
