// When to wake (src/core/schedule.ts): every deadline is derived there, and a timer served late —
// the driver woke long after the deadline (an event-loop stall, GC, a laptop resuming) — counts as
// one expiry, never as several, and the next deadline is measured from the late service.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ConnTest, inState, L, R, s } from '../harness/conn.js';

/** After a late service at `now`, nothing is left due: the next deadline lies ahead. */
function expectNothingDue(t: ConnTest): void {
  const d = t.conn.nextDeadline();
  assert.ok(d === undefined || d > t.now, `deadline ${d} is not after now ${t.now}`);
}

test('keepalive served 9 s late sends one probe, keeps the connection, and probes again an interval later', () => {
  // idle 5 s, interval 1 s, count 5: on time, probes at 5, 6, 7, 8, 9 s and the abort at 10 s.
  const t = inState('ESTABLISHED', {
    config: { keepalive: true, keepaliveIdle: 5000, keepaliveInterval: 1000, keepaliveCount: 5 },
  });
  t.expectTimer('keepalive', 5000);
  t.late(14_000)
    .expectSend({ seq: L, ack: R + 1, ctl: 'ACK', len: 0 })
    .expectNothing()
    .expectState('ESTABLISHED')
    .expectNoEvents();
  assert.equal(t.info().keepaliveProbes, 1);
  t.expectTimer('keepalive', 15_000);
  expectNothingDue(t);
  // The live peer answers the probe: the idle period starts again, the count goes back to 0.
  t.at(14_040)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing();
  assert.equal(t.info().keepaliveProbes, 0);
  t.expectTimer('keepalive', 19_040);
});

test('keepalive: a dead peer is still declared dead after count probes, each an interval after the last', () => {
  const t = inState('ESTABLISHED', {
    config: { keepalive: true, keepaliveIdle: 5000, keepaliveInterval: 1000, keepaliveCount: 3 },
  });
  t.late(9000).expectSend({ ctl: 'ACK', len: 0 }).expectNothing(); // probe 1, 4 s late
  t.late(20_000).expectSend({ ctl: 'ACK', len: 0 }).expectNothing(); // probe 2, 10 s late
  t.at(21_000).expectSend({ ctl: 'ACK', len: 0 }).expectNothing().expectState('ESTABLISHED'); // probe 3
  t.at(21_999).expectNothing().expectNoEvents();
  t.at(22_000).expectSend({ ctl: 'RST,ACK' }).expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
});

test('retransmit served late: one retransmission, one backoff, the next RTO from now', () => {
  const t = inState('ESTABLISHED', { config: { retries2: 15 } });
  t.send('x').expectSend({ seq: s(L, 1), len: 1 });
  t.expectTimer('retransmit', 1000);
  // 30 s late: on time there would have been four timeouts (1, 3, 7, 15 s) by now.
  t.late(31_000)
    .expectSend({ seq: s(L, 1), len: 1 })
    .expectNothing();
  assert.equal(t.info().backoffs, 1);
  assert.equal(t.info().retransmits, 1);
  t.expectTimer('retransmit', 31_000 + 2000);
  expectNothingDue(t);
});

test('persist served late: one zero-window probe, the next interval from now', () => {
  const t = inState('ESTABLISHED');
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), wnd: 0 })
    .expectNothing();
  t.send('abc').expectNothing();
  const first = t.conn.timers().find((x) => x.kind === 'persist')?.deadline;
  assert.equal(first, 10 + 1000);
  t.late(60_000)
    .expectSend({ seq: s(L, 1), len: 1 })
    .expectNothing();
  expectNothingDue(t);
});

test('delayed ACK served late: one ACK', () => {
  const t = inState('ESTABLISHED');
  t.at(5)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 'hi' })
    .expectNothing();
  t.expectTimer('delayed-ack', 205);
  t.late(5000)
    .expectSend({ ack: R + 3, ctl: 'ACK', len: 0 })
    .expectNothing();
  t.expectTimer('delayed-ack', undefined);
  expectNothingDue(t);
});

test('TIME-WAIT and FIN-WAIT-2 served late close once', () => {
  const tw = inState('TIME-WAIT', { config: { msl: 1000 } });
  tw.expectTimer('time-wait', 2000);
  tw.late(50_000).expectNothing().expectState('CLOSED').expectEvents('closed');
  assert.equal(tw.conn.nextDeadline(), undefined);

  const fw2 = inState('ESTABLISHED', { config: { finWait2Timeout: 3000 } });
  fw2.close().expectSend({ ctl: 'FIN,ACK' });
  fw2
    .at(10)
    .receive({ seq: R + 1, ack: s(L, 2) })
    .expectState('FIN-WAIT-2');
  fw2.clear();
  fw2.late(100_000).expectNothing().expectState('CLOSED').expectEvents('closed');
  assert.equal(fw2.conn.nextDeadline(), undefined);
});

test('the user timeout served late fails the connection once', () => {
  const t = inState('ESTABLISHED', { config: { userTimeout: 5000, retries2: 100 } });
  t.send('x').expectSend({ len: 1 });
  t.late(100_000);
  t.expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
  assert.equal(t.conn.nextDeadline(), undefined);
});

test('only core/schedule.ts arms or clears the timer table', () => {
  const core = fileURLToPath(new URL('../../src/core/', import.meta.url));
  const writers: string[] = [];
  for (const name of readdirSync(core).filter((n) => n.endsWith('.ts'))) {
    if (name === 'schedule.ts' || name === 'timer-table.ts') continue;
    const text = readFileSync(join(core, name), 'utf8');
    if (/\btimers\.(set|ensure|clear|clearAll)\(/.test(text)) writers.push(name);
  }
  assert.deepEqual(writers, []);
});

test('handleTimeout with nothing due changes nothing: no segment, event, timer, trace or state', () => {
  const cases: [string, ConnTest][] = [];
  for (const state of [
    'CLOSED',
    'LISTEN',
    'SYN-SENT',
    'ESTABLISHED',
    'CLOSE-WAIT',
    'FIN-WAIT-2',
    'TIME-WAIT',
  ] as const) {
    cases.push([state, inState(state, { config: { keepalive: true } })]);
  }
  const inFlight = inState('ESTABLISHED', { config: { userTimeout: 60_000 } });
  inFlight.send('abc').expectSend({ len: 3 });
  cases.push(['ESTABLISHED, data in flight', inFlight]);
  const delayed = inState('ESTABLISHED', { config: { quickAck: false } });
  delayed.receive({ seq: R + 1, ack: s(L, 1), payload: 'x' });
  delayed.clear();
  cases.push(['ESTABLISHED, an ACK delayed', delayed]);
  for (const [name, t] of cases) {
    const next = t.conn.nextDeadline();
    const timers = t.conn.timers();
    const info = t.conn.info();
    const traces = t.traces.length;
    const last = next === undefined ? t.now + 10_000_000 : next - 1;
    for (const at of [t.now, t.now + 1, last]) {
      if (at < t.now) continue;
      t.late(at).expectNothing().expectNoEvents();
    }
    assert.deepEqual(t.conn.timers(), timers, name);
    assert.deepEqual(t.conn.info(), info, name);
    assert.equal(t.traces.length, traces, `${name}: traced`);
    assert.equal(t.conn.nextDeadline(), next, name);
    // The call still counts as the latest time: going back is refused.
    assert.throws(() => t.conn.handleTimeout(last - 1), { code: 'ERR_TCP_TIME_BACKWARDS' }, name);
  }
});

test('setNoDelay(true) between calls: the byte Nagle held goes at the next handleTimeout, due or not', () => {
  const t = inState('ESTABLISHED');
  t.send('a').expectSend({ seq: s(L, 1), len: 1 });
  t.send('b').expectNothing(); // Nagle: a small segment is unacknowledged
  const due = t.conn.nextDeadline();
  assert.ok(due !== undefined && due > t.now + 10);
  t.conn.setNoDelay(true);
  t.at(t.now + 10).expectNothing();
  t.tick().expectSend({ seq: s(L, 2), len: 1, payload: 'b' });
});
