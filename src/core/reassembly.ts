// Out-of-order receive queue (RFC 9293 §3.10.7.4, seventh step: segments that arrive ahead of
// RCV.NXT may be held and delivered once the gap before them is filled).
//
// Held data is a list of blocks sorted by sequence number, never overlapping (adjacent is fine).
// Blocks are views of the caller's payloads: add() never copies bytes, it only slices. When new data
// overlaps what is held, the bytes already held win and only the gaps are filled from the new data.
//
// The caller bounds everything by the receive window (less than 2^31 bytes), so all held sequence
// numbers lie within half the sequence space of RCV.NXT and the modular comparisons of wire/seq.ts
// order them correctly across the 2^32 wrap.
//
// The FIN is remembered as a position (the sequence number it occupies). Data beyond that position
// cannot be legitimate, so it is not held; the first FIN position recorded wins.

import { type Seq, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/seq.js';

interface Block {
  seq: Seq;
  data: Uint8Array;
}

export interface Taken {
  /** Contiguous bytes from the RCV.NXT given to take(), in order (views, not copies). */
  chunks: Uint8Array[];
  /** Total length of `chunks`. */
  bytes: number;
  /** The FIN comes right after these bytes. */
  fin: boolean;
}

export class Reassembly {
  #blocks: Block[] = [];
  #bytes = 0;
  #finSeq: Seq | undefined = undefined;

  /**
   * Holds `data`, which starts at `seq`. `fin` means the peer's FIN follows the last byte of `data`
   * (or sits at `seq` when `data` is empty). Bytes already held win over the new ones.
   */
  add(seq: Seq, data: Uint8Array, fin: boolean): void {
    let end = seqAdd(seq, data.length);
    if (fin && this.#finSeq === undefined) {
      this.#finSeq = end;
      this.#dropAfter(end);
    }
    const finSeq = this.#finSeq;
    if (finSeq !== undefined && seqGt(end, finSeq)) {
      // Nothing may follow the FIN: keep only the part before it.
      if (seqLe(finSeq, seq)) return;
      data = data.subarray(0, seqDiff(finSeq, seq));
      end = finSeq;
    }
    if (data.length === 0) return;

    const blocks = this.#blocks;
    // First block that ends after `seq`: the first one the new data can overlap or precede.
    const i = this.#firstEndingAfter(seq);
    let j = i;
    let cursor = seq;
    const merged: Block[] = [];
    while (j < blocks.length) {
      const b = blocks[j]!;
      if (seqGe(b.seq, end)) break;
      if (seqLt(cursor, b.seq)) merged.push(this.#piece(seq, data, cursor, b.seq));
      merged.push(b);
      const bEnd = seqAdd(b.seq, b.data.length);
      if (seqGt(bEnd, cursor)) cursor = bEnd;
      j++;
    }
    if (seqLt(cursor, end)) merged.push(this.#piece(seq, data, cursor, end));
    if (merged.length === j - i) return; // fully covered already
    blocks.splice(i, j - i, ...merged);
  }

  /**
   * Removes and returns everything now contiguous from `rcvNxt`. Held bytes before `rcvNxt` are
   * discarded (a block straddling it is trimmed). Returns null when there are no contiguous bytes
   * and the FIN is not at `rcvNxt`; { chunks: [], bytes: 0, fin: true } when only the FIN is.
   * Once the FIN is reported, it and anything still held are forgotten.
   */
  take(rcvNxt: Seq): Taken | null {
    const blocks = this.#blocks;
    let cursor = rcvNxt;
    let k = 0;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    while (k < blocks.length) {
      const b = blocks[k]!;
      const bEnd = seqAdd(b.seq, b.data.length);
      if (seqLe(bEnd, cursor)) {
        // Entirely before rcvNxt: already delivered by another path.
        this.#bytes -= b.data.length;
        k++;
        continue;
      }
      if (seqGt(b.seq, cursor)) break; // a gap
      const chunk = b.data.subarray(seqDiff(cursor, b.seq));
      chunks.push(chunk);
      bytes += chunk.length;
      this.#bytes -= b.data.length;
      cursor = bEnd;
      k++;
    }
    if (k > 0) blocks.splice(0, k);
    let fin = false;
    const finSeq = this.#finSeq;
    if (finSeq !== undefined && finSeq === cursor) {
      fin = true;
      this.clear();
    } else if (finSeq !== undefined && seqLt(finSeq, rcvNxt)) {
      // The FIN position is already behind us: the caller got it some other way.
      this.#finSeq = undefined;
    }
    if (bytes === 0 && !fin) return null;
    return { chunks, bytes, fin };
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** No bytes held (a remembered FIN position does not count). */
  get isEmpty(): boolean {
    return this.#blocks.length === 0;
  }

  /** Sequence number of the FIN, if one was seen and not yet taken. */
  get finSeq(): Seq | undefined {
    return this.#finSeq;
  }

  /** Held ranges [left, right), adjacent blocks merged, in sequence order (for SACK blocks). */
  ranges(): { left: Seq; right: Seq }[] {
    const out: { left: Seq; right: Seq }[] = [];
    let last: { left: Seq; right: Seq } | undefined;
    for (const b of this.#blocks) {
      const right = seqAdd(b.seq, b.data.length);
      if (last !== undefined && last.right === b.seq) {
        last.right = right;
      } else {
        last = { left: b.seq, right };
        out.push(last);
      }
    }
    return out;
  }

  /** Forgets all held bytes and the FIN position. */
  clear(): void {
    this.#blocks = [];
    this.#bytes = 0;
    this.#finSeq = undefined;
  }

  /** Slice [from, to) of `data`, which starts at `seq`; counts it as held. */
  #piece(seq: Seq, data: Uint8Array, from: Seq, to: Seq): Block {
    const piece = data.subarray(seqDiff(from, seq), seqDiff(to, seq));
    this.#bytes += piece.length;
    return { seq: from, data: piece };
  }

  /** Index of the first block whose end is after `seq` (blocks.length if none); binary search. */
  #firstEndingAfter(seq: Seq): number {
    const blocks = this.#blocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = blocks[mid]!;
      if (seqGt(seqAdd(b.seq, b.data.length), seq)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Drops held bytes at or after `pos` (trimming a block that straddles it). */
  #dropAfter(pos: Seq): void {
    const blocks = this.#blocks;
    const i = this.#firstEndingAfter(pos);
    if (i === blocks.length) return;
    const first = blocks[i]!;
    let keep = i;
    if (seqLt(first.seq, pos)) {
      const kept = seqDiff(pos, first.seq);
      this.#bytes -= first.data.length - kept;
      blocks[i] = { seq: first.seq, data: first.data.subarray(0, kept) };
      keep = i + 1;
    }
    for (let k = keep; k < blocks.length; k++) this.#bytes -= blocks[k]!.data.length;
    blocks.length = keep;
  }
}
