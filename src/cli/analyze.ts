// `finack analyze <capture>`: the passive observer over a pcap or pcapng file (src/analyze/). It
// streams the file (drivers/capture-file.ts), reports each connection as it finishes (text blocks or
// a JSON document written as it goes) and draws one connection as a ladder, SVG or HTML. A finack
// trace (`serve|connect --trace` JSON Lines, or a `finack demo --format json` document) is drawn
// as it is: its states are in it.

import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CaptureReadError, feedFrame } from '../analyze/analyze.js';
import { CaptureError, looksLikeCapture } from '../analyze/capture.js';
import { CaptureAnalyzer } from '../analyze/observer.js';
import { type ConnectionReport, connectionJson } from '../analyze/report.js';
import { connectionSummary, summaryFooter, summaryHeader } from '../analyze/summary.js';
import { connectionTrace } from '../analyze/to-trace.js';
import { readCaptureFile } from '../drivers/capture-file.js';
import type { TraceEvent } from '../trace/events.js';
import { htmlDiagram } from '../trace/html.js';
import { traceEventsFromJson } from '../trace/json-read.js';
import { terminalLadder } from '../trace/ladder.js';
import { svgDiagram } from '../trace/svg.js';
import { CliUsageError, optionsOrExit, parseDuration } from './args.js';

export interface AnalyzeIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Draw a progress bar on stderr (when it is a terminal). Default: process.stderr.isTTY for the process's own streams, else no. */
  progress?: boolean;
  /** Clock for the progress bar (ms). Default Date.now. */
  now?: () => number;
}

export type AnalyzeFormat = 'text' | 'json' | 'ladder' | 'svg' | 'html';

export interface AnalyzeCliOptions {
  input: string;
  format: AnalyzeFormat;
  /** --conn N: the connection to draw (1-based, as the summary numbers them). */
  conn?: number;
  /** --filter ip:port[,ip:port]: the connection(s) with these ends. */
  filter?: string[];
  msl?: number;
  out?: string;
  ascii: boolean;
  absolute: boolean;
  color: boolean;
  width?: number;
  progress: boolean;
}

export const ANALYZE_HELP = `Usage: finack analyze <capture> [options]

Reads a pcap or pcapng capture (tcpdump, tshark, Wireshark, finack demo --pcap: Ethernet, Linux
cooked SLL/SLL2, raw IP; IPv4 and IPv6) and, as a passive observer, infers both endpoints' TCP
states over time for each connection: who closed first, the kind of close (four-way, three-way,
simultaneous, reset), half-close, retransmitted FINs, a lost final ACK, keepalive probes, states
left at the end of the capture, and which side sits in TIME-WAIT. Where the capture cannot tell,
the report says so. A finack trace (serve/connect --trace JSON Lines, finack demo --format json)
is drawn instead, as it is.

Options:
  --format <f>          text: one block per connection (default); json: { connections: [...] },
                        written as connections finish; ladder, svg, html: a diagram of one
                        connection (--format text with --conn or --filter: the ladder too)
  --conn <n>            the connection to draw, numbered as the summary numbers them (default 1)
  --filter <ends>       the connection between ip:port[,ip:port] ([v6]:port for IPv6)
  --msl <duration>      Maximum Segment Lifetime for the inferred TIME-WAIT: 30s (default, 2MSL =
                        60 s as Linux holds TIME-WAIT), 500ms, 2m or plain ms
  --out <file>          write there instead of stdout
  --ascii               the ladder in plain ASCII
  --absolute            absolute sequence numbers in diagrams (default: relative to each ISN)
  --color               ANSI colours in the ladder
  --width <columns>     ladder width (default 100, at least 80)
  --no-progress         no progress bar (drawn on a terminal's stderr for files taking over 1 s)
  -h, --help            this help

Exit codes: 0 done, 1 unreadable or malformed input (what was read before the fault is still
reported, and the error names its byte offset), 2 usage error.`;

/** Parses the arguments after `analyze`; 'help' for -h/--help. Throws CliUsageError. */
export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeCliOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CliUsageError(
      `${msg.replace(/\. To specify a positional argument.*$/s, '')} (try finack analyze --help)`,
    );
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) {
    throw new CliUsageError(
      parsed.positionals.length === 0
        ? 'analyze needs a capture file (try finack analyze --help)'
        : `one capture at a time, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`,
    );
  }
  const format = v.format ?? 'text';
  if (!['text', 'json', 'ladder', 'svg', 'html'].includes(format)) {
    throw new CliUsageError(`--format must be text, json, ladder, svg or html, got ${JSON.stringify(format)}`);
  }
  const o: AnalyzeCliOptions = {
    input: parsed.positionals[0]!,
    format: format as AnalyzeFormat,
    ascii: v.ascii ?? false,
    absolute: v.absolute ?? false,
    color: v.color ?? false,
    progress: !(v['no-progress'] ?? false),
  };
  if (v.conn !== undefined) o.conn = intOption('conn', v.conn, 1, Number.MAX_SAFE_INTEGER);
  if (v.filter !== undefined) {
    const ends = v.filter.split(',').map((s) => s.trim());
    if (ends.length > 2 || ends.some((e) => parseEnd(e) === undefined)) {
      throw new CliUsageError(`--filter wants ip:port or ip:port,ip:port ([v6]:port), got ${JSON.stringify(v.filter)}`);
    }
    o.filter = ends.map((e) => parseEnd(e)!);
  }
  if (o.conn !== undefined && o.filter !== undefined) throw new CliUsageError('--conn and --filter: one or the other');
  if (v.msl !== undefined) o.msl = parseDuration(v.msl);
  if (v.out !== undefined) o.out = v.out;
  if (v.width !== undefined) o.width = intOption('width', v.width, 80, 1000);
  return o;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      conn: { type: 'string' },
      filter: { type: 'string' },
      msl: { type: 'string' },
      out: { type: 'string' },
      ascii: { type: 'boolean' },
      absolute: { type: 'boolean' },
      color: { type: 'boolean' },
      width: { type: 'string' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function intOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new CliUsageError(`--${name} wants an integer, got ${JSON.stringify(text)}`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new CliUsageError(`--${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

/** 'a.b.c.d:p' or '[v6]:p' in the analyzer's spelling, or undefined. */
function parseEnd(text: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return m[1] !== undefined ? `[${m[1].toLowerCase()}]:${port}` : `${m[2]}:${port}`;
}

/** Does connection (client, server) match the --filter ends? */
function matches(filter: readonly string[], client: string, server: string): boolean {
  if (filter.length === 1) return client === filter[0] || server === filter[0];
  return (client === filter[0] && server === filter[1]) || (client === filter[1] && server === filter[0]);
}

/** Where output goes: stdout, or a file opened once and written as the analysis goes. */
interface Sink {
  write(text: string): void;
  close(): void;
}

function sinkFor(out: string | undefined, io: AnalyzeIo): Sink {
  if (out === undefined) return { write: (t) => io.stdout(t), close: () => {} };
  let fd: number;
  try {
    fd = openSync(out, 'w');
  } catch (err) {
    throw new OutputError(`cannot write --out ${out}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    write: (t) => {
      writeSync(fd, t);
    },
    close: () => closeSync(fd),
  };
}

class OutputError extends Error {}

const DIAGRAMS: ReadonlySet<AnalyzeFormat> = new Set(['ladder', 'svg', 'html']);

/** The first bytes of a file (for telling a capture from a trace), or an error text. */
function head(path: string): Uint8Array | string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  try {
    const buf = new Uint8Array(64);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    closeSync(fd);
  }
}

/** Runs `finack analyze` with the arguments after `analyze`. Exit codes: 0 ok, 1 bad input, 2 usage. */
export async function runAnalyze(argv: readonly string[], io: AnalyzeIo = processIo()): Promise<number> {
  const o = optionsOrExit<AnalyzeCliOptions>(() => parseAnalyzeArgs(argv), ANALYZE_HELP, io);
  if ('exit' in o) return o.exit;
  const first = head(o.input);
  if (typeof first === 'string') {
    io.stderr(`finack: ${o.input}: cannot read: ${first}\n`);
    return 1;
  }
  const firstChar = new TextDecoder().decode(first).trimStart()[0];
  try {
    if (!looksLikeCapture(first)) {
      if (firstChar === '{' || firstChar === '[') return drawTrace(o, io);
      io.stderr(`finack: ${o.input}: not a pcap or pcapng capture, nor a finack trace\n`);
      return 1;
    }
    return await analyzeFile(o, io);
  } catch (err) {
    if (err instanceof OutputError) {
      io.stderr(`finack: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function drawTrace(o: AnalyzeCliOptions, io: AnalyzeIo): number {
  if (o.format === 'json') {
    io.stderr(`finack: ${o.input} is a finack trace: it is drawn (--format text, ladder, svg or html), not analyzed\n`);
    return 1;
  }
  let events: TraceEvent[];
  try {
    events = traceEventsFromJson(readFileSync(o.input, 'utf8'));
  } catch (err) {
    io.stderr(`finack: ${o.input}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const sink = sinkFor(o.out, io);
  try {
    sink.write(draw(events, o, undefined));
  } finally {
    sink.close();
  }
  return 0;
}

function draw(events: readonly TraceEvent[], o: AnalyzeCliOptions, c: ConnectionReport | undefined): string {
  const lanes = c ? (['client', 'server'] as const) : undefined;
  const labels = c ? ([`client ${c.client}`, `server ${c.server}`] as const) : undefined;
  const title = c
    ? `finack analyze ${o.input}: connection ${c.index}, ${c.client} → ${c.server}`
    : `finack trace ${o.input}`;
  const description = c
    ? `${c.closeKind} close${c.closedFirstBy ? `, closed first by the ${c.closedFirstBy}` : ''}${c.findings.length ? `; ${c.findings.join(', ')}` : ''}. States inferred from the capture; receipts placed at the capture time of the segment received.`
    : undefined;
  const common = {
    ...(lanes ? { lanes } : {}),
    ...(labels ? { laneLabels: labels } : {}),
    absolute: o.absolute,
  };
  if (o.format === 'svg') return svgDiagram(events, { ...common, title, ...(description ? { description } : {}) });
  if (o.format === 'html') return htmlDiagram(events, { ...common, title, ...(description ? { description } : {}) });
  return `${terminalLadder(events, { ...common, ascii: o.ascii, color: o.color && !o.ascii, width: o.width ?? 100 })}\n`;
}

async function analyzeFile(o: AnalyzeCliOptions, io: AnalyzeIo): Promise<number> {
  const diagram = DIAGRAMS.has(o.format) || (o.format === 'text' && (o.conn !== undefined || o.filter !== undefined));
  const want = o.conn ?? 1;
  const keepSegments = diagram
    ? o.filter
      ? (_i: number, client: string, server: string) => matches(o.filter!, client, server)
      : (i: number) => i === want
    : undefined;
  const sink = sinkFor(o.out, io);
  let chosen: ConnectionReport | undefined;
  let matched = 0;
  let count = 0;
  let firstJson = true;
  const onConnection = (c: ConnectionReport): void => {
    count++;
    if (diagram) {
      if (c.detail && (chosen === undefined || c.index < chosen.index)) chosen = c;
      if (c.detail) matched++;
      return;
    }
    if (o.format === 'json') {
      sink.write(`${firstJson ? '' : ','}\n${JSON.stringify(connectionJson(c))}`);
      firstJson = false;
    } else sink.write(`${connectionSummary(c)}\n`);
  };
  const analyzer = new CaptureAnalyzer({
    ...(o.msl !== undefined ? { msl: o.msl } : {}),
    onConnection,
    ...(keepSegments ? { keepSegments } : {}),
  });
  if (!diagram) sink.write(o.format === 'json' ? '{"connections":[' : summaryHeader(o.input));
  const bar = progressBar(o, io, () => analyzer.held + count);
  let error: CaptureReadError | undefined;
  try {
    await readCaptureFile(o.input, (p) => feedFrame(analyzer, p), { onProgress: bar.update });
  } catch (err) {
    if (!(err instanceof CaptureError)) {
      bar.done();
      sink.close();
      throw err;
    }
    error = { code: err.code, offset: err.offset, message: err.message };
  }
  bar.done();
  const totals = analyzer.finish();
  try {
    if (diagram) {
      if (chosen) sink.write(draw(connectionTrace(chosen), o, chosen));
    } else if (o.format === 'json') {
      const { connections: _rest, ...rest } = totals;
      const tail = JSON.stringify({ ...rest, ...(error ? { error } : {}) });
      sink.write(`${firstJson ? '' : '\n'}],${tail.slice(1)}\n`);
    } else sink.write(summaryFooter(totals, count));
  } finally {
    sink.close();
  }
  if (error) {
    io.stderr(
      `finack: ${error.message}; ${count} connection${count === 1 ? '' : 's'} reported from what was read before it\n`,
    );
    return 1;
  }
  if (diagram && !chosen) {
    io.stderr(
      o.filter
        ? `finack: no connection between ${o.filter.join(' and ')} in ${o.input}\n`
        : `finack: no connection ${want} in ${o.input} (it has ${count})\n`,
    );
    return 1;
  }
  if (diagram && matched > 1) io.stderr(`finack: ${matched} connections match; drawn: connection ${chosen!.index}\n`);
  return 0;
}

/** A progress bar on stderr: only on a terminal, only once the file has taken a second, ~10 redraws a second. */
function progressBar(
  o: AnalyzeCliOptions,
  io: AnalyzeIo,
  connections: () => number,
): { update: (read: number, total: number) => void; done: () => void } {
  const on = o.progress && (io.progress ?? false);
  const now = io.now ?? Date.now;
  const start = now();
  let last = 0;
  let drawn = false;
  return {
    update: (read, total) => {
      if (!on) return;
      const t = now();
      if (t - start < 1000 || t - last < 100) return;
      last = t;
      drawn = true;
      const frac = total > 0 ? Math.min(1, read / total) : 0;
      const w = 30;
      const full = Math.round(frac * w);
      io.stderr(
        `\r\x1b[Kanalyzing [${'#'.repeat(full)}${'.'.repeat(w - full)}] ${(frac * 100).toFixed(0)}% ` +
          `${mib(read)} of ${mib(total)} MiB, ${connections()} connections`,
      );
    },
    done: () => {
      if (drawn) io.stderr('\r\x1b[K');
    },
  };
}

function mib(n: number): string {
  return (n / 1024 / 1024).toFixed(n >= 100 * 1024 * 1024 ? 0 : 1);
}

function processIo(): AnalyzeIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    progress: process.stderr.isTTY === true,
  };
}
