// TCP header and options: bytes <-> Segment (RFC 9293 §3.1 and §3.2; options from RFC 7323 and
// RFC 2018).
//
// Parsing never throws: any byte array gives a Result. The payload is a view into the input (no
// copy). Options are kept as values plus `layout`, the kinds in wire order, so a parsed segment can
// be emitted again byte for byte.
//
// Emitting is our own code, so a segment we cannot represent (field out of range, options over 40
// bytes, a layout that does not match the options) is a bug in the caller: emit throws
// UsageError('ERR_INVALID_ARG_VALUE').
//
// Canonical option layout (used when options.layout is absent). It is the order Linux writes
// (tcp_options_write in net/ipv4/tcp_output.c, MD5/AccECN/Fast Open aside): every option starts
// its own 32-bit word, filled with as few NOPs as possible:
//
//   MSS                      02 04 mm mm
//   SACK-permitted + TS      04 02 08 0a vvvvvvvv eeeeeeee     (TS alone: 01 01 08 0a ...)
//   SACK-permitted, no TS    01 01 04 02
//   window scale             01 03 03 ss
//   SACK blocks              01 01 05 (2+8n) {left right}*n
//   unknown options          kind (2+len) data..., in the order of options.unknown
//   padding                  NOPs up to a multiple of 4 bytes
//
// A SYN with everything is 20 bytes of options: MSS, SACKOK, TS, NOP, WS (Linux's SYN).

import { UsageError } from '../base/errors.js';
import { foldSum, IPPROTO_TCP, onesSum, pseudoHeaderSum, TCP_CHECKSUM_AT, tcpChecksum } from './checksum.js';
import { ok, type Result, type WireError, wireError } from './result.js';
import type { SackBlock, Segment, TcpOptions } from './segment.js';

export const OPT_EOL = 0;
export const OPT_NOP = 1;
export const OPT_MSS = 2;
export const OPT_WSCALE = 3;
export const OPT_SACK_PERMITTED = 4;
export const OPT_SACK = 5;
export const OPT_TIMESTAMPS = 8;

/** Header without options. */
export const TCP_HEADER_MIN = 20;
/** Most option bytes a header can hold (data offset is at most 15 words). */
export const TCP_OPTIONS_MAX = 40;

/** Addresses for the pseudo-header: both 4 bytes (IPv4) or both 16 bytes (IPv6). */
export interface PseudoHeader {
  src: Uint8Array;
  dst: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Parse

/** A parse failure, as wireError gives it. */
type Failure = { ok: false; error: WireError };

/**
 * Parses a TCP segment (header, options, payload). When `pseudo` is given (the addresses, or the
 * pseudo-header's sum as pseudoHeaderSumAt gives it) the checksum is verified (ERR_WIRE_CHECKSUM
 * if wrong); without it the checksum field is ignored. The payload is
 * bytes.subarray(dataOffset): every byte after the header. Never throws for any bytes; addresses
 * of the wrong size are a caller bug and throw UsageError (see tcpChecksum).
 *
 * The options of a parsed segment are read-only: a segment without options gets one shared frozen
 * `{ layout: [] }`, and the common layouts (none, NOP NOP TS, NOP NOP TS NOP NOP SACK, NOP NOP
 * SACK) are shared frozen arrays, so a data segment costs no options object or layout array of its own.
 */
export function parseTcp(bytes: Uint8Array, pseudo?: PseudoHeader | number): Result<Segment> {
  const seg = readTcp(bytes, 0, bytes.length, pseudo);
  return 'error' in seg ? seg : ok(seg);
}

/**
 * parseTcp for the segment at bytes[start, end), for decodePacket: no view of the segment is made
 * and no Result wraps it (the payload is bytes.subarray(start + dataOffset, end)). `pseudo` as for
 * parseTcp: with it the checksum is verified, without it the field is not looked at.
 */
export function readTcp(
  bytes: Uint8Array,
  start: number,
  end: number,
  pseudo: PseudoHeader | number | undefined,
): Segment | Failure {
  const n = end - start;
  if (n < TCP_HEADER_MIN) return wireError('ERR_WIRE_TRUNCATED', `${n} bytes, a TCP header needs 20`);
  // RFC 9293 §3.1: data offset counts 32-bit words; the header is at least 5 of them.
  const hdrLen = (bytes[start + 12]! >>> 4) * 4;
  if (hdrLen < TCP_HEADER_MIN) return wireError('ERR_WIRE_BAD_OFFSET', `data offset ${hdrLen / 4} words`);
  if (hdrLen > n) return wireError('ERR_WIRE_TRUNCATED', `data offset says ${hdrLen} header bytes, have ${n}`);
  if (pseudo !== undefined) {
    // A number is the pseudo-header's sum, already taken (decodePacket reads it from the IP header).
    const init = typeof pseudo === 'number' ? pseudo : pseudoHeaderSum(pseudo.src, pseudo.dst, IPPROTO_TCP, n);
    if (foldSum(onesSum(bytes, start, end, init)) !== 0xffff) return checksumError(bytes, start, end, init);
  }
  let options: TcpOptions = PARSED_NO_OPTIONS;
  if (hdrLen > TCP_HEADER_MIN) {
    const o = readOptions(bytes, start + TCP_HEADER_MIN, start + hdrLen, start);
    if ('error' in o) return o;
    options = o;
  }
  return {
    srcPort: (bytes[start]! << 8) | bytes[start + 1]!,
    dstPort: (bytes[start + 2]! << 8) | bytes[start + 3]!,
    seq: readU32(bytes, start + 4),
    ack: readU32(bytes, start + 8),
    flags: bytes[start + 13]!,
    wnd: (bytes[start + 14]! << 8) | bytes[start + 15]!,
    urp: (bytes[start + 18]! << 8) | bytes[start + 19]!,
    options,
    payload: bytes.subarray(start + hdrLen, end),
  };
}

/** ERR_WIRE_CHECKSUM naming the field and the value it should hold (the slow path: a bad segment). */
function checksumError(bytes: Uint8Array, start: number, end: number, init: number): Failure {
  const at = start + TCP_CHECKSUM_AT;
  const field = (bytes[at]! << 8) | bytes[at + 1]!;
  const want = ~foldSum(onesSum(bytes, at + 2, end, onesSum(bytes, start, at, init))) & 0xffff;
  return wireError('ERR_WIRE_CHECKSUM', `checksum 0x${hex16(field)}, expected 0x${hex16(want)}`);
}

/** Layouts shared by parsed segments: the empty one, and those of almost every segment after the SYNs. */
const SHARED_LAYOUTS: readonly number[][] = [
  [],
  [OPT_NOP, OPT_NOP, OPT_TIMESTAMPS],
  [OPT_NOP, OPT_NOP, OPT_TIMESTAMPS, OPT_NOP, OPT_NOP, OPT_SACK],
  [OPT_NOP, OPT_NOP, OPT_SACK],
].map((l) => Object.freeze(l) as number[]);

/** The options of every parsed segment without options (no option bytes at all). */
const PARSED_NO_OPTIONS: TcpOptions = Object.freeze({ layout: SHARED_LAYOUTS[0]! });

/**
 * The kinds of the options area being parsed, in wire order: at most one per byte, so 40 for a TCP
 * header (parseTcpOptions may be given a longer area; the scratch then grows to fit it).
 */
let scratch = new Uint8Array(TCP_OPTIONS_MAX);

/** The layout of the n kinds in scratch: a shared array when it is a common one, else a new one. */
function layoutOf(n: number): number[] {
  for (const shared of SHARED_LAYOUTS) {
    if (shared.length !== n) continue;
    let k = 0;
    while (k < n && shared[k] === scratch[k]) k++;
    if (k === n) return shared;
  }
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(scratch[k]!);
  return out;
}

/**
 * Parses the options area bytes[start, end). Fills `layout` with every kind in wire order (NOPs,
 * and an EOL if there is one). After EOL the rest of the area is padding and is not looked at.
 * A repeated option keeps its last value (as Linux does); layout still lists both. The layout may
 * be a shared frozen array (see parseTcp).
 */
export function parseTcpOptions(bytes: Uint8Array, start: number, end: number): Result<TcpOptions> {
  const o = readOptions(bytes, start, end, 0);
  return 'error' in o ? o : ok(o);
}

/** parseTcpOptions without the Result. Errors give offsets from `origin` (the TCP header's start). */
function readOptions(bytes: Uint8Array, start: number, end: number, origin: number): TcpOptions | Failure {
  if (end - start > scratch.length) scratch = new Uint8Array(end - start);
  // layout first, as the object is built: its keys keep the order they always had.
  const options: TcpOptions = { layout: SHARED_LAYOUTS[0]! };
  let n = 0; // kinds in scratch
  let i = start;
  while (i < end) {
    const kind = bytes[i]!;
    if (kind === OPT_EOL) {
      scratch[n++] = OPT_EOL;
      break;
    }
    if (kind === OPT_NOP) {
      scratch[n++] = OPT_NOP;
      i += 1;
      continue;
    }
    const bad = readOption(bytes, i, end, origin, options);
    if (bad !== undefined) return bad;
    scratch[n++] = kind;
    i += bytes[i + 1]!;
  }
  options.layout = layoutOf(n);
  return options;
}

/** Reads the option (not EOL or NOP) at bytes[i] into `options`; a Failure when it is malformed. */
function readOption(
  bytes: Uint8Array,
  i: number,
  end: number,
  origin: number,
  options: TcpOptions,
): Failure | undefined {
  const kind = bytes[i]!;
  const at = i - origin;
  // RFC 9293 §3.2: every other option is kind, length (counting both), data.
  if (i + 1 >= end) return wireError('ERR_WIRE_BAD_OPTION', `option ${kind} at ${at}: no length byte`);
  const len = bytes[i + 1]!;
  if (len < 2) return wireError('ERR_WIRE_BAD_OPTION', `option ${kind} at ${at}: length ${len} < 2`);
  if (i + len > end) {
    return wireError('ERR_WIRE_BAD_OPTION', `option ${kind} at ${at}: length ${len} runs past the header`);
  }
  const d = i + 2;
  switch (kind) {
    case OPT_MSS:
      if (len !== 4) return badLength('MSS', len, at);
      options.mss = (bytes[d]! << 8) | bytes[d + 1]!;
      break;
    case OPT_WSCALE:
      if (len !== 3) return badLength('window scale', len, at);
      options.wscale = bytes[d]!;
      break;
    case OPT_SACK_PERMITTED:
      if (len !== 2) return badLength('SACK-permitted', len, at);
      options.sackPermitted = true;
      break;
    case OPT_TIMESTAMPS:
      if (len !== 10) return badLength('timestamps', len, at);
      options.ts = { val: readU32(bytes, d), ecr: readU32(bytes, d + 4) };
      break;
    case OPT_SACK: {
      // RFC 2018 §3: 2 + 8n bytes, n blocks of (left edge, right edge); n >= 1.
      if (len < 10 || (len - 2) % 8 !== 0) return badLength('SACK', len, at);
      const blocks: SackBlock[] = [];
      for (let b = d; b < i + len; b += 8) blocks.push({ left: readU32(bytes, b), right: readU32(bytes, b + 4) });
      options.sack = blocks;
      break;
    }
    default:
      // Unknown kind: skip it by its length, keep its data (a view) so it round-trips.
      options.unknown ??= [];
      options.unknown.push({ kind, data: bytes.subarray(d, i + len) });
  }
  return undefined;
}

function badLength(name: string, len: number, at: number): { ok: false; error: WireError } {
  return wireError('ERR_WIRE_BAD_OPTION', `${name} option at ${at}: wrong length ${len}`);
}

// ---------------------------------------------------------------------------------------------
// Emit

/** Bytes the options take on the wire, padding included (a multiple of 4, at most 40). Throws like emit. */
export function tcpOptionsLength(options: TcpOptions): number {
  const len = putOptions(options, undefined, 0);
  if (len > TCP_OPTIONS_MAX) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `TCP options need ${len} bytes, at most 40 fit`);
  }
  return len;
}

/** Header length (20 + options) for a segment. */
export function tcpHeaderLength(seg: Segment): number {
  return TCP_HEADER_MIN + tcpOptionsLength(seg.options);
}

/** The layout emit uses when options.layout is absent (see the table at the top of this file). */
export function canonicalLayout(options: TcpOptions): number[] {
  const kinds: number[] = [];
  putOptions({ ...options, layout: undefined }, undefined, 0, kinds);
  return kinds;
}

/**
 * Emits header + payload into a new array. With `pseudo` the checksum is computed and written;
 * without, the checksum field is 0.
 */
export function emitTcp(seg: Segment, pseudo?: PseudoHeader): Uint8Array {
  const hdrLen = tcpHeaderLength(seg);
  const out = new Uint8Array(hdrLen + seg.payload.length);
  writeTcp(seg, out, 0, hdrLen);
  if (pseudo) {
    const c = tcpChecksum(pseudo.src, pseudo.dst, out);
    out[TCP_CHECKSUM_AT] = c >>> 8;
    out[TCP_CHECKSUM_AT + 1] = c & 0xff;
  }
  return out;
}

/**
 * Writes header (with checksum 0) and payload at buf[at]; hdrLen must be tcpHeaderLength(seg).
 * Returns the number of bytes written. For callers that build a whole packet in one buffer.
 */
export function writeTcp(seg: Segment, buf: Uint8Array, at: number, hdrLen: number): number {
  checkU16(seg.srcPort, 'srcPort');
  checkU16(seg.dstPort, 'dstPort');
  checkU32(seg.seq, 'seq');
  checkU32(seg.ack, 'ack');
  if ((seg.flags & 0xff) !== seg.flags) bad('flags', seg.flags);
  checkU16(seg.wnd, 'wnd');
  checkU16(seg.urp, 'urp');
  buf[at] = seg.srcPort >>> 8;
  buf[at + 1] = seg.srcPort & 0xff;
  buf[at + 2] = seg.dstPort >>> 8;
  buf[at + 3] = seg.dstPort & 0xff;
  writeU32(buf, at + 4, seg.seq);
  writeU32(buf, at + 8, seg.ack);
  buf[at + 12] = (hdrLen / 4) << 4;
  buf[at + 13] = seg.flags;
  buf[at + 14] = seg.wnd >>> 8;
  buf[at + 15] = seg.wnd & 0xff;
  buf[at + 16] = 0;
  buf[at + 17] = 0;
  buf[at + 18] = seg.urp >>> 8;
  buf[at + 19] = seg.urp & 0xff;
  const end = putOptions(seg.options, buf, at + TCP_HEADER_MIN);
  if (end !== at + hdrLen) bad('hdrLen', hdrLen);
  buf.set(seg.payload, end);
  return hdrLen + seg.payload.length;
}

/**
 * Writes the options at buf[at] (or only measures when buf is undefined) and returns the end offset.
 * Pushes each kind written to `kinds` when given. Validates as it goes, so measuring first (as
 * emit does) throws before anything is allocated.
 */
function putOptions(o: TcpOptions, buf: Uint8Array | undefined, at: number, kinds?: number[]): number {
  if (o.layout) return putLayout(o, o.layout, buf, at);
  let p = at;
  if (o.mss !== undefined) p = putMss(buf, p, o.mss, kinds);
  if (o.ts) {
    if (o.sackPermitted) p = putSackPermitted(buf, p, kinds);
    else p = putNop(buf, putNop(buf, p, kinds), kinds);
    p = putTs(buf, p, o.ts.val, o.ts.ecr, kinds);
  }
  if (o.sackPermitted && !o.ts) p = putSackPermitted(buf, putNop(buf, putNop(buf, p, kinds), kinds), kinds);
  if (o.wscale !== undefined) p = putWscale(buf, putNop(buf, p, kinds), o.wscale, kinds);
  if (o.sack && o.sack.length > 0) p = putSack(buf, putNop(buf, putNop(buf, p, kinds), kinds), o.sack, kinds);
  if (o.unknown) for (const u of o.unknown) p = putUnknown(buf, p, u.kind, u.data, kinds);
  while ((p - at) % 4 !== 0) p = putNop(buf, p, kinds);
  return p;
}

function putLayout(o: TcpOptions, layout: number[], buf: Uint8Array | undefined, at: number): number {
  let p = at;
  let unknownAt = 0;
  let seen = 0; // bits: 1 mss, 2 wscale, 4 sackPermitted, 8 ts, 16 sack
  for (let i = 0; i < layout.length; i++) {
    const kind = layout[i]!;
    switch (kind) {
      case OPT_EOL:
        if (i !== layout.length - 1) bad('options.layout', layout, 'EOL must be last');
        p = putByte(buf, p, OPT_EOL, undefined);
        break;
      case OPT_NOP:
        p = putNop(buf, p, undefined);
        break;
      case OPT_MSS:
        if (o.mss === undefined) bad('options.layout', layout, 'lists MSS but options.mss is absent');
        p = putMss(buf, p, o.mss, undefined);
        seen |= 1;
        break;
      case OPT_WSCALE:
        if (o.wscale === undefined) bad('options.layout', layout, 'lists window scale but options.wscale is absent');
        p = putWscale(buf, p, o.wscale, undefined);
        seen |= 2;
        break;
      case OPT_SACK_PERMITTED:
        if (!o.sackPermitted)
          bad('options.layout', layout, 'lists SACK-permitted but options.sackPermitted is not set');
        p = putSackPermitted(buf, p, undefined);
        seen |= 4;
        break;
      case OPT_TIMESTAMPS:
        if (!o.ts) bad('options.layout', layout, 'lists timestamps but options.ts is absent');
        p = putTs(buf, p, o.ts.val, o.ts.ecr, undefined);
        seen |= 8;
        break;
      case OPT_SACK:
        if (!o.sack || o.sack.length === 0) bad('options.layout', layout, 'lists SACK but options.sack is empty');
        p = putSack(buf, p, o.sack, undefined);
        seen |= 16;
        break;
      default: {
        const u = o.unknown?.[unknownAt++];
        if (!u || u.kind !== kind) bad('options.layout', layout, `kind ${kind} does not match options.unknown`);
        p = putUnknown(buf, p, u.kind, u.data, undefined);
      }
    }
  }
  // Every option present must appear in the layout: emitting silently without it would lie.
  const missing =
    (o.mss !== undefined && !(seen & 1)) ||
    (o.wscale !== undefined && !(seen & 2)) ||
    (o.sackPermitted && !(seen & 4)) ||
    (o.ts !== undefined && !(seen & 8)) ||
    (o.sack !== undefined && o.sack.length > 0 && !(seen & 16)) ||
    unknownAt !== (o.unknown?.length ?? 0);
  if (missing) bad('options.layout', layout, 'does not list every option present');
  // RFC 9293 §3.1: the header is padded with zeros to a 32-bit boundary. A parser reads the first
  // zero as EOL, so a layout that should round-trip either fills the words or ends with EOL.
  while ((p - at) % 4 !== 0) p = putByte(buf, p, 0, undefined);
  return p;
}

// Option writers: each writes at buf[p] (or only counts when buf is undefined), records its kind in
// `kinds` when given, and returns the offset after it. Free functions, so emitting allocates nothing.

function putByte(buf: Uint8Array | undefined, p: number, kind: number, kinds: number[] | undefined): number {
  kinds?.push(kind);
  if (buf) buf[p] = kind;
  return p + 1;
}

function putNop(buf: Uint8Array | undefined, p: number, kinds: number[] | undefined): number {
  return putByte(buf, p, OPT_NOP, kinds);
}

function putHead(buf: Uint8Array | undefined, p: number, kind: number, len: number, kinds: number[] | undefined): void {
  kinds?.push(kind);
  if (buf) {
    buf[p] = kind;
    buf[p + 1] = len;
  }
}

function putMss(buf: Uint8Array | undefined, p: number, mss: number, kinds: number[] | undefined): number {
  checkU16(mss, 'options.mss');
  putHead(buf, p, OPT_MSS, 4, kinds);
  if (buf) {
    buf[p + 2] = mss >>> 8;
    buf[p + 3] = mss & 0xff;
  }
  return p + 4;
}

function putWscale(buf: Uint8Array | undefined, p: number, shift: number, kinds: number[] | undefined): number {
  // Any byte goes on the wire (a profile may send a shift over 14, RFC 7323 §2.3); the receiver clamps.
  if ((shift & 0xff) !== shift) bad('options.wscale', shift);
  putHead(buf, p, OPT_WSCALE, 3, kinds);
  if (buf) buf[p + 2] = shift;
  return p + 3;
}

function putSackPermitted(buf: Uint8Array | undefined, p: number, kinds: number[] | undefined): number {
  putHead(buf, p, OPT_SACK_PERMITTED, 2, kinds);
  return p + 2;
}

function putTs(buf: Uint8Array | undefined, p: number, val: number, ecr: number, kinds: number[] | undefined): number {
  checkU32(val, 'options.ts.val');
  checkU32(ecr, 'options.ts.ecr');
  putHead(buf, p, OPT_TIMESTAMPS, 10, kinds);
  if (buf) {
    writeU32(buf, p + 2, val);
    writeU32(buf, p + 6, ecr);
  }
  return p + 10;
}

function putSack(buf: Uint8Array | undefined, p: number, blocks: SackBlock[], kinds: number[] | undefined): number {
  // 4 blocks (34 bytes) is the most that fits; the 40-byte total check catches the rest.
  if (blocks.length > 4) bad('options.sack', blocks.length, 'at most 4 blocks fit');
  const len = 2 + 8 * blocks.length;
  putHead(buf, p, OPT_SACK, len, kinds);
  let q = p + 2;
  for (const { left, right } of blocks) {
    checkU32(left, 'options.sack[].left');
    checkU32(right, 'options.sack[].right');
    if (buf) {
      writeU32(buf, q, left);
      writeU32(buf, q + 4, right);
    }
    q += 8;
  }
  return q;
}

function putUnknown(
  buf: Uint8Array | undefined,
  p: number,
  kind: number,
  data: Uint8Array,
  kinds: number[] | undefined,
): number {
  if ((kind & 0xff) !== kind || KNOWN_KINDS.has(kind)) {
    bad('options.unknown[].kind', kind, 'must be a byte other than 0, 1, 2, 3, 4, 5, 8');
  }
  if (data.length > TCP_OPTIONS_MAX - 2) bad('options.unknown[].data.length', data.length);
  putHead(buf, p, kind, 2 + data.length, kinds);
  buf?.set(data, p + 2);
  return p + 2 + data.length;
}

const KNOWN_KINDS = new Set([OPT_EOL, OPT_NOP, OPT_MSS, OPT_WSCALE, OPT_SACK_PERMITTED, OPT_SACK, OPT_TIMESTAMPS]);

// ---------------------------------------------------------------------------------------------
// Helpers

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function checkU16(v: number, name: string): void {
  if ((v & 0xffff) !== v) bad(name, v, 'must be an integer in [0, 65535]');
}

function checkU32(v: number, name: string): void {
  if (v >>> 0 !== v) bad(name, v, 'must be an integer in [0, 2^32)');
}

function bad(name: string, value: unknown, why = 'out of range'): never {
  throw new UsageError('ERR_INVALID_ARG_VALUE', `${name}=${JSON.stringify(value)} ${why}`);
}

function hex16(v: number): string {
  return v.toString(16).padStart(4, '0');
}
