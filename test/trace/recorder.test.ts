import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceEvent } from '../../src/trace/events.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { closeTrace } from './fixtures.js';

function recorded(): TraceRecorder {
  const rec = new TraceRecorder();
  const trace = closeTrace();
  for (const e of trace.slice(0, 10)) rec.sink(e);
  rec.mark('fin-wait-2');
  for (const e of trace.slice(10)) rec.sink(e);
  return rec;
}

test('TraceRecorder keeps every event in order; the sink works detached', () => {
  const rec = new TraceRecorder();
  const { sink } = rec;
  for (const e of closeTrace()) sink(e);
  assert.deepEqual(rec.events, closeTrace());
});

test('TraceRecorder: filters by endpoint, type, connection and mark', () => {
  const rec = recorded();
  assert.equal(rec.byEndpoint('server').length, 10);
  assert.deepEqual(
    rec.byType('state').map((e) => `${e.endpoint} ${e.to}`),
    [
      'client FIN-WAIT-1',
      'server CLOSE-WAIT',
      'server LAST-ACK',
      'client FIN-WAIT-2',
      'client TIME-WAIT',
      'server CLOSED',
      'client CLOSED',
    ],
  );
  assert.equal(rec.since('fin-wait-2')[0]?.t, 100);
  assert.equal(rec.since('fin-wait-2').length, 14);
  assert.deepEqual(
    rec.filter({ endpoint: 'client', type: ['send', 'drop'], since: 'fin-wait-2' }).map((e) => e.t),
    [120, 140],
  );
  assert.equal(rec.filter({ conn: 'nope' }).length, 0);
});

test('TraceRecorder: states() and enteredAt()', () => {
  const rec = recorded();
  assert.deepEqual(rec.states('client'), ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  assert.deepEqual(rec.states('server'), ['ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  assert.deepEqual(rec.states('client', { since: 'fin-wait-2' }), ['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  assert.equal(rec.enteredAt('client', 'TIME-WAIT'), 140);
  assert.equal(rec.enteredAt('client', 'CLOSED'), 60_140);
  assert.equal(rec.enteredAt('server', 'TIME-WAIT'), undefined);
});

test('TraceRecorder: mark() takes the given time, the clock, or the last event time', () => {
  let now = 42;
  const withClock = new TraceRecorder({ now: () => now });
  assert.deepEqual(withClock.mark('a'), { name: 'a', index: 0, t: 42 });
  now = 50;
  assert.equal(withClock.mark('b').t, 50);
  assert.equal(withClock.mark('c', 7).t, 7);
  const plain = recorded();
  assert.deepEqual(plain.getMark('fin-wait-2'), { name: 'fin-wait-2', index: 10, t: 90 });
  assert.throws(() => plain.since('nope'), RangeError);
  assert.equal(plain.hasMark('nope'), false);
});

test('TraceRecorder: forwards to another sink and clears', () => {
  const seen: TraceEvent[] = [];
  const rec = new TraceRecorder({ forward: (e) => seen.push(e) });
  for (const e of closeTrace()) rec.sink(e);
  assert.equal(seen.length, closeTrace().length);
  rec.mark('x');
  rec.clear();
  assert.equal(rec.events.length, 0);
  assert.equal(rec.hasMark('x'), false);
});
