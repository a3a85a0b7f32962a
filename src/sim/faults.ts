// Targeted faults: "drop the first segment from the server that carries FIN", "duplicate the 2nd pure
// ACK from the client". A fault watches the packets sent in one direction (or all), counts those its
// matcher accepts, and acts on the nth one (or on every one when nth is 0).
//
// Matchers see every packet that passes the direction filter, in the order packets are sent, so a
// matcher may keep state (see matchers.keepaliveProbe).

import { UsageError } from '../base/errors.js';
import type { Packet } from '../core/endpoint.js';
import type { Duration } from '../core/time.js';
import { ACK, FIN, parseCtl, RST, SYN } from '../wire/segment.js';

export type FaultAction = 'drop' | 'duplicate' | { delay: Duration };

export interface Fault {
  /** Only packets sent by this host (address or name). */
  from?: string;
  /** Only packets sent to this host (address or name). */
  to?: string;
  /** Which packets count (default: all). */
  match?: (p: Packet) => boolean;
  /** Act on the nth match (1-based); default 1; 0 = every match. */
  nth?: number;
  action: FaultAction;
}

export interface FaultHandle {
  /** Matching packets seen so far. */
  readonly matched: number;
  /** Times the action was applied. */
  readonly fired: number;
  /** True once a fault with nth > 0 has acted (it then stays inert). */
  readonly done: boolean;
  /** Stops the fault. */
  remove(): void;
}

/** What the faults decided for one packet. */
export interface FaultEffect {
  drop: boolean;
  duplicate: boolean;
  delay: Duration;
}

/** Resolves a host name or address to an address (the network provides it). */
export type AddressOf = (nameOrAddr: string) => string;

class ActiveFault implements FaultHandle {
  matched = 0;
  fired = 0;
  removed = false;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly match: (p: Packet) => boolean;
  readonly nth: number;
  readonly action: FaultAction;

  constructor(f: Fault, addressOf: AddressOf) {
    const nth = f.nth ?? 1;
    if (!(Number.isInteger(nth) && nth >= 0)) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', `fault nth=${String(f.nth)}`);
    }
    const a = f.action;
    const okAction =
      a === 'drop' ||
      a === 'duplicate' ||
      (typeof a === 'object' && a !== null && Number.isInteger(a.delay) && a.delay >= 0);
    if (!okAction) throw new UsageError('ERR_INVALID_ARG_VALUE', `fault action=${JSON.stringify(a)}`);
    this.from = f.from === undefined ? undefined : addressOf(f.from);
    this.to = f.to === undefined ? undefined : addressOf(f.to);
    this.match = f.match ?? (() => true);
    this.nth = nth;
    this.action = a;
  }

  get done(): boolean {
    return this.nth > 0 && this.fired > 0;
  }

  remove(): void {
    this.removed = true;
  }
}

/** The network's list of faults, applied in the order they were added. */
export class FaultTable {
  #faults: ActiveFault[] = [];
  #addressOf: AddressOf;

  constructor(addressOf: AddressOf) {
    this.#addressOf = addressOf;
  }

  /** Faults held (removed and spent ones count until the next apply() purges them). */
  get size(): number {
    return this.#faults.length;
  }

  add(f: Fault): FaultHandle {
    const af = new ActiveFault(f, this.#addressOf);
    this.#faults.push(af);
    return af;
  }

  /** Runs one packet past every live fault. Returns undefined when no fault acted. */
  apply(p: Packet): FaultEffect | undefined {
    let effect: FaultEffect | undefined;
    let purge = false;
    for (const f of this.#faults) {
      if (f.removed || f.done) {
        purge = true;
        continue;
      }
      if (f.from !== undefined && f.from !== p.src) continue;
      if (f.to !== undefined && f.to !== p.dst) continue;
      if (!f.match(p)) continue;
      f.matched++;
      if (f.nth !== 0 && f.matched !== f.nth) continue;
      f.fired++;
      effect ??= { drop: false, duplicate: false, delay: 0 };
      if (f.action === 'drop') effect.drop = true;
      else if (f.action === 'duplicate') effect.duplicate = true;
      else effect.delay += f.action.delay;
    }
    if (purge) this.#faults = this.#faults.filter((f) => !(f.removed || f.done));
    return effect;
  }
}

// ---------------------------------------------------------------------------------------------------
// Matchers

const HANDSHAKE_OR_END = SYN | FIN | RST;

/** Segment-level predicates for Fault.match. Combine with all / any / not. */
export const matchers = {
  /** SYN without ACK (an active open). */
  syn: (p: Packet): boolean => (p.seg.flags & (SYN | ACK)) === SYN,
  /** SYN,ACK. */
  synAck: (p: Packet): boolean => (p.seg.flags & (SYN | ACK)) === (SYN | ACK),
  /** Any segment carrying FIN. */
  fin: (p: Packet): boolean => (p.seg.flags & FIN) !== 0,
  /** Any segment carrying RST. */
  rst: (p: Packet): boolean => (p.seg.flags & RST) !== 0,
  /** ACK with no payload and no SYN, FIN or RST. */
  pureAck: (p: Packet): boolean =>
    (p.seg.flags & ACK) !== 0 && (p.seg.flags & HANDSHAKE_OR_END) === 0 && p.seg.payload.length === 0,
  /** Any segment with payload. */
  data: (p: Packet): boolean => p.seg.payload.length > 0,
  /** Exactly these control bits, written as in RFC notation, e.g. 'FIN,ACK'. */
  ctl(text: string): (p: Packet) => boolean {
    const want = parseCtl(text);
    return (p) => p.seg.flags === want;
  },
  /** Segments from or to this TCP port. */
  port(n: number): (p: Packet) => boolean {
    return (p) => p.seg.srcPort === n || p.seg.dstPort === n;
  },
  all(...ms: ((p: Packet) => boolean)[]): (p: Packet) => boolean {
    return (p) => ms.every((m) => m(p));
  },
  any(...ms: ((p: Packet) => boolean)[]): (p: Packet) => boolean {
    return (p) => ms.some((m) => m(p));
  },
  not(m: (p: Packet) => boolean): (p: Packet) => boolean {
    return (p) => !m(p);
  },
  /**
   * A stateful matcher (make a fresh one per fault): keepalive probes, i.e. segments with ACK, no
   * SYN/FIN/RST, at most one byte of payload, whose sequence number is one below the highest sequence
   * end this matcher has seen from the same sender on the same connection (RFC 9293 §3.8.4: a probe
   * carries SEG.SEQ = SND.NXT - 1). It learns from every packet it is shown, so use it on a fault
   * whose direction filter lets the sender's ordinary segments through as well.
   */
  keepaliveProbe(): (p: Packet) => boolean {
    const highest = new Map<string, number>();
    return (p) => {
      const s = p.seg;
      const key = `${p.src}:${s.srcPort}>${p.dst}:${s.dstPort}`;
      const len = s.payload.length + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);
      const end = (s.seq + len) >>> 0;
      const top = highest.get(key);
      const isProbe =
        top !== undefined &&
        (s.flags & ACK) !== 0 &&
        (s.flags & HANDSHAKE_OR_END) === 0 &&
        s.payload.length <= 1 &&
        s.seq === (top - 1) >>> 0;
      if (top === undefined || ((end - top) | 0) > 0) highest.set(key, end);
      return isProbe;
    };
  },
};
