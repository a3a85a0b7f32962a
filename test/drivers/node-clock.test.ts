import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeClock } from '../../src/drivers/node-clock.js';

/** A hand-driven stand-in for performance.now + setTimeout: time moves only when the test says. */
function fakeHost(start = 1000.25) {
  let t = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const log: string[] = [];
  const host = {
    now: () => t,
    setTimeout: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.set(id, { at: t + ms, fn });
      log.push(`set ${ms}`);
      return { id, unref: () => log.push('unref') };
    },
    clearTimeout: (h: unknown) => {
      timers.delete((h as { id: number }).id);
      log.push('clear');
    },
  };
  /** Moves time to `to`, firing due host timers in order (the way the event loop would). */
  const advance = (to: number) => {
    for (;;) {
      const due = [...timers.entries()].filter(([, v]) => v.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      t = Math.max(t, due[1].at);
      timers.delete(due[0]);
      due[1].fn();
    }
    t = to;
  };
  return { host, advance, timers, log };
}

test('now() counts whole ms from construction and never goes back', () => {
  let t = 500.9;
  const c = new NodeClock({ now: () => t, setTimeout: () => 0, clearTimeout: () => {} });
  assert.equal(c.now(), 0);
  t = 503.8;
  assert.equal(c.now(), 2);
  t = 501; // a source that steps back
  assert.equal(c.now(), 2);
});

test('one host timer, armed for the earliest call and re-armed as calls come and go', () => {
  const { host, advance, timers, log } = fakeHost();
  const c = new NodeClock(host);
  const ran: string[] = [];
  c.schedule(100, () => ran.push(`a@${c.now()}`));
  const cancelB = c.schedule(40, () => ran.push(`b@${c.now()}`));
  c.schedule(100, () => ran.push(`c@${c.now()}`));
  assert.equal(timers.size, 1);
  assert.deepEqual(log, ['set 100', 'clear', 'set 40']);
  cancelB();
  assert.equal(timers.size, 1);
  assert.deepEqual(log.slice(3), ['clear', 'set 100']);
  advance(1000.25 + 99);
  assert.deepEqual(ran, []);
  advance(1000.25 + 100);
  assert.deepEqual(ran, ['a@100', 'c@100']);
  assert.equal(timers.size, 0);
  assert.equal(c.pending, 0);
});

test('a call scheduled from a running call is served; due calls run in (time, order) order', () => {
  const { host, advance } = fakeHost(0);
  const c = new NodeClock(host);
  const ran: string[] = [];
  c.schedule(10, () => {
    ran.push('first');
    c.schedule(5, () => ran.push('past-due'));
    c.schedule(30, () => ran.push('later'));
  });
  advance(10);
  assert.deepEqual(ran, ['first', 'past-due']);
  advance(30);
  assert.deepEqual(ran, ['first', 'past-due', 'later']);
});

test('an early timer firing runs nothing and re-arms; long waits are capped at 2^31 - 1 ms', () => {
  const { host, log, timers } = fakeHost(0);
  const c = new NodeClock(host);
  let ran = false;
  c.schedule(3_000_000_000, () => {
    ran = true;
  });
  assert.deepEqual(log, ['set 2147483647']);
  const [entry] = [...timers.entries()];
  assert.ok(entry);
  timers.delete(entry[0]);
  entry[1].fn(); // the host fires it after the capped delay: the deadline is still ahead
  assert.equal(ran, false);
  assert.equal(timers.size, 1);
  assert.equal(log[1], 'set 2147483647');
});

test('unref is called on the host timer when asked', () => {
  const { host, log } = fakeHost();
  const c = new NodeClock({ ...host, unref: true });
  c.schedule(5, () => {});
  assert.deepEqual(log, ['set 5', 'unref']);
  c.close();
  assert.deepEqual(log, ['set 5', 'unref', 'clear']);
});
