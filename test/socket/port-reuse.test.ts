// Port reuse at bind(), as Linux's inet_bind_conflict (net/ipv4/inet_connection_sock.c) decides
// it: SO_REUSEADDR on both sockets lets them share a port unless the other one listens;
// SO_REUSEPORT on both lets them share it in any case; a port that a connection or a TIME-WAIT
// connection still uses clashes unless both sockets set the option. connect() and TIME-WAIT
// tuples (tcp_tw_reuse) are in kernel.test.ts. bind() to port 0 takes a port unless
// IP_BIND_ADDRESS_NO_PORT is set.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AF_INET,
  IP_BIND_ADDRESS_NO_PORT,
  IP_LOCAL_PORT_RANGE,
  IPPROTO_TCP,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_IP,
  SOL_SOCKET,
} from '../../src/socket/constants.js';
import { BLOCKED, SocketKernel } from '../../src/socket/kernel.js';
import { LINUX_PROFILE } from '../../src/socket/profiles.js';
import { ACK, FIN, makeSegment, RST, type Segment, SYN } from '../../src/wire/segment.js';

const L = '198.51.100.201';
const L2 = '198.51.100.202';
const R = '192.0.2.1';

function kernel() {
  return new SocketKernel({ addresses: [L, L2], profile: LINUX_PROFILE });
}

function sock(k: SocketKernel, opts: { reuseAddr?: boolean; reusePort?: boolean } = {}): number {
  const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP).ret;
  if (opts.reuseAddr) assert.deepEqual(k.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1), { ret: 0 });
  if (opts.reusePort) assert.deepEqual(k.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, 1), { ret: 0 });
  return fd;
}

const EADDRINUSE = { ret: -1, errno: 'EADDRINUSE' };

test('bind: the same port twice is EADDRINUSE; a different address, or SO_REUSEADDR on both, may share it', () => {
  const k = kernel();
  assert.deepEqual(k.bind(sock(k), { port: 5000 }), { ret: 0 });
  assert.deepEqual(k.bind(sock(k), { port: 5000 }), EADDRINUSE);
  assert.deepEqual(k.bind(sock(k), { addr: L, port: 5000 }), EADDRINUSE); // the wildcard covers L
  const a = sock(k);
  assert.deepEqual(k.bind(a, { addr: L, port: 6000 }), { ret: 0 });
  assert.deepEqual(k.bind(sock(k), { addr: L2, port: 6000 }), { ret: 0 });
  assert.deepEqual(k.bind(sock(k, { reuseAddr: true }), { port: 7000 }), { ret: 0 });
  assert.deepEqual(k.bind(sock(k), { port: 7000 }), EADDRINUSE); // only one side set it
  assert.deepEqual(k.bind(sock(k, { reuseAddr: true }), { port: 7000 }), { ret: 0 });
  assert.deepEqual(k.getsockopt(a, SOL_SOCKET, SO_REUSEPORT), { ret: 0, value: 0 });
});

test('bind: SO_REUSEADDR does not share a port with a listener; SO_REUSEPORT on both does', () => {
  const k = kernel();
  const l = sock(k, { reuseAddr: true });
  assert.deepEqual(k.bind(l, { port: 8080 }), { ret: 0 });
  assert.deepEqual(k.listen(l, 1), { ret: 0 });
  assert.deepEqual(k.bind(sock(k, { reuseAddr: true }), { port: 8080 }), EADDRINUSE);
  const p = sock(k, { reusePort: true });
  assert.deepEqual(k.bind(p, { port: 9090 }), { ret: 0 });
  assert.deepEqual(k.listen(p, 1), { ret: 0 });
  const q = sock(k, { reusePort: true });
  assert.deepEqual(k.bind(q, { port: 9090 }), { ret: 0 });
  assert.deepEqual(k.getsockopt(q, SOL_SOCKET, SO_REUSEPORT), { ret: 0, value: 1 });
  assert.deepEqual(k.bind(sock(k), { port: 9090 }), EADDRINUSE);
});

/** A server on 8080 whose accepted connection is closed by us first and ends in TIME-WAIT. */
function serverTimeWait(reuseAddr: boolean) {
  const k = kernel();
  const l = sock(k, { reuseAddr });
  assert.deepEqual(k.bind(l, { port: 8080 }), { ret: 0 });
  assert.deepEqual(k.listen(l, 1), { ret: 0 });
  const peer = (seg: Partial<Segment>) =>
    k.handlePacket({ src: R, dst: L, seg: makeSegment({ srcPort: 40000, dstPort: 8080, wnd: 65535, ...seg }) });
  peer({ seq: 100, flags: SYN, options: { mss: 1000 } });
  const synAck = k.outbox.splice(0)[0]?.pkt.seg as Segment;
  const iss = synAck.seq;
  peer({ seq: 101, ack: (iss + 1) >>> 0, flags: ACK });
  const c = k.accept(l);
  assert.notEqual(c, BLOCKED);
  const fd = (c as { ret: number }).ret;
  k.close(fd);
  k.close(l);
  k.advance(10);
  peer({ seq: 101, ack: (iss + 2) >>> 0, flags: FIN | ACK });
  k.outbox.splice(0);
  return k;
}

test('bind: a port held by a TIME-WAIT connection clashes unless both sockets set SO_REUSEADDR', () => {
  const both = serverTimeWait(true);
  assert.deepEqual(both.bind(sock(both), { port: 8080 }), EADDRINUSE);
  assert.deepEqual(both.bind(sock(both, { reuseAddr: true }), { port: 8080 }), { ret: 0 });
  const old = serverTimeWait(false);
  assert.deepEqual(old.bind(sock(old, { reuseAddr: true }), { port: 8080 }), EADDRINUSE);
  // Once TIME-WAIT is over (60 s), the port is free.
  old.advance(61_000);
  assert.deepEqual(old.bind(sock(old), { port: 8080 }), { ret: 0 });
});

test('bind(port 0) takes a port at once (Linux inet_csk_get_port); IP_BIND_ADDRESS_NO_PORT leaves it to connect()', () => {
  const k = kernel();
  const range = (fd: number) => assert.deepEqual(k.setsockopt(fd, SOL_IP, IP_LOCAL_PORT_RANGE, 0xdeaddead), { ret: 0 });
  // One port in the range: the first bind takes it, the second finds none free.
  const a = sock(k);
  range(a);
  assert.deepEqual(k.bind(a, { port: 0 }), { ret: 0 });
  const b = sock(k);
  range(b);
  assert.deepEqual(k.bind(b, { port: 0 }), EADDRINUSE);
  assert.deepEqual(k.connect(a, { addr: R, port: 80 }), { ret: -1, errno: 'EINPROGRESS' });
  assert.equal(k.outbox.splice(0)[0]?.pkt.seg.srcPort, 0xdead);
  // IP_BIND_ADDRESS_NO_PORT: no port is held at bind(); connect() picks one for its 4-tuple, never
  // one that bind() holds (EADDRNOTAVAIL here: the only one is a's).
  const noPort = () => {
    const fd = sock(k);
    assert.deepEqual(k.setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1), { ret: 0 });
    assert.deepEqual(k.setsockopt(fd, SOL_IP, IP_LOCAL_PORT_RANGE, (0xbeef << 16) | 0xbeef), { ret: 0 });
    assert.deepEqual(k.bind(fd, { port: 0 }), { ret: 0 });
    return fd;
  };
  const c = sock(k);
  assert.deepEqual(k.setsockopt(c, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1), { ret: 0 });
  range(c);
  assert.deepEqual(k.bind(c, { port: 0 }), { ret: 0 });
  assert.deepEqual(k.connect(c, { addr: R, port: 81 }), { ret: -1, errno: 'EADDRNOTAVAIL' });
  // Ports that connect() picked are shared by different 4-tuples; bind() may not take them.
  const d = noPort();
  const e = noPort();
  assert.deepEqual(k.connect(d, { addr: R, port: 81 }), { ret: -1, errno: 'EINPROGRESS' });
  assert.deepEqual(k.connect(e, { addr: R, port: 82 }), { ret: -1, errno: 'EINPROGRESS' });
  assert.deepEqual(
    k.outbox.splice(0).map((o) => o.pkt.seg.srcPort),
    [0xbeef, 0xbeef],
  );
  assert.deepEqual(k.bind(sock(k), { port: 0xbeef }), EADDRINUSE);
});

test('SO_REUSEPORT listeners on one port share its connections; closing one leaves the others listening with their queues', () => {
  const k = kernel();
  const a = sock(k, { reusePort: true });
  const b = sock(k, { reusePort: true });
  for (const fd of [a, b]) {
    assert.deepEqual(k.bind(fd, { port: 8080 }), { ret: 0 });
    assert.deepEqual(k.listen(fd, 8), { ret: 0 });
  }
  // Without the option a third one may not even bind.
  assert.deepEqual(k.bind(sock(k), { port: 8080 }), EADDRINUSE);
  const handshake = (port: number) => {
    const peer = (seg: Partial<Segment>) =>
      k.handlePacket({ src: R, dst: L, seg: makeSegment({ srcPort: port, dstPort: 8080, wnd: 65535, ...seg }) });
    peer({ seq: 100, flags: SYN, options: { mss: 1000 } });
    const synAck = k.outbox.splice(0)[0]?.pkt.seg as Segment;
    assert.equal(synAck.flags, SYN | ACK);
    peer({ seq: 101, ack: (synAck.seq + 1) >>> 0, flags: ACK });
    return synAck.seq;
  };
  for (let p = 40000; p < 40016; p++) handshake(p);
  const taken = (fd: number) => {
    let n = 0;
    for (let r = k.accept(fd); r !== BLOCKED && r.ret >= 0 && n < 100; r = k.accept(fd)) n++;
    return n;
  };
  const na = taken(a);
  assert.ok(na > 0 && na < 16, `a took ${na} of 16`);
  // b's share waits in b's queue; closing a leaves b listening.
  k.close(a);
  handshake(41000);
  assert.equal(taken(b), 16 - na + 1);
  // Closing b, the last of the group, stops the listener: a new SYN is reset.
  k.close(b);
  k.handlePacket({
    src: R,
    dst: L,
    seg: makeSegment({ srcPort: 42000, dstPort: 8080, seq: 5, flags: SYN, wnd: 65535 }),
  });
  assert.equal(k.outbox.splice(0)[0]?.pkt.seg.flags, RST | ACK);
});
