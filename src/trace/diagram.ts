// The layout of a ladder diagram, shared by the SVG and HTML renderers: two lanes, time flowing down,
// every segment an arrow from its send on the sender's lane to its arrival on the other, each side's
// state written where it changes, timers as bars beside their lane, long quiet stretches folded.
//
// Reading: ladderRows (ladder.ts) gives the rows; this file adds what a picture needs and the rows do
// not carry: when each segment arrived (the receiver's 'recv', or the receiver's own drop of it), the
// spans of timers, and positions.
//
// Vertical layout. The distinct instants of the trace become blocks, top to bottom. Within one instant,
// the segments an endpoint sends, and the state labels of each side, get sub-rows of their own (so
// nothing at one instant overlaps); an arrival shares the sub-row of the next departure from its lane,
// so an answer leaves where its cause arrived. Between two instants the space is the time between them
// at one scale per diagram (chosen from the typical gap), never less than the block above needs; a
// gap of `idleGap` or more is folded into a break mark that names the time skipped.

import type { TcpStateName } from '../core/state.js';
import type { Instant } from '../core/time.js';
import type { TimerKind } from '../core/timers.js';
import type { Segment } from '../wire/segment.js';
import type { SegmentView, TraceEvent } from './events.js';
import {
  endpointsOf,
  formatDuration,
  formatMs,
  initialStates,
  type LadderNote,
  ladderRows,
  type StateRow,
  segmentLabel,
  withoutListenerStart,
  wrapWords,
} from './ladder.js';

export interface DiagramOptions {
  /** The two endpoints, left first. Default: in order of first appearance (a lone tracer's peer: its conn's remote address). */
  lanes?: readonly [string, string];
  /** Names printed above the lanes (default: the lane names). */
  laneLabels?: readonly [string, string];
  /** Absolute sequence numbers instead of relative ones. */
  absolute?: boolean;
  title?: string;
  description?: string;
  /** Narration, each placed on a line of its own at its time. */
  notes?: readonly LadderNote[];
  /**
   * A quiet stretch at least this long (ms) is folded into a break mark (default 1000), and so is any
   * shorter one that would take more than 240 px at the diagram's scale.
   */
  idleGap?: number;
}

/** One segment: an arrow from `x1,y1` (the sender's lane) to `x2,y2`. */
export interface DiagramSegment {
  id: number;
  /** Index in the trace of the send (or, for a stray, of its arrival). */
  at: number;
  from: string;
  to: string;
  /** Lane of the sender. */
  lane: 0 | 1;
  /** When it left (for a stray: unknown, so its arrival). */
  t: Instant;
  /** When it arrived, if the trace says. */
  arrival?: Instant;
  /** The network lost it: the reason the drop named. The arrow stops half-way at a cross. */
  lost?: string;
  /** The receiver discarded it on arrival: its reason. */
  discarded?: string;
  /** Arrived but its sending was not traced (an injected packet, the peer of a lone tracer). */
  stray?: true;
  retransmit?: true;
  probe?: true;
  duplicate?: true;
  view: SegmentView;
  conn: string;
  labelRel: string;
  labelAbs: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface DiagramState {
  id: number;
  at: number;
  endpoint: string;
  lane: 0 | 1;
  t: Instant;
  from: TcpStateName;
  to: TcpStateName;
  cause: string;
  /** The lane's x; the text sits outside it (left of lane 0, right of lane 1). */
  x: number;
  y: number;
}

/** A timer running from `y1` (armed) to `y2` (fired, cancelled, or the end of the trace). */
export interface DiagramTimer {
  lane: 0 | 1;
  endpoint: string;
  timer: TimerKind;
  armed: Instant;
  deadline?: Instant;
  end?: Instant;
  how: 'fired' | 'cancelled' | 'running';
  /** Times it was armed again while running. */
  rearmed: Instant[];
  x: number;
  y1: number;
  y2: number;
  rearmedY: number[];
}

export interface DiagramFold {
  from: Instant;
  to: Instant;
  /** Top and bottom of the break. */
  y1: number;
  y2: number;
}

/** A remark beside one lane: a receiver's drop, an error reported to the application. */
export interface DiagramMark {
  id: number;
  at: number;
  lane: 0 | 1;
  t: Instant;
  kind: 'drop' | 'error';
  /** Short, as written beside the lane. */
  text: string;
  /** In full, for titles and the page's details. */
  detail: string;
  x: number;
  y: number;
}

export interface DiagramNote {
  t: Instant;
  text: string;
  /** The text wrapped to the space between the lanes. */
  lines: string[];
  y: number;
}

/** One stop of the HTML page's step-through, in trace order. */
export interface DiagramStep {
  kind: 'seg' | 'state' | 'mark';
  id: number;
  t: Instant;
}

export interface DiagramModel {
  title: string;
  /** Whether the title was given (the SVG writes only a given title above the diagram). */
  titled: boolean;
  description?: string;
  lanes: readonly [string, string];
  laneLabels: readonly [string, string];
  absolute: boolean;
  width: number;
  height: number;
  laneX: readonly [number, number];
  /** Where the lanes start and end. */
  top: number;
  bottom: number;
  /** The state of each side before the trace's first change of it. */
  initial: readonly [string | undefined, string | undefined];
  segments: DiagramSegment[];
  states: DiagramState[];
  timers: DiagramTimer[];
  folds: DiagramFold[];
  marks: DiagramMark[];
  notes: DiagramNote[];
  times: { t: Instant; y: number }[];
  steps: DiagramStep[];
  /** ms per pixel is 1 / scale. */
  scale: number;
  /** x where each lane's state labels end (lane 0) or start (lane 1). */
  stateX: readonly [number, number];
  /** x where the column of notes starts. */
  notesX: number;
  /**
   * What shown times are counted from: 0, or for a trace in Unix time (a capture) its first event's
   * time, so times read as ms since the first packet.
   */
  origin: Instant;
}

// Geometry, in px.
export const ROW = 18;
const FOLD_H = 46;
const TIME_W = 74;
const STATE_W = 130;
const GAP_W = 500;
const BAR_W = 13;
const HEAD_H = 70;
const MAX_SPAN_PX = 1800;
const DEFAULT_SLANT = 0.06;
const NOTE_CHARS = 46;
const NOTES_W = 270;
/** A gap that would take more than this at the diagram's scale is folded too. */
const FOLD_PX = 240;

/** Timers drawn as bars, in the order their columns are handed out. */
const BAR_TIMERS: readonly TimerKind[] = [
  'time-wait',
  'fin-wait-2',
  'keepalive',
  'retransmit',
  'persist',
  'user-timeout',
];

export const TIMER_LABELS: Record<TimerKind, string> = {
  retransmit: 'retransmission timer',
  persist: 'persist timer',
  'delayed-ack': 'delayed-ACK timer',
  keepalive: 'keepalive timer',
  'fin-wait-2': 'FIN-WAIT-2 timer',
  'time-wait': '2MSL timer (TIME-WAIT)',
  'user-timeout': 'user timeout',
};

/** Short names written along a bar. */
export const TIMER_SHORT: Record<TimerKind, string> = {
  retransmit: 'RTO',
  persist: 'persist',
  'delayed-ack': 'delack',
  keepalive: 'keepalive',
  'fin-wait-2': 'FIN-WAIT-2',
  'time-wait': '2MSL',
  'user-timeout': 'user timeout',
};

/** Network losses, which the simulator traces in the sender's name. */
const NETWORK_DROPS = new Set(['link-loss', 'fault', 'partition', 'mtu']);

/** A place that needs a y: kind decides how sub-rows are taken within one instant. */
interface Item {
  t: Instant;
  order: number;
  kind: 'dep' | 'arr' | 'state' | 'mark' | 'note' | 'timer';
  lane: 0 | 1;
  /** Rows it needs (a note may wrap). */
  span: number;
  /** Filled by the layout. */
  y: number;
}

/** Lays a trace out (see the top of this file). Deterministic: same trace and options, same model. */
export function diagramModel(events: readonly TraceEvent[], opts: DiagramOptions = {}): DiagramModel {
  const lanes = opts.lanes ?? diagramLanes(events);
  const laneOf = (ep: string): 0 | 1 => (ep === lanes[1] ? 1 : 0);
  const abs = opts.absolute ?? false;
  const idleGap = opts.idleGap ?? 1000;
  const rows = withoutListenerStart(ladderRows(events, { lanes }), events, lanes);
  const fates = arrivals(events);

  const items: Item[] = [];
  const item = (t: Instant, order: number, kind: Item['kind'], lane: 0 | 1, span = 1): Item => {
    const it: Item = { t, order, kind, lane, span, y: 0 };
    items.push(it);
    return it;
  };

  interface SegDraft {
    seg: DiagramSegment;
    dep?: Item;
    arr?: Item;
  }
  const segs: SegDraft[] = [];
  const states: { s: DiagramState; it: Item }[] = [];
  const marks: { m: DiagramMark; it: Item }[] = [];
  const timerEvents: {
    t: Instant;
    endpoint: string;
    timer: TimerKind;
    action: string;
    deadline?: Instant;
    it: Item;
  }[] = [];
  const addState = (r: StateRow): void => {
    const lane = laneOf(r.endpoint);
    const s: DiagramState = {
      id: states.length,
      at: r.at,
      endpoint: r.endpoint,
      lane,
      t: r.t,
      from: r.from as TcpStateName,
      to: r.to as TcpStateName,
      cause: r.cause,
      x: 0,
      y: 0,
    };
    states.push({ s, it: item(r.t, r.at, 'state', lane) });
  };
  const conns = events.map((e) => e.conn);
  for (const r of rows) {
    switch (r.kind) {
      case 'send': {
        const lane = laneOf(r.from);
        const fate = fates.get(r.at);
        const seg = baseSegment(segs.length, r.at, r.from, r.to, lane, r.t, r.view, conns[r.at] ?? '');
        if (r.lost !== undefined) seg.lost = r.lost;
        if (fate?.discarded !== undefined) seg.discarded = fate.discarded;
        if (fate && r.lost === undefined) seg.arrival = fate.t;
        if (r.retransmit) seg.retransmit = true;
        if (r.probe) seg.probe = true;
        const draft: SegDraft = { seg, dep: item(r.t, r.at, 'dep', lane) };
        if (fate && r.lost === undefined) draft.arr = item(fate.t, fate.at, 'arr', lane === 0 ? 1 : 0);
        segs.push(draft);
        for (const s of r.states) addState(s);
        break;
      }
      case 'stray': {
        const lane = laneOf(r.to) === 0 ? 1 : 0;
        const seg = baseSegment(segs.length, r.at, r.from, r.to, lane, r.t, r.view, conns[r.at] ?? '');
        seg.stray = true;
        seg.arrival = r.t;
        if (r.duplicate) seg.duplicate = true;
        segs.push({ seg, arr: item(r.t, r.at, 'dep', laneOf(r.to)) });
        break;
      }
      case 'drop':
      case 'error': {
        const lane = laneOf(r.endpoint);
        const text = r.kind === 'drop' ? `dropped: ${r.reason}` : `error: ${r.code}`;
        const detail =
          r.kind === 'drop'
            ? `${r.endpoint} dropped ${r.view ? segmentLabel(r.view, abs) : 'a packet'}: ${r.reason}`
            : `${r.endpoint}: the connection reported ${r.code} to the application`;
        const m: DiagramMark = { id: marks.length, at: r.at, lane, t: r.t, kind: r.kind, text, detail, x: 0, y: 0 };
        // A remark about one side: written with its state labels.
        marks.push({ m, it: item(r.t, r.at, 'state', lane) });
        break;
      }
      case 'states':
        for (const s of r.states) addState(s);
        break;
      case 'timer':
        if (r.timer === 'delayed-ack') break;
        timerEvents.push({
          t: r.t,
          endpoint: r.endpoint,
          timer: r.timer,
          action: r.action,
          ...(r.deadline !== undefined ? { deadline: r.deadline } : {}),
          it: item(r.t, r.at, 'timer', laneOf(r.endpoint)),
        });
        break;
    }
  }
  const notes = (opts.notes ?? []).map((n) => {
    const lines = wrapWords(n.text, NOTE_CHARS);
    return { n, lines, it: item(n.t, n.index === undefined ? -1 : n.index - 0.5, 'note', 0, lines.length) };
  });

  // Blocks: one per instant, sub-rows within.
  items.sort((a, b) => a.t - b.t || a.order - b.order);
  const blocks: { t: Instant; items: Item[]; rows: number; top: number }[] = [];
  for (const it of items) {
    const last = blocks[blocks.length - 1];
    if (last && last.t === it.t) last.items.push(it);
    else blocks.push({ t: it.t, items: [it], rows: 1, top: 0 });
  }
  for (const b of blocks) b.rows = subRows(b.items);
  const gaps: number[] = [];
  for (let i = 1; i < blocks.length; i++) {
    const dt = blocks[i]!.t - blocks[i - 1]!.t;
    if (dt < idleGap) gaps.push(dt);
  }
  const scale = chooseScale(gaps);
  const folds: DiagramFold[] = [];
  let y = HEAD_H + ROW;
  const top = y - ROW;
  blocks.forEach((b, i) => {
    if (i > 0) {
      const prev = blocks[i - 1]!;
      const dt = b.t - prev.t;
      const used = prev.rows * ROW;
      if (dt >= idleGap || dt * scale > FOLD_PX) {
        const y1 = prev.top + (prev.rows - 1) * ROW + ROW / 2;
        folds.push({ from: prev.t, to: b.t, y1, y2: y1 + FOLD_H });
        y = y1 + FOLD_H + ROW / 2;
      } else y = prev.top + Math.max(used, dt * scale);
    }
    b.top = round(y);
    for (const it of b.items) it.y = round(b.top + it.y * ROW);
  });
  const last = blocks[blocks.length - 1];
  const bottom = round((last ? last.top + last.rows * ROW : y) + ROW / 2);

  // Columns: timer bars beside each lane, on the outer side, then the state labels.
  const columns: [TimerKind[], TimerKind[]] = [[], []];
  for (const te of timerEvents) {
    const lane = laneOf(te.endpoint);
    if (!columns[lane].includes(te.timer)) columns[lane].push(te.timer);
  }
  for (const c of columns) c.sort((a, b) => BAR_TIMERS.indexOf(a) - BAR_TIMERS.indexOf(b));
  const laneX: [number, number] = [TIME_W + STATE_W + columns[0].length * BAR_W + 8, 0];
  laneX[1] = laneX[0] + GAP_W;
  const stateX: [number, number] = [laneX[0] - columns[0].length * BAR_W - 6, laneX[1] + columns[1].length * BAR_W + 6];
  const notesX = stateX[1] + STATE_W + 16;
  const width = notes.length > 0 ? notesX + NOTES_W : stateX[1] + STATE_W + 10;
  const barX = (lane: 0 | 1, timer: TimerKind): number => {
    const col = columns[lane].indexOf(timer);
    return lane === 0 ? laneX[0] - BAR_W * col - 7 : laneX[1] + BAR_W * col + 7;
  };

  // Segments: positions, with losses and strays drawn at the typical slant of their direction.
  const slant: [number[], number[]] = [[], []];
  for (const d of segs) {
    if (d.dep && d.arr) slant[d.seg.lane].push((d.arr.y - d.dep.y) / GAP_W);
  }
  const typical = (lane: 0 | 1): number => {
    const list = slant[lane].length > 0 ? slant[lane] : slant[lane === 0 ? 1 : 0];
    return list.length > 0 ? median(list) : DEFAULT_SLANT;
  };
  const segments = segs.map((d) => {
    const s = d.seg;
    const [xs, xr] = s.lane === 0 ? [laneX[0], laneX[1]] : [laneX[1], laneX[0]];
    const dy = Math.max(ROW * 0.4, typical(s.lane) * GAP_W);
    s.x1 = xs;
    s.x2 = xr;
    if (d.dep) s.y1 = d.dep.y;
    if (d.arr) s.y2 = d.arr.y;
    // An arrival whose sending is not traced leaves at the usual slant, but not above the lanes.
    if (!d.dep) s.y1 = round(Math.max(top, s.y2 - dy));
    if (!d.arr) {
      if (s.lost !== undefined) {
        s.x2 = round((xs + xr) / 2);
        s.y2 = round(s.y1 + dy / 2);
      } else s.y2 = round(s.y1 + dy);
    }
    return s;
  });

  for (const { s, it } of states) {
    s.x = laneX[s.lane];
    s.y = it.y;
  }
  for (const { m, it } of marks) {
    m.x = laneX[m.lane];
    m.y = it.y;
  }

  const timers = timerSpans(timerEvents, laneOf, bottom, barX);

  // Time labels in the margin, skipping any that would touch the one above.
  const times: { t: Instant; y: number }[] = [];
  for (const b of blocks) {
    const prev = times[times.length - 1];
    if (!prev || b.top - prev.y >= 12) times.push({ t: b.t, y: b.top });
  }

  const steps: DiagramStep[] = [];
  const order: { step: DiagramStep; key: number; sub: number }[] = [];
  for (const s of segments) order.push({ step: { kind: 'seg', id: s.id, t: s.t }, key: s.t, sub: s.at });
  for (const { s } of states) order.push({ step: { kind: 'state', id: s.id, t: s.t }, key: s.t, sub: s.at });
  for (const { m } of marks) order.push({ step: { kind: 'mark', id: m.id, t: m.t }, key: m.t, sub: m.at });
  order.sort((a, b) => a.key - b.key || a.sub - b.sub);
  for (const o of order) steps.push(o.step);

  return {
    title: opts.title || `TCP ladder: ${(opts.laneLabels ?? lanes).join(' and ')}`,
    titled: Boolean(opts.title),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    lanes,
    laneLabels: opts.laneLabels ?? lanes,
    absolute: abs,
    width,
    height: bottom + 60,
    laneX,
    top,
    bottom,
    initial: startStates(events, lanes),
    segments,
    states: states.map((x) => x.s),
    timers,
    folds,
    marks: marks.map((x) => x.m),
    notes: notes.map(({ n, lines, it }) => ({ t: n.t, text: n.text, lines, y: it.y })),
    times,
    steps,
    scale,
    stateX,
    notesX,
    origin: (events[0]?.t ?? 0) >= EPOCH_LIKE ? events[0]!.t : 0,
  };
}

/**
 * The lanes a diagram uses by default: the endpoints in order of first appearance; when only one
 * endpoint traced (a TUN session: the kernel's side is not traced), its peer is named after the remote
 * address of its first connection.
 */
export function diagramLanes(events: readonly TraceEvent[]): [string, string] {
  const eps = endpointsOf(events);
  if (eps.length >= 2) return [eps[0]!, eps[1]!];
  const first = eps[0] ?? 'A';
  const conn = events.find((e) => e.conn.includes('>'))?.conn;
  const remote = conn ? conn.slice(conn.indexOf('>') + 1) : '';
  return [first, remote && remote !== first ? remote : 'peer'];
}

function baseSegment(
  id: number,
  at: number,
  from: string,
  to: string,
  lane: 0 | 1,
  t: Instant,
  view: SegmentView,
  conn: string,
): DiagramSegment {
  const labelRel = segmentLabel(view, false);
  const labelAbs = segmentLabel(view, true);
  return { id, at, from, to, lane, t, view, conn, labelRel, labelAbs, x1: 0, y1: 0, x2: 0, y2: 0 };
}

/**
 * Sub-rows of one instant, written into each item's y (as a row number); returns how many rows the
 * instant needs. Departures of one lane take a row each, and so do arrivals; a departure after an
 * arrival leaves from the row it came in on (an answer starts where its cause ended); state labels and
 * remarks of one side take a row each; notes, in a column of their own, a row for each line.
 */
function subRows(list: Item[]): number {
  const dep = [0, 0];
  const arr = [0, 0];
  const lastArr = [-1, -1];
  const st = [0, 0];
  const used = [0, 0];
  let whole = 0;
  for (const it of list) {
    const l = it.lane;
    switch (it.kind) {
      case 'note':
        it.y = whole;
        whole += it.span;
        break;
      case 'dep':
      case 'mark': {
        const k = Math.max(dep[l]!, lastArr[l]!);
        it.y = k;
        dep[l] = k + 1;
        used[l] = Math.max(used[l]!, k + 1);
        break;
      }
      case 'arr': {
        const k = Math.max(dep[l]!, arr[l]!);
        it.y = k;
        arr[l] = k + 1;
        lastArr[l] = k;
        used[l] = Math.max(used[l]!, k + 1);
        break;
      }
      case 'state': {
        const k = st[l]!;
        it.y = k;
        st[l] = k + 1;
        break;
      }
      case 'timer':
        it.y = 0;
        break;
    }
  }
  return Math.max(1, whole, dep[0]!, dep[1]!, st[0]!, st[1]!, used[0]!, used[1]!);
}

/** Pixels per ms: the median gap between instants becomes a little over two rows, within bounds. */
function chooseScale(gaps: readonly number[]): number {
  const positive = gaps.filter((g) => g > 0);
  if (positive.length === 0) return 1;
  let scale = Math.min(4, Math.max(0.02, (2.2 * ROW) / median(positive)));
  const span = positive.reduce((a, b) => a + b, 0);
  if (span * scale > MAX_SPAN_PX) scale = MAX_SPAN_PX / span;
  return scale;
}

function median(list: readonly number[]): number {
  const s = [...list].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function segKey(s: Segment): string {
  return `${s.srcPort}>${s.dstPort}|${s.seq}|${s.ack}|${s.flags}|${s.payload.length}`;
}

/**
 * When each send arrived, by the trace index of the send: at the receiver's 'recv' of it, or at the
 * receiver's own drop of it (when no 'recv' came first). Matches as ladderRows does: first pending
 * send of the same segment from the other endpoint; a network drop in the sender's name loses it.
 */
function arrivals(events: readonly TraceEvent[]): Map<number, { t: Instant; at: number; discarded?: string }> {
  const out = new Map<number, { t: Instant; at: number; discarded?: string }>();
  const pending = new Map<string, { at: number; from: string }[]>();
  let lastRecv: { endpoint: string; t: Instant; key: string; at: number } | undefined;
  const take = (seg: Segment, ok: (from: string) => boolean): number | undefined => {
    const list = pending.get(segKey(seg));
    const i = list ? list.findIndex((p) => ok(p.from)) : -1;
    if (!list || i < 0) return undefined;
    return list.splice(i, 1)[0]!.at;
  };
  events.forEach((e, at) => {
    if (e.type === 'send') {
      const k = segKey(e.seg);
      const list = pending.get(k);
      if (list) list.push({ at, from: e.endpoint });
      else pending.set(k, [{ at, from: e.endpoint }]);
    } else if (e.type === 'recv') {
      const sent = take(e.seg, (from) => from !== e.endpoint);
      lastRecv = { endpoint: e.endpoint, t: e.t, key: segKey(e.seg), at: sent ?? -1 };
      if (sent !== undefined) out.set(sent, { t: e.t, at });
    } else if (e.type === 'drop' && e.seg) {
      const seg = e.seg;
      if (take(seg, (from) => from === e.endpoint) !== undefined) return;
      const same =
        lastRecv !== undefined &&
        lastRecv.endpoint === e.endpoint &&
        lastRecv.t === e.t &&
        lastRecv.key === segKey(seg);
      if (same) {
        const hit = out.get(lastRecv!.at);
        if (hit) hit.discarded = e.reason;
        return;
      }
      if (NETWORK_DROPS.has(e.reason)) return;
      const sent = take(seg, (from) => from !== e.endpoint);
      if (sent !== undefined) out.set(sent, { t: e.t, at, discarded: e.reason });
    }
  });
  return out;
}

function timerSpans(
  list: readonly { t: Instant; endpoint: string; timer: TimerKind; action: string; deadline?: Instant; it: Item }[],
  laneOf: (ep: string) => 0 | 1,
  bottom: number,
  barX: (lane: 0 | 1, timer: TimerKind) => number,
): DiagramTimer[] {
  const out: DiagramTimer[] = [];
  const open = new Map<string, DiagramTimer>();
  for (const e of list) {
    const key = `${e.endpoint}|${e.timer}`;
    const cur = open.get(key);
    const lane = laneOf(e.endpoint);
    if (e.action === 'armed') {
      if (cur) {
        cur.rearmed.push(e.t);
        cur.rearmedY.push(e.it.y);
        if (e.deadline !== undefined) cur.deadline = e.deadline;
        continue;
      }
      const span: DiagramTimer = {
        lane,
        endpoint: e.endpoint,
        timer: e.timer,
        armed: e.t,
        how: 'running',
        rearmed: [],
        x: barX(lane, e.timer),
        y1: e.it.y,
        y2: bottom,
        rearmedY: [],
        ...(e.deadline !== undefined ? { deadline: e.deadline } : {}),
      };
      open.set(key, span);
      out.push(span);
    } else if (cur) {
      open.delete(key);
      cur.end = e.t;
      cur.how = e.action === 'fired' ? 'fired' : 'cancelled';
      cur.y2 = e.it.y;
    }
  }
  // A timer armed and stopped at one instant told nothing.
  return out.filter((s) => s.how === 'running' || s.end !== s.armed);
}

/** What a fold says: '59.95 s idle'. */
export function foldText(f: DiagramFold): string {
  return `${formatDuration(f.to - f.from)} idle`;
}

/** A time for the page: '60,140', or with its fraction where it has one (captures): '12.345'. */
export function timeText(t: number): string {
  const a = Math.round(Math.abs(t) * 1000) / 1000;
  const whole = Math.trunc(a);
  const frac = (a - whole)
    .toFixed(3)
    .slice(1)
    .replace(/\.?0+$/, '');
  return `${t < 0 && a > 0 ? '-' : ''}${formatMs(whole)}${frac}`;
}

/** Times at or past this (ms) are taken for Unix time (a capture) and shown from the first event. */
const EPOCH_LIKE = 1e11;

/** Each lane's first state (ladder.ts initialStates: a listener's lane starts in LISTEN). */
function startStates(
  events: readonly TraceEvent[],
  lanes: readonly [string, string],
): [string | undefined, string | undefined] {
  const [a, b] = initialStates(events, lanes);
  return [a, b];
}
