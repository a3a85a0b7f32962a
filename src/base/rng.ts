// A small seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's "small fast chaotic" generator,
// 128 bits of state), seeded through splitmix32. Everything random in a simulation (loss, jitter,
// ephemeral ports, ISN secrets) comes from one of these, so a seed fixes a whole run; the TUN driver's
// fault injection draws from one too.
//
// fork(label) derives an independent stream from the *seed* and the label, not from the current state:
// forking never advances the parent, and the stream a link gets does not depend on how many other
// links or hosts exist or in which order they were created.

/** splitmix32 step: returns [next state, output]. Used only to spread a seed over sfc32's state. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/** FNV-1a over the UTF-16 code units of a label: a stable 32-bit hash for fork(). */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const TWO_POW_32 = 0x1_0000_0000;

export class Rng {
  /** The 32-bit seed this stream was made from (forks derive from it). */
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let s = this.seed;
    let out: number;
    [s, out] = splitmix32(s);
    this.#a = out;
    [s, out] = splitmix32(s);
    this.#b = out;
    [s, out] = splitmix32(s);
    this.#c = out;
    [s, out] = splitmix32(s);
    this.#d = out;
    // Warm up so the first outputs of close seeds are already uncorrelated.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next 32-bit unsigned integer (sfc32). */
  u32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = ((c << 21) | (c >>> 11)) + t;
    this.#c |= 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  next(): number {
    return this.u32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). n must be a positive integer no larger than 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling removes the modulo bias.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  /** True with probability p (p <= 0: never draws and returns false; p >= 1: never draws, true). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** n random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let x = this.u32();
      for (let j = i; j < i + 4 && j < n; j++) {
        out[j] = x & 0xff;
        x >>>= 8;
      }
    }
    return out;
  }

  /** An independent stream named by `label`, derived from this stream's seed (never its state). */
  fork(label: string): Rng {
    const [, mixed] = splitmix32((this.seed ^ Math.imul(hashLabel(label), 0x9e3779b1)) | 0);
    return new Rng(mixed ^ hashLabel(`${label}#${this.seed}`));
  }
}
