// The data path: send buffer and retransmission (RFC 6298, Karn), R2 (RFC 9293 §3.8.3), fast
// retransmit (RFC 5681), zero window and persist (§3.8.6.1), window updates and SWS avoidance
// (§3.8.6.2), Nagle (§3.7.4), delayed ACK (§3.8.6.3), reassembly, user timeout. Our ISN L sits 256
// below 2^32, so most of these cross the wrap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

test('data crosses the 2^32 wrap: segment at L+1, ACK at L+1001 (wrapped) frees the buffer', () => {
  const t = inState('ESTABLISHED');
  t.send(1000).expectSend({ seq: s(L, 1), ack: R + 1, len: 1000, payload: 1000, ctl: 'PSH,ACK' });
  assert.equal(t.conn.sendQueued, 1000);
  assert.equal(s(L, 1001), 745); // wrapped
  t.at(50)
    .receive({ seq: R + 1, ack: 745 })
    .expectNothing()
    .expectEvents('writable');
  assert.equal(t.conn.sendQueued, 0);
  assert.equal(t.info().sndUna, 745);
  t.expectTimer('retransmit', undefined);
});

test('segments are cut at the effective MSS', () => {
  const t = inState('ESTABLISHED', { peerOptions: {} }); // peer MSS 536
  // Minshall's Nagle: no small segment is outstanding, so the 128-byte tail goes at once.
  t.send(1200).expectSends(
    { seq: s(L, 1), len: 536, ctl: 'ACK' },
    { seq: s(L, 537), len: 536, ctl: 'ACK' },
    { seq: s(L, 1073), len: 128, ctl: 'PSH,ACK' },
  );
  t.expectNothing();
});

test("Nagle (Minshall's variant): a small segment waits while an earlier small one is unacknowledged", () => {
  const t = inState('ESTABLISHED', { peerOptions: {} }); // peer MSS 536
  t.send(100).expectSend({ seq: s(L, 1), len: 100 });
  t.send(50).expectNothing();
  t.send(600)
    .expectSend({ seq: s(L, 101), len: 536 })
    .expectNothing(); // a full segment may go
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 101) })
    .expectSend({ seq: s(L, 637), len: 114, ctl: 'PSH,ACK' });
});

test('retransmission: RTO 1 s then doubling, go-back to SND.UNA; Karn: no RTT sample from it', () => {
  const t = inState('ESTABLISHED');
  t.send(100).expectSend({ seq: s(L, 1), len: 100 });
  t.expectTimer('retransmit', 1000);
  t.at(999).expectNothing();
  t.at(1000)
    .expectSend({ seq: s(L, 1), len: 100, ack: R + 1 })
    .expectTimer('retransmit', 3000);
  t.at(3000)
    .expectSend({ seq: s(L, 1), len: 100 })
    .expectTimer('retransmit', 7000);
  t.at(3100)
    .receive({ seq: R + 1, ack: s(L, 101) })
    .expectNothing();
  t.expectTimer('retransmit', undefined);
  assert.equal(t.info().srtt, 0); // still the handshake's sample (RTT 0): Karn kept this one out
  assert.equal(t.info().retransmits, 2);
  // The next segment sent once is timed; its sample clears the backoff.
  t.at(4000)
    .send(10)
    .expectSend({ seq: s(L, 101) });
  t.expectTimer('retransmit', 4000 + 4000); // backed-off RTO until a fresh sample
  t.at(4200).receive({ seq: R + 1, ack: s(L, 111) });
  // RFC 6298 §2.3 from SRTT 0, RTTVAR 0 and R = 200: SRTT 25, RTTVAR 50, RTO max(1 s, 225 ms)
  assert.equal(t.info().srtt, 25);
  assert.equal(t.info().rttvar, 50);
  assert.equal(t.info().rto, 1000);
  assert.equal(t.info().backoffs, 0);
});

test('RTO follows RFC 6298 from samples (clamped to rtoMin)', () => {
  const t = inState('SYN-SENT', { config: { rtoMin: 200 } });
  t.at(100)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK' })
    .clear();
  // first sample R = 100: SRTT 100, RTTVAR 50, RTO = 100 + 4*50 = 300
  assert.deepEqual([t.info().srtt, t.info().rttvar, t.info().rto], [100, 50, 300]);
  t.at(200)
    .send(10)
    .expectSend({ seq: s(L, 1) })
    .expectTimer('retransmit', 500);
  t.at(300).receive({ seq: R + 1, ack: s(L, 11) });
  // second sample 100: RTTVAR = 3/4*50 + 1/4*0 = 37.5, SRTT 100, RTO = 250
  assert.deepEqual([t.info().srtt, t.info().rttvar, t.info().rto], [100, 37.5, 250]);
});

test('retries2 exhausted: ETIMEDOUT and CLOSED without RST (as Linux)', () => {
  const t = inState('ESTABLISHED', { config: { retries2: 3 } });
  t.send(10).expectSend({ len: 10 });
  t.at(1000).expectSend({ len: 10 });
  t.at(3000).expectSend({ len: 10 });
  t.at(7000).expectSend({ len: 10 });
  t.at(14_999).expectState('ESTABLISHED');
  t.at(15_000).expectNothing().expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
});

test('RTO: cwnd falls to one segment and go-back-N resends from SND.UNA', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.send(3000).expectSends({ seq: s(L, 1), len: 1460 }, { seq: s(L, 1461), len: 1460 }, { seq: s(L, 2921), len: 80 });
  t.at(1000)
    .expectSend({ seq: s(L, 1), len: 1460 })
    .expectNothing();
  assert.equal(t.info().cwnd, 1460);
  assert.equal(t.info().ssthresh, 2920);
  t.at(1010)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectSends({ seq: s(L, 1461), len: 1460 }, { seq: s(L, 2921), len: 80 });
});

test('fast retransmit after the third duplicate ACK', () => {
  const t = inState('ESTABLISHED');
  t.send(5 * 1460);
  for (let i = 0; i < 5; i++) t.expectSend({ seq: s(L, 1 + i * 1460), len: 1460 });
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectEvents('writable');
  t.at(21)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectNothing();
  t.at(22)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectNothing();
  t.at(23)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectSend({ seq: s(L, 1461), len: 1460 });
  assert.equal(t.info().inRecovery, true);
  assert.equal(t.info().retransmits, 1);
  // the full ACK ends recovery
  t.at(40)
    .receive({ seq: R + 1, ack: s(L, 5 * 1460 + 1) })
    .expectNothing();
  assert.equal(t.info().inRecovery, false);
});

test('NewReno: a partial ACK retransmits the next hole', () => {
  const t = inState('ESTABLISHED');
  t.send(5 * 1460).clear();
  for (let i = 0; i < 4; i++) t.receive({ seq: R + 1, ack: s(L, 1) });
  t.expectSend({ seq: s(L, 1), len: 1460 });
  t.receive({ seq: R + 1, ack: s(L, 2921) }).expectSend({ seq: s(L, 2921), len: 1460 });
});

test('cwnd limits sending (initial window), ACKs open it', () => {
  const t = inState('ESTABLISHED', { config: { initialCwndSegments: 2, nagle: false } });
  t.send(5000)
    .expectSends({ seq: s(L, 1), len: 1460 }, { seq: s(L, 1461), len: 1460 })
    .expectNothing();
  t.at(10).receive({ seq: R + 1, ack: s(L, 2921) });
  t.expectSends({ seq: s(L, 2921), len: 1460 }, { seq: s(L, 4381), len: 620 });
});

test('zero window: persist probes of one octet with backoff; an opened window releases the data', () => {
  const t = inState('ESTABLISHED', { peerWnd: 0 });
  t.send(100).expectNothing().expectTimer('persist', 1000).expectTimer('retransmit', undefined);
  t.at(1000)
    .expectSend({ seq: s(L, 1), len: 1, payload: new Uint8Array([0]) })
    .expectTimer('persist', 3000);
  t.at(1010)
    .receive({ seq: R + 1, ack: s(L, 1), wnd: 0 })
    .expectNothing();
  t.at(3000)
    .expectSend({ seq: s(L, 1), len: 1 })
    .expectTimer('persist', 7000);
  t.at(7000)
    .expectSend({ seq: s(L, 1), len: 1 })
    .expectTimer('persist', 15_000);
  t.at(7010)
    .receive({ seq: R + 1, ack: s(L, 1), wnd: 1000 })
    .expectSend({ seq: s(L, 1), len: 100 });
  t.expectTimer('persist', undefined).expectTimer('retransmit', 8010);
  assert.equal(t.conn.state, 'ESTABLISHED');
});

test('zero window: a probe octet the peer accepts is acknowledged normally', () => {
  const t = inState('ESTABLISHED', { peerWnd: 0 });
  t.send(10)
    .at(1000)
    .expectSend({ seq: s(L, 1), len: 1 });
  t.at(1010)
    .receive({ seq: R + 1, ack: s(L, 2), wnd: 100 })
    .expectSend({ seq: s(L, 2), len: 9 });
  assert.equal(t.conn.sendQueued, 9);
});

test('our zero window: data at RCV.NXT is not taken, but answered with ACK wnd=0; read() reopens with an update', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 4000, delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 1460 }).expectSend({ ack: R + 1461, wnd: 2540 });
  t.receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 }).expectSend({ ack: R + 2921, wnd: 1080 });
  t.receive({ seq: R + 2921, ack: s(L, 1), payload: 1080 }).expectSend({ ack: R + 4001, wnd: 0 });
  t.receive({ seq: R + 4001, ack: s(L, 1), payload: 1 }).expectSend({ ack: R + 4001, wnd: 0 });
  assert.equal(t.conn.recvQueued, 4000);
  // SWS avoidance (receiver): 1000 bytes freed is less than min(buffer/2, MSS) = 1460: no update.
  assert.equal(t.read(1000)?.length, 1000);
  t.expectNothing();
  assert.equal(t.read(1000)?.length, 1000);
  t.expectSend({ seq: s(L, 1), ack: R + 4001, wnd: 2000, ctl: 'ACK' });
});

test('receiver SWS avoidance: the right edge does not move for small gains', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 4000, delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 100 }).expectSend({ ack: R + 101, wnd: 3900 });
  t.read();
  t.expectNothing(); // 100 freed: not worth an update
  t.receive({ seq: R + 101, ack: s(L, 1), payload: 100 }).expectSend({ ack: R + 201, wnd: 3800 });
});

test('Nagle: a small segment waits while data is unacknowledged; setNoDelay(true) sends at once', () => {
  const t = inState('ESTABLISHED');
  t.send('a').expectSend({ payload: 'a' });
  t.send('b').send('c').expectNothing();
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 2) })
    .expectSend({ seq: s(L, 2), payload: 'bc' });
  const u = inState('ESTABLISHED');
  u.conn.setNoDelay(true);
  u.send('a').send('b').expectSend({ payload: 'a' }).expectSend({ payload: 'b' });
  assert.equal(u.info().nagle, false);
});

test('Nagle does not hold a full-sized segment', () => {
  const t = inState('ESTABLISHED');
  t.send('a').expectSend({ len: 1 });
  t.send(1460 + 5)
    .expectSend({ seq: s(L, 2), len: 1460 })
    .expectNothing();
});

test('delayed ACK: one segment is ACKed after delayedAckTimeout', () => {
  const t = inState('ESTABLISHED');
  t.at(1000)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 100 })
    .expectNothing()
    .expectEvents('readable');
  t.expectTimer('delayed-ack', 1200);
  t.at(1199).expectNothing();
  t.at(1200).expectSend({ seq: s(L, 1), ack: R + 101, ctl: 'ACK' });
});

test('delayed ACK: at least every second full-sized segment is ACKed at once', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 1460 }).expectNothing();
  t.at(10)
    .receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 })
    .expectSend({ ack: R + 2921 });
  t.expectTimer('delayed-ack', undefined);
});

test('delayed ACK: data we send carries the ACK', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 10 }).expectNothing();
  t.at(50)
    .send('reply')
    .expectSend({ ack: R + 11, payload: 'reply' });
  t.expectTimer('delayed-ack', undefined);
});

test('delayedAck off: every data segment is ACKed at once', () => {
  const t = inState('ESTABLISHED', { config: { delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 10 }).expectSend({ ack: R + 11 });
});

test('out-of-order segments: immediate duplicate ACK, held, delivered when the hole fills', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 11, ack: s(L, 1), payload: 'klmno' })
    .expectSend({ ack: R + 1 })
    .expectNoEvents();
  t.receive({ seq: R + 21, ack: s(L, 1), payload: 'uvw' }).expectSend({ ack: R + 1 });
  assert.equal(t.info().reassemblyBytes, 8);
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abcdefghij' })
    .expectSend({ ack: R + 16 })
    .expectEvents('readable');
  t.receive({ seq: R + 16, ack: s(L, 1), payload: 'pqrst' }).expectSend({ ack: R + 24 });
  t.expectRead('abcdefghijklmnopqrstuvw');
});

test('out-of-order data beyond the advertised window is trimmed', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 1000, delayedAck: false } });
  t.receive({ seq: R + 901, ack: s(L, 1), payload: 200 }).expectSend({ ack: R + 1 });
  assert.equal(t.info().reassemblyBytes, 100);
});

test('peer data across the 2^32 wrap', () => {
  const irs = 0xffffff80;
  const t = inState('ESTABLISHED', { irs, config: { delayedAck: false } });
  t.receive({ seq: s(irs, 1), ack: s(L, 1), payload: 300 }).expectSend({ ack: s(irs, 301) });
  assert.equal(t.info().rcvNxt, 0xffffff80 + 301 - 2 ** 32);
  assert.equal(t.read()?.length, 300);
});

test('partly old segment: only the new bytes are taken', () => {
  const t = inState('ESTABLISHED', { config: { delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abc' }).expectSend({ ack: R + 4 });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abcdef' }).expectSend({ ack: R + 7 });
  t.expectRead('abcdef');
});

test('send buffer is bounded: send() takes what fits', () => {
  const t = inState('ESTABLISHED', { config: { sendBuffer: 1000 }, peerWnd: 0 });
  t.send(600).send(600, 400);
  assert.equal(t.conn.sendSpace, 0);
  assert.equal(t.conn.sendQueued, 1000);
});

test('user timeout: unacknowledged data for userTimeout -> ETIMEDOUT (no RST)', () => {
  const t = inState('ESTABLISHED', { config: { userTimeout: 5000 } });
  t.send(10).expectSend({ len: 10 });
  t.expectTimer('user-timeout', 5000);
  t.at(1000).expectSend({ len: 10 });
  t.at(3000).expectSend({ len: 10 });
  t.at(5000).expectNothing().expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
});

test('window updates follow the SND.WL1/SND.WL2 rule: an older segment does not change SND.WND', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), wnd: 5000, payload: 'x' });
  assert.equal(t.info().sndWnd, 5000);
  t.receive({ seq: R + 2, ack: s(L, 1), wnd: 100 }); // newer: SND.WL1 < SEG.SEQ
  assert.equal(t.info().sndWnd, 100);
  assert.equal(t.info().sndWl1, R + 2);
  // an in-window segment that is older than the last update (SEG.SEQ < SND.WL1) cannot exist once
  // RCV.NXT moved past it; one equal to WL1 with an older ACK must not change the window:
  t.send('a').clear();
  t.receive({ seq: R + 2, ack: s(L, 2), wnd: 200 });
  assert.equal(t.info().sndWnd, 200);
  t.receive({ seq: R + 2, ack: s(L, 1), wnd: 9000 }); // SEG.ACK < SND.WL2: not used
  assert.equal(t.info().sndWnd, 200);
});

test('URG is not supported but does not break: the urgent data is ordinary data', () => {
  const t = inState('ESTABLISHED', { config: { delayedAck: false } });
  const seg = t.segment({ seq: R + 1, ack: s(L, 1), ctl: 'URG,ACK', payload: 'urgent' });
  seg.urp = 3;
  t.clear();
  const out = t.conn.handleSegment(seg, 0);
  assert.equal(out.segments.length, 1);
  assert.equal(out.segments[0]?.ack, R + 7);
  t.expectRead('urgent');
});

test('sender SWS avoidance: a small usable window is not used until the persist timer overrides', () => {
  const t = inState('ESTABLISHED', { peerWnd: 10_000, config: { nagle: false } });
  t.send(10_000).clear();
  // The peer takes everything but leaves only 100 bytes of window (< half its largest window).
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 10_001), wnd: 100 })
    .clear();
  t.send(1000).expectNothing().expectTimer('persist', 1010);
  t.at(1010).expectSend({ seq: s(L, 10_001), len: 100 });
});

test('handleTimeout before any deadline is a no-op; now must not go backwards', () => {
  const t = inState('ESTABLISHED');
  t.send(10).clear();
  const out = t.conn.handleTimeout(999);
  assert.deepEqual([out.segments.length, out.events.length], [0, 0]);
  assert.throws(() => t.conn.handleSegment(t.segment({ seq: R + 1, ack: s(L, 1) }), 998), {
    code: 'ERR_TCP_TIME_BACKWARDS',
  });
  assert.equal(t.info().sndUna, s(L, 1));
});

test('sendQueued / recvQueued / sendSpace / timers()', () => {
  const t = inState('ESTABLISHED', { config: { sendBuffer: 5000 } });
  t.send(300);
  assert.deepEqual([t.conn.sendQueued, t.conn.sendSpace], [300, 4700]);
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 7 });
  assert.equal(t.conn.recvQueued, 7);
  assert.deepEqual(t.conn.timers(), [
    { kind: 'delayed-ack', deadline: 200 },
    { kind: 'retransmit', deadline: 1000 },
  ]);
});

test('RFC 5961 §5: an ACK older than SND.UNA - MAX.SND.WND is answered with an ACK and dropped', () => {
  const t = inState('ESTABLISHED', { peerWnd: 1000, config: { nagle: false } });
  t.send(3000).clear();
  t.receive({ seq: R + 1, ack: s(L, 1001), wnd: 1000 })
    .receive({ seq: R + 1, ack: s(L, 2001), wnd: 1000 })
    .clear();
  // SND.UNA = L+2001, MAX.SND.WND = 1000: an ACK at L+500 is too old
  t.receive({ seq: R + 1, ack: s(L, 500), payload: 'x' }).expectSend({ seq: s(L, 3001), ack: R + 1, ctl: 'ACK' });
  assert.equal(t.conn.recvQueued, 0);
  assert.deepEqual(t.drops(), ['ack-too-old']);
  // one within the bound is only an old ACK: its text is taken
  t.receive({ seq: R + 1, ack: s(L, 1500), payload: 'y' });
  assert.equal(t.conn.recvQueued, 1);
});

test('PSH: on the segment that empties the queue, and on the last segment of a cwnd-limited burst', () => {
  const t = inState('ESTABLISHED', { peerOptions: { mss: 1000 }, config: { initialCwndSegments: 3 } });
  t.send(3500).expectSends(
    { seq: s(L, 1), len: 1000, ctl: 'ACK' },
    { seq: s(L, 1001), len: 1000, ctl: 'ACK' },
    { seq: s(L, 2001), len: 1000, ctl: 'PSH,ACK' }, // cwnd (3 segments) ends the burst
  );
  t.expectNothing();
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 3001) })
    .expectSend({ seq: s(L, 3001), len: 500, ctl: 'PSH,ACK' }); // ends the data written
});
