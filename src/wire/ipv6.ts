// IPv6 fixed header (RFC 8200 §3) parse/emit, the extension headers we can step over, and IPv6
// address text (RFC 4291 §2.2 input, RFC 5952 canonical output).
//
// Extension headers (RFC 8200 §4): Hop-by-Hop (first only), Destination Options and Routing with
// Segments Left = 0 are skipped by their length. Inside the two options headers, Pad1/PadN and
// options whose type says "skip if unrecognized" are skipped; any other option must make the
// packet be discarded (§4.2), so we return ERR_WIRE_EXT_HEADER. A Fragment header gives
// ERR_WIRE_FRAGMENT (no reassembly); ESP, AH and the rest give ERR_WIRE_EXT_HEADER.

import { UsageError } from '../base/errors.js';
import { parseIpv4AddressInto } from './ipv4.js';
import { ok, type Result, wireError } from './result.js';

export const IPV6_HEADER_LENGTH = 40;

export const NH_HOP_BY_HOP = 0;
export const NH_ROUTING = 43;
export const NH_FRAGMENT = 44;
export const NH_ESP = 50;
export const NH_AH = 51;
export const NH_NO_NEXT = 59;
export const NH_DEST_OPTIONS = 60;

/** Extension headers we recognise but do not step over (RFC 8200 §4.1, RFC 7045 list). */
const UNSKIPPABLE = new Set([NH_ESP, NH_AH, 135, 139, 140, 253, 254]);

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** Next Header of the fixed header (6 when there are no extension headers). */
  nextHeader: number;
  hopLimit: number;
  /** Views into the parsed bytes, 16 bytes each. */
  src: Uint8Array;
  dst: Uint8Array;
}

export interface Ipv6Packet {
  header: Ipv6Header;
  /** Upper-layer protocol after any skipped extension headers (6 for TCP, 59 for none). */
  protocol: number;
  /** View of the upper-layer bytes (after extension headers, up to the payload length). */
  payload: Uint8Array;
}

/** Parses the fixed header and steps over simple extension headers. Never throws. */
export function parseIpv6(bytes: Uint8Array): Result<Ipv6Packet> {
  const n = bytes.length;
  if (n < IPV6_HEADER_LENGTH) return wireError('ERR_WIRE_TRUNCATED', `${n} bytes, an IPv6 header needs 40`);
  const version = bytes[0]! >>> 4;
  if (version !== 6) return wireError('ERR_WIRE_BAD_VERSION', `version ${version}, expected 6`);
  const payloadLength = (bytes[4]! << 8) | bytes[5]!;
  // A zero payload length means a jumbogram (RFC 2675), which we do not support.
  if (payloadLength === 0) return wireError('ERR_WIRE_BAD_LENGTH', 'payload length 0 (jumbogram)');
  const end = IPV6_HEADER_LENGTH + payloadLength;
  if (end > n) return wireError('ERR_WIRE_TRUNCATED', `payload length ${payloadLength}, have ${n - 40} bytes`);
  const nextHeader = bytes[6]!;
  let nh = nextHeader;
  let p = IPV6_HEADER_LENGTH;
  for (;;) {
    if (nh === NH_HOP_BY_HOP || nh === NH_DEST_OPTIONS || nh === NH_ROUTING) {
      // RFC 8200 §4.1: Hop-by-Hop may only follow the fixed header.
      if (nh === NH_HOP_BY_HOP && p !== IPV6_HEADER_LENGTH) {
        return wireError('ERR_WIRE_EXT_HEADER', `Hop-by-Hop header at ${p}, not first`);
      }
      if (p + 8 > end) return wireError('ERR_WIRE_TRUNCATED', `extension header ${nh} at ${p} past the payload`);
      // Hdr Ext Len counts 8-octet units beyond the first 8.
      const len = (bytes[p + 1]! + 1) * 8;
      if (p + len > end) return wireError('ERR_WIRE_TRUNCATED', `extension header ${nh} at ${p} past the payload`);
      if (nh === NH_ROUTING) {
        // §4.4: with segments left, we are not the final destination and the pseudo-header's
        // destination would be another address.
        if (bytes[p + 3] !== 0) return wireError('ERR_WIRE_EXT_HEADER', `routing header with segments left`);
      } else {
        const bad = checkTlvOptions(bytes, p + 2, p + len);
        if (bad) return wireError('ERR_WIRE_EXT_HEADER', bad);
      }
      nh = bytes[p]!;
      p += len;
      continue;
    }
    if (nh === NH_FRAGMENT) return wireError('ERR_WIRE_FRAGMENT', 'IPv6 Fragment header');
    if (UNSKIPPABLE.has(nh)) return wireError('ERR_WIRE_EXT_HEADER', `extension header ${nh} not supported`);
    break;
  }
  return ok({
    header: {
      trafficClass: ((bytes[0]! & 0x0f) << 4) | (bytes[1]! >>> 4),
      flowLabel: ((bytes[1]! & 0x0f) << 16) | (bytes[2]! << 8) | bytes[3]!,
      payloadLength,
      nextHeader,
      hopLimit: bytes[7]!,
      src: bytes.subarray(8, 24),
      dst: bytes.subarray(24, 40),
    },
    protocol: nh,
    payload: bytes.subarray(p, end),
  });
}

/**
 * Walks the TLV options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2). Returns a
 * reason when the packet must not be accepted, else undefined.
 */
function checkTlvOptions(b: Uint8Array, start: number, end: number): string | undefined {
  let i = start;
  while (i < end) {
    const type = b[i]!;
    if (type === 0) {
      i += 1; // Pad1
      continue;
    }
    if (i + 1 >= end) return `option ${type} at ${i} has no length`;
    const len = 2 + b[i + 1]!;
    if (i + len > end) return `option ${type} at ${i} runs past its header`;
    // The two high bits of the type say what to do when the option is not recognised: 00 = skip.
    if (type !== 1 && type >>> 6 !== 0) return `option ${type} must not be skipped`;
    i += len;
  }
  return undefined;
}

/** Fields we emit. Defaults: hopLimit 64, trafficClass 0, flowLabel 0. */
export interface Ipv6Fields {
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
}

/**
 * Writes the 40-byte fixed header at buf[at] except the addresses (bytes 8-39). Positional
 * arguments, so the per-packet path builds no options object.
 */
export function writeIpv6Fixed(
  buf: Uint8Array,
  at: number,
  payloadLength: number,
  nextHeader: number,
  hopLimit = 64,
  trafficClass = 0,
  flowLabel = 0,
): void {
  if ((payloadLength & 0xffff) !== payloadLength || payloadLength === 0) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `IPv6 payload length ${payloadLength} not in [1, 65535]`);
  }
  if ((hopLimit & 0xff) !== hopLimit) throw new UsageError('ERR_INVALID_ARG_VALUE', `hopLimit=${hopLimit}`);
  if ((trafficClass & 0xff) !== trafficClass) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `trafficClass=${trafficClass}`);
  }
  if ((flowLabel & 0xfffff) !== flowLabel) throw new UsageError('ERR_INVALID_ARG_VALUE', `flowLabel=${flowLabel}`);
  if ((nextHeader & 0xff) !== nextHeader) throw new UsageError('ERR_INVALID_ARG_VALUE', `nextHeader=${nextHeader}`);
  buf[at] = 0x60 | (trafficClass >>> 4);
  buf[at + 1] = ((trafficClass & 0x0f) << 4) | (flowLabel >>> 16);
  buf[at + 2] = (flowLabel >>> 8) & 0xff;
  buf[at + 3] = flowLabel & 0xff;
  buf[at + 4] = payloadLength >>> 8;
  buf[at + 5] = payloadLength & 0xff;
  buf[at + 6] = nextHeader;
  buf[at + 7] = hopLimit;
}

/** A whole IPv6 packet (no extension headers) with a copy of payload. */
export function emitIpv6(
  src: Uint8Array,
  dst: Uint8Array,
  nextHeader: number,
  payload: Uint8Array,
  fields?: Ipv6Fields,
): Uint8Array {
  if (src.length !== 16 || dst.length !== 16) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', 'IPv6 addresses must be 16 bytes');
  }
  const out = new Uint8Array(IPV6_HEADER_LENGTH + payload.length);
  writeIpv6Fixed(out, 0, payload.length, nextHeader, fields?.hopLimit, fields?.trafficClass, fields?.flowLabel);
  out.set(src, 8);
  out.set(dst, 24);
  out.set(payload, IPV6_HEADER_LENGTH);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Address text

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII lower case
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Parses IPv6 text (RFC 4291 §2.2: up to 8 hex groups, one '::' for one or more zero groups, an
 * optional dotted IPv4 tail) into buf[at..at+16]. Zone ids ('%eth0') are refused. Returns false
 * (buf possibly half-written) on anything else. No allocation.
 */
export function parseIpv6AddressInto(text: string, buf: Uint8Array, at: number): boolean {
  const n = text.length;
  if (n < 2 || n > 45) return false;
  let i = 0;
  let groups = 0;
  let gap = -1; // group index where '::' stands
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (groups >= 8) return false;
    const start = i;
    let value = 0;
    while (i < n) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
      if (i - start > 4) return false;
    }
    if (i < n && text.charCodeAt(i) === 0x2e) {
      // Dotted IPv4 for the last 32 bits.
      if (groups > 6 || !parseIpv4AddressInto(text, buf, at + groups * 2, start, n)) return false;
      groups += 2;
      break;
    }
    if (i === start) return false;
    buf[at + groups * 2] = value >>> 8;
    buf[at + groups * 2 + 1] = value & 0xff;
    groups++;
    if (i === n) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i === n) {
      return false; // a single trailing ':'
    }
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false; // '::' stands for at least one group
  // Move the groups after the gap to the end and zero the middle.
  const tail = (groups - gap) * 2;
  const from = at + gap * 2;
  const to = at + 16 - tail;
  for (let k = tail - 1; k >= 0; k--) buf[to + k] = buf[from + k]!;
  for (let k = from; k < to; k++) buf[k] = 0;
  return true;
}

/** IPv6 text -> 16 bytes, or undefined if the text is not an IPv6 address. */
export function parseIpv6Address(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return parseIpv6AddressInto(text, out, 0) ? out : undefined;
}

/**
 * 16 bytes at bytes[at] -> RFC 5952 text: lower case, no leading zeros, the longest run of two or
 * more zero groups (the first on a tie) as '::', and IPv4-mapped addresses as '::ffff:192.0.2.1'
 * (§5).
 */
export function formatIpv6Address(bytes: Uint8Array, at = 0): string {
  let mapped = bytes[at + 10] === 0xff && bytes[at + 11] === 0xff;
  for (let k = 0; k < 10 && mapped; k++) if (bytes[at + k] !== 0) mapped = false;
  if (mapped) {
    return `::ffff:${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  }
  // Longest run of zero groups.
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && bytes[at + g * 2] === 0 && bytes[at + g * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLen) {
        bestStart = runStart;
        bestLen = g - runStart;
      }
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1; // §4.2.2: a single zero group is not shortened
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += (((bytes[at + g * 2]! << 8) | bytes[at + g * 2 + 1]!) >>> 0).toString(16);
  }
  return s;
}
