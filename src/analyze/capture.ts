// Reading packet captures as a stream: classic pcap (libpcap's format, either byte order,
// microsecond or nanosecond timestamps) and pcapng (sections of either byte order, interfaces
// with their own link type, timestamp resolution and offset, enhanced, simple and the obsolete
// packet blocks). Pure bytes in, packets out: no file access, so a browser can read a capture the
// same way src/drivers/capture-file.ts reads one from disk.
//
// push(chunk) takes the bytes in pieces cut anywhere, even inside a header. Whole records are
// read straight from the chunk (the packet's bytes are a view into it); only the one record that
// a chunk leaves unfinished is copied aside, and as soon as its header is complete its length is
// checked, so a bad length is reported before its bytes are awaited. Records are delivered in
// file order; an error stops the parser, and the packets before it stay delivered.
//
// Layouts (all fields in the byte order the file declares):
//   pcap   file header 24 bytes: magic, version 2.4, thiszone, sigfigs, snaplen, link type;
//          record 16 bytes: seconds, micro- or nanoseconds, captured length, original length
//   pcapng block: type, total length, body, total length again (a multiple of 4, at least 12);
//          options in a body: code (2), length (2), value padded to 4 bytes; code 0 ends them
//          SHB 0x0a0d0d0a  byte-order magic 0x1a2b3c4d, major 1, minor, section length, options
//          IDB 1           link type (2), reserved (2), snaplen (4), options (if_tsresol 9,
//                          if_tsoffset 14)
//          EPB 6           interface, timestamp high, low, captured length, original length, data
//          SPB 3           original length, data (interface 0, no timestamp)
//          PB  2           interface (2), drops (2), timestamp high, low, captured, original, data
//
// Times become milliseconds since the Unix epoch in a double. At today's dates its resolution is
// about 0.24 µs, so microseconds are kept exactly (to the nearest double) and nanoseconds to that.

import {
  PCAP_GLOBAL_HEADER_LENGTH,
  PCAP_MAGIC_MICROS,
  PCAP_MAGIC_NANOS,
  PCAP_RECORD_HEADER_LENGTH,
} from '../trace/pcap.js';

/** One packet of a capture. */
export interface CapturedPacket {
  /** Milliseconds since the Unix epoch, with the fraction the file gives (µs, ns). */
  t: number;
  /** The link type of the interface it was captured on (see link.ts). */
  linktype: number;
  /** The link-layer frame as captured (maybe cut at the snaplen): a view valid only during the callback. */
  data: Uint8Array;
  /** Length of the packet on the wire, of which `data` holds the first bytes. */
  originalLength: number;
  /** File offset of the record (pcap) or block (pcapng). */
  offset: number;
  /**
   * The interface: 0 in pcap; in pcapng the interface's index among all Interface Description
   * Blocks of the file so far: numbered on across sections, as capinfos lists them, so that each
   * interface of the file has its own (tshark's frame.interface_id restarts at 0 in each section).
   */
  iface: number;
}

export type CaptureErrorCode =
  /** A record or block that cannot be right: bad length, unknown interface, lengths that disagree. */
  | 'ERR_CAPTURE_MALFORMED'
  /** The input ended inside a record (an interrupted capture, a cut file). */
  | 'ERR_CAPTURE_TRUNCATED'
  /** Not a pcap or pcapng file, or a variant of one that is not read here. */
  | 'ERR_CAPTURE_UNSUPPORTED'
  /** The file could not be opened or read (src/drivers/capture-file.ts). */
  | 'ERR_CAPTURE_UNREADABLE';

const TITLES: Record<CaptureErrorCode, string> = {
  ERR_CAPTURE_MALFORMED: 'malformed capture',
  ERR_CAPTURE_TRUNCATED: 'truncated capture',
  ERR_CAPTURE_UNSUPPORTED: 'unsupported capture',
  ERR_CAPTURE_UNREADABLE: 'unreadable capture',
};

/** A capture that cannot be read further. Tests check `code` and `offset`, never the text. */
export class CaptureError extends Error {
  readonly code: CaptureErrorCode;
  /** File offset of the record or block at fault (0 for the file as a whole). */
  readonly offset: number;
  /** What is wrong, without the title, offset or path. */
  readonly detail: string;
  /** The file, when the error comes from reading one. */
  readonly path: string | undefined;
  constructor(code: CaptureErrorCode, detail: string, offset: number, options?: { cause?: unknown; path?: string }) {
    const where = options?.path === undefined ? '' : `${options.path}: `;
    super(`${where}${TITLES[code]} at byte ${offset}: ${detail}`, options);
    this.code = code;
    this.offset = offset;
    this.detail = detail;
    this.path = options?.path;
    this.name = 'CaptureError';
  }
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** Largest record or block accepted: far above any real packet, low enough to refuse garbage. */
export const CAPTURE_MAX_RECORD = 256 * 1024 * 1024;

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_PB = 0x00000002;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Kuznetzov's "modified pcap" (records 8 bytes longer), read by few tools; refused. */
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const IXIA_MAGICS = [0x1c0001ac, 0x1c0001ab];

const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest total length of each pcapng block (header, fixed fields, trailing length). */
const MIN_BLOCK = 12;
const MIN_SHB = 28;
const MIN_IDB = 20;
const MIN_EPB = 32;
const MIN_SPB = 16;
const MIN_PB = 32;

/** How an interface's 64-bit timestamps become milliseconds. */
interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second when the resolution is a power of 10 (10^-6 by default), else 0. */
  perSecond: number;
  /** Bits of fraction when the resolution is a power of 2, else 0. */
  fractionBits: number;
  /** if_tsoffset, in ms. */
  offsetMs: number;
  /** The interface's number in CapturedPacket.iface. */
  index: number;
}

const TWO_POW_32 = 0x1_0000_0000;

/** ms of a 64-bit count (high, low) of units with `perSecond` units a second, exactly split. */
function decimalMs(high: number, low: number, perSecond: number): number {
  if (high < 0x200000) {
    // Below 2^53: the count is an exact double.
    const n = high * TWO_POW_32 + low;
    if (perSecond === 1_000_000) return n / 1000;
    const sec = Math.floor(n / perSecond);
    return sec * 1000 + ((n - sec * perSecond) * 1000) / perSecond;
  }
  if (perSecond <= 0x2000000000) {
    // Long division by 16-bit digits: every partial value stays below 2^53.
    let r = 0;
    let q = 0;
    for (const d of [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff]) {
      const cur = r * 65536 + d;
      const qd = Math.floor(cur / perSecond);
      r = cur - qd * perSecond;
      q = q * 65536 + qd;
    }
    return q * 1000 + (r * 1000) / perSecond;
  }
  const n = (BigInt(high) << 32n) | BigInt(low);
  const p = BigInt(perSecond);
  return Number(n / p) * 1000 + (Number(n % p) * 1000) / perSecond;
}

function binaryMs(high: number, low: number, bits: number): number {
  if (bits <= 32) {
    const sec = high * 2 ** (32 - bits) + (bits === 32 ? 0 : Math.floor(low / 2 ** bits));
    const frac = bits === 32 ? low : low % 2 ** bits;
    return sec * 1000 + (frac * 1000) / 2 ** bits;
  }
  const hiBits = bits - 32;
  const sec = hiBits >= 32 ? 0 : Math.floor(high / 2 ** hiBits);
  const frac = (high - sec * 2 ** hiBits) * TWO_POW_32 + low;
  return sec * 1000 + (frac * 1000) / 2 ** bits;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * True when `head` (the first bytes of a file, 4 are enough) starts like a pcap or pcapng file,
 * including the pcap variants the parser refuses with ERR_CAPTURE_UNSUPPORTED.
 */
export function looksLikeCapture(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  if (be === PCAPNG_SHB) {
    if (head.length < 12) return true;
    const bom = v.getUint32(8, true);
    return bom === PCAPNG_BYTE_ORDER_MAGIC || v.getUint32(8, false) === PCAPNG_BYTE_ORDER_MAGIC;
  }
  return [PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS, PCAP_MAGIC_MODIFIED, ...IXIA_MAGICS].some((m) => m === le || m === be);
}

/**
 * An incremental reader of pcap and pcapng. Feed it the file's bytes in order with push(); call
 * end() when there are no more. Throws CaptureError (and stays failed: later calls throw it again).
 */
export class CaptureParser {
  #format: CaptureFormat | undefined;
  /** Byte order of the file (pcap) or of the current section (pcapng). */
  #le = true;
  /** pcap: nanosecond timestamps. */
  #nanos = false;
  /** pcap: the file header has been read. */
  #started = false;
  #linktype = 0;
  #snaplen = 0;
  /** pcapng: the interfaces of the current section, and how many came before it. */
  #ifaces: Iface[] = [];
  #ifaceBase = 0;
  /** Time of the last timestamped packet, for Simple Packet Blocks (which carry none). */
  #lastT = 0;
  /** File offset of the next byte not yet consumed (the start of the record in #pending, if any). */
  #at = 0;
  #pushed = 0;
  #pending = new Uint8Array(0);
  #pendingView = new DataView(this.#pending.buffer);
  #pendingLength = 0;
  #failed: { error: unknown } | undefined;

  /** 'pcap' or 'pcapng' once the first 4 bytes are in, else undefined. */
  get format(): CaptureFormat | undefined {
    return this.#format;
  }

  /** Bytes given to push() so far. */
  get bytesRead(): number {
    return this.#pushed;
  }

  /** Parses what `chunk` completes and delivers each packet to onPacket, in file order. */
  push(chunk: Uint8Array, onPacket: (p: CapturedPacket) => void): void {
    if (this.#failed) throw this.#failed.error;
    this.#pushed += chunk.length;
    try {
      this.#push(chunk, onPacket);
    } catch (e) {
      // Whatever stopped the parse (a bad record or the callback itself) leaves the rest of the
      // chunk unread: the parser cannot go on.
      this.#failed = { error: e };
      throw e;
    }
  }

  /** Declares the input complete: throws ERR_CAPTURE_TRUNCATED if it stopped inside a record. */
  end(): void {
    if (this.#failed) throw this.#failed.error;
    const have = this.#pendingLength;
    if (have === 0 && this.#format !== undefined) return;
    let what: string;
    if (this.#format === undefined) what = have === 0 ? 'it is empty' : `it holds only ${have} bytes`;
    else {
      const need = this.#need(this.#pendingView, 0, have);
      what = `it ends ${have} bytes into ${this.#recordName(this.#pendingView, have)} (of at least ${need})`;
    }
    const error = new CaptureError('ERR_CAPTURE_TRUNCATED', what, this.#at);
    this.#failed = { error };
    throw error;
  }

  #push(chunk: Uint8Array, onPacket: (p: CapturedPacket) => void): void {
    let pos = 0;
    // First finish the record an earlier chunk left open, copying only as much as it needs.
    while (this.#pendingLength > 0) {
      const need = this.#need(this.#pendingView, 0, this.#pendingLength);
      if (this.#pendingLength >= need) {
        this.#record(this.#pending, this.#pendingView, 0, need, onPacket);
        this.#at += need;
        this.#pendingLength = 0;
        break;
      }
      if (pos === chunk.length) return;
      const take = Math.min(need - this.#pendingLength, chunk.length - pos);
      // Grown by what arrives, not by what the length field promises (it may be wrong).
      this.#reserve(this.#pendingLength + take);
      this.#pending.set(chunk.subarray(pos, pos + take), this.#pendingLength);
      this.#pendingLength += take;
      pos += take;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = chunk.length;
    while (pos < end) {
      const need = this.#need(view, pos, end - pos);
      if (end - pos < need) break;
      this.#record(chunk, view, pos, need, onPacket);
      this.#at += need;
      pos += need;
    }
    if (pos < end) {
      this.#reserve(Math.min(Math.max(end - pos, 64), CAPTURE_MAX_RECORD));
      this.#pending.set(chunk.subarray(pos), 0);
      this.#pendingLength = end - pos;
    }
  }

  #reserve(n: number): void {
    if (this.#pending.length >= n) return;
    const grown = new Uint8Array(Math.max(n, Math.min(this.#pending.length * 2, CAPTURE_MAX_RECORD)));
    grown.set(this.#pending.subarray(0, this.#pendingLength));
    this.#pending = grown;
    this.#pendingView = new DataView(grown.buffer);
  }

  /**
   * Size of the record starting at `at`, given `avail` bytes of it: the header's size while the
   * header is incomplete, then the whole record's (validated, so a bad length throws here).
   */
  #need(v: DataView, at: number, avail: number): number {
    if (this.#format === undefined) {
      if (avail < 4) return 4;
      this.#detect(v, at);
    }
    if (this.#format === 'pcap') {
      if (!this.#started) return PCAP_GLOBAL_HEADER_LENGTH;
      if (avail < PCAP_RECORD_HEADER_LENGTH) return PCAP_RECORD_HEADER_LENGTH;
      const cap = v.getUint32(at + 8, this.#le);
      if (cap > CAPTURE_MAX_RECORD) {
        this.#malformed(`captured length ${cap} is over the limit of ${CAPTURE_MAX_RECORD} bytes`);
      }
      return PCAP_RECORD_HEADER_LENGTH + cap;
    }
    // pcapng: the block's type and length; a section header also gives the byte order.
    if (avail < 8) return 8;
    // The type 0x0a0d0d0a reads the same in both orders; the section's order follows from it.
    const type = v.getUint32(at, this.#le);
    if (type === PCAPNG_SHB) {
      if (avail < 12) return 12;
      this.#sectionOrder(v, at);
    }
    const length = v.getUint32(at + 4, this.#le);
    const name = blockName(type);
    if (length % 4 !== 0) this.#malformed(`${name} length ${length} is not a multiple of 4`);
    const min = minimumLength(type);
    if (length < min) this.#malformed(`${name} length ${length} is below its minimum of ${min}`);
    if (length > CAPTURE_MAX_RECORD) {
      this.#malformed(`${name} length ${length} is over the limit of ${CAPTURE_MAX_RECORD} bytes`);
    }
    return length;
  }

  #detect(v: DataView, at: number): void {
    const be = v.getUint32(at, false);
    const le = v.getUint32(at, true);
    if (be === PCAPNG_SHB) {
      this.#format = 'pcapng';
      return;
    }
    for (const [magic, nanos] of [
      [PCAP_MAGIC_MICROS, false],
      [PCAP_MAGIC_NANOS, true],
    ] as const) {
      if (le === magic || be === magic) {
        this.#format = 'pcap';
        this.#le = le === magic;
        this.#nanos = nanos;
        return;
      }
    }
    if (le === PCAP_MAGIC_MODIFIED || be === PCAP_MAGIC_MODIFIED) {
      throw new CaptureError(
        'ERR_CAPTURE_UNSUPPORTED',
        `magic ${hex32(PCAP_MAGIC_MODIFIED)} is the "modified pcap" variant (longer record headers), which is not read here; convert it with editcap -F pcap`,
        0,
      );
    }
    if (IXIA_MAGICS.includes(le) || IXIA_MAGICS.includes(be)) {
      throw new CaptureError(
        'ERR_CAPTURE_UNSUPPORTED',
        'an IXIA variant of pcap, which is not read here; convert it with editcap -F pcap',
        0,
      );
    }
    throw new CaptureError('ERR_CAPTURE_UNSUPPORTED', `not a pcap or pcapng file (it starts with ${hex32(be)})`, 0);
  }

  /** Reads the byte-order magic of the Section Header Block at `at` and takes its order. */
  #sectionOrder(v: DataView, at: number): void {
    if (v.getUint32(at + 8, true) === PCAPNG_BYTE_ORDER_MAGIC) this.#le = true;
    else if (v.getUint32(at + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) this.#le = false;
    else this.#malformed(`Section Header Block with byte-order magic ${hex32(v.getUint32(at + 8, false))}`);
  }

  #malformed(detail: string): never {
    throw new CaptureError('ERR_CAPTURE_MALFORMED', detail, this.#at);
  }

  #recordName(v: DataView, have: number): string {
    if (this.#format === 'pcap') return this.#started ? 'a packet record' : 'the file header';
    return have >= 4 ? `a ${blockName(v.getUint32(0, this.#le))}` : 'a block';
  }

  /** One whole record of `size` bytes at bytes[at]. */
  #record(bytes: Uint8Array, v: DataView, at: number, size: number, onPacket: (p: CapturedPacket) => void): void {
    if (this.#format === 'pcap') {
      if (!this.#started) {
        this.#pcapHeader(v, at);
        return;
      }
      const le = this.#le;
      const sec = v.getUint32(at, le);
      const frac = v.getUint32(at + 4, le);
      const t = sec * 1000 + (this.#nanos ? frac / 1e6 : frac / 1e3);
      this.#lastT = t;
      const start = at + PCAP_RECORD_HEADER_LENGTH;
      onPacket({
        t,
        linktype: this.#linktype,
        data: bytes.subarray(start, at + size),
        originalLength: v.getUint32(at + 12, le),
        offset: this.#at,
        iface: 0,
      });
      return;
    }
    this.#block(bytes, v, at, size, onPacket);
  }

  #pcapHeader(v: DataView, at: number): void {
    const le = this.#le;
    const major = v.getUint16(at + 4, le);
    if (major !== 2) {
      throw new CaptureError('ERR_CAPTURE_UNSUPPORTED', `pcap version ${major}.${v.getUint16(at + 6, le)}, not 2.x`, 0);
    }
    this.#snaplen = v.getUint32(at + 16, le);
    // The upper bits of this field hold FCS information, not the link type (as libpcap masks them).
    this.#linktype = v.getUint32(at + 20, le) & 0x03ffffff;
    this.#started = true;
  }

  #block(bytes: Uint8Array, v: DataView, at: number, size: number, onPacket: (p: CapturedPacket) => void): void {
    const le = this.#le;
    const type = v.getUint32(at, le);
    const trailing = v.getUint32(at + size - 4, le);
    if (trailing !== size) {
      this.#malformed(`${blockName(type)} has trailing length ${trailing}, not its leading length ${size}`);
    }
    switch (type) {
      case PCAPNG_SHB: {
        const major = v.getUint16(at + 12, le);
        if (major !== 1) {
          throw new CaptureError(
            'ERR_CAPTURE_UNSUPPORTED',
            `pcapng version ${major}.${v.getUint16(at + 14, le)}, not 1.x`,
            this.#at,
          );
        }
        this.#ifaceBase += this.#ifaces.length;
        this.#ifaces = [];
        return;
      }
      case PCAPNG_IDB:
        this.#ifaces.push(this.#interface(v, at, size));
        return;
      case PCAPNG_EPB: {
        const iface = this.#iface(v.getUint32(at + 8, le), 'Enhanced Packet Block');
        const cap = v.getUint32(at + 20, le);
        if (28 + pad4(cap) + 4 > size) {
          this.#malformed(`Enhanced Packet Block of length ${size} cannot hold its captured length ${cap}`);
        }
        const t = this.#time(iface, v.getUint32(at + 12, le), v.getUint32(at + 16, le));
        onPacket({
          t,
          linktype: iface.linktype,
          data: bytes.subarray(at + 28, at + 28 + cap),
          originalLength: v.getUint32(at + 24, le),
          offset: this.#at,
          iface: iface.index,
        });
        return;
      }
      case PCAPNG_SPB: {
        const iface = this.#iface(0, 'Simple Packet Block');
        const original = v.getUint32(at + 8, le);
        // The captured length is not written: it is the original one cut at the snaplen and at the block.
        let cap = Math.min(original, size - MIN_SPB);
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        onPacket({
          t: this.#lastT,
          linktype: iface.linktype,
          data: bytes.subarray(at + 12, at + 12 + cap),
          originalLength: original,
          offset: this.#at,
          iface: iface.index,
        });
        return;
      }
      case PCAPNG_PB: {
        const iface = this.#iface(v.getUint16(at + 8, le), 'Packet Block');
        const cap = v.getUint32(at + 20, le);
        if (28 + pad4(cap) + 4 > size) {
          this.#malformed(`Packet Block of length ${size} cannot hold its captured length ${cap}`);
        }
        const t = this.#time(iface, v.getUint32(at + 12, le), v.getUint32(at + 16, le));
        onPacket({
          t,
          linktype: iface.linktype,
          data: bytes.subarray(at + 28, at + 28 + cap),
          originalLength: v.getUint32(at + 24, le),
          offset: this.#at,
          iface: iface.index,
        });
        return;
      }
      default:
      // Name resolution, interface statistics, journal, decryption secrets, custom blocks...:
      // nothing a packet needs.
    }
  }

  #iface(id: number, block: string): Iface {
    const iface = this.#ifaces[id];
    if (iface === undefined) {
      const known = this.#ifaces.length;
      this.#malformed(
        `${block} names interface ${id}, but the section has ${known === 0 ? 'no interfaces' : `interfaces 0..${known - 1} only`}`,
      );
    }
    return iface;
  }

  #time(iface: Iface, high: number, low: number): number {
    const ms = iface.fractionBits > 0 ? binaryMs(high, low, iface.fractionBits) : decimalMs(high, low, iface.perSecond);
    const t = ms + iface.offsetMs;
    this.#lastT = t;
    return t;
  }

  /** An Interface Description Block: link type, snaplen and the options that set its clock. */
  #interface(v: DataView, at: number, size: number): Iface {
    const le = this.#le;
    const iface: Iface = {
      linktype: v.getUint16(at + 8, le),
      snaplen: v.getUint32(at + 12, le),
      perSecond: 1_000_000,
      fractionBits: 0,
      offsetMs: 0,
      index: this.#ifaceBase + this.#ifaces.length,
    };
    let p = at + 16;
    const end = at + size - 4;
    while (p + 4 <= end) {
      const code = v.getUint16(p, le);
      const len = v.getUint16(p + 2, le);
      if (code === 0) break;
      if (p + 4 + len > end) {
        this.#malformed(`Interface Description Block option ${code} of length ${len} runs past the block`);
      }
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const r = v.getUint8(p + 4);
        if (r & 0x80) {
          const bits = r & 0x7f;
          if (bits === 0) {
            iface.perSecond = 1;
          } else {
            iface.fractionBits = bits;
            iface.perSecond = 0;
          }
        } else {
          if (r > 15) this.#malformed(`if_tsresol 10^-${r} is finer than this reader handles (10^-15)`);
          iface.perSecond = 10 ** r;
        }
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        // Seconds to add to every timestamp, a signed 64-bit number.
        const hi = v.getInt32(p + 4 + (le ? 4 : 0), le);
        const lo = v.getUint32(p + 4 + (le ? 0 : 4), le);
        iface.offsetMs = (hi * TWO_POW_32 + lo) * 1000;
      }
      p += 4 + pad4(len);
    }
    return iface;
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function blockName(type: number): string {
  switch (type) {
    case PCAPNG_SHB:
      return 'Section Header Block';
    case PCAPNG_IDB:
      return 'Interface Description Block';
    case PCAPNG_EPB:
      return 'Enhanced Packet Block';
    case PCAPNG_SPB:
      return 'Simple Packet Block';
    case PCAPNG_PB:
      return 'Packet Block';
    default:
      return `block of type ${hex32(type)}`;
  }
}

function minimumLength(type: number): number {
  switch (type) {
    case PCAPNG_SHB:
      return MIN_SHB;
    case PCAPNG_IDB:
      return MIN_IDB;
    case PCAPNG_EPB:
      return MIN_EPB;
    case PCAPNG_SPB:
      return MIN_SPB;
    case PCAPNG_PB:
      return MIN_PB;
    default:
      return MIN_BLOCK;
  }
}

/** Parses a whole capture held in memory. Throws CaptureError as CaptureParser does. */
export function parseCaptureBytes(
  bytes: Uint8Array,
  onPacket: (p: CapturedPacket) => void,
): { format: CaptureFormat; packets: number } {
  const parser = new CaptureParser();
  let packets = 0;
  parser.push(bytes, (p) => {
    packets++;
    onPacket(p);
  });
  parser.end();
  return { format: parser.format as CaptureFormat, packets };
}
