// Differential harness: a scenario program is written once against a small `net`-like interface and
// run twice — on node:net over 127.0.0.1 (the Linux kernel's TCP) and on finack's simulated network
// (two hosts, 192.0.2.1 serving, 192.0.2.2 connecting) — and the observations are compared.
//
// What is observed, per socket (each under a label the scenario gives):
//   every event in order with the socket's readyState at that moment: connect, ready, data, end,
//   finish, timeout, error (code, syscall, errno, and whether address/port name the server), close
//   (hadError); runs of consecutive 'data' events are folded into one entry, since how a byte stream
//   is cut into chunks is not part of TCP's contract; the bytes received (count and SHA-256).
// Per server: listening, connection, drop, error, close.
// Plus free-form notes a scenario records (return values, counters, thrown codes).
//
// Only per-socket sequences are compared, never the interleaving of two sockets' events: that one
// depends on scheduling (of the kernel, or of the simulator's latency) and TCP does not define it.

import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import * as nodeNet from 'node:net';
import type { Duplex } from 'node:stream';
import { netOf } from '../../../src/net/index.js';
import { SimNetwork } from '../../../src/sim/network.js';

export interface SockLike extends Duplex {
  readonly readyState: string;
  readonly connecting: boolean;
  readonly pending: boolean;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly remoteFamily?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  setTimeout(ms: number, cb?: () => void): unknown;
  setKeepAlive(enable?: boolean, delay?: number): unknown;
  setNoDelay(on?: boolean): unknown;
  resetAndDestroy(): unknown;
  address(): unknown;
}

export interface ServerLike extends EventEmitter {
  listen(...args: unknown[]): unknown;
  close(cb?: (err?: Error) => void): unknown;
  address(): { port: number; address: string; family: string } | string | null;
  maxConnections?: number | undefined;
  getConnections(cb: (err: Error | null, n: number) => void): unknown;
  readonly listening: boolean;
}

export interface NetLike {
  createServer(options?: object | ((s: SockLike) => void), listener?: (s: SockLike) => void): ServerLike;
  connect(...args: unknown[]): SockLike;
}

export interface Env {
  kind: 'kernel' | 'sim';
  /** The serving host's net and the connecting host's net (the same module on the kernel side). */
  serverNet: NetLike;
  clientNet: NetLike;
  /** The address clients connect to and servers listen on. */
  host: string;
  rec: Recorder;
}

export interface Scenario {
  name: string;
  /** What is compared when Node's behaviour depends on the kernel's timing (shown in the test name). */
  note?: string;
  /** Labels whose received byte count is not compared (but the bytes must be a prefix of what was sent). */
  ignoreBytes?: string[];
  run(env: Env): Promise<void>;
}

export interface Observation {
  logs: Record<string, string[]>;
  bytes: Record<string, { n: number; sha: string }>;
  notes: Record<string, unknown>;
}

type ErrorLike = Error & { code?: string; syscall?: string; errno?: number; address?: string; port?: number };

export class Recorder {
  readonly logs: Record<string, string[]> = {};
  readonly notes: Record<string, unknown> = {};
  readonly #hashes = new Map<string, { n: number; h: ReturnType<typeof createHash> }>();
  readonly #closed = new Map<string, { p: Promise<void>; resolve: () => void }>();
  readonly #host: string;
  #serverPort = 0;

  constructor(host: string) {
    this.#host = host;
  }

  set serverPort(p: number) {
    this.#serverPort = p;
  }

  log(label: string, entry: string): void {
    const list = this.logs[label] ?? [];
    // Fold runs of 'data' (chunking is not part of the contract).
    if (entry.startsWith('data@') && list[list.length - 1] === entry) return;
    list.push(entry);
    this.logs[label] = list;
  }

  note(key: string, value: unknown): void {
    this.notes[key] = value;
  }

  error(e: unknown): string {
    const err = e as ErrorLike;
    const parts = [`code=${String(err.code)}`];
    if (err.syscall !== undefined) parts.push(`syscall=${err.syscall}`);
    if (err.errno !== undefined) parts.push(`errno=${err.errno}`);
    if (err.address !== undefined) parts.push(`address=${err.address === this.#host ? 'HOST' : err.address}`);
    if (err.port !== undefined) parts.push(`port=${err.port === this.#serverPort ? 'SERVER' : err.port}`);
    if (err.code === undefined) parts.push(`message=${err.message}`);
    return parts.join(' ');
  }

  #deferred(label: string): { p: Promise<void>; resolve: () => void } {
    let d = this.#closed.get(label);
    if (d === undefined) {
      let resolve!: () => void;
      const p = new Promise<void>((r) => (resolve = r));
      d = { p, resolve };
      this.#closed.set(label, d);
    }
    return d;
  }

  /**
   * Records every event of a socket under `label`; resolves `closed(label)` on 'close'. With
   * `data: false`, 'data' events are counted (bytes) but not logged: for scenarios where when data
   * arrives relative to the socket's own events depends on buffer sizes.
   */
  watch(s: SockLike, label: string, opts: { data?: boolean } = {}): SockLike {
    const rs = (): string => s.readyState;
    const { resolve } = this.#deferred(label);
    const logData = opts.data ?? true;
    const h = { n: 0, h: createHash('sha256') };
    this.#hashes.set(label, h);
    s.on('connect', () => this.log(label, `connect@${rs()}`));
    s.on('ready', () => this.log(label, `ready@${rs()}`));
    s.on('data', (d: Buffer) => {
      h.n += d.length;
      h.h.update(d);
      if (logData) this.log(label, `data@${rs()}`);
    });
    s.on('end', () => this.log(label, `end@${rs()}`));
    s.on('finish', () => this.log(label, `finish@${rs()}`));
    s.on('timeout', () => this.log(label, `timeout@${rs()}`));
    s.on('error', (e: unknown) => this.log(label, `error(${this.error(e)})@${rs()}`));
    s.on('close', (hadError: unknown) => {
      this.log(label, `close(${String(hadError)})@${rs()}`);
      resolve();
    });
    return s;
  }

  watchServer(srv: ServerLike, label: string): ServerLike {
    srv.on('listening', () => this.log(label, 'listening'));
    srv.on('connection', () => this.log(label, 'connection'));
    srv.on('drop', () => this.log(label, 'drop'));
    srv.on('error', (e: unknown) => this.log(label, `error(${this.error(e)})`));
    srv.on('close', () => this.log(label, 'close'));
    return srv;
  }

  closed(...labels: string[]): Promise<void> {
    return Promise.all(labels.map((l) => this.#deferred(l).p)).then(() => undefined);
  }

  bytes(): Record<string, { n: number; sha: string }> {
    const out: Record<string, { n: number; sha: string }> = {};
    for (const [k, v] of this.#hashes) out[k] = { n: v.n, sha: v.h.copy().digest('hex').slice(0, 16) };
    return out;
  }
}

/** Listens on env.host, port 0; resolves with the port. */
export function listen(env: Env, srv: ServerLike): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, env.host, () => {
      srv.removeListener('error', reject);
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      env.rec.serverPort = port;
      resolve(port);
    });
  });
}

export function closeServer(srv: ServerLike): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** Resolves after `n` turns of the event loop (setImmediate). */
export function turns(n: number): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const next = (): void => {
      if (++i >= n) resolve();
      else setImmediate(next);
    };
    setImmediate(next);
  });
}

const LIMIT_MS = 5_000;

async function bounded(name: string, p: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: did not finish within ${LIMIT_MS} ms`)), LIMIT_MS);
  });
  try {
    await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function observe(env: Env, s: Scenario): Promise<Observation> {
  await bounded(`${s.name} (${env.kind})`, s.run(env));
  await turns(3); // let trailing events (a late 'close') be recorded
  const bytes = env.rec.bytes();
  for (const l of s.ignoreBytes ?? []) delete bytes[l];
  return { logs: env.rec.logs, bytes, notes: env.rec.notes };
}

export function runKernel(s: Scenario): Promise<Observation> {
  const net = nodeNet as unknown as NetLike;
  const host = '127.0.0.1';
  return observe({ kind: 'kernel', serverNet: net, clientNet: net, host, rec: new Recorder(host) }, s);
}

export function runSim(s: Scenario, seed = 1): Promise<Observation> {
  const sim = new SimNetwork({ seed });
  const server = netOf(sim.host('192.0.2.1'));
  const client = netOf(sim.host('192.0.2.2'));
  const host = '192.0.2.1';
  return observe(
    {
      kind: 'sim',
      serverNet: server as unknown as NetLike,
      clientNet: client as unknown as NetLike,
      host,
      rec: new Recorder(host),
    },
    s,
  );
}
