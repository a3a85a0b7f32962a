import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/base/errors.js';
import {
  foldSum,
  internetChecksum,
  onesSum,
  pseudoHeaderSum,
  pseudoHeaderSumAt,
  tcpChecksum,
  tcpChecksumOk,
} from '../../src/wire/checksum.js';
import { params } from './arbitraries.js';

/**
 * Reference: RFC 1071 done the slow, obvious way. Build the whole byte string (pseudo-header
 * included), pad to even length, add 16-bit words folding the carry after every addition.
 */
function reference(bytes: number[]): number {
  const b = bytes.length % 2 ? [...bytes, 0] : bytes;
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) {
    sum += b[i]! * 256 + b[i + 1]!;
    if (sum > 0xffff) sum -= 0xffff;
  }
  return 0xffff - sum;
}

function referenceTcp(src: Uint8Array, dst: Uint8Array, tcp: Uint8Array): number {
  const len = tcp.length;
  const pseudo =
    src.length === 4
      ? [...src, ...dst, 0, 6, len >> 8, len & 0xff]
      : [...src, ...dst, 0, 0, len >> 8, len & 0xff, 0, 0, 0, 6];
  const seg = [...tcp];
  seg[16] = 0;
  seg[17] = 0;
  return reference([...pseudo, ...seg]);
}

test('RFC 1071 §3 worked example: 0001 f203 f4f5 f6f7 sums to ddf2', () => {
  const b = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(foldSum(onesSum(b)), 0xddf2);
  assert.equal(internetChecksum(b), 0x220d);
});

test('odd length: the last byte is the high half of a zero-padded word', () => {
  assert.equal(foldSum(onesSum(new Uint8Array([0x12, 0x34, 0x56]))), 0x1234 + 0x5600);
  assert.equal(internetChecksum(new Uint8Array([0xff])), 0x00ff);
});

test('sub-ranges and init add up to the whole', () => {
  const b = Uint8Array.from({ length: 101 }, (_, i) => (i * 37 + 11) & 0xff);
  assert.equal(foldSum(onesSum(b, 40, 101, onesSum(b, 0, 40))), foldSum(onesSum(b)));
  assert.equal(internetChecksum(b, 2, 7), reference([...b.subarray(2, 7)]));
});

test('folding: carries wrap around, large sums stay exact', () => {
  assert.equal(foldSum(0x1_fffe), 0xffff);
  assert.equal(foldSum(0xffff), 0xffff);
  assert.equal(foldSum(0), 0);
  assert.equal(foldSum(2 ** 40 + 5), (2 ** 40 + 5) % 0xffff); // 2^16 = 1 (mod 0xffff)
});

test('checksum of 64 KiB of 0xff matches the reference', () => {
  const b = new Uint8Array(65535).fill(0xff);
  assert.equal(internetChecksum(b), reference([...b]));
});

test('internetChecksum equals the reference on random data (any length)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      assert.equal(internetChecksum(b), reference([...b]));
    }),
    params(1000),
  );
});

test('tcpChecksum equals the reference for IPv4 and IPv6, ignoring the current field', () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 20, maxLength: 200 }),
      (v6, s, d, tcp) => {
        const src = v6 ? s : s.subarray(0, 4);
        const dst = v6 ? d : d.subarray(0, 4);
        const c = tcpChecksum(src, dst, tcp);
        assert.equal(c, referenceTcp(src, dst, tcp));
        const filled = tcp.slice();
        filled[16] = c >>> 8;
        filled[17] = c & 0xff;
        assert.equal(tcpChecksumOk(src, dst, filled), true);
        filled[19] = (filled[19]! + 1) & 0xff;
        filled[17] = (filled[17]! + 1) & 0xff; // +1 in one word, +1 in another: sum changes
        assert.equal(tcpChecksumOk(src, dst, filled), false);
      },
    ),
    params(1000),
  );
});

test('tcpChecksumOk accepts both forms of ones-complement zero in the field', () => {
  // Pick a segment whose correct checksum is 0x0000; 0xffff in the field is then just as valid.
  const src = new Uint8Array([192, 0, 2, 1]);
  const dst = new Uint8Array([192, 0, 2, 2]);
  const tcp = new Uint8Array(20);
  const c = tcpChecksum(src, dst, tcp);
  // Adjust the urgent pointer so the checksum becomes 0 (the sum of all else is 0xffff).
  tcp[18] = c >>> 8;
  tcp[19] = c & 0xff;
  assert.equal(tcpChecksum(src, dst, tcp), 0);
  assert.equal(tcpChecksumOk(src, dst, tcp), true); // field 0x0000
  tcp[16] = 0xff;
  tcp[17] = 0xff;
  assert.equal(tcpChecksumOk(src, dst, tcp), true); // field 0xffff
});

test('pseudoHeaderSumAt over one buffer equals pseudoHeaderSum over separate arrays', () => {
  const buf = Uint8Array.from({ length: 40 }, (_, i) => (i * 91) & 0xff);
  const at = foldSum(pseudoHeaderSumAt(buf, 8, 24, 16, 6, 70000));
  const separate = foldSum(pseudoHeaderSum(buf.subarray(8, 24), buf.subarray(24, 40), 6, 70000));
  assert.equal(at, separate);
});

test('addresses of the wrong size are a UsageError', () => {
  const four = new Uint8Array(4);
  for (const [s, d] of [
    [new Uint8Array(5), new Uint8Array(5)],
    [four, new Uint8Array(16)],
    [new Uint8Array(0), new Uint8Array(0)],
  ] as const) {
    assert.throws(
      () => tcpChecksum(s, d, new Uint8Array(20)),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
  }
});

test('onesSum: the 32-bit word path folds to what 16-bit words give, at every alignment and length', () => {
  // The word-wise path starts at 128 bytes and depends on where the run sits in its ArrayBuffer.
  const slow = (b: Uint8Array, start: number, end: number, init: number): number => {
    let sum = init;
    for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
    return sum;
  };
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.nat(7),
      fc.nat(40),
      fc.nat(0xffff),
      (bytes, shift, trim, init) => {
        const backing = new Uint8Array(bytes.length + 8);
        backing.set(bytes, shift);
        const view = backing.subarray(shift, shift + bytes.length);
        const start = Math.min(trim & ~1, view.length);
        assert.equal(foldSum(onesSum(view, start, view.length, init)), foldSum(slow(view, start, view.length, init)));
      },
    ),
    params(500),
  );
  // All ones, all zeros: the two forms of zero come out as the byte-wise loop gives them.
  for (const fill of [0x00, 0xff]) {
    const b = new Uint8Array(1500).fill(fill);
    assert.equal(foldSum(onesSum(b)), foldSum(slow(b, 0, b.length, 0)));
    assert.equal(foldSum(onesSum(b, 2, 1498, 1)), foldSum(slow(b, 2, 1498, 1)));
  }
});

/**
 * Byte-wise reference for onesSum as foldSum sees it: big-endian 16-bit words (an odd last byte
 * padded with zero), added one at a time with the end-around carry taken at once. Starting from
 * init folded the same way, so it agrees with foldSum(onesSum(...)) on the two forms of zero.
 */
function foldedByteSum(b: Uint8Array, start: number, end: number, init: number): number {
  let sum = foldSum(init);
  for (let i = start; i < end; i += 2) {
    sum += b[i]! * 256 + (i + 1 < end ? b[i + 1]! : 0);
    if (sum > 0xffff) sum -= 0xffff;
  }
  return sum;
}

test('onesSum equals the byte-wise reference for random lengths, byte offsets, starts and init values', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ minLength: 1400, maxLength: 1600 }),
        fc.integer({ min: 60_000, max: 65_535 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 167) >>> 3)),
      ),
      fc.nat(7),
      fc.nat(300),
      fc.oneof(fc.nat(0xffff), fc.nat(0xffffffff), fc.integer({ min: 0, max: 2 ** 44 })),
      (bytes, shift, trim, init) => {
        // shift puts the run at every byteOffset modulo 8 (odd ones take the byte-wise loop).
        const backing = new Uint8Array(bytes.length + 8);
        backing.set(bytes, shift);
        const view = backing.subarray(shift, shift + bytes.length);
        assert.equal(view.byteOffset % 8, shift);
        const start = Math.min(trim & ~1, view.length);
        const want = foldedByteSum(view, start, view.length, init);
        assert.equal(foldSum(onesSum(view, start, view.length, init)), want);
        // An end short of the view, odd or even, counts only up to it.
        const end = Math.max(start, view.length - (trim % 7));
        assert.equal(foldSum(onesSum(view, start, end, init)), foldedByteSum(view, start, end, init));
      },
    ),
    params(300),
  );
});

test('onesSum: only an all-zero run sums to zero; a non-zero run never folds to 0', () => {
  for (const n of [0, 1, 2, 127, 128, 129, 1500, 65_535]) {
    const zeros = new Uint8Array(n);
    assert.equal(onesSum(zeros), 0, `${n} zero bytes`);
    assert.equal(foldSum(onesSum(zeros, 0, n, 0)), 0);
    if (n < 4) continue;
    // 0xff00 + 0x00ff = 0xffff: ones'-complement zero, but not the sum of an all-zero run.
    const b = new Uint8Array(n);
    b[0] = 0xff;
    b[3] = 0xff;
    assert.equal(foldSum(onesSum(b)), 0xffff, `${n} bytes, two non-zero`);
    assert.equal(foldSum(onesSum(b)), foldedByteSum(b, 0, n, 0));
  }
  // Words whose native sum is a multiple of 0xffff (0xffff_ffff each) still fold to 0xffff.
  const ones = new Uint8Array(4096).fill(0xff);
  assert.equal(foldSum(onesSum(ones)), 0xffff);
});

test('onesSum stays exact past 2^20 words (the word sum is folded between blocks)', () => {
  // 0xff everywhere makes every word as large as it can be: (2^32 - 1) per word.
  const n = 4 * (1 << 20) * 2 + 6;
  const b = new Uint8Array(n).fill(0xff);
  b[n - 1] = 0x12;
  b[5] = 0x34;
  assert.equal(foldSum(onesSum(b)), foldedByteSum(b, 0, n, 0));
  assert.equal(foldSum(onesSum(b, 2, n - 3, 7)), foldedByteSum(b, 2, n - 3, 7));
});
