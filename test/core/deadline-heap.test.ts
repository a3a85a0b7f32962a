// The endpoint's deadline heap (deadline-heap.ts): one deadline per entry, lazy invalidation,
// ordered by deadline then id, rebuilt when stale items pile up; items armed in order go to its
// run (a FIFO), the others to its binary heap, and the two are merged when served.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeadlineHeap, type Scheduled } from '../../src/core/deadline-heap.js';
import type { Instant } from '../../src/core/time.js';

interface Item extends Scheduled {
  name: string;
}

function setup(): { entries: Map<number, Item>; heap: DeadlineHeap<Item>; add(id: number): Item } {
  const entries = new Map<number, Item>();
  const heap = new DeadlineHeap<Item>(entries);
  return {
    entries,
    heap,
    add(id) {
      const e: Item = { id, deadline: undefined, name: `e${id}` };
      entries.set(id, e);
      return e;
    },
  };
}

const names = (due: Item[]): string[] => due.map((e) => e.name);

describe('DeadlineHeap', () => {
  test('empty: no deadline, nothing due', () => {
    const { heap } = setup();
    assert.equal(heap.next(), undefined);
    assert.deepEqual(heap.takeDue(1_000_000), []);
    assert.equal(heap.size, 0);
  });

  test('next() is the earliest deadline; takeDue serves by deadline, then by id, and clears each', () => {
    const { heap, add } = setup();
    const e3 = add(3);
    const e1 = add(1);
    const e2 = add(2);
    const e4 = add(4);
    heap.schedule(e3, 50);
    heap.schedule(e1, 70);
    heap.schedule(e2, 50);
    heap.schedule(e4, 10);
    assert.equal(heap.next(), 10);
    assert.deepEqual(names(heap.takeDue(9)), []);
    assert.deepEqual(names(heap.takeDue(50)), ['e4', 'e2', 'e3']);
    assert.deepEqual(
      [e2, e3, e4].map((e) => e.deadline),
      [undefined, undefined, undefined],
    );
    assert.equal(e1.deadline, 70);
    assert.equal(heap.next(), 70);
    assert.deepEqual(names(heap.takeDue(1_000)), ['e1']);
    assert.equal(heap.next(), undefined);
    assert.equal(heap.size, 0);
  });

  test('a new deadline replaces the old one, later or earlier; the old item is never served', () => {
    const { heap, add } = setup();
    const a = add(1);
    const b = add(2);
    heap.schedule(a, 100);
    heap.schedule(b, 200);
    heap.schedule(a, 300); // later: the item at 100 goes stale
    assert.equal(heap.next(), 200);
    heap.schedule(b, 50); // earlier
    assert.equal(heap.next(), 50);
    assert.deepEqual(names(heap.takeDue(250)), ['e2']);
    assert.equal(heap.next(), 300);
    assert.deepEqual(names(heap.takeDue(300)), ['e1']);
    assert.deepEqual(names(heap.takeDue(10_000)), []);
  });

  test('scheduling the same deadline again pushes nothing; undefined clears it', () => {
    const { heap, add } = setup();
    const a = add(1);
    heap.schedule(a, 100);
    heap.schedule(a, 100);
    assert.equal(heap.size, 1);
    heap.schedule(a, undefined);
    assert.equal(a.deadline, undefined);
    assert.equal(heap.next(), undefined);
    assert.deepEqual(names(heap.takeDue(100)), []);
  });

  test('an entry gone from the map, or replaced by another with its id, makes its items stale', () => {
    const { entries, heap, add } = setup();
    const a = add(1);
    const b = add(2);
    heap.schedule(a, 10);
    heap.schedule(b, 20);
    entries.delete(1);
    assert.equal(heap.next(), 20);
    // A new object under id 2 (as when a connection's object is swapped for its TIME-WAIT record)
    // does not inherit the old object's item: it holds no deadline until it is scheduled.
    const b2: Item = { id: 2, deadline: undefined, name: 'e2-record' };
    entries.set(2, b2);
    assert.equal(heap.next(), undefined);
    heap.schedule(b2, 20);
    assert.deepEqual(names(heap.takeDue(20)), ['e2-record']);
  });

  test('a deadline set again while it is being served (takeDue cleared it) is a new item', () => {
    const { heap, add } = setup();
    const a = add(1);
    heap.schedule(a, 10);
    const due = heap.takeDue(10);
    assert.deepEqual(names(due), ['e1']);
    heap.schedule(a, 10); // reports the same instant again: served by the next call, not this one
    assert.equal(heap.next(), 10);
    assert.deepEqual(names(heap.takeDue(10)), ['e1']);
  });

  test('stale items never make the heap larger than 2n + 64 (it is rebuilt)', () => {
    const { heap, add } = setup();
    const items = [add(1), add(2), add(3)];
    for (let i = 0; i < 10_000; i++) {
      heap.schedule(items[i % 3] as Item, 1_000 + i);
      assert.ok(heap.size <= 2 * 3 + 64, `size ${heap.size} after ${i + 1} changes`);
    }
    // After the rebuilds every entry is still served once, at its last deadline, in order.
    const last = items.map((e) => e.deadline);
    assert.deepEqual(last, [10_999, 10_997, 10_998]);
    assert.equal(heap.next(), 10_997);
    assert.deepEqual(names(heap.takeDue(20_000)), ['e2', 'e3', 'e1']);
  });

  test('against a plain model: random schedules, removals and takes (seeded)', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const { entries, heap, add } = setup();
    let nextId = 1;
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      const op = rand(10);
      const ids = [...entries.keys()];
      if (op < 6) {
        // The bound holds after every schedule (a removal leaves stale items until the next one).
        const e = op < 3 || ids.length === 0 ? add(nextId++) : (entries.get(ids[rand(ids.length)] as number) as Item);
        heap.schedule(e, rand(4) === 0 ? undefined : now + rand(500));
        assert.ok(heap.size <= 2 * entries.size + 64, `step ${step}: size ${heap.size} for ${entries.size} entries`);
      } else if (op < 7 && ids.length > 0) {
        const id = ids[rand(ids.length)] as number;
        const e = entries.get(id) as Item;
        entries.delete(id);
        e.deadline = undefined;
      } else if (op < 9) {
        const expected = [...entries.values()]
          .filter((e) => e.deadline !== undefined)
          .reduce<Instant | undefined>(
            (m, e) => (m === undefined || (e.deadline as number) < m ? e.deadline : m),
            undefined,
          );
        assert.equal(heap.next(), expected, `step ${step}`);
      } else {
        now += rand(200);
        const expected = [...entries.values()]
          .filter((e) => e.deadline !== undefined && e.deadline <= now)
          .sort((x, y) => (x.deadline as number) - (y.deadline as number) || x.id - y.id)
          .map((e) => e.name);
        assert.deepEqual(names(heap.takeDue(now)), expected, `step ${step}`);
      }
    }
  });

  test('a batch at one instant (the run): served by id, re-armed in order, served again; size stays n', () => {
    const { heap, add } = setup();
    const n = 5_000;
    const items: Item[] = [];
    for (let id = 1; id <= n; id++) items.push(add(id));
    // Made in the same instant, armed together (as keepalive connections are).
    for (const e of items) heap.schedule(e, 7_200_000);
    let t = 7_200_000;
    for (let round = 0; round < 11; round++) {
      assert.equal(heap.next(), t);
      assert.deepEqual(heap.takeDue(t - 1), []);
      const due = heap.takeDue(t);
      assert.equal(due.length, n);
      assert.ok(
        due.every((e, i) => e.id === i + 1),
        `round ${round}: served by id`,
      );
      for (const e of due) heap.schedule(e, t + 75_000);
      assert.equal(heap.size, n);
      t += 75_000;
    }
    // One entry re-armed earlier than the rest (it goes to the heap): it comes first; one re-armed
    // later moves behind the others of its new instant.
    heap.schedule(items[2499] as Item, t - 10);
    heap.schedule(items[0] as Item, t + 1);
    assert.equal(heap.next(), t - 10);
    assert.deepEqual(names(heap.takeDue(t - 10)), ['e2500']);
    const due = heap.takeDue(t + 1);
    assert.equal(due.length, n - 1);
    assert.equal(due[0]?.name, 'e2');
    assert.equal(due.at(-1)?.name, 'e1');
    assert.equal(heap.next(), undefined);
    assert.equal(heap.size, 0);
  });

  test('against a plain model with deadlines mostly in order (run and heap mixed, seeded)', () => {
    let seed = 987;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const { entries, heap, add } = setup();
    for (let id = 1; id <= 300; id++) add(id);
    let now = 0;
    for (let step = 0; step < 40_000; step++) {
      const op = rand(20);
      if (op < 14) {
        const e = entries.get(1 + rand(300)) as Item;
        // Mostly now + a fixed timeout (in order), sometimes shorter or longer, sometimes none.
        const r = rand(10);
        const d = r === 0 ? undefined : r === 1 ? now + rand(1_000) : r === 2 ? now + 200 : now + 1_000 + rand(3);
        heap.schedule(e, d);
        assert.ok(heap.size <= 2 * entries.size + 64, `step ${step}: size ${heap.size}`);
      } else if (op < 17) {
        const expected = [...entries.values()]
          .filter((e) => e.deadline !== undefined)
          .reduce<Instant | undefined>(
            (m, e) => (m === undefined || (e.deadline as number) < m ? e.deadline : m),
            undefined,
          );
        assert.equal(heap.next(), expected, `step ${step}`);
      } else {
        now += rand(150);
        const expected = [...entries.values()]
          .filter((e) => e.deadline !== undefined && e.deadline <= now)
          .sort((x, y) => (x.deadline as number) - (y.deadline as number) || x.id - y.id)
          .map((e) => e.name);
        assert.deepEqual(names(heap.takeDue(now)), expected, `step ${step}`);
      }
    }
  });

  test('takeDue(now, due) appends to the array given and returns it', () => {
    const { heap, add } = setup();
    const a = add(1);
    const b = add(2);
    heap.schedule(b, 10);
    heap.schedule(a, 20);
    const due: Item[] = [{ id: 99, deadline: undefined, name: 'before' }];
    assert.equal(heap.takeDue(20, due), due);
    assert.deepEqual(names(due), ['before', 'e2', 'e1']);
    assert.deepEqual(heap.takeDue(30, due), due);
    assert.equal(due.length, 3);
  });
});
