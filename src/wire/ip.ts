// Whole packets: IP header + TCP segment <-> { src, dst, seg }. The simulator and the TUN driver
// call these for every packet, so encodePacket allocates exactly one buffer (addresses are parsed
// straight into it, checksums are summed in place) and decodePacket makes views, not copies.
//
// The IP version follows the address text: a ':' means IPv6 (so '::ffff:192.0.2.1' is sent as
// IPv6), otherwise dotted IPv4. Both addresses must be of the same family.

import { UsageError } from '../base/errors.js';
import { foldSum, IPPROTO_TCP, onesSum, pseudoHeaderSumAt, TCP_CHECKSUM_AT } from './checksum.js';
import {
  fillIpv4Checksum,
  formatIpv4Address,
  IPV4_HEADER_MIN,
  IPV4_MAX_TOTAL,
  ipv4HeaderError,
  parseIpv4AddressInto,
  writeIpv4Fixed,
} from './ipv4.js';
import { formatIpv6Address, IPV6_HEADER_LENGTH, parseIpv6, parseIpv6AddressInto, writeIpv6Fixed } from './ipv6.js';
import { ok, type Result, wireError } from './result.js';
import type { Segment } from './segment.js';
import { parseTcp, readTcp, readU32, tcpHeaderLength, writeTcp } from './tcp-header.js';

export interface Packet {
  src: string;
  dst: string;
  seg: Segment;
}

export interface EncodeOptions {
  /** IPv4 TTL or IPv6 hop limit. Default 64. */
  ttl?: number;
  /** IPv4 identification. Default 0. */
  id?: number;
  /** IPv4 Don't Fragment. Default true. */
  df?: boolean;
  /** IPv4 TOS byte or IPv6 traffic class. Default 0. */
  tos?: number;
  /** IPv6 flow label. Default 0. */
  flowLabel?: number;
  /** Carve the packet from this slab instead of a buffer of its own (see PacketSlab). */
  slab?: PacketSlab;
  /**
   * Leave the TCP checksum field 0 instead of computing it, as a sender with checksum offload does
   * (the IPv4 header checksum is still filled, as Linux fills it on loopback). Only for a receiver
   * told that the packet needs no verifying: decodePacket with { checksumVerified: true }.
   */
  checksumOffload?: boolean;
}

export interface DecodeOptions {
  /**
   * The TCP checksum needs no verifying (Linux's CHECKSUM_UNNECESSARY: the packet came over
   * loopback, or hardware checked it): the field is not compared, so any value, 0 included, passes.
   * Every other check stays, the IPv4 header checksum among them.
   */
  checksumVerified?: boolean;
}

/** Bytes of one slab; packets over a quarter of it get a buffer of their own. */
const SLAB_SIZE = 64 * 1024;

/**
 * Packet buffers carved one after another from shared 64 KiB ArrayBuffers, as Node's Buffer pool
 * does for small buffers: a packet then costs a view, not an allocation outside the heap of its
 * own (the expensive part of a new Uint8Array of more than a few dozen bytes). A packet's bytes
 * are its own, but its `buffer` holds other packets too (read it through byteOffset/byteLength),
 * and a slab is freed only when no packet or view into it is left.
 */
export class PacketSlab {
  #buf = new ArrayBuffer(0);
  #at = 0;

  /** `n` zeroed bytes, starting at a multiple of 8 within their ArrayBuffer. */
  alloc(n: number): Uint8Array {
    if (n > SLAB_SIZE / 4) return new Uint8Array(n);
    if (this.#at + n > this.#buf.byteLength) {
      this.#buf = new ArrayBuffer(SLAB_SIZE);
      this.#at = 0;
    }
    const view = new Uint8Array(this.#buf, this.#at, n);
    this.#at += (n + 7) & ~7;
    return view;
  }
}

/** 4 or 6, from the form of the text (a ':' means IPv6). Does not validate. */
export function addressFamily(text: string): 4 | 6 {
  return text.indexOf(':') >= 0 ? 6 : 4;
}

/** Address text of either family -> 4 or 16 bytes, or undefined if invalid. */
export function parseAddress(text: string): Uint8Array | undefined {
  const out = new Uint8Array(addressFamily(text) === 6 ? 16 : 4);
  const good =
    out.length === 16 ? parseIpv6AddressInto(text, out, 0) : parseIpv4AddressInto(text, out, 0, 0, text.length);
  return good ? out : undefined;
}

/** 4 bytes -> dotted decimal, 16 bytes -> RFC 5952 text. */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4Address(bytes, 0);
  if (bytes.length === 16) return formatIpv6Address(bytes, 0);
  throw new UsageError('ERR_INVALID_ARG_VALUE', `an address has 4 or 16 bytes, not ${bytes.length}`);
}

/**
 * IP header + TCP header + payload in one new buffer (or one carved from opts.slab), IP and TCP
 * checksums filled (the TCP one left 0 with opts.checksumOffload). Throws
 * UsageError('ERR_INVALID_ARG_VALUE') for bad address text, mixed families, a segment emitTcp
 * refuses, or a packet over 65535 bytes (IPv4 total / IPv6 payload length).
 */
export function encodePacket(pkt: Packet, opts?: EncodeOptions): Uint8Array {
  const v6 = addressFamily(pkt.src) === 6;
  if (addressFamily(pkt.dst) !== (v6 ? 6 : 4)) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `src ${pkt.src} and dst ${pkt.dst} are of different families`);
  }
  const seg = pkt.seg;
  const tcpHdr = tcpHeaderLength(seg);
  const tcpLen = tcpHdr + seg.payload.length;
  const ipHdr = v6 ? IPV6_HEADER_LENGTH : IPV4_HEADER_MIN;
  if ((v6 ? tcpLen : ipHdr + tcpLen) > IPV4_MAX_TOTAL) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `packet too long: ${ipHdr + tcpLen} bytes`);
  }
  const buf = opts?.slab !== undefined ? opts.slab.alloc(ipHdr + tcpLen) : new Uint8Array(ipHdr + tcpLen);
  const addrLen = v6 ? 16 : 4;
  const srcAt = v6 ? 8 : 12;
  const dstAt = srcAt + addrLen;
  if (v6) {
    writeIpv6Fixed(buf, 0, tcpLen, IPPROTO_TCP, opts?.ttl, opts?.tos, opts?.flowLabel);
    if (!parseIpv6AddressInto(pkt.src, buf, srcAt)) badAddress(pkt.src);
    if (!parseIpv6AddressInto(pkt.dst, buf, dstAt)) badAddress(pkt.dst);
  } else {
    writeIpv4Fixed(buf, 0, buf.length, IPPROTO_TCP, opts);
    putIpv4(pkt.src, buf, srcAt);
    putIpv4(pkt.dst, buf, dstAt);
    fillIpv4Checksum(buf, 0);
  }
  writeTcp(seg, buf, ipHdr, tcpHdr);
  if (opts?.checksumOffload === true) return buf;
  // The checksum field is still 0, so summing the whole segment gives the value to write.
  const sum = onesSum(buf, ipHdr, buf.length, pseudoHeaderSumAt(buf, srcAt, dstAt, addrLen, IPPROTO_TCP, tcpLen));
  const c = ~foldSum(sum) & 0xffff;
  buf[ipHdr + TCP_CHECKSUM_AT] = c >>> 8;
  buf[ipHdr + TCP_CHECKSUM_AT + 1] = c & 0xff;
  return buf;
}

// Packets carry addresses as text; a simulated network or a TUN device sees the same few again
// and again. Each family's text <-> bytes is remembered here, bounded: a table that fills up is
// emptied and starts over, so an attacker sending from many addresses costs only the parsing.
const REMEMBER = 4096;
const ipv4Bytes = new Map<string, number>(); // text -> the address as one unsigned 32-bit number
const ipv4Text = new Map<number, string>();

/** Writes dotted-decimal `text` as 4 bytes at buf[at]; throws UsageError if it is not an address. */
function putIpv4(text: string, buf: Uint8Array, at: number): void {
  let v = ipv4Bytes.get(text);
  if (v === undefined) {
    if (!parseIpv4AddressInto(text, buf, at)) badAddress(text);
    v = readU32(buf, at);
    if (ipv4Bytes.size >= REMEMBER) ipv4Bytes.clear();
    ipv4Bytes.set(text, v);
    return;
  }
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

/** The dotted-decimal text of the 4 bytes at bytes[at]. */
function ipv4TextAt(bytes: Uint8Array, at: number): string {
  const v = readU32(bytes, at);
  let t = ipv4Text.get(v);
  if (t === undefined) {
    t = formatIpv4Address(bytes, at);
    if (ipv4Text.size >= REMEMBER) ipv4Text.clear();
    ipv4Text.set(v, t);
  }
  return t;
}

function badAddress(text: string): never {
  throw new UsageError('ERR_INVALID_ARG_VALUE', `not an IP address: ${JSON.stringify(text)}`);
}

/**
 * Parses an IPv4 or IPv6 packet carrying TCP and verifies the IP header checksum (IPv4) and the
 * TCP checksum (not with opts.checksumVerified). The segment's payload is a view into bytes. Never
 * throws.
 */
export function decodePacket(bytes: Uint8Array, opts?: DecodeOptions): Result<Packet> {
  const verified = opts?.checksumVerified === true;
  if (bytes.length === 0) return wireError('ERR_WIRE_TRUNCATED', 'empty packet');
  const version = bytes[0]! >>> 4;
  if (version === 4) {
    // The fields are read in place: no header object and no address views per packet.
    const bad = ipv4HeaderError(bytes);
    if (bad !== undefined) return bad;
    const flagsFrag = (bytes[6]! << 8) | bytes[7]!;
    if ((flagsFrag & 0x3fff) !== 0) {
      const mf = (flagsFrag & 0x2000) !== 0;
      return wireError('ERR_WIRE_FRAGMENT', `IPv4 fragment (MF ${mf}, offset ${(flagsFrag & 0x1fff) * 8})`);
    }
    const protocol = bytes[9]!;
    if (protocol !== IPPROTO_TCP) return wireError('ERR_WIRE_NOT_TCP', `IPv4 protocol ${protocol}`);
    // The segment is read in place too: no view of it, only of its payload.
    const start = (bytes[0]! & 0x0f) * 4;
    const end = (bytes[2]! << 8) | bytes[3]!;
    const sum = verified ? undefined : pseudoHeaderSumAt(bytes, 12, 16, 4, IPPROTO_TCP, end - start);
    const seg = readTcp(bytes, start, end, sum);
    if ('error' in seg) return seg;
    return ok({ src: ipv4TextAt(bytes, 12), dst: ipv4TextAt(bytes, 16), seg });
  }
  if (version === 6) {
    const ip = parseIpv6(bytes);
    if (!ip.ok) return ip;
    if (ip.value.protocol !== IPPROTO_TCP)
      return wireError('ERR_WIRE_NOT_TCP', `IPv6 next header ${ip.value.protocol}`);
    const { src, dst } = ip.value.header;
    const seg = parseTcp(ip.value.payload, verified ? undefined : { src, dst });
    if (!seg.ok) return seg;
    return ok({ src: formatIpv6Address(src), dst: formatIpv6Address(dst), seg: seg.value });
  }
  return wireError('ERR_WIRE_BAD_VERSION', `IP version ${version}`);
}
