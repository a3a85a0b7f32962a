// Initial sequence numbers and timestamp offsets.
//
// RFC 9293 §3.4.1 (MUST-8) with RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
// secretkey), where M is a clock ticking every 4 microseconds and F a keyed pseudorandom function of
// the connection's 4-tuple. The clock keeps ISNs of successive incarnations of one 4-tuple moving
// forward; the secret key keeps an off-path attacker from guessing them.
//
// F is SipHash-2-4 (a keyed 64-bit PRF, cheap and available without node:crypto, so this runs in
// browsers). The secret is injected by the caller, as is `now`: nothing here reads a clock or a
// random source.
//
// RFC 7323 §5.4 suggests a random offset per connection for TSval; tsOffset() derives one from the
// same secret with a different domain tag, so it is unrelated to the ISN.

import { UsageError } from '../base/errors.js';
import type { Instant } from './time.js';

const MOD32 = 0x1_0000_0000;

/**
 * SipHash-2-4 of `data` under the 16-byte `key`. The 64-bit result is returned as two unsigned
 * 32-bit halves; as bytes it is little-endian (lo first), as in the reference implementation.
 */
export function siphash24(key: Uint8Array, data: Uint8Array): { hi: number; lo: number } {
  if (key.length !== 16)
    throw new UsageError('ERR_INVALID_ARG_VALUE', `SipHash key must be 16 bytes, got ${key.length}`);
  const lo = sipHash(keyWords(key), data, data.length);
  return { hi: V[8]!, lo };
}

/** The key as the four little-endian 32-bit words SipHash starts from: k0 (lo, hi), k1 (lo, hi). */
function keyWords(key: Uint8Array): Uint32Array {
  return new Uint32Array([u32le(key, 0), u32le(key, 4), u32le(key, 8), u32le(key, 12)]);
}

/**
 * The state: v0..v3 as (hi, lo) uint32 pairs at [2i, 2i+1], and [8] the high half of the last
 * result. One module-wide array, as nothing here is re-entered, keeps every call free of allocation.
 */
const V = new Uint32Array(9);

/** SipHash-2-4 of data[0, n) under key words k; returns the low 32 bits, leaves the high in V[8]. */
function sipHash(k: Uint32Array, data: Uint8Array, n: number): number {
  const k0l = k[0]!;
  const k0h = k[1]!;
  const k1l = k[2]!;
  const k1h = k[3]!;
  // Initial state: the key XORed with the ASCII constants "somepseudorandomlygeneratedbytes".
  V[0] = k0h ^ 0x736f6d65;
  V[1] = k0l ^ 0x70736575;
  V[2] = k1h ^ 0x646f7261;
  V[3] = k1l ^ 0x6e646f6d;
  V[4] = k0h ^ 0x6c796765;
  V[5] = k0l ^ 0x6e657261;
  V[6] = k1h ^ 0x74656462;
  V[7] = k1l ^ 0x79746573;
  const whole = n - (n % 8);
  for (let i = 0; i < whole; i += 8) compress(u32le(data, i + 4), u32le(data, i));
  // Last block: the 0..7 remaining bytes, with the message length (mod 256) in the top byte.
  let ml = 0;
  let mh = (n & 0xff) << 24;
  for (let i = whole; i < n; i++) {
    const shift = (i - whole) * 8;
    if (shift < 32) ml |= data[i]! << shift;
    else mh |= data[i]! << (shift - 32);
  }
  compress(mh >>> 0, ml >>> 0);
  // Finalization.
  V[5] = V[5]! ^ 0xff;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  V[8] = V[0]! ^ V[2]! ^ V[4]! ^ V[6]!;
  return (V[1]! ^ V[3]! ^ V[5]! ^ V[7]!) >>> 0;
}

/** One message word m = (mh, ml): v3 ^= m, two SipRounds, v0 ^= m. */
function compress(mh: number, ml: number): void {
  V[6] = V[6]! ^ mh;
  V[7] = V[7]! ^ ml;
  sipRound();
  sipRound();
  V[0] = V[0]! ^ mh;
  V[1] = V[1]! ^ ml;
}

/** One SipRound on the 64-bit words in V (the typed array wraps every store to 32 bits). */
function sipRound(): void {
  let v0h = V[0]!;
  let v0l = V[1]!;
  let v1h = V[2]!;
  let v1l = V[3]!;
  let v2h = V[4]!;
  let v2l = V[5]!;
  let v3h = V[6]!;
  let v3l = V[7]!;
  let l: number;
  let t: number;
  // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
  l = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (l < v0l ? 1 : 0)) >>> 0;
  v0l = l;
  t = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  v1l = ((v1l << 13) | (v1h >>> 19)) >>> 0;
  v1h = t;
  v1h = (v1h ^ v0h) >>> 0;
  v1l = (v1l ^ v0l) >>> 0;
  t = v0h;
  v0h = v0l;
  v0l = t;
  // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
  l = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (l < v2l ? 1 : 0)) >>> 0;
  v2l = l;
  t = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  v3l = ((v3l << 16) | (v3h >>> 16)) >>> 0;
  v3h = t;
  v3h = (v3h ^ v2h) >>> 0;
  v3l = (v3l ^ v2l) >>> 0;
  // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
  l = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (l < v0l ? 1 : 0)) >>> 0;
  v0l = l;
  t = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  v3l = ((v3l << 21) | (v3h >>> 11)) >>> 0;
  v3h = t;
  v3h = (v3h ^ v0h) >>> 0;
  v3l = (v3l ^ v0l) >>> 0;
  // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
  l = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (l < v2l ? 1 : 0)) >>> 0;
  v2l = l;
  t = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  v1l = ((v1l << 17) | (v1h >>> 15)) >>> 0;
  v1h = t;
  v1h = (v1h ^ v2h) >>> 0;
  v1l = (v1l ^ v2l) >>> 0;
  V[0] = v0h;
  V[1] = v0l;
  V[2] = v1h;
  V[3] = v1l;
  V[4] = v2l; // v2 = rotl(v2, 32)
  V[5] = v2h;
  V[6] = v3h;
  V[7] = v3l;
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

export interface Address {
  addr: string;
  port: number;
}

const encoder = new TextEncoder();

/** Domain tags so the ISN, the timestamp offset and SYN cookies are unrelated hashes of the same tuple. */
const TAG_ISN = 'isn';
const TAG_TS = 'ts';

/** Room for the hashed text of most tuples: the tag, two IPv6 addresses, two ports, the bars. */
const TEXT_ROOM = 160;

export class IsnGenerator {
  /** The secret as SipHash key words, worked out once. */
  readonly #key: Uint32Array;
  /** The hashed text is written here, not into a new array per connection. */
  readonly #text = new Uint8Array(TEXT_ROOM);

  /** `secret`: 16 bytes from a good random source, kept for the life of the endpoint. */
  constructor(secret: Uint8Array) {
    if (!(secret instanceof Uint8Array) || secret.length !== 16) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', 'the ISN secret must be a Uint8Array of 16 bytes');
    }
    this.#key = keyWords(secret);
  }

  /**
   * RFC 6528 §3 / RFC 9293 §3.4.1: ISN = M + F(tuple, secret) mod 2^32, M = now in 4 µs units
   * (now * 250, now in ms), F = low 32 bits of SipHash-2-4 over the tuple. In [0, 2^32).
   */
  isn(local: Address, remote: Address, now: Instant): number {
    const f = this.#hash(TAG_ISN, local, remote);
    const m = (((now * 250) % MOD32) + MOD32) % MOD32;
    return (m + f) % MOD32;
  }

  /** RFC 7323 §5.4: a per-connection offset added to our TSval clock, in [0, 2^32). */
  tsOffset(local: Address, remote: Address): number {
    return this.#hash(TAG_TS, local, remote);
  }

  /**
   * The keyed hash of a SYN cookie (syn-cookie.ts): SipHash-2-4 over the tuple, the cookie's time
   * step, the peer's ISN and the MSS index, under the same secret with a tag of its own.
   */
  cookieHash(local: Address, remote: Address, count: number, peerIsn: number, mssIndex: number): number {
    return this.#hash(`cookie/${count}/${peerIsn}/${mssIndex}`, local, remote);
  }

  /** A keyed 32-bit draw for the challenge-ACK budget's one-second window `window` (challenge-budget.ts). */
  challengeDraw(window: number): number {
    const n = putAscii(this.#text, 0, `challenge|${window}`);
    return sipHash(this.#key, this.#text, n);
  }

  /**
   * Low 32 bits of SipHash-2-4 over the UTF-8 of "tag|localaddr|localport|remoteaddr|remoteport".
   * Address text is ASCII, so its bytes are its char codes, written straight into #text; anything
   * else (or too long) goes through TextEncoder, which gives the same bytes.
   */
  #hash(tag: string, local: Address, remote: Address): number {
    const b = this.#text;
    let n = putAscii(b, 0, tag);
    n = putAscii(b, putBar(b, n), local.addr);
    n = putAscii(b, putBar(b, n), String(local.port));
    n = putAscii(b, putBar(b, n), remote.addr);
    n = putAscii(b, putBar(b, n), String(remote.port));
    if (n < 0) {
      const bytes = encoder.encode(`${tag}|${local.addr}|${local.port}|${remote.addr}|${remote.port}`);
      return sipHash(this.#key, bytes, bytes.length);
    }
    return sipHash(this.#key, b, n);
  }
}

/** Writes '|' at b[at] (when at is not negative) and returns the offset after it. */
function putBar(b: Uint8Array, at: number): number {
  if (at < 0 || at >= b.length) return -1;
  b[at] = 0x7c;
  return at + 1;
}

/**
 * Writes ASCII text at b[at] and returns the offset after it; a negative result (and every later
 * call given it) means the text was not ASCII or did not fit.
 */
function putAscii(b: Uint8Array, at: number, text: string): number {
  if (at < 0 || at + text.length > b.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    b[at + i] = c;
  }
  return at + text.length;
}
