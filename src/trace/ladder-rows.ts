// Reading a trace for the ladder diagrams: the rows every renderer draws (ladder.ts has the text ones;
// svg.ts and html.ts draw the same rows).
//
// Reading rules. A 'send' is drawn at the time it left. A 'recv' is not drawn when it is explained by an
// earlier send (same ports, seq, ack, flags and length); one that is not (an injected packet, a link
// duplicate) is drawn at its arrival as a stray. A 'drop' naming the sender of a pending send marks that
// send as lost on the way (the network traces its losses under the sender's name); any other drop is
// the receiver discarding what arrived, drawn where it happened. A state change is shown on the line of
// a segment its endpoint sent at the same instant in answer to the same input (the next such segment,
// else the previous one; another arrival at that endpoint separates inputs), otherwise on a line of
// its own. Connection errors reported to the application become rows; other ConnEvents do not.
//
// Marks. A send that occupies sequence space (SEG.LEN > 0) starting before the highest sequence end
// its sender already sent on that port pair is a retransmission (but not the SYN,ACK that follows
// a SYN of the same ISN in a simultaneous open). A keepalive probe (RFC 9293 §3.8.4,
// RFC 1122 §4.2.3.6) is a bare segment of at most one byte at seq = that end - 1, sent after the
// connection was quiet, when the peer had acknowledged everything: it is marked as a probe, not as a
// retransmission. A stray that repeats an arrival the same endpoint already had is a duplicate.

import type { Instant } from '../core/time.js';
import type { TimerKind } from '../core/timers.js';
import { ACK, FIN, RST, type Segment, SYN, segLen } from '../wire/segment.js';
import { seqAdd, seqGe, seqLt } from '../wire/seq.js';
import type { SegmentView, TraceEvent } from './events.js';

// ---------------------------------------------------------------------------------------------------
// Rows: the trace read once

export interface SendRow {
  kind: 'send';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  from: string;
  to: string;
  view: SegmentView;
  /** Set when the network lost it: the reason the drop named. */
  lost?: string;
  /** It resends sequence space its sender had already sent (see Marks at the top of this file). */
  retransmit?: true;
  /** A keepalive probe (see Marks at the top of this file); never also a retransmission. */
  probe?: true;
  /** State changes of the sender shown with this segment. */
  states: StateRow[];
}
export interface StrayRow {
  kind: 'stray';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  /** The endpoint it arrived at. */
  to: string;
  from: string;
  view: SegmentView;
  /** The same segment already arrived at this endpoint earlier in the trace. */
  duplicate?: true;
}
export interface DropRow {
  kind: 'drop';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  /** The endpoint that discarded it. */
  endpoint: string;
  view?: SegmentView;
  reason: string;
}
export interface StateRow {
  kind: 'state';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  endpoint: string;
  from: string;
  to: string;
  cause: string;
}
export interface TimerRow {
  kind: 'timer';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  endpoint: string;
  timer: TimerKind;
  action: 'armed' | 'fired' | 'cancelled';
  deadline?: Instant;
}
/** Several state changes at one instant that came with no segment. */
export interface StatesRow {
  kind: 'states';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  states: StateRow[];
}
/** A connection failure reported to the application (ECONNRESET, ETIMEDOUT ...). */
export interface ErrorRow {
  kind: 'error';
  t: Instant;
  /** Index in the trace of the event the row comes from. */
  at: number;
  endpoint: string;
  code: string;
}
export type LadderRow = SendRow | StrayRow | DropRow | TimerRow | StatesRow | ErrorRow;

export interface LadderReadOptions {
  /** The two endpoints, left first. Default: in order of first appearance. */
  lanes?: readonly [string, string];
  /**
   * Index of the first event to show. Earlier events are still read (to match receptions with their
   * sends and to learn ISNs) but produce no rows. Default 0.
   */
  since?: number;
  /**
   * How long (ms) a connection must have been quiet, no segment either way, before a bare segment at
   * seq = highest end - 1 counts as a keepalive probe. Default 1000 (Linux's keepalive idle and
   * interval are at least 1 s).
   */
  probeQuiet?: number;
}

function segKey(s: Segment): string {
  return `${s.srcPort}>${s.dstPort}|${s.seq}|${s.ack}|${s.flags}|${s.payload.length}`;
}

/** Endpoint names in order of first appearance. */
export function endpointsOf(events: readonly TraceEvent[]): string[] {
  const seen: string[] = [];
  for (const e of events) if (e.endpoint && !seen.includes(e.endpoint)) seen.push(e.endpoint);
  return seen;
}

/** Reads a trace into ladder rows (see the rules at the top of this file). */
export function ladderRows(events: readonly TraceEvent[], opts: LadderReadOptions = {}): LadderRow[] {
  const lanes = opts.lanes ?? defaultLanes(events);
  const peer = (ep: string): string => (ep === lanes[0] ? lanes[1] : ep === lanes[1] ? lanes[0] : '?');

  // Pass 1: rows in trace order, sends matched with their fates.
  const rows: Pass1Row[] = [];
  const pending = new Map<string, SendRow[]>(); // sends not yet received or lost, by segment key
  let lastRecv: { endpoint: string; t: Instant; key: string } | undefined;
  const rel = new RelativeNumbers();
  const viewOf = (e: Partial<SegmentView> & { seg: Segment }): SegmentView => rel.view(e);
  const marks = new SendMarks(opts.probeQuiet ?? 1000);
  const arrived = new Set<string>(); // endpoint + segment key of every arrival so far
  const stray = (t: Instant, at: number, to: string, view: SegmentView): StrayRow => {
    const row: StrayRow = { kind: 'stray', t, at, to, from: peer(to), view };
    if (arrived.has(`${to}|${segKey(view.seg)}`)) row.duplicate = true;
    return row;
  };
  for (let at = 0; at < events.length; at++) {
    const e = events[at]!;
    switch (e.type) {
      case 'send': {
        const row: SendRow = {
          kind: 'send',
          t: e.t,
          at,
          from: e.endpoint,
          to: peer(e.endpoint),
          view: viewOf(e),
          states: [],
        };
        const mark = marks.send(e.endpoint, row.to, e.seg, e.t);
        if (mark === 'retransmit') row.retransmit = true;
        else if (mark === 'probe') row.probe = true;
        rows.push(row);
        const k = segKey(e.seg);
        const list = pending.get(k);
        if (list) list.push(row);
        else pending.set(k, [row]);
        break;
      }
      case 'recv': {
        lastRecv = { endpoint: e.endpoint, t: e.t, key: segKey(e.seg) };
        marks.heard(e.seg, e.t);
        rows.push({ kind: 'input', t: e.t, at, endpoint: e.endpoint });
        if (!takePending(pending, e.seg, (r) => r.from !== e.endpoint))
          rows.push(stray(e.t, at, e.endpoint, viewOf(e)));
        arrived.add(`${e.endpoint}|${lastRecv.key}`);
        break;
      }
      case 'drop': {
        const seg = e.seg;
        if (seg) {
          // The network traces a loss under the sender's name.
          const sent = takePending(pending, seg, (r) => r.from === e.endpoint);
          if (sent) {
            sent.lost = e.reason;
            break;
          }
          // A receiver's drop of what it just traced as received is the same arrival: do not consume twice.
          const same =
            lastRecv !== undefined &&
            lastRecv.endpoint === e.endpoint &&
            lastRecv.t === e.t &&
            lastRecv.key === segKey(seg);
          if (!same) {
            marks.heard(seg, e.t);
            if (!takePending(pending, seg, (r) => r.from !== e.endpoint))
              rows.push(stray(e.t, at, e.endpoint, viewOf({ ...e, seg })));
            arrived.add(`${e.endpoint}|${segKey(seg)}`);
          }
        }
        rows.push({
          kind: 'drop',
          t: e.t,
          at,
          endpoint: e.endpoint,
          reason: e.reason,
          ...(seg ? { view: viewOf({ ...e, seg }) } : {}),
        });
        break;
      }
      case 'state':
        rows.push({ kind: 'state', t: e.t, at, endpoint: e.endpoint, from: e.from, to: e.to, cause: e.cause });
        break;
      case 'timer':
        rows.push({
          kind: 'timer',
          t: e.t,
          at,
          endpoint: e.endpoint,
          timer: e.timer,
          action: e.action,
          ...(e.deadline !== undefined ? { deadline: e.deadline } : {}),
        });
        break;
      case 'event':
        if (e.event.type === 'error')
          rows.push({ kind: 'error', t: e.t, at, endpoint: e.endpoint, code: e.event.code });
        break;
    }
  }

  // Pass 2: attach each state change to a segment its endpoint sent at the same instant.
  const out: LadderRow[] = [];
  const loose = new Map<Instant, StatesRow>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.kind === 'input') continue;
    if (r.kind !== 'state') {
      out.push(r);
      continue;
    }
    const host = findSend(rows, i, r, +1) ?? findSend(rows, i, r, -1);
    if (host) {
      host.states.push(r);
      continue;
    }
    // Join the loose states line of this instant when nothing but timers came after it.
    const line = loose.get(r.t);
    let joinable = line !== undefined;
    for (let j = out.length - 1; joinable && out[j] !== line; j--) if (out[j]!.kind !== 'timer') joinable = false;
    if (line && joinable) line.states.push(r);
    else {
      const fresh: StatesRow = { kind: 'states', t: r.t, at: r.at, states: [r] };
      loose.set(r.t, fresh);
      out.push(fresh);
    }
  }
  const since = opts.since ?? 0;
  return since > 0 ? out.filter((r) => r.at >= since) : out;
}

/** The default lanes: the first two endpoints of the trace, else 'A' and 'B'. */
export function defaultLanes(events: readonly TraceEvent[]): [string, string] {
  const eps = endpointsOf(events);
  return [eps[0] ?? 'A', eps[1] ?? 'B'];
}

/**
 * Fills in relative sequence numbers where a trace event could not give them (an endpoint answering
 * for a connection it does not know sets relSeq to the raw seq). It learns each direction's ISN, by
 * port pair, from SYNs and from events that carry real relative numbers, in trace order, so a later
 * incarnation of the same ports takes over from the earlier one.
 */
export class RelativeNumbers {
  readonly #isn = new Map<string, number>();

  /** The event's view, with relSeq/relAck computed from learned ISNs where the event had none. */
  view(e: Partial<SegmentView> & { seg: Segment }): SegmentView {
    const s = e.seg;
    const dir = `${s.srcPort}>${s.dstPort}`;
    const rev = `${s.dstPort}>${s.srcPort}`;
    const hasSeq = e.relSeq !== undefined && e.relSeq !== s.seq;
    const hasAck = e.relAck !== undefined && e.relAck !== s.ack;
    if (s.flags & SYN) this.#isn.set(dir, s.seq);
    else if (hasSeq) this.#isn.set(dir, (s.seq - e.relSeq!) >>> 0);
    if (s.flags & ACK && hasAck) this.#isn.set(rev, (s.ack - e.relAck!) >>> 0);
    const iss = this.#isn.get(dir);
    const irs = this.#isn.get(rev);
    const relSeq = hasSeq ? e.relSeq! : iss !== undefined ? (s.seq - iss) | 0 : (e.relSeq ?? s.seq);
    let relAck = 0;
    if (s.flags & ACK) relAck = hasAck ? e.relAck! : irs !== undefined ? (s.ack - irs) | 0 : (e.relAck ?? s.ack);
    return { seg: s, relSeq, relAck };
  }
}

/**
 * What each sender has sent, by endpoint and port pair, for the marks (see the top of this file):
 * the highest sequence end sent (modulo 2^32), the ISN of the incarnation, the highest ACK the peer
 * sent back, and when anything last went either way on the port pair.
 */
class SendMarks {
  readonly #dirs = new Map<string, { isn: number; end: number; acked?: number; syns: Set<number> }>();
  readonly #lastSeen = new Map<string, Instant>();
  constructor(readonly quiet: number) {}

  /** A segment arrived (or was seen) somewhere: the port pair was not quiet, and it may ACK. */
  heard(seg: Segment, t: Instant): void {
    this.#touch(seg, t);
  }

  send(endpoint: string, peer: string, seg: Segment, t: Instant): 'retransmit' | 'probe' | undefined {
    const key = `${endpoint}|${seg.srcPort}>${seg.dstPort}`;
    const quietFor = t - (this.#lastSeen.get(pairKey(seg)) ?? t);
    this.#touch(seg, t);
    // This segment's ACK covers what the peer sent on the reverse port pair.
    const back = this.#dirs.get(`${peer}|${seg.dstPort}>${seg.srcPort}`);
    if (back && seg.flags & ACK && (back.acked === undefined || seqGe(seg.ack, back.acked))) back.acked = seg.ack;
    const len = segLen(seg);
    const d = this.#dirs.get(key);
    if (seg.flags & SYN) {
      const kind = seg.flags & (SYN | ACK);
      if (!d || d.isn !== seg.seq) {
        // A new incarnation (or the first SYN): numbering starts again.
        this.#dirs.set(key, { isn: seg.seq, end: seqAdd(seg.seq, len), syns: new Set([kind]) });
        return undefined;
      }
      // The SYN,ACK that follows our own SYN in a simultaneous open repeats the SYN by design: only
      // a SYN of a kind already sent is a retransmission.
      const again = d.syns.has(kind);
      d.syns.add(kind);
      if (!again) return undefined;
    }
    if (!d) {
      // Joined in the middle (a capture that missed the handshake): this segment starts the record.
      this.#dirs.set(key, { isn: seg.seq, end: seqAdd(seg.seq, len), syns: new Set() });
      return undefined;
    }
    const probe =
      !(seg.flags & (SYN | FIN | RST)) &&
      seg.payload.length <= 1 &&
      seg.seq === seqAdd(d.end, -1) &&
      quietFor >= this.quiet &&
      d.acked !== undefined &&
      seqGe(d.acked, d.end);
    if (probe) return 'probe';
    const retransmit = len > 0 && seqLt(seg.seq, d.end);
    const end = seqAdd(seg.seq, len);
    if (seqLt(d.end, end)) d.end = end;
    return retransmit ? 'retransmit' : undefined;
  }

  #touch(seg: Segment, t: Instant): void {
    this.#lastSeen.set(pairKey(seg), t);
  }
}

function pairKey(seg: Segment): string {
  return seg.srcPort < seg.dstPort ? `${seg.srcPort}-${seg.dstPort}` : `${seg.dstPort}-${seg.srcPort}`;
}

function takePending(pending: Map<string, SendRow[]>, seg: Segment, ok: (r: SendRow) => boolean): SendRow | undefined {
  const list = pending.get(segKey(seg));
  if (!list) return undefined;
  const i = list.findIndex(ok);
  if (i < 0) return undefined;
  const [row] = list.splice(i, 1);
  return row;
}

/** A segment's arrival at an endpoint: only a boundary between inputs when attaching states. */
interface InputRow {
  kind: 'input';
  t: Instant;
  at: number;
  endpoint: string;
}
type Pass1Row = LadderRow | StateRow | InputRow;

/**
 * The segment a state change goes with: the nearest send by the same endpoint at the same instant,
 * looking past timers and the other endpoint's rows but not past another arrival, state change, drop
 * or stray at this endpoint (those belong to a different input). A state change comes first to the
 * send that follows it (the state the segment was sent in), else to the send just before it.
 */
function findSend(rows: readonly Pass1Row[], from: number, s: StateRow, dir: 1 | -1): SendRow | undefined {
  for (let j = from + dir; j >= 0 && j < rows.length; j += dir) {
    const r = rows[j]!;
    if (r.t !== s.t) return undefined;
    switch (r.kind) {
      case 'send':
        // Looking back, only a send that shows no state yet: a change that came after a send
        // which already shows the state it was sent in gets a line of its own below it.
        if (r.from === s.endpoint && (dir === 1 || r.states.length === 0)) return r;
        if (r.from === s.endpoint) return undefined;
        break;
      case 'timer':
      case 'states':
      case 'error':
        break;
      case 'state':
      case 'drop':
      case 'input':
        if (r.endpoint === s.endpoint) return undefined;
        break;
      case 'stray':
        if (r.to === s.endpoint) return undefined;
        break;
    }
  }
  return undefined;
}
