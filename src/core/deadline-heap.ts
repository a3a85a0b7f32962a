// The endpoint's timers: one deadline per entry (a live connection or a TIME-WAIT record), the one it
// reported last, kept in a binary min-heap of (deadline, id) with lazy invalidation.
//
// A change pushes a new item and leaves the old one in place; an item is stale when its entry is
// gone from the entry map or no longer has that deadline, and is discarded when it reaches the top.
// next() is O(1) plus the stale items it discards, O(log h) each; schedule() is O(log h). When
// stale items make the heap more than twice the number of entries (plus a slack of 64), it is
// rebuilt from the entries in O(n), so h stays O(n) and the cost amortises to O(log n) per change.
// takeDue(now) pops the k due items: O(k log h).
//
// Items are ordered by deadline, then by id, so entries due at the same instant are served in the
// order they were made (ids only grow). The heap is two parallel number arrays: no object per item.

import type { Instant } from './time.js';

/** What the heap schedules: an entry with a stable id and the one deadline it holds (or none). */
export interface Scheduled {
  readonly id: number;
  /** Written only by the heap (schedule, takeDue) and by whoever takes the entry out of the map. */
  deadline: Instant | undefined;
}

/** Stale items allowed beyond twice the number of entries before the heap is rebuilt. */
const REBUILD_SLACK = 64;

export class DeadlineHeap<E extends Scheduled> {
  readonly #entries: ReadonlyMap<number, E>;
  readonly #at: number[] = [];
  readonly #id: number[] = [];

  /** `entries` is the owner's map from id to entry: an id missing from it makes its items stale. */
  constructor(entries: ReadonlyMap<number, E>) {
    this.#entries = entries;
  }

  /** Items held, stale ones included (for tests: it stays O(entries)). */
  get size(): number {
    return this.#at.length;
  }

  /** Sets `e`'s deadline (undefined: none). O(log h); nothing when it is unchanged. */
  schedule(e: E, deadline: Instant | undefined): void {
    if (e.deadline === deadline) return;
    e.deadline = deadline;
    if (deadline === undefined) return;
    this.#push(deadline, e.id);
    if (this.#at.length > 2 * this.#entries.size + REBUILD_SLACK) this.#rebuild();
  }

  /** The earliest deadline of any entry, discarding the stale items above it. */
  next(): Instant | undefined {
    const at = this.#at;
    const ids = this.#id;
    while (at.length > 0) {
      const e = this.#entries.get(ids[0] as number);
      if (e !== undefined && e.deadline === at[0]) return at[0];
      this.#pop();
    }
    return undefined;
  }

  /**
   * Every entry whose deadline is <= now, earliest first, each with its deadline cleared (it has
   * none until it is scheduled again). Stale items on the way are discarded.
   */
  takeDue(now: Instant): E[] {
    const due: E[] = [];
    const a = this.#at;
    const ids = this.#id;
    while (a.length > 0 && (a[0] as number) <= now) {
      const at = a[0] as number;
      const e = this.#entries.get(ids[0] as number);
      this.#pop();
      if (e === undefined || e.deadline !== at) continue; // stale item
      e.deadline = undefined;
      due.push(e);
    }
    return due;
  }

  #rebuild(): void {
    this.#at.length = 0;
    this.#id.length = 0;
    for (const e of this.#entries.values()) if (e.deadline !== undefined) this.#push(e.deadline, e.id);
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
