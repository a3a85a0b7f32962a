// The connection's timer table (timer-table.ts): one deadline per kind, the earliest cached. The
// cache is checked against a plain scan after every change of a seeded random sequence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimerTable } from '../../src/core/timer-table.js';
import { TIMER_KINDS, type TimerKind } from '../../src/core/timers.js';

test('earliest() and take() agree with a plain table after every change (seeded)', () => {
  let seed = 777;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const fired: string[] = [];
  const table = new TimerTable((kind, action, deadline) => fired.push(`${kind} ${action} ${deadline}`));
  const model = new Map<TimerKind, number>();
  const earliest = (): number | undefined => {
    let best: number | undefined;
    for (const d of model.values()) if (best === undefined || d < best) best = d;
    return best;
  };
  let now = 0;
  for (let step = 0; step < 50_000; step++) {
    const kind = TIMER_KINDS[rand(TIMER_KINDS.length)] as TimerKind;
    const op = rand(12);
    // Deadlines close together, so kinds often share one (ties, re-arming at the earliest).
    const at = now + rand(20);
    fired.length = 0;
    if (op < 4) {
      const changed = model.get(kind) !== at;
      table.set(kind, at);
      model.set(kind, at);
      assert.deepEqual(fired, changed ? [`${kind} armed ${at}`] : [], `step ${step}`);
    } else if (op < 6) {
      const was = model.get(kind);
      table.ensure(kind, at);
      if (was === undefined) model.set(kind, at);
    } else if (op < 8) {
      table.clear(kind);
      model.delete(kind);
    } else if (op < 9) {
      const keep = rand(2) === 0 ? kind : undefined;
      table.clearAll(keep);
      for (const k of [...model.keys()]) if (k !== keep) model.delete(k);
    } else if (op < 11) {
      const d = model.get(kind);
      const due = d !== undefined && d <= now;
      assert.equal(table.take(kind, now), due, `step ${step}: take ${kind} at ${now}`);
      if (due) {
        model.delete(kind);
        assert.deepEqual(fired, [`${kind} fired ${d}`]);
      }
    } else {
      now += rand(10);
    }
    assert.equal(table.earliest(), earliest(), `step ${step}: earliest`);
    for (const k of TIMER_KINDS) assert.equal(table.get(k), model.get(k), `step ${step}: ${k}`);
  }
});

test('take() serves a kind due at now, and only that kind; the earliest moves on', () => {
  const t = new TimerTable();
  t.set('keepalive', 100);
  t.set('retransmit', 50);
  t.set('delayed-ack', 50);
  assert.equal(t.earliest(), 50);
  assert.equal(t.take('keepalive', 99), false);
  assert.equal(t.take('retransmit', 49), false);
  assert.equal(t.take('retransmit', 50), true);
  assert.equal(t.earliest(), 50); // delayed-ack shares it
  assert.equal(t.take('retransmit', 50), false);
  assert.equal(t.take('delayed-ack', 60), true);
  assert.equal(t.earliest(), 100);
  t.set('keepalive', 200); // the earliest kind re-armed later
  assert.equal(t.earliest(), 200);
  t.set('persist', 150); // another kind, earlier
  assert.equal(t.earliest(), 150);
  t.clear('persist');
  assert.equal(t.earliest(), 200);
  t.clearAll();
  assert.equal(t.earliest(), undefined);
  assert.equal(t.take('keepalive', 1_000), false);
});
