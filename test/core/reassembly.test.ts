import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Reassembly, type Taken } from '../../src/core/reassembly.js';
import { noteOutOfOrder, sackBlocks } from '../../src/core/sack.js';
import type { SackBlock } from '../../src/wire/segment.js';
import { type Seq, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../../src/wire/seq.js';

const range = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);
const fill = (v: number, n: number): Uint8Array => new Uint8Array(n).fill(v);
const concat = (t: Taken): number[] => t.chunks.flatMap((c) => Array.from(c));

/** Near the wrap point: 10 bytes before 2^32. */
const W = 0xffff_fff6;

describe('Reassembly', () => {
  test('in-order data is taken at once', () => {
    const r = new Reassembly();
    assert.equal(r.isEmpty, true);
    r.add(1000, range(0, 5), false);
    assert.equal(r.bytes, 5);
    assert.equal(r.isEmpty, false);
    const t = r.take(1000)!;
    assert.equal(t.bytes, 5);
    assert.equal(t.fin, false);
    assert.deepEqual(concat(t), [0, 1, 2, 3, 4]);
    assert.equal(r.bytes, 0);
    assert.equal(r.isEmpty, true);
    assert.equal(r.take(1005), null);
  });

  test('a gap holds later data back until it is filled; across the 2^32 wrap', () => {
    const r = new Reassembly();
    r.add(seqAdd(W, 15), range(15, 5), false); // [W+15, W+20) = [5, 10) after the wrap
    r.add(seqAdd(W, 5), range(5, 5), false); // [W+5, W+10) straddles the wrap
    assert.equal(r.take(W), null);
    assert.equal(r.bytes, 10);
    assert.deepEqual(r.ranges(), [
      { left: 0xffff_fffb, right: 0 },
      { left: 5, right: 10 },
    ]);
    r.add(W, range(0, 5), false);
    const t = r.take(W)!;
    assert.equal(t.bytes, 10);
    assert.deepEqual(concat(t), Array.from(range(0, 10)));
    assert.equal(r.bytes, 5);
    assert.deepEqual(r.ranges(), [{ left: 5, right: 10 }]);
    assert.equal(r.take(seqAdd(W, 10)), null);
    r.add(seqAdd(W, 10), range(10, 5), false);
    const t2 = r.take(seqAdd(W, 10))!;
    assert.deepEqual(concat(t2), Array.from(range(10, 10)));
    assert.equal(r.isEmpty, true);
  });

  test('overlapping data: bytes already held win, only gaps are filled', () => {
    const r = new Reassembly();
    r.add(10, fill(0xaa, 5), false); // [10, 15)
    r.add(20, fill(0xbb, 5), false); // [20, 25)
    r.add(5, fill(0xcc, 25), false); // [5, 30) covers both
    assert.equal(r.bytes, 25);
    assert.deepEqual(r.ranges(), [{ left: 5, right: 30 }]);
    const t = r.take(5)!;
    assert.deepEqual(concat(t), [
      ...fill(0xcc, 5),
      ...fill(0xaa, 5),
      ...fill(0xcc, 5),
      ...fill(0xbb, 5),
      ...fill(0xcc, 5),
    ]);
  });

  test('a duplicate or a piece inside held data changes nothing', () => {
    const r = new Reassembly();
    const a = range(0, 10);
    r.add(100, a, false);
    r.add(100, fill(1, 10), false);
    r.add(103, fill(2, 3), false);
    assert.equal(r.bytes, 10);
    const t = r.take(100)!;
    assert.equal(t.chunks.length, 1);
    assert.equal(t.chunks[0]!.buffer, a.buffer, 'held as a view, not copied');
    assert.deepEqual(concat(t), Array.from(a));
  });

  test('take trims a block straddling rcvNxt and drops blocks entirely before it', () => {
    const r = new Reassembly();
    r.add(0, range(0, 5), false); // [0, 5): entirely before 8
    r.add(6, range(6, 6), false); // [6, 12): straddles 8
    r.add(12, range(12, 3), false); // [12, 15)
    const t = r.take(8)!;
    assert.equal(t.bytes, 7);
    assert.deepEqual(concat(t), [8, 9, 10, 11, 12, 13, 14]);
    assert.equal(r.bytes, 0);
    assert.equal(r.isEmpty, true);
  });

  test('a block ending exactly at rcvNxt is dropped, not returned as an empty chunk', () => {
    const r = new Reassembly();
    r.add(0, range(0, 5), false);
    r.add(5, range(5, 5), false);
    assert.equal(r.take(10), null);
    assert.equal(r.bytes, 0);
    r.add(20, range(20, 5), false);
    r.add(25, range(25, 5), false);
    const t = r.take(25)!;
    assert.equal(t.chunks.length, 1);
    assert.deepEqual(concat(t), [25, 26, 27, 28, 29]);
  });

  test('take with nothing contiguous returns null but still drops stale blocks', () => {
    const r = new Reassembly();
    r.add(0, range(0, 5), false);
    r.add(20, range(20, 5), false);
    assert.equal(r.take(10), null);
    assert.equal(r.bytes, 5);
    assert.deepEqual(r.ranges(), [{ left: 20, right: 25 }]);
  });

  test('FIN after data: reported with the last bytes', () => {
    const r = new Reassembly();
    r.add(seqAdd(W, 5), range(5, 5), true); // FIN at W+10 = 0
    assert.equal(r.finSeq, 0);
    assert.equal(r.take(W), null);
    r.add(W, range(0, 5), false);
    const t = r.take(W)!;
    assert.equal(t.bytes, 10);
    assert.equal(t.fin, true);
    assert.equal(r.finSeq, undefined, 'the FIN is reported once');
    assert.equal(r.take(0), null);
  });

  test('FIN alone (empty data) at rcvNxt: { chunks: [], bytes: 0, fin: true }', () => {
    const r = new Reassembly();
    r.add(50, new Uint8Array(0), true);
    assert.equal(r.isEmpty, true);
    assert.equal(r.bytes, 0);
    assert.equal(r.take(40), null);
    assert.deepEqual(r.take(50), { chunks: [], bytes: 0, fin: true });
    assert.equal(r.take(50), null);
  });

  test('FIN at a position reached by bytes taken in the same call', () => {
    const r = new Reassembly();
    r.add(60, new Uint8Array(0), true);
    r.add(50, range(0, 10), false);
    const t = r.take(50)!;
    assert.equal(t.bytes, 10);
    assert.equal(t.fin, true);
  });

  test('data beyond the FIN is never held; the first FIN position wins', () => {
    const r = new Reassembly();
    r.add(110, range(10, 10), false); // [110, 120)
    r.add(100, range(0, 5), true); // FIN at 105: [110, 120) is dropped
    assert.equal(r.bytes, 5);
    assert.deepEqual(r.ranges(), [{ left: 100, right: 105 }]);
    r.add(103, range(3, 10), false); // only [103, 105) could count, and it is held already
    assert.equal(r.bytes, 5);
    r.add(100, range(0, 20), true); // a second FIN (at 120) is ignored
    assert.equal(r.finSeq, 105);
    r.add(95, range(95, 7), false); // [95, 100) fills before; [100, 102) held
    assert.equal(r.bytes, 10);
    const t = r.take(95)!;
    assert.equal(t.bytes, 10);
    assert.equal(t.fin, true);
  });

  test('FIN set while a block straddles its position trims that block', () => {
    const r = new Reassembly();
    r.add(0, range(0, 10), false);
    r.add(20, range(20, 10), false);
    r.add(5, new Uint8Array(0), true); // FIN at 5
    assert.equal(r.bytes, 5);
    assert.deepEqual(r.ranges(), [{ left: 0, right: 5 }]);
    const t = r.take(0)!;
    assert.deepEqual(concat(t), [0, 1, 2, 3, 4]);
    assert.equal(t.fin, true);
  });

  test('a FIN position already behind rcvNxt is forgotten', () => {
    const r = new Reassembly();
    r.add(10, new Uint8Array(0), true);
    assert.equal(r.take(20), null);
    assert.equal(r.finSeq, undefined);
  });

  test('ranges merges adjacent blocks; clear forgets everything', () => {
    const r = new Reassembly();
    r.add(10, range(0, 5), false);
    r.add(15, range(0, 5), false);
    r.add(30, range(0, 5), false);
    r.add(25, range(0, 5), true);
    assert.deepEqual(r.ranges(), [
      { left: 10, right: 20 },
      { left: 25, right: 30 },
    ]);
    assert.equal(r.bytes, 15);
    r.clear();
    assert.equal(r.bytes, 0);
    assert.equal(r.isEmpty, true);
    assert.equal(r.finSeq, undefined);
    assert.deepEqual(r.ranges(), []);
  });

  test('property: random out-of-order, overlapping, duplicated pieces yield the stream once, in order', () => {
    const arb = fc
      .record({
        start: fc.oneof(fc.integer({ min: 0xffff_f000, max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff })),
        length: fc.integer({ min: 0, max: 3000 }),
        pieces: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 700 })), {
          maxLength: 60,
        }),
        window: fc.integer({ min: 1, max: 4000 }),
        withFin: fc.boolean(),
      })
      .chain((c) =>
        // A covering set of pieces (so the stream always completes) plus the random ones, shuffled.
        fc
          .shuffledSubarray(
            [
              ...cover(c.length),
              ...c.pieces.map(([f, n]): [number, number] => {
                const off = Math.floor(f * c.length);
                return [off, Math.min(n, c.length - off)];
              }),
              ...c.pieces.slice(0, 5).map(([f, n]): [number, number] => [Math.floor(f * c.length), Math.min(n, 1)]),
            ],
            { minLength: 0 },
          )
          .chain((sub) => fc.constant({ ...c, order: sub })),
      );
    fc.assert(
      fc.property(arb, (c) => {
        const stream = Uint8Array.from({ length: c.length }, (_, i) => (i * 7 + 3) & 0xff);
        const r = new Reassembly();
        let rcvNxt = c.start;
        const out: number[] = [];
        let fins = 0;
        const deliver = (off: number, n: number): void => {
          const end = off + n;
          const fin = c.withFin && end === c.length;
          // The caller's job: trim to [rcvNxt, rcvNxt + window), drop what is entirely old or after the FIN.
          const done = seqDiff(rcvNxt, c.start);
          if (fins > 0 || end < done || (end === done && !fin)) return;
          const from = Math.max(off, done);
          const to = Math.min(end, done + c.window);
          if (to < from) return;
          r.add(seqAdd(c.start, from), stream.subarray(from, to), fin && to === end);
          const held = r.ranges().reduce((sum, x) => sum + seqDiff(x.right, x.left), 0);
          assert.equal(held, r.bytes, 'ranges() agree with bytes');
          const t = r.take(rcvNxt);
          if (t === null) return;
          assert.ok(t.bytes > 0 || t.fin);
          for (const ch of t.chunks) assert.ok(ch.length > 0, 'no empty chunks');
          for (const ch of t.chunks) for (const b of ch) out.push(b);
          rcvNxt = seqAdd(rcvNxt, t.bytes);
          if (t.fin) fins++;
        };
        // The shuffled subset first, then the in-order cover until everything has arrived (each
        // round moves at least one window forward).
        for (const [off, n] of c.order) deliver(off, n);
        for (let round = 0; out.length < c.length || (c.withFin && fins === 0); round++) {
          assert.ok(round <= c.length + 2, 'no progress');
          for (const [off, n] of cover(c.length)) deliver(off, n);
        }
        assert.deepEqual(out, Array.from(stream));
        assert.equal(fins, c.withFin ? 1 : 0);
        assert.equal(r.bytes, 0);
        assert.equal(r.isEmpty, true);
      }),
      { seed: 0x5eed_0002, numRuns: 400 },
    );
  });

  test('many held ranges: SACK blocks, adds and takes agree with the sorted-list queue', () => {
    // 1,500 one-in-two segments (1,500 ranges), then gaps filled from the top down, then in random
    // order, then the rest: every step compared with the list-based queue the tree replaced.
    const r = new Reassembly();
    const ref = new ListReassembly();
    const recent: Seq[] = [];
    const base = 0xffff_0000;
    const seg = (i: number): Uint8Array => fill(i & 0xff, 100);
    const put = (i: number): void => {
      const seq = seqAdd(base, i * 100);
      r.add(seq, seg(i), false);
      ref.add(seq, seg(i), false);
      noteOutOfOrder(recent, seq);
      for (const max of [1, 3, 4]) assert.deepEqual(sackBlocks(r, recent, max), listSackBlocks(ref, recent, max));
      assert.equal(r.bytes, ref.bytes);
    };
    for (let i = 1; i < 3000; i += 2) put(i);
    assert.equal(r.ranges().length, 1500);
    assert.deepEqual(r.ranges(), ref.ranges());
    for (let i = 2998; i >= 2000; i -= 2) put(i);
    let x = 12345;
    for (let k = 0; k < 800; k++) {
      x = (x * 1103515245 + 12345) >>> 0;
      put(2 * (x % 1000));
    }
    assert.deepEqual(r.ranges(), ref.ranges());
    for (let i = 0; i < 2000; i += 2) put(i);
    assert.deepEqual(r.ranges(), [{ left: base, right: seqAdd(base, 300000) }]);
    const t = r.take(base)!;
    const u = ref.take(base)!;
    assert.deepEqual(
      t.chunks.map((c) => c.length),
      u.chunks.map((c) => c.length),
    );
    assert.deepEqual(concat(t), concat(u));
    assert.equal(r.isEmpty, true);
  });

  test('the tree of runs stays balanced: ascending, descending, outside-in and shuffled arrivals, takes, a FIN, joins', () => {
    const n = 4096;
    const bound = (runs: number): number => Math.floor(1.44 * Math.log2(runs + 2));
    const orders: Record<string, number[]> = {
      ascending: Array.from({ length: n }, (_, i) => i),
      descending: Array.from({ length: n }, (_, i) => n - 1 - i),
      'outside-in': Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i / 2 : n - 1 - (i - 1) / 2)),
      shuffled: shuffled(n, 0x2545),
    };
    for (const [name, order] of Object.entries(orders)) {
      const r = new Reassembly();
      const base = seqAdd(W, -1000); // the runs straddle the 2^32 wrap
      for (const i of order) r.add(seqAdd(base, 20 * i), fill(i & 0xff, 10), false);
      assert.equal(r.ranges().length, n, name);
      assert.ok(r.treeHeight <= bound(n), `${name}: height ${r.treeHeight} for ${n} runs`);
      // Take the lowest quarter (one gap filled at a time), then a FIN drops the top quarter.
      for (let i = 0; i < n / 4; i++) {
        const at = seqAdd(base, 20 * i);
        assert.equal(r.take(at)?.bytes, 10, name);
      }
      r.add(seqAdd(base, 20 * ((3 * n) / 4)), new Uint8Array(0), true);
      assert.equal(r.ranges().length, n / 2, name);
      assert.equal(r.bytes, 10 * (n / 2), name);
      assert.ok(r.treeHeight <= bound(n / 2), `${name}: height ${r.treeHeight} for ${n / 2} runs`);
      // Fill every other gap: runs join pairwise.
      for (let i = n / 4; i < (3 * n) / 4; i += 2) r.add(seqAdd(base, 20 * i + 10), fill(0, 10), false);
      assert.equal(r.ranges().length, n / 4, name);
      assert.ok(r.treeHeight <= bound(n / 4), `${name}: height ${r.treeHeight} for ${n / 4} runs`);
    }
  });

  test('property: adds, takes, FINs and SACK blocks agree with the sorted-list queue', () => {
    const op = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('add' as const),
          off: fc.integer({ min: -300, max: 3000 }),
          len: fc.nat({ max: 400 }),
          fin: fc.boolean(),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('take' as const),
          skip: fc.oneof(fc.constant(0), fc.nat({ max: 600 })),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
    );
    const arb = fc.record({
      start: fc.oneof(fc.integer({ min: 0xffff_f000, max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff })),
      finOdds: fc.integer({ min: 0, max: 30 }),
      ops: fc.array(op, { maxLength: 120 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const r = new Reassembly();
        const ref = new ListReassembly();
        const recent: Seq[] = [];
        let rcvNxt = c.start;
        let stamp = 0;
        for (const o of c.ops) {
          if (o.kind === 'add') {
            const seq = seqAdd(rcvNxt, o.off);
            // Distinct bytes per add, so that which copy of a byte is held shows.
            const data = Uint8Array.from({ length: o.len }, (_, i) => (stamp * 31 + i) & 0xff);
            stamp++;
            const fin = o.fin && o.len % 31 < c.finOdds;
            r.add(seq, data, fin);
            ref.add(seq, data, fin);
            if (data.length > 0) noteOutOfOrder(recent, seq);
          } else if (o.kind === 'take') {
            rcvNxt = seqAdd(rcvNxt, o.skip);
            const t = r.take(rcvNxt);
            const u = ref.take(rcvNxt);
            if (u === null) assert.equal(t, null);
            else {
              assert.ok(t !== null);
              assert.equal(t.bytes, u.bytes);
              assert.equal(t.fin, u.fin);
              assert.deepEqual(
                t.chunks.map((x) => Array.from(x)),
                u.chunks.map((x) => Array.from(x)),
              );
              rcvNxt = seqAdd(rcvNxt, t.bytes);
            }
          } else {
            r.clear();
            ref.clear();
          }
          assert.equal(r.bytes, ref.bytes);
          assert.equal(r.isEmpty, ref.isEmpty);
          assert.equal(r.finSeq, ref.finSeq);
          assert.deepEqual(r.ranges(), ref.ranges());
          for (let max = 0; max <= 4; max++) {
            assert.deepEqual(sackBlocks(r, recent, max), listSackBlocks(ref, recent, max));
          }
        }
      }),
      { seed: 0x5eed_0003, numRuns: 400 },
    );
  });
});

/** 0 .. n-1 in an order fixed by `seed` (Fisher-Yates with a small LCG). */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Pieces of length up to 500 covering [0, length) in order (one empty piece when length is 0). */
function cover(length: number): [number, number][] {
  const out: [number, number][] = [];
  for (let off = 0; off < length; off += 500) out.push([off, Math.min(500, length - off)]);
  if (length === 0) out.push([0, 0]);
  return out;
}

// The queue as it was before the tree of runs (a sorted array of blocks, ranges() merging adjacent
// ones) and sackBlocks over it: the oracle the tests above compare with, byte for byte and block for
// block.

interface ListBlock {
  seq: Seq;
  data: Uint8Array;
}

class ListReassembly {
  blocks: ListBlock[] = [];
  bytes = 0;
  finSeq: Seq | undefined = undefined;

  add(seq: Seq, data: Uint8Array, fin: boolean): void {
    let end = seqAdd(seq, data.length);
    if (fin && this.finSeq === undefined) {
      this.finSeq = end;
      this.dropAfter(end);
    }
    const finSeq = this.finSeq;
    if (finSeq !== undefined && seqGt(end, finSeq)) {
      if (seqLe(finSeq, seq)) return;
      data = data.subarray(0, seqDiff(finSeq, seq));
      end = finSeq;
    }
    if (data.length === 0) return;
    const blocks = this.blocks;
    const i = this.firstEndingAfter(seq);
    let j = i;
    let cursor = seq;
    const merged: ListBlock[] = [];
    while (j < blocks.length) {
      const b = blocks[j]!;
      if (seqGe(b.seq, end)) break;
      if (seqLt(cursor, b.seq)) merged.push(this.piece(seq, data, cursor, b.seq));
      merged.push(b);
      const bEnd = seqAdd(b.seq, b.data.length);
      if (seqGt(bEnd, cursor)) cursor = bEnd;
      j++;
    }
    if (seqLt(cursor, end)) merged.push(this.piece(seq, data, cursor, end));
    if (merged.length === j - i) return;
    blocks.splice(i, j - i, ...merged);
  }

  take(rcvNxt: Seq): Taken | null {
    const blocks = this.blocks;
    let cursor = rcvNxt;
    let k = 0;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    while (k < blocks.length) {
      const b = blocks[k]!;
      const bEnd = seqAdd(b.seq, b.data.length);
      if (seqLe(bEnd, cursor)) {
        this.bytes -= b.data.length;
        k++;
        continue;
      }
      if (seqGt(b.seq, cursor)) break;
      const chunk = b.data.subarray(seqDiff(cursor, b.seq));
      chunks.push(chunk);
      bytes += chunk.length;
      this.bytes -= b.data.length;
      cursor = bEnd;
      k++;
    }
    if (k > 0) blocks.splice(0, k);
    let fin = false;
    const finSeq = this.finSeq;
    if (finSeq !== undefined && finSeq === cursor) {
      fin = true;
      this.clear();
    } else if (finSeq !== undefined && seqLt(finSeq, rcvNxt)) {
      this.finSeq = undefined;
    }
    if (bytes === 0 && !fin) return null;
    return { chunks, bytes, fin };
  }

  get isEmpty(): boolean {
    return this.blocks.length === 0;
  }

  ranges(): { left: Seq; right: Seq }[] {
    const out: { left: Seq; right: Seq }[] = [];
    let last: { left: Seq; right: Seq } | undefined;
    for (const b of this.blocks) {
      const right = seqAdd(b.seq, b.data.length);
      if (last !== undefined && last.right === b.seq) last.right = right;
      else {
        last = { left: b.seq, right };
        out.push(last);
      }
    }
    return out;
  }

  clear(): void {
    this.blocks = [];
    this.bytes = 0;
    this.finSeq = undefined;
  }

  piece(seq: Seq, data: Uint8Array, from: Seq, to: Seq): ListBlock {
    const piece = data.subarray(seqDiff(from, seq), seqDiff(to, seq));
    this.bytes += piece.length;
    return { seq: from, data: piece };
  }

  firstEndingAfter(seq: Seq): number {
    const blocks = this.blocks;
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

  dropAfter(pos: Seq): void {
    const blocks = this.blocks;
    const i = this.firstEndingAfter(pos);
    if (i === blocks.length) return;
    const first = blocks[i]!;
    let keep = i;
    if (seqLt(first.seq, pos)) {
      const kept = seqDiff(pos, first.seq);
      this.bytes -= first.data.length - kept;
      blocks[i] = { seq: first.seq, data: first.data.subarray(0, kept) };
      keep = i + 1;
    }
    for (let k = keep; k < blocks.length; k++) this.bytes -= blocks[k]!.data.length;
    blocks.length = keep;
  }
}

function listSackBlocks(reasm: ListReassembly, recent: readonly Seq[], max: number): SackBlock[] {
  const ranges = reasm.ranges();
  const out: SackBlock[] = [];
  const used = new Uint8Array(ranges.length);
  for (const seq of recent) {
    if (out.length >= max) return out;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      if (used[i] === 0 && seqGe(seq, r.left) && seqLt(seq, r.right)) {
        used[i] = 1;
        out.push({ left: r.left, right: r.right });
        break;
      }
    }
  }
  for (let i = ranges.length - 1; i >= 0 && out.length < max; i--) {
    if (used[i] === 0) out.push({ left: ranges[i]!.left, right: ranges[i]!.right });
  }
  return out;
}
