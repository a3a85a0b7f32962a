// The endpoint's listening sockets, by id and by (address or every address, port), and what a
// listener answers to a segment of a tuple no connection holds (RFC 9293 §3.10.7.2); with the RST
// for a segment that meets nothing at all (§3.10.7.1), which a listener also sends to an ACK.

import { UsageError } from '../base/errors.js';
import { ACK, has, makeSegment, RST, type Segment, SYN, segLen } from '../wire/segment.js';
import { seqAdd, seqDiff } from '../wire/seq.js';
import type { TcpConfig } from './config.js';
import { Listener, type ListenOptions } from './listener.js';
import type { DropReason } from './trace.js';
import { listenKey } from './tuple.js';

export class ListenerTable {
  readonly #byId = new Map<number, Listener>();
  readonly #byKey = new Map<string, Listener>();
  #nextId = 1;

  /** Every listener, oldest first. */
  values(): IterableIterator<Listener> {
    return this.#byId.values();
  }

  get(id: number): Listener | undefined {
    return this.#byId.get(id);
  }

  /** A new listener on (addr, or every address when undefined, port). Throws EADDRINUSE when one overlaps. */
  add(addr: string | undefined, port: number, config: TcpConfig, opts: ListenOptions): Listener {
    if (this.overlaps(addr, port)) throw new UsageError('EADDRINUSE', `${addr ?? '*'}:${port}`);
    const l = new Listener(this.#nextId, addr, port, config, opts);
    this.#nextId++;
    this.#byId.set(l.id, l);
    this.#byKey.set(listenKey(addr, port), l);
    return l;
  }

  /** Takes listener `id` out of the table. Throws ERR_INVALID_ARG_VALUE when there is none. */
  remove(id: number): Listener {
    const l = this.#byId.get(id);
    if (!l) throw new UsageError('ERR_INVALID_ARG_VALUE', `no listener ${id}`);
    this.#byId.delete(id);
    this.#byKey.delete(listenKey(l.addr, l.port));
    return l;
  }

  /** The listener a segment to (addr, port) reaches: the one on addr, else the one on every address. */
  for(addr: string, port: number): Listener | undefined {
    return this.#byKey.get(listenKey(addr, port)) ?? this.#byKey.get(listenKey(undefined, port));
  }

  /** Does a listener overlap a listen request for (addr, or every address when undefined, port)? */
  overlaps(addr: string | undefined, port: number): boolean {
    for (const l of this.#byId.values()) if (l.overlaps(addr, port)) return true;
    return false;
  }
}

/**
 * What a listener does with a segment for a tuple no connection holds: 'open' a half-open
 * connection for it, answer a SYN with a SYN cookie ('cookie', the SYN queue being full), 'reset'
 * it (and drop it as 'listen-bad'; an ACK may first be checked for a cookie), or drop it for the
 * reason given.
 */
export type ListenerAnswer =
  | 'open'
  | 'cookie'
  | 'reset'
  | Extract<DropReason, 'rst-to-nothing' | 'listen-bad' | 'listen-overflow'>;

/** RFC 9293 §3.10.7.2, in the RFC's order, for a segment at `l`. */
export function listenerAnswer(l: Listener, seg: Segment): ListenerAnswer {
  // (first) A RST can only be for something we no longer have: ignore it.
  if (has(seg, RST)) return 'rst-to-nothing';
  // (second) An ACK to a listener acknowledges nothing we sent: <SEQ=SEG.ACK><CTL=RST>.
  if (has(seg, ACK)) return 'reset';
  // (fourth) Neither SYN, ACK nor RST: drop.
  if (!has(seg, SYN)) return 'listen-bad';
  // (third) A SYN: a new half-open connection, unless the SYN queue is full. Then, like Linux, a
  // SYN cookie if the listener allows them; otherwise the SYN is dropped without an answer, and
  // the peer retransmits it and may find room later.
  if (!l.synQueueFull) return 'open';
  return l.synCookies ? 'cookie' : 'listen-overflow';
}

/**
 * The RST of RFC 9293 §3.10.7.1 / §3.10.7.2 for `seg` (which has no RST bit), from the ports it
 * was sent to: with ACK set, <SEQ=SEG.ACK><CTL=RST>, so it is acceptable where the ACK came from;
 * otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 */
export function resetFor(seg: Segment): Segment {
  return has(seg, ACK)
    ? makeSegment({ srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, flags: RST })
    : makeSegment({
        srcPort: seg.dstPort,
        dstPort: seg.srcPort,
        seq: 0,
        ack: seqAdd(seg.seq, segLen(seg)),
        flags: RST | ACK,
      });
}

/**
 * The relative ACK a trace shows for `rst`, the reset of `seg`. No ISNs are known: numbers are
 * traced as they are, except that a SYN's own sequence number is the peer's ISN, so the ACK of a
 * reset SYN reads 1.
 */
export function resetRelAck(rst: Segment, seg: Segment): number {
  if (!has(rst, ACK)) return 0;
  return has(seg, SYN) ? seqDiff(rst.ack, seg.seq) : rst.ack;
}
