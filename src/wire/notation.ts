// One-line renderings of a segment, as pure functions:
//  - rfcNotation: the RFC 9293 §3.5 figures' style, '<SEQ=100><ACK=300><CTL=SYN,ACK>', plus
//    '<DATA=n>' when the segment carries n > 0 payload octets.
//  - tcpdumpNotation: tcpdump's short form, 'Flags [F.], seq 1, ack 1, win 512, length 0'.
//
// Relative numbering: pass the ISNs as seen by the segment's sender. `iss` (the sender's initial
// sequence number) is subtracted from SEQ; `irs` (the receiver's, which the sender acknowledges) is
// subtracted from ACK and from SACK edges. For a segment we received, that means our irs as `iss`
// and our iss as `irs`. Either may be omitted to print that number absolute.

import { ACK, CWR, ctl, ECE, FIN, PSH, RST, type Segment, SYN, URG } from './segment.js';
import {
  canonicalLayout,
  OPT_EOL,
  OPT_MSS,
  OPT_NOP,
  OPT_SACK,
  OPT_SACK_PERMITTED,
  OPT_TIMESTAMPS,
  OPT_WSCALE,
  tcpOptionsLength,
} from './tcp-header.js';

export interface RelativeTo {
  /** ISN of the segment's sender: SEQ is shown as seq - iss. */
  iss?: number;
  /** ISN of the segment's receiver: ACK (and SACK edges) are shown as ack - irs. */
  irs?: number;
}

function rel(n: number, base: number | undefined): number {
  return base === undefined ? n : (n - base) >>> 0;
}

/** '<SEQ=100><ACK=300><CTL=SYN,ACK>'; ACK only when the ACK bit is set, CTL only when a bit is. */
export function rfcNotation(seg: Segment, relative?: RelativeTo): string {
  let s = `<SEQ=${rel(seg.seq, relative?.iss)}>`;
  if (seg.flags & ACK) s += `<ACK=${rel(seg.ack, relative?.irs)}>`;
  if (seg.flags !== 0) s += `<CTL=${ctl(seg.flags)}>`;
  if (seg.payload.length > 0) s += `<DATA=${seg.payload.length}>`;
  return s;
}

// tcpdump's order and letters (print-tcp.c tcp_flag_values): F S R P . U E W; 'none' for no flags.
const TCPDUMP_FLAGS: [number, string][] = [
  [FIN, 'F'],
  [SYN, 'S'],
  [RST, 'R'],
  [PSH, 'P'],
  [ACK, '.'],
  [URG, 'U'],
  [ECE, 'E'],
  [CWR, 'W'],
];

export interface TcpdumpOptions extends RelativeTo {
  /** Print 'options [...]' when the segment has any. Default true. */
  options?: boolean;
}

/**
 * tcpdump-like: 'Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,nop,wscale 7], length 0'.
 * With payload, seq is printed as a range 'seq 1:101'. ack only when the ACK bit is set; urg only
 * when URG is.
 */
export function tcpdumpNotation(seg: Segment, opts?: TcpdumpOptions): string {
  let flags = '';
  for (const [bit, ch] of TCPDUMP_FLAGS) if (seg.flags & bit) flags += ch;
  const seq = rel(seg.seq, opts?.iss);
  const len = seg.payload.length;
  let s = `Flags [${flags || 'none'}], seq ${seq}`;
  if (len > 0) s += `:${(seq + len) >>> 0}`;
  if (seg.flags & ACK) s += `, ack ${rel(seg.ack, opts?.irs)}`;
  s += `, win ${seg.wnd}`;
  if (seg.flags & URG) s += `, urg ${seg.urp}`;
  if (opts?.options !== false) {
    const o = optionsText(seg, opts?.irs);
    if (o) s += `, options [${o}]`;
  }
  return `${s}, length ${len}`;
}

function optionsText(seg: Segment, irs: number | undefined): string {
  const o = seg.options;
  try {
    tcpOptionsLength(o); // checks that the options and their layout agree and fit
  } catch {
    return '?'; // options emit would refuse too (only when built by hand)
  }
  const layout = o.layout ?? canonicalLayout(o);
  const parts: string[] = [];
  let unknownAt = 0;
  for (const kind of layout) {
    switch (kind) {
      case OPT_EOL:
        parts.push('eol');
        break;
      case OPT_NOP:
        parts.push('nop');
        break;
      case OPT_MSS:
        parts.push(`mss ${o.mss}`);
        break;
      case OPT_WSCALE:
        parts.push(`wscale ${o.wscale}`);
        break;
      case OPT_SACK_PERMITTED:
        parts.push('sackOK');
        break;
      case OPT_TIMESTAMPS:
        parts.push(`TS val ${o.ts?.val} ecr ${o.ts?.ecr}`);
        break;
      case OPT_SACK: {
        const blocks = o.sack ?? [];
        parts.push(`sack ${blocks.length} ${blocks.map((b) => `{${rel(b.left, irs)}:${rel(b.right, irs)}}`).join('')}`);
        break;
      }
      default: {
        const u = o.unknown?.[unknownAt++];
        let hex = '';
        if (u) for (const byte of u.data) hex += byte.toString(16).padStart(2, '0');
        parts.push(hex ? `opt-${kind}:${hex}` : `opt-${kind}`);
      }
    }
  }
  return parts.join(',');
}
