// Server: node:net's Server over a finack listener. listen() binds at once (address() works right
// after it returns) and emits 'listening' on the next tick, errors the same way, as Node does. Each
// completed handshake becomes a Socket and a 'connection' event; maxConnections is enforced as Node
// enforces it (the connection is closed and 'drop' is emitted). close() stops accepting; 'close'
// comes once the last accepted socket is gone.

import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { ConnId } from '../core/endpoint.js';
import { familyOf, type NetContext, userCall } from './context.js';
import { invalidArgType, invalidArgValue, nodeError, type SystemError, systemError, validatePort } from './errors.js';
import type { NetListener } from './host.js';
import { type AddressInfo, kAccepted, kContext, Socket, serverSocketChannel } from './socket.js';

export interface ServerOptions {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

export interface ListenOptions {
  port?: number | string;
  host?: string;
  backlog?: number;
  exclusive?: boolean;
  ipv6Only?: boolean;
}

export type ConnectionListener = (socket: Socket) => void;

/** Node's default backlog (net.js: backlog || 511). */
const DEFAULT_BACKLOG = 511;

const descriptions: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
};

function listenError(code: 'EADDRINUSE' | 'EADDRNOTAVAIL', address: string, port: number): SystemError {
  // uvExceptionWithHostPort: `listen EADDRINUSE: address already in use 0.0.0.0:80`.
  const e = systemError(code, 'listen', address, port);
  e.message = `listen ${code}: ${descriptions[code]} ${address}:${port}`;
  e.port = port;
  return e;
}

export class Server extends EventEmitter {
  /** @internal */
  readonly _ctx: NetContext;
  /** Refuse (close) new connections beyond this many open ones. */
  maxConnections: number | undefined;
  /** @internal open accepted sockets (Node's field name). */
  _connections = 0;
  readonly #opts: ServerOptions;
  #listener: NetListener | undefined;
  #address: AddressInfo | undefined;

  constructor(ctx: NetContext, options?: ServerOptions | ConnectionListener, listener?: ConnectionListener) {
    super();
    this._ctx = ctx;
    let opts: ServerOptions = {};
    let onConnection = listener;
    if (typeof options === 'function') onConnection = options;
    else if (options === undefined || options === null) opts = {};
    else if (typeof options === 'object') opts = { ...options };
    else throw invalidArgType('options', 'object', options);
    this.#opts = opts;
    if (onConnection !== undefined) this.on('connection', onConnection);
  }

  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /**
   * listen(port[, host][, backlog][, cb]), listen({ port, host, backlog }[, cb]), listen([cb]).
   * Port 0 (or none) picks an ephemeral port. Throws for bad arguments; EADDRINUSE and
   * EADDRNOTAVAIL arrive as 'error' events, as in Node.
   */
  listen(...args: unknown[]): this {
    const last = args[args.length - 1];
    const cb = typeof last === 'function' ? (last as () => void) : undefined;
    if (cb !== undefined) args = args.slice(0, -1);
    let port: number;
    let host: string | undefined;
    let backlog: number | undefined;
    const a0 = args[0];
    if (a0 !== null && typeof a0 === 'object') {
      const o = a0 as ListenOptions & { path?: unknown };
      if (o.path !== undefined)
        throw invalidArgValue('options.path', o.path, 'is not supported: finack has no IPC pipes');
      if (!('port' in o)) {
        throw invalidArgValue('options', JSON.stringify(o), 'must have the property "port" or "path"');
      }
      port = o.port === undefined ? 0 : validatePort(o.port, 'options.port');
      if (o.host !== undefined && typeof o.host !== 'string') throw invalidArgType('options.host', 'string', o.host);
      host = o.host;
      backlog = o.backlog;
    } else {
      port = a0 === undefined || a0 === null ? 0 : validatePort(a0, 'options.port');
      let i = 1;
      if (typeof args[i] === 'string') host = args[i++] as string;
      if (typeof args[i] === 'number') backlog = args[i] as number;
    }
    if (backlog !== undefined && (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 0)) {
      throw invalidArgValue('backlog', backlog, 'must be a non-negative integer');
    }
    if (this.#listener !== undefined)
      throw nodeError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    if (cb !== undefined) this.once('listening', cb);
    this.#listen(port, host, backlog ?? DEFAULT_BACKLOG);
    return this;
  }

  address(): AddressInfo | null {
    return this.#listener === undefined ? null : { ...(this.#address as AddressInfo) };
  }

  /** Stops accepting; open sockets live on. 'close' (and cb) when the last of them is gone. */
  close(cb?: (err?: Error) => void): this {
    if (typeof cb === 'function') {
      if (this.#listener === undefined) {
        this.once('close', () => cb(nodeError('ERR_SERVER_NOT_RUNNING', 'Server is not running.')));
      } else {
        this.once('close', cb);
      }
    }
    const l = this.#listener;
    if (l !== undefined) {
      this.#listener = undefined;
      userCall(this._ctx, () => l.close());
    }
    this._emitCloseIfDrained();
    return this;
  }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    process.nextTick(cb, null, this._connections);
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** @internal called by sockets as they are destroyed. */
  _emitCloseIfDrained(): void {
    if (this.#listener !== undefined || this._connections > 0) return;
    process.nextTick(() => this.emit('close'));
  }

  #listen(port: number, host: string | undefined, backlog: number): void {
    const ctx = this._ctx;
    const addrs = ctx.host.addresses;
    const own = addrs[0] as string;
    const wildcard = host === undefined || host === '0.0.0.0' || host === '::';
    // As Node: no host means the IPv6 wildcard where the host has IPv6 (dual-stack), else IPv4's.
    const shownHost = host ?? (addrs.some((a) => isIP(a) === 6) ? '::' : '0.0.0.0');
    if (!wildcard && !addrs.includes(host) && host !== 'localhost') {
      process.nextTick(() => this.emit('error', listenError('EADDRNOTAVAIL', shownHost, port)));
      return;
    }
    // A host with one address listens on it whatever was asked; one with several binds the one named.
    const bindAddr = wildcard || addrs.length === 1 ? undefined : host === 'localhost' ? own : host;
    let l: NetListener;
    try {
      l = userCall(ctx, () =>
        ctx.host.listen(
          port,
          { backlog: Math.max(1, backlog), ...(bindAddr !== undefined ? { addr: bindAddr } : {}) },
          (id) => this.#onAccept(l, id),
        ),
      );
    } catch (e) {
      if ((e as { code?: string }).code === 'EADDRINUSE') {
        process.nextTick(() => this.emit('error', listenError('EADDRINUSE', shownHost, port)));
        return;
      }
      throw e;
    }
    const bound = ctx.host.endpoint.listenerAddress(l.id);
    const address = host === 'localhost' ? own : shownHost;
    this.#address = {
      address,
      family: familyOf(address === '0.0.0.0' ? '0.0.0.0' : address),
      port: bound?.port ?? port,
    };
    this.#listener = l;
    process.nextTick(() => {
      if (this.#listener === l) this.emit('listening');
    });
  }

  #onAccept(l: NetListener, id: ConnId): void {
    if (this.#listener !== l) return;
    // The socket attaches now, so none of the connection's events is missed; the application hears
    // of it in a turn of its own, as Node's onconnection runs from the poll phase.
    const o = this.#opts;
    const socket = new Socket({
      allowHalfOpen: Boolean(o.allowHalfOpen),
      ...(o.highWaterMark !== undefined ? { highWaterMark: o.highWaterMark } : {}),
      ...(o.noDelay ? { noDelay: true } : {}),
      ...(o.keepAlive ? { keepAlive: true, keepAliveInitialDelay: o.keepAliveInitialDelay ?? 0 } : {}),
      [kContext]: this._ctx,
      [kAccepted]: { id, pauseOnCreate: Boolean(o.pauseOnConnect) },
    });
    this._ctx.driver.notify(() => this.#deliver(socket));
  }

  #deliver(socket: Socket): void {
    if (this.maxConnections !== undefined && this._connections >= this.maxConnections) {
      const info = {
        localAddress: socket.localAddress,
        localPort: socket.localPort,
        localFamily: socket.localFamily,
        remoteAddress: socket.remoteAddress,
        remotePort: socket.remotePort,
        remoteFamily: socket.remoteFamily,
      };
      socket.destroy();
      this.emit('drop', info);
      return;
    }
    socket.server = this;
    socket._server = this;
    this._connections++;
    if (serverSocketChannel.hasSubscribers) serverSocketChannel.publish({ socket });
    this.emit('connection', socket);
  }
}
