import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventQueue } from '../../src/io/clock.js';

test('EventQueue pops by time, then by insertion order', () => {
  const q = new EventQueue();
  const log: string[] = [];
  q.push(5, () => log.push('a5'));
  q.push(1, () => log.push('b1'));
  q.push(5, () => log.push('c5'));
  q.push(3, () => log.push('d3'));
  q.push(1, () => log.push('e1'));
  assert.equal(q.size, 5);
  const times: number[] = [];
  for (let e = q.pop(); e; e = q.pop()) {
    times.push(e.at);
    e.fn();
  }
  assert.deepEqual(times, [1, 1, 3, 5, 5]);
  assert.deepEqual(log, ['b1', 'e1', 'd3', 'a5', 'c5']);
  assert.equal(q.size, 0);
  assert.equal(q.peekTime(), undefined);
});

test('EventQueue: a cancelled entry is never returned; cancelling twice is harmless', () => {
  const q = new EventQueue();
  const cancelA = q.push(1, () => {});
  q.push(2, () => {});
  cancelA();
  cancelA();
  assert.equal(q.size, 1);
  assert.equal(q.peekTime(), 2);
  assert.equal(q.pop()?.at, 2);
  assert.equal(q.pop(), undefined);
});

test('EventQueue.post: fn(arg) in the same (time, insertion) order as push; runNext runs one, false when empty', () => {
  const q = new EventQueue();
  const log: string[] = [];
  const note = (s: string): void => {
    log.push(s);
  };
  q.post(5, note, 'p5');
  const cancel = q.push(1, () => log.push('cancelled'));
  q.push(3, () => log.push('a3'));
  q.post(3, note, 'p3');
  q.post(1, note, 'p1');
  cancel();
  assert.equal(q.size, 4);
  assert.equal(q.peekTime(), 1);
  assert.equal(q.runNext(), true);
  assert.deepEqual(log, ['p1']);
  // pop() hands out a posted entry as a call without arguments.
  const e = q.pop();
  assert.equal(e?.at, 3);
  e?.fn();
  while (q.runNext()) {}
  assert.deepEqual(log, ['p1', 'a3', 'p3', 'p5']);
  assert.equal(q.size, 0);
  assert.equal(q.runNext(), false);
});

test('EventQueue runs entries in stable time order, skipping cancelled ones (property)', () => {
  const seed = 424242;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (items) => {
      const q = new EventQueue();
      const got: number[] = [];
      items.forEach(([at, cancel], i) => {
        const c = q.push(at, () => got.push(i));
        if (cancel) c();
      });
      const expected = items
        .map(([at, cancel], i) => ({ at, cancel, i }))
        .filter((x) => !x.cancel)
        .sort((x, y) => x.at - y.at || x.i - y.i)
        .map((x) => x.i);
      if (q.size !== expected.length) return false;
      for (let e = q.pop(); e; e = q.pop()) e.fn();
      return JSON.stringify(got) === JSON.stringify(expected);
    }),
    { seed },
  );
});
