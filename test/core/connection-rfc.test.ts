// Rules checked one by one against the RFCs: RTO after a retransmitted SYN (RFC 6298 §5.7),
// challenge-ACK throttling (RFC 5961 §7), TS.Recent and PAWS in TIME-WAIT (RFC 7323), and the
// SEGMENT ARRIVES steps of RFC 9293 §3.10.7.4 that a review found missing or wrong.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/base/errors.js';
import { resolveConfig } from '../../src/core/config.js';
import { ConnTest, inState, L, R, s } from '../harness/conn.js';

// --- RFC 6298 §5.7: RTO 3 s after a retransmitted SYN ---

test('§5.7: SYN retransmitted, handshake completes without an RTT sample -> RTO 3 s', () => {
  const t = new ConnTest();
  t.connect().expectSend({ seq: L, ctl: 'SYN' });
  t.at(1000).expectSend({ seq: L, ctl: 'SYN' });
  assert.equal(t.info().rto, 2000);
  t.at(1200)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1460 } })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' })
    .expectState('ESTABLISHED');
  assert.equal(t.info().srtt, undefined); // Karn: the ACK of a resent SYN is ambiguous
  assert.equal(t.info().rto, 3000);
  assert.equal(t.info().backoffs, 0);
  t.send(10).expectSend({ seq: s(L, 1), len: 10 });
  t.expectTimer('retransmit', 4200);
});

test('§5.7: no SYN retransmission -> the SYN gives a sample, RTO from it', () => {
  const t = new ConnTest();
  t.connect().expectSend({ ctl: 'SYN' });
  t.at(100).receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1460 } });
  assert.equal(t.info().srtt, 100);
  assert.equal(t.info().rto, 1000); // 100 + 4 * 50 = 300, raised to rtoMin
});

test('§5.7: with timestamps the retransmitted SYN is timed by TSecr; the sample wins over 3 s', () => {
  const t = new ConnTest();
  t.connect().expectSend({ ctl: 'SYN' });
  t.at(1000).expectSend({ ctl: 'SYN', options: { ts: { val: 1000, ecr: 0 } } });
  t.at(1200).receive({
    seq: R,
    ack: s(L, 1),
    ctl: 'SYN,ACK',
    options: { mss: 1460, ts: { val: 7, ecr: 1000 } },
  });
  assert.equal(t.info().srtt, 200);
  assert.equal(t.info().rto, 1000);
});

test('§5.7: passive side, SYN,ACK retransmitted, then the ACK -> RTO 3 s', () => {
  const t = inState('SYN-RECEIVED');
  t.at(1000).expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' });
  t.at(1500)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectState('ESTABLISHED');
  assert.equal(t.info().srtt, undefined);
  assert.equal(t.info().rto, 3000);
});

test('Karn: a SYN,ACK repeated for a duplicate SYN is not timed; no timeout, so no §5.7 either', () => {
  const t = inState('SYN-RECEIVED');
  t.at(300)
    .receive({ seq: R, ctl: 'SYN', options: { mss: 1460 } })
    .expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' });
  t.at(400)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectState('ESTABLISHED');
  assert.equal(t.info().srtt, undefined);
  assert.equal(t.info().rto, 1000);
});

// --- RFC 5961 §7: challenge ACK throttling ---

test('RFC 5961 §7: at most challengeAckLimit (10) challenge ACKs per second; the rest are traced', () => {
  const t = inState('ESTABLISHED');
  t.at(100);
  for (let i = 0; i < 12; i++) t.receive({ seq: R + 10 + i, ctl: 'RST' });
  assert.equal(t.pending.length, 10);
  for (const seg of t.pending) assert.equal(seg.ack, R + 1);
  t.clear();
  assert.deepEqual(t.drops(), [...Array(10).fill('rst-challenge'), 'challenge-ack-limit', 'challenge-ack-limit']);
  // SYN challenges and ACKs of unsent data share the budget.
  t.at(1099)
    .receive({ seq: R + 1, ctl: 'SYN' })
    .receive({ seq: R + 1, ack: s(L, 5000) })
    .expectNothing();
  assert.deepEqual(t.drops().slice(12), ['challenge-ack-limit', 'challenge-ack-limit']);
  // A new one-second window starts with the first challenge after it ran out.
  t.at(1100)
    .receive({ seq: R + 1, ack: s(L, 5000) })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' });
  assert.deepEqual(t.drops().slice(14), ['ack-too-new']);
  t.expectState('ESTABLISHED');
});

test('RFC 5961 §7: challengeAckLimit 0 means no limit; a negative limit is a ConfigError', () => {
  const t = inState('ESTABLISHED', { config: { challengeAckLimit: 0 } });
  for (let i = 0; i < 30; i++) t.receive({ seq: R + 10, ctl: 'RST' });
  assert.equal(t.pending.length, 30);
  assert.equal(resolveConfig().challengeAckLimit, 10);
  assert.throws(() => resolveConfig({ challengeAckLimit: -1 }), ConfigError);
});

test('RFC 5961 §5: an ACK below SND.UNA - MAX.SND.WND is answered once per budget slot too', () => {
  const t = inState('ESTABLISHED', { config: { challengeAckLimit: 1 } });
  t.receive({ seq: R + 1, ack: s(L, -70000) }).expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' });
  t.receive({ seq: R + 1, ack: s(L, -70000) }).expectNothing();
  assert.deepEqual(t.drops(), ['ack-too-old', 'challenge-ack-limit']);
});

// --- RFC 7323 in TIME-WAIT ---

const TS = { mss: 1460, ts: { val: 100, ecr: 0 } };

test('TIME-WAIT PAWS: a FIN with an older TSval gets an ACK, no 2MSL restart, TS.Recent kept', () => {
  const t = inState('TIME-WAIT', { peerOptions: TS });
  t.expectTimer('time-wait', 60_000);
  t.at(500)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK', options: { ts: { val: 50, ecr: 0 } } })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK', options: { ts: { val: 500, ecr: 100 } } });
  assert.deepEqual(t.drops(), ['paws']);
  t.expectTimer('time-wait', 60_000);
  assert.equal(t.info().tsRecent, 100);
});

test('TIME-WAIT: a retransmitted FIN with a newer TSval updates TS.Recent, is echoed, restarts 2MSL', () => {
  const t = inState('TIME-WAIT', { peerOptions: TS });
  t.at(600)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK', options: { ts: { val: 160, ecr: 0 } } })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK', options: { ts: { val: 600, ecr: 160 } } });
  t.expectTimer('time-wait', 60_600);
  assert.equal(t.info().tsRecent, 160);
  // A bare ACK at RCV.NXT: no answer, but its TSval is recorded; an older FIN now fails PAWS.
  t.at(700)
    .receive({ seq: R + 2, ack: s(L, 2), options: { ts: { val: 170, ecr: 600 } } })
    .expectNothing();
  assert.equal(t.conn.timeWaitRecord().tsRecent, 170);
  t.at(800)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK', options: { ts: { val: 165, ecr: 0 } } })
    .expectSend({ options: { ts: { val: 800, ecr: 170 } } });
  t.expectTimer('time-wait', 60_600);
});

// --- RFC 9293 §3.10.7.4, step by step ---

test('TS.Recent is not moved by an in-window SYN (challenge ACK) nor by an ACK of unsent data', () => {
  const t = inState('ESTABLISHED', { peerOptions: TS });
  t.receive({ seq: R + 1, ctl: 'SYN', options: { ts: { val: 900_000, ecr: 0 } } }).expectSend({
    ack: R + 1,
    options: { ts: { val: 0, ecr: 100 } },
  });
  t.receive({ seq: R + 1, ack: s(L, 9999), options: { ts: { val: 900_001, ecr: 0 } } }).expectSend({
    options: { ts: { val: 0, ecr: 100 } },
  });
  assert.equal(t.info().tsRecent, 100);
  // The real peer's next segment still passes PAWS.
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'x', options: { ts: { val: 101, ecr: 0 } } });
  assert.equal(t.conn.recvQueued, 1);
  assert.equal(t.info().tsRecent, 101);
});

/** ESTABLISHED with a 4000-byte receive buffer filled: RCV.WND = 0, RCV.NXT = R + 4001. */
function zeroWindow(): ConnTest {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 4000, delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 1460 })
    .receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 })
    .receive({ seq: R + 2921, ack: s(L, 1), payload: 1080 });
  assert.equal(t.info().rcvWnd, 0);
  return t.clear();
}

test('first step, RCV.WND = 0: a RST at RCV.NXT carrying text is still accepted', () => {
  const t = zeroWindow();
  t.receive({ seq: R + 4001, ctl: 'RST', payload: 'reason' })
    .expectNothing()
    .expectEvents('error ECONNRESET', 'closed');
});

test('first step, RCV.WND = 0: the ACK on a data segment at RCV.NXT is processed, the text is not', () => {
  const t = zeroWindow();
  t.send(100).expectSend({ seq: s(L, 1), len: 100 });
  t.receive({ seq: R + 4001, ack: s(L, 101), payload: 5 }).expectSend({ seq: s(L, 101), ack: R + 4001, wnd: 0 });
  assert.equal(t.info().sndUna, s(L, 101));
  assert.equal(t.conn.recvQueued, 4000);
});

test('eighth step, RCV.WND = 0: a bare FIN at RCV.NXT is taken (as Linux does) -> CLOSE-WAIT', () => {
  const t = zeroWindow();
  t.receive({ seq: R + 4001, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 1), ack: R + 4002, wnd: 0, ctl: 'ACK' })
    .expectState('CLOSE-WAIT')
    .expectEvents('peer-fin');
  // A FIN with text beyond the zero window is not.
  const u = zeroWindow();
  u.receive({ seq: R + 4001, ack: s(L, 1), ctl: 'FIN,ACK', payload: 3 })
    .expectSend({ ack: R + 4001, wnd: 0 })
    .expectState('ESTABLISHED');
});

test('fifth step, SYN-RECEIVED: an acceptable ACK with text -> ESTABLISHED and the text is processed', () => {
  const t = inState('SYN-RECEIVED');
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'hello' })
    .expectState('ESTABLISHED')
    .expectEvents('connected', 'readable');
  t.expectRead('hello');
});

test('eighth step, FIN in SYN-RECEIVED: with an acceptable ACK -> ESTABLISHED -> CLOSE-WAIT; without ACK dropped', () => {
  const t = inState('SYN-RECEIVED');
  t.receive({ seq: R + 1, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'ACK' })
    .expectState('CLOSE-WAIT')
    .expectEvents('connected', 'peer-fin');
  const u = inState('SYN-RECEIVED');
  u.receive({ seq: R + 1, ctl: 'FIN' })
    .expectNothing()
    .expectState('SYN-RECEIVED')
    .expectNoEvents();
  assert.deepEqual(u.drops(), ['no-ack']);
});

test('eighth step, FIN in each synchronized state', () => {
  const fin = { seq: R + 1, ctl: 'FIN,ACK' };
  inState('ESTABLISHED')
    .receive({ ...fin, ack: s(L, 1) })
    .expectSend({ ack: R + 2 })
    .expectState('CLOSE-WAIT');
  inState('FIN-WAIT-1')
    .receive({ ...fin, ack: s(L, 1) })
    .expectSend({ ack: R + 2 })
    .expectState('CLOSING');
  inState('FIN-WAIT-1')
    .receive({ ...fin, ack: s(L, 2) })
    .expectSend({ seq: s(L, 2), ack: R + 2 })
    .expectState('TIME-WAIT');
  inState('FIN-WAIT-2')
    .receive({ ...fin, ack: s(L, 2) })
    .expectSend({ seq: s(L, 2), ack: R + 2 })
    .expectState('TIME-WAIT');
  // CLOSE-WAIT, CLOSING, LAST-ACK: the FIN again (seq R+1 is below RCV.NXT = R+2): ACK, remain.
  for (const st of ['CLOSE-WAIT', 'CLOSING', 'LAST-ACK'] as const) {
    const t = inState(st);
    const sndNxt = st === 'CLOSE-WAIT' ? s(L, 1) : s(L, 2);
    t.receive({ ...fin, ack: s(L, 1) })
      .expectSend({ seq: sndNxt, ack: R + 2, ctl: 'ACK' })
      .expectState(st);
  }
});

test('seventh step: the ACK for received text is piggybacked on data going out now', () => {
  const t = inState('ESTABLISHED');
  t.send(100).expectSend({ seq: s(L, 1), len: 100 });
  t.send(100).expectNothing(); // Nagle: held while the first 100 are unacknowledged
  t.at(50)
    .receive({ seq: R + 1, ack: s(L, 101), payload: 50 })
    .expectSend({ seq: s(L, 101), ack: R + 51, len: 100, ctl: 'PSH,ACK' })
    .expectNothing();
  t.expectTimer('delayed-ack', undefined);
});

test('after a zero-window probe, a bare ACK goes at SND.UNA (the peer will not take SND.MAX = probe + 1)', () => {
  const t = inState('ESTABLISHED', { config: { delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), wnd: 0 });
  t.send(100).expectNothing();
  t.at(1000).expectSend({ seq: s(L, 1), len: 1 }); // the probe: SND.MAX = L + 2
  assert.equal(t.info().sndMax, s(L, 2));
  t.at(1010)
    .receive({ seq: R + 1, ack: s(L, 1), wnd: 0, payload: 10 })
    .expectSend({ seq: s(L, 1), ack: R + 11, ctl: 'ACK' });
  // With an open window, bare ACKs go at SND.MAX (as Linux's tcp_acceptable_seq).
  t.at(1020)
    .receive({ seq: R + 11, ack: s(L, 2) })
    .expectSend({ seq: s(L, 2), len: 99 });
  t.receive({ seq: R + 11, ack: s(L, 2), payload: 5 }).expectSend({ seq: s(L, 101), ack: R + 16, ctl: 'ACK' });
});
