// Options: MSS (RFC 9293 §3.7.1), window scaling (RFC 7323 §2), timestamps and RTTM (§3, §4),
// PAWS (§5).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnTest, inState, L, R, s } from '../harness/conn.js';

const PEER = { mss: 1460, wscale: 7, ts: { val: 5000, ecr: 0 } };

test('active open with WS and TS on both sides: shifts, MSS minus 12, scaled windows, TS echo', () => {
  const t = new ConnTest({ tsOffset: 100 });
  t.at(10)
    .connect()
    .expectSend({ ctl: 'SYN', wnd: 65535, options: { mss: 1460, wscale: 3, ts: { val: 110, ecr: 0 } } });
  t.at(40)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', wnd: 65535, options: PEER })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK', wnd: 262144 >> 3, options: { ts: { val: 140, ecr: 5000 } } });
  const i = t.info();
  assert.deepEqual(
    [i.windowScaling, i.sndWscale, i.rcvWscale, i.timestamps, i.mss, i.sndWnd],
    [true, 7, 3, true, 1448, 65535], // the SYN,ACK's own window is not scaled
  );
  // RTTM: the SYN,ACK echoed TSval 110 at now+offset = 140: RTT 30.
  assert.equal(i.srtt, 30);
  // later segments: the window field is scaled by 7
  t.at(50).receive({ seq: R + 1, ack: s(L, 1), wnd: 100, options: { ts: { val: 5010, ecr: 140 } } });
  assert.equal(t.info().sndWnd, 12800);
  assert.equal(t.info().tsRecent, 5010);
});

test('passive open: SYN,ACK echoes WS and TS only when the SYN offered them; its window is unscaled', () => {
  const t = new ConnTest({ passive: true });
  t.listen()
    .at(3)
    .receive({ seq: R, ctl: 'SYN', options: PEER })
    .expectSend({ ctl: 'SYN,ACK', wnd: 65535, options: { mss: 1460, wscale: 3, ts: { val: 3, ecr: 5000 } } });
  const u = new ConnTest({ passive: true });
  u.listen()
    .receive({ seq: R, ctl: 'SYN', options: { mss: 1000 } })
    .expectSend({ ctl: 'SYN,ACK', options: { mss: 1460, wscale: undefined, ts: undefined } });
  assert.equal(u.info().mss, 1000);
});

test('window scaling used only if both sent it: our offer alone gives shift 0 and a 65535 cap', () => {
  const t = inState('ESTABLISHED', { peerOptions: { mss: 1460, ts: { val: 1, ecr: 0 } } });
  const i = t.info();
  assert.deepEqual([i.windowScaling, i.sndWscale, i.rcvWscale, i.timestamps, i.mss], [false, 0, 0, true, 1448]);
  t.send('x').expectSend({ wnd: 65535 });
});

test('window scaling off in config: no WS option, peer offer ignored', () => {
  const t = new ConnTest({ config: { windowScaling: false, timestamps: false } });
  t.connect().expectSend({ ctl: 'SYN', options: { mss: 1460, wscale: undefined, ts: undefined } });
  t.receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: PEER }).expectSend({ ctl: 'ACK', noOptions: true });
  assert.equal(t.info().windowScaling, false);
  assert.equal(t.info().timestamps, false);
});

test('shift derived from recvBuffer: smallest that fits, at most 14', () => {
  const shift = (recvBuffer: number) => {
    const t = new ConnTest({ config: { recvBuffer } });
    t.connect();
    return t.pending[0]?.options.wscale;
  };
  assert.equal(shift(65535), 0);
  assert.equal(shift(65536), 1);
  assert.equal(shift(262144), 3);
  assert.equal(shift(1 << 30), 14);
});

test('a shift above 14 from the peer is used as 14', () => {
  const t = inState('ESTABLISHED', { peerOptions: { mss: 1460, wscale: 20 } });
  assert.equal(t.info().sndWscale, 14);
});

test('PAWS: a segment with TSval older than TS.Recent is ACKed and dropped; RST is exempt', () => {
  const t = inState('ESTABLISHED', {
    peerOptions: { mss: 1460, ts: { val: 5000, ecr: 0 } },
    config: { delayedAck: false },
  });
  t.at(10).receive({ seq: R + 1, ack: s(L, 1), payload: 'new', options: { ts: { val: 6000, ecr: 0 } } });
  t.expectSend({ ack: R + 4, options: { ts: { val: 10, ecr: 6000 } } });
  t.at(20).receive({ seq: R + 4, ack: s(L, 1), payload: 'old', options: { ts: { val: 5999, ecr: 0 } } });
  t.expectSend({ ack: R + 4, options: { ts: { val: 20, ecr: 6000 } } });
  assert.deepEqual(t.drops(), ['paws']);
  assert.equal(t.conn.recvQueued, 3);
  t.receive({ seq: R + 4, ctl: 'RST', options: { ts: { val: 1, ecr: 0 } } }).expectState('CLOSED');
});

test('PAWS across the 32-bit timestamp wrap', () => {
  const t = inState('ESTABLISHED', {
    peerOptions: { mss: 1460, ts: { val: 0xfffffff0, ecr: 0 } },
    config: { delayedAck: false },
  });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'a', options: { ts: { val: 5, ecr: 0 } } }).expectSend({ ack: R + 2 });
  assert.equal(t.info().tsRecent, 5);
  t.receive({ seq: R + 2, ack: s(L, 1), payload: 'b', options: { ts: { val: 0xfffffff8, ecr: 0 } } }).expectSend({
    ack: R + 2,
  });
  assert.deepEqual(t.drops(), ['paws']);
});

test('TS.Recent is not taken from a segment beyond Last.ACK.sent (RFC 7323 §4.3)', () => {
  const t = inState('ESTABLISHED', { peerOptions: { mss: 1460, ts: { val: 100, ecr: 0 } } });
  t.receive({ seq: R + 11, ack: s(L, 1), payload: 'later', options: { ts: { val: 200, ecr: 0 } } }).expectSend({
    ack: R + 1,
  });
  assert.equal(t.info().tsRecent, 100);
});

test('RTTM: with timestamps every ACK gives a sample, even for a retransmitted segment', () => {
  const t = inState('ESTABLISHED', { peerOptions: { mss: 1460, ts: { val: 100, ecr: 0 } } });
  t.send(10).expectSend({ options: { ts: { val: 0, ecr: 100 } } });
  t.at(1000).expectSend({ len: 10, options: { ts: { val: 1000, ecr: 100 } } });
  // The ACK echoes the retransmission's TSval: RTT 40, no ambiguity.
  t.at(1040).receive({ seq: R + 1, ack: s(L, 11), options: { ts: { val: 101, ecr: 1000 } } });
  assert.equal(t.info().backoffs, 0);
  assert.ok((t.info().srtt ?? 0) > 0);
});

test('TIME-WAIT ACKs carry timestamps when negotiated; a retransmitted FIN moves TS.Recent (RFC 7323 §4.3)', () => {
  const t = inState('TIME-WAIT', { peerOptions: { mss: 1460, ts: { val: 100, ecr: 0 } } });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK', options: { ts: { val: 150, ecr: 0 } } })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK', options: { ts: { val: 10, ecr: 150 } } });
  assert.equal(t.conn.timeWaitRecord().tsRecent, 150);
  assert.equal(t.info().tsRecent, 150);
});

test('setOption: userTimeout on a live connection aborts after the new timeout', () => {
  const t = inState('ESTABLISHED');
  t.at(1000).send(100).expectSend({ len: 100 });
  t.pending.length = 0;
  const out = t.conn.setOption('userTimeout', 3000, 1000);
  assert.deepEqual(out.segments, []);
  t.expectTimer('user-timeout', 4000);
  t.at(4000).expectState('CLOSED');
  assert.ok(t.allEvents.some((e) => e.type === 'error' && e.code === 'ETIMEDOUT'));
});

test('setOption: finWait2Timeout, nagle, keepalive*, quickAck change the running connection', () => {
  const t = inState('FIN-WAIT-2');
  t.conn.setOption('finWait2Timeout', 5000, 0);
  t.expectTimer('fin-wait-2', 5000);
  const u = inState('ESTABLISHED');
  u.conn.setOption('nagle', false, 0);
  assert.equal(u.info().nagle, false);
  u.conn.setOption('keepaliveIdle', 10_000, 0);
  u.conn.setOption('keepalive', true, 0);
  u.expectTimer('keepalive', 10_000);
  u.conn.setOption('keepaliveInterval', 500, 0);
  u.conn.setOption('keepaliveCount', 1, 0);
  u.at(10_000).expectSend({ ctl: 'ACK' });
  u.at(10_500).expectSend({ ctl: 'RST,ACK' }).expectState('CLOSED');
  const q = inState('ESTABLISHED', { config: { delayedAckTimeout: 40 } });
  q.conn.setOption('quickAck', true, 0);
  q.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 10 })
    .expectSend({ ack: R + 11 });
});

test('setOption: mss only before the SYN; bad names and values throw UsageError and change nothing', () => {
  const t = inState('CLOSED');
  t.conn.setOption('mss', 1100, 0);
  t.connect().expectSend({ ctl: 'SYN', options: { mss: 1100 } });
  assert.throws(() => t.conn.setOption('mss', 1000, 0), { name: 'UsageError', code: 'ERR_TCP_INVALID_STATE' });
  assert.throws(() => t.conn.setOption('nope' as 'mss', 1, 0), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => t.conn.setOption('userTimeout', -1, 0), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => t.conn.setOption('nagle', 1 as unknown as boolean, 0), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => t.conn.setOption('mss', 10, 0), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.equal(t.info().nagle, true);
});

test('a duplicate retransmission updates TS.Recent, so its duplicate ACK echoes the retransmission (no RTT inflation)', () => {
  const t = inState('ESTABLISHED', {
    config: { delayedAck: false },
    peerOptions: { mss: 1460, ts: { val: 5000, ecr: 0 } },
  });
  t.at(10).receive({ seq: R + 1, ack: s(L, 1), payload: 'data', options: { ts: { val: 5010, ecr: 0 } } });
  t.expectSend({ ack: R + 5, options: { ts: { val: 10, ecr: 5010 } } });
  // Our ACK was lost; the peer's RTO resends the same bytes with a later TSval.
  t.at(1010).receive({ seq: R + 1, ack: s(L, 1), payload: 'data', options: { ts: { val: 6010, ecr: 0 } } });
  t.expectSend({ ack: R + 5, options: { ts: { val: 1010, ecr: 6010 } } });
  assert.deepEqual(t.drops(), ['unacceptable']);
  assert.equal(t.info().tsRecent, 6010);
  // A duplicate with an implausible ACK field (RFC 5961 §5) does not move TS.Recent.
  t.at(1020).receive({ seq: R + 1, ack: s(L, 100_000), payload: 'data', options: { ts: { val: 7010, ecr: 0 } } });
  t.expectSend({ ack: R + 5, options: { ts: { val: 1020, ecr: 6010 } } });
});

test('PAWS: a reordered pure duplicate ACK with a slightly older TSval is accepted (Linux tcp_disordered_ack)', () => {
  const t = inState('ESTABLISHED', { peerOptions: { mss: 1460, ts: { val: 5000, ecr: 0 } } });
  t.at(10).send(3000);
  t.expectSends({ len: 1448 }, { len: 1448 }, { len: 104 });
  t.at(20).receive({ seq: R + 1, ack: s(L, 1449), options: { ts: { val: 5020, ecr: 10 } } });
  // The peer's earlier duplicate ACK overtaken by the one above: TSval 5015 < TS.Recent 5020.
  t.receive({ seq: R + 1, ack: s(L, 1449), options: { ts: { val: 5015, ecr: 10 } } }).expectNothing();
  assert.deepEqual(t.drops(), []);
  assert.equal(t.info().dupAcks, 1);
  assert.equal(t.info().tsRecent, 5020);
  // More than one RTO (1 s) older: PAWS drops it and answers with an ACK.
  t.receive({ seq: R + 1, ack: s(L, 1449), options: { ts: { val: 3000, ecr: 10 } } }).expectSend({ ctl: 'ACK' });
  assert.deepEqual(t.drops(), ['paws']);
  // Not a pure ACK (data): no exception.
  t.receive({ seq: R + 1, ack: s(L, 1449), payload: 'x', options: { ts: { val: 5015, ecr: 10 } } }).expectSend({
    ack: R + 1,
  });
  assert.deepEqual(t.drops(), ['paws', 'paws']);
});
