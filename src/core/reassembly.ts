// Out-of-order receive queue (RFC 9293 §3.10.7.4, seventh step: segments that arrive ahead of
// RCV.NXT may be held and delivered once the gap before them is filled).
//
// Held data is kept as runs: maximal ranges [left, right) of held bytes with no gap inside, never
// overlapping or adjacent (data that fills the gap between two runs joins them into one). Each run
// is the list of chunks that make it up, in sequence order, and the runs are the nodes of an AVL
// tree ordered by their left edge, so finding, adding and removing a run costs O(log runs) however
// many are held, and data that extends a run only links one chunk to it. Chunks are views of the
// caller's payloads: add() never copies bytes, it only slices. When new data overlaps what is held,
// the bytes already held win and only the gaps are filled from the new data.
//
// The caller bounds everything by the receive window (less than 2^31 bytes), so all held sequence
// numbers lie within half the sequence space of RCV.NXT and the modular comparisons of wire/seq.ts
// order them correctly across the 2^32 wrap.
//
// The FIN is remembered as a position (the sequence number it occupies). Data beyond that position
// cannot be legitimate, so it is not held; the first FIN position recorded wins.

import { type Seq, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/seq.js';

/** Held bytes from `seq`: a view of a payload given to add(). */
interface Chunk {
  seq: Seq;
  data: Uint8Array;
  next: Chunk | undefined;
}

/**
 * Held bytes [left, right) without a gap, as the chunks `head` to `tail`; also a node of the AVL
 * tree of runs (`lo` and `hi` subtrees, `height` of the subtree rooted here).
 */
interface Run {
  left: Seq;
  right: Seq;
  head: Chunk;
  tail: Chunk;
  lo: Run | undefined;
  hi: Run | undefined;
  height: number;
}

/** A held range [left, right). */
export interface HeldRange {
  left: Seq;
  right: Seq;
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
  #root: Run | undefined = undefined;
  #bytes = 0;
  #finSeq: Seq | undefined = undefined;
  /** The host's count of out-of-order bytes (host-limits.ts), kept in step with #bytes. */
  readonly #host: { held: number } | undefined;

  constructor(host?: { held: number }) {
    this.#host = host;
  }

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

    // The first run that ends at or after `seq`: the first one the new data can overlap or adjoin.
    const first = this.#firstEndingFrom(seq, true);
    if (first === undefined || seqGt(first.left, end)) {
      // Touches nothing held: a run of its own.
      const c = this.#piece(seq, data, seq, end);
      this.#root = insert(this.#root, {
        left: seq,
        right: end,
        head: c,
        tail: c,
        lo: undefined,
        hi: undefined,
        height: 1,
      });
      return;
    }
    if (seqLe(first.left, seq) && seqLe(end, first.right)) return; // fully covered already
    // Otherwise some of [seq, end) is new: the gaps before, between and after the runs it touches.
    // They and those runs become one run, `first` (the others leave the tree). The order of the
    // runs does not change, so `first` may take the joint extent in place.
    let cursor = seq;
    let head: Chunk | undefined;
    let tail: Chunk | undefined;
    let right = end;
    const absorbed: Run[] = [];
    for (let r: Run | undefined = first; r !== undefined && seqLe(r.left, end); r = this.#after(r)) {
      if (seqLt(cursor, r.left)) {
        const c = this.#piece(seq, data, cursor, r.left);
        if (tail === undefined) head = c;
        else tail.next = c;
        tail = c;
      }
      if (tail === undefined) head = r.head;
      else tail.next = r.head;
      tail = r.tail;
      if (seqGt(r.right, cursor)) cursor = r.right;
      if (seqGt(r.right, right)) right = r.right;
      if (r !== first) absorbed.push(r);
    }
    if (seqLt(cursor, end)) {
      const c = this.#piece(seq, data, cursor, end);
      (tail as Chunk).next = c;
      tail = c;
    }
    for (const r of absorbed) this.#root = remove(this.#root, r.left);
    if (seqLt(seq, first.left)) first.left = seq;
    first.right = right;
    first.head = head as Chunk;
    first.tail = tail as Chunk;
  }

  /**
   * Removes and returns everything now contiguous from `rcvNxt`. Held bytes before `rcvNxt` are
   * discarded (a chunk straddling it is trimmed). Returns null when there are no contiguous bytes
   * and the FIN is not at `rcvNxt`; { chunks: [], bytes: 0, fin: true } when only the FIN is.
   * Once the FIN is reported, it and anything still held are forgotten.
   */
  take(rcvNxt: Seq): Taken | null {
    let cursor = rcvNxt;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for (let r = lowest(this.#root); r !== undefined; r = lowest(this.#root)) {
      if (seqGt(r.left, cursor)) break; // a gap
      if (seqGt(r.right, cursor)) {
        for (let c: Chunk | undefined = r.head; c !== undefined; c = c.next) {
          const cEnd = seqAdd(c.seq, c.data.length);
          if (seqLe(cEnd, cursor)) continue; // before rcvNxt: already delivered by another path
          const chunk = c.data.subarray(seqDiff(cursor, c.seq));
          chunks.push(chunk);
          bytes += chunk.length;
          cursor = cEnd;
        }
      }
      // Otherwise entirely before rcvNxt: already delivered by another path.
      this.#count(-seqDiff(r.right, r.left));
      this.#root = removeLowest(this.#root as Run);
    }
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
    return this.#root === undefined;
  }

  /** Sequence number of the FIN, if one was seen and not yet taken. */
  get finSeq(): Seq | undefined {
    return this.#finSeq;
  }

  /** Held ranges [left, right), adjacent chunks merged, in sequence order (walks them all). */
  ranges(): HeldRange[] {
    const out: HeldRange[] = [];
    const stack: Run[] = [];
    let n = this.#root;
    while (n !== undefined || stack.length > 0) {
      while (n !== undefined) {
        stack.push(n);
        n = n.lo;
      }
      const r = stack.pop() as Run;
      out.push({ left: r.left, right: r.right });
      n = r.hi;
    }
    return out;
  }

  /** The held range containing `seq`, if any; O(log ranges). */
  rangeAt(seq: Seq): HeldRange | undefined {
    // The last run starting at or before `seq`; the exact test below also rejects any `seq` that
    // lies outside the window, where the modular comparisons of the descent mean nothing.
    let best: Run | undefined;
    for (let n = this.#root; n !== undefined; ) {
      if (seqLe(n.left, seq)) {
        best = n;
        n = n.hi;
      } else n = n.lo;
    }
    if (best === undefined || (seq - best.left) >>> 0 >= (best.right - best.left) >>> 0) return undefined;
    return { left: best.left, right: best.right };
  }

  /**
   * The highest held range starting before `seq` (the highest of all when `seq` is undefined);
   * O(log ranges). From undefined, then each answer's left edge, it lists the ranges highest first.
   */
  rangeBefore(seq: Seq | undefined): HeldRange | undefined {
    let best: Run | undefined;
    for (let n = this.#root; n !== undefined; ) {
      if (seq === undefined || seqLt(n.left, seq)) {
        best = n;
        n = n.hi;
      } else n = n.lo;
    }
    return best === undefined ? undefined : { left: best.left, right: best.right };
  }

  /**
   * Height of the tree of runs, measured by walking all of it (for tests: an AVL tree of n runs is
   * at most 1.44 log2(n + 2) high). Throws if a node's subtrees differ by more than one in height
   * or a stored height is wrong.
   */
  get treeHeight(): number {
    return measuredHeight(this.#root);
  }

  /** Forgets all held bytes and the FIN position. */
  clear(): void {
    this.#root = undefined;
    this.#count(-this.#bytes);
    this.#finSeq = undefined;
  }

  /** Adds `n` (negative: subtracts) to the bytes held, here and in the host's count. */
  #count(n: number): void {
    this.#bytes += n;
    if (this.#host !== undefined) this.#host.held += n;
  }

  /** Chunk for [from, to) of `data`, which starts at `seq`; counts it as held. */
  #piece(seq: Seq, data: Uint8Array, from: Seq, to: Seq): Chunk {
    const piece = data.subarray(seqDiff(from, seq), seqDiff(to, seq));
    this.#count(piece.length);
    return { seq: from, data: piece, next: undefined };
  }

  /** The first run that ends after `seq` (at or after it when `touching`), if any. */
  #firstEndingFrom(seq: Seq, touching: boolean): Run | undefined {
    let best: Run | undefined;
    for (let n = this.#root; n !== undefined; ) {
      if (touching ? seqGe(n.right, seq) : seqGt(n.right, seq)) {
        best = n;
        n = n.lo;
      } else n = n.hi;
    }
    return best;
  }

  /** The run after `r`, if any. */
  #after(r: Run): Run | undefined {
    let best: Run | undefined;
    for (let n = this.#root; n !== undefined; ) {
      if (seqGt(n.left, r.left)) {
        best = n;
        n = n.lo;
      } else n = n.hi;
    }
    return best;
  }

  /** Drops held bytes at or after `pos` (trimming a chunk that straddles it). */
  #dropAfter(pos: Seq): void {
    let r = this.#firstEndingFrom(pos, false);
    if (r === undefined) return;
    if (seqLt(r.left, pos)) {
      // The run straddles `pos`: cut its chunk list there.
      let prev: Chunk | undefined;
      let c = r.head;
      while (seqLe(seqAdd(c.seq, c.data.length), pos)) {
        prev = c;
        c = c.next as Chunk;
      }
      if (seqLt(c.seq, pos)) {
        c.data = c.data.subarray(0, seqDiff(pos, c.seq));
        c.next = undefined;
        r.tail = c;
      } else {
        (prev as Chunk).next = undefined;
        r.tail = prev as Chunk;
      }
      this.#count(-seqDiff(r.right, pos));
      r.right = pos;
      r = this.#after(r);
    }
    while (r !== undefined) {
      const next = this.#after(r);
      this.#count(-seqDiff(r.right, r.left));
      this.#root = remove(this.#root, r.left);
      r = next;
    }
  }
}

// AVL tree of runs, ordered by `left` (distinct: runs never overlap). Each operation takes a subtree
// and returns its new root.

function height(n: Run | undefined): number {
  return n === undefined ? 0 : n.height;
}

function measuredHeight(n: Run | undefined): number {
  if (n === undefined) return 0;
  const lo = measuredHeight(n.lo);
  const hi = measuredHeight(n.hi);
  if (Math.abs(lo - hi) > 1 || n.height !== Math.max(lo, hi) + 1) throw new Error('reassembly: tree out of balance');
  return n.height;
}

function rotateRight(n: Run): Run {
  const l = n.lo as Run;
  n.lo = l.hi;
  l.hi = n;
  n.height = Math.max(height(n.lo), height(n.hi)) + 1;
  l.height = Math.max(height(l.lo), n.height) + 1;
  return l;
}

function rotateLeft(n: Run): Run {
  const r = n.hi as Run;
  n.hi = r.lo;
  r.lo = n;
  n.height = Math.max(height(n.lo), height(n.hi)) + 1;
  r.height = Math.max(n.height, height(r.hi)) + 1;
  return r;
}

/** Restores the AVL property at `n`, whose subtrees differ in height by at most 2. */
function rebalance(n: Run): Run {
  const lh = height(n.lo);
  const hh = height(n.hi);
  if (lh > hh + 1) {
    const l = n.lo as Run;
    if (height(l.lo) < height(l.hi)) n.lo = rotateLeft(l);
    return rotateRight(n);
  }
  if (hh > lh + 1) {
    const h = n.hi as Run;
    if (height(h.hi) < height(h.lo)) n.hi = rotateRight(h);
    return rotateLeft(n);
  }
  n.height = Math.max(lh, hh) + 1;
  return n;
}

function insert(n: Run | undefined, run: Run): Run {
  if (n === undefined) return run;
  if (seqLt(run.left, n.left)) n.lo = insert(n.lo, run);
  else n.hi = insert(n.hi, run);
  return rebalance(n);
}

function lowest(n: Run | undefined): Run | undefined {
  if (n === undefined) return undefined;
  while (n.lo !== undefined) n = n.lo;
  return n;
}

function removeLowest(n: Run): Run | undefined {
  if (n.lo === undefined) return n.hi;
  n.lo = removeLowest(n.lo);
  return rebalance(n);
}

/** Removes the run starting at `left`. */
function remove(n: Run | undefined, left: Seq): Run | undefined {
  if (n === undefined) return undefined;
  if (n.left === left) {
    if (n.lo === undefined) return n.hi;
    if (n.hi === undefined) return n.lo;
    // Two subtrees: the next run takes this one's place.
    const m = lowest(n.hi) as Run;
    m.hi = removeLowest(n.hi);
    m.lo = n.lo;
    return rebalance(m);
  }
  if (seqLt(left, n.left)) n.lo = remove(n.lo, left);
  else n.hi = remove(n.hi, left);
  return rebalance(n);
}
