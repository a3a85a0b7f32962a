// TUN offloads: IFF_VNET_HDR framing and what it lets the kernel hand us.
//
// With IFF_VNET_HDR every packet read or written is preceded by a struct virtio_net_hdr
// (linux/virtio_net.h, 10 bytes, host byte order):
//   u8 flags; u8 gso_type; u16 hdr_len; u16 gso_size; u16 csum_start; u16 csum_offset
// After TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) the kernel treats the interface like a
// NIC with checksum and segmentation offload: its TCP hands us segments of up to 64 KiB
// (gso_type TCPV4/TCPV6, gso_size its MSS) in one read, and leaves their TCP checksum to the
// "hardware" (flags NEEDS_CSUM: the checksum field holds only the pseudo-header sum). That is the
// batching: one read, one decode and one core call for what would be up to 44 packets on the wire.
// A large segment goes to the core as it came, as Linux's GRO hands its TCP a merged segment; the
// core takes any segment that fits the window, whatever the MSS.
//
// The data never crossed a wire: it comes from the kernel's own memory, so a partial checksum is
// not an error and is not verified (the kernel does the same for loopback). Where the bytes leave
// the process again, in a capture, or are kept for a fault model, the checksum is completed first.
//
// Writing, we send a zero header (no GSO, no checksum help): finack's packets are complete, checksums
// included, exactly as without offloads.

import { foldSum, IPPROTO_TCP, onesSum, pseudoHeaderSum } from '../../wire/checksum.js';
import type { Packet } from '../../wire/ip.js';
import { formatIpv4Address, parseIpv4 } from '../../wire/ipv4.js';
import { formatIpv6Address, parseIpv6 } from '../../wire/ipv6.js';
import { CWR, FIN, PSH } from '../../wire/segment.js';
import { parseTcp, readU32 } from '../../wire/tcp-header.js';

export const IFF_VNET_HDR = 0x4000;
export const TUNSETOFFLOAD = 0x400454d0;
export const TUN_F_CSUM = 0x01;
export const TUN_F_TSO4 = 0x02;
export const TUN_F_TSO6 = 0x04;

/** sizeof(struct virtio_net_hdr): the kernel's default vnet header size. */
export const VNET_HDR_LEN = 10;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;

/**
 * What the vnet header said about the packet after it. One object per device, overwritten by the
 * next read: valid only during the onPacket call.
 */
export interface RxOffload {
  /** -1, or where the TCP checksum starts: the field at csumStart + csumOffset holds only the pseudo-header sum. */
  csumStart: number;
  csumOffset: number;
  /** The kernel verified the checksum (or made the data itself). */
  valid: boolean;
  /** 0, or the segment size the payload would be cut into on a wire (a TSO segment). */
  gsoSize: number;
}

/** The zero header in front of every packet we write. */
export const VNET_HDR_ZERO: Uint8Array = new Uint8Array(VNET_HDR_LEN);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function u16(b: Uint8Array, at: number): number {
  return LITTLE_ENDIAN ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
}

export function rxOffload(): RxOffload {
  return { csumStart: -1, csumOffset: 0, valid: false, gsoSize: 0 };
}

/** Reads a vnet header into `into`; true when the packet is trusted (no TCP checksum to verify). */
export function readVnetHeader(hdr: Uint8Array, into: RxOffload): boolean {
  const flags = hdr[0]!;
  const partial = (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) !== 0;
  into.csumStart = partial ? u16(hdr, 6) : -1;
  into.csumOffset = partial ? u16(hdr, 8) : 0;
  into.valid = partial || (flags & VIRTIO_NET_HDR_F_DATA_VALID) !== 0;
  into.gsoSize = hdr[1]! !== 0 ? u16(hdr, 4) : 0;
  return into.valid;
}

/** Writes the full checksum of a packet with a partial one, in place (what the NIC would do). */
export function completeChecksum(packet: Uint8Array, start: number, offset: number): void {
  const at = start + offset;
  if (start < 0 || at + 2 > packet.length) return;
  // The field holds the pseudo-header sum: summing over it adds that in.
  const v = ~foldSum(onesSum(packet, start, packet.length)) & 0xffff;
  packet[at] = v >>> 8;
  packet[at + 1] = v & 0xff;
}

/**
 * Software segmentation of a TSO packet into the packets a wire would carry, as Linux's
 * tcp_gso_segment cuts them: payloads of gsoSize (the last one shorter), sequence numbers advanced,
 * CWR on the first only, FIN and PSH on the last only, IPv4 IDs counting up, every length and
 * checksum filled. Copies: for captures and fault models, not for the fast path. A packet it
 * cannot cut (not TCP, no payload beyond one segment) comes back alone, its checksum completed.
 */
export function segmentWire(bytes: Uint8Array, info: RxOffload): Uint8Array[] {
  if (info.csumStart >= 0) completeChecksum(bytes, info.csumStart, info.csumOffset);
  const gso = info.gsoSize;
  const version = bytes[0]! >>> 4;
  const ipLen = version === 4 ? (bytes[0]! & 0x0f) * 4 : 40;
  if (gso === 0 || (version === 4 ? bytes[9] : bytes[6]) !== IPPROTO_TCP || bytes.length < ipLen + 20) return [bytes];
  const hdrLen = ipLen + (bytes[ipLen + 12]! >>> 4) * 4;
  const total = bytes.length - hdrLen;
  if (hdrLen > bytes.length || total <= gso) return [bytes];
  const src = bytes.subarray(version === 4 ? 12 : 8, version === 4 ? 16 : 24);
  const dst = bytes.subarray(version === 4 ? 16 : 24, version === 4 ? 20 : 40);
  const seq0 = readU32(bytes, ipLen + 4);
  const flags0 = bytes[ipLen + 13]!;
  const id0 = version === 4 ? (bytes[4]! << 8) | bytes[5]! : 0;
  const out: Uint8Array[] = [];
  for (let off = 0, k = 0; off < total; off += gso, k++) {
    const n = Math.min(gso, total - off);
    const p = new Uint8Array(hdrLen + n);
    p.set(bytes.subarray(0, hdrLen), 0);
    p.set(bytes.subarray(hdrLen + off, hdrLen + off + n), hdrLen);
    if (version === 4) {
      p[2] = (hdrLen + n) >>> 8;
      p[3] = (hdrLen + n) & 0xff;
      const id = (id0 + k) & 0xffff;
      p[4] = id >>> 8;
      p[5] = id & 0xff;
      p[10] = 0;
      p[11] = 0;
      const c = ~foldSum(onesSum(p, 0, ipLen)) & 0xffff;
      p[10] = c >>> 8;
      p[11] = c & 0xff;
    } else {
      const pl = hdrLen + n - 40;
      p[4] = pl >>> 8;
      p[5] = pl & 0xff;
    }
    const seq = (seq0 + off) >>> 0;
    p[ipLen + 4] = seq >>> 24;
    p[ipLen + 5] = (seq >>> 16) & 0xff;
    p[ipLen + 6] = (seq >>> 8) & 0xff;
    p[ipLen + 7] = seq & 0xff;
    let f = flags0;
    if (k > 0) f &= ~CWR;
    if (off + n < total) f &= ~(FIN | PSH);
    p[ipLen + 13] = f;
    p[ipLen + 16] = 0;
    p[ipLen + 17] = 0;
    const tcpLen = hdrLen + n - ipLen;
    const c = ~foldSum(onesSum(p, ipLen, p.length, pseudoHeaderSum(src, dst, IPPROTO_TCP, tcpLen))) & 0xffff;
    p[ipLen + 16] = c >>> 8;
    p[ipLen + 17] = c & 0xff;
    out.push(p);
  }
  return out;
}

/**
 * The same cut on a decoded packet, without copying: each piece's payload is a view into the
 * original's. Header fields other than seq and flags are shared (the options object too: the core
 * does not change what it is handed).
 */
export function segmentPacket(pkt: Packet, gso: number): Packet[] {
  const seg = pkt.seg;
  const total = seg.payload.length;
  if (gso === 0 || total <= gso) return [pkt];
  const out: Packet[] = [];
  for (let off = 0, k = 0; off < total; off += gso, k++) {
    const n = Math.min(gso, total - off);
    let f = seg.flags;
    if (k > 0) f &= ~CWR;
    if (off + n < total) f &= ~(FIN | PSH);
    out.push({
      src: pkt.src,
      dst: pkt.dst,
      seg: { ...seg, seq: (seg.seq + off) >>> 0, flags: f, payload: seg.payload.subarray(off, off + n) },
    });
  }
  return out;
}

/**
 * decodePacket (wire/ip.ts) without the TCP checksum, for packets the kernel vouched for. The IPv4
 * header checksum is still verified (the kernel always fills it). undefined for anything that
 * does not decode: the caller then lets the ordinary path decode it, count and trace the drop.
 */
export function decodeTrusted(bytes: Uint8Array): Packet | undefined {
  if (bytes.length === 0) return undefined;
  const version = bytes[0]! >>> 4;
  if (version === 4) {
    const ip = parseIpv4(bytes);
    if (!ip.ok || ip.value.fragment || ip.value.header.protocol !== IPPROTO_TCP) return undefined;
    const seg = parseTcp(ip.value.payload);
    if (!seg.ok) return undefined;
    return { src: formatIpv4Address(ip.value.header.src), dst: formatIpv4Address(ip.value.header.dst), seg: seg.value };
  }
  if (version === 6) {
    const ip = parseIpv6(bytes);
    if (!ip.ok || ip.value.protocol !== IPPROTO_TCP) return undefined;
    const seg = parseTcp(ip.value.payload);
    if (!seg.ok) return undefined;
    return {
      src: formatIpv6Address(ip.value.header.src),
      dst: formatIpv6Address(ip.value.header.dst),
      seg: seg.value,
    };
  }
  return undefined;
}
