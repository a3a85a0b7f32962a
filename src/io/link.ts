// One direction of a link: what happens to an IP packet between two hosts. The simulator has one per
// direction between each pair of hosts (sim/network.ts); the TUN driver can put one in each direction
// on its side of the device (drivers/tun/driver.ts). A Link decides, from its options and its own
// random stream, whether a packet is dropped for size, lost, duplicated or held back, and when each
// copy arrives.
//
// Timing of a packet of `size` bytes put on the link at `now`:
//   serialisation: with a bandwidth, packets leave one after another (a FIFO queue): the packet
//                  starts when the previous one has finished and takes size / bandwidth seconds;
//   propagation:   + latency, + a uniform jitter in [0, jitter] (jitter may reorder packets);
//   reordering:    with probability `reorder`, + reorderDelay more (held back behind later packets).
// A lost packet still occupies the link while it is serialised (it is lost in flight). A packet larger
// than the MTU never enters the queue. Arrival times are whole milliseconds, rounded up.
//
// Random draws happen in a fixed order per packet, and only for features that are on, so a given
// seed and a given sequence of packets always produce the same fates and times.

import { UsageError } from '../base/errors.js';
import type { Rng } from '../base/rng.js';
import type { Duration, Instant } from '../core/time.js';

export interface LinkOptions {
  /** One-way delay, default 10 ms. */
  latency?: Duration;
  /** Uniform extra delay in [0, jitter] ms, default 0 (may reorder). */
  jitter?: Duration;
  /** Bytes per second; 0 (default) = unlimited. */
  bandwidth?: number;
  /** Largest IP packet carried, default 1500; bigger ones are dropped. */
  mtu?: number;
  /** Probability that a packet is lost, default 0. */
  loss?: number;
  /** Probability that a packet is delivered twice, default 0. */
  duplicate?: number;
  /** Probability that a packet is held back an extra reorderDelay, default 0. */
  reorder?: number;
  /** Default 2 × latency. */
  reorderDelay?: Duration;
}

export type ResolvedLinkOptions = Required<LinkOptions>;

export const DEFAULT_LINK: Readonly<Omit<ResolvedLinkOptions, 'reorderDelay'>> = Object.freeze({
  latency: 10,
  jitter: 0,
  bandwidth: 0,
  mtu: 1500,
  loss: 0,
  duplicate: 0,
  reorder: 0,
});

/** Fills defaults and checks ranges (UsageError ERR_INVALID_ARG_VALUE on a bad value). */
export function resolveLink(opts: LinkOptions = {}): ResolvedLinkOptions {
  const merged = { ...DEFAULT_LINK, ...stripUndefined(opts) };
  const r: ResolvedLinkOptions = { ...merged, reorderDelay: opts.reorderDelay ?? 2 * merged.latency };
  for (const k of ['latency', 'jitter', 'reorderDelay'] as const) checkInt(k, r[k], 0);
  checkInt('mtu', r.mtu, 1);
  if (!(Number.isFinite(r.bandwidth) && r.bandwidth >= 0)) bad('bandwidth', r.bandwidth);
  for (const k of ['loss', 'duplicate', 'reorder'] as const) {
    const p = r[k];
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) bad(k, p);
  }
  return r;
}

function stripUndefined(o: LinkOptions): LinkOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as LinkOptions;
}

function checkInt(name: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) bad(name, v);
}

function bad(name: string, v: unknown): never {
  throw new UsageError('ERR_INVALID_ARG_VALUE', `link ${name}=${String(v)}`);
}

/** What the link does with one packet. `arrive` lists the arrival time of each delivered copy. */
export type LinkVerdict =
  | { fate: 'mtu'; arrive: [] }
  | { fate: 'lost'; arrive: [] }
  | { fate: 'delivered'; arrive: [Instant] }
  | { fate: 'duplicated'; arrive: [Instant, Instant] };

export class Link {
  #opts: ResolvedLinkOptions;
  readonly #rng: Rng;
  /**
   * When the transmitter is free again, scaled by the bandwidth: time in ms × bandwidth, so that the
   * serialisation of `size` bytes adds exactly size × 1000 and no rounding error builds up.
   */
  #busyScaled = 0;

  constructor(opts: LinkOptions, rng: Rng) {
    this.#opts = resolveLink(opts);
    this.#rng = rng;
  }

  get options(): Readonly<ResolvedLinkOptions> {
    return this.#opts;
  }

  /** Changes the options; the queue and the random stream carry on. */
  configure(opts: LinkOptions): void {
    const bw = this.#opts.bandwidth;
    this.#opts = resolveLink(opts);
    if (this.#opts.bandwidth !== bw) this.#busyScaled = 0;
  }

  /** Puts a packet of `size` bytes on the link at `now` and decides its fate. */
  send(size: number, now: Instant): LinkVerdict {
    const o = this.#opts;
    if (size > o.mtu) return { fate: 'mtu', arrive: [] };
    const leaves = this.#serialise(size, now);
    if (this.#rng.chance(o.loss)) return { fate: 'lost', arrive: [] };
    const first = leaves + this.#delay();
    if (this.#rng.chance(o.duplicate)) return { fate: 'duplicated', arrive: [first, leaves + this.#delay()] };
    return { fate: 'delivered', arrive: [first] };
  }

  /** Time the last bit leaves the sender (whole ms, rounded up). */
  #serialise(size: number, now: Instant): Instant {
    const bw = this.#opts.bandwidth;
    if (bw === 0) return now;
    const start = Math.max(this.#busyScaled, now * bw);
    this.#busyScaled = start + size * 1000;
    return Math.ceil(this.#busyScaled / bw);
  }

  /** Propagation delay of one copy: latency + jitter + possibly the reordering hold-back. */
  #delay(): Duration {
    const o = this.#opts;
    let d = o.latency;
    if (o.jitter > 0) d += this.#rng.int(o.jitter + 1);
    if (this.#rng.chance(o.reorder)) d += o.reorderDelay;
    return d;
  }
}
