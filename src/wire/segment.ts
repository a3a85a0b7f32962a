// Segment: a decoded TCP header plus its payload. The only type the protocol core exchanges.
// Addresses are not part of it: the endpoint carries them beside the segment (see core/endpoint.ts).

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

export interface SackBlock {
  left: number;
  right: number;
}

export interface Timestamps {
  val: number;
  ecr: number;
}

/** Options as values. Absent fields were not present on the wire. */
export interface TcpOptions {
  mss?: number;
  wscale?: number;
  sackPermitted?: boolean;
  sack?: SackBlock[];
  ts?: Timestamps;
  /** Options of kinds we do not interpret, kept so a segment round-trips. */
  unknown?: { kind: number; data: Uint8Array }[];
  /**
   * Exact on-wire order of options, as kinds (1 = NOP, 0 = EOL included). Parsers fill it; emitters
   * follow it when present (for profiles that must match another stack's layout byte for byte),
   * otherwise they use a canonical order.
   */
  layout?: number[];
}

export interface Segment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Control bits as a bitmask of FIN | SYN | RST | PSH | ACK | URG | ECE | CWR. */
  flags: number;
  /** Window field as on the wire (not yet scaled). */
  wnd: number;
  urp: number;
  options: TcpOptions;
  payload: Uint8Array;
}

export const EMPTY = new Uint8Array(0);
export const NO_OPTIONS: TcpOptions = Object.freeze({}) as TcpOptions;

/** SEG.LEN: payload octets plus one for SYN and one for FIN (RFC 9293 §3.4). */
export function segLen(s: Segment): number {
  return s.payload.length + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);
}

export function has(s: Segment, flag: number): boolean {
  return (s.flags & flag) !== 0;
}

const FLAG_NAMES: [number, string][] = [
  [SYN, 'SYN'],
  [FIN, 'FIN'],
  [RST, 'RST'],
  [PSH, 'PSH'],
  [ACK, 'ACK'],
  [URG, 'URG'],
  [ECE, 'ECE'],
  [CWR, 'CWR'],
];

/** Control bits as names in a fixed order: SYN, FIN, RST, PSH, ACK, URG, ECE, CWR. */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) out.push(name);
  return out;
}

/** 'FIN,ACK' style (RFC notation). */
export function ctl(flags: number): string {
  return flagNames(flags).join(',');
}

/** Parses 'SYN,ACK' (or 'SYN ACK', 'S.' is not accepted) into a bitmask. */
export function parseCtl(text: string): number {
  let flags = 0;
  for (const part of text.split(/[,\s|]+/)) {
    if (!part) continue;
    const hit = FLAG_NAMES.find(([, n]) => n === part.toUpperCase());
    if (!hit) throw new TypeError(`unknown control bit ${JSON.stringify(part)}`);
    flags |= hit[0];
  }
  return flags;
}

export function makeSegment(fields: Partial<Segment> & Pick<Segment, 'srcPort' | 'dstPort'>): Segment {
  return {
    seq: 0,
    ack: 0,
    flags: 0,
    wnd: 0,
    urp: 0,
    options: NO_OPTIONS,
    payload: EMPTY,
    ...fields,
  };
}
