// Selective acknowledgment (RFC 2018) and SACK-based loss recovery (RFC 6675).
//
// Receiver side: sackBlocks() turns the reassembly queue's held ranges into the blocks we put on
// an ACK, the block holding the most recently received segment first (RFC 2018 §4), then the
// blocks reported most recently before it, then the others, as many as fit in the option space:
// a few look-ups in the queue, never a walk over everything it holds.
//
// Sender side: Scoreboard remembers which ranges above SND.UNA the peer reported as held. The
// recovery rules of RFC 6675 are evaluated over it:
//
//   SND.UNA                                                        SND.MAX
//      |  hole 1  |## sacked ##|  hole 2  |## sacked ##|  not yet judged  |
//
//   IsLost(hole)  more than (DupThresh - 1) × SMSS bytes, or DupThresh separate ranges, are SACKed
//                 above it (§4, with DupThresh = 3);
//   pipe          every un-SACKed byte counts once unless it is presumed lost, once more when it
//                 was retransmitted in this recovery (below HighRxt) (§4 SetPipe);
//   NextSeg       rule 1: the first lost byte at or above HighRxt; rule 2: new data (§4). Rules 3
//                 and 4 (MAY) are not used: the retransmission timer covers what they would.
//
// Ranges are kept sorted, disjoint and non-adjacent; all lie in [SND.UNA, SND.MAX), which is less
// than 2^31 wide, so the modular comparisons of wire/seq.ts order them correctly across the wrap.

import type { SackBlock } from '../wire/segment.js';
import { type Seq, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from '../wire/seq.js';
import type { Reassembly } from './reassembly.js';

/** RFC 6675 §2 DupThresh. */
export const DUP_THRESH = 3;

/**
 * Most separate SACKed ranges the scoreboard holds. A receiver reports at most 4 blocks per ACK,
 * and holes beyond this many in one window mean a path so broken that the RTO governs anyway; the
 * cap bounds what one peer (or a forger) can make us store and walk.
 */
export const MAX_SACK_RANGES = 256;

/** A SACKed range [left, right). */
interface Range {
  left: Seq;
  right: Seq;
}

export class Scoreboard {
  #ranges: Range[] = [];
  #bytes = 0;

  /** Bytes the peer reported as held above SND.UNA. */
  get bytes(): number {
    return this.#bytes;
  }

  get isEmpty(): boolean {
    return this.#ranges.length === 0;
  }

  /** Number of separate SACKed ranges. */
  get count(): number {
    return this.#ranges.length;
  }

  /** The ranges, in sequence order (copies; for tests and info()). */
  list(): { left: Seq; right: Seq }[] {
    return this.#ranges.map((r) => ({ left: r.left, right: r.right }));
  }

  /**
   * Records the peer's blocks. A block counts only when it lies wholly within [una, max] (RFC 2018
   * §3, RFC 6675 §4): a D-SACK below SND.UNA (RFC 2883) names nothing we still hold, and a block
   * that straddles SND.UNA or SND.MAX, or lies beyond it, cannot come from a receiver that holds
   * what we sent, so it is ignored whole rather than clipped (clipping would let a forged block mark
   * real holes as held). Each edge is measured as an unsigned offset from `una`, one modular
   * comparison for all three bounds, so a block about 2^31 away cannot pass one test and fail
   * another. At most MAX_SACK_RANGES separate ranges are kept; a block that would add one more is
   * ignored (merging into held ranges still works). Returns whether anything new was learnt.
   */
  update(blocks: readonly SackBlock[], una: Seq, max: Seq): boolean {
    const span = (max - una) >>> 0;
    let changed = false;
    for (const b of blocks) {
      const lo = (b.left - una) >>> 0;
      const hi = (b.right - una) >>> 0;
      if (!(lo < hi && hi <= span)) continue;
      if (this.#ranges.length >= MAX_SACK_RANGES && !this.#touches(b.left, b.right)) continue;
      if (this.#insert(b.left >>> 0, b.right >>> 0)) changed = true;
    }
    return changed;
  }

  /** Whether [left, right) overlaps or adjoins a held range (so inserting it adds no range). */
  #touches(left: Seq, right: Seq): boolean {
    for (const r of this.#ranges) {
      if (seqGt(r.left, right)) return false;
      if (seqGe(r.right, left)) return true;
    }
    return false;
  }

  /** SND.UNA moved to `una`: forget what is now cumulatively acknowledged. */
  advance(una: Seq): void {
    const rs = this.#ranges;
    let k = 0;
    while (k < rs.length) {
      const r = rs[k] as Range;
      if (seqLe(r.right, una)) {
        this.#bytes -= seqDiff(r.right, r.left);
        k++;
        continue;
      }
      if (seqLt(r.left, una)) {
        this.#bytes -= seqDiff(una, r.left);
        r.left = una;
      }
      break;
    }
    if (k > 0) rs.splice(0, k);
  }

  clear(): void {
    this.#ranges = [];
    this.#bytes = 0;
  }

  /** The SACKed range containing `seq`, if any. */
  rangeAt(seq: Seq): Range | undefined {
    for (const r of this.#ranges) {
      if (seqLt(seq, r.left)) return undefined;
      if (seqLt(seq, r.right)) return r;
    }
    return undefined;
  }

  /** Start of the first SACKed range above `seq` (undefined if none). */
  nextSackedAfter(seq: Seq): Seq | undefined {
    for (const r of this.#ranges) if (seqGt(r.left, seq)) return r.left;
    return undefined;
  }

  /** SACKed bytes in [from, to). */
  sackedBetween(from: Seq, to: Seq): number {
    let n = 0;
    for (const r of this.#ranges) {
      if (seqGe(r.left, to)) break;
      const l = seqMax(r.left, from);
      const h = seqMin(r.right, to);
      if (seqLt(l, h)) n += seqDiff(h, l);
    }
    return n;
  }

  /**
   * RFC 6675 §4 IsLost for the un-SACKed byte at `seq`: enough SACKed data lies above it.
   * `mss` is the sender's SMSS.
   */
  isLost(seq: Seq, mss: number): boolean {
    let bytes = 0;
    let ranges = 0;
    for (const r of this.#ranges) {
      if (seqLe(r.right, seq)) continue;
      bytes += seqDiff(r.right, seqMax(r.left, seq));
      ranges++;
    }
    return ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * mss;
  }

  /**
   * RFC 6675 §4 SetPipe over [una, max): un-SACKed bytes not presumed lost count once, bytes
   * retransmitted in this recovery ([una, highRxt)) once more.
   */
  pipe(una: Seq, max: Seq, highRxt: Seq, mss: number): number {
    let pipe = 0;
    let cursor = una;
    const rs = this.#ranges;
    // Walk the holes from the highest down, accumulating what is SACKed above each one.
    const holes: Range[] = [];
    for (const r of rs) {
      if (seqLt(cursor, r.left)) holes.push({ left: cursor, right: r.left });
      cursor = seqMax(cursor, r.right);
    }
    // The part above the highest SACKed range has nothing SACKed above it: never lost.
    if (seqLt(cursor, max)) pipe += seqDiff(max, cursor) + overlap(cursor, max, una, highRxt);
    let above = this.#bytes;
    let rangesAbove = rs.length;
    let ri = 0;
    for (const h of holes) {
      // Remove the ranges below this hole from the "above" totals.
      while (ri < rs.length && seqLe((rs[ri] as Range).right, h.left)) {
        const r = rs[ri] as Range;
        above -= seqDiff(r.right, r.left);
        rangesAbove--;
        ri++;
      }
      const lost = rangesAbove >= DUP_THRESH || above > (DUP_THRESH - 1) * mss;
      const rxt = overlap(h.left, h.right, una, highRxt);
      pipe += lost ? rxt : seqDiff(h.right, h.left) + rxt;
    }
    return pipe;
  }

  /**
   * RFC 6675 §4 NextSeg rule 1: the first un-SACKed, lost byte at or above `highRxt`, and how many
   * bytes from it (at most `mss`) may go in one segment without running into SACKed data.
   */
  nextLost(una: Seq, highRxt: Seq, mss: number): { seq: Seq; len: number } | undefined {
    let cursor = seqMax(una, highRxt);
    for (const r of this.#ranges) {
      if (seqLt(cursor, r.left)) {
        if (!this.isLost(cursor, mss)) return undefined; // holes further up have even less above
        return { seq: cursor, len: Math.min(mss, seqDiff(r.left, cursor)) };
      }
      cursor = seqMax(cursor, r.right);
    }
    return undefined;
  }

  /** Inserts [left, right), merging with what it touches. Returns whether any byte was new. */
  #insert(left: Seq, right: Seq): boolean {
    const rs = this.#ranges;
    let i = 0;
    while (i < rs.length && seqLt((rs[i] as Range).right, left)) i++;
    let j = i;
    let l = left;
    let h = right;
    let covered = 0;
    while (j < rs.length && seqLe((rs[j] as Range).left, h)) {
      const r = rs[j] as Range;
      covered += overlap(r.left, r.right, left, right);
      l = seqMin(l, r.left);
      h = seqMax(h, r.right);
      this.#bytes -= seqDiff(r.right, r.left);
      j++;
    }
    rs.splice(i, j - i, { left: l, right: h });
    this.#bytes += seqDiff(h, l);
    return covered < seqDiff(right, left);
  }
}

/** Length of [a, b) ∩ [c, d). */
function overlap(a: Seq, b: Seq, c: Seq, d: Seq): number {
  const l = seqMax(a, c);
  const h = seqMin(b, d);
  return seqLt(l, h) ? seqDiff(h, l) : 0;
}

/**
 * SACK blocks to report (RFC 2018 §4): the block holding the most recent out-of-order arrival
 * first, then the blocks holding earlier arrivals, most recent first, then any other held range
 * (highest first), at most `max` of them. `recent` holds sequence numbers of recent out-of-order
 * arrivals, most recent first. Each block is one O(log ranges) look-up in the queue, so the cost
 * does not grow with what is held.
 */
export function sackBlocks(reasm: Reassembly, recent: readonly Seq[], max: number): SackBlock[] {
  const out: SackBlock[] = [];
  for (const seq of recent) {
    if (out.length >= max) return out;
    const r = reasm.rangeAt(seq);
    if (r !== undefined && !reported(out, r.left)) out.push(r);
  }
  for (let r = reasm.rangeBefore(undefined); r !== undefined && out.length < max; r = reasm.rangeBefore(r.left)) {
    if (!reported(out, r.left)) out.push(r);
  }
  return out;
}

/** Whether the held range starting at `left` is among `blocks` already (ranges never share a left edge). */
function reported(blocks: readonly SackBlock[], left: Seq): boolean {
  for (const b of blocks) if (b.left === left) return true;
  return false;
}

/** Remembers `seq` as the most recent out-of-order arrival (keeps a few; `recent` is mutated). */
export function noteOutOfOrder(recent: Seq[], seq: Seq): void {
  const i = recent.indexOf(seq);
  if (i >= 0) recent.splice(i, 1);
  recent.unshift(seq);
  if (recent.length > 4) recent.length = 4;
}
