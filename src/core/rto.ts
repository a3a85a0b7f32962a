// Retransmission timeout estimator (RFC 6298).
//
// SRTT and RTTVAR are kept as exact (fractional) numbers; only the RTO itself is rounded up to a
// whole millisecond, because deadlines are integer Instants.
//
// Karn's rule (RFC 6298 §3) is the caller's job: never call sample() with the RTT of a segment that
// was retransmitted (unless timestamps tell the transmissions apart, RFC 7323 §4), and keep the
// backed-off RTO until a sample from a segment sent once arrives (RFC 6298 §5.7 note).

import { type Duration, SECOND } from './time.js';

/** RFC 6298 §5.7: the RTO to use once the handshake completes after a SYN timed out. */
export const RTO_AFTER_SYN_TIMEOUT: Duration = 3 * SECOND;

export interface RtoConfig {
  rtoInitial: Duration;
  rtoMin: Duration;
  rtoMax: Duration;
}

/** RFC 6298 §2: alpha = 1/8, beta = 1/4, K = 4. */
const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;

/** RtoConfig with a clock granularity other than the default 1 ms (kept with the copy of it). */
interface RtoSettings extends RtoConfig {
  clockGranularity?: Duration;
}

export class RtoEstimator {
  /** The settings, with clockGranularity only when it is not 1 ms (one field fewer per connection). */
  readonly #cfg: Readonly<RtoSettings>;
  #srtt: number | undefined = undefined;
  #rttvar: number | undefined = undefined;
  /** RTO before backoff, already clamped. */
  #base: Duration;
  /** RTO including backoff. */
  #rto: Duration;
  #backoffs = 0;

  /** `clockGranularity` is G of RFC 6298 §2 (default 1 ms, our clock's resolution). */
  constructor(cfg: RtoConfig, clockGranularity: Duration = 1) {
    // A frozen config (the connection's resolved TcpConfig, config.ts) cannot change under us:
    // hold it rather than a copy of its three fields.
    const own: RtoSettings = { rtoInitial: cfg.rtoInitial, rtoMin: cfg.rtoMin, rtoMax: cfg.rtoMax };
    if (clockGranularity !== 1) own.clockGranularity = clockGranularity;
    this.#cfg = Object.isFrozen(cfg) && clockGranularity === 1 ? cfg : own;
    // RFC 6298 §2.1: before any measurement, RTO = the initial value (1 s by default).
    this.#base = clamp(this.#cfg, cfg.rtoInitial);
    this.#rto = this.#base;
  }

  /** Current RTO including backoff, within [rtoMin, rtoMax]. */
  get rto(): Duration {
    return this.#rto;
  }

  /** Smoothed RTT, undefined before the first sample. */
  get srtt(): number | undefined {
    return this.#srtt;
  }

  /** RTT variation, undefined before the first sample. */
  get rttvar(): number | undefined {
    return this.#rttvar;
  }

  /** Backoffs since the last sample or clearBackoff(). */
  get backoffs(): number {
    return this.#backoffs;
  }

  /**
   * Feeds one RTT measurement R (ms) and clears any backoff. A sample that is negative or not a
   * finite number (it may come from a peer's timestamp echo) is ignored rather than thrown on.
   */
  sample(rtt: Duration): void {
    if (!Number.isFinite(rtt) || rtt < 0) return;
    if (this.#srtt === undefined || this.#rttvar === undefined) {
      // RFC 6298 §2.2: the first measurement sets SRTT = R and RTTVAR = R/2.
      this.#srtt = rtt;
      this.#rttvar = rtt / 2;
    } else {
      // RFC 6298 §2.3: RTTVAR first (using the old SRTT), then SRTT.
      this.#rttvar = (1 - BETA) * this.#rttvar + BETA * Math.abs(this.#srtt - rtt);
      this.#srtt = (1 - ALPHA) * this.#srtt + ALPHA * rtt;
    }
    // RFC 6298 §2.2/§2.3: RTO = SRTT + max(G, K*RTTVAR); §2.4 lower bound; §2.5 upper bound.
    this.#base = clamp(this.#cfg, Math.ceil(this.#srtt + Math.max(this.#cfg.clockGranularity ?? 1, K * this.#rttvar)));
    this.clearBackoff();
  }

  /** RFC 6298 §5.5: the retransmission timer expired, so double the RTO (capped at rtoMax). */
  backoff(): void {
    this.#rto = Math.min(this.#cfg.rtoMax, this.#rto * 2);
    this.#backoffs++;
  }

  /**
   * RFC 6298 §5.7: the handshake completed, but only after the SYN (or SYN,ACK) had to be sent
   * again because the retransmission timer expired. If no RTT sample exists yet (Karn's rule: the
   * ACK of a retransmitted SYN gives none), the RTO restarts at 3 s instead of staying backed off
   * (or falling to the 1 s initial value), clamped into [rtoMin, rtoMax]. A configured initial RTO
   * above 3 s is kept: the rule only raises an RTO below 3 s. With a sample (timestamps tell the
   * transmissions apart, RFC 7323 §4) the measured RTO is better and stays. Linux does the same
   * (tcp_init_metrics: TCP_TIMEOUT_FALLBACK when srtt is still 0 after SYN retransmissions).
   */
  afterSynTimeout(): void {
    if (this.#srtt !== undefined) return;
    this.#base = clamp(this.#cfg, Math.max(RTO_AFTER_SYN_TIMEOUT, this.#cfg.rtoInitial));
    this.clearBackoff();
  }

  /** Drops the backoff: the RTO returns to the value computed from the samples. */
  clearBackoff(): void {
    this.#rto = this.#base;
    this.#backoffs = 0;
  }
}

/** `v` within [rtoMin, rtoMax]. A function, not a #method: a class with one carries a brand field per object. */
function clamp(cfg: Readonly<RtoConfig>, v: Duration): Duration {
  return Math.min(cfg.rtoMax, Math.max(cfg.rtoMin, v));
}
