// Host limits: caps on what one endpoint holds at once, so that a flood or a leak stays bounded
// (EndpointOptions.limits). The endpoint asks here before it makes a connection, keeps a
// TIME-WAIT record or lets a closed connection finish its close; each hit is counted in
// stats.limits by the endpoint, which also does what a hit means (endpoint.ts).

import { UsageError } from '../base/errors.js';
import { TcpState } from './state.js';

/**
 * What one endpoint may hold at once, so that a flood or a leak stays bounded:
 * - connections: live connections, half-open ones included. connect() throws ENOBUFS at the limit;
 *   a SYN (or an ACK bringing a SYN cookie back) at a listener is dropped ('connection-limit').
 *   Default 1,048,576.
 * - timeWait: TIME-WAIT records; at the limit the oldest is reclaimed (ended early) to make room
 *   for the new one. Default 262,144 (Linux's tcp_max_tw_buckets on a machine of this size).
 * - orphans: connections closed by the user but not done with the close (FIN-WAIT-1, FIN-WAIT-2,
 *   CLOSING, LAST-ACK). At the limit, close() resets the connection instead, as Linux does past
 *   tcp_max_orphans. Default 65,536.
 * - reassembly: bytes of out-of-order data held by all connections together. Each connection's
 *   queue is bounded by the window it advertised, but many connections with large windows could
 *   together hold far more than the host can spare. At the limit, out-of-order data is not queued
 *   ('reassembly-limit'; the duplicate ACK still goes out, so the sender retransmits it later):
 *   in-order data is always taken, so every connection still makes progress. Default 128 MiB.
 */
export interface HostLimits {
  connections: number;
  timeWait: number;
  orphans: number;
  reassembly: number;
}

export const DEFAULT_HOST_LIMITS: Readonly<HostLimits> = Object.freeze({
  connections: 1_048_576,
  timeWait: 262_144,
  orphans: 65_536,
  reassembly: 128 * 1024 * 1024,
});

/**
 * The out-of-order bytes all connections of one host hold (HostLimits.reassembly). Each reassembly
 * queue adds what it takes in and subtracts what it lets go (reassembly.ts), so `held` is always
 * the sum over the live queues.
 */
export class ReassemblyBudget {
  held = 0;
  readonly limit: number;
  /** Where a refusal is counted (the endpoint's stats.limits). */
  readonly #hits: { reassembly: number };

  constructor(limit: number, hits: { reassembly: number }) {
    this.limit = limit;
    this.#hits = hits;
  }

  /** Whether `n` more bytes may be held; counts a hit when not. */
  admit(n: number): boolean {
    if (this.held + n <= this.limit) return true;
    this.#hits.reassembly++;
    return false;
  }
}

/** The states of a connection the user has closed that still finishes its close (Linux's orphans). */
export function isOrphanState(s: TcpState): boolean {
  return s === TcpState.FinWait1 || s === TcpState.FinWait2 || s === TcpState.Closing || s === TcpState.LastAck;
}

/** The limits of one endpoint, its count of orphans and its out-of-order bytes. */
export class HostLimiter {
  readonly limits: Readonly<HostLimits>;
  /** What the endpoint's connections hold out of order (their TcbShared.reassembly). */
  readonly reassembly: ReassemblyBudget;
  #orphans = 0;

  /**
   * The defaults, overridden where given; each a non-negative integer or Infinity (else
   * UsageError). `hits` is where the endpoint counts each limit reached (stats.limits).
   */
  constructor(given: Partial<HostLimits> | undefined, hits: { reassembly: number }) {
    const limits = { ...DEFAULT_HOST_LIMITS, ...(given ?? {}) };
    for (const [name, v] of Object.entries(limits)) {
      if (typeof v !== 'number' || v < 0 || !(Number.isInteger(v) || v === Number.POSITIVE_INFINITY)) {
        throw new UsageError(
          'ERR_INVALID_ARG_VALUE',
          `limits.${name}=${String(v)} must be a non-negative integer or Infinity`,
        );
      }
    }
    this.limits = Object.freeze(limits);
    this.reassembly = new ReassemblyBudget(this.limits.reassembly, hits);
  }

  /** Counts `e` among the orphans; false (and nothing counted) when there are as many as allowed. */
  orphan(e: { orphan: boolean }): boolean {
    if (e.orphan) return true;
    if (this.#orphans >= this.limits.orphans) return false;
    e.orphan = true;
    this.#orphans++;
    return true;
  }

  /** `e` is no orphan any more (its close finished, or it is gone). */
  release(e: { orphan: boolean }): void {
    if (!e.orphan) return;
    e.orphan = false;
    this.#orphans--;
  }
}
