// The net-API workloads, written once and run unchanged on node:net (the kernel) and on a finack
// host's `net` (the simulated network or the TUN driver): bulk with the receiver hashing every chunk,
// full lifecycles (connect → write 1 B → echo with end(d) → end() → 'close'), sequential or with
// many clients at once. Nothing here knows which stack it runs on.

import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { now } from './common.js';

/** What the workloads use of a socket: node:net's Socket and finack's both have it. */
export interface SockLike extends EventEmitter {
  write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  end(data?: Uint8Array, cb?: () => void): unknown;
  destroy(err?: Error): unknown;
}

export interface ServerLike extends EventEmitter {
  listen(opts: { port: number; host: string; backlog?: number }, cb?: () => void): unknown;
  address(): unknown;
  close(cb?: (err?: Error) => void): unknown;
}

/** What the workloads use of a net module: node:net, or a finack host's `net`. */
export interface NetLike {
  createServer(opts: { allowHalfOpen?: boolean }, listener: (s: SockLike) => void): ServerLike;
  connect(opts: { port: number; host: string }, cb?: () => void): SockLike;
}

export interface Ends {
  /** Where the server listens. */
  server: NetLike;
  serverHost: string;
  /** Where the clients connect from. */
  client: NetLike;
}

const ONE = new Uint8Array([0x2a]);

export async function listen(srv: ServerLike, host: string, backlog?: number): Promise<number> {
  await new Promise<void>((res, rej) => {
    srv.once('error', rej);
    srv.listen({ port: 0, host, ...(backlog !== undefined ? { backlog } : {}) }, () => {
      srv.off('error', rej);
      res();
    });
  });
  const a = srv.address() as { port: number } | null;
  if (a === null) throw new Error('server has no address after listen');
  return a.port;
}

/** server.close(), waiting at most 10 s for its connections to go (a stuck one is not our concern here). */
export function closeServer(srv: ServerLike): Promise<void> {
  return new Promise((res) => {
    const t = setTimeout(res, 10_000);
    srv.close(() => {
      clearTimeout(t);
      res();
    });
  });
}

/** The SHA-256 a receiver of `total` bytes of `chunk` repeated must compute (checks every bulk run). */
export function expectedDigest(chunk: Uint8Array, total: number): string {
  const h = createHash('sha256');
  let left = total;
  while (left > 0) {
    const n = Math.min(left, chunk.length);
    h.update(n === chunk.length ? chunk : chunk.subarray(0, n));
    left -= n;
  }
  return h.digest('hex');
}

export interface BulkResult {
  /** From connect() to the receiver's 'end' (every byte hashed). */
  ms: number;
  bytes: number;
  digest: string;
}

/**
 * One connection; the client writes `total` bytes in `chunk`-sized writes (respecting write()
 * returning false), then end(). The server hashes every chunk with SHA-256 as it arrives. Timed
 * from connect() to the server's 'end'. Rejects after `timeoutMs`.
 */
export async function bulk(ends: Ends, total: number, chunk: Uint8Array, timeoutMs: number): Promise<BulkResult> {
  let t0 = 0;
  let timer: NodeJS.Timeout | undefined;
  let client: SockLike | undefined;
  let srvSock: SockLike | undefined;
  const srv = ends.server.createServer({}, () => {});
  try {
    const result = new Promise<BulkResult>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`bulk: not done within ${timeoutMs} ms`)), timeoutMs);
      srv.on('connection', (s: SockLike) => {
        srvSock = s;
        const h = createHash('sha256');
        let n = 0;
        s.on('data', (d: Uint8Array) => {
          h.update(d);
          n += d.length;
        });
        s.on('end', () => {
          const ms = now() - t0;
          resolve({ ms, bytes: n, digest: h.digest('hex') });
          s.end();
        });
        s.on('error', reject);
      });
    });
    const port = await listen(srv, ends.serverHost);
    t0 = now();
    const c = ends.client.connect({ port, host: ends.serverHost }, () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const n = Math.min(chunk.length, total - sent);
          sent += n;
          if (!c.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            c.once('drain', pump);
            return;
          }
        }
        c.end();
      };
      pump();
    });
    client = c;
    c.on('error', () => {});
    c.on('data', () => {});
    const r = await result;
    await onceClosed(c, 10_000);
    return r;
  } finally {
    clearTimeout(timer);
    client?.destroy();
    srvSock?.destroy();
    await closeServer(srv);
  }
}

function onceClosed(s: SockLike, ms: number): Promise<void> {
  return new Promise((res) => {
    const t = setTimeout(res, ms);
    if ((s as { closed?: boolean }).closed === true) {
      clearTimeout(t);
      res();
      return;
    }
    s.once('close', () => {
      clearTimeout(t);
      res();
    });
  });
}

/** The echo server of the lifecycle workloads: the first data is sent back with end(d). */
export function echoServer(net: NetLike): ServerLike {
  return net.createServer({}, (s) => {
    s.once('data', (d: Uint8Array) => s.end(d));
    s.on('error', () => {});
  });
}

/** connect → write 1 B → the server's end(d) → our end() on 'end' → 'close'. */
export function lifecycle(net: NetLike, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const c = net.connect({ port, host }, () => c.write(ONE));
    c.on('data', (d: Uint8Array) => {
      got += d.length;
    });
    c.on('end', () => c.end());
    c.on('error', reject);
    c.on('close', () => (got === 1 ? resolve() : reject(new Error(`lifecycle: echo had ${got} bytes`))));
  });
}

/**
 * `total` lifecycles with `parallel` clients at a time (1: sequential). Returns the wall time in ms
 * from the first connect to the last 'close'. With `port`, the echo server runs elsewhere (another
 * process); otherwise one is started on ends.server. Rejects after `timeoutMs`.
 */
export async function churn(
  ends: Ends,
  total: number,
  parallel: number,
  timeoutMs: number,
  opts: { port?: number; backlog?: number } = {},
): Promise<number> {
  const srv = opts.port === undefined ? echoServer(ends.server) : undefined;
  const port = srv === undefined ? (opts.port as number) : await listen(srv, ends.serverHost, opts.backlog);
  let timer: NodeJS.Timeout | undefined;
  try {
    const t0 = now();
    let started = 0;
    const worker = async (): Promise<void> => {
      while (started < total) {
        started++;
        await lifecycle(ends.client, port, ends.serverHost);
      }
    };
    const all = Promise.all(Array.from({ length: Math.min(parallel, total) }, worker));
    await Promise.race([
      all,
      new Promise<never>((_, rej) => {
        timer = setTimeout(
          () => rej(new Error(`churn: ${total} lifecycles not done within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return now() - t0;
  } finally {
    clearTimeout(timer);
    if (srv !== undefined) await closeServer(srv);
  }
}

/**
 * `total` connections opened at once (every connect() issued before any completes), each a
 * request/response and a close; resolves with the wall time when every one has reached 'close'.
 * Rejects after `timeoutMs`, saying how many completed.
 */
export async function concurrent(ends: Ends, total: number, timeoutMs: number, port?: number): Promise<number> {
  const srv = port === undefined ? echoServer(ends.server) : undefined;
  const p = srv === undefined ? (port as number) : await listen(srv, ends.serverHost, total);
  let timer: NodeJS.Timeout | undefined;
  let done = 0;
  try {
    const t0 = now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < total; i++) all.push(lifecycle(ends.client, p, ends.serverHost).then(() => void done++));
    await Promise.race([
      Promise.all(all),
      new Promise<never>((_, rej) => {
        timer = setTimeout(
          () => rej(new Error(`concurrent: ${done} of ${total} completed within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return now() - t0;
  } finally {
    clearTimeout(timer);
    if (srv !== undefined) await closeServer(srv);
  }
}
