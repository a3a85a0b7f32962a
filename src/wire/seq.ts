// 32-bit sequence-number arithmetic (RFC 9293 §3.4). Every comparison is modulo 2^32:
// a < b when the signed distance from a to b is positive. Values are plain numbers kept in
// [0, 2^32); callers never compare sequence numbers with < or > directly.

export type Seq = number;

const MOD = 0x1_0000_0000;

/** a + n, wrapped into [0, 2^32). n may be negative. */
export function seqAdd(a: Seq, n: number): Seq {
  return (((a + n) % MOD) + MOD) % MOD;
}

/** Signed distance from a to b, in (-2^31, 2^31]: positive when b is after a. */
export function seqDiff(b: Seq, a: Seq): number {
  return (b - a) | 0;
}

export function seqLt(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLe(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqGt(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) > 0;
}
export function seqGe(a: Seq, b: Seq): boolean {
  return ((a - b) | 0) >= 0;
}

/** start <= x < start + len (len may be 0: then never). */
export function seqInWindow(x: Seq, start: Seq, len: number): boolean {
  const d = (x - start) >>> 0;
  return d < len;
}

export function seqMax(a: Seq, b: Seq): Seq {
  return seqGe(a, b) ? a : b;
}
export function seqMin(a: Seq, b: Seq): Seq {
  return seqLe(a, b) ? a : b;
}
