// The Internet checksum (RFC 1071) and the TCP pseudo-header sums for IPv4 (RFC 9293 §3.1) and
// IPv6 (RFC 8200 §8.1).
//
// The ones'-complement sum of 16-bit words equals the ordinary sum reduced with end-around carries,
// so we add words into a plain number (exact up to 2^53) and fold once at the end (onesSum says how
// long runs are added 32 bits at a time). Functions take (bytes, start, end) so callers can sum parts of a larger buffer
// without making views.

import { UsageError } from '../base/errors.js';

/** IP protocol number of TCP. */
export const IPPROTO_TCP = 6;

/** True where typed arrays are little-endian (every platform Node and the browsers run on today). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Below this many bytes the byte-wise loop is cheaper than making a 32-bit view (measured on Node
 * 20: the two tie near 128 bytes; making the view alone costs about 35 ns).
 */
const WORDWISE_FROM = 128;

/**
 * Most 32-bit words added before the running sum is folded: (2^32 - 1) x 2^20 < 2^52, so a double
 * holds the sum exactly (a 64 KiB packet is 16 Ki words, one block).
 */
const WORDS_PER_FOLD = 1 << 20;

/**
 * Unfolded sum of the big-endian 16-bit words of bytes[start, end), added to init. An odd last
 * byte counts as the high half of a word padded with zero (RFC 1071 §1). start must be even
 * relative to where the checksummed area begins.
 *
 * Long runs are summed four bytes at a time through a Uint32Array view, in the platform's byte
 * order, whole words at once: a word is hi x 2^16 + lo, and 2^16 = 1 (mod 0xffff), so the plain sum
 * of the words is congruent to the ones'-complement sum of their 16-bit halves. Swapping the bytes
 * of every 16-bit word multiplies the ones'-complement sum by 256 modulo 0xffff (RFC 1071 §2 (B)),
 * so on a little-endian platform the native sum (folded first, so the product stays exact) times
 * 256 is congruent to the big-endian one. foldSum then reduces both to the same 16 bits: only an
 * all-zero run sums to zero either way, and folding keeps a non-zero sum non-zero.
 */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, init = 0): number {
  let sum = init;
  let i = start;
  const at = bytes.byteOffset + i;
  if (end - i >= WORDWISE_FROM && (at & 1) === 0) {
    if ((at & 3) === 2) {
      sum += (bytes[i]! << 8) | bytes[i + 1]!;
      i += 2;
    }
    const words = (end - i) >>> 2;
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let native = 0;
    for (let from = 0; from < words; from += WORDS_PER_FOLD) {
      const to = Math.min(words, from + WORDS_PER_FOLD);
      let part = native;
      let k = from;
      for (const last8 = to - 7; k < last8; k += 8) {
        part += w[k]! + w[k + 1]! + w[k + 2]! + w[k + 3]! + w[k + 4]! + w[k + 5]! + w[k + 6]! + w[k + 7]!;
      }
      for (; k < to; k++) part += w[k]!;
      native = foldSum(part);
    }
    sum += LITTLE_ENDIAN ? native * 256 : native;
    i += words * 4;
  }
  const last4 = end - 3;
  // Two words per turn: fewer loop checks, same result.
  for (; i < last4; i += 4) sum += ((bytes[i]! << 8) | bytes[i + 1]!) + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  for (; i < end - 1; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Reduces an unfolded sum to 16 bits by adding the carries back in. */
export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** RFC 1071 checksum of bytes[start, end): the complement of the folded sum. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~foldSum(onesSum(bytes, start, end)) & 0xffff;
}

/**
 * Unfolded sum of a pseudo-header whose addresses sit in `bytes` at srcAt and dstAt, each
 * addrLen (4 or 16) bytes long. IPv4's (src, dst, zero, protocol, 16-bit length) and IPv6's
 * (src, dst, 32-bit length, zeros, next header) sum to the same words when length < 2^16, and
 * adding the two halves of a 32-bit length covers IPv6 jumbo lengths too.
 */
export function pseudoHeaderSumAt(
  bytes: Uint8Array,
  srcAt: number,
  dstAt: number,
  addrLen: number,
  protocol: number,
  length: number,
): number {
  const sum = onesSum(bytes, srcAt, srcAt + addrLen, protocol + (length >>> 16) + (length & 0xffff));
  return onesSum(bytes, dstAt, dstAt + addrLen, sum);
}

function checkAddresses(src: Uint8Array, dst: Uint8Array): void {
  if ((src.length !== 4 && src.length !== 16) || dst.length !== src.length) {
    throw new UsageError(
      'ERR_INVALID_ARG_VALUE',
      `pseudo-header addresses must both be 4 or both 16 bytes (got ${src.length} and ${dst.length})`,
    );
  }
}

/** Unfolded pseudo-header sum for separate address arrays (4 bytes each for IPv4, 16 for IPv6). */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  checkAddresses(src, dst);
  return onesSum(dst, 0, dst.length, onesSum(src, 0, src.length, protocol + (length >>> 16) + (length & 0xffff)));
}

/** Offset of the checksum field inside a TCP header. */
export const TCP_CHECKSUM_AT = 16;

/**
 * The checksum a TCP segment should carry: pseudo-header plus header and payload, with the checksum
 * field itself counted as zero whatever it holds now. The result can be written to bytes 16-17.
 */
export function tcpChecksum(src: Uint8Array, dst: Uint8Array, tcpBytes: Uint8Array): number {
  let sum = pseudoHeaderSum(src, dst, IPPROTO_TCP, tcpBytes.length);
  sum = onesSum(tcpBytes, 0, Math.min(TCP_CHECKSUM_AT, tcpBytes.length), sum);
  sum = onesSum(tcpBytes, TCP_CHECKSUM_AT + 2, tcpBytes.length, sum);
  return ~foldSum(sum) & 0xffff;
}

/**
 * True when a segment's checksum field is right: the sum over pseudo-header and segment, field
 * included, folds to 0xffff (RFC 1071 §2 (4)). Accepts either form of ones'-complement zero.
 */
export function tcpChecksumOk(src: Uint8Array, dst: Uint8Array, tcpBytes: Uint8Array): boolean {
  const sum = onesSum(tcpBytes, 0, tcpBytes.length, pseudoHeaderSum(src, dst, IPPROTO_TCP, tcpBytes.length));
  return foldSum(sum) === 0xffff;
}
