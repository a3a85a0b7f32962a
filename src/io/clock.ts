// The one clock interface a driver loop needs. The simulator implements it in virtual time
// (sim/clock.ts); real drivers use drivers/node-clock.ts. The core never sees a Clock: it gets `now`
// values.
// Both keep their scheduled calls in the EventQueue below: a binary min-heap ordered by
// (time, insertion counter), so calls due at the same instant run in the order they were scheduled.

import type { Instant } from '../core/time.js';

export interface Clock {
  /** Current time in integer milliseconds since the clock's epoch. Never decreases. */
  now(): Instant;
  /**
   * Runs `fn` once at `at` (or as soon as possible if `at` is not in the future). Returns a function
   * that cancels the call; cancelling after it ran, or twice, does nothing.
   */
  schedule(at: Instant, fn: () => void): () => void;
}

interface Entry {
  at: Instant;
  order: number;
  fn: ((arg: unknown) => void) | undefined; // undefined once cancelled (lazy deletion)
  /** What fn is called with (post(); undefined for push()). */
  arg: unknown;
}

function before(x: Entry, y: Entry): boolean {
  return x.at < y.at || (x.at === y.at && x.order < y.order);
}

/** A binary min-heap of scheduled calls. Cancelled entries stay until they reach the top. */
export class EventQueue {
  #heap: Entry[] = [];
  #counter = 0;
  #live = 0;

  /** Scheduled calls not yet run or cancelled. */
  get size(): number {
    return this.#live;
  }

  push(at: Instant, fn: () => void): () => void {
    const entry = this.#insert(at, fn, undefined);
    return () => {
      if (entry.fn !== undefined) {
        entry.fn = undefined;
        this.#live--;
      }
    };
  }

  /**
   * Like push() for a call that is never cancelled: `fn(arg)` at `at`, with no cancel function and
   * no closure to make (the simulator's packet deliveries).
   */
  post<T>(at: Instant, fn: (arg: T) => void, arg: T): void {
    this.#insert(at, fn as (arg: unknown) => void, arg);
  }

  #insert(at: Instant, fn: (arg: unknown) => void, arg: unknown): Entry {
    const entry: Entry = { at, order: this.#counter++, fn, arg };
    this.#live++;
    const h = this.#heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Entry;
      if (!before(entry, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
    return entry;
  }

  /** Time of the earliest live entry, or undefined when nothing is scheduled. */
  peekTime(): Instant | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /** Removes and returns the earliest live entry. */
  pop(): { at: Instant; fn: () => void } | undefined {
    this.#dropCancelled();
    const top = this.#popTop();
    if (top === undefined || top.fn === undefined) return undefined;
    const fn = top.fn;
    const arg = top.arg;
    top.fn = undefined;
    top.arg = undefined;
    this.#live--;
    return { at: top.at, fn: arg === undefined ? (fn as () => void) : () => fn(arg) };
  }

  /**
   * Removes the earliest live entry and runs it; false when there is none. For a caller that read
   * its time with peekTime() first: no object is made per call.
   */
  runNext(): boolean {
    this.#dropCancelled();
    const top = this.#popTop();
    if (top === undefined || top.fn === undefined) return false;
    const fn = top.fn;
    const arg = top.arg;
    top.fn = undefined;
    top.arg = undefined;
    this.#live--;
    fn(arg);
    return true;
  }

  #dropCancelled(): void {
    while (this.#heap.length > 0 && (this.#heap[0] as Entry).fn === undefined) this.#popTop();
  }

  #popTop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    // Sift the last entry down from the root.
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as Entry, h[l] as Entry)) c = r;
      const child = h[c] as Entry;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
