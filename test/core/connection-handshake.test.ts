// Opening a connection: RFC 9293 §3.5 (three-way handshake, simultaneous open, RST rules) and the
// OPEN / SEGMENT ARRIVES rules for CLOSED, LISTEN, SYN-SENT and SYN-RECEIVED (§3.10.1, §3.10.7.1-3).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { Connection } from '../../src/core/connection.js';
import { ConnTest, inState, L, LOCAL_PORT, R, REMOTE_PORT, s } from '../harness/conn.js';

test('active open: SYN carries MSS, WS, TS; SYN,ACK -> ESTABLISHED and ACK (RFC 9293 Figure 6)', () => {
  const t = new ConnTest();
  t.connect()
    .expectSend({
      seq: L,
      ack: 0,
      ctl: 'SYN',
      wnd: 65535,
      srcPort: LOCAL_PORT,
      dstPort: REMOTE_PORT,
      options: { mss: 1460, wscale: 3, ts: { val: 0, ecr: 0 } },
    })
    .expectState('SYN-SENT')
    .expectNoEvents();
  t.at(30)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1400 } })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK', noOptions: true })
    .expectState('ESTABLISHED')
    .expectEvents('connected')
    .expectNothing();
  const i = t.info();
  assert.equal(i.mss, 1400);
  assert.equal(i.windowScaling, false);
  assert.equal(i.timestamps, false);
  assert.equal(i.sndUna, s(L, 1));
  assert.equal(i.srtt, 30); // the SYN was sent once: its RTT counts (RFC 6298 §2.2)
});

test('passive open: LISTEN -> SYN-RECEIVED (SYN,ACK echoes only offered options) -> ESTABLISHED', () => {
  const t = new ConnTest({ passive: true });
  t.listen().expectState('LISTEN').expectNothing();
  t.at(5)
    .receive({ seq: R, ctl: 'SYN', options: { mss: 1200 } })
    .expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK', options: { mss: 1460, wscale: undefined, ts: undefined } })
    .expectState('SYN-RECEIVED')
    .expectNoEvents();
  assert.equal(t.conn.remotePort, REMOTE_PORT);
  t.at(15)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing()
    .expectState('ESTABLISHED')
    .expectEvents('connected');
  assert.equal(t.info().mss, 1200);
});

test('peer without an MSS option: 536 is assumed (RFC 9293 §3.7.1)', () => {
  const t = inState('ESTABLISHED', { peerOptions: {} });
  assert.equal(t.info().mss, 536);
  assert.equal(t.info().peerMss, 536);
});

test('simultaneous open: SYN in SYN-SENT -> SYN-RECEIVED with SYN,ACK, then ESTABLISHED (RFC 9293 Figure 7)', () => {
  const t = inState('SYN-SENT');
  t.at(10)
    .receive({ seq: R, ctl: 'SYN', options: { mss: 1460 } })
    .expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' })
    .expectState('SYN-RECEIVED');
  // The peer's SYN,ACK: its SYN is a duplicate, its ACK completes our side.
  t.at(20)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1460 } })
    .expectState('ESTABLISHED')
    .expectEvents('connected');
  // The bare ACK of the peer (answer to our SYN,ACK) is then just a duplicate.
  t.at(21)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing()
    .expectState('ESTABLISHED');
});

test('simultaneous open where each side answers with a bare ACK', () => {
  const t = inState('SYN-SENT');
  t.receive({ seq: R, ctl: 'SYN' }).expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectState('ESTABLISHED')
    .expectEvents('connected')
    .expectNothing();
});

test('SYN retransmission: RTO 1 s doubling; after synRetries ETIMEDOUT, no RST', () => {
  const t = inState('SYN-SENT', { config: { synRetries: 3 } });
  t.expectTimer('retransmit', 1000);
  t.at(999).expectNothing();
  t.at(1000).expectSend({ seq: L, ctl: 'SYN' }).expectTimer('retransmit', 3000);
  t.at(3000).expectSend({ seq: L, ctl: 'SYN' }).expectTimer('retransmit', 7000);
  t.at(7000).expectSend({ seq: L, ctl: 'SYN' }).expectTimer('retransmit', 15000);
  t.at(14_999).expectNothing().expectState('SYN-SENT');
  t.at(15_000).expectNothing().expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
  assert.equal(t.conn.nextDeadline(), undefined);
});

test('SYN retransmission: default synRetries = 6 gives up at 127 s', () => {
  const t = inState('SYN-SENT');
  for (const at of [1000, 3000, 7000, 15_000, 31_000, 63_000]) t.at(at).expectSend({ seq: L, ctl: 'SYN' });
  t.at(126_999).expectState('SYN-SENT');
  t.at(127_000).expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed').expectNothing();
});

test('retransmitted SYN is not timed (Karn): the SYN,ACK after a retransmission gives no RTT sample', () => {
  const t = inState('SYN-SENT');
  t.at(1000).expectSend({ ctl: 'SYN' });
  t.at(1100)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK' })
    .expectSend({ ctl: 'ACK' });
  assert.equal(t.info().srtt, undefined);
});

test('SYN-RECEIVED: SYN,ACK retransmitted on RTO and on a duplicate SYN', () => {
  const t = inState('SYN-RECEIVED');
  t.at(1000).expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' });
  t.at(1500)
    .receive({ seq: R, ctl: 'SYN' })
    .expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' });
  t.at(1600)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectState('ESTABLISHED');
});

test('SYN-SENT: unacceptable ACK -> <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.5.2)', () => {
  const t = inState('SYN-SENT');
  t.receive({ seq: 5000, ack: L, ctl: 'SYN,ACK' }).expectSend({ seq: L, ctl: 'RST' }).expectState('SYN-SENT');
  t.receive({ seq: 5000, ack: s(L, 2), ctl: 'ACK' })
    .expectSend({ seq: s(L, 2), ctl: 'RST' })
    .expectState('SYN-SENT');
  // A RST with a bad ACK is dropped without an answer.
  t.receive({ seq: 5000, ack: s(L, 7), ctl: 'RST,ACK' })
    .expectNothing()
    .expectState('SYN-SENT');
  assert.deepEqual(t.drops(), ['syn-sent-bad-ack', 'syn-sent-bad-ack', 'syn-sent-bad-ack']);
});

test('SYN-SENT: RST,ACK acknowledging our SYN -> ECONNREFUSED (RFC 9293 §3.5.3)', () => {
  const t = inState('SYN-SENT');
  t.at(20)
    .receive({ seq: 0, ack: s(L, 1), ctl: 'RST,ACK' })
    .expectNothing()
    .expectState('CLOSED');
  t.expectEvents('error ECONNREFUSED', 'closed');
});

test('SYN-SENT: RST without ACK is dropped; segment without SYN or RST is dropped', () => {
  const t = inState('SYN-SENT');
  t.receive({ seq: 0, ctl: 'RST' }).expectNothing().expectState('SYN-SENT');
  t.receive({ seq: 0, ctl: 'FIN' }).expectNothing().expectState('SYN-SENT');
  assert.deepEqual(t.drops(), ['rst-out-of-window', 'syn-sent-no-syn']);
});

test('SYN,ACK with data and FIN: data delivered, FIN -> CLOSE-WAIT', () => {
  const t = inState('SYN-SENT');
  t.receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK,FIN', payload: 'hi' })
    .expectSend({ seq: s(L, 1), ack: R + 4, ctl: 'ACK' })
    .expectState('CLOSE-WAIT')
    .expectEvents('connected', 'readable', 'peer-fin')
    .expectRead('hi');
});

test('LISTEN: RST ignored; ACK -> <SEQ=SEG.ACK><CTL=RST>; other segments dropped', () => {
  const t = inState('LISTEN', { passive: true });
  t.receive({ seq: 1, ctl: 'RST' }).expectNothing();
  t.receive({ seq: 1, ack: 777, ctl: 'ACK' }).expectSend({ seq: 777, ctl: 'RST' });
  t.receive({ seq: 1, ctl: 'FIN' }).expectNothing();
  t.expectState('LISTEN');
  assert.deepEqual(t.drops(), ['rst-to-nothing', 'listen-bad', 'listen-bad']);
});

test('CLOSED: a segment is answered with RST (ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>)', () => {
  const t = inState('CLOSED');
  t.receive({ seq: 100, ctl: 'SYN' }).expectSend({ seq: 0, ack: 101, ctl: 'RST,ACK' });
  t.receive({ seq: 100, ack: 55, ctl: 'ACK', payload: 'x' }).expectSend({ seq: 55, ctl: 'RST' });
  t.receive({ seq: 100, ctl: 'RST' }).expectNothing();
});

test('SYN-RECEIVED (passive): exact RST -> back to LISTEN, no event', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.receive({ seq: R + 1, ctl: 'RST' })
    .expectNothing()
    .expectState('LISTEN')
    .expectNoEvents();
  assert.equal(t.conn.nextDeadline(), undefined);
  // and it can take a new SYN
  t.receive({ seq: 9000, ctl: 'SYN' }).expectSend({ seq: L, ack: 9001, ctl: 'SYN,ACK' }).expectState('SYN-RECEIVED');
});

test('SYN-RECEIVED (simultaneous open): exact RST -> ECONNREFUSED, CLOSED', () => {
  const t = inState('SYN-SENT');
  t.receive({ seq: R, ctl: 'SYN' }).expectSend({ ctl: 'SYN,ACK' });
  t.receive({ seq: R + 1, ctl: 'RST' })
    .expectState('CLOSED')
    .expectEvents('error ECONNREFUSED', 'closed');
});

test('SYN-RECEIVED: in-window RST not exact -> challenge ACK (RFC 5961 §3)', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.receive({ seq: R + 10, ctl: 'RST' })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' })
    .expectState('SYN-RECEIVED');
  assert.deepEqual(t.drops(), ['rst-challenge']);
});

test('SYN-RECEIVED: ACK of something not yet sent -> <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.5.2)', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.receive({ seq: R + 1, ack: s(L, 5) })
    .expectSend({ seq: s(L, 5), ctl: 'RST' })
    .expectState('SYN-RECEIVED');
  t.receive({ seq: R + 1, ack: L })
    .expectSend({ seq: L, ctl: 'RST' })
    .expectState('SYN-RECEIVED');
  assert.deepEqual(t.drops(), ['ack-too-new', 'ack-too-old']);
});

test('SYN-RECEIVED (passive): a new in-window SYN -> back to LISTEN (RFC 9293 §3.10.7.4 fourth)', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.receive({ seq: R + 5, ctl: 'SYN' })
    .expectNothing()
    .expectState('LISTEN');
});

test('SYN-RECEIVED: segment without ACK is dropped', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.receive({ seq: R + 1, ctl: 'PSH', payload: 'x' })
    .expectNothing()
    .expectState('SYN-RECEIVED');
  assert.deepEqual(t.drops(), ['no-ack']);
});

test('SYN-RECEIVED: ACK with FIN -> ESTABLISHED then CLOSE-WAIT', () => {
  const t = inState('SYN-RECEIVED', { passive: true });
  t.receive({ seq: R + 1, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'ACK' })
    .expectState('CLOSE-WAIT')
    .expectEvents('connected', 'peer-fin');
});

test('user-call errors (RFC 9293 §3.10) throw UsageError and change nothing', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return e.code;
    }
    return 'no error';
  };
  const c = new Connection({ localPort: 1, remotePort: 2, iss: 0 });
  assert.equal(
    code(() => c.send(new Uint8Array(1), 0)),
    'ERR_TCP_NOT_CONNECTED',
  );
  assert.equal(
    code(() => c.read(0)),
    'ERR_TCP_NOT_CONNECTED',
  );
  assert.equal(
    code(() => c.close(0)),
    'ERR_TCP_NOT_CONNECTED',
  );
  assert.equal(
    code(() => c.shutdown(0)),
    'ERR_TCP_NOT_CONNECTED',
  );
  assert.equal(
    code(() => c.abort(0)),
    'ERR_TCP_NOT_CONNECTED',
  );
  assert.equal(
    code(() => c.send('x' as unknown as Uint8Array, 0)),
    'ERR_INVALID_ARG_TYPE',
  );
  assert.equal(c.state, 'CLOSED');
  c.connect(10);
  assert.equal(
    code(() => c.connect(10)),
    'ERR_TCP_EXISTS',
  );
  assert.equal(
    code(() => c.listen(10)),
    'ERR_TCP_EXISTS',
  );
  assert.equal(
    code(() => c.handleTimeout(9)),
    'ERR_TCP_TIME_BACKWARDS',
  );
  assert.equal(c.state, 'SYN-SENT');
  const t = inState('FIN-WAIT-1');
  assert.equal(
    code(() => t.conn.send(new Uint8Array(1), 0)),
    'ERR_TCP_CLOSING',
  );
  assert.equal(
    code(() => t.conn.shutdown(0)),
    'ERR_TCP_CLOSING',
  );
  assert.equal(
    code(() => t.conn.close(0)),
    'ERR_TCP_CLOSING',
  );
  assert.equal(t.conn.read(0).data, null); // after close(): nothing is ever readable again
  assert.equal(
    code(() => t.conn.timeWaitRecord()),
    'ERR_TCP_INVALID_STATE',
  );
  assert.equal(
    code(() => t.conn.read(0, 0)),
    'ERR_INVALID_ARG_TYPE',
  );
});

test('send before ESTABLISHED is queued and goes out with the handshake ACK', () => {
  const t = inState('SYN-SENT');
  t.send('hello').expectNothing();
  t.at(10)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1460 } })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'PSH,ACK', payload: 'hello' })
    .expectNothing();
});

test('close() in SYN-SENT or LISTEN -> CLOSED at once; abort() in SYN-SENT sends nothing', () => {
  inState('SYN-SENT').close().expectNothing().expectState('CLOSED').expectEvents('closed');
  inState('LISTEN').close().expectNothing().expectState('CLOSED').expectEvents('closed');
  inState('SYN-SENT').abort().expectNothing().expectState('CLOSED').expectEvents('closed');
});

test('traces: state changes with causes, send/recv with relative numbers', () => {
  const t = inState('ESTABLISHED');
  const states = t.traces.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? `${e.from}>${e.to}` : ''));
  assert.deepEqual(states, ['CLOSED>SYN-SENT', 'SYN-SENT>ESTABLISHED']);
  const segs = t.traces
    .filter((e) => e.type === 'send' || e.type === 'recv')
    .map((e) => (e.type === 'send' || e.type === 'recv' ? `${e.type} ${e.relSeq}/${e.relAck}` : ''));
  assert.deepEqual(segs, ['send 0/0', 'recv 0/1', 'send 1/1']);
  const timers = t.traces
    .filter((e) => e.type === 'timer')
    .map((e) => (e.type === 'timer' ? `${e.timer} ${e.action}` : ''));
  assert.deepEqual(timers, ['retransmit armed', 'retransmit cancelled']);
});

test('ESTABLISHED: a retransmitted SYN,ACK (our ACK was lost) is answered with an ACK', () => {
  const t = inState('ESTABLISHED');
  t.at(1000)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK' })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' });
  t.expectState('ESTABLISHED');
  assert.deepEqual(t.drops(), ['unacceptable']);
});

test('transition(): an edge outside LEGAL_TRANSITIONS is an internal error', async () => {
  const { Tcb } = await import('../../src/core/tcb.js');
  const { resolveConfig } = await import('../../src/core/config.js');
  const { NO_TRACE } = await import('../../src/trace/events.js');
  const tcb = new Tcb({
    localPort: 1,
    remotePort: 2,
    iss: 0,
    tsOffset: 0,
    cfg: resolveConfig(),
    shared: { trace: NO_TRACE, drops: undefined, challengeBudget: undefined, endpoint: '' },
    label: '',
  });
  assert.throws(
    () => tcb.transition('ESTABLISHED' as never, 'test'),
    (e: unknown) => e instanceof Error && !(e instanceof UsageError),
  );
  assert.equal(tcb.state, 'CLOSED');
});

test('deferAccept (TCP_DEFER_ACCEPT): a bare ACK waits for data; the SYN,ACK is resent only at the end of the period', () => {
  const t = inState('SYN-RECEIVED', { config: { deferAccept: 2 } });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing()
    .expectState('SYN-RECEIVED');
  assert.deepEqual(t.drops(), ['defer-accept']);
  // First timeout (RTO 1 s): still inside the period, nothing resent.
  t.at(1000).expectNothing().expectState('SYN-RECEIVED');
  // Second (2 s later): the last of the period, so the SYN,ACK goes again to draw an ACK.
  t.at(2999).expectNothing();
  t.at(3000).expectSend({ seq: L, ack: R + 1, ctl: 'SYN,ACK' });
  t.at(3100)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectState('ESTABLISHED')
    .expectEvents('connected');
});

test('deferAccept: data completes the handshake at once', () => {
  const t = inState('SYN-RECEIVED', { config: { deferAccept: 2 } });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing();
  t.at(1500)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 'hello' })
    .expectState('ESTABLISHED')
    .expectEvents('connected', 'readable')
    .expectRead('hello');
});

test('deferAccept: unanswered to the end, the connection goes quietly after synRetries', () => {
  const t = inState('SYN-RECEIVED', { config: { deferAccept: 2, synRetries: 3 } });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing();
  t.at(1000).expectNothing();
  t.at(3000).expectSend({ seq: L, ctl: 'SYN,ACK' });
  t.at(7000).expectSend({ seq: L, ctl: 'SYN,ACK' });
  t.at(14_999).expectNothing().expectState('SYN-RECEIVED');
  t.at(15_000).expectNothing().expectState('CLOSED');
});
