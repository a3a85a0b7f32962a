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
  const k0l = u32le(key, 0);
  const k0h = u32le(key, 4);
  const k1l = u32le(key, 8);
  const k1h = u32le(key, 12);
  // Initial state: the key XORed with the ASCII constants "somepseudorandomlygeneratedbytes".
  let v0h = (k0h ^ 0x736f6d65) >>> 0;
  let v0l = (k0l ^ 0x70736575) >>> 0;
  let v1h = (k1h ^ 0x646f7261) >>> 0;
  let v1l = (k1l ^ 0x6e646f6d) >>> 0;
  let v2h = (k0h ^ 0x6c796765) >>> 0;
  let v2l = (k0l ^ 0x6e657261) >>> 0;
  let v3h = (k1h ^ 0x74656462) >>> 0;
  let v3l = (k1l ^ 0x79746573) >>> 0;

  // One SipRound on 64-bit words held as (hi, lo) uint32 pairs.
  const round = (): void => {
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
    t = v2h;
    v2h = v2l;
    v2l = t;
  };

  const n = data.length;
  const whole = n - (n % 8);
  for (let i = 0; i < whole; i += 8) {
    const ml = u32le(data, i);
    const mh = u32le(data, i + 4);
    v3h = (v3h ^ mh) >>> 0;
    v3l = (v3l ^ ml) >>> 0;
    round();
    round();
    v0h = (v0h ^ mh) >>> 0;
    v0l = (v0l ^ ml) >>> 0;
  }
  // Last block: the 0..7 remaining bytes, with the message length (mod 256) in the top byte.
  let ml = 0;
  let mh = (n & 0xff) << 24;
  for (let i = whole; i < n; i++) {
    const shift = (i - whole) * 8;
    if (shift < 32) ml |= data[i]! << shift;
    else mh |= data[i]! << (shift - 32);
  }
  ml >>>= 0;
  mh >>>= 0;
  v3h = (v3h ^ mh) >>> 0;
  v3l = (v3l ^ ml) >>> 0;
  round();
  round();
  v0h = (v0h ^ mh) >>> 0;
  v0l = (v0l ^ ml) >>> 0;
  // Finalization.
  v2l = (v2l ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  return { hi: (v0h ^ v1h ^ v2h ^ v3h) >>> 0, lo: (v0l ^ v1l ^ v2l ^ v3l) >>> 0 };
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

export interface Address {
  addr: string;
  port: number;
}

const encoder = new TextEncoder();

/** Domain tags so the ISN and the timestamp offset are unrelated hashes of the same tuple. */
const TAG_ISN = 'isn';
const TAG_TS = 'ts';

export class IsnGenerator {
  readonly #secret: Uint8Array;

  /** `secret`: 16 bytes from a good random source, kept for the life of the endpoint. */
  constructor(secret: Uint8Array) {
    if (!(secret instanceof Uint8Array) || secret.length !== 16) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', 'the ISN secret must be a Uint8Array of 16 bytes');
    }
    this.#secret = secret.slice();
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

  /** Low 32 bits of SipHash-2-4 over "tag|localaddr|localport|remoteaddr|remoteport". */
  #hash(tag: string, local: Address, remote: Address): number {
    const text = `${tag}|${local.addr}|${local.port}|${remote.addr}|${remote.port}`;
    return siphash24(this.#secret, encoder.encode(text)).lo;
  }
}
