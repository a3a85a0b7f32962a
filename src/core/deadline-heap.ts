// The endpoint's timers: one deadline per entry (a live connection or a TIME-WAIT record), the one it
// reported last, kept as (deadline, id) items with lazy invalidation in two ordered structures:
//
//   run    a FIFO of items in ascending order: an item no earlier than the run's last one is
//          appended, and the run is consumed from its head. O(1) both ways.
//   heap   a binary min-heap for every other item. O(log h).
//
// The earliest item is the smaller of the run's head and the heap's top. Timers are mostly armed
// at now + a duration, so deadlines mostly arrive in order and most items go to the run: when
// many entries share a deadline (every keepalive connection made in the same instant, probed and
// re-armed together), each is served and re-armed in O(1), where a heap alone costs O(log n) for
// every one of them.
//
// A change adds a new item and leaves the old one in place; an item is stale when its entry is gone
// from the entry map or no longer has that deadline, and is discarded when it reaches the front.
// next() is O(1) plus the stale items it discards; schedule() is O(1) into the run, O(log h) into
// the heap. When stale items make the two hold more than twice the number of entries (plus a
// slack of 64), they are rebuilt from the entries in O(n log n), so h stays O(n) and the cost
// amortises to O(log n) per change. takeDue(now) takes the k due items: O(k log h) at most.
//
// Items are ordered by deadline, then by id, so entries due at the same instant are served in the
// order they were made (ids only grow). Each structure is two parallel number arrays: no object
// per item.

import type { Instant } from './time.js';

/** What the heap schedules: an entry with a stable id and the one deadline it holds (or none). */
export interface Scheduled {
  readonly id: number;
  /** Written only by the heap (schedule, takeDue) and by whoever takes the entry out of the map. */
  deadline: Instant | undefined;
}

/** Stale items allowed beyond twice the number of entries before the heap is rebuilt. */
const REBUILD_SLACK = 64;

/** Consumed run items kept before the run's arrays are shifted down (amortised O(1)). */
const RUN_COMPACT = 1024;

export class DeadlineHeap<E extends Scheduled> {
  readonly #entries: ReadonlyMap<number, E>;
  readonly #at: number[] = [];
  readonly #id: number[] = [];
  // The run is runAt/runId[head, tail). The arrays keep their length when items are consumed, so
  // a run that empties and fills again (a batch re-armed) writes in place and allocates nothing.
  readonly #runAt: number[] = [];
  readonly #runId: number[] = [];
  #head = 0;
  #tail = 0;

  /** `entries` is the owner's map from id to entry: an id missing from it makes its items stale. */
  constructor(entries: ReadonlyMap<number, E>) {
    this.#entries = entries;
  }

  /** Items held, stale ones included (for tests: it stays O(entries)). */
  get size(): number {
    return this.#at.length + this.#tail - this.#head;
  }

  /** Sets `e`'s deadline (undefined: none). O(1) or O(log h); nothing when it is unchanged. */
  schedule(e: E, deadline: Instant | undefined): void {
    if (e.deadline === deadline) return;
    e.deadline = deadline;
    if (deadline === undefined) return;
    this.#insert(deadline, e.id);
    if (this.size > 2 * this.#entries.size + REBUILD_SLACK) this.#rebuild();
  }

  /** The earliest deadline of any entry, discarding the stale items above it. */
  next(): Instant | undefined {
    for (;;) {
      const fromRun = this.#runFirst();
      if (fromRun === undefined) return undefined;
      const i = this.#head;
      const at = fromRun ? (this.#runAt[i] as number) : (this.#at[0] as number);
      const id = fromRun ? (this.#runId[i] as number) : (this.#id[0] as number);
      const e = this.#entries.get(id);
      if (e !== undefined && e.deadline === at) return at;
      this.#remove(fromRun);
    }
  }

  /**
   * Every entry whose deadline is <= now, earliest first, each with its deadline cleared (it has
   * none until it is scheduled again), appended to `due` (a new array by default), which is
   * returned. Stale items on the way are discarded.
   */
  takeDue(now: Instant, due: E[] = []): E[] {
    for (;;) {
      const fromRun = this.#runFirst();
      if (fromRun === undefined) break;
      const i = this.#head;
      const at = fromRun ? (this.#runAt[i] as number) : (this.#at[0] as number);
      if (at > now) break;
      const id = fromRun ? (this.#runId[i] as number) : (this.#id[0] as number);
      this.#remove(fromRun);
      const e = this.#entries.get(id);
      if (e === undefined || e.deadline !== at) continue; // stale item
      e.deadline = undefined;
      due.push(e);
    }
    return due;
  }

  /** Where the earliest item is: true the run, false the heap, undefined nowhere. */
  #runFirst(): boolean | undefined {
    const h = this.#head;
    const inRun = h < this.#tail;
    if (this.#at.length === 0) return inRun ? true : undefined;
    if (!inRun) return false;
    return !less(this.#at[0] as number, this.#id[0] as number, this.#runAt[h] as number, this.#runId[h] as number);
  }

  #remove(fromRun: boolean): void {
    if (!fromRun) {
      this.#pop();
      return;
    }
    const h = ++this.#head;
    const t = this.#tail;
    if (h === t) {
      this.#head = 0;
      this.#tail = 0;
    } else if (h >= RUN_COMPACT && 2 * h >= t) {
      this.#runAt.copyWithin(0, h, t);
      this.#runId.copyWithin(0, h, t);
      this.#head = 0;
      this.#tail = t - h;
    }
  }

  #insert(at: number, id: number): void {
    const ra = this.#runAt;
    const ri = this.#runId;
    const t = this.#tail;
    if (t !== this.#head && less(at, id, ra[t - 1] as number, ri[t - 1] as number)) {
      this.#push(at, id);
      return;
    }
    if (t < ra.length) {
      ra[t] = at;
      ri[t] = id;
    } else {
      ra.push(at);
      ri.push(id);
    }
    this.#tail = t + 1;
  }

  #rebuild(): void {
    this.#at.length = 0;
    this.#id.length = 0;
    this.#head = 0;
    this.#tail = 0;
    for (const e of this.#entries.values()) if (e.deadline !== undefined) this.#insert(e.deadline, e.id);
  }

  #push(at: number, id: number): void {
    const a = this.#at;
    const d = this.#id;
    let i = a.length;
    a.push(at);
    d.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(at, id, a[p] as number, d[p] as number)) break;
      a[i] = a[p] as number;
      d[i] = d[p] as number;
      i = p;
    }
    a[i] = at;
    d[i] = id;
  }

  #pop(): void {
    const a = this.#at;
    const d = this.#id;
    const lastAt = a.pop();
    const lastId = d.pop();
    if (lastAt === undefined || lastId === undefined || a.length === 0) return;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && less(a[r] as number, d[r] as number, a[l] as number, d[l] as number)) c = r;
      if (!less(a[c] as number, d[c] as number, lastAt, lastId)) break;
      a[i] = a[c] as number;
      d[i] = d[c] as number;
      i = c;
    }
    a[i] = lastAt;
    d[i] = lastId;
  }
}

function less(at1: number, id1: number, at2: number, id2: number): boolean {
  return at1 < at2 || (at1 === at2 && id1 < id2);
}
