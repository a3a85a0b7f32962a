// The classic pcap file format (the one libpcap, tcpdump and Wireshark all read), as pure bytes: no
// file access here, so the simulator in a browser can produce a capture too. src/drivers/pcap-file.ts
// puts these bytes in a file for Node.
//
// Layout (all fields in the writer's byte order; we write little-endian, readers detect it from the
// magic number):
//   global header, 24 bytes: magic a1b2c3d4 (microsecond timestamps), version 2.4, thiszone 0,
//                            sigfigs 0, snaplen, link type
//   per packet, 16 bytes:    seconds, microseconds, captured length, original length; then the bytes
// Link type 101 (LINKTYPE_RAW): each record is a bare IP packet, IPv4 or IPv6 told apart by the
// version nibble — exactly what a TUN device with IFF_NO_PI reads and writes, and what the simulator
// carries.

import { encodePacket } from '../wire/ip.js';
import type { TraceEvent } from './events.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
/** Raw IP: IPv4 or IPv6 by the first nibble. */
export const LINKTYPE_RAW = 101;
export const PCAP_GLOBAL_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** Large enough for any IP packet (65535) with room to spare; what tcpdump uses today. */
export const DEFAULT_SNAPLEN = 262144;

export interface PcapOptions {
  /** Longest part of a packet kept (default 262144). */
  snaplen?: number;
  /** Default LINKTYPE_RAW. */
  linktype?: number;
}

/** The 24-byte file header. */
export function pcapGlobalHeader(opts: PcapOptions = {}): Uint8Array {
  const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
  const linktype = opts.linktype ?? LINKTYPE_RAW;
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fffffff) throw new RangeError(`snaplen=${snaplen}`);
  const out = new Uint8Array(PCAP_GLOBAL_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint32(0, PCAP_MAGIC_MICROS, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone: timestamps are UTC
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linktype, true);
  return out;
}

/**
 * Writes a 16-byte record header at `at` in `out`. `timeMs` is milliseconds since the Unix epoch (or
 * since any origin, for virtual time); fractions are kept down to the microsecond.
 */
export function writeRecordHeader(
  out: Uint8Array,
  at: number,
  timeMs: number,
  capturedLength: number,
  originalLength: number,
): void {
  const us = Math.max(0, Math.round(timeMs * 1000));
  const sec = Math.floor(us / 1_000_000);
  const v = new DataView(out.buffer, out.byteOffset + at, PCAP_RECORD_HEADER_LENGTH);
  v.setUint32(0, sec >>> 0, true);
  v.setUint32(4, us - sec * 1_000_000, true);
  v.setUint32(8, capturedLength, true);
  v.setUint32(12, originalLength, true);
}

/** One record (header + packet, cut at snaplen) as a new buffer. */
export function pcapRecord(timeMs: number, packet: Uint8Array, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const cap = Math.min(packet.length, snaplen);
  const out = new Uint8Array(PCAP_RECORD_HEADER_LENGTH + cap);
  writeRecordHeader(out, 0, timeMs, cap, packet.length);
  out.set(cap === packet.length ? packet : packet.subarray(0, cap), PCAP_RECORD_HEADER_LENGTH);
  return out;
}

/** Where a PcapWriter puts its bytes: called with whole records only, so any prefix written is a valid file. */
export type PcapSink = (chunk: Uint8Array) => void;

export interface PcapWriterOptions extends PcapOptions {
  /**
   * Records are gathered in a buffer of this many bytes and handed to the sink when it would
   * overflow, or on flush(). 0 (default) hands over every record at once.
   */
  batchBytes?: number;
}

/**
 * Turns packets into a pcap byte stream. The header goes to the sink at construction. Each chunk
 * the sink receives ends on a record boundary, so a file cut short between chunks still parses.
 */
export class PcapWriter {
  readonly snaplen: number;
  readonly #sink: PcapSink;
  readonly #batch: Uint8Array | undefined;
  #used = 0;
  #packets = 0;
  #closed = false;

  constructor(sink: PcapSink, opts: PcapWriterOptions = {}) {
    this.#sink = sink;
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    const batch = opts.batchBytes ?? 0;
    this.#batch = batch > 0 ? new Uint8Array(batch) : undefined;
    sink(pcapGlobalHeader(opts));
  }

  /** Packets written so far. */
  get packets(): number {
    return this.#packets;
  }

  /** Bytes held back, waiting for flush(). */
  get pending(): number {
    return this.#used;
  }

  /** Records one packet seen at `timeMs`. Ignored after close(). */
  write(timeMs: number, packet: Uint8Array): void {
    if (this.#closed) return;
    this.#packets++;
    const cap = Math.min(packet.length, this.snaplen);
    const size = PCAP_RECORD_HEADER_LENGTH + cap;
    const batch = this.#batch;
    if (batch === undefined || size > batch.length) {
      this.flush();
      this.#sink(pcapRecord(timeMs, packet, this.snaplen));
      return;
    }
    if (this.#used + size > batch.length) this.flush();
    writeRecordHeader(batch, this.#used, timeMs, cap, packet.length);
    batch.set(cap === packet.length ? packet : packet.subarray(0, cap), this.#used + PCAP_RECORD_HEADER_LENGTH);
    this.#used += size;
  }

  /** Hands the gathered records to the sink (a copy: the batch buffer is reused). */
  flush(): void {
    if (this.#used === 0 || this.#batch === undefined) return;
    const chunk = this.#batch.slice(0, this.#used);
    this.#used = 0;
    this.#sink(chunk);
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
  }
}

/** A packet read back from a capture. */
export interface PcapPacket {
  /** Milliseconds (with microsecond fractions) since the epoch of the capture. */
  timeMs: number;
  originalLength: number;
  /** A view into the file bytes. */
  data: Uint8Array;
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  nanos: boolean;
  packets: PcapPacket[];
  /** Bytes at the end that do not form a whole record (an interrupted capture). */
  trailing: number;
}

/** Parses a classic pcap file of either byte order. Throws RangeError on a bad header. */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < PCAP_GLOBAL_HEADER_LENGTH) throw new RangeError('pcap: shorter than the file header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  let nanos: boolean;
  const m = v.getUint32(0, true);
  if (m === PCAP_MAGIC_MICROS || m === PCAP_MAGIC_NANOS) {
    le = true;
    nanos = m === PCAP_MAGIC_NANOS;
  } else {
    const b = v.getUint32(0, false);
    if (b !== PCAP_MAGIC_MICROS && b !== PCAP_MAGIC_NANOS) throw new RangeError(`pcap: bad magic ${m.toString(16)}`);
    le = false;
    nanos = b === PCAP_MAGIC_NANOS;
  }
  const snaplen = v.getUint32(16, le);
  const linktype = v.getUint32(20, le) & 0x0fffffff;
  const packets: PcapPacket[] = [];
  let at = PCAP_GLOBAL_HEADER_LENGTH;
  while (at + PCAP_RECORD_HEADER_LENGTH <= bytes.length) {
    const sec = v.getUint32(at, le);
    const frac = v.getUint32(at + 4, le);
    const cap = v.getUint32(at + 8, le);
    const orig = v.getUint32(at + 12, le);
    if (at + PCAP_RECORD_HEADER_LENGTH + cap > bytes.length) break;
    const start = at + PCAP_RECORD_HEADER_LENGTH;
    packets.push({
      timeMs: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3),
      originalLength: orig,
      data: bytes.subarray(start, start + cap),
    });
    at = start + cap;
  }
  return { linktype, snaplen, nanos, packets, trailing: bytes.length - at };
}

/** What a tap hands over: the simulator's WirePacket has these fields (sim/network.ts). */
export interface TappedPacket {
  /** When the packet was put on the wire (virtual ms). */
  t: number;
  bytes: Uint8Array;
}

/**
 * A function for `SimNetwork.tap()` that records every packet put on the wire, as a capture on the
 * sender's interface would see it (lost ones included), at `origin + t` ms. Virtual time starts at
 * 0; pass an origin (e.g. a fixed date) for timestamps that look like real ones.
 */
export function pcapTap(
  writer: { write(timeMs: number, packet: Uint8Array): void },
  origin = 0,
): (p: TappedPacket) => void {
  return (p) => writer.write(origin + p.t, p.bytes);
}

/** 'a.b.c.d:p>e.f.g.h:q' or '[x::y]:p>[z::w]:q' (core/tuple.ts tupleLabel) -> the two addresses. */
export function parseConnLabel(label: string): { local: string; remote: string } | undefined {
  const m = /^(\[[^\]]+\]|[^:>[]+):(\d+)>(\[[^\]]+\]|[^:>[]+):(\d+)$/.exec(label);
  if (!m) return undefined;
  const strip = (a: string): string => (a.startsWith('[') ? a.slice(1, -1) : a);
  return { local: strip(m[1] as string), remote: strip(m[3] as string) };
}

/**
 * A capture rebuilt from trace events: every 'send' becomes the packet the endpoint put on the wire
 * (addresses from the event's connection label, the segment re-encoded with its checksums), at
 * `origin + t`. This is how `finack demo <scenario> --pcap` can write a scenario's segments from its
 * trace alone; for the simulator it gives the same bytes a tap sees (test/trace/pcap.test.ts).
 * Events without a parsable label are skipped; returns the number of packets written.
 */
export function pcapFromTrace(
  events: readonly TraceEvent[],
  writer: { write(timeMs: number, packet: Uint8Array): void },
  origin = 0,
): number {
  let n = 0;
  for (const e of events) {
    if (e.type !== 'send') continue;
    const a = parseConnLabel(e.conn);
    if (!a) continue;
    writer.write(origin + e.t, encodePacket({ src: a.local, dst: a.remote, seg: e.seg }));
    n++;
  }
  return n;
}
