// Virtual time for the simulator. Scheduled calls sit in an EventQueue (io/clock.ts), a min-heap
// ordered by (time, insertion counter), so a run never depends on heap internals. Time does not flow by
// itself: step() jumps straight to the next due call, which is why two hours of keepalive idle cost a
// handful of steps.

import type { Instant } from '../core/time.js';
import { type Clock, EventQueue } from '../io/clock.js';

/** A Clock whose time moves only when step() runs the next scheduled call. */
export class VirtualClock implements Clock {
  #now: Instant;
  #queue = new EventQueue();
  #steps = 0;

  constructor(start: Instant = 0) {
    this.#now = start;
  }

  now(): Instant {
    return this.#now;
  }

  /** Calls run so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Scheduled calls still pending. */
  get pending(): number {
    return this.#queue.size;
  }

  /** A time in the past or present is served at the current time, after what is already due then. */
  schedule(at: Instant, fn: () => void): () => void {
    return this.#queue.push(Math.max(at, this.#now), fn);
  }

  /** Like schedule() for a call that is never cancelled: fn(arg), no cancel function made. */
  post<T>(at: Instant, fn: (arg: T) => void, arg: T): void {
    this.#queue.post(Math.max(at, this.#now), fn, arg);
  }

  /** When the next call is due, or undefined when idle. */
  nextTime(): Instant | undefined {
    return this.#queue.peekTime();
  }

  /** Jumps to the next due call and runs it. False when nothing is scheduled. */
  step(): boolean {
    const at = this.#queue.peekTime();
    if (at === undefined) return false;
    this.#now = at;
    this.#steps++;
    return this.#queue.runNext();
  }

  /** Moves time forward without running anything (to `t`, if later than now and no call is due before). */
  advanceTo(t: Instant): void {
    const due = this.#queue.peekTime();
    if (due !== undefined && due < t) throw new RangeError(`advanceTo(${t}): a call is due at ${due}`);
    if (t > this.#now) this.#now = t;
  }
}
