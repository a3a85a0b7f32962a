// Closing (RFC 9293 §3.6, §3.10.4, §3.10.7.4 eighth step; the seed text on the four-way close):
// FIN after queued data, FIN consumes one sequence number, half-close, simultaneous close,
// TIME-WAIT for exactly 2MSL, FIN retransmission, FIN-WAIT-2 timeout, ABORT and RST per state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnTest, inState, L, R, s } from '../harness/conn.js';

const MSL = 30_000; // default config.msl

test('active closer (seed): ESTABLISHED -> FIN-WAIT-1 (FIN seq=u) -> FIN-WAIT-2 (ack u+1) -> TIME-WAIT -> CLOSED after 2MSL', () => {
  const t = inState('ESTABLISHED');
  // Some data first, acknowledged: u = L+1+3 (the byte after the last data byte).
  t.send('abc').expectSend({ seq: s(L, 1), payload: 'abc', ctl: 'PSH,ACK' });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 4) })
    .expectEvents('writable');
  const u = s(L, 4);
  // 1. The client stops sending: FIN=1, seq=u; FIN-WAIT-1.
  t.at(100)
    .shutdown()
    .expectSend({ seq: u, ack: R + 1, ctl: 'FIN,ACK', len: 0 })
    .expectState('FIN-WAIT-1');
  // 2./3. The server ACKs: ack = u+1 (the FIN consumed one number). FIN-WAIT-2.
  t.at(110)
    .receive({ seq: R + 1, ack: s(u, 1) })
    .expectNothing()
    .expectState('FIN-WAIT-2')
    .expectEvents('fin-acked');
  // Half-closed: the server may still send, and the client still receives and reads.
  t.at(120)
    .receive({ seq: R + 1, ack: s(u, 1), payload: 'late data', ctl: 'PSH,ACK' })
    .expectEvents('readable')
    .expectRead('late data');
  // 4. The server's FIN: seq = w, ack = u+1.
  const w = R + 1 + 9;
  t.at(130).receive({ seq: w, ack: s(u, 1), ctl: 'FIN,ACK' });
  // 5. The client must ACK: seq = u+1, ack = w+1; TIME-WAIT.
  t.expectSend({ seq: s(u, 1), ack: w + 1, ctl: 'ACK' })
    .expectState('TIME-WAIT')
    .expectEvents('peer-fin', 'time-wait');
  // Still there just before 2MSL; CLOSED exactly 2MSL after entry.
  t.at(130 + 2 * MSL - 1)
    .expectState('TIME-WAIT')
    .expectNothing();
  t.at(130 + 2 * MSL)
    .expectState('CLOSED')
    .expectNothing()
    .expectEvents('closed');
  assert.equal(t.conn.nextDeadline(), undefined);
});

test('passive closer (seed): CLOSE-WAIT (ACK ack=u+1 seq=v), sends more (half-close), LAST-ACK (FIN seq=w ack=u+1), CLOSED on the ACK', () => {
  // The peer's ISN sits just below 2^32 so its FIN crosses the wrap.
  const irs = 0xfffffffe;
  const t = inState('ESTABLISHED', { irs, passive: true });
  const u = s(irs, 1); // the client's FIN: no data before it
  assert.equal(u, 0xffffffff);
  t.at(50).receive({ seq: u, ack: s(L, 1), ctl: 'FIN,ACK' });
  // 2. ACK = 1, ack = u+1 (wraps to 0), seq = v; CLOSE-WAIT; the application is told.
  const v = s(L, 1);
  t.expectSend({ seq: v, ack: 0, ctl: 'ACK' }).expectState('CLOSE-WAIT').expectEvents('peer-fin');
  // The server still sends (half-close): 300 bytes cross our own wrap point too.
  t.at(60).send(300).expectSend({ seq: v, ack: 0, len: 300, ctl: 'PSH,ACK' });
  t.at(70)
    .receive({ seq: 0, ack: s(v, 300) })
    .expectEvents('writable');
  // 4. FIN = 1, seq = w, ack = u+1; LAST-ACK.
  const w = s(v, 300);
  t.at(80).close().expectSend({ seq: w, ack: 0, ctl: 'FIN,ACK', len: 0 }).expectState('LAST-ACK');
  // 6. The client's ACK (ack = w+1): CLOSED at once.
  t.at(90)
    .receive({ seq: 0, ack: s(w, 1) })
    .expectNothing()
    .expectState('CLOSED')
    .expectEvents('fin-acked', 'closed');
  assert.equal(t.conn.nextDeadline(), undefined);
});

test('FIN consumes one sequence number even without data', () => {
  const t = inState('ESTABLISHED');
  t.close().expectSend({ seq: s(L, 1), len: 0, ctl: 'FIN,ACK' });
  assert.equal(t.info().sndNxt, s(L, 2));
  // An ACK of only the data before the FIN leaves FIN-WAIT-1 as it is.
  t.receive({ seq: R + 1, ack: s(L, 1) }).expectState('FIN-WAIT-1');
  t.receive({ seq: R + 1, ack: s(L, 2) }).expectState('FIN-WAIT-2');
});

test('FIN goes after the queued data, on the last data segment', () => {
  const t = inState('ESTABLISHED', { peerWnd: 5, config: { nagle: false } });
  // The window cuts the burst after 5 bytes: PSH on its last segment (as Linux).
  t.send(10).expectSend({ seq: s(L, 1), len: 5, ctl: 'PSH,ACK' });
  t.close().expectNothing().expectState('FIN-WAIT-1');
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 6), wnd: 100 })
    .expectSend({ seq: s(L, 6), len: 5, ctl: 'FIN,PSH,ACK' })
    .expectNothing();
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 12) })
    .expectState('FIN-WAIT-2')
    .expectEvents('fin-acked');
});

test('FIN and ACK of our FIN in one segment: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT, as the RFC steps and Linux go', () => {
  const t = inState('FIN-WAIT-1');
  t.at(5)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK' })
    .expectState('TIME-WAIT')
    .expectEvents('fin-acked', 'peer-fin', 'time-wait');
  const states = t.traces.flatMap((e) => (e.type === 'state' ? [`${e.from}>${e.to}`] : []));
  assert.deepEqual(states.slice(-2), ['FIN-WAIT-1>FIN-WAIT-2', 'FIN-WAIT-2>TIME-WAIT']);
  // Only the 2MSL timer runs afterwards: the FIN-WAIT-2 timeout was never armed.
  assert.deepEqual(
    t.traces.flatMap((e) => (e.type === 'timer' && e.timer === 'fin-wait-2' ? [e.action] : [])),
    [],
  );
  t.at(5 + 2 * MSL).expectState('CLOSED');
});

test('simultaneous close: FIN-WAIT-1 -> CLOSING -> TIME-WAIT (RFC 9293 Figure 13)', () => {
  const t = inState('FIN-WAIT-1');
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK' })
    .expectState('CLOSING')
    .expectEvents('peer-fin');
  t.at(20)
    .receive({ seq: R + 2, ack: s(L, 2) })
    .expectNothing()
    .expectState('TIME-WAIT')
    .expectEvents('fin-acked', 'time-wait');
  t.at(20 + 2 * MSL - 1).expectState('TIME-WAIT');
  t.at(20 + 2 * MSL)
    .expectState('CLOSED')
    .expectEvents('closed');
});

test('CLOSING: our FIN is retransmitted on RTO until acknowledged', () => {
  const t = inState('CLOSING');
  t.at(1000).expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'FIN,ACK' });
  t.at(3000).expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' });
  t.at(3010)
    .receive({ seq: R + 2, ack: s(L, 2) })
    .expectState('TIME-WAIT');
});

test('TIME-WAIT: a retransmitted FIN is ACKed again and restarts 2MSL', () => {
  const t = inState('TIME-WAIT', { config: { msl: 1_000 } }); // entered at t=0
  t.at(500)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK' });
  t.at(2_499).expectNothing().expectState('TIME-WAIT');
  t.at(2_500).expectNothing().expectState('CLOSED').expectEvents('closed');
});

test('TIME-WAIT: RST ignored under RFC 1337 (default); closes when rfc1337 is off', () => {
  const t = inState('TIME-WAIT');
  t.receive({ seq: R + 2, ctl: 'RST' })
    .expectNothing()
    .expectState('TIME-WAIT');
  assert.deepEqual(t.drops(), ['time-wait-rst']);
  const u = inState('TIME-WAIT', { config: { rfc1337: false } });
  u.at(7)
    .receive({ seq: R + 2, ctl: 'RST' })
    .expectNothing()
    .expectState('CLOSED')
    .expectEvents('closed');
});

test('TIME-WAIT: pure ACK gets no answer; old data gets an ACK; timer unchanged', () => {
  const t = inState('TIME-WAIT');
  t.at(10)
    .receive({ seq: R + 2, ack: s(L, 2) })
    .expectNothing();
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 2), payload: 'x' })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK' });
  t.expectTimer('time-wait', 2 * MSL);
});

test('TIME-WAIT: timeWaitRecord() describes the connection', () => {
  const t = inState('TIME-WAIT');
  const rec = t.conn.timeWaitRecord();
  assert.equal(rec.sndNxt, s(L, 2));
  assert.equal(rec.rcvNxt, R + 2);
  assert.equal(rec.iss, L);
  assert.equal(rec.irs, R);
  assert.equal(rec.expires, 2 * MSL);
  assert.equal(rec.tsRecent, undefined);
});

test('lost final ACK: the passive closer in LAST-ACK retransmits its FIN on RTO', () => {
  const t = inState('LAST-ACK');
  t.expectTimer('retransmit', 1000);
  t.at(1000).expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'FIN,ACK' });
  t.at(3000).expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'FIN,ACK' });
  t.at(3050)
    .receive({ seq: R + 2, ack: s(L, 2) })
    .expectState('CLOSED')
    .expectEvents('fin-acked', 'closed');
});

test('lost final ACK, seen from the active closer: the FIN again in TIME-WAIT is re-ACKed', () => {
  const t = inState('TIME-WAIT');
  t.at(1000)
    .receive({ seq: R + 1, ack: s(L, 2), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK' });
  t.expectTimer('time-wait', 1000 + 2 * MSL);
});

test('LAST-ACK: FIN retransmissions exhausted (orphanRetries: close() made it an orphan) -> ETIMEDOUT, no RST', () => {
  const t = inState('LAST-ACK', { config: { orphanRetries: 2, retries2: 15 } });
  t.at(1000).expectSend({ ctl: 'FIN,ACK' });
  t.at(3000).expectSend({ ctl: 'FIN,ACK' });
  t.at(6999).expectState('LAST-ACK');
  t.at(7000).expectNothing().expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
});

test('FIN-WAIT-1: our FIN is retransmitted when its ACK is lost', () => {
  const t = inState('FIN-WAIT-1');
  t.at(1000).expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' });
  t.at(1100)
    .receive({ seq: R + 1, ack: s(L, 2) })
    .expectState('FIN-WAIT-2');
});

test('FIN-WAIT-2 timeout after close(): CLOSED silently (like Linux, nothing is sent)', () => {
  const t = inState('FIN-WAIT-2');
  t.expectTimer('fin-wait-2', 60_000);
  t.at(59_999).expectState('FIN-WAIT-2');
  t.at(60_000).expectNothing().expectState('CLOSED').expectEvents('closed');
});

test('FIN-WAIT-2 after shutdown() has no timeout; close() later arms it from then', () => {
  const t = inState('ESTABLISHED');
  t.shutdown().expectSend({ ctl: 'FIN,ACK' });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 2) })
    .expectState('FIN-WAIT-2');
  t.expectTimer('fin-wait-2', undefined);
  assert.equal(t.conn.nextDeadline(), undefined);
  t.at(500_000).expectState('FIN-WAIT-2');
  t.close().expectNothing().expectTimer('fin-wait-2', 560_000);
  t.at(560_000).expectState('CLOSED');
});

test('after close(): new data in FIN-WAIT-2 draws a RST and CLOSED (RFC 1122 §4.2.2.13, Linux)', () => {
  const t = inState('FIN-WAIT-2', { config: { delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 2), payload: 'ignored' })
    .expectSend({ seq: s(L, 2), ack: 0, ctl: 'RST' })
    .expectState('CLOSED')
    .expectEvents('closed');
});

test('after close(): new data in FIN-WAIT-1 draws a RST too; an old retransmission does not', () => {
  const t = inState('ESTABLISHED', { config: { delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abc' }).clear();
  t.expectRead('abc');
  t.close()
    .expectSend({ seq: s(L, 1), ack: R + 4, ctl: 'FIN,ACK' })
    .expectState('FIN-WAIT-1');
  // The peer sends 'abc' again (it missed our ACK): nothing new, so just ACKed.
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abc' }).expectSend({ ack: R + 4, ctl: 'ACK' });
  t.expectState('FIN-WAIT-1');
  t.receive({ seq: R + 4, ack: s(L, 1), payload: 'new' })
    .expectSend({ seq: s(L, 1), ctl: 'RST' })
    .expectState('CLOSED');
});

test('rstOnDataAfterClose off: data in FIN-WAIT-2 after close() is ACKed and discarded', () => {
  const t = inState('FIN-WAIT-2', { config: { delayedAck: false, rstOnDataAfterClose: false } });
  t.receive({ seq: R + 1, ack: s(L, 2), payload: 'ignored' })
    .expectSend({ seq: s(L, 2), ack: R + 8, ctl: 'ACK' })
    .expectNoEvents();
  assert.equal(t.conn.recvQueued, 0);
});

test('after shutdown() (half-close) data in FIN-WAIT-2 is still received', () => {
  const t = inState('ESTABLISHED', { config: { delayedAck: false } });
  t.shutdown().expectSend({ ctl: 'FIN,ACK' });
  t.receive({ seq: R + 1, ack: s(L, 2) }).expectState('FIN-WAIT-2');
  t.receive({ seq: R + 1, ack: s(L, 2), payload: 'more' }).expectSend({ ack: R + 5, ctl: 'ACK' });
  t.expectRead('more');
});

test('close() with unread data sends RST at SND.NXT / RCV.NXT and closes (RFC 1122 §4.2.2.13, Linux)', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'unread' }).clear();
  t.close()
    .expectSend({ seq: s(L, 1), ack: R + 7, ctl: 'RST,ACK' })
    .expectState('CLOSED')
    .expectEvents('closed');
  assert.equal(t.conn.recvQueued, 0);
});

test('close() after reading everything sends FIN', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'read' }).clear();
  t.expectRead('read');
  t.close()
    .expectSend({ seq: s(L, 1), ack: R + 5, ctl: 'FIN,ACK' })
    .expectState('FIN-WAIT-1');
});

test('rstOnCloseWithUnread off: close() with unread data sends FIN and discards the bytes', () => {
  const t = inState('ESTABLISHED', { config: { rstOnCloseWithUnread: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'unread' }).clear();
  t.close()
    .expectSend({ seq: s(L, 1), ack: R + 7, ctl: 'FIN,ACK' })
    .expectState('FIN-WAIT-1');
  assert.equal(t.conn.recvQueued, 0);
});

test('FIN before the data it follows is held; CLOSE-WAIT once the gap is filled', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 4, ack: s(L, 1), ctl: 'FIN,ACK', payload: 'def' })
    .expectSend({ ack: R + 1, ctl: 'ACK' })
    .expectState('ESTABLISHED')
    .expectNoEvents();
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abc' })
    .expectSend({ ack: R + 8, ctl: 'ACK' })
    .expectState('CLOSE-WAIT')
    .expectEvents('readable', 'peer-fin')
    .expectRead('abcdef');
});

test('CLOSE-WAIT: a retransmitted FIN is answered with an ACK; read() gives null at the end', () => {
  const t = inState('CLOSE-WAIT');
  t.receive({ seq: R + 1, ack: s(L, 1), ctl: 'FIN,ACK' }).expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'ACK' });
  t.expectRead(null).expectState('CLOSE-WAIT');
});

test('abort(): RST <SEQ=SND.NXT> (with ACK=RCV.NXT, as Linux) in synchronized states, only "closed" for the user', () => {
  for (const st of ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT'] as const) {
    const t = inState(st);
    const { sndMax, rcvNxt } = t.info();
    t.abort()
      .expectSend({ seq: sndMax, ack: rcvNxt, ctl: 'RST,ACK' })
      .expectNothing()
      .expectState('CLOSED')
      .expectEvents('closed');
    assert.equal(t.conn.nextDeadline(), undefined, st);
  }
  inState('SYN-RECEIVED', { passive: true })
    .abort()
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'RST,ACK' })
    .expectState('CLOSED');
  for (const st of ['CLOSING', 'LAST-ACK', 'TIME-WAIT'] as const) {
    inState(st).abort().expectNothing().expectState('CLOSED').expectEvents('closed');
  }
});

test('abort() drops queued data', () => {
  const t = inState('ESTABLISHED', { peerWnd: 0 });
  t.send(100)
    .abort()
    .expectSend({ seq: s(L, 1), ctl: 'RST,ACK' })
    .expectNothing();
  assert.equal(t.conn.sendQueued, 0);
});

test('RST exact (SEG.SEQ = RCV.NXT) in ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT -> ECONNRESET', () => {
  for (const st of ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT'] as const) {
    const t = inState(st);
    const rcvNxt = t.info().rcvNxt;
    t.receive({ seq: rcvNxt, ctl: 'RST' })
      .expectNothing()
      .expectState('CLOSED')
      .expectEvents('error ECONNRESET', 'closed');
  }
});

test('RST exact in CLOSING and LAST-ACK -> CLOSED without error', () => {
  for (const st of ['CLOSING', 'LAST-ACK'] as const) {
    const t = inState(st);
    t.receive({ seq: R + 2, ctl: 'RST' })
      .expectNothing()
      .expectState('CLOSED')
      .expectEvents('closed');
  }
});

test('RST in window but not exact -> challenge ACK (RFC 5961 §3), in every synchronized state', () => {
  for (const st of ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK'] as const) {
    const t = inState(st);
    const { rcvNxt, sndMax } = t.info();
    t.receive({ seq: s(rcvNxt, 100), ctl: 'RST' })
      .expectSend({ seq: sndMax, ack: rcvNxt, ctl: 'ACK' })
      .expectState(st);
    assert.deepEqual(t.drops(), ['rst-challenge'], st);
  }
});

test('RST out of window is dropped silently', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1 + 70_000, ctl: 'RST' })
    .receive({ seq: R, ctl: 'RST' })
    .expectNothing()
    .expectState('ESTABLISHED');
  assert.deepEqual(t.drops(), ['rst-out-of-window', 'rst-out-of-window']);
});

test('in-window RST resets when challenge ACKs are off (RFC 793 behaviour)', () => {
  const t = inState('ESTABLISHED', { config: { challengeAcks: false } });
  t.receive({ seq: R + 100, ctl: 'RST' })
    .expectState('CLOSED')
    .expectEvents('error ECONNRESET', 'closed');
});

test('SYN in a synchronized state -> challenge ACK (RFC 5961 §4); RST + ECONNRESET when off', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 50, ctl: 'SYN' })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' })
    .expectState('ESTABLISHED');
  assert.deepEqual(t.drops(), ['syn-challenge']);
  const u = inState('ESTABLISHED', { config: { challengeAcks: false } });
  u.receive({ seq: R + 50, ctl: 'SYN' })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'RST,ACK' })
    .expectState('CLOSED');
  u.expectEvents('error ECONNRESET', 'closed');
});

test('unacceptable segment -> <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and drop', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R - 10, ack: s(L, 1), payload: 'old' }).expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' });
  t.receive({ seq: R + 1 + 65_535, ack: s(L, 1), payload: 'far' }).expectSend({ ack: R + 1, ctl: 'ACK' });
  assert.deepEqual(t.drops(), ['unacceptable', 'unacceptable']);
});

test('ACK of unsent data -> ACK, drop (RFC 9293 §3.10.7.4 fifth)', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 10), payload: 'x' }).expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' });
  assert.equal(t.conn.recvQueued, 0);
  assert.deepEqual(t.drops(), ['ack-too-new']);
});

test('segment without ACK in ESTABLISHED is dropped', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ctl: 'PSH', payload: 'x' }).expectNothing();
  assert.deepEqual(t.drops(), ['no-ack']);
});

test('"closed" is emitted exactly once and last', () => {
  const t = inState('TIME-WAIT');
  t.at(2 * MSL).at(3 * MSL);
  assert.deepEqual(t.allEvents.map((e) => e.type).slice(-2), ['time-wait', 'closed']);
  assert.equal(t.allEvents.filter((e) => e.type === 'closed').length, 1);
  const u = new ConnTest();
  u.connect().at(200_000);
  assert.deepEqual(
    u.allEvents.map((e) => e.type),
    ['error', 'closed'],
  );
});

test('data still buffered after an orderly close stays readable; then read() reports no connection', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), ctl: 'FIN,PSH,ACK', payload: 'tail' }).expectSend({ ack: R + 6 });
  t.shutdown().expectSend({ ctl: 'FIN,ACK' }).expectState('LAST-ACK');
  t.receive({ seq: R + 6, ack: s(L, 2) }).expectState('CLOSED');
  t.expectRead('tail');
  assert.throws(() => t.read(), { code: 'ERR_TCP_NOT_CONNECTED' });
});

test('shutdown() in SYN-SENT: the FIN follows the handshake (and the queued data)', () => {
  const t = inState('SYN-SENT');
  t.send('q').shutdown().expectNothing().expectState('SYN-SENT');
  t.receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1460 } })
    .expectSend({ seq: s(L, 1), ack: R + 1, payload: 'q', ctl: 'FIN,PSH,ACK' })
    .expectState('FIN-WAIT-1');
});

test('close() in SYN-RECEIVED: FIN-WAIT-1; the FIN follows the ACK of our SYN', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.close().expectNothing().expectState('FIN-WAIT-1');
  t.receive({ seq: R + 1, ack: s(L, 1) })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'FIN,ACK' })
    .expectEvents('connected');
  t.receive({ seq: R + 1, ack: s(L, 2) }).expectState('FIN-WAIT-2');
});

test('RST after data: queued receive data is flushed with ECONNRESET', () => {
  const t = inState('ESTABLISHED');
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 'abc' }).receive({ seq: R + 4, ctl: 'RST' });
  t.expectState('CLOSED').expectEvents('readable', 'error ECONNRESET', 'closed');
  assert.equal(t.conn.recvQueued, 0);
});

test('TIME-WAIT (live object): a new SYN that may reuse the tuple closes it (the endpoint routes the SYN)', () => {
  const t = inState('TIME-WAIT');
  t.receive({ seq: R + 100_000, ctl: 'SYN' })
    .expectNothing()
    .expectState('CLOSED')
    .expectEvents('closed');
  assert.deepEqual(t.drops(), ['reopen']);
});

test('TIME-WAIT: an old SYN is answered with an ACK', () => {
  const t = inState('TIME-WAIT');
  t.receive({ seq: R - 5, ctl: 'SYN' })
    .expectSend({ seq: s(L, 2), ack: R + 2, ctl: 'ACK' })
    .expectState('TIME-WAIT');
});

test('every state change is traced with a cause and is legal', () => {
  const t = inState('TIME-WAIT');
  t.at(2 * MSL);
  const states = t.traces.flatMap((e) => (e.type === 'state' ? [`${e.from}>${e.to} (${e.cause})`] : []));
  assert.deepEqual(states, [
    'CLOSED>SYN-SENT (active OPEN)',
    'SYN-SENT>ESTABLISHED (SYN,ACK)',
    'ESTABLISHED>FIN-WAIT-1 (CLOSE)',
    'FIN-WAIT-1>FIN-WAIT-2 (ACK of FIN)',
    'FIN-WAIT-2>TIME-WAIT (FIN)',
    'TIME-WAIT>CLOSED (2MSL timeout)',
  ]);
});

test('FIN-WAIT-1: FIN+ACK whose FIN is out of order -> FIN-WAIT-2 (the FIN waits for the gap)', () => {
  const t = inState('FIN-WAIT-1', { config: { rstOnDataAfterClose: false } });
  t.receive({ seq: R + 4, ack: s(L, 2), ctl: 'FIN,ACK' })
    .expectSend({ ack: R + 1, ctl: 'ACK' })
    .expectState('FIN-WAIT-2');
  t.receive({ seq: R + 1, ack: s(L, 2), payload: 'abc' })
    .expectSend({ seq: s(L, 2), ack: R + 5, ctl: 'ACK' })
    .expectState('TIME-WAIT');
});
