// What a Socket is given, and what it makes of it before it acts (split from socket.ts, which
// re-exports the public part): its options (SocketOptions, with the two symbols through which a
// host-bound Socket class and a Server pass their parts, and TcpSocketConnectOpts), the Duplex
// options the constructor derives from them, connect()'s arguments normalised and validated as
// Node's net.js does, the AbortError a `signal` destroys the socket with, and the names a host
// resolves. Nothing here touches a socket or a connection; socket.ts calls these where its
// constructor and connect() need them.

import { isIP } from 'node:net';
import type { DuplexOptions } from 'node:stream';
import type { ConnId } from '../core/endpoint-types.js';
import type { NetContext } from './context.js';
import { invalidArgType, invalidArgValue, nodeError, validatePort } from './errors.js';
import { familyOption, resolveAll } from './lookup.js';

/** @internal how a host-bound Socket class passes its context. */
export const kContext: unique symbol = Symbol('finack.net.context');
/** @internal how a Server hands an accepted connection to a new Socket. */
export const kAccepted: unique symbol = Symbol('finack.net.accepted');

export interface SocketOptions {
  allowHalfOpen?: boolean;
  readable?: boolean;
  writable?: boolean;
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  signal?: AbortSignal;
  /** Ignored, accepted for compatibility with code that passes Node's own options. */
  fd?: unknown;
  [kContext]?: NetContext;
  [kAccepted]?: { id: ConnId; pauseOnCreate: boolean };
}

export interface TcpSocketConnectOpts {
  port: number | string;
  host?: string;
  localAddress?: string;
  localPort?: number;
  /** 4 or 6: resolve a name to that family only (0 or absent: either). */
  family?: number;
  /**
   * Resolves `host` instead of the host's own names, as in node:net: called as
   * lookup(host, { family, hints, all: false }, (err, address, family) => ...). It runs as written:
   * dns.lookup here would ask the system's resolver (the connection itself still goes over finack).
   */
  lookup?: (hostname: string, options: object, callback: (...args: unknown[]) => void) => void;
  /** Accepted for compatibility and passed to `lookup`; finack's own names need no hints. */
  hints?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
  path?: undefined;
}

export type Callback = (err?: Error | null) => void;

/** The constructor's check of its options: an object, made through a host (which gives the context). */
export function socketContext(options: SocketOptions): NetContext {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'object', options);
  const ctx = options[kContext];
  if (ctx === undefined) {
    throw invalidArgValue('options', 'Socket', 'must be made through a host: use host.net.Socket');
  }
  return ctx;
}

/**
 * The stream.Duplex options for a Socket's options, configured as Node configures its own:
 * allowHalfOpen from the options, emitClose false, autoDestroy true, decodeStrings false.
 */
export function duplexOptions(options: SocketOptions): DuplexOptions {
  const allowHalfOpen = Boolean(options.allowHalfOpen);
  const duplexOpts: DuplexOptions = {
    allowHalfOpen,
    emitClose: false,
    autoDestroy: true,
    decodeStrings: false,
  };
  const extra = duplexOpts as DuplexOptions & { readable?: boolean; writable?: boolean };
  if (options.readable === false) extra.readable = false;
  if (options.writable === false) extra.writable = false;
  if (options.highWaterMark !== undefined) duplexOpts.highWaterMark = options.highWaterMark;
  if (options.readableHighWaterMark !== undefined) duplexOpts.readableHighWaterMark = options.readableHighWaterMark;
  if (options.writableHighWaterMark !== undefined) duplexOpts.writableHighWaterMark = options.writableHighWaterMark;
  return duplexOpts;
}

/** Node's normalizeArgs for connect(): [options, cb]. */
export function normalizeConnectArgs(args: unknown[]): [Record<string, unknown>, Callback | undefined] {
  if (args.length === 0) return [{}, undefined];
  const last = args[args.length - 1];
  const cb = typeof last === 'function' ? (last as Callback) : undefined;
  const a0 = args[0];
  if (a0 !== null && typeof a0 === 'object') return [{ ...(a0 as Record<string, unknown>) }, cb];
  const opts: Record<string, unknown> = {};
  if (typeof a0 === 'string' && Number.isNaN(Number(a0))) {
    opts.path = a0; // a pipe name in Node; not supported here
  } else {
    opts.port = a0;
    if (args.length > 1 && typeof args[1] === 'string') opts.host = args[1];
  }
  return [opts, cb];
}

/** connect()'s first checks, before the socket's own state is: a path (no IPC pipes) or no port. */
export function checkConnectOptions(options: Record<string, unknown>): void {
  if (options.path !== undefined && options.path !== null) {
    throw invalidArgValue('options.path', options.path, 'is not supported: finack has no IPC pipes');
  }
  if (options.port === undefined) {
    throw nodeError('ERR_MISSING_ARGS', 'The "options" or "port" or "path" argument must be specified');
  }
}

/** Where connect() goes, and from where. */
export interface ConnectTarget {
  host: string;
  localAddress: string | undefined;
  localPort: number | undefined;
  port: number;
  family: 0 | 4 | 6;
  lookup: TcpSocketConnectOpts['lookup'];
}

/** Where connect() goes, and from where: its options validated in Node's order (host, local, port). */
export function connectTarget(options: Record<string, unknown>): ConnectTarget {
  const host = options.host ?? 'localhost';
  if (typeof host !== 'string') throw invalidArgType('options.host', 'string', host);
  const family = familyOption(options.family);
  const lookup = options.lookup;
  if (lookup !== undefined && typeof lookup !== 'function') throw invalidArgType('options.lookup', 'function', lookup);
  const { localAddress, localPort } = options;
  if (localAddress !== undefined && (typeof localAddress !== 'string' || isIP(localAddress) === 0)) {
    throw nodeError('ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(localAddress)}`);
  }
  if (localPort !== undefined && (typeof localPort !== 'number' || Number.isNaN(localPort))) {
    throw invalidArgType('options.localPort', 'number', localPort);
  }
  const port = options.port;
  if (typeof port !== 'number' && typeof port !== 'string') {
    throw invalidArgType('options.port', 'number or string', port);
  }
  return {
    host,
    localAddress: localAddress as string | undefined,
    localPort: localPort as number | undefined,
    port: validatePort(port),
    family,
    lookup: lookup as TcpSocketConnectOpts['lookup'],
  };
}

/** The error an aborted `signal` destroys the socket with, as Node's AbortError. */
export function abortError(): Error {
  const e = new Error('The operation was aborted') as Error & { code: string };
  e.name = 'AbortError';
  e.code = 'ABORT_ERR';
  return e;
}

/** The first address of the family asked for (0: any) that `name` stands for on this host (lookup.ts). */
export function resolveName(ctx: NetContext, name: string, family: 0 | 4 | 6 = 0): string | undefined {
  return resolveAll(ctx, name, family)[0]?.address;
}
