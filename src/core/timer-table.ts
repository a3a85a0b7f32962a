// One absolute deadline per TimerKind (quinn's connection/timer.rs shape). No tick counters: the
// table only answers "when is the next thing due" and "which kinds are due now".
// Storage is one field per kind on the table itself (undefined = not armed), rather than a Map or
// an object of its own: schedule() touches several kinds for every segment, a fixed-shape object is
// cheap to read, and every connection holds one table, so one object fewer is memory saved.
// The earliest deadline is cached: a change that can only bring it forward updates it, one that may
// push it back (the earliest kind cleared, taken or re-armed later) marks it for a rescan of the
// seven kinds at the next earliest(). So earliest() is O(1) after the usual changes, and take()
// answers "not due" from the cache without reading the kind.

import type { Instant } from './time.js';
import { TIMER_KINDS, type TimerInfo, type TimerKind } from './timers.js';

/** Called on every change, so the owner can trace it. */
export type TimerObserver = (kind: TimerKind, action: 'armed' | 'cancelled' | 'fired', deadline?: Instant) => void;

/** The deadline of each kind (undefined: not armed). Written only by TimerTable; read them with get(). */
type Deadlines = Record<TimerKind, Instant | undefined>;

export class TimerTable implements Deadlines {
  // One field per kind, named as the kind (this[kind] below).
  retransmit: Instant | undefined = undefined;
  persist: Instant | undefined = undefined;
  'delayed-ack': Instant | undefined = undefined;
  keepalive: Instant | undefined = undefined;
  'fin-wait-2': Instant | undefined = undefined;
  'time-wait': Instant | undefined = undefined;
  'user-timeout': Instant | undefined = undefined;
  /**
   * The earliest deadline armed (undefined: none); null when it may be earlier than the earliest
   * armed, so the next earliest() rescans (one field, not a value and a flag: one per connection).
   */
  #min: Instant | undefined | null = undefined;
  /** undefined: nobody traces (the hot path then makes no call per change). */
  readonly #observe: TimerObserver | undefined;

  constructor(observe?: TimerObserver) {
    this.#observe = observe;
  }

  /** Arms (or re-arms) `kind` for `deadline`. Re-arming at the same instant is not traced again. */
  set(kind: TimerKind, deadline: Instant): void {
    const old = this[kind];
    if (old === deadline) return;
    this[kind] = deadline;
    const min = this.#min;
    if (min !== null) {
      if (min === undefined || deadline < min) this.#min = deadline;
      else if (old === min) this.#min = null;
    }
    this.#observe?.(kind, 'armed', deadline);
  }

  /** Arms `kind` only when it is not armed already. */
  ensure(kind: TimerKind, deadline: Instant): void {
    if (this[kind] === undefined) this.set(kind, deadline);
  }

  clear(kind: TimerKind): void {
    const d = this[kind];
    if (d === undefined) return;
    this[kind] = undefined;
    if (d === this.#min) this.#min = null;
    this.#observe?.(kind, 'cancelled', d);
  }

  clearAll(except?: TimerKind): void {
    for (const kind of TIMER_KINDS) if (kind !== except) this.clear(kind);
  }

  get(kind: TimerKind): Instant | undefined {
    return this[kind];
  }

  isArmed(kind: TimerKind): boolean {
    return this[kind] !== undefined;
  }

  /** Removes `kind` if it is due at `now`; returns whether it was (and traces 'fired'). */
  take(kind: TimerKind, now: Instant): boolean {
    const min = this.#min;
    if (min !== null && (min === undefined || min > now)) return false; // nothing is due
    const d = this[kind];
    if (d === undefined || d > now) return false;
    this[kind] = undefined;
    if (d === min) this.#min = null;
    this.#observe?.(kind, 'fired', d);
    return true;
  }

  earliest(): Instant | undefined {
    const min = this.#min;
    if (min !== null) return min;
    let best: Instant | undefined;
    for (const kind of TIMER_KINDS) {
      const d = this[kind];
      if (d !== undefined && (best === undefined || d < best)) best = d;
    }
    this.#min = best;
    return best;
  }

  /** Armed timers, earliest first (ties in TIMER_KINDS order). */
  list(): TimerInfo[] {
    const out: TimerInfo[] = [];
    for (const kind of TIMER_KINDS) {
      const deadline = this[kind];
      if (deadline !== undefined) out.push({ kind, deadline });
    }
    return out.sort((a, b) => a.deadline - b.deadline);
  }
}
