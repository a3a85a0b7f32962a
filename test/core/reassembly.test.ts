import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Reassembly, type Taken } from '../../src/core/reassembly.js';
import { seqAdd, seqDiff } from '../../src/wire/seq.js';

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
});

/** Pieces of length up to 500 covering [0, length) in order (one empty piece when length is 0). */
function cover(length: number): [number, number][] {
  const out: [number, number][] = [];
  for (let off = 0; off < length; off += 500) out.push([off, Math.min(500, length - off)]);
  if (length === 0) out.push([0, 0]);
  return out;
}
