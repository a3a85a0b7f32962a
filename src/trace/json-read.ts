// Trace events read back from JSON: the document `finack demo --format json` prints
// (`{ scenario, mslMs, events, runs? }`, json.ts) and the JSON Lines `finack serve|connect --trace`
// writes (one json.ts event per line, with its `conn`; ConnEvents as `{ type: 'event', event }`).
//
// What the JSON leaves out is rebuilt as well as it can be: segments get zero-filled payloads of the
// right length (SEG.LEN less SYN and FIN) and no options; ports come from the event's conn
// ('local:port>remote:port') where there is one, otherwise each endpoint gets a stand-in port (1, 2, ...
// in order of appearance), so segments still match between sender and receiver.
//
// Bad input throws TraceReadError naming the line (1-based) and, for a document, the event's index.

import type { ConnEvent } from '../core/events.js';
import { TcpState, type TcpStateName } from '../core/state.js';
import type { Instant } from '../core/time.js';
import { TIMER_KINDS, type TimerKind } from '../core/timers.js';
import { ACK, FIN, makeSegment, parseCtl, type Segment, SYN } from '../wire/segment.js';
import type { DropReason, TraceEvent } from './events.js';

export type TraceReadErrorCode =
  /** Not JSON at all, or a line of JSON Lines that is not. */
  | 'ERR_TRACE_SYNTAX'
  /** JSON, but not a trace: a missing or mistyped field, an unknown state or timer. */
  | 'ERR_TRACE_INVALID';

export class TraceReadError extends Error {
  readonly code: TraceReadErrorCode;
  /** 1-based line of the input the problem is on. */
  readonly line: number;
  /** Index of the event in the document's (or run's) events, when the input is a document. */
  readonly index: number | undefined;
  constructor(code: TraceReadErrorCode, line: number, detail: string, index?: number, options?: { cause?: unknown }) {
    super(`line ${line}${index !== undefined ? `, event ${index}` : ''}: ${detail}`, options);
    this.name = 'TraceReadError';
    this.code = code;
    this.line = line;
    this.index = index;
  }
}

/** One run of a trace document (a JSON Lines file is one run). */
export interface TraceRun {
  label: string;
  events: TraceEvent[];
}

/** The trace events of a demo document (its first run) or of a --trace JSON Lines file. */
export function traceEventsFromJson(text: string): TraceEvent[] {
  return traceRunsFromJson(text)[0]?.events ?? [];
}

/** Every run: a document's `runs` when it has them, else its `events`; a JSON Lines file as one run. */
export function traceRunsFromJson(text: string): TraceRun[] {
  const doc = wholeDocument(text);
  if (doc !== undefined) {
    const runs = doc.runs;
    if (Array.isArray(runs) && runs.length > 0) {
      return runs.map((r, i) => {
        if (!isObject(r) || !Array.isArray(r.events)) {
          throw new TraceReadError('ERR_TRACE_INVALID', 1, `runs[${i}] is not { label, events: [...] }`);
        }
        return { label: typeof r.label === 'string' ? r.label : `run ${i + 1}`, events: readList(r.events, () => 1) };
      });
    }
    const lineOf = lineFinder(text);
    return [
      {
        label: typeof doc.scenario === 'string' ? doc.scenario : 'trace',
        events: readList(doc.events as unknown[], lineOf),
      },
    ];
  }
  return [{ label: 'trace', events: readLines(text) }];
}

/** The input as one JSON document with an `events` array, or undefined when it is JSON Lines. */
function wholeDocument(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    if (trimmed === '') return undefined;
    throw new TraceReadError(
      'ERR_TRACE_SYNTAX',
      1,
      'expected a JSON object (a trace document or JSON Lines of events)',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    // More than one line of JSON, or broken: read as JSON Lines, which names the bad line.
    return undefined;
  }
  if (isObject(value) && Array.isArray(value.events)) return value;
  return undefined;
}

/** For a document: the line each event starts on, found by counting lines up to its index (approximate for one-line JSON: 1). */
function lineFinder(text: string): (i: number) => number {
  const lines = text.split('\n');
  if (lines.length <= 2) return () => 1;
  // A pretty-printed document: events start on lines opening with '{' inside the events array.
  const starts: number[] = [];
  let inEvents = false;
  lines.forEach((l, n) => {
    if (/"events"\s*:\s*\[/.test(l)) inEvents = true;
    else if (inEvents && /^\s*\{/.test(l)) starts.push(n + 1);
  });
  return (i) => starts[i] ?? 1;
}

function readList(list: readonly unknown[], lineOf: (i: number) => number): TraceEvent[] {
  const ctx = new Context();
  for (const v of list) ctx.scan(v);
  return list.map((v, i) => ctx.read(v, lineOf(i), i));
}

function readLines(text: string): TraceEvent[] {
  const ctx = new Context();
  const parsed: { value: unknown; line: number }[] = [];
  text.split('\n').forEach((raw, n) => {
    const l = raw.trim();
    if (l === '') return;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch (err) {
      throw new TraceReadError(
        'ERR_TRACE_SYNTAX',
        n + 1,
        `not JSON: ${err instanceof Error ? err.message : String(err)}`,
        undefined,
        { cause: err },
      );
    }
    ctx.scan(value);
    parsed.push({ value, line: n + 1 });
  });
  return parsed.map((p) => ctx.read(p.value, p.line));
}

const STATES = new Set<string>(Object.values(TcpState));
const TIMERS = new Set<string>(TIMER_KINDS);
const ACTIONS = new Set(['armed', 'fired', 'cancelled']);
/** Losses the simulator traces in the sender's name; every other drop is the receiver's. */
const NETWORK_DROPS = new Set(['link-loss', 'fault', 'partition', 'mtu']);

/** What reading needs to know about the whole trace: the endpoints, for stand-in ports. */
class Context {
  readonly #endpoints: string[] = [];

  scan(v: unknown): void {
    if (isObject(v) && typeof v.endpoint === 'string' && v.endpoint && !this.#endpoints.includes(v.endpoint)) {
      this.#endpoints.push(v.endpoint);
    }
  }

  /** Ports of a segment `from` sent (outgoing) or `at` received, from conn or stand-ins. */
  #ports(endpoint: string, conn: string, outgoing: boolean): { srcPort: number; dstPort: number } {
    const m = /:(\d+)>.*:(\d+)$/.exec(conn);
    if (m) {
      const local = Number(m[1]);
      const remote = Number(m[2]);
      return outgoing ? { srcPort: local, dstPort: remote } : { srcPort: remote, dstPort: local };
    }
    const i = this.#endpoints.indexOf(endpoint);
    const me = i + 1;
    const peer = i === 0 ? 2 : 1;
    return outgoing ? { srcPort: me, dstPort: peer } : { srcPort: peer, dstPort: me };
  }

  read(v: unknown, line: number, index?: number): TraceEvent {
    const bad = (what: string): never => {
      throw new TraceReadError('ERR_TRACE_INVALID', line, what, index);
    };
    if (!isObject(v)) return bad('an event must be a JSON object');
    const t = v.t;
    if (typeof t !== 'number' || !Number.isFinite(t)) return bad('t must be a number (ms)');
    if (typeof v.endpoint !== 'string') return bad('endpoint must be a string');
    const conn = v.conn === undefined ? '' : v.conn;
    if (typeof conn !== 'string') return bad('conn must be a string');
    const base = { t: t as Instant, endpoint: v.endpoint, conn };
    switch (v.type) {
      case 'state': {
        if (typeof v.from !== 'string' || !STATES.has(v.from)) return bad(`unknown state ${JSON.stringify(v.from)}`);
        if (typeof v.to !== 'string' || !STATES.has(v.to)) return bad(`unknown state ${JSON.stringify(v.to)}`);
        const cause = typeof v.cause === 'string' ? v.cause : '';
        return { ...base, type: 'state', from: v.from as TcpStateName, to: v.to as TcpStateName, cause };
      }
      case 'send':
      case 'recv': {
        if (!isObject(v.seg)) return bad(`a ${v.type} needs seg`);
        const ports = this.#ports(v.endpoint, conn, v.type === 'send');
        const { seg, relSeq, relAck } = readSegment(v.seg, ports, bad);
        return { ...base, type: v.type, seg, relSeq, relAck };
      }
      case 'drop': {
        if (typeof v.reason !== 'string' || v.reason === '') return bad('a drop needs a reason');
        const reason = v.reason as DropReason;
        if (v.seg === undefined) return { ...base, type: 'drop', reason };
        if (!isObject(v.seg)) return bad('seg must be an object');
        const ports = this.#ports(v.endpoint, conn, NETWORK_DROPS.has(reason));
        const { seg, relSeq, relAck } = readSegment(v.seg, ports, bad);
        return { ...base, type: 'drop', reason, seg, relSeq, relAck };
      }
      case 'timer': {
        if (typeof v.timer !== 'string' || !TIMERS.has(v.timer)) return bad(`unknown timer ${JSON.stringify(v.timer)}`);
        if (typeof v.action !== 'string' || !ACTIONS.has(v.action))
          return bad(`timer action must be armed, fired or cancelled, got ${JSON.stringify(v.action)}`);
        if (v.deadline !== undefined && (typeof v.deadline !== 'number' || !Number.isFinite(v.deadline)))
          return bad('deadline must be a number');
        return {
          ...base,
          type: 'timer',
          timer: v.timer as TimerKind,
          action: v.action as 'armed' | 'fired' | 'cancelled',
          ...(v.deadline !== undefined ? { deadline: v.deadline as Instant } : {}),
        };
      }
      case 'event': {
        if (!isObject(v.event) || typeof v.event.type !== 'string') return bad('an event entry needs event: { type }');
        return { ...base, type: 'event', event: v.event as unknown as ConnEvent };
      }
      default:
        return bad(`unknown event type ${JSON.stringify(v.type)}`);
    }
  }
}

function readSegment(
  j: Record<string, unknown>,
  ports: { srcPort: number; dstPort: number },
  bad: (what: string) => never,
): { seg: Segment; relSeq: number; relAck: number } {
  if (!Array.isArray(j.flags) || !j.flags.every((f) => typeof f === 'string'))
    return bad('seg.flags must be a list of names');
  let flags: number;
  try {
    flags = parseCtl(j.flags.join(','));
  } catch {
    return bad(`unknown control bit in ${JSON.stringify(j.flags)}`);
  }
  const u32 = (name: string): number => {
    const n = j[name];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffff_ffff)
      return bad(`seg.${name} must be a 32-bit unsigned integer`);
    return n;
  };
  const int = (name: string): number => {
    const n = j[name];
    if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`seg.${name} must be an integer`);
    return n;
  };
  const seq = u32('seq');
  const ack = u32('ack');
  const len = int('len');
  const win = int('win');
  if (win < 0 || win > 0xffff) return bad('seg.win must be in [0, 65535]');
  const payload = len - (flags & SYN ? 1 : 0) - (flags & FIN ? 1 : 0);
  if (payload < 0) return bad(`seg.len ${len} is less than its SYN and FIN count`);
  const relSeq = j.relSeq === undefined ? seq : int('relSeq');
  const relAck = j.relAck === undefined ? (flags & ACK ? ack : 0) : int('relAck');
  const seg = makeSegment({ ...ports, seq, ack, flags, wnd: win, payload: new Uint8Array(payload) });
  return { seg, relSeq, relAck };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
