import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Rng } from '../../src/base/rng.js';

const FC_SEED = 20261124;

function draw(r: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.u32());
  return out;
}

test('the same seed gives the same stream; fixed values guard the algorithm', () => {
  assert.deepEqual(draw(new Rng(1), 3), [1828152527, 3394835397, 2967886022]);
  assert.deepEqual(draw(new Rng(99), 50), draw(new Rng(99), 50));
});

test('different seeds give different streams', () => {
  assert.notDeepEqual(draw(new Rng(1), 8), draw(new Rng(2), 8));
  assert.notDeepEqual(draw(new Rng(0), 8), draw(new Rng(0x8000_0000), 8));
});

test('next() lies in [0, 1) and is roughly uniform', () => {
  const r = new Rng(7);
  let below = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    if (x < 0.5) below++;
  }
  assert.equal(below, 50_000); // exact for seed 7 (regression), and of course within any sane band
});

test('int(n) covers [0, n) evenly', () => {
  const r = new Rng(3);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const k = r.int(10);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  assert.deepEqual(counts, [9934, 9868, 10007, 9989, 10128, 10016, 10109, 10047, 9889, 10013]);
  for (const c of counts) assert.ok(c > 9_500 && c < 10_500);
});

test('int(n) stays below n for any seed and n (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 1, max: 0xffff_ffff }), (seed, n) => {
      const r = new Rng(seed);
      for (let i = 0; i < 20; i++) {
        const k = r.int(n);
        if (!(Number.isInteger(k) && k >= 0 && k < n)) return false;
      }
      return true;
    }),
    { seed: FC_SEED },
  );
});

test('int() rejects a bad bound with a RangeError', () => {
  const r = new Rng(1);
  assert.throws(() => r.int(0), RangeError);
  assert.throws(() => r.int(1.5), RangeError);
  assert.throws(() => r.int(2 ** 32 + 1), RangeError);
  assert.equal(r.int(1), 0);
});

test('chance(p) does not draw for p <= 0 or p >= 1', () => {
  const a = new Rng(5);
  const b = new Rng(5);
  assert.equal(a.chance(0), false);
  assert.equal(a.chance(1), true);
  assert.equal(a.u32(), b.u32());
});

test('fork(label) depends on the seed and label only, never on draws or fork order', () => {
  const parent = new Rng(11);
  const before = draw(parent.fork('link:a>b'), 5);
  draw(parent, 100);
  parent.fork('link:c>d');
  const after = draw(parent.fork('link:a>b'), 5);
  assert.deepEqual(after, before);
  assert.notDeepEqual(draw(parent.fork('link:b>a'), 5), before);
  assert.notDeepEqual(draw(new Rng(12).fork('link:a>b'), 5), before);
  // a fork is not the parent stream
  assert.notDeepEqual(draw(new Rng(11), 5), before);
});

test('bytes(n) gives n bytes, deterministically', () => {
  const x = new Rng(4).bytes(16);
  assert.equal(x.length, 16);
  assert.deepEqual(new Rng(4).bytes(16), x);
  assert.equal(new Rng(4).bytes(5).length, 5);
  assert.deepEqual(new Rng(4).bytes(5), x.subarray(0, 5));
});
