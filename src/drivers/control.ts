// The control channel: a Unix domain socket per process through which `finack ss` reads a running
// host's connection table and counters. Nothing is ever signalled; a process without a socket is
// simply not a finack instance.
//
//   where     controlDir(): $XDG_RUNTIME_DIR/finack/, else /run/finack/ for root, else
//             os.tmpdir()/finack-<uid>/; mode 0700, checked to be ours. The socket is <pid>.sock
//             (<pid>-<n>.sock for a second one in the same process), mode 0600.
//   protocol  one JSON line in, one JSON line out, then the server closes the connection:
//               {"v":1,"op":"info"}   -> {"v":1,"ok":true,"op":"info","info":{pid,name,...}}
//               {"v":1,"op":"rows"}   -> {"v":1,"ok":true,"op":"rows","rows":[ControlRow...]}
//               {"v":1,"op":"stats"}  -> {"v":1,"ok":true,"op":"stats","stats":EndpointStats}
//             and {"v":1,"ok":false,"error":{"code","message"}} for a bad request. `v` is the
//             protocol version: a server answers requests of its own version or older.
//   lifetime  serveControl() returns a handle; close() (and process exit, and SIGINT/SIGTERM when
//             the program has no handler of its own) removes the socket. A socket left by a process
//             that died (connecting is refused) is stale: `finack ss` removes it.
//
// The server is unref()'d: it never keeps a program alive.

import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionRow } from '../core/connection-rows.js';
import type { Endpoint } from '../core/endpoint.js';
import type { TcpStateName } from '../core/state.js';
import type { EndpointStats } from '../core/stats.js';
import type { Instant } from '../core/time.js';

/** The protocol version this module speaks. */
export const CONTROL_VERSION = 1;

export const CONTROL_OPS = ['info', 'rows', 'stats'] as const;
export type ControlOp = (typeof CONTROL_OPS)[number];

/** Longest request line the server reads (bytes). */
const MAX_REQUEST = 4096;

export type ControlErrorCode =
  | 'ERR_CONTROL_DIR' // the runtime directory is not ours or not private
  | 'ERR_CONTROL_PROTOCOL' // a malformed request or response
  | 'ERR_CONTROL_VERSION' // a version the other side does not speak
  | 'ERR_CONTROL_UNKNOWN_OP'
  | 'ERR_CONTROL_TIMEOUT';

export class ControlError extends Error {
  readonly code: ControlErrorCode;
  constructor(code: ControlErrorCode, message: string) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

/** What ConnectionInfo adds to a row, as `ss -i` shows it. Times in ms; JSON-safe (no Infinity). */
export interface ControlConnInfo {
  /** Smoothed RTT and its variation; absent before the first sample. */
  rtt?: number;
  rttvar?: number;
  rto: number;
  /** RTO backoffs since the last new ACK (the count ss shows with the retransmit timer). */
  backoffs: number;
  /** Congestion window in bytes. */
  cwnd: number;
  /** Absent while it is still the initial "arbitrarily high" value. */
  ssthresh?: number;
  mss: number;
  sndWnd: number;
  rcvWnd: number;
  /** Window shifts, when window scaling is on. */
  wscale?: { snd: number; rcv: number };
  timestamps: boolean;
  sack: boolean;
  /** Data bytes the peer acknowledged and data bytes received in order (SYN and FIN not counted; modulo 2^32). */
  bytesAcked: number;
  bytesReceived: number;
  /** Segments retransmitted in this connection's life. */
  retransmits: number;
  keepaliveProbes: number;
  inRecovery: boolean;
}

/** A ConnectionRow with the connection's details when the endpoint still holds its Connection object. */
export interface ControlRow extends ConnectionRow {
  info?: ControlConnInfo;
}

/** The answer to {"op":"info"}. */
export interface ControlInstanceInfo {
  pid: number;
  /** What the program calls itself (serveControl's `name`, default the script name). */
  name: string;
  argv: string[];
  /** finack's own addresses, when the source has them (a TunDriver does). */
  addresses: string[];
  startedAt: string;
  uptimeMs: number;
  node: string;
  /** Protocol versions and ops this server answers. */
  versions: number[];
  ops: ControlOp[];
}

export type ControlRequest = { v?: number; op: ControlOp };

export type ControlResponse =
  | { v: number; ok: true; op: 'info'; info: ControlInstanceInfo }
  | { v: number; ok: true; op: 'rows'; rows: ControlRow[] }
  | { v: number; ok: true; op: 'stats'; stats: EndpointStats }
  | { v: number; ok: false; error: { code: string; message: string } };

/** Anything with an endpoint and a clock: a TunDriver, a SimHost, your own driver. */
export interface ControlSource {
  readonly endpoint: Endpoint;
  readonly clock?: { now(): Instant };
  /** finack's own addresses (a TunDriver's), or its one address (a SimHost's), for `finack ss --list`. */
  readonly addresses?: readonly string[];
  readonly addr?: string;
}

export interface ServeControlOptions {
  /** Shown by `finack ss` (default: the script's file name). */
  name?: string;
  /** The runtime directory (default controlDir()). */
  dir?: string;
  /** The socket's path (default <dir>/<pid>.sock). */
  path?: string;
  /** The endpoint's clock, for a bare Endpoint (required then); default the source's clock. */
  now?: () => Instant;
  /**
   * Remove the socket on SIGINT/SIGTERM when the program has no handler of its own for them, then
   * let the signal do what it would have done (default true). A program that handles them calls close().
   */
  signals?: boolean;
}

export interface ControlHandle {
  readonly path: string;
  /** Resolves once the socket accepts connections; rejects if it cannot be made. */
  readonly ready: Promise<void>;
  readonly closed: boolean;
  /** Stops listening and removes the socket. Idempotent; never throws. */
  close(): void;
}

/** The per-user runtime directory of control sockets (see the file comment). */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'finack');
  const uid = process.getuid?.();
  if (uid === 0) return '/run/finack';
  return join(tmpdir(), `finack-${uid ?? 'user'}`);
}

/** The socket path of process `pid` in `dir`. */
export function controlSocketPath(pid: number, dir: string = controlDir()): string {
  return join(dir, `${pid}.sock`);
}

/** `<pid>.sock` or `<pid>-<n>.sock` -> pid; undefined for any other name. */
export function controlSocketPid(fileName: string): number | undefined {
  const m = /^(\d+)(?:-\d+)?\.sock$/.exec(fileName);
  return m ? Number(m[1]) : undefined;
}

/** Makes the runtime directory (0700) and checks that it is ours and private. */
export function ensureControlDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new ControlError('ERR_CONTROL_DIR', `${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new ControlError('ERR_CONTROL_DIR', `${dir} belongs to uid ${st.uid}, not to us (uid ${uid})`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

const openPaths = new Set<string>();

/**
 * Serves `source`'s table and counters on a control socket until close(). Throws ControlError
 * ERR_CONTROL_DIR when the runtime directory is not private; other failures reject `ready`.
 */
export function serveControl(source: ControlSource | Endpoint, opts: ServeControlOptions = {}): ControlHandle {
  const endpoint: Endpoint = 'endpoint' in source ? source.endpoint : source;
  const clock = 'endpoint' in source ? source.clock : undefined;
  const now = opts.now ?? (clock ? () => clock.now() : undefined);
  if (now === undefined) {
    throw new TypeError('serveControl: a bare Endpoint needs opts.now, the clock its `now` values come from');
  }
  const addresses = (): string[] => {
    if (!('endpoint' in source)) return [];
    if (source.addresses) return [...source.addresses];
    return typeof source.addr === 'string' ? [source.addr] : [];
  };
  const dir = opts.dir ?? controlDir();
  let path = opts.path;
  if (path === undefined) {
    ensureControlDir(dir);
    path = controlSocketPath(process.pid, dir);
    for (let n = 2; openPaths.has(path); n++) path = join(dir, `${process.pid}-${n}.sock`);
  }
  const sockPath = path;
  openPaths.add(sockPath);
  const started = Date.now();
  const name = opts.name ?? (process.argv[1] ?? 'node').split('/').pop() ?? 'node';

  const answer = (line: string): ControlResponse => {
    let req: unknown;
    try {
      req = JSON.parse(line);
    } catch {
      return fail('ERR_CONTROL_PROTOCOL', 'the request is not JSON');
    }
    if (typeof req !== 'object' || req === null) return fail('ERR_CONTROL_PROTOCOL', 'the request is not an object');
    const { v = CONTROL_VERSION, op } = req as { v?: unknown; op?: unknown };
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > CONTROL_VERSION) {
      return fail(
        'ERR_CONTROL_VERSION',
        `protocol version ${JSON.stringify(v)} not spoken (this server: 1..${CONTROL_VERSION})`,
      );
    }
    switch (op) {
      case 'info':
        return {
          v: CONTROL_VERSION,
          ok: true,
          op,
          info: {
            pid: process.pid,
            name,
            argv: process.argv.slice(2),
            addresses: addresses(),
            startedAt: new Date(started).toISOString(),
            uptimeMs: Date.now() - started,
            node: process.version,
            versions: [CONTROL_VERSION],
            ops: [...CONTROL_OPS],
          },
        };
      case 'rows':
        return { v: CONTROL_VERSION, ok: true, op, rows: controlRows(endpoint, now()) };
      case 'stats':
        return { v: CONTROL_VERSION, ok: true, op, stats: endpoint.stats };
    }
    return fail('ERR_CONTROL_UNKNOWN_OP', `unknown op ${JSON.stringify(op)} (ops: ${CONTROL_OPS.join(', ')})`);
  };

  const server: Server = createServer((sock: Socket) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.setTimeout(5000, () => sock.destroy());
    sock.on('error', () => {});
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl === -1 && buf.length <= MAX_REQUEST) return;
      sock.removeAllListeners('data');
      const res =
        nl === -1 || nl > MAX_REQUEST
          ? fail('ERR_CONTROL_PROTOCOL', `request longer than ${MAX_REQUEST} bytes`)
          : safeAnswer(answer, buf.slice(0, nl));
      sock.end(`${JSON.stringify(res)}\n`);
    });
  });
  server.unref();

  let closed = false;
  const removeSocket = (): void => {
    openPaths.delete(sockPath);
    try {
      if (lstatSync(sockPath).isSocket()) unlinkSync(sockPath);
    } catch {
      // already gone
    }
  };
  const onExit = (): void => removeSocket();
  const onSignal = (sig: NodeJS.Signals): void => {
    // Someone else handles it: they decide whether the program goes on (and call close()).
    if (process.listenerCount(sig) > 1) return;
    handle.close();
    process.kill(process.pid, sig);
  };
  const signals = opts.signals ?? true;
  process.on('exit', onExit);
  if (signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const ready = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      server.on('error', () => {});
      try {
        chmodSync(sockPath, 0o600);
      } catch (err) {
        reject(err);
        return;
      }
      resolve();
    });
  });
  ready.catch(() => handle.close());
  // A socket file under our own name is a leftover of an earlier process that had our PID.
  removeSocket();
  openPaths.add(sockPath);
  server.listen(sockPath);

  const handle: ControlHandle = {
    path: sockPath,
    ready,
    get closed() {
      return closed;
    },
    close() {
      if (closed) return;
      closed = true;
      process.off('exit', onExit);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      try {
        server.close();
      } catch {
        // not listening
      }
      removeSocket();
    },
  };
  return handle;
}

function fail(code: ControlErrorCode, message: string): ControlResponse {
  return { v: CONTROL_VERSION, ok: false, error: { code, message } };
}

function safeAnswer(answer: (line: string) => ControlResponse, line: string): ControlResponse {
  try {
    return answer(line);
  } catch (err) {
    return fail('ERR_CONTROL_PROTOCOL', `the server failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The endpoint's rows at `now`, each with its connection's details when the endpoint holds them. */
export function controlRows(endpoint: Endpoint, now: Instant): ControlRow[] {
  return endpoint.connections(now).map((row): ControlRow => {
    const c = row.conn === undefined ? undefined : endpoint.connection(row.conn);
    return c === undefined ? row : { ...row, info: connInfo(row.state, c.info()) };
  });
}

const PEER_FIN_IN: ReadonlySet<TcpStateName> = new Set(['CLOSE-WAIT', 'LAST-ACK', 'CLOSING', 'TIME-WAIT']);
const OUR_FIN_ACKED: ReadonlySet<TcpStateName> = new Set(['FIN-WAIT-2', 'TIME-WAIT']);
const SSTHRESH_INITIAL = 0x7fffffff;

type Info = ReturnType<NonNullable<ReturnType<Endpoint['connection']>>['info']>;

function connInfo(state: TcpStateName, i: Info): ControlConnInfo {
  const synced = state !== 'SYN-SENT' && state !== 'LISTEN' && state !== 'CLOSED';
  const acked = synced ? ((i.sndUna - i.iss) >>> 0) - 1 - (OUR_FIN_ACKED.has(state) ? 1 : 0) : 0;
  const received = synced ? ((i.rcvNxt - i.irs) >>> 0) - 1 - (PEER_FIN_IN.has(state) ? 1 : 0) : 0;
  const out: ControlConnInfo = {
    rto: i.rto,
    backoffs: i.backoffs,
    cwnd: i.cwnd,
    mss: i.mss,
    sndWnd: i.sndWnd,
    rcvWnd: i.rcvWnd,
    timestamps: i.timestamps,
    sack: i.sack,
    bytesAcked: Math.max(0, acked),
    bytesReceived: Math.max(0, received),
    retransmits: i.retransmits,
    keepaliveProbes: i.keepaliveProbes,
    inRecovery: i.inRecovery,
  };
  if (i.srtt !== undefined) out.rtt = i.srtt;
  if (i.rttvar !== undefined) out.rttvar = i.rttvar;
  if (i.ssthresh < SSTHRESH_INITIAL && Number.isFinite(i.ssthresh)) out.ssthresh = i.ssthresh;
  if (i.windowScaling) out.wscale = { snd: i.sndWscale, rcv: i.rcvWscale };
  return out;
}

/**
 * Sends one request to the control socket at `path` and resolves with the answer. Rejects with the
 * connect error (code ENOENT, ECONNREFUSED: no one there), ControlError ERR_CONTROL_TIMEOUT, or
 * ControlError for a malformed answer or an error answer (its code, e.g. ERR_CONTROL_UNKNOWN_OP).
 */
export function controlRequest(
  path: string,
  req: ControlRequest,
  opts: { timeoutMs?: number } = {},
): Promise<Exclude<ControlResponse, { ok: false }>> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    let buf = '';
    let settled = false;
    const sock = createConnection(path);
    const settle = (err: Error | undefined, res?: Exclude<ControlResponse, { ok: false }>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res as Exclude<ControlResponse, { ok: false }>);
    };
    const timer = setTimeout(
      () => settle(new ControlError('ERR_CONTROL_TIMEOUT', `${path} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('error', (err) => settle(err));
    sock.on('connect', () => sock.write(`${JSON.stringify({ v: CONTROL_VERSION, ...req })}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 64 * 1024 * 1024) settle(new ControlError('ERR_CONTROL_PROTOCOL', 'answer too long'));
    });
    sock.on('end', () => {
      const line = buf.split('\n', 1)[0] ?? '';
      let res: ControlResponse;
      try {
        res = JSON.parse(line) as ControlResponse;
      } catch {
        settle(new ControlError('ERR_CONTROL_PROTOCOL', `${path} answered something that is not JSON`));
        return;
      }
      if (typeof res !== 'object' || res === null || typeof res.v !== 'number') {
        settle(new ControlError('ERR_CONTROL_PROTOCOL', `${path} answered without a protocol version`));
      } else if (res.ok === false) {
        const code = res.error?.code;
        settle(
          new ControlError(
            code === 'ERR_CONTROL_VERSION' || code === 'ERR_CONTROL_UNKNOWN_OP' ? code : 'ERR_CONTROL_PROTOCOL',
            res.error?.message ?? 'error',
          ),
        );
      } else if (res.v > CONTROL_VERSION) {
        settle(
          new ControlError(
            'ERR_CONTROL_VERSION',
            `${path} speaks protocol version ${res.v}, newer than ${CONTROL_VERSION}`,
          ),
        );
      } else {
        settle(undefined, res);
      }
    });
  });
}
