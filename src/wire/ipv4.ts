// IPv4 header (RFC 791) parse/emit, and dotted-decimal address text.
//
// We parse what a TCP endpoint needs and skip IP options by the header length. We do not
// reassemble: parseIpv4 reports fragments with `fragment: true` and decodePacket (ip.ts) drops
// them with ERR_WIRE_FRAGMENT. Emitted headers carry no options.

import { UsageError } from '../base/errors.js';
import { foldSum, internetChecksum, onesSum } from './checksum.js';
import { ok, type Result, type WireError, wireError } from './result.js';

export const IPV4_HEADER_MIN = 20;
export const IPV4_MAX_TOTAL = 0xffff;

export interface Ipv4Header {
  /** Header length in bytes (IHL x 4), options included. */
  headerLength: number;
  /** The former TOS byte (DSCP and ECN). */
  tos: number;
  totalLength: number;
  id: number;
  df: boolean;
  mf: boolean;
  /** Fragment offset in bytes (the field counts 8-byte units). */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  /** Views into the parsed bytes, 4 bytes each. */
  src: Uint8Array;
  dst: Uint8Array;
}

export interface Ipv4Packet {
  header: Ipv4Header;
  /** True for any fragment (MF set or offset > 0): the payload is then only a piece. */
  fragment: boolean;
  /** View of the bytes after the header up to totalLength (link padding beyond it is cut off). */
  payload: Uint8Array;
}

/**
 * What is wrong with the IPv4 header at the start of `bytes` (version, lengths, header checksum),
 * or undefined when nothing is: parseIpv4's checks, for a caller that reads the fields itself.
 */
export function ipv4HeaderError(bytes: Uint8Array): { ok: false; error: WireError } | undefined {
  const n = bytes.length;
  if (n < IPV4_HEADER_MIN) return wireError('ERR_WIRE_TRUNCATED', `${n} bytes, an IPv4 header needs 20`);
  const version = bytes[0]! >>> 4;
  if (version !== 4) return wireError('ERR_WIRE_BAD_VERSION', `version ${version}, expected 4`);
  const headerLength = (bytes[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_MIN) return wireError('ERR_WIRE_BAD_LENGTH', `IHL ${headerLength / 4} < 5`);
  if (headerLength > n) return wireError('ERR_WIRE_TRUNCATED', `IHL says ${headerLength} bytes, have ${n}`);
  const totalLength = (bytes[2]! << 8) | bytes[3]!;
  if (totalLength < headerLength) {
    return wireError('ERR_WIRE_BAD_LENGTH', `total length ${totalLength} < header length ${headerLength}`);
  }
  if (totalLength > n) return wireError('ERR_WIRE_TRUNCATED', `total length ${totalLength}, have ${n} bytes`);
  // RFC 791 §3.1: the header checksum covers the header only; summed with the field it folds to 0xffff.
  if (foldSum(onesSum(bytes, 0, headerLength)) !== 0xffff) {
    return wireError('ERR_WIRE_CHECKSUM', 'IPv4 header checksum wrong');
  }
  return undefined;
}

/** Parses an IPv4 header and verifies its checksum. Never throws. */
export function parseIpv4(bytes: Uint8Array): Result<Ipv4Packet> {
  const bad = ipv4HeaderError(bytes);
  if (bad !== undefined) return bad;
  const headerLength = (bytes[0]! & 0x0f) * 4;
  const totalLength = (bytes[2]! << 8) | bytes[3]!;
  const flagsFrag = (bytes[6]! << 8) | bytes[7]!;
  const mf = (flagsFrag & 0x2000) !== 0;
  const fragmentOffset = (flagsFrag & 0x1fff) * 8;
  return ok({
    header: {
      headerLength,
      tos: bytes[1]!,
      totalLength,
      id: (bytes[4]! << 8) | bytes[5]!,
      df: (flagsFrag & 0x4000) !== 0,
      mf,
      fragmentOffset,
      ttl: bytes[8]!,
      protocol: bytes[9]!,
      src: bytes.subarray(12, 16),
      dst: bytes.subarray(16, 20),
    },
    fragment: mf || fragmentOffset !== 0,
    payload: bytes.subarray(headerLength, totalLength),
  });
}

/** Header fields we emit. Defaults: ttl 64, id 0, df true, tos 0. */
export interface Ipv4Fields {
  ttl?: number;
  id?: number;
  df?: boolean;
  tos?: number;
}

/**
 * Writes a 20-byte header at buf[at] except the addresses (bytes 12-19) and the checksum (left 0):
 * fill both, then call fillIpv4Checksum. For callers that build a whole packet in one buffer.
 */
export function writeIpv4Fixed(
  buf: Uint8Array,
  at: number,
  totalLength: number,
  protocol: number,
  fields?: Ipv4Fields,
): void {
  const ttl = fields?.ttl ?? 64;
  const id = fields?.id ?? 0;
  const tos = fields?.tos ?? 0;
  if (totalLength < IPV4_HEADER_MIN || totalLength > IPV4_MAX_TOTAL || (totalLength | 0) !== totalLength) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `IPv4 total length ${totalLength} not in [20, 65535]`);
  }
  checkByte(ttl, 'ttl');
  checkByte(tos, 'tos');
  checkByte(protocol, 'protocol');
  if ((id & 0xffff) !== id) throw new UsageError('ERR_INVALID_ARG_VALUE', `id=${id} not in [0, 65535]`);
  buf[at] = 0x45; // version 4, IHL 5
  buf[at + 1] = tos;
  buf[at + 2] = totalLength >>> 8;
  buf[at + 3] = totalLength & 0xff;
  buf[at + 4] = id >>> 8;
  buf[at + 5] = id & 0xff;
  buf[at + 6] = fields?.df === false ? 0 : 0x40;
  buf[at + 7] = 0;
  buf[at + 8] = ttl;
  buf[at + 9] = protocol;
  buf[at + 10] = 0;
  buf[at + 11] = 0;
}

/** Computes and writes the checksum of the 20-byte header at buf[at] (field must be 0). */
export function fillIpv4Checksum(buf: Uint8Array, at: number): void {
  const c = internetChecksum(buf, at, at + IPV4_HEADER_MIN);
  buf[at + 10] = c >>> 8;
  buf[at + 11] = c & 0xff;
}

/** A whole IPv4 packet: header (checksum filled) followed by a copy of payload. */
export function emitIpv4(
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  payload: Uint8Array,
  fields?: Ipv4Fields,
): Uint8Array {
  if (src.length !== 4 || dst.length !== 4) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', 'IPv4 addresses must be 4 bytes');
  }
  const out = new Uint8Array(IPV4_HEADER_MIN + payload.length);
  writeIpv4Fixed(out, 0, out.length, protocol, fields);
  out.set(src, 12);
  out.set(dst, 16);
  fillIpv4Checksum(out, 0);
  out.set(payload, IPV4_HEADER_MIN);
  return out;
}

function checkByte(v: number, name: string): void {
  if ((v & 0xff) !== v) throw new UsageError('ERR_INVALID_ARG_VALUE', `${name}=${v} not in [0, 255]`);
}

// ---------------------------------------------------------------------------------------------
// Address text

/**
 * Parses dotted decimal text[start, end) ('192.0.2.1') into buf[at..at+4]. Exactly four decimal
 * parts in 0-255, no leading zeros (they would read as octal elsewhere), nothing else. Returns
 * false (buf possibly half-written) when the text is not such an address. No allocation.
 */
export function parseIpv4AddressInto(text: string, buf: Uint8Array, at: number, start = 0, end = text.length): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  let zeroLead = false;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e; // a virtual '.' closes the last part
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && zeroLead) return false;
      if (digits === 0) zeroLead = c === 0x30;
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) return false;
    } else if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      buf[at + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** '192.0.2.1' -> 4 bytes, or undefined if the text is not a dotted-decimal IPv4 address. */
export function parseIpv4Address(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return parseIpv4AddressInto(text, out, 0) ? out : undefined;
}

/** 4 bytes at bytes[at] -> '192.0.2.1'. */
export function formatIpv4Address(bytes: Uint8Array, at = 0): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}
