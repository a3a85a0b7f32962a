// Ladder diagrams from a trace: who sent what to whom, when, and how each side's state changed.
//
// Two renderers share one reading of the trace (`ladderRows`):
//  - compactLadder: one line per segment sent, in RFC notation, for assertions in scenario tests;
//  - terminalLadder: two lanes with arrows, states, timers and losses, for people (`finack demo`).
//
// Reading rules. A 'send' is drawn at the time it left. A 'recv' is not drawn when it is explained by an
// earlier send (same ports, seq, ack, flags and length); one that is not (an injected packet, a link
// duplicate) is drawn at its arrival as a stray. A 'drop' naming the sender of a pending send marks that
// send as lost on the way (the network traces its losses under the sender's name); any other drop is
// the receiver discarding what arrived, drawn where it happened. A state change is shown on the line of
// a segment its endpoint sent at the same instant in answer to the same input (the next such segment,
// else the previous one; another arrival at that endpoint separates inputs), otherwise on a line of
// its own. Connection errors reported to the application become rows; other ConnEvents do not.

import type { Instant } from '../core/time.js';
import type { TimerKind } from '../core/timers.js';
import { rfcNotation } from '../wire/notation.js';
import { ACK, ctl, FIN, RST, type Segment, SYN, segLen } from '../wire/segment.js';
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
        rows.push(row);
        const k = segKey(e.seg);
        const list = pending.get(k);
        if (list) list.push(row);
        else pending.set(k, [row]);
        break;
      }
      case 'recv': {
        lastRecv = { endpoint: e.endpoint, t: e.t, key: segKey(e.seg) };
        rows.push({ kind: 'input', t: e.t, at, endpoint: e.endpoint });
        if (!takePending(pending, e.seg, (r) => r.from !== e.endpoint)) {
          rows.push({ kind: 'stray', t: e.t, at, to: e.endpoint, from: peer(e.endpoint), view: viewOf(e) });
        }
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
          if (!same && !takePending(pending, seg, (r) => r.from !== e.endpoint)) {
            rows.push({
              kind: 'stray',
              t: e.t,
              at,
              to: e.endpoint,
              from: peer(e.endpoint),
              view: viewOf({ ...e, seg }),
            });
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

function defaultLanes(events: readonly TraceEvent[]): [string, string] {
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

// ---------------------------------------------------------------------------------------------------
// Notation

/**
 * A traced segment in RFC 9293 figure notation (wire/notation.ts): `<SEQ=1><ACK=1><CTL=FIN,ACK>`,
 * plus `<DATA=n>` with payload, numbered relative to the ISNs the trace event gives unless `absolute`.
 */
export function notationOf(v: SegmentView, absolute = false): string {
  const s = v.seg;
  return rfcNotation(s, absolute ? undefined : { iss: (s.seq - v.relSeq) >>> 0, irs: (s.ack - v.relAck) >>> 0 });
}

/**
 * tcpdump-like label: `FIN,ACK seq=1 ack=1 len=1 win=502` (len is SEG.LEN: SYN and FIN count), and
 * `mss=` on a SYN that carries it. With `maxWidth`, drops mss, then win, then len to fit.
 */
export function segmentLabel(v: SegmentView, absolute = false, maxWidth = Number.POSITIVE_INFINITY): string {
  const s = v.seg;
  const head = `${ctl(s.flags) || '-'} seq=${absolute ? s.seq : v.relSeq}${s.flags & ACK ? ` ack=${absolute ? s.ack : v.relAck}` : ''}`;
  const len = ` len=${segLen(s)}`;
  const win = ` win=${s.wnd}`;
  const mss = s.flags & SYN && s.options.mss !== undefined ? ` mss=${s.options.mss}` : '';
  for (const cand of [head + len + win + mss, head + len + win, head + len, head]) {
    if (cand.length <= maxWidth) return cand;
  }
  return head;
}

// ---------------------------------------------------------------------------------------------------
// Compact ladder (STYLE.md §7)

export interface CompactLadderOptions extends LadderReadOptions {
  /** Times are printed relative to this instant (e.g. a mark's time). Default 0. */
  origin?: Instant;
  /** Absolute sequence numbers instead of relative ones. */
  absolute?: boolean;
}

/**
 * One line per segment sent: `time  A->B <SEQ=1><ACK=1><CTL=FIN,ACK>  A FIN-WAIT-1`. State changes
 * that came with no segment get a line of their own; losses and drops are noted. Columns are aligned
 * and trailing spaces trimmed.
 */
export function compactLadder(events: readonly TraceEvent[], opts: CompactLadderOptions = {}): string {
  const origin = opts.origin ?? 0;
  const abs = opts.absolute ?? false;
  const lines: { t: string; dir: string; seg: string; notes: string }[] = [];
  const states = (list: readonly StateRow[]): string => list.map((s) => `${s.endpoint} ${s.to}`).join(', ');
  for (const r of ladderRows(events, opts)) {
    const t = String(r.t - origin);
    switch (r.kind) {
      case 'send': {
        const notes = [r.lost ? `lost (${r.lost})` : '', states(r.states)].filter(Boolean).join(', ');
        lines.push({ t, dir: `${r.from}->${r.to}`, seg: notationOf(r.view, abs), notes });
        break;
      }
      case 'stray':
        lines.push({ t, dir: `?->${r.to}`, seg: notationOf(r.view, abs), notes: 'not sent in this trace' });
        break;
      case 'drop':
        lines.push({
          t,
          dir: '',
          seg: r.view ? notationOf(r.view, abs) : '',
          notes: `${r.endpoint} drops (${r.reason})`,
        });
        break;
      case 'states':
        lines.push({ t, dir: '', seg: '', notes: states(r.states) });
        break;
      case 'timer':
      case 'error':
        break;
    }
  }
  const wt = Math.max(0, ...lines.map((l) => l.t.length));
  const wd = Math.max(0, ...lines.map((l) => l.dir.length));
  const ws = Math.max(0, ...lines.map((l) => l.seg.length));
  return lines
    .map((l) => `${l.t.padStart(wt)}  ${l.dir.padEnd(wd)} ${l.seg.padEnd(ws)}  ${l.notes}`.trimEnd())
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Terminal ladder

export interface TerminalLadderOptions extends LadderReadOptions {
  /** Absolute sequence numbers instead of relative ones. */
  absolute?: boolean;
  /** ANSI colours. Default off. */
  color?: boolean;
  /** Total width in columns (default 100, at least 80). */
  width?: number;
  /** Labels printed above the lanes (default: the lane names). */
  laneLabels?: readonly [string, string];
  /** States shown at the top of each lane before anything happens (default: the first state left). */
  initialStates?: readonly [string | undefined, string | undefined];
  /** A quiet stretch at least this long is printed as one "… 2 h idle …" line (default 1000 ms). */
  idleGap?: number;
  /** Which timer events to show: the ones that tell the story (default), all, or none. */
  timers?: 'key' | 'all' | 'none';
  /** Narration lines, each printed before the first row at or after its time. */
  notes?: readonly LadderNote[];
}

export interface LadderNote {
  t: Instant;
  text: string;
  /**
   * Index in the trace before which the note belongs (the number of events recorded when it was
   * written). Without it the note goes before the first row at or after its time.
   */
  index?: number;
}

const TIME_W = 10;
const STATE_W = 12;

const ANSI = {
  state: '\x1b[1;36m',
  lost: '\x1b[31m',
  timer: '\x1b[33m',
  dim: '\x1b[2m',
  rst: '\x1b[1;31m',
  fin: '\x1b[35m',
  reset: '\x1b[0m',
} as const;

const TIMER_NAMES: Record<TimerKind, string> = {
  retransmit: 'retransmission timer',
  persist: 'persist timer',
  'delayed-ack': 'delayed-ACK timer',
  keepalive: 'keepalive timer',
  'fin-wait-2': 'FIN-WAIT-2 timer',
  'time-wait': '2MSL timer',
  'user-timeout': 'user timeout',
};

/** Whether a timer event is worth a line in the 'key' view. */
function keyTimer(r: TimerRow): boolean {
  switch (r.timer) {
    case 'time-wait':
    case 'fin-wait-2':
    case 'user-timeout':
      return r.action !== 'cancelled';
    case 'keepalive':
      return r.action === 'fired';
    case 'retransmit':
    case 'persist':
      return r.action === 'fired';
    case 'delayed-ack':
      return false;
  }
}

/** 60,140 */
export function formatMs(ms: number): string {
  const neg = ms < 0;
  const s = String(Math.abs(Math.trunc(ms))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${s}` : s;
}

/** A duration for people: '750 ms', '60 s', '1.5 s', '2 h', '2 h 12 min 30 s'. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(3).replace(/0+$/, '')} s`;
  const parts: string[] = [];
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (rest) parts.push(formatDuration(rest));
  return parts.join(' ');
}

/**
 * Two lanes (left and right endpoint) with the state of each side as it changes, every segment as an
 * arrow from the sender's lane labelled with flags, seq/ack, len and win, losses as arrows stopping
 * half-way at ✕, timers as notes beside their lane, and long quiet stretches folded into one line.
 * Times in the left margin are ms of virtual time.
 */
export function terminalLadder(events: readonly TraceEvent[], opts: TerminalLadderOptions = {}): string {
  const lanes = opts.lanes ?? defaultLanes(events);
  const width = Math.max(80, opts.width ?? 100);
  const gapW = width - (TIME_W + 1 + STATE_W + 1 + 1 + 1 + 1 + STATE_W) - 1;
  const abs = opts.absolute ?? false;
  const color = opts.color ?? false;
  const idleGap = opts.idleGap ?? 1000;
  const timers = opts.timers ?? 'key';
  // Colour the text only, so padding stays plain.
  const paint = (code: string, s: string): string => {
    if (!color || !s.trim()) return s;
    const m = /^(\s*)(.*?)(\s*)$/su.exec(s)!;
    return `${m[1]}${code}${m[2]}${ANSI.reset}${m[3]}`;
  };
  const side = (ep: string): 0 | 1 => (ep === lanes[1] ? 1 : 0);

  const out: string[] = [];
  let lastT: Instant | undefined;
  let lastPrintedT: Instant | undefined;

  const line = (t: Instant | undefined, left: string, gap: string, right: string, gapColor?: string): void => {
    let tcol = ' '.repeat(TIME_W);
    if (t !== undefined) {
      if (lastT !== undefined && t - lastT >= idleGap) {
        const msg = `… ${formatDuration(t - lastT)} idle …`;
        const pad = Math.max(0, gapW - msg.length);
        const mid = ' '.repeat(Math.floor(pad / 2)) + msg + ' '.repeat(Math.ceil(pad / 2));
        out.push(compose(' '.repeat(TIME_W), '', '┆', paint(ANSI.dim, mid), '┆', ''));
      }
      if (t !== lastPrintedT) tcol = formatMs(t).padStart(TIME_W);
      lastT = t;
      lastPrintedT = t;
    }
    out.push(
      compose(
        tcol,
        paint(ANSI.state, left.padStart(STATE_W)),
        '│',
        gapColor ? paint(gapColor, gap) : gap,
        '│',
        paint(ANSI.state, right),
      ),
    );
  };
  const compose = (t: string, left: string, l1: string, gap: string, l2: string, right: string): string =>
    `${t} ${left || ' '.repeat(STATE_W)} ${l1}${gap}${l2} ${right}`.trimEnd();

  // Header: lane labels over the lanes.
  const labels = opts.laneLabels ?? lanes;
  out.push(`${'t (ms)'.padStart(TIME_W)} ${labels[0].padStart(STATE_W + 2)}${' '.repeat(gapW)}${labels[1]}`.trimEnd());
  const first = initialStates(events, lanes);
  const init0 = opts.initialStates?.[0] ?? first[0] ?? '';
  const init1 = opts.initialStates?.[1] ?? first[1] ?? '';
  out.push(
    compose(
      ' '.repeat(TIME_W),
      paint(ANSI.state, init0.padStart(STATE_W)),
      '│',
      ' '.repeat(gapW),
      '│',
      paint(ANSI.state, init1),
    ),
  );

  const blank = ' '.repeat(gapW);
  const noteBeside = (ep: string, text: string): string => {
    const t = text.length > gapW - 1 ? text.slice(0, gapW - 1) : text;
    return side(ep) === 0 ? ` ${t}`.padEnd(gapW) : `${t} `.padStart(gapW);
  };

  const notes = [...(opts.notes ?? [])].sort((a, b) => a.t - b.t || (a.index ?? 0) - (b.index ?? 0));
  let nextNote = 0;
  const noteLine = (n: LadderNote): void => {
    const parts = wrapWords(n.text, gapW - 6);
    for (const [i, part] of parts.entries()) {
      const t = `${i === 0 ? '·' : ' '} ${part} ${i === parts.length - 1 ? '·' : ' '}`;
      const pad = Math.max(0, gapW - t.length);
      line(n.t, '', ' '.repeat(Math.floor(pad / 2)) + t + ' '.repeat(Math.ceil(pad / 2)), '', ANSI.dim);
    }
  };
  const rows = ladderRows(events, { lanes });
  // A timer armed and cancelled at the same instant told nothing; one armed while armed was re-armed.
  const cancelledAt = new Set<string>();
  for (const r of rows)
    if (r.kind === 'timer' && r.action === 'cancelled') cancelledAt.add(`${r.endpoint}|${r.timer}|${r.t}`);
  const armed = new Set<string>();
  for (const r of rows) {
    while (nextNote < notes.length && noteBefore(notes[nextNote]!, r)) noteLine(notes[nextNote++]!);
    switch (r.kind) {
      case 'send': {
        // All but the last state change of the sender get their own line first, so each state shows.
        const before = r.states.slice(0, -1);
        for (const s of before) {
          line(r.t, side(s.endpoint) === 0 ? s.to : '', blank, side(s.endpoint) === 1 ? s.to : '');
        }
        const last = r.states[r.states.length - 1];
        const rightward = side(r.from) === 0;
        const gap = arrow(
          segmentLabel(r.view, abs, gapW - 6 - (r.lost ? 10 : 0)),
          rightward,
          gapW,
          r.lost !== undefined,
          false,
        );
        const gapColor = r.lost
          ? ANSI.lost
          : r.view.seg.flags & RST
            ? ANSI.rst
            : r.view.seg.flags & FIN
              ? ANSI.fin
              : '';
        line(
          r.t,
          last && side(last.endpoint) === 0 ? last.to : '',
          gap,
          last && side(last.endpoint) === 1 ? last.to : '',
          gapColor || undefined,
        );
        break;
      }
      case 'stray': {
        const rightward = side(r.to) === 1;
        line(
          r.t,
          '',
          arrow(`${segmentLabel(r.view, abs, gapW - 19)} (stray copy)`, rightward, gapW, false, true),
          '',
          ANSI.lost,
        );
        break;
      }
      case 'drop': {
        const what = r.view ? `${ctl(r.view.seg.flags) || '-'} seq=${abs ? r.view.seg.seq : r.view.relSeq} ` : '';
        const mark = `${what}dropped: ${r.reason}`;
        const text = side(r.endpoint) === 0 ? `✕ ${mark}` : `${mark} ✕`;
        line(r.t, '', noteBeside(r.endpoint, text), '', ANSI.lost);
        break;
      }
      case 'states': {
        // One line per pair of changes that fit side by side.
        const left = r.states.filter((s) => side(s.endpoint) === 0);
        const right = r.states.filter((s) => side(s.endpoint) === 1);
        const n = Math.max(left.length, right.length);
        for (let i = 0; i < n; i++) line(r.t, left[i]?.to ?? '', blank, right[i]?.to ?? '');
        break;
      }
      case 'error': {
        line(r.t, '', noteBeside(r.endpoint, `[error: ${r.code}]`), '', ANSI.lost);
        break;
      }
      case 'timer': {
        const key = `${r.endpoint}|${r.timer}`;
        const wasArmed = armed.has(key);
        if (r.action === 'armed') armed.add(key);
        else armed.delete(key);
        if (timers === 'none' || (timers === 'key' && !keyTimer(r))) break;
        if (timers === 'key' && r.action === 'armed' && cancelledAt.has(`${key}|${r.t}`)) break;
        const action = r.action === 'armed' && wasArmed ? 're-armed' : r.action;
        let text = `[${TIMER_NAMES[r.timer]} ${action}`;
        if (r.action === 'armed' && r.deadline !== undefined) text += `, fires at ${formatMs(r.deadline)}`;
        text += ']';
        line(r.t, '', noteBeside(r.endpoint, text), '', ANSI.timer);
        break;
      }
    }
  }
  while (nextNote < notes.length) noteLine(notes[nextNote++]!);
  return out.join('\n');
}

/** Greedy word wrap; a word longer than the width is cut. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    const w = word.length > width ? word.slice(0, width) : word;
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

function noteBefore(n: LadderNote, r: LadderRow): boolean {
  if (n.t !== r.t) return n.t < r.t;
  return n.index === undefined || n.index <= r.at;
}

function initialStates(events: readonly TraceEvent[], lanes: readonly [string, string]): [string?, string?] {
  const found: [string?, string?] = [];
  for (const e of events) {
    if (e.type !== 'state') continue;
    if (e.endpoint === lanes[0]) found[0] ??= e.from;
    else if (e.endpoint === lanes[1]) found[1] ??= e.from;
  }
  return found;
}

/**
 * An arrow filling `w` columns. Rightward: `── label ──────▶`; leftward: `◀────── label ──`. A lost one
 * stops after its label at ✕; a stray one is dotted.
 */
function arrow(label: string, rightward: boolean, w: number, lost: boolean, stray: boolean): string {
  const dash = stray ? '┄' : '─';
  const text = label.length > w - 6 ? label.slice(0, w - 6) : label;
  if (lost) {
    const body = `${dash}${dash} ${text} ${dash}${dash}${dash}✕ lost`;
    const room = Math.max(0, w - body.length);
    const shown = room > 0 ? body : `${dash}${dash} ${text} ✕`;
    if (rightward) return shown.padEnd(w);
    const mirrored = `lost ✕${dash}${dash}${dash} ${text} ${dash}${dash}`;
    return (room > 0 ? mirrored : `✕ ${text} ${dash}${dash}`).padStart(w);
  }
  const fill = Math.max(1, w - text.length - 5);
  if (rightward) return `${dash}${dash} ${text} ${dash.repeat(fill)}▶`;
  return `◀${dash.repeat(fill)} ${text} ${dash}${dash}`;
}
