// What `finack serve` and `finack connect` do with --trace and --verbose.
//
//   --trace FILE.jsonl (or any other name)  every trace event, one JSON object per line, written
//                                            once per event-loop turn
//   --trace FILE.svg | FILE.html            the ladder diagram of each connection (trace/svg.ts,
//                                            trace/html.ts), written when the command ends
//
// A diagram keeps the events in memory until the end, so it holds at most DIAGRAM_EVENTS of them
// (and no payload bytes: only their length); past that it says how many it left out. A JSON Lines
// trace has no such limit, and `finack analyze FILE.jsonl --format svg` draws it afterwards.

import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import type { TraceEvent } from '../trace/events.js';
import { htmlDiagrams } from '../trace/html.js';
import { jsonEvent } from '../trace/json.js';
import { RelativeNumbers } from '../trace/ladder.js';
import { type DiagramRun, svgDiagrams } from '../trace/svg.js';

/** The most events a diagram trace keeps. */
export const DIAGRAM_EVENTS = 20_000;

const NO_BYTES = new Uint8Array(65_536);

export interface TraceOutputIo {
  stderr(text: string): void;
}

/** Trace lines written once per event-loop turn, or a diagram at close; verbose state changes to stderr. */
export class TraceOutput {
  readonly #fd: number | undefined;
  readonly #diagram: { path: string; format: 'svg' | 'html'; events: TraceEvent[]; dropped: number } | undefined;
  readonly #rel = new RelativeNumbers();
  readonly #io: TraceOutputIo;
  readonly #verbose: boolean;
  readonly #title: string;
  #lines: string[] = [];
  #scheduled = false;

  /** Opens (truncates) `path` at once, so a bad path is an error before anything starts. */
  constructor(path: string | undefined, io: TraceOutputIo, verbose: boolean, title = 'finack') {
    const format = path?.endsWith('.svg') ? 'svg' : path?.endsWith('.html') ? 'html' : undefined;
    if (path !== undefined && format !== undefined) {
      writeFileSync(path, '');
      this.#diagram = { path, format, events: [], dropped: 0 };
    } else {
      this.#fd = path === undefined ? undefined : openSync(path, 'w');
    }
    this.#io = io;
    this.#verbose = verbose;
    this.#title = title;
  }

  get active(): boolean {
    return this.#fd !== undefined || this.#diagram !== undefined || this.#verbose;
  }

  sink = (e: TraceEvent): void => {
    if (this.#verbose && e.type === 'state') {
      this.#io.stderr(`finack: ${e.conn} ${e.from} -> ${e.to} (${e.cause})\n`);
    }
    const d = this.#diagram;
    if (d !== undefined) {
      if (d.events.length >= DIAGRAM_EVENTS) d.dropped++;
      else d.events.push(withoutPayload(e));
      return;
    }
    if (this.#fd === undefined) return;
    const j =
      e.type === 'event' ? { t: e.t, endpoint: e.endpoint, type: 'event', event: e.event } : jsonEvent(e, 0, this.#rel);
    if (j === undefined) return;
    this.#lines.push(JSON.stringify({ ...j, conn: e.conn }));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  };

  flush(): void {
    if (this.#fd === undefined || this.#lines.length === 0) return;
    const text = `${this.#lines.join('\n')}\n`;
    this.#lines = [];
    writeSync(this.#fd, text);
  }

  /** Writes what is left: the pending lines, or the diagram. Never throws (says so on stderr). */
  close(): void {
    this.flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    const d = this.#diagram;
    if (d === undefined) return;
    try {
      const runs = runsByConnection(d.events);
      const description =
        d.dropped > 0
          ? `The first ${DIAGRAM_EVENTS.toLocaleString('en-US')} trace events; ${d.dropped.toLocaleString('en-US')} more were left out (a .jsonl trace keeps them all).`
          : undefined;
      const opts = { title: this.#title, ...(description !== undefined ? { description } : {}) };
      writeFileSync(d.path, d.format === 'svg' ? svgDiagrams(runs, opts) : htmlDiagrams(runs, opts));
      if (d.dropped > 0) this.#io.stderr(`finack: --trace ${d.path}: ${description}\n`);
    } catch (err) {
      this.#io.stderr(`finack: --trace ${d.path}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

/** The event with its payload replaced by a view of zeros of the same length (the diagram needs only the length). */
function withoutPayload(e: TraceEvent): TraceEvent {
  if (!('seg' in e) || e.seg === undefined || e.seg.payload.length === 0) return e;
  const n = e.seg.payload.length;
  return { ...e, seg: { ...e.seg, payload: n <= NO_BYTES.length ? NO_BYTES.subarray(0, n) : new Uint8Array(n) } };
}

/** One run per connection, in order of first event; endpoint-level events go with none. */
function runsByConnection(events: readonly TraceEvent[]): DiagramRun[] {
  const byConn = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.conn === '') continue;
    let list = byConn.get(e.conn);
    if (list === undefined) {
      list = [];
      byConn.set(e.conn, list);
    }
    list.push(e);
  }
  return [...byConn].map(([conn, evs], i) => ({ label: `Connection ${i + 1}: ${conn}`, events: evs }));
}
