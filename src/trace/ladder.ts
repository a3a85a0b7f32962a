// Ladder diagrams from a trace: who sent what to whom, when, and how each side's state changed.
//
// Two renderers share one reading of the trace (`ladderRows`, in ladder-rows.ts):
//  - compactLadder: one line per segment sent, in RFC notation, for assertions in scenario tests;
//  - terminalLadder: two lanes with arrows, states, timers and losses, for people (`finack demo`).

import type { Instant } from '../core/time.js';
import type { TimerKind } from '../core/timers.js';
import { rfcNotation } from '../wire/notation.js';
import { ACK, ctl, FIN, RST, type Segment, SYN, segLen } from '../wire/segment.js';
import type { SegmentView, TraceEvent } from './events.js';
import {
  defaultLanes,
  type LadderReadOptions,
  type LadderRow,
  ladderRows,
  type StateRow,
  type TimerRow,
} from './ladder-rows.js';

export {
  type DropRow,
  defaultLanes,
  type ErrorRow,
  endpointsOf,
  type LadderReadOptions,
  type LadderRow,
  ladderRows,
  RelativeNumbers,
  type SendRow,
  type StateRow,
  type StatesRow,
  type StrayRow,
  type TimerRow,
} from './ladder-rows.js';

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
export function segmentLabel(
  v: SegmentView,
  absolute = false,
  maxWidth = Number.POSITIVE_INFINITY,
  ellipsis = '…',
): string {
  const s = v.seg;
  const head = `${ctl(s.flags) || '-'} seq=${absolute ? s.seq : v.relSeq}${s.flags & ACK ? ` ack=${absolute ? s.ack : v.relAck}` : ''}`;
  const len = ` len=${segLen(s)}`;
  const win = ` win=${s.wnd}`;
  const opts = s.flags & SYN ? synOptions(s) : '';
  const full = head + len + win + opts;
  if (full.length <= maxWidth) return full;
  // Shorter forms say that something was left out.
  for (const cand of [head + len + win, head + len, head]) {
    if (cand.length + 1 + ellipsis.length <= maxWidth) return `${cand} ${ellipsis}`;
  }
  return head;
}

/** The options a SYN carries, as the label shows them: ` mss=1460 ws=7 sackOK TS`. */
function synOptions(s: Segment): string {
  const o = s.options;
  let text = '';
  if (o.mss !== undefined) text += ` mss=${o.mss}`;
  if (o.wscale !== undefined) text += ` ws=${o.wscale}`;
  if (o.sackPermitted) text += ' sackOK';
  if (o.ts !== undefined) text += ' TS';
  return text;
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
  /** ANSI colours. Default off; never with `ascii`. */
  color?: boolean;
  /** Only ASCII: `-`, `>`, `<`, `|`, `x`, `:` for the drawing, and text transliterated (toAscii). */
  ascii?: boolean;
  /** Total width in columns (default 100, at least 80). */
  width?: number;
  /** Labels printed above the lanes (default: the lane names). */
  laneLabels?: readonly [string, string];
  /** States shown at the top of each lane before anything happens (default: the first state left). */
  initialStates?: readonly [string | undefined, string | undefined];
  /** A quiet stretch at least this long is printed as one "… 2 h idle …" line (default 1000 ms). */
  idleGap?: number;
  /**
   * Which timer events to show: the ones that tell the story (default), all, or none. Unless 'none',
   * the 2MSL, FIN-WAIT-2, keepalive and retransmission timers are also drawn as bars beside their
   * lane while they run, named on the line where each bar starts.
   */
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

/** The drawing characters, in Unicode and in ASCII. */
interface Glyphs {
  lane: string;
  fold: string;
  bar: string;
  head: { right: string; left: string };
  dash: string;
  dot: string;
  cross: string;
  ellipsis: string;
  note: string;
}
const UNICODE: Glyphs = {
  lane: '│',
  fold: '┆',
  bar: '┃',
  head: { right: '▶', left: '◀' },
  dash: '─',
  dot: '┄',
  cross: '✕',
  ellipsis: '…',
  note: '·',
};
const ASCII: Glyphs = {
  lane: '|',
  fold: ':',
  bar: '|',
  head: { right: '>', left: '<' },
  dash: '-',
  dot: '.',
  cross: 'x',
  ellipsis: '...',
  note: '*',
};

const TIMER_NAMES: Record<TimerKind, string> = {
  retransmit: 'retransmission timer',
  persist: 'persist timer',
  'delayed-ack': 'delayed-ACK timer',
  keepalive: 'keepalive timer',
  'fin-wait-2': 'FIN-WAIT-2 timer',
  'time-wait': '2MSL timer',
  'user-timeout': 'user timeout',
};

/** The timers drawn as bars beside their lane while they run. */
export const BAR_TIMERS: ReadonlySet<TimerKind> = new Set<TimerKind>([
  'time-wait',
  'fin-wait-2',
  'keepalive',
  'retransmit',
]);

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
  // Captures time to the microsecond: fractions of a ms keep three digits at most.
  if (ms < 1000) return `${Number.isInteger(ms) ? ms : Number(ms.toFixed(ms < 10 ? 3 : 1))} ms`;
  if (ms < 120_000) return `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(3).replace(/\.?0+$/, '')} s`;
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

const ASCII_FOR: Record<string, string> = {
  '…': '...',
  '·': '*',
  '•': '*',
  '→': '->',
  '←': '<-',
  '⇄': '<->',
  '↔': '<->',
  '×': 'x',
  '✕': 'x',
  '—': '--',
  '–': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '≤': '<=',
  '≥': '>=',
  '≠': '!=',
  '−': '-',
  µ: 'u',
  '│': '|',
  '┃': '|',
  '┆': ':',
  '─': '-',
  '┄': '.',
  '▶': '>',
  '◀': '<',
};

/** Text for an ASCII-only terminal: common symbols spelled in ASCII, accents dropped, anything else '?'. */
export function toAscii(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else if (ASCII_FOR[ch] !== undefined) out += ASCII_FOR[ch];
    else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += /^[\x20-\x7e]+$/.test(base) ? base : '?';
    }
  }
  return out;
}

/**
 * Two lanes (left and right endpoint) with the state of each side as it changes, every segment as an
 * arrow from the sender's lane labelled with flags, seq/ack, len and win (and "retransmission",
 * "keepalive probe" or "duplicate" where it is one), losses as arrows stopping half-way at ✕, timers
 * as notes beside their lane and as bars (┃) beside the lane while they run, and long quiet stretches
 * folded into one line. Times in the left margin are ms of virtual time.
 */
export function terminalLadder(events: readonly TraceEvent[], opts: TerminalLadderOptions = {}): string {
  const lanes = opts.lanes ?? defaultLanes(events);
  const width = Math.max(80, opts.width ?? 100);
  // time, left state, lane, bar, gap, bar, lane, right state; one column spare.
  const gapW = width - (TIME_W + 1 + STATE_W + 1 + 1 + 1 + 1 + 1 + 1 + STATE_W) - 1;
  const abs = opts.absolute ?? false;
  const ascii = opts.ascii ?? false;
  const g = ascii ? ASCII : UNICODE;
  const text = ascii ? toAscii : (s: string): string => s;
  const color = !ascii && (opts.color ?? false);
  const idleGap = opts.idleGap ?? 1000;
  const timers = opts.timers ?? 'key';
  // Colour the text only, so padding stays plain.
  const paint = (code: string, s: string): string => {
    if (!color || !s.trim()) return s;
    const m = /^(\s*)(.*?)(\s*)$/su.exec(s)!;
    return `${m[1]}${code}${m[2]}${ANSI.reset}${m[3]}`;
  };
  const side = (ep: string): 0 | 1 => (ep === lanes[1] ? 1 : 0);

  // The bar timers running on each lane, as 'conn|timer', with their deadlines: a timer runs no
  // longer than its deadline even where the trace shows no firing (a trace that ends early).
  const running: [Map<string, Instant>, Map<string, Instant>] = [new Map(), new Map()];
  const expire = (t: Instant): void => {
    for (const m of running) for (const [k, d] of m) if (d < t) m.delete(k);
  };
  const connOf = (at: number): string => events[at]?.conn ?? '';
  /** A connection that reached CLOSED runs no timers any more, traced as cancelled or not. */
  const endBars = (states: readonly StateRow[]): void => {
    for (const st of states) {
      if (st.to !== 'CLOSED') continue;
      const prefix = `${connOf(st.at)}|`;
      for (const k of running[side(st.endpoint)].keys()) if (k.startsWith(prefix)) running[side(st.endpoint)].delete(k);
    }
  };
  const bar = (s: 0 | 1): string => (running[s].size > 0 ? paint(ANSI.timer, g.bar) : ' ');

  const out: string[] = [];
  let lastT: Instant | undefined;
  let lastPrintedT: Instant | undefined;

  /** An arrow row's gap reaches into the bar columns where no bar runs, so its ends touch bar or lane. */
  type Gap = string | { arrow: (w: number) => string };
  const inner = (gap: Gap, gapColor?: string): string => {
    const fill = (x: string): string => (gapColor ? paint(gapColor, x) : x);
    if (typeof gap === 'string') return bar(0) + fill(gap) + bar(1);
    const b0 = running[0].size > 0;
    const b1 = running[1].size > 0;
    return (b0 ? bar(0) : '') + fill(gap.arrow(gapW + 2 - (b0 ? 1 : 0) - (b1 ? 1 : 0))) + (b1 ? bar(1) : '');
  };
  const compose = (t: string, left: string, l1: string, mid: string, l2: string, right: string): string =>
    `${t} ${left || ' '.repeat(STATE_W)} ${l1}${mid}${l2} ${right}`.trimEnd();
  /** Prints a row at `t`, after the fold line of a long quiet stretch before it; `begin` runs between. */
  const line = (
    t: Instant | undefined,
    left: string,
    gap: Gap,
    right: string,
    gapColor?: string,
    begin?: () => void,
  ): void => {
    let tcol = ' '.repeat(TIME_W);
    if (t !== undefined) {
      if (lastT !== undefined && t - lastT >= idleGap) {
        expire(lastT + 1);
        const msg = `${g.ellipsis} ${formatDuration(t - lastT)} idle ${g.ellipsis}`;
        const pad = Math.max(0, gapW - msg.length);
        const mid = ' '.repeat(Math.floor(pad / 2)) + msg + ' '.repeat(Math.ceil(pad / 2));
        out.push(compose(' '.repeat(TIME_W), '', g.fold, inner(mid, ANSI.dim), g.fold, ''));
      }
      if (t !== lastPrintedT) tcol = formatMs(t).padStart(TIME_W);
      expire(t);
      lastT = t;
      lastPrintedT = t;
    }
    begin?.();
    out.push(
      compose(
        tcol,
        paint(ANSI.state, left.padStart(STATE_W)),
        g.lane,
        inner(gap, gapColor),
        g.lane,
        paint(ANSI.state, right),
      ),
    );
  };

  // Header: lane labels over the lanes.
  const labels = opts.laneLabels ?? lanes;
  out.push(
    text(
      `${'t (ms)'.padStart(TIME_W)} ${labels[0].padStart(STATE_W + 2)}${' '.repeat(gapW + 2)}${labels[1]}`,
    ).trimEnd(),
  );
  const first = initialStates(events, lanes);
  const init0 = opts.initialStates?.[0] ?? first[0] ?? '';
  const init1 = opts.initialStates?.[1] ?? first[1] ?? '';
  out.push(
    compose(
      ' '.repeat(TIME_W),
      paint(ANSI.state, text(init0).padStart(STATE_W)),
      g.lane,
      inner(' '.repeat(gapW)),
      g.lane,
      paint(ANSI.state, text(init1)),
    ),
  );

  const blank = ' '.repeat(gapW);
  const noteBeside = (ep: string, s: string): string => {
    const t = s.length > gapW - 1 ? `${s.slice(0, gapW - 1 - g.ellipsis.length)}${g.ellipsis}` : s;
    return side(ep) === 0 ? ` ${t}`.padEnd(gapW) : `${t} `.padStart(gapW);
  };

  const notes = [...(opts.notes ?? [])].sort((a, b) => a.t - b.t || (a.index ?? 0) - (b.index ?? 0));
  let nextNote = 0;
  const noteLine = (n: LadderNote): void => {
    const parts = wrapWords(text(n.text), gapW - 6);
    for (const [i, part] of parts.entries()) {
      const t = `${i === 0 ? g.note : ' '} ${part} ${i === parts.length - 1 ? g.note : ' '}`;
      const pad = Math.max(0, gapW - t.length);
      line(n.t, '', ' '.repeat(Math.floor(pad / 2)) + t + ' '.repeat(Math.ceil(pad / 2)), '', ANSI.dim);
    }
  };
  const rows = withoutListenerStart(
    ladderRows(events, opts.probeQuiet !== undefined ? { lanes, probeQuiet: opts.probeQuiet } : { lanes }),
    events,
    lanes,
  );
  // A timer armed and cancelled at the same instant told nothing; one armed while armed was re-armed.
  const cancelledAt = new Set<string>();
  for (const r of rows)
    if (r.kind === 'timer' && r.action === 'cancelled') cancelledAt.add(`${r.endpoint}|${r.timer}|${r.t}`);
  const { idle, rearmed } = timerLookahead(rows, events);
  const firedAt = new Map<string, Instant>();
  const armed = new Set<string>();
  for (const [i, r] of rows.entries()) {
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
        const marks = r.retransmit ? RETRANSMIT_MARKS : r.probe ? PROBE_MARKS : [''];
        const gap = {
          arrow: (w: number) => {
            const room = w - 6 - (r.lost ? 10 : 0);
            const label = fitLabel(r.view, abs, room, marks, g.ellipsis);
            return arrow(label, rightward, w, r.lost !== undefined, false, g);
          },
        };
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
        endBars(r.states);
        break;
      }
      case 'stray': {
        const rightward = side(r.to) === 1;
        const marks = r.duplicate ? DUPLICATE_MARKS : STRAY_MARKS;
        line(
          r.t,
          '',
          { arrow: (w) => arrow(fitLabel(r.view, abs, w - 6, marks, g.ellipsis), rightward, w, false, true, g) },
          '',
          ANSI.lost,
        );
        break;
      }
      case 'drop': {
        const what = r.view ? `${ctl(r.view.seg.flags) || '-'} seq=${abs ? r.view.seg.seq : r.view.relSeq} ` : '';
        const mark = `${what}dropped: ${r.reason}`;
        const s = side(r.endpoint) === 0 ? `${g.cross} ${mark}` : `${mark} ${g.cross}`;
        line(r.t, '', noteBeside(r.endpoint, s), '', ANSI.lost);
        break;
      }
      case 'states': {
        // One line per pair of changes that fit side by side.
        const left = r.states.filter((s) => side(s.endpoint) === 0);
        const right = r.states.filter((s) => side(s.endpoint) === 1);
        const n = Math.max(left.length, right.length);
        for (let j = 0; j < n; j++) {
          line(r.t, left[j]?.to ?? '', blank, right[j]?.to ?? '');
          endBars([left[j], right[j]].filter((x) => x !== undefined));
        }
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
        // Bars: a timer armed while none of its kind runs on the lane starts one, unless it is only
        // re-armed as it fires, or is cancelled at the same instant (it never ran).
        const s = side(r.endpoint);
        const barred = timers !== 'none' && BAR_TIMERS.has(r.timer);
        const bk = `${connOf(r.at)}|${r.timer}`;
        const starts =
          barred && r.action === 'armed' && !running[s].has(bk) && firedAt.get(`${s}|${bk}`) !== r.t && !idle.has(i);
        const update = (): void => {
          if (!barred) return;
          if (r.action === 'armed' && !idle.has(i)) running[s].set(bk, r.deadline ?? Number.POSITIVE_INFINITY);
          else if (r.action !== 'armed' && !rearmed.has(i)) running[s].delete(bk);
          if (r.action === 'fired') firedAt.set(`${s}|${bk}`, r.t);
        };
        const shown =
          starts ||
          timers === 'all' ||
          (timers === 'key' && keyTimer(r) && !(r.action === 'armed' && cancelledAt.has(`${key}|${r.t}`)));
        if (!shown) {
          update();
          break;
        }
        const action = r.action === 'armed' && wasArmed ? 're-armed' : r.action;
        let s2 = `[${TIMER_NAMES[r.timer]} ${action}]`;
        const until = r.action === 'armed' && r.deadline !== undefined ? `, fires at ${formatMs(r.deadline)}` : '';
        // The deadline is left out where it would not fit.
        if (s2.length + until.length <= gapW - 1) s2 = `${s2.slice(0, -1)}${until}]`;
        // A bar starts on its name's line and ends after the line of the event that stops it.
        if (r.action === 'armed') line(r.t, '', noteBeside(r.endpoint, s2), '', ANSI.timer, update);
        else {
          line(r.t, '', noteBeside(r.endpoint, s2), '', ANSI.timer);
          update();
        }
        break;
      }
    }
  }
  while (nextNote < notes.length) noteLine(notes[nextNote++]!);
  return out.join('\n');
}

// What marks a segment in its arrow's label, longest first: the first that fits with the label is used.
const RETRANSMIT_MARKS = [' (retransmission)', ' (retx)'];
const PROBE_MARKS = [' (keepalive probe)', ' (probe)'];
const DUPLICATE_MARKS = [' (duplicate)', ' (dup)'];
const STRAY_MARKS = [' (stray copy)', ' (stray)'];

/**
 * The segment's label and a mark in `room` columns: the fullest label with the longest mark that
 * fits, the mark taking precedence over the label's optional fields.
 */
function fitLabel(v: SegmentView, abs: boolean, room: number, marks: readonly string[], ellipsis: string): string {
  for (const m of marks) {
    const label = segmentLabel(v, abs, room - m.length, ellipsis);
    if (label.length + m.length <= room) return label + m;
  }
  const m = marks[marks.length - 1]!;
  return segmentLabel(v, abs, room - m.length, ellipsis) + m;
}

/**
 * What the bars need to know ahead: the timer rows that arm a timer cancelled at the same instant
 * before anything else happens to it (it never ran: no bar), and the rows where a timer fires and is
 * armed again at the same instant (its bar goes on).
 */
function timerLookahead(
  rows: readonly LadderRow[],
  events: readonly TraceEvent[],
): { idle: Set<number>; rearmed: Set<number> } {
  const last = new Map<string, number>();
  const idle = new Set<number>();
  const rearmed = new Set<number>();
  for (const [i, r] of rows.entries()) {
    if (r.kind !== 'timer') continue;
    const key = `${r.endpoint}|${events[r.at]?.conn ?? ''}|${r.timer}`;
    const j = last.get(key);
    const prev = j === undefined ? undefined : rows[j];
    if (prev?.kind === 'timer' && prev.t === r.t) {
      if (prev.action === 'armed' && r.action === 'cancelled') idle.add(j!);
      if (prev.action === 'fired' && r.action === 'armed') rearmed.add(j!);
    }
    last.set(key, i);
  }
  return { idle, rearmed };
}

/** Greedy word wrap; a word longer than the width is cut. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    const w = word.length > width ? `${word.slice(0, width - 1)}…` : word;
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

/**
 * The state each lane starts in: the first state its endpoint leaves. A lane whose first change is
 * CLOSED -> LISTEN (the connection a listener makes for an arriving SYN) starts in LISTEN: the
 * listener was there before anything happened.
 */
export function initialStates(events: readonly TraceEvent[], lanes: readonly [string, string]): [string?, string?] {
  const found: [string?, string?] = [];
  for (const e of events) {
    if (e.type !== 'state') continue;
    const start = isListenerStart(e) ? 'LISTEN' : e.from;
    if (e.endpoint === lanes[0]) found[0] ??= start;
    else if (e.endpoint === lanes[1]) found[1] ??= start;
  }
  return found;
}

function isListenerStart(e: TraceEvent): boolean {
  return e.type === 'state' && e.from === 'CLOSED' && e.to === 'LISTEN';
}

/** The rows without each lane's first change when it is CLOSED -> LISTEN (see initialStates). */
export function withoutListenerStart(
  rows: LadderRow[],
  events: readonly TraceEvent[],
  lanes: readonly string[],
): LadderRow[] {
  const hidden = new Set<number>();
  const seen = new Set<string>();
  events.forEach((e, i) => {
    if (e.type !== 'state' || !lanes.includes(e.endpoint) || seen.has(e.endpoint)) return;
    seen.add(e.endpoint);
    if (isListenerStart(e)) hidden.add(i);
  });
  if (hidden.size === 0) return rows;
  const out: LadderRow[] = [];
  for (const r of rows) {
    if (r.kind === 'send') out.push({ ...r, states: r.states.filter((s) => !hidden.has(s.at)) });
    else if (r.kind === 'states') {
      const states = r.states.filter((s) => !hidden.has(s.at));
      if (states.length > 0) out.push({ ...r, states });
    } else out.push(r);
  }
  return out;
}

/**
 * An arrow filling `w` columns. Rightward: `── label ──────▶`; leftward: `◀────── label ──`. A lost one
 * stops after its label at ✕; a stray one is dotted.
 */
function arrow(label: string, rightward: boolean, w: number, lost: boolean, stray: boolean, g: Glyphs): string {
  const dash = stray ? g.dot : g.dash;
  const x = g.cross;
  const text = label.length > w - 6 ? `${label.slice(0, w - 6 - g.ellipsis.length)}${g.ellipsis}` : label;
  if (lost) {
    const body = `${dash}${dash} ${text} ${dash}${dash}${dash}${x} lost`;
    const room = Math.max(0, w - body.length);
    const shown = room > 0 ? body : `${dash}${dash} ${text} ${x}`;
    if (rightward) return shown.padEnd(w);
    const mirrored = `lost ${x}${dash}${dash}${dash} ${text} ${dash}${dash}`;
    return (room > 0 ? mirrored : `${x} ${text} ${dash}${dash}`).padStart(w);
  }
  const fill = Math.max(1, w - text.length - 5);
  if (rightward) return `${dash}${dash} ${text} ${dash.repeat(fill)}${g.head.right}`;
  return `${g.head.left}${dash.repeat(fill)} ${text} ${dash}${dash}`;
}
