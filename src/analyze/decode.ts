// A lenient TCP/IP decoder for captured packets. wire/ip.ts decodePacket is the stack's own
// receive path: it verifies checksums and refuses anything it would not accept. A capture is a
// different thing: taken on a sending host it carries TCP checksums the NIC has not filled yet
// (checksum offload), snaplen may cut packets short, and segmentation offload hands the capture
// segments larger than the wire's. Here checksums are not checked, a packet cut by snaplen still
// yields its header (the payload length comes from the IP header, not from the bytes captured) and
// an IP length of 0 (what Linux writes for some offloaded segments) means "the bytes captured".
// Never throws.

import { formatIpv4Address } from '../wire/ipv4.js';
import { formatIpv6Address } from '../wire/ipv6.js';
import { NO_OPTIONS, type TcpOptions } from '../wire/segment.js';
import { parseTcpOptions, readU32 } from '../wire/tcp-header.js';

/** A TCP segment as captured. */
export interface SeenSegment {
  /** Address text: dotted IPv4 or RFC 5952 IPv6. */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  wnd: number;
  urp: number;
  /** Options as values; empty when the header was cut short by the capture's snaplen. */
  options: TcpOptions;
  /** Payload octets the IP header says the segment carried (the capture may hold fewer). */
  dataLength: number;
  /** The payload bytes captured: a view into the packet, possibly shorter than dataLength. */
  payload: Uint8Array;
}

export type DecodeResult =
  | { kind: 'tcp'; seg: SeenSegment }
  /** IPv4/IPv6 carrying something other than TCP (UDP, ICMP ...). */
  | { kind: 'other' }
  /** Not a usable IP packet: too short, bad version or lengths, a fragment. */
  | { kind: 'bad'; reason: string };

const IPPROTO_TCP = 6;
const OTHER: DecodeResult = { kind: 'other' };

function bad(reason: string): DecodeResult {
  return { kind: 'bad', reason };
}

/** Decodes an IPv4 or IPv6 packet (the bytes after the link header) without checking any checksum. */
export function decodeCaptured(ip: Uint8Array): DecodeResult {
  if (ip.length === 0) return bad('empty packet');
  const version = ip[0]! >>> 4;
  if (version === 4) return decodeV4(ip);
  if (version === 6) return decodeV6(ip);
  return bad(`IP version ${version}`);
}

function decodeV4(b: Uint8Array): DecodeResult {
  if (b.length < 20) return bad(`${b.length} bytes, an IPv4 header needs 20`);
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < 20 || ihl > b.length) return bad(`IPv4 header length ${ihl}`);
  let total = (b[2]! << 8) | b[3]!;
  if (total === 0) total = b.length; // segmentation offload: length not filled in
  if (total < ihl) return bad(`IPv4 total length ${total} < header length ${ihl}`);
  const frag = (b[6]! << 8) | b[7]!;
  if ((frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0) return bad('IPv4 fragment');
  if (b[9] !== IPPROTO_TCP) return OTHER;
  return decodeTcp(b, ihl, total, formatIpv4Address(b, 12), formatIpv4Address(b, 16));
}

// Extension headers a TCP segment may sit behind (RFC 8200 §4): hop-by-hop, routing, destination
// options (length in 8-octet units beyond the first 8) and AH (RFC 4302: 4-octet units beyond 2).
const NH_HOP = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DEST = 60;

function decodeV6(b: Uint8Array): DecodeResult {
  if (b.length < 40) return bad(`${b.length} bytes, an IPv6 header needs 40`);
  const payloadLength = (b[4]! << 8) | b[5]!;
  const end = payloadLength === 0 ? b.length : 40 + payloadLength;
  let nh = b[6]!;
  let p = 40;
  for (let hops = 0; hops < 8; hops++) {
    if (nh === NH_HOP || nh === NH_ROUTING || nh === NH_DEST || nh === NH_AH) {
      if (p + 8 > b.length) return bad(`IPv6 extension header ${nh} cut short`);
      const len = nh === NH_AH ? (b[p + 1]! + 2) * 4 : (b[p + 1]! + 1) * 8;
      nh = b[p]!;
      p += len;
      continue;
    }
    if (nh === NH_FRAGMENT) return bad('IPv6 fragment');
    break;
  }
  if (nh !== IPPROTO_TCP) return OTHER;
  if (p > end) return bad('IPv6 extension headers run past the payload');
  return decodeTcp(b, p, end, formatIpv6Address(b, 8), formatIpv6Address(b, 24));
}

/** The TCP header at b[at], the segment ending at `end` per the IP header (maybe beyond b.length). */
function decodeTcp(b: Uint8Array, at: number, end: number, src: string, dst: string): DecodeResult {
  if (at + 20 > b.length) return bad(`TCP header cut short: ${b.length - at} bytes captured`);
  const hdr = (b[at + 12]! >>> 4) * 4;
  if (hdr < 20) return bad(`TCP data offset ${hdr / 4} words`);
  if (at + hdr > end) return bad(`TCP data offset ${hdr / 4} words runs past the IP length`);
  let options: TcpOptions = NO_OPTIONS;
  if (hdr > 20 && at + hdr <= b.length) {
    const o = parseTcpOptions(b.subarray(at, at + hdr), 20, hdr);
    if (o.ok) options = o.value;
  }
  const dataStart = Math.min(at + hdr, b.length);
  return {
    kind: 'tcp',
    seg: {
      src,
      dst,
      srcPort: (b[at]! << 8) | b[at + 1]!,
      dstPort: (b[at + 2]! << 8) | b[at + 3]!,
      seq: readU32(b, at + 4),
      ack: readU32(b, at + 8),
      flags: b[at + 13]!,
      wnd: (b[at + 14]! << 8) | b[at + 15]!,
      urp: (b[at + 18]! << 8) | b[at + 19]!,
      options,
      dataLength: end - at - hdr,
      payload: b.subarray(dataStart, Math.min(end, b.length)),
    },
  };
}
