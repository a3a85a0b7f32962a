import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR } from '../../src/core/time.js';
import { VirtualClock } from '../../src/sim/clock.js';

test('step() jumps to the next due call and runs it', () => {
  const c = new VirtualClock();
  const seen: number[] = [];
  c.schedule(30, () => seen.push(c.now()));
  c.schedule(10, () => seen.push(c.now()));
  assert.equal(c.nextTime(), 10);
  assert.equal(c.step(), true);
  assert.equal(c.now(), 10);
  assert.equal(c.step(), true);
  assert.equal(c.step(), false);
  assert.deepEqual(seen, [10, 30]);
  assert.equal(c.steps, 2);
});

test('a call scheduled in the past runs at the current time, after those already due', () => {
  const c = new VirtualClock(100);
  const seen: string[] = [];
  c.schedule(100, () => seen.push('due'));
  c.schedule(50, () => seen.push(`late@${c.now()}`));
  c.step();
  c.step();
  assert.deepEqual(seen, ['due', 'late@100']);
});

test('two hours pass in one step', () => {
  const c = new VirtualClock();
  let fired = false;
  c.schedule(2 * HOUR, () => {
    fired = true;
  });
  c.step();
  assert.equal(fired, true);
  assert.equal(c.now(), 2 * HOUR);
  assert.equal(c.steps, 1);
});

test('cancel removes a call; advanceTo refuses to skip a due call', () => {
  const c = new VirtualClock();
  const cancel = c.schedule(5, () => assert.fail('cancelled call ran'));
  assert.equal(c.pending, 1);
  cancel();
  assert.equal(c.pending, 0);
  assert.equal(c.step(), false);
  c.advanceTo(20);
  assert.equal(c.now(), 20);
  c.advanceTo(10); // never backwards
  assert.equal(c.now(), 20);
  c.schedule(25, () => {});
  assert.throws(() => c.advanceTo(30), RangeError);
});
