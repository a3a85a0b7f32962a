// `finack ss` (alias `finack connections`): the connection tables of running finack instances, read
// over their control sockets (drivers/control.ts), printed on our own stdout like `ss -tanopi`.
// Nothing is ever signalled. Pure parts (parseSsArgs, filterRows, formatTable, formatTimer) are
// exported for tests; runSs does the I/O.

import { existsSync, lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TcpState, type TcpStateName } from '../core/state.js';
import { type EndpointStats, formatStats } from '../core/stats.js';
import {
  CONTROL_VERSION,
  ControlError,
  type ControlInstanceInfo,
  type ControlRow,
  controlDir,
  controlRequest,
  controlSocketPid,
} from '../drivers/control.js';
import { CliUsageError, optionsOrExit, parseDuration } from './args.js';

export interface SsIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Clear the screen before each --watch refresh (default: no). */
  clear?: boolean;
  /** Stop --watch on SIGINT (default: no; true for the process's own streams). */
  signals?: boolean;
  /** Aborting it stops --watch (tests). */
  signal?: AbortSignal;
}

export const SS_HELP = `Usage: finack ss [options]     (also: finack connections)

The connection tables of the running finack instances (serve, connect, or any program that calls
serveControl), read over their control sockets in the runtime directory ($XDG_RUNTIME_DIR/finack/,
/run/finack/ for root, else <tmpdir>/finack-<uid>/), printed like \`ss -tanopi\`: state, Recv-Q,
Send-Q, local and peer address, process, timer (name, time left, backoffs or probes), then per
connection rto, rtt/rttvar (ms), mss, cwnd (segments), ssthresh, bytes acked and received,
retransmits (current backoffs/total). No process is ever signalled.

Options:
  --pid <pid>            only this instance (an error, exit 1, if it is not a finack instance)
  --state <name>         only rows in this state; may be repeated or comma-separated:
                         established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed,
                         close-wait, last-ack, listen, closing, or a group: all, connected,
                         synchronized, bucket, big (as ss(8) defines them)
  --list                 the instances only: pid, name, addresses, connections, uptime, socket
  --stats                the host's counters too (nstat-style, TcpInSegs ...)
  --json                 one JSON object per snapshot: { v, instances: [{ info, socket, rows, stats? }] }
  --watch [interval]     refresh every interval (default 1s) until Ctrl-C, like watch ss
  --watch-count <n>      stop --watch after n refreshes
  --dir <path>           the runtime directory to look in (default as above)
  -h, --help             this help

A socket whose process is gone (connection refused) is stale and is removed.`;

export interface SsOptions {
  pid: number | undefined;
  states: ReadonlySet<TcpStateName> | undefined;
  list: boolean;
  stats: boolean;
  json: boolean;
  /** Refresh interval (ms) for --watch. */
  watch: number | undefined;
  watchCount: number | undefined;
  dir: string | undefined;
}

const ALL: readonly TcpStateName[] = Object.values(TcpState);
const without = (drop: readonly TcpStateName[]): TcpStateName[] => ALL.filter((s) => !drop.includes(s));

/** ss(8)'s state names and groups, plus finack's RFC spellings (matched case-insensitively). */
export const STATE_FILTERS: Readonly<Record<string, readonly TcpStateName[]>> = {
  established: ['ESTABLISHED'],
  estab: ['ESTABLISHED'],
  'syn-sent': ['SYN-SENT'],
  'syn-recv': ['SYN-RECEIVED'],
  'syn-received': ['SYN-RECEIVED'],
  'fin-wait-1': ['FIN-WAIT-1'],
  'fin-wait-2': ['FIN-WAIT-2'],
  'time-wait': ['TIME-WAIT'],
  closed: ['CLOSED'],
  'close-wait': ['CLOSE-WAIT'],
  'last-ack': ['LAST-ACK'],
  listen: ['LISTEN'],
  listening: ['LISTEN'],
  closing: ['CLOSING'],
  all: ALL,
  connected: without(['LISTEN', 'CLOSED']),
  synchronized: without(['LISTEN', 'CLOSED', 'SYN-SENT']),
  bucket: ['SYN-RECEIVED', 'TIME-WAIT'],
  big: without(['SYN-RECEIVED', 'TIME-WAIT']),
};

/** `--state` values -> the set of states they name. */
export function parseStates(values: readonly string[]): Set<TcpStateName> {
  const out = new Set<TcpStateName>();
  for (const v of values.flatMap((x) => x.split(','))) {
    const names = STATE_FILTERS[v.trim().toLowerCase()];
    if (names === undefined) {
      throw new CliUsageError(
        `unknown state ${JSON.stringify(v)}; valid: ${Object.keys(STATE_FILTERS).join(', ')} (try finack ss --help)`,
      );
    }
    for (const n of names) out.add(n);
  }
  return out;
}

/** argv after `ss` -> options, or 'help'. Throws CliUsageError. */
export function parseSsArgs(argv: readonly string[]): SsOptions | 'help' {
  // --watch takes an optional interval: give it the default when the next word is not one.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--watch' && (next === undefined || next.startsWith('-'))) args.push('--watch=1s');
    else args.push(a);
  }
  let parsed: ReturnType<typeof parseSsArgv>;
  try {
    parsed = parseSsArgv(args);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CliUsageError(`ss: ${msg.replace(/\. To specify a positional argument.*$/s, '')} (try finack ss --help)`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length > 0) {
    throw new CliUsageError(`ss takes no arguments, got ${parsed.positionals.join(' ')} (try finack ss --help)`);
  }
  const int = (name: string, text: string, min: number, max: number): number => {
    const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    if (!(n >= min && n <= max))
      throw new CliUsageError(`--${name} wants an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
    return n;
  };
  const watch = v.watch === undefined ? undefined : parseDuration(v.watch);
  if (watch !== undefined && watch < 100) throw new CliUsageError('--watch interval must be at least 100ms');
  const watchCount = v['watch-count'] === undefined ? undefined : int('watch-count', v['watch-count'], 1, 1e9);
  if (watchCount !== undefined && watch === undefined) throw new CliUsageError('--watch-count needs --watch');
  return {
    pid: v.pid === undefined ? undefined : int('pid', v.pid, 1, 2 ** 31 - 1),
    states: v.state === undefined ? undefined : parseStates(v.state),
    list: v.list ?? false,
    stats: v.stats ?? false,
    json: v.json ?? false,
    watch,
    watchCount,
    dir: v.dir,
  };
}

function parseSsArgv(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      pid: { type: 'string' },
      state: { type: 'string', multiple: true },
      list: { type: 'boolean' },
      stats: { type: 'boolean' },
      json: { type: 'boolean' },
      watch: { type: 'string' },
      'watch-count': { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export function filterRows<R extends { state: TcpStateName }>(
  rows: readonly R[],
  states: ReadonlySet<TcpStateName> | undefined,
): R[] {
  return states === undefined ? [...rows] : rows.filter((r) => states.has(r.state));
}

/** A time left as ss prints it: 200ms, 1.500ms (1.5 s), 59sec, 2min5sec, 12min. */
export function ssTime(ms: number): string {
  let msecs = Math.max(0, Math.round(ms));
  const minutes = Math.floor(msecs / 60_000);
  let secs = Math.floor(msecs / 1000) % 60;
  msecs %= 1000;
  let out = '';
  if (minutes > 0) {
    msecs = 0;
    out += `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs > 0) {
    if (secs > 9) msecs = 0;
    out += `${secs}${msecs > 0 ? '.' : 'sec'}`;
  }
  if (msecs > 0) out += secs > 0 ? `${String(msecs).padStart(3, '0')}ms` : `${msecs}ms`;
  return out === '' ? '0ms' : out;
}

const TIMER_NAMES: Record<string, string> = {
  retransmit: 'on',
  persist: 'persist',
  'delayed-ack': 'delack',
  keepalive: 'keepalive',
  'fin-wait-2': 'timewait', // Linux shows its FIN-WAIT-2 timeout as timewait too
  'time-wait': 'timewait',
  'user-timeout': 'usertimeout',
};

/** `timer:(on,200ms,2)`: ss's name, time left, and backoffs (retransmit, persist) or probes (keepalive). */
export function formatTimer(row: ControlRow): string {
  if (row.timer === undefined) return '';
  const kind = row.timer.kind;
  // The endpoint's own count (retransmissions so far, probes unanswered), else the connection info's.
  const count =
    row.timer.count ??
    (kind === 'retransmit' || kind === 'persist'
      ? (row.info?.backoffs ?? 0)
      : kind === 'keepalive'
        ? (row.info?.keepaliveProbes ?? 0)
        : 0);
  return `timer:(${TIMER_NAMES[kind] ?? kind},${ssTime(row.timer.remaining)},${count})`;
}

/** The `ss -i` line of a connection's details. */
export function formatInfo(row: ControlRow): string {
  const i = row.info;
  if (i === undefined) return '';
  const parts: string[] = [];
  if (i.timestamps) parts.push('ts');
  if (i.sack) parts.push('sack');
  if (i.wscale) parts.push(`wscale:${i.wscale.snd},${i.wscale.rcv}`);
  parts.push(`rto:${i.rto}`);
  if (i.rtt !== undefined) parts.push(`rtt:${i.rtt}/${i.rttvar ?? 0}`);
  parts.push(`mss:${i.mss}`, `cwnd:${i.mss > 0 ? Math.floor(i.cwnd / i.mss) : i.cwnd}`);
  if (i.ssthresh !== undefined) parts.push(`ssthresh:${i.mss > 0 ? Math.floor(i.ssthresh / i.mss) : i.ssthresh}`);
  parts.push(`bytes_acked:${i.bytesAcked}`, `bytes_received:${i.bytesReceived}`);
  parts.push(`snd_wnd:${i.sndWnd}`, `rcv_wnd:${i.rcvWnd}`);
  if (i.retransmits > 0 || i.backoffs > 0) parts.push(`retrans:${i.backoffs}/${i.retransmits}`);
  if (i.inRecovery) parts.push('recovery');
  return parts.join(' ');
}

function addr(a: { addr: string; port: number } | null): string {
  if (a === null) return '*:*';
  const host = a.addr.includes(':') ? `[${a.addr}]` : a.addr;
  return `${host}:${a.port === 0 ? '*' : a.port}`;
}

/** One instance's rows as the table shows them. */
export interface TableGroup {
  pid: number;
  name: string;
  rows: readonly ControlRow[];
}

/** The table of every group, like `ss -tanopi`: one line per row, then its details indented. */
export function formatTable(groups: readonly TableGroup[]): string {
  const head = ['State', 'Recv-Q', 'Send-Q', 'Local Address:Port', 'Peer Address:Port', 'Process'];
  const lines: string[][] = [];
  const details: string[] = [];
  for (const g of groups) {
    for (const r of g.rows) {
      lines.push([
        r.state,
        String(r.recvQ),
        String(r.sendQ),
        addr(r.local),
        addr(r.remote),
        // An orphan (closed by the application, still finishing its close) belongs to no user in
        // Linux's ss; here it is still the instance's, and says so.
        `${r.orphan ? 'orphan of ' : ''}${g.name},pid=${g.pid}`,
        formatTimer(r),
      ]);
      details.push(formatInfo(r));
    }
  }
  const width = head.map((h, c) => Math.max(h.length, ...lines.map((l) => (l[c] as string).length)));
  const right = new Set([1, 2]);
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => {
        const w = width[c];
        if (w === undefined) return cell;
        return right.has(c) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const out = [render(head)];
  for (const [k, l] of lines.entries()) {
    out.push(render(l));
    const d = details[k] as string;
    if (d !== '') out.push(`\t ${d}`);
  }
  return `${out.join('\n')}\n`;
}

/** One running instance found in the runtime directory. */
export interface InstanceRef {
  pid: number;
  socket: string;
}

/** The control sockets in `dir` (none if it does not exist), by pid. */
export function listSockets(dir: string): InstanceRef[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: InstanceRef[] = [];
  for (const n of names) {
    const pid = controlSocketPid(n);
    if (pid === undefined) continue;
    const socket = join(dir, n);
    try {
      if (!lstatSync(socket).isSocket()) continue;
    } catch {
      continue;
    }
    out.push({ pid, socket });
  }
  // <pid>.sock before <pid>-2.sock before <pid>-10.sock.
  const nth = (r: InstanceRef): number => Number(/-(\d+)\.sock$/.exec(r.socket)?.[1] ?? 1);
  return out.sort((a, b) => a.pid - b.pid || nth(a) - nth(b));
}

export interface InstanceSnapshot {
  socket: string;
  info: ControlInstanceInfo;
  rows: ControlRow[];
  stats?: EndpointStats;
}

type Probe = { ok: true; snap: InstanceSnapshot } | { ok: false; stale: boolean; message: string };

function errCode(err: unknown): string | undefined {
  return err instanceof ControlError ? err.code : (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Reads one instance; a refused connection means the socket is stale, and it is removed. */
export async function probe(ref: InstanceRef, opts: { stats: boolean; timeoutMs?: number }): Promise<Probe> {
  try {
    const t = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
    const info = await controlRequest(ref.socket, { op: 'info' }, t);
    const rows = await controlRequest(ref.socket, { op: 'rows' }, t);
    const stats = opts.stats ? await controlRequest(ref.socket, { op: 'stats' }, t) : undefined;
    if (info.op !== 'info' || rows.op !== 'rows' || (stats !== undefined && stats.op !== 'stats')) {
      return { ok: false, stale: false, message: `${ref.socket}: answers out of order` };
    }
    const snap: InstanceSnapshot = { socket: ref.socket, info: info.info, rows: rows.rows };
    if (stats?.op === 'stats') snap.stats = stats.stats;
    return { ok: true, snap };
  } catch (err) {
    const code = errCode(err);
    if (code === 'ECONNREFUSED' || code === 'ENOENT') {
      try {
        if (lstatSync(ref.socket).isSocket()) unlinkSync(ref.socket);
      } catch {
        // gone already
      }
      return {
        ok: false,
        stale: true,
        message: `removed the stale control socket ${ref.socket} (process ${ref.pid} is gone)`,
      };
    }
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, stale: false, message: `process ${ref.pid} (${ref.socket}): ${code ? `${code}: ` : ''}${msg}` };
  }
}

function processExists(pid: number): boolean | undefined {
  if (!existsSync('/proc/self')) return undefined;
  return existsSync(`/proc/${pid}`);
}

/** Error for a --pid without a usable control socket (exit 1). */
class NotAnInstance extends Error {}

function notAnInstance(pid: number, dir: string, stale: boolean): NotAnInstance {
  if (stale)
    return new NotAnInstance(`process ${pid} is not a running finack instance (its stale control socket was removed)`);
  const alive = processExists(pid);
  if (alive === false) return new NotAnInstance(`no process ${pid} (and no finack control socket for it in ${dir})`);
  return new NotAnInstance(
    `process ${pid} is not a finack instance: no control socket for it in ${dir} (nothing was sent to it)`,
  );
}

/** One refresh: the snapshots of the selected instances, and notes for stderr. */
async function collect(o: SsOptions, dir: string): Promise<{ snaps: InstanceSnapshot[]; notes: string[] }> {
  const refs = listSockets(dir).filter((r) => o.pid === undefined || r.pid === o.pid);
  if (o.pid !== undefined && refs.length === 0) throw notAnInstance(o.pid, dir, false);
  const probes = await Promise.all(refs.map((r) => probe(r, { stats: o.stats })));
  const snaps: InstanceSnapshot[] = [];
  const notes: string[] = [];
  for (const p of probes) {
    if (p.ok) snaps.push(p.snap);
    else notes.push(p.message);
  }
  if (o.pid !== undefined && snaps.length === 0) {
    const stale = probes.every((p) => !p.ok && p.stale);
    if (stale) throw notAnInstance(o.pid, dir, true);
    throw new NotAnInstance(notes.join('; '));
  }
  return { snaps, notes };
}

function fmtUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** `--list`: one line per instance. */
export function formatInstances(snaps: readonly InstanceSnapshot[]): string {
  const head = ['PID', 'Name', 'Addresses', 'Rows', 'Uptime', 'Control socket'];
  const lines = snaps.map((s) => [
    String(s.info.pid),
    s.info.name,
    s.info.addresses.join(',') || '-',
    String(s.rows.length),
    fmtUptime(s.info.uptimeMs),
    s.socket,
  ]);
  const width = head.map((h, c) => Math.max(h.length, ...lines.map((l) => (l[c] as string).length)));
  const render = (cells: string[]): string =>
    cells
      .map((x, c) => x.padEnd(width[c] as number))
      .join('  ')
      .trimEnd();
  return `${[render(head), ...lines.map(render)].join('\n')}\n`;
}

/** The text (or JSON line) of one refresh. */
export function render(snaps: readonly InstanceSnapshot[], o: SsOptions): string {
  const selected = snaps.map((s) => ({ ...s, rows: filterRows(s.rows, o.states) }));
  if (o.json) {
    return `${JSON.stringify({
      v: CONTROL_VERSION,
      instances: selected.map((s) => ({
        info: s.info,
        socket: s.socket,
        rows: s.rows,
        ...(s.stats ? { stats: s.stats } : {}),
      })),
    })}\n`;
  }
  if (o.list) return formatInstances(snaps);
  let text = formatTable(selected.map((s) => ({ pid: s.info.pid, name: s.info.name, rows: s.rows })));
  if (o.stats) {
    for (const s of selected) {
      if (s.stats) text += `\n#${s.info.name} pid ${s.info.pid}\n${formatStats(s.stats)}`;
    }
  }
  return text;
}

function processIo(): SsIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    clear: process.stdout.isTTY === true,
    signals: true,
  };
}

/** `finack ss`. Exit codes: 0 ok, 1 not an instance / unreachable, 2 usage error. */
export async function runSs(argv: readonly string[], io: SsIo = processIo()): Promise<number> {
  const o = optionsOrExit<SsOptions>(() => parseSsArgs(argv), SS_HELP, io);
  if ('exit' in o) return o.exit;
  const opts = o;
  const dir = opts.dir ?? controlDir();
  const once = async (): Promise<string> => {
    const { snaps, notes } = await collect(opts, dir);
    for (const n of notes) io.stderr(`finack: ${n}\n`);
    return render(snaps, opts);
  };
  try {
    if (opts.watch === undefined) {
      io.stdout(await once());
      return 0;
    }
    return await watch(io, opts, once);
  } catch (err) {
    if (err instanceof NotAnInstance) {
      io.stderr(`finack: ${err.message}\n`);
      return 1;
    }
    io.stderr(`finack: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function watch(io: SsIo, o: SsOptions, once: () => Promise<string>): Promise<number> {
  const interval = o.watch as number;
  let stop = false;
  let wake: (() => void) | undefined;
  const onStop = (): void => {
    stop = true;
    wake?.();
  };
  if (io.signals) process.on('SIGINT', onStop);
  io.signal?.addEventListener('abort', onStop, { once: true });
  try {
    for (let n = 0; !stop && (o.watchCount === undefined || n < o.watchCount); n++) {
      if (n > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, interval);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
        if (stop) break;
      }
      const text = await once();
      if (o.json) {
        io.stdout(text);
        continue;
      }
      const head = `Every ${interval / 1000}s: finack ss    ${new Date().toISOString()}\n\n`;
      io.stdout(`${io.clear ? '\x1b[H\x1b[2J' : n > 0 ? '\n' : ''}${head}${text}`);
    }
    return 0;
  } finally {
    if (io.signals) process.off('SIGINT', onStop);
    io.signal?.removeEventListener('abort', onStop);
  }
}
