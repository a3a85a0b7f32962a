import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/base/errors.js';
import { ByteQueue } from '../../src/core/byte-queue.js';

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);
const range = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('ByteQueue', () => {
  test('starts empty with the given capacity', () => {
    const q = new ByteQueue(100);
    assert.equal(q.length, 0);
    assert.equal(q.capacity, 100);
    assert.equal(q.space, 100);
    assert.equal(q.shift(), null);
    assert.deepEqual(q.peek(0, 10), new Uint8Array(0));
  });

  test('push copies at most `space` bytes and returns the count', () => {
    const q = new ByteQueue(5);
    const src = bytes(1, 2, 3);
    assert.equal(q.push(src), 3);
    src[0] = 99; // we own a copy
    assert.equal(q.push(bytes(4, 5, 6, 7)), 2);
    assert.equal(q.length, 5);
    assert.equal(q.space, 0);
    assert.equal(q.push(bytes(8)), 0);
    assert.deepEqual(q.peek(0, 100), bytes(1, 2, 3, 4, 5));
  });

  test('capacity may shrink below length: space is 0 until enough is consumed', () => {
    const q = new ByteQueue(10);
    q.push(range(0, 8));
    q.capacity = 4;
    assert.equal(q.capacity, 4);
    assert.equal(q.space, 0);
    assert.equal(q.push(bytes(1)), 0);
    q.consume(5);
    assert.equal(q.length, 3);
    assert.equal(q.space, 1);
    assert.equal(q.push(bytes(42, 43)), 1);
    assert.deepEqual(q.peek(0, 10), bytes(5, 6, 7, 42));
    q.capacity = 20;
    assert.equal(q.space, 16);
  });

  test('many small pushes share one chunk: peek over all of them is a view', () => {
    const q = new ByteQueue(1 << 20);
    for (let i = 0; i < 1000; i++) q.push(bytes(i & 0xff));
    const all = q.peek(0, 1000);
    const first = q.peek(0, 1);
    assert.equal(all.length, 1000);
    assert.equal(all.buffer, first.buffer, 'one backing buffer, no copy');
    assert.deepEqual(all, range(0, 1000));
  });

  test('a push larger than the chunk size is stored in one chunk', () => {
    const q = new ByteQueue(1 << 20);
    q.push(range(0, 100_000));
    const v = q.peek(0, 100_000);
    assert.equal(v.buffer, q.peek(99_999, 1).buffer);
    assert.deepEqual(v, range(0, 100_000));
  });

  test('pushView keeps the array itself and skips the capacity check', () => {
    const q = new ByteQueue(2);
    const a = range(10, 5);
    q.pushView(a);
    assert.equal(q.length, 5);
    assert.equal(q.space, 0);
    const v = q.peek(1, 3);
    assert.equal(v.buffer, a.buffer);
    assert.equal(v.byteOffset, a.byteOffset + 1);
    assert.deepEqual(v, bytes(11, 12, 13));
    q.pushView(new Uint8Array(0));
    assert.equal(q.length, 5);
  });

  test('peek across chunks returns one copy; len is clipped; offset past the end gives empty', () => {
    const q = new ByteQueue(100);
    q.pushView(bytes(1, 2, 3));
    q.pushView(bytes(4, 5));
    q.pushView(bytes(6, 7, 8, 9));
    const v = q.peek(2, 5);
    assert.deepEqual(v, bytes(3, 4, 5, 6, 7));
    assert.deepEqual(q.peek(0, 100), bytes(1, 2, 3, 4, 5, 6, 7, 8, 9));
    assert.deepEqual(q.peek(7, 100), bytes(8, 9));
    assert.deepEqual(q.peek(9, 1), new Uint8Array(0));
    assert.deepEqual(q.peek(3, 0), new Uint8Array(0));
    assert.deepEqual(q.peek(3, 2), bytes(4, 5), 'exactly one middle chunk');
    assert.equal(q.length, 9, 'peek does not remove');
  });

  test('consume drops across chunks; more than held throws', () => {
    const q = new ByteQueue(100);
    q.pushView(bytes(1, 2, 3));
    q.pushView(bytes(4, 5));
    q.pushView(bytes(6, 7, 8, 9));
    q.consume(4);
    assert.equal(q.length, 5);
    assert.deepEqual(q.peek(0, 10), bytes(5, 6, 7, 8, 9));
    q.consume(0);
    assert.equal(q.length, 5);
    assert.throws(
      () => q.consume(6),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
    assert.equal(q.length, 5, 'nothing changed');
    q.consume(5);
    assert.equal(q.length, 0);
    assert.equal(q.shift(), null);
  });

  test('negative or fractional arguments are usage errors', () => {
    const q = new ByteQueue(10);
    const isUsage = (e: unknown): boolean => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE';
    assert.throws(() => new ByteQueue(-1), isUsage);
    assert.throws(() => q.peek(-1, 1), isUsage);
    assert.throws(() => q.peek(0, 1.5), isUsage);
    assert.throws(() => q.consume(-1), isUsage);
    assert.throws(() => {
      q.capacity = Number.NaN;
    }, isUsage);
  });

  test('shift returns up to max bytes, a view when they lie in one chunk', () => {
    const q = new ByteQueue(100);
    const a = bytes(1, 2, 3, 4);
    q.pushView(a);
    q.pushView(bytes(5, 6));
    const s1 = q.shift(3)!;
    assert.deepEqual(s1, bytes(1, 2, 3));
    assert.equal(s1.buffer, a.buffer);
    const s2 = q.shift(2)!;
    assert.deepEqual(s2, bytes(4, 5), 'spans two chunks: a copy');
    assert.deepEqual(q.shift(10), bytes(6));
    assert.equal(q.shift(10), null);
    q.push(bytes(7, 8, 9));
    assert.deepEqual(q.shift(0), new Uint8Array(0));
    assert.deepEqual(q.shift(), bytes(7, 8, 9), 'no max: everything');
    assert.equal(q.length, 0);
  });

  test('views handed out stay valid after more pushes and consumes', () => {
    const q = new ByteQueue(1 << 20);
    q.push(bytes(1, 2, 3));
    const v = q.peek(0, 3);
    q.push(bytes(4, 5, 6)); // appended to the same tail buffer, after the viewed bytes
    q.consume(4);
    q.push(range(100, 50));
    assert.deepEqual(v, bytes(1, 2, 3));
    assert.deepEqual(q.peek(0, 3), bytes(5, 6, 100));
  });

  test('long runs of pushView/consume keep working across compaction', () => {
    const q = new ByteQueue(1 << 20);
    let next = 0;
    let expect = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 7; i++) q.pushView(range(next++, 1));
      const out = q.shift(5)!;
      for (const b of out) assert.equal(b, expect++ & 0xff);
    }
    assert.equal(q.length, 200 * 2);
    assert.deepEqual(q.peek(0, 3), range(expect, 3));
  });

  test('property: matches a plain array model under random push/pushView/peek/consume/shift', () => {
    type Op =
      | { op: 'push'; data: Uint8Array }
      | { op: 'pushView'; data: Uint8Array }
      | { op: 'peek'; offsetFrac: number; len: number }
      | { op: 'consume'; frac: number }
      | { op: 'shift'; max: number | undefined }
      | { op: 'capacity'; cap: number };
    // Large arrays built from a length and a start byte, so sizes around the 16 KiB chunk size are common.
    const data = fc.tuple(fc.nat({ max: 40_000 }), fc.nat({ max: 255 })).map(([n, s]) => range(s, n));
    const small = fc.uint8Array({ minLength: 0, maxLength: 300 });
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.record({ op: fc.constant('push' as const), data: fc.oneof(small, data) }), weight: 4 },
      { arbitrary: fc.record({ op: fc.constant('pushView' as const), data: small }), weight: 2 },
      {
        arbitrary: fc.record({
          op: fc.constant('peek' as const),
          offsetFrac: fc.double({ min: 0, max: 1.1, noNaN: true }),
          len: fc.oneof(fc.nat({ max: 64 }), fc.nat({ max: 60_000 })),
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({ op: fc.constant('consume' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          op: fc.constant('shift' as const),
          max: fc.option(fc.nat({ max: 50_000 }), { nil: undefined }),
        }),
        weight: 2,
      },
      { arbitrary: fc.record({ op: fc.constant('capacity' as const), cap: fc.nat({ max: 100_000 }) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.array(opArb, { maxLength: 200 }), (cap0, ops) => {
        const q = new ByteQueue(cap0);
        let model: number[] = [];
        let cap = cap0;
        for (const o of ops) {
          switch (o.op) {
            case 'push': {
              const n = q.push(o.data);
              const want = Math.min(o.data.length, Math.max(0, cap - model.length));
              assert.equal(n, want);
              for (let i = 0; i < n; i++) model.push(o.data[i]!);
              break;
            }
            case 'pushView':
              q.pushView(o.data);
              for (const b of o.data) model.push(b);
              break;
            case 'peek': {
              const offset = Math.floor(o.offsetFrac * model.length);
              const got = q.peek(offset, o.len);
              const want = model.slice(offset, offset + o.len);
              assert.deepEqual(Array.from(got), want);
              break;
            }
            case 'consume': {
              const n = Math.floor(o.frac * model.length);
              q.consume(n);
              model = model.slice(n);
              break;
            }
            case 'shift': {
              const got = q.shift(o.max);
              if (model.length === 0) {
                assert.equal(got, null);
              } else {
                const n = o.max === undefined ? model.length : Math.min(o.max, model.length);
                assert.deepEqual(Array.from(got!), model.slice(0, n));
                model = model.slice(n);
              }
              break;
            }
            case 'capacity':
              q.capacity = o.cap;
              cap = o.cap;
              break;
            default: {
              const never: never = o;
              throw new Error(`unknown op ${String(never)}`);
            }
          }
          assert.equal(q.length, model.length);
          assert.equal(q.space, Math.max(0, cap - model.length));
        }
        assert.deepEqual(Array.from(q.peek(0, model.length)), model);
      }),
      { seed: 0x5eed_0001, numRuns: 300 },
    );
  });
});

test('peek with the position cache matches a flat model under random push/consume/peek (seeded)', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const q = new ByteQueue(1 << 20);
  let model: number[] = [];
  let next = 0;
  for (let step = 0; step < 5000; step++) {
    const op = rnd(10);
    if (op < 4) {
      const n = rnd(3000);
      const data = new Uint8Array(n);
      for (let k = 0; k < n; k++) data[k] = (next + k) & 0xff;
      next += n;
      if (rnd(4) === 0) q.pushView(data);
      else q.push(data);
      model = model.concat(Array.from(data));
    } else if (op < 6) {
      const n = rnd(model.length + 1);
      q.consume(n);
      model = model.slice(n);
    } else {
      const off = rnd(model.length + 1);
      const len = rnd(2000);
      const got = Array.from(q.peek(off, len));
      assert.deepEqual(got, model.slice(off, off + len), `seed 12345, step ${step}`);
    }
    assert.equal(q.length, model.length);
  }
});
