// The BSD-socket facade in virtual time, against a peer written by hand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AF_INET,
  ERRNO,
  F_GETFL,
  F_SETFL,
  IP_BIND_ADDRESS_NO_PORT,
  IP_LOCAL_PORT_RANGE,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  MSG_PEEK,
  O_NONBLOCK,
  O_RDWR,
  SHUT_WR,
  SIOCINQ,
  SO_ERROR,
  SO_LINGER,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_IP,
  SOL_SOCKET,
  SOL_TCP,
  TCP_MAXSEG,
} from '../../src/socket/constants.js';
import { BLOCKED, SocketKernel } from '../../src/socket/kernel.js';
import { type BehaviourFlags, LINUX_PROFILE } from '../../src/socket/profiles.js';
import { ACK, FIN, makeSegment, PSH, RST, type Segment, SYN } from '../../src/wire/segment.js';

const L = '198.51.100.201';
const R = '192.0.2.1';

function server() {
  const k = new SocketKernel({ addresses: [L] });
  const fd = k.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP).ret;
  assert.equal(fd, 3);
  assert.deepEqual(k.bind(fd, { port: 8080 }), { ret: 0 });
  assert.deepEqual(k.listen(fd, 1), { ret: 0 });
  return { k, fd };
}

function inject(k: SocketKernel, seg: Partial<Segment>) {
  k.handlePacket({ src: R, dst: L, seg: makeSegment({ srcPort: 40000, dstPort: 8080, wnd: 65535, ...seg }) });
}

function take(k: SocketKernel): Segment[] {
  return k.outbox.splice(0).map((o) => o.pkt.seg);
}

/** Server with an accepted connection; returns our ISN. */
function established() {
  const { k, fd } = server();
  inject(k, { seq: 100, flags: SYN, options: { mss: 1000 } });
  const [synAck] = take(k);
  assert.ok(synAck && synAck.flags === (SYN | ACK));
  inject(k, { seq: 101, ack: (synAck.seq + 1) >>> 0, flags: ACK });
  const c = k.accept(fd);
  assert.notEqual(c, BLOCKED);
  return { k, lfd: fd, fd: (c as { ret: number }).ret, isn: synAck.seq };
}

test('descriptors start at 3 and reuse the lowest free one', () => {
  const k = new SocketKernel();
  assert.equal(k.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP).ret, 3);
  assert.equal(k.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP).ret, 4);
  assert.deepEqual(k.close(3), { ret: 0 });
  assert.equal(k.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP).ret, 3);
  assert.deepEqual(k.close(9), { ret: -1, errno: 'EBADF' });
  assert.deepEqual(k.socket(AF_INET, 2, IPPROTO_TCP), { ret: -1, errno: 'ESOCKTNOSUPPORT' });
});

test('accept blocks, or EAGAIN when non-blocking; then hands over fd 4', () => {
  const { k, fd } = server();
  assert.equal(k.accept(fd), BLOCKED);
  assert.deepEqual(k.fcntl(fd, F_GETFL), { ret: O_RDWR });
  k.fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK);
  assert.deepEqual(k.fcntl(fd, F_GETFL), { ret: O_RDWR | O_NONBLOCK });
  assert.deepEqual(k.accept(fd), { ret: -1, errno: 'EAGAIN' });
  const e = established();
  assert.equal(e.fd, 4);
});

test('read: data, SIOCINQ, EOF after FIN; write after SHUT_WR is EPIPE', () => {
  const { k, fd, isn } = established();
  inject(k, { seq: 101, ack: isn + 1, flags: ACK | PSH, payload: new Uint8Array(5) });
  assert.deepEqual(k.ioctl(fd, SIOCINQ), { ret: 0, value: 5 });
  const r = k.read(fd, 100);
  assert.ok(r !== BLOCKED && r.ret === 5);
  inject(k, { seq: 106, ack: isn + 1, flags: ACK | FIN });
  assert.deepEqual(k.ioctl(fd, SIOCINQ), { ret: 0, value: 0 });
  const eof = k.read(fd, 100);
  assert.ok(eof !== BLOCKED && eof.ret === 0);
  assert.deepEqual(k.shutdown(fd, SHUT_WR), { ret: 0 });
  assert.ok(take(k).some((s) => (s.flags & FIN) !== 0));
  assert.deepEqual(k.write(fd, new Uint8Array(1)), { ret: -1, errno: 'EPIPE' });
});

test('blocking read waits; non-blocking read is EAGAIN', () => {
  const { k, fd } = established();
  assert.equal(k.read(fd, 10), BLOCKED);
  k.fcntl(fd, F_SETFL, O_NONBLOCK);
  assert.deepEqual(k.read(fd, 10), { ret: -1, errno: 'EAGAIN' });
});

test('close with unread data sends RST,ACK instead of FIN', () => {
  const { k, fd, isn } = established();
  inject(k, { seq: 101, ack: isn + 1, flags: ACK | PSH, payload: new Uint8Array(5) });
  take(k);
  k.close(fd);
  const [rst] = take(k);
  assert.equal(rst?.flags, RST | ACK);
  assert.equal(rst?.seq, (isn + 1) >>> 0);
  assert.equal(rst?.ack, 106);
});

test('SO_LINGER {1, 0}: close aborts with RST', () => {
  const { k, fd, isn } = established();
  assert.deepEqual(k.setsockopt(fd, SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 }), { ret: 0 });
  assert.deepEqual(k.getsockopt(fd, SOL_SOCKET, SO_LINGER), { ret: 0, value: { onoff: 1, linger: 0 } });
  k.close(fd);
  const [rst] = take(k);
  assert.equal(rst?.flags, RST | ACK);
  assert.equal(rst?.seq, (isn + 1) >>> 0);
});

test('a peer RST: read gives ECONNRESET once, then 0; SO_ERROR clears', () => {
  const { k, fd } = established();
  inject(k, { seq: 101, flags: RST });
  assert.deepEqual(k.read(fd, 10), { ret: -1, errno: 'ECONNRESET' });
  const r = k.read(fd, 10);
  assert.ok(r !== BLOCKED && r.ret === 0);
  assert.deepEqual(k.getsockopt(fd, SOL_SOCKET, SO_ERROR), { ret: 0, value: 0 });
});

test('non-blocking connect: EINPROGRESS, SYN with TCP_MAXSEG, then SO_ERROR 0', () => {
  const k = new SocketKernel({ addresses: [L] });
  const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP).ret;
  assert.deepEqual(k.getsockopt(fd, SOL_TCP, TCP_MAXSEG), { ret: 0, value: 536 });
  assert.deepEqual(k.setsockopt(fd, SOL_TCP, TCP_MAXSEG, 1100), { ret: 0 });
  assert.deepEqual(k.connect(fd, { addr: R, port: 8080 }), { ret: -1, errno: 'EINPROGRESS' });
  assert.deepEqual(k.connect(fd, { addr: R, port: 8080 }), { ret: -1, errno: 'EALREADY' });
  const [syn] = take(k);
  assert.equal(syn?.flags, SYN);
  assert.equal(syn?.options.mss, 1100);
  k.handlePacket({
    src: R,
    dst: L,
    seg: makeSegment({
      srcPort: 8080,
      dstPort: syn?.srcPort ?? 0,
      seq: 7,
      ack: ((syn?.seq ?? 0) + 1) >>> 0,
      flags: SYN | ACK,
      wnd: 1000,
      options: { mss: 1000 },
    }),
  });
  assert.deepEqual(k.getsockopt(fd, SOL_SOCKET, SO_ERROR), { ret: 0, value: 0 });
  assert.deepEqual(k.getsockopt(fd, SOL_TCP, TCP_MAXSEG), { ret: 0, value: 1000 });
  assert.deepEqual(k.connect(fd, { addr: R, port: 8080 }), { ret: -1, errno: 'EISCONN' });
});

test('connect refused: blocking connect returns ECONNREFUSED', () => {
  const k = new SocketKernel({ addresses: [L] });
  const fd = k.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP).ret;
  assert.equal(k.connect(fd, { addr: R, port: 8080 }), BLOCKED);
  const [syn] = take(k);
  k.handlePacket({
    src: R,
    dst: L,
    seg: makeSegment({
      srcPort: 8080,
      dstPort: syn?.srcPort ?? 0,
      seq: 0,
      ack: ((syn?.seq ?? 0) + 1) >>> 0,
      flags: RST | ACK,
    }),
  });
  assert.deepEqual(k.connect(fd, { addr: R, port: 8080 }), { ret: -1, errno: 'ECONNREFUSED' });
  assert.equal(ERRNO.ECONNREFUSED, 111);
});

test('virtual time: a SYN-ACK is retransmitted after the 1 s initial RTO', () => {
  const { k } = server();
  inject(k, { seq: 100, flags: SYN });
  assert.equal(take(k).length, 1);
  k.advance(999);
  assert.equal(take(k).length, 0);
  k.advance(1000);
  const [again] = take(k);
  assert.equal(again?.flags, SYN | ACK);
});

test('recv with MSG_DONTWAIT does not block one call; MSG_PEEK waits like a read', () => {
  const { k, fd } = established();
  assert.deepEqual(k.recv(fd, 10, MSG_DONTWAIT), { ret: -1, errno: 'EAGAIN' });
  assert.equal(k.recv(fd, 10), BLOCKED);
  // Peeking leaves bytes unread (test/packetdrill/scripts/linux/msg-peek-siocinq.pkt); with none
  // there it blocks, or is EAGAIN with MSG_DONTWAIT, as a read.
  assert.equal(k.recv(fd, 10, MSG_PEEK), BLOCKED);
  assert.deepEqual(k.recv(fd, 10, MSG_PEEK | MSG_DONTWAIT), { ret: -1, errno: 'EAGAIN' });
});

/** An active connection from port 57005 taken to TIME-WAIT; returns the kernel at t = 2 ms. */
function timeWaitTuple(behaviour: Partial<BehaviourFlags>, peerTs: boolean) {
  const profile = { ...LINUX_PROFILE, behaviour: { ...LINUX_PROFILE.behaviour, ...behaviour } };
  const k = new SocketKernel({ addresses: [L], profile });
  const open = () => {
    const fd = k.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP).ret;
    assert.deepEqual(k.setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1), { ret: 0 });
    assert.deepEqual(k.setsockopt(fd, SOL_IP, IP_LOCAL_PORT_RANGE, 0xdeaddead), { ret: 0 });
    return fd;
  };
  const fd = open();
  assert.deepEqual(k.connect(fd, { addr: R, port: 8080 }), { ret: -1, errno: 'EINPROGRESS' });
  const [syn] = take(k);
  assert.equal(syn?.srcPort, 0xdead);
  const synTs = syn?.options.ts?.val ?? 0;
  const peer = (seg: Partial<Segment>) =>
    k.handlePacket({ src: R, dst: L, seg: makeSegment({ srcPort: 8080, dstPort: 0xdead, wnd: 65535, ...seg }) });
  const iss = syn?.seq ?? 0;
  k.advance(1);
  peer({
    seq: 0,
    ack: (iss + 1) >>> 0,
    flags: SYN | ACK,
    options: peerTs
      ? { mss: 1460, sackPermitted: true, ts: { val: 3001, ecr: synTs }, wscale: 8 }
      : { mss: 1460, wscale: 8 },
  });
  k.close(fd);
  k.advance(2);
  peer({
    seq: 1,
    ack: (iss + 2) >>> 0,
    flags: FIN | ACK,
    ...(peerTs ? { options: { ts: { val: 3002, ecr: synTs } } } : {}),
  });
  take(k);
  return { k, open };
}

test('tcp_tw_reuse off: connect() on a TIME-WAIT tuple fails with EADDRNOTAVAIL', () => {
  const { k, open } = timeWaitTuple({ twReuse: 0 }, true);
  k.advance(5000);
  assert.deepEqual(k.connect(open(), { addr: R, port: 8080 }), { ret: -1, errno: 'EADDRNOTAVAIL' });
});

test('tcp_tw_reuse=1: reuse after tcp_tw_reuse_delay, with timestamps only', () => {
  const early = timeWaitTuple({ twReuse: 1, twReuseDelay: 1000 }, true);
  early.k.advance(1002);
  assert.deepEqual(early.k.connect(early.open(), { addr: R, port: 8080 }), { ret: -1, errno: 'EADDRNOTAVAIL' });

  const late = timeWaitTuple({ twReuse: 1, twReuseDelay: 1000 }, true);
  late.k.advance(1003);
  assert.deepEqual(late.k.connect(late.open(), { addr: R, port: 8080 }), { ret: -1, errno: 'EINPROGRESS' });
  const [syn] = take(late.k);
  assert.equal(syn?.flags, SYN);
  assert.equal(syn?.srcPort, 0xdead);

  const noTs = timeWaitTuple({ twReuse: 1, twReuseDelay: 1000 }, false);
  noTs.k.advance(5000);
  assert.deepEqual(noTs.k.connect(noTs.open(), { addr: R, port: 8080 }), { ret: -1, errno: 'EADDRNOTAVAIL' });
});
