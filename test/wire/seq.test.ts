import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax, seqMin } from '../../src/wire/seq.js';
import { params } from './arbitraries.js';

const TOP = 0xffffffff; // 2^32 - 1

describe('seqAdd', () => {
  test('wraps past 2^32', () => {
    assert.equal(seqAdd(0xfffffff0, 0x20), 0x10);
    assert.equal(seqAdd(TOP, 1), 0);
    assert.equal(seqAdd(TOP, 2 ** 32), TOP);
    assert.equal(seqAdd(0, 0), 0);
  });

  test('negative n wraps below 0', () => {
    assert.equal(seqAdd(0x10, -0x20), 0xfffffff0);
    assert.equal(seqAdd(0, -1), TOP);
  });

  test('always lands in [0, 2^32) and undoes itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TOP }), fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), (a, n) => {
        const b = seqAdd(a, n);
        assert.ok(Number.isInteger(b) && b >= 0 && b <= TOP);
        assert.equal(seqAdd(b, -n), a);
      }),
      params(1000),
    );
  });
});

describe('seqDiff', () => {
  test('signed distance across the wrap', () => {
    assert.equal(seqDiff(0x10, 0xfffffff0), 0x20);
    assert.equal(seqDiff(0xfffffff0, 0x10), -0x20);
    assert.equal(seqDiff(0, TOP), 1);
    assert.equal(seqDiff(5, 5), 0);
  });
});

describe('comparisons across the wrap', () => {
  const a = 0xfffffff0;
  const b = seqAdd(a, 0x20); // 0x10, "after" a

  test('lt / le / gt / ge', () => {
    assert.equal(b, 0x10);
    assert.deepEqual([seqLt(a, b), seqLe(a, b), seqGt(a, b), seqGe(a, b)], [true, true, false, false]);
    assert.deepEqual([seqLt(b, a), seqLe(b, a), seqGt(b, a), seqGe(b, a)], [false, false, true, true]);
    assert.deepEqual([seqLt(a, a), seqLe(a, a), seqGt(a, a), seqGe(a, a)], [false, true, false, true]);
    assert.equal(seqLt(TOP, 0), true);
    assert.equal(seqGt(0, TOP), true);
  });

  test('max / min pick by sequence order, not by number', () => {
    assert.equal(seqMax(a, b), b);
    assert.equal(seqMax(b, a), b);
    assert.equal(seqMin(a, b), a);
    assert.equal(seqMin(b, a), a);
    assert.equal(seqMax(a, a), a);
  });

  test('a distance just under 2^31 is "after", 2^31 exactly is the ambiguous point', () => {
    const x = 0xfffffff0;
    assert.equal(seqLt(x, seqAdd(x, 2 ** 31 - 1)), true);
    assert.equal(seqGt(x, seqAdd(x, 2 ** 31 + 1)), true);
    // At exactly 2^31 both orders say "before" (the signed difference is -2^31 either way).
    const y = seqAdd(x, 2 ** 31);
    assert.equal(seqLt(x, y), true);
    assert.equal(seqLt(y, x), true);
  });

  test('comparisons agree with seqDiff for distances within (-2^31, 2^31)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: TOP }), fc.integer({ min: TOP - 64, max: TOP })),
        fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }),
        (x, d) => {
          const y = seqAdd(x, d);
          assert.equal(seqDiff(y, x), d);
          assert.equal(seqLt(x, y), d > 0);
          assert.equal(seqLe(x, y), d >= 0);
          assert.equal(seqGt(x, y), d < 0);
          assert.equal(seqGe(x, y), d <= 0);
        },
      ),
      params(1000),
    );
  });
});

describe('seqInWindow', () => {
  const start = 0xfffffff0;

  test('window straddling the wrap: [2^32-16, 2^32+16)', () => {
    assert.equal(seqInWindow(start, start, 0x20), true);
    assert.equal(seqInWindow(TOP, start, 0x20), true);
    assert.equal(seqInWindow(0, start, 0x20), true);
    assert.equal(seqInWindow(0x0f, start, 0x20), true);
    assert.equal(seqInWindow(0x10, start, 0x20), false); // start + len is outside
    assert.equal(seqInWindow(start - 1, start, 0x20), false);
  });

  test('an empty window holds nothing', () => {
    assert.equal(seqInWindow(start, start, 0), false);
    assert.equal(seqInWindow(0, 0, 0), false);
  });

  test('a window of one', () => {
    assert.equal(seqInWindow(TOP, TOP, 1), true);
    assert.equal(seqInWindow(0, TOP, 1), false);
  });

  test('x is in [s, s + len) exactly when 0 <= seqDiff(x, s) < len (len < 2^31)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: TOP - 100, max: TOP }),
        fc.integer({ min: -200, max: 200 }),
        fc.integer({ min: 0, max: 150 }),
        (s, off, len) => {
          const x = seqAdd(s, off);
          assert.equal(seqInWindow(x, s, len), off >= 0 && off < len);
        },
      ),
      params(1000),
    );
  });
});
