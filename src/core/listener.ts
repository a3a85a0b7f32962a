// A listening socket: (address or any, port), its SYN queue and its limits.
//
// The SYN queue holds the ids of connections created for SYNs at this listener that have not
// completed the handshake (SYN-RECEIVED). When the handshake completes the endpoint hands the
// connection over at once with an 'accept' event, so the accept queue of a BSD socket has no
// counterpart here that can fill up: `backlog` is kept for display (the Send-Q of a LISTEN row, as
// `ss` shows it) and, when given, also bounds the SYN queue.

import { UsageError } from '../base/errors.js';
import type { TcpConfig } from './config.js';

/** Node's default listen() backlog. */
export const DEFAULT_BACKLOG = 511;
/** Half-open connections per listener when no backlog is given (Linux's historic tcp_max_syn_backlog floor). */
export const DEFAULT_SYN_QUEUE = 128;

export interface ListenOptions {
  /** As in listen(2). Default 511. When given, also the SYN-queue limit (unless synQueue is given). */
  backlog?: number;
  /** Most half-open (SYN-RECEIVED) connections at once; further SYNs are dropped. Default 128 or the backlog. */
  synQueue?: number;
  /** Configuration of every connection this listener creates (over the endpoint's defaults). */
  config?: Partial<TcpConfig>;
  /**
   * Answer SYNs with SYN cookies (syn-cookie.ts) while the SYN queue is full, instead of dropping
   * them. Default true (Linux's net.ipv4.tcp_syncookies = 1 does the same).
   */
  synCookies?: boolean;
}

export class Listener {
  readonly id: number;
  /** undefined: every local address. */
  readonly addr: string | undefined;
  readonly port: number;
  readonly backlog: number;
  readonly synQueueLimit: number;
  /** Resolved once; shared by every connection of this listener. */
  readonly config: TcpConfig;
  /** Ids of half-open connections, oldest first. */
  readonly synQueue = new Set<number>();
  /** Answer SYNs with cookies when the SYN queue is full. */
  readonly synCookies: boolean;
  /** When this listener last sent a cookie: ACKs are checked for one only for a while after. */
  cookieSentAt: number | undefined;

  constructor(id: number, addr: string | undefined, port: number, config: TcpConfig, opts: ListenOptions = {}) {
    const backlog = opts.backlog ?? DEFAULT_BACKLOG;
    checkCount('backlog', backlog);
    const synQueue = opts.synQueue ?? (opts.backlog !== undefined ? Math.max(1, opts.backlog) : DEFAULT_SYN_QUEUE);
    checkCount('synQueue', synQueue);
    this.id = id;
    this.addr = addr;
    this.port = port;
    this.backlog = backlog;
    this.synQueueLimit = synQueue;
    this.config = config;
    if (opts.synCookies !== undefined && typeof opts.synCookies !== 'boolean') {
      throw new UsageError('ERR_INVALID_ARG_TYPE', `synCookies must be a boolean, not ${typeof opts.synCookies}`);
    }
    this.synCookies = opts.synCookies ?? true;
  }

  /** May another half-open connection be created? (Linux drops the SYN silently when not.) */
  get synQueueFull(): boolean {
    return this.synQueue.size >= this.synQueueLimit;
  }

  /** Does this listener's (addr, port) overlap a listen request for (addr, port)? */
  overlaps(addr: string | undefined, port: number): boolean {
    return this.port === port && (this.addr === undefined || addr === undefined || this.addr === addr);
  }
}

function checkCount(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `${name}=${String(v)} must be a non-negative integer`);
  }
}
