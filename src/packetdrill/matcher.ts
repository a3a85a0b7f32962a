// Compares what finack sent with an outbound (`>`) packet line, with packetdrill's rules
// (PACKETDRILL-SUBSET.md §4): every flag compared (PSH included), our sequence numbers relative to
// our ISN, the ack field compared even without the ACK flag, the window only when written, urg
// always 0, options exact unless `<...>`, TS val checked only with --tcp_ts_tick_usecs, TS ecr
// never, payload length and bytes (zeros). Several back-to-back segments may stand for one larger
// expected segment (TSO/GSO, §4.6).

import { unreachable } from '../base/unreachable.js';
import { ACK, FIN, PSH, type Segment, SYN } from '../wire/segment.js';
import { seqDiff } from '../wire/seq.js';
import {
  OPT_EOL,
  OPT_MSS,
  OPT_NOP,
  OPT_SACK,
  OPT_SACK_PERMITTED,
  OPT_TIMESTAMPS,
  OPT_WSCALE,
} from '../wire/tcp-header.js';
import { flagWord, type OptionSpec, type PacketEvent } from './parser.js';

export interface TsMapping {
  /** Our first TS val on this connection and the script number it stands for. */
  actual: number;
  script: number;
}

export interface MatchContext {
  /** Our ISN (relative numbering); 0 when none is known yet. */
  ourIsn: number;
  /** The peer's ISN as the script wrote it (its numbers are used as they are). */
  peerIsn: number;
  /** --tcp_ts_tick_usecs, when set: TS val is checked. */
  tsTickUsecs?: number;
  /** Tolerance for the TS val check, in ticks. */
  tsToleranceTicks: number;
  /** The TS mapping of the current connection (set by the first TS val we send). */
  ts?: TsMapping;
}

/** Segments in wire order with the options as written (layout filled in). */
export function actualOptions(seg: Segment, peerIsn: number): OptionSpec[] {
  const o = seg.options;
  const out: OptionSpec[] = [];
  for (const kind of o.layout ?? []) {
    switch (kind) {
      case OPT_NOP:
        out.push({ kind: 'nop' });
        break;
      case OPT_EOL:
        out.push({ kind: 'eol' });
        break;
      case OPT_MSS:
        out.push({ kind: 'mss', value: o.mss ?? 0 });
        break;
      case OPT_WSCALE:
        out.push({ kind: 'wscale', value: o.wscale ?? 0 });
        break;
      case OPT_SACK_PERMITTED:
        out.push({ kind: 'sackOK' });
        break;
      case OPT_TIMESTAMPS:
        out.push({ kind: 'ts', val: o.ts?.val ?? 0, ecr: o.ts?.ecr ?? 0 });
        break;
      case OPT_SACK:
        out.push({
          kind: 'sack',
          blocks: (o.sack ?? []).map((b) => ({ left: seqDiff(b.left, peerIsn), right: seqDiff(b.right, peerIsn) })),
        });
        break;
      default:
        out.push({ kind: 'other', text: `kind ${kind}` });
    }
  }
  return out;
}

export function formatOptions(opts: OptionSpec[] | undefined): string {
  if (opts === undefined) return ' <...>';
  if (opts.length === 0) return '';
  const parts = opts.map((o) => {
    switch (o.kind) {
      case 'mss':
        return `mss ${o.value}`;
      case 'wscale':
        return `wscale ${o.value}`;
      case 'sackOK':
        return 'sackOK';
      case 'nop':
        return 'nop';
      case 'eol':
        return 'eol';
      case 'ts':
        return `TS val ${o.val} ecr ${o.ecr}`;
      case 'sack':
        return `sack ${o.blocks.map((b) => `${b.left}:${b.right}`).join(' ')}`;
      case 'other':
        return o.text;
      default:
        return unreachable(o, 'TCP option');
    }
  });
  return ` <${parts.join(',')}>`;
}

/** An expected line in packetdrill syntax (without direction and time). */
export function formatExpected(ev: PacketEvent): string {
  let s = `${ev.flagText} ${ev.seq}:${ev.end}(${ev.len})`;
  if (ev.ack !== undefined) s += ` ack ${ev.ack}`;
  if (ev.win !== undefined) s += ` win ${ev.win}`;
  if (ev.urg !== undefined) s += ` urg ${ev.urg}`;
  return s + formatOptions(ev.options);
}

/** A segment in packetdrill syntax, relative to `isn` (sequence) and `ackIsn` (ack field). */
export function formatSegment(seg: Segment, isn: number, ackIsn: number): string {
  const seq = seqDiff(seg.seq, isn) >>> 0;
  const len = seg.payload.length;
  let s = `${flagWord(seg.flags)} ${seq}:${(seq + len) >>> 0}(${len})`;
  if (seg.flags & ACK || seg.ack !== 0) s += ` ack ${seqDiff(seg.ack, ackIsn) >>> 0}`;
  s += ` win ${seg.wnd}`;
  if (seg.urp !== 0) s += ` urg ${seg.urp}`;
  return s + formatOptions(actualOptions(seg, ackIsn));
}

/**
 * How many segments from `segs` (first first, all of one burst) stand for the expected line: 1
 * normally; more when the expected payload is larger than the first segment (TSO). Returns 0 when
 * the payloads do not add up.
 */
export function tsoCount(ev: PacketEvent, segs: Segment[]): number {
  const first = segs[0];
  if (!first) return 0;
  if (first.payload.length >= ev.len || ev.len === 0) return 1;
  let total = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] as Segment;
    if (i > 0 && (s.flags & SYN) !== 0) return 0;
    total += s.payload.length;
    if (total === ev.len) {
      // All but the last the same size.
      for (let j = 1; j < i; j++) if ((segs[j] as Segment).payload.length !== first.payload.length) return 0;
      return i + 1;
    }
    if (total > ev.len) return 0;
  }
  return 0;
}

/**
 * Compares the expected line with the actual segments (1 or a TSO burst). Returns the differences
 * (empty when it matches). `ctx.ts` is set by the first TS val seen when the check is on.
 */
export function compareOutbound(ev: PacketEvent, segs: Segment[], ctx: MatchContext): string[] {
  const first = segs[0] as Segment;
  const last = segs[segs.length - 1] as Segment;
  const diffs: string[] = [];
  // Header fields of the last segment (FIN, PSH), sequence number of the first (§4.6).
  let flags = last.flags;
  if (segs.length > 1) flags = (last.flags & (FIN | PSH)) | (first.flags & ~(FIN | PSH));
  if (flags !== ev.flags) diffs.push(`flags ${flagWord(flags)} (expected ${ev.flagText})`);
  const seq = seqDiff(first.seq, ctx.ourIsn) >>> 0;
  if (seq !== ev.seq >>> 0) diffs.push(`seq ${seq} (expected ${ev.seq})`);
  let len = 0;
  for (const s of segs) len += s.payload.length;
  if (len !== ev.len) diffs.push(`payload length ${len} (expected ${ev.len})`);
  const ack = first.ack >>> 0;
  // The peer's numbers are on the wire as the script writes them, so our ack field is compared as is.
  const wantAck = (ev.ack ?? 0) >>> 0;
  if (ack !== wantAck) diffs.push(`ack ${ack} (expected ${wantAck})`);
  if (ev.win !== undefined && first.wnd !== ev.win) diffs.push(`win ${first.wnd} (expected ${ev.win})`);
  if (first.urp !== (ev.urg ?? 0)) diffs.push(`urg ${first.urp} (expected ${ev.urg ?? 0})`);
  for (const s of segs) {
    if (s.payload.some((b) => b !== 0)) {
      diffs.push('payload bytes differ (expected zeros)');
      break;
    }
  }
  if (ev.options !== undefined) diffs.push(...compareOptions(ev.options, actualOptions(first, ctx.peerIsn), ctx));
  return diffs;
}

function compareOptions(want: OptionSpec[], got: OptionSpec[], ctx: MatchContext): string[] {
  const shape = (l: OptionSpec[]) =>
    l
      .map((o) => o.kind)
      .join(',')
      .replace(/ts/g, 'TS');
  if (shape(want) !== shape(got)) return [`options${formatOptions(got)} (expected${formatOptions(want)})`];
  const diffs: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as OptionSpec;
    const g = got[i] as OptionSpec;
    if (w.kind === 'mss' && g.kind === 'mss' && w.value !== g.value) diffs.push(`mss ${g.value} (expected ${w.value})`);
    if (w.kind === 'wscale' && g.kind === 'wscale' && w.value !== g.value) {
      diffs.push(`wscale ${g.value} (expected ${w.value})`);
    }
    if (w.kind === 'sack' && g.kind === 'sack') {
      const a = w.blocks.map((b) => `${b.left}:${b.right}`).join(' ');
      const b = g.blocks.map((x) => `${x.left >>> 0}:${x.right >>> 0}`).join(' ');
      if (a !== b) diffs.push(`sack ${b} (expected ${a})`);
    }
    if (w.kind === 'ts' && g.kind === 'ts') {
      const d = checkTsVal(w.val, g.val, ctx);
      if (d) diffs.push(d);
    }
  }
  return diffs;
}

/**
 * TS val check (§4.4): the first TS val we send on a connection maps to the script's number;
 * later ones must have moved by the elapsed ticks, within the tolerance.
 */
function checkTsVal(script: number, actual: number, ctx: MatchContext): string | undefined {
  if (ctx.tsTickUsecs === undefined) return undefined;
  if (!ctx.ts) {
    ctx.ts = { actual, script };
    return undefined;
  }
  const want = (ctx.ts.actual + (script - ctx.ts.script)) >>> 0;
  const off = seqDiff(actual >>> 0, want);
  if (Math.abs(off) > ctx.tsToleranceTicks) {
    const rel = (seqDiff(actual >>> 0, ctx.ts.actual) + ctx.ts.script) >>> 0;
    return `TS val ${rel} (expected ${script} ± ${ctx.tsToleranceTicks})`;
  }
  return undefined;
}
