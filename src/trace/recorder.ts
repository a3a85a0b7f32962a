// TraceRecorder: a TraceSink that keeps every event, in arrival order, with named marks so a test or a
// tool can ask for "what happened since X". No clock of its own: a mark takes the time it is given, or
// the time of the last event recorded.

import type { Instant } from '../core/time.js';
import type { TraceEvent, TraceSink } from './events.js';

export type TraceEventType = TraceEvent['type'];

/** A named position in the recording: events recorded after it, and the time it was placed at. */
export interface TraceMark {
  name: string;
  /** Index of the first event recorded after the mark. */
  index: number;
  t: Instant;
}

export interface TraceFilter {
  endpoint?: string;
  conn?: string;
  type?: TraceEventType | readonly TraceEventType[];
  /** Only events recorded after this mark (a name given to mark()). */
  since?: string;
}

export interface TraceRecorderOptions {
  /** Where mark() takes its time when none is given (e.g. `() => sim.now`). */
  now?: () => Instant;
  /** Every event is also passed on to this sink. */
  forward?: TraceSink;
}

export class TraceRecorder {
  readonly events: TraceEvent[] = [];
  readonly #marks = new Map<string, TraceMark>();
  readonly #now: (() => Instant) | undefined;
  readonly #forward: TraceSink | undefined;

  /** The sink to hand to a Connection, Endpoint or SimNetwork. Bound: it can be passed around alone. */
  readonly sink: TraceSink = (ev) => {
    this.events.push(ev);
    this.#forward?.(ev);
  };

  constructor(opts: TraceRecorderOptions = {}) {
    this.#now = opts.now;
    this.#forward = opts.forward;
  }

  /** Places (or moves) a mark after the last event recorded so far, and returns it. */
  mark(name: string, t?: Instant): TraceMark {
    const at = t ?? this.#now?.() ?? this.events[this.events.length - 1]?.t ?? 0;
    const m: TraceMark = { name, index: this.events.length, t: at };
    this.#marks.set(name, m);
    return m;
  }

  /** The mark of that name; throws a RangeError naming the known marks if there is none. */
  getMark(name: string): TraceMark {
    const m = this.#marks.get(name);
    if (!m)
      throw new RangeError(`no trace mark ${JSON.stringify(name)} (marks: ${[...this.#marks.keys()].join(', ')})`);
    return m;
  }

  hasMark(name: string): boolean {
    return this.#marks.has(name);
  }

  /** Events recorded after the mark. */
  since(mark: string): TraceEvent[] {
    return this.events.slice(this.getMark(mark).index);
  }

  byEndpoint(endpoint: string): TraceEvent[] {
    return this.events.filter((e) => e.endpoint === endpoint);
  }

  byType<K extends TraceEventType>(type: K): Extract<TraceEvent, { type: K }>[] {
    return this.events.filter((e): e is Extract<TraceEvent, { type: K }> => e.type === type);
  }

  /** Every criterion given must hold. */
  filter(f: TraceFilter): TraceEvent[] {
    const from = f.since === undefined ? 0 : this.getMark(f.since).index;
    const types = f.type === undefined ? undefined : typeof f.type === 'string' ? [f.type] : f.type;
    const out: TraceEvent[] = [];
    for (let i = from; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (f.endpoint !== undefined && e.endpoint !== f.endpoint) continue;
      if (f.conn !== undefined && e.conn !== f.conn) continue;
      if (types && !types.includes(e.type)) continue;
      out.push(e);
    }
    return out;
  }

  /**
   * The states one endpoint went through, starting with the state it left first:
   * e.g. ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED'].
   */
  states(endpoint: string, f: Omit<TraceFilter, 'endpoint' | 'type'> = {}): string[] {
    const out: string[] = [];
    for (const e of this.filter({ ...f, endpoint, type: 'state' })) {
      if (e.type !== 'state') continue;
      if (out.length === 0) out.push(e.from);
      out.push(e.to);
    }
    return out;
  }

  /** Time of the first state change of `endpoint` into `state` (after the mark, if given). */
  enteredAt(endpoint: string, state: string, since?: string): Instant | undefined {
    for (const e of this.filter({ endpoint, type: 'state', since })) {
      if (e.type === 'state' && e.to === state) return e.t;
    }
    return undefined;
  }

  clear(): void {
    this.events.length = 0;
    this.#marks.clear();
  }
}
