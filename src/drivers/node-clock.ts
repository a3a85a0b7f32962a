// Real time for drivers outside the simulator: a Clock over one host timer. Scheduled calls wait in an
// EventQueue; a single timer is armed for the earliest of them and re-armed after every change, so a
// driver with many deadlines still holds one timer. The time source and the timer functions are
// injectable, which is how the tests drive it without real time passing.

import type { Instant } from '../core/time.js';
import { type Clock, EventQueue } from '../io/clock.js';

/** What the host's setTimeout returns; only `unref` is used, when present. */
export type TimerHandle = { unref?: () => unknown } | number | object;

export interface NodeClockOptions {
  /** Milliseconds from any origin (default performance.now). */
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => TimerHandle;
  clearTimeout?: (handle: TimerHandle) => void;
  /** Do not keep the Node process alive just for this clock's timer (default false). */
  unref?: boolean;
}

/** Node caps timer delays at 2^31 - 1 ms; longer waits are re-armed when the timer fires early. */
const MAX_DELAY = 0x7fff_ffff;

export class NodeClock implements Clock {
  #source: () => number;
  #origin: number;
  #last: Instant = 0;
  #setTimeout: (fn: () => void, ms: number) => TimerHandle;
  #clearTimeout: (handle: TimerHandle) => void;
  #unref: boolean;
  #queue = new EventQueue();
  #timer: TimerHandle | undefined;
  #timerAt: Instant | undefined;
  #running = false;

  constructor(opts: NodeClockOptions = {}) {
    this.#source = opts.now ?? (() => performance.now());
    this.#origin = this.#source();
    this.#setTimeout = opts.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.#clearTimeout = opts.clearTimeout ?? ((h) => clearTimeout(h as Parameters<typeof clearTimeout>[0]));
    this.#unref = opts.unref ?? false;
  }

  /** Whole milliseconds since the clock was made; never decreases even if the source does. */
  now(): Instant {
    const t = Math.floor(this.#source() - this.#origin);
    if (t > this.#last) this.#last = t;
    return this.#last;
  }

  schedule(at: Instant, fn: () => void): () => void {
    const cancel = this.#queue.push(at, fn);
    this.#arm();
    return () => {
      cancel();
      this.#arm();
    };
  }

  /** Scheduled calls still pending. */
  get pending(): number {
    return this.#queue.size;
  }

  /** Cancels the host timer; pending calls stay queued and run if something is scheduled again. */
  close(): void {
    this.#disarm();
  }

  #arm(): void {
    if (this.#running) return; // #fire re-arms once it has run what is due
    const due = this.#queue.peekTime();
    if (due === this.#timerAt) return;
    this.#disarm();
    if (due === undefined) return;
    const delay = Math.min(Math.max(due - this.now(), 0), MAX_DELAY);
    this.#timerAt = due;
    const handle = this.#setTimeout(() => this.#fire(), delay);
    if (this.#unref && typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref?.();
    this.#timer = handle;
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = undefined;
    this.#running = true;
    try {
      for (;;) {
        const due = this.#queue.peekTime();
        if (due === undefined || due > this.now()) break;
        this.#queue.pop()?.fn();
      }
    } finally {
      this.#running = false;
      this.#arm();
    }
  }
}
