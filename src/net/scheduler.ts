// Runs a simulated network's virtual clock on Node's event loop, so that stream callbacks (which
// Node defers with process.nextTick, queueMicrotask and setImmediate) interleave with the network
// the way they interleave with a kernel's sockets.
//
// Like a kernel under epoll, the network and the application take turns: a turn of the driver (one
// setImmediate callback) either runs every step of the network due at the current instant — packet
// deliveries and timers, processed by the endpoints without running any application code; sockets
// only note that they have something to report — and then the first such report, or runs one
// report (notify()); after a report Node runs the nextTicks and promises it queued, as after each
// libuv callback. So a data segment and a FIN that arrive at the same instant are both in the
// "kernel" before the application reads either, as on a real host.
//
// Virtual mode (default): when nothing is due now and no report is pending, time jumps to the next
// step, but only after one more full turn of the event loop found nothing to do: whatever the
// application queued with setImmediate, or I/O that completed meanwhile, runs first. A two-hour
// keepalive idle thus costs a few loop turns, not two hours.
//
// Real mode: virtual time follows the wall clock (performance.now): due steps run in setImmediate
// callbacks, future ones wait for one setTimeout armed at the earliest deadline.
//
// One driver per VirtualClock (that is, per SimNetwork): every host of a network shares its clock.
//
// Hosts on a real clock (a TUN driver on a NodeClock) need no stepping: their DriverLoop arms its own
// timer and packets arrive as I/O callbacks. ClockDriver below only keeps the other half of the
// contract: reports to the application run one per turn of the event loop (setImmediate).

import { UsageError } from '../base/errors.js';
import type { Duration, Instant } from '../core/time.js';
import type { Clock } from '../io/clock.js';
import type { VirtualClock } from '../sim/clock.js';

export type TimeMode = 'virtual' | 'real';

/** Steps run in one setImmediate callback at most. */
const BATCH = 4096;

/** What sockets and servers need of the thing that runs their host in time. */
export interface NetDriver {
  readonly mode: TimeMode;
  /** Before a user call: bring the host's time up to date. */
  sync(): void;
  /** After a user call: run what it scheduled. */
  kick(): void;
  /**
   * Queues a report to the application (a socket's events): fn(arg) runs in a turn of its own. The
   * argument spares a caller a closure per report.
   */
  notify<A>(fn: (arg: A) => void, arg: A): void;
  notify(fn: () => void): void;
  /** Calls fn after `ms` of the host's time. Returns a cancel function. */
  after(ms: Duration, fn: () => void): () => void;
  /** Stops driving (pending reports wait for the next notify()). */
  stop(): void;
}

export class SimDriver implements NetDriver {
  readonly clock: VirtualClock;
  readonly mode: TimeMode;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Pending reports, each as two entries: the function and its argument. */
  readonly #reports: unknown[] = [];
  #reportAt = 0;
  #idleTurns = 0;
  /** Inside the last pending report: kick() waits until the application's code returned. */
  #deferKick = false;
  /** Counts stop() calls, so a report that stopped the driver is not followed by another turn. */
  #stops = 0;
  /** Wall milliseconds at virtual time 0 (real mode). */
  #origin: number;
  /** #turn as one function, made once (a turn is queued several times per connection). */
  readonly #turnFn = (): void => this.#turn();

  constructor(clock: VirtualClock, mode: TimeMode) {
    this.clock = clock;
    this.mode = mode;
    this.#origin = performance.now() - clock.now();
  }

  /** Something was scheduled on the clock (a user call put a packet on the wire, a timer): run it. */
  kick(): void {
    if (this.#immediate !== undefined || this.#deferKick) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#immediate = setImmediate(this.#turnFn);
  }

  /** Queues a report to the application (a socket's events): fn(arg) runs in a turn of its own. */
  notify<A>(fn: (arg: A) => void, arg?: A): void {
    this.#reports.push(fn, arg);
    this.kick();
  }

  /**
   * Real mode: moves the virtual clock up to the wall clock (never past a due step), so a user call
   * made now is stamped with the right time. Virtual mode: nothing (time moves only by steps).
   */
  sync(): void {
    if (this.mode !== 'real') return;
    const wall = this.#wall();
    const next = this.clock.nextTime();
    const t = next === undefined ? wall : Math.min(wall, next);
    if (t > this.clock.now()) this.clock.advanceTo(t);
  }

  /** Calls fn after `ms` of this network's time. Returns a cancel function. */
  after(ms: Duration, fn: () => void): () => void {
    this.sync();
    const cancel = this.clock.schedule(this.clock.now() + ms, fn);
    this.kick();
    return cancel;
  }

  /** Stops driving (pending steps stay on the clock; kick() resumes). */
  stop(): void {
    this.#stops++;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#immediate = undefined;
    this.#timer = undefined;
  }

  #wall(): Instant {
    return Math.floor(performance.now() - this.#origin);
  }

  #turn(): void {
    this.#immediate = undefined;
    // A pending report to the application goes first, one per turn.
    if (this.#reportAt < this.#reports.length) {
      this.#report();
      return;
    }
    const next = this.clock.nextTime();
    if (next === undefined) {
      this.#idleTurns = 0;
      this.sync();
      return; // idle: the next user call kicks again
    }
    if (next > this.clock.now()) {
      if (this.mode === 'real') {
        const wall = this.#wall();
        if (next > wall) {
          this.sync();
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.kick();
          }, next - wall);
          return;
        }
      } else if (this.#idleTurns === 0) {
        // Let one more turn of the event loop run before time jumps.
        this.#idleTurns++;
        this.kick();
        return;
      }
    }
    this.#idleTurns = 0;
    // Every step due at that instant, without application code in between.
    const at = next;
    let n = 0;
    // No application code runs in steps: what they ask of kick() is done below.
    this.#deferKick = true;
    try {
      while (n < BATCH && this.clock.nextTime() === at) {
        this.clock.step();
        n++;
      }
    } finally {
      this.#deferKick = false;
    }
    // The first report those steps led to runs in this turn, as a kernel's poll phase calls the
    // application back in the same turn in which the data arrived; any further one in turns of
    // their own.
    if (this.clock.nextTime() !== at && this.#reportAt < this.#reports.length) {
      this.#report();
      return;
    }
    this.kick();
  }

  /** Runs the next pending report (there is one). */
  #report(): void {
    const fn = this.#reports[this.#reportAt] as (arg: unknown) => void;
    const arg = this.#reports[this.#reportAt + 1];
    this.#reportAt += 2;
    this.#idleTurns = 0;
    if (this.#reportAt < this.#reports.length) {
      this.kick();
      fn(arg);
      return;
    }
    this.#reports.length = 0;
    this.#reportAt = 0;
    // The last report: the next turn is queued only after the application's code returned, so
    // whatever that code queued with setImmediate runs before it. That turn is then the "one
    // more turn" after which time may jump (see #turn), unless the report led to more work now.
    const stops = this.#stops;
    this.#deferKick = true;
    try {
      fn(arg);
    } finally {
      this.#deferKick = false;
      if (this.#reportAt === this.#reports.length) this.#idleTurns = 1;
      if (this.#stops === stops) this.kick();
    }
  }
}

const drivers = new WeakMap<VirtualClock, SimDriver>();

/** The driver of a network's clock, made on first use. Asking for another mode later is an error. */
export function driverFor(clock: VirtualClock, mode?: TimeMode): SimDriver {
  let d = drivers.get(clock);
  if (d === undefined) {
    d = new SimDriver(clock, mode ?? 'virtual');
    drivers.set(clock, d);
  } else if (mode !== undefined && mode !== d.mode) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `this network already runs in ${d.mode} time`);
  }
  return d;
}

/**
 * The driver of a host on a real clock (a TUN driver on a NodeClock). Time and the network run on
 * their own: the clock reads the wall clock and the DriverLoop arms its own timer, so sync() and
 * kick() have nothing to do. Reports to the application take one turn of the event loop each, as
 * with SimDriver, so stream callbacks interleave with the network as over a kernel socket.
 */
export class ClockDriver implements NetDriver {
  readonly clock: Clock;
  readonly mode: TimeMode = 'real';
  #immediate: ReturnType<typeof setImmediate> | undefined;
  /** Pending reports, each as two entries: the function and its argument. */
  readonly #reports: unknown[] = [];
  #reportAt = 0;
  readonly #turnFn = (): void => this.#turn();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  sync(): void {}

  kick(): void {}

  notify<A>(fn: (arg: A) => void, arg?: A): void {
    this.#reports.push(fn, arg);
    this.#arm();
  }

  after(ms: Duration, fn: () => void): () => void {
    return this.clock.schedule(this.clock.now() + ms, fn);
  }

  stop(): void {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  #arm(): void {
    if (this.#immediate === undefined) this.#immediate = setImmediate(this.#turnFn);
  }

  #turn(): void {
    this.#immediate = undefined;
    if (this.#reportAt >= this.#reports.length) return;
    const fn = this.#reports[this.#reportAt] as (arg: unknown) => void;
    const arg = this.#reports[this.#reportAt + 1];
    this.#reportAt += 2;
    if (this.#reportAt === this.#reports.length) {
      this.#reports.length = 0;
      this.#reportAt = 0;
    } else {
      this.#arm();
    }
    fn(arg);
  }
}
