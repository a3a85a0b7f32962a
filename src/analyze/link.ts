// From a captured link-layer frame to the IP packet inside it, for the link types a TCP capture on
// Linux, the BSDs or macOS comes in: Ethernet (with 802.1Q / 802.1ad VLAN tags), raw IP, Linux
// "cooked" captures (tcpdump -i any: SLL and SLL2) and BSD loopback. The packet is a view into the
// frame, cut to the length its IP header declares (so Ethernet padding is not taken for data);
// anything else (ARP, another link type, an IP version other than 4 or 6) gives undefined.

import { LINKTYPE_RAW } from '../trace/pcap.js';

export { LINKTYPE_RAW };
/** BSD loopback: a 4-byte address family in the capturing host's byte order, then the packet. */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as most systems number it; some files carry it instead of LINKTYPE_RAW. */
export const DLT_RAW_12 = 12;
/** DLT_RAW as OpenBSD numbers it. */
export const DLT_RAW_14 = 14;
/** OpenBSD loopback: like NULL, the family in network byte order. */
export const LINKTYPE_LOOP = 108;
/** Linux cooked capture v1 (16-byte header). */
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
/** Linux cooked capture v2 (20-byte header, with the interface index). */
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
/** The pre-standard QinQ outer tag some switches still send. */
export const ETHERTYPE_QINQ_OLD = 0x9100;

const SLL_HEADER = 16;
const SLL2_HEADER = 20;
/** Tags followed before giving up (QinQ has two; more is not a real frame). */
const MAX_VLAN_TAGS = 4;

/** The link types ipOfFrame knows. */
export const KNOWN_LINKTYPES: readonly number[] = [
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
];

/**
 * The IPv4 or IPv6 packet a frame of `linktype` carries, as a view into `frame`, or undefined when
 * it carries something else, is too short to tell, or the link type is not one of KNOWN_LINKTYPES.
 */
export function ipOfFrame(linktype: number, frame: Uint8Array): Uint8Array | undefined {
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      return afterEthertype(frame, 12);
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
      return ip(frame, 0, 0);
    case LINKTYPE_IPV4:
      return ip(frame, 0, 4);
    case LINKTYPE_IPV6:
      return ip(frame, 0, 6);
    case LINKTYPE_LINUX_SLL:
      // packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2)
      return frame.length < SLL_HEADER ? undefined : afterEthertype(frame, SLL_HEADER - 2);
    case LINKTYPE_LINUX_SLL2: {
      // protocol (2), reserved (2), interface index (4), ARPHRD type (2), packet type, address length, address (8)
      if (frame.length < SLL2_HEADER) return undefined;
      const proto = (frame[0]! << 8) | frame[1]!;
      return byEthertype(frame, proto, SLL2_HEADER);
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return afterFamily(frame);
    default:
      return undefined;
  }
}

/** The ethertype at frame[at], then past any VLAN tags to the packet. */
function afterEthertype(frame: Uint8Array, at: number): Uint8Array | undefined {
  let p = at;
  for (let tags = 0; ; tags++) {
    if (p + 2 > frame.length) return undefined;
    const type = (frame[p]! << 8) | frame[p + 1]!;
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
      if (tags === MAX_VLAN_TAGS) return undefined;
      p += 4; // the tag's TCI (2), then the next ethertype
      continue;
    }
    return byEthertype(frame, type, p + 2);
  }
}

function byEthertype(frame: Uint8Array, type: number, at: number): Uint8Array | undefined {
  if (type === ETHERTYPE_IPV4) return ip(frame, at, 4);
  if (type === ETHERTYPE_IPV6) return ip(frame, at, 6);
  return undefined;
}

// Address family values of IPv4 and IPv6 in BSD loopback headers: AF_INET is 2 everywhere, AF_INET6
// differs by system (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).
const AF_INET = 2;
const AF_INET6 = new Set([24, 28, 30]);

/** BSD loopback: the family in either byte order (the capturing host's, or network order for LOOP). */
function afterFamily(frame: Uint8Array): Uint8Array | undefined {
  if (frame.length < 4) return undefined;
  const b0 = frame[0]!;
  const b1 = frame[1]!;
  const b2 = frame[2]!;
  const b3 = frame[3]!;
  let family: number;
  if (b0 === 0 && b1 === 0) family = (b2 << 8) | b3;
  else if (b2 === 0 && b3 === 0) family = (b1 << 8) | b0;
  else return undefined;
  if (family === AF_INET) return ip(frame, 4, 4);
  if (AF_INET6.has(family)) return ip(frame, 4, 6);
  return undefined;
}

/**
 * The IP packet at frame[at] if its version is `version` (0: 4 or 6), cut to the length its header
 * declares when the frame holds more (link-layer padding); a packet cut short by the snaplen is
 * returned as it is.
 */
function ip(frame: Uint8Array, at: number, version: 0 | 4 | 6): Uint8Array | undefined {
  if (at >= frame.length) return undefined;
  const v = frame[at]! >>> 4;
  if (version === 0 ? v !== 4 && v !== 6 : v !== version) return undefined;
  const avail = frame.length - at;
  let declared = avail;
  if (v === 4 && avail >= 4) {
    const total = (frame[at + 2]! << 8) | frame[at + 3]!;
    if (total >= 20) declared = total;
  } else if (v === 6 && avail >= 6) {
    // A payload length of 0 is a jumbogram (RFC 2675) or not filled in (segmentation offload): keep all.
    const payload = (frame[at + 4]! << 8) | frame[at + 5]!;
    if (payload > 0) declared = 40 + payload;
  }
  return frame.subarray(at, at + Math.min(avail, declared));
}
