// Socket: node:net's Socket over a finack connection. It is a stream.Duplex configured exactly as
// Node configures its own (allowHalfOpen from the options, emitClose false, autoDestroy true,
// decodeStrings false), so the stream machinery — when 'end', 'finish', 'error' and 'close' are
// emitted, write-after-end, backpressure — is Node's own; this file supplies what libuv and the
// kernel supply under a real socket:
//
//   _write   -> endpoint.send; the callback runs when the send buffer took every byte (at once, or
//               on the core's 'writable' events), so write() returns false over the high-water mark
//               and 'drain' follows, as with a full kernel buffer.
//   _read    -> endpoint.read while push() wants more; the peer's FIN becomes push(null) once all
//               buffered data was pushed: 'end' is the peer's FIN.
//   _final   -> endpoint.shutdown (half-close: our FIN); 'finish' on the next loop turn, as
//               libuv's shutdown request completes.
//   _destroy -> endpoint.close (FIN after what the send buffer holds), abort (RST) for
//               resetAndDestroy() or when received data was never read (Linux's tcp_close does that,
//               after RFC 2525 §2.17); 'close' on the next loop turn, as libuv's handle close.
//
// Errors from the core surface the way Linux surfaces them to Node: a reset or timeout while the
// socket still reads is a 'read' error at once (ECONNRESET, ETIMEDOUT); once the peer's FIN was read
// nobody reads, so it waits for the next write, which fails with EPIPE (Linux sets EPIPE for a reset
// in CLOSE-WAIT, and a write to a dead socket gives EPIPE).
//
// The options and connect()'s arguments are normalised and checked in socket-args.ts.

import diagnosticsChannel from 'node:diagnostics_channel';
import { isIP } from 'node:net';
import { Duplex } from 'node:stream';
import type { ConnId } from '../core/endpoint.js';
import type { ConnEvent } from '../core/events.js';
import type { TcpStateName } from '../core/state.js';
import { SECOND } from '../core/time.js';
import type { Address } from '../core/tuple.js';
import { connCall, familyOf, type NetContext, userCall } from './context.js';
import { invalidArgType, invalidArgValue, lookupError, nodeError, type SysErrorCode, systemError } from './errors.js';
import type { NetConnectOptions, NetHost } from './host.js';
import {
  abortError,
  type Callback,
  type ConnectTarget,
  checkConnectOptions,
  connectTarget,
  duplexOptions,
  kAccepted,
  normalizeConnectArgs,
  resolveName,
  type SocketOptions,
  socketContext,
} from './socket-args.js';

export {
  kAccepted,
  kContext,
  normalizeConnectArgs,
  type SocketOptions,
  type TcpSocketConnectOpts,
} from './socket-args.js';

/**
 * Published as node:net publishes 'net.client.socket' and 'net.server.socket': a connecting socket
 * when connect() is called, an accepted one when the server hands it out. Message: { socket }.
 */
export const clientSocketChannel = diagnosticsChannel.channel('finack.net.client.socket');
export const serverSocketChannel = diagnosticsChannel.channel('finack.net.server.socket');

/** The connection events a socket acts on; the others are not reported to it. */
const REPORTED: ReadonlySet<ConnEvent['type']> = new Set([
  'connected',
  'readable',
  'writable',
  'peer-fin',
  'error',
  'closed',
]);

/** Node reads at most 64 KiB per read callback. */
const READ_CHUNK = 64 * 1024;

// The connection calls a socket makes, as connCall() takes them (no closure per call).
const readCall = (host: NetHost, id: ConnId, max: number) => host.read(id, max);
const sendCall = (host: NetHost, id: ConnId, data: Uint8Array) => host.send(id, data);
const shutdownCall = (host: NetHost, id: ConnId) => host.shutdown(id);
const closeCall = (host: NetHost, id: ConnId, reset: boolean) => host.close(id, reset);

/** What a Socket needs of the Server that accepted it. */
export interface ServerLike {
  _connections: number;
  _emitCloseIfDrained(): void;
}

export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

interface PendingWrite {
  data: Uint8Array;
  cb: Callback;
}

export class Socket extends Duplex {
  /** @internal */
  readonly _ctx: NetContext;
  /** True from connect() until the handshake completes or fails. */
  connecting = false;
  /** The Server that accepted this socket, or null. */
  server: ServerLike | null = null;
  /** @internal Node's name for the same thing. */
  _server: ServerLike | null = null;
  /** The idle timeout set by setTimeout(), in ms (undefined when none). */
  timeout: number | undefined;
  /** Node >= 18.3: destroy() sends RST (resetAndDestroy()). */
  resetAndClosing = false;

  #id: ConnId | undefined;
  #local: Address | undefined;
  #remote: Address | undefined;
  // The socket's booleans, as bits of one word (a field each would cost 8 bytes per socket).
  #bits = 0;
  /** connect() or accept gave this socket a "handle" (as Node's TCP handle). */
  get #hasHandle(): boolean {
    return (this.#bits & 1) !== 0;
  }
  set #hasHandle(v: boolean) {
    this.#bits = v ? this.#bits | 1 : this.#bits & ~1;
  }
  get #handleClosed(): boolean {
    return (this.#bits & 2) !== 0;
  }
  set #handleClosed(v: boolean) {
    this.#bits = v ? this.#bits | 2 : this.#bits & ~2;
  }
  get #reading(): boolean {
    return (this.#bits & 4) !== 0;
  }
  set #reading(v: boolean) {
    this.#bits = v ? this.#bits | 4 : this.#bits & ~4;
  }
  get #pulling(): boolean {
    return (this.#bits & 8) !== 0;
  }
  set #pulling(v: boolean) {
    this.#bits = v ? this.#bits | 8 : this.#bits & ~8;
  }
  get #finReceived(): boolean {
    return (this.#bits & 16) !== 0;
  }
  set #finReceived(v: boolean) {
    this.#bits = v ? this.#bits | 16 : this.#bits & ~16;
  }
  get #eofPushed(): boolean {
    return (this.#bits & 32) !== 0;
  }
  set #eofPushed(v: boolean) {
    this.#bits = v ? this.#bits | 32 : this.#bits & ~32;
  }
  get #dead(): boolean {
    return (this.#bits & 64) !== 0;
  }
  set #dead(v: boolean) {
    this.#bits = v ? this.#bits | 64 : this.#bits & ~64;
  }
  #heldError: SysErrorCode | undefined;
  #pendingWrite: PendingWrite | undefined;
  #bytesRead = 0;
  #bytesDispatched = 0;
  #keepAlive: { enable: boolean; delay: number } | undefined;
  #noDelay: boolean | undefined;
  #timeoutMs = 0;
  #lastActive = 0;
  #cancelTimer: (() => void) | undefined;
  #connectAddress: Address | undefined;
  #peerCache: Address | undefined;
  /** Events noted for the next #service(); undefined while none wait (no array held when idle). */
  #inbox: ConnEvent[] | undefined;

  constructor(options: SocketOptions = {}) {
    const ctx = socketContext(options);
    super(duplexOptions(options));
    this._ctx = ctx;
    if (options.noDelay) this.#noDelay = true;
    if (options.keepAlive) this.#keepAlive = { enable: true, delay: options.keepAliveInitialDelay ?? 0 };
    this.on('end', onReadableStreamEnd);
    const accepted = options[kAccepted];
    if (accepted !== undefined) {
      this.#hasHandle = true;
      this.#attach(accepted.id);
      this.#applySettings();
      // As Node's constructor with a handle: read at once (into the stream's buffer, up to its
      // high-water mark) unless pauseOnConnect asked to leave the data in the kernel.
      if (accepted.pauseOnCreate) (this as { readableFlowing: boolean | null }).readableFlowing = false;
      else if (this.readable) this.read(0);
    }
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(() => this.destroy(abortError()));
      else signal.addEventListener('abort', () => this.destroy(abortError()), { once: true });
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Properties as node:net has them

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  /** No connection yet, or still connecting. */
  get pending(): boolean {
    return !this.#hasHandle || this.#handleClosed || this.connecting;
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Bytes handed to the connection plus bytes still waiting in the stream's buffer (as Node counts). */
  get bytesWritten(): number {
    let n = this.#bytesDispatched;
    const buffered = (this as unknown as { writableBuffer?: unknown }).writableBuffer as
      | { chunk: unknown; encoding: BufferEncoding }[]
      | undefined;
    if (buffered !== undefined) {
      for (const el of buffered) {
        n += el.chunk instanceof Uint8Array ? el.chunk.length : Buffer.byteLength(String(el.chunk), el.encoding);
      }
    }
    if (this.#pendingWrite !== undefined) n += this.#pendingWrite.data.length;
    return n;
  }

  // As Node: the peer's address is cached once asked for (and then survives destroy()); the local
  // one is forgotten when the socket is destroyed.
  get remoteAddress(): string | undefined {
    return this.#peer()?.addr;
  }
  get remotePort(): number | undefined {
    return this.#peer()?.port;
  }
  get remoteFamily(): string | undefined {
    const p = this.#peer();
    return p && familyOf(p.addr);
  }
  get localAddress(): string | undefined {
    return this.#local?.addr;
  }
  get localPort(): number | undefined {
    return this.#local?.port;
  }
  get localFamily(): string | undefined {
    return this.#local && familyOf(this.#local.addr);
  }

  /** Beyond Node: the RFC 9293 state of the connection now ('CLOSED' when there is none). */
  get tcpState(): TcpStateName {
    return this.#id === undefined ? 'CLOSED' : this._ctx.host.state(this.#id);
  }

  /** The endpoint's id of the connection under this socket (undefined before connect()). */
  get connId(): ConnId | undefined {
    return this.#id;
  }

  /** The host's own handle of that connection (a SimConn on a simulated host), if it has one. */
  get conn(): object | undefined {
    return this.#id === undefined ? undefined : this._ctx.host.handle(this.#id);
  }

  address(): AddressInfo | Record<string, never> {
    if (this.#local === undefined) return {};
    return { address: this.#local.addr, family: familyOf(this.#local.addr), port: this.#local.port };
  }

  // -----------------------------------------------------------------------------------------------
  // User calls

  connect(...args: unknown[]): this {
    const [options, cb] = normalizeConnectArgs(args);
    checkConnectOptions(options);
    if (this.write !== Socket.prototype.write) this.write = Socket.prototype.write;
    if (this.destroyed) {
      throw nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'); // reuse after destroy is not supported
    }
    if (this.#hasHandle) throw invalidArgValue('socket', 'connected', 'is already connecting or connected');
    const target = connectTarget(options);
    if (options.timeout !== undefined) this.setTimeout(options.timeout as number);
    if (options.noDelay) this.#noDelay = true;
    if (options.keepAlive) {
      this.#keepAlive = { enable: true, delay: (options.keepAliveInitialDelay as number | undefined) ?? 0 };
    }
    if (cb !== undefined) this.once('connect', cb);
    if (clientSocketChannel.hasSubscribers) clientSocketChannel.publish({ socket: this });
    this.#hasHandle = true;
    this.connecting = true;
    // As Node: an IP literal is connected to on the next tick; a name is looked up first (#start).
    process.nextTick(Socket.#startOf, this, target, options.hints);
    return this;
  }

  /** Half-close is end(); this is Node's destroySoon(). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Sends a RST and destroys the socket (Node >= 18.3). */
  resetAndDestroy(): this {
    if (this.#hasHandle && !this.#handleClosed) {
      if (this.connecting) {
        this.once('connect', () => {
          this.resetAndClosing = true;
          this.destroy();
        });
      } else {
        this.resetAndClosing = true;
        this.destroy();
      }
    } else {
      this.destroy(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
    }
    return this;
  }

  /**
   * Keepalive probes after `initialDelay` ms idle (0: keep the current idle time, 2 hours by
   * default). Like libuv >= 1.45 on Linux, probes then go every second, 10 of them.
   */
  setKeepAlive(enable = false, initialDelay = 0): this {
    const delay = Math.max(0, Math.trunc(Number(initialDelay) / SECOND)) * SECOND;
    this.#keepAlive = { enable: Boolean(enable), delay };
    if (this.#id !== undefined && !this.connecting) this.#applySettings();
    return this;
  }

  setNoDelay(noDelay = true): this {
    this.#noDelay = Boolean(noDelay);
    if (this.#id !== undefined && !this.connecting) this.#applySettings();
    return this;
  }

  /** 'timeout' after `ms` without activity (reads or writes); 0 disables. The socket stays open. */
  setTimeout(ms: number, cb?: () => void): this {
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw invalidArgType('msecs', 'number', ms);
    if (ms < 0 || !Number.isFinite(ms)) {
      throw nodeError(
        'ERR_OUT_OF_RANGE',
        `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${ms}`,
      );
    }
    if (cb !== undefined) {
      if (typeof cb !== 'function') throw invalidArgType('callback', 'function', cb);
      if (ms === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    this.timeout = ms === 0 ? undefined : ms;
    this.#timeoutMs = Math.trunc(ms);
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#timeoutMs > 0 && !this.destroyed) {
      this.#lastActive = this._ctx.host.now();
      this.#armTimer(this.#timeoutMs);
    }
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  // -----------------------------------------------------------------------------------------------
  // Duplex implementation

  override _read(_size: number): void {
    this.#reading = true;
    if (this.connecting || this.#id === undefined) return;
    this.#pull();
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: Callback): void {
    if (this.connecting) {
      this.once('connect', () => this._write(chunk, encoding, cb));
      return;
    }
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.#touch();
    const id = this.#id;
    if (id === undefined || this.#handleClosed) {
      cb(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
      return;
    }
    if (this.#heldError !== undefined || this.#dead) {
      cb(systemError('EPIPE', 'write'));
      return;
    }
    let accepted: number;
    try {
      accepted = connCall(this._ctx, sendCall, id, data).accepted;
    } catch {
      cb(systemError('EPIPE', 'write'));
      return;
    }
    this.#bytesDispatched += accepted;
    if (accepted === data.length) {
      cb();
      return;
    }
    this.#pendingWrite = { data: data.subarray(accepted), cb };
  }

  override _final(cb: Callback): void {
    if (this.pending && this.#hasHandle) {
      this.once('connect', () => this._final(cb));
      return;
    }
    const id = this.#id;
    if (id === undefined || this.#handleClosed || this.#dead) {
      cb();
      return;
    }
    try {
      connCall(this._ctx, shutdownCall, id, undefined);
    } catch {
      // Already closing or gone: like shutdown() returning ENOTCONN, which Node treats as done.
    }
    // Completes on the next tick: before the loop turns ('finish' precedes a setImmediate queued on
    // 'end', as over the kernel), yet after a synchronous destroy() that follows end(), which then
    // suppresses 'finish' as it does over the kernel.
    process.nextTick(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.connecting = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#hasHandle && !this.#handleClosed) {
      this.#handleClosed = true;
      const isException = err !== null;
      const id = this.#id;
      this.#pendingWrite = undefined;
      if (id !== undefined && !this.#dead) {
        const host = this._ctx.host;
        // Linux's tcp_close resets a connection whose received data was never read.
        const unread = (host.endpoint.connection(id)?.recvQueued ?? 0) > 0;
        const reset = this.resetAndClosing || unread;
        this.resetAndClosing = false;
        try {
          connCall(this._ctx, closeCall, id, reset);
        } catch {
          // The connection is already closing or gone.
        }
      }
      this.#local = undefined;
      setImmediate(emitClose, this, isException);
      cb(err);
    } else {
      cb(err);
      process.nextTick(() => this.emit('close'));
    }
    const server = this._server;
    if (server !== null) {
      server._connections--;
      server._emitCloseIfDrained();
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Internals

  /** #start as a function of the socket, for process.nextTick (no closure per connect()). */
  static #startOf(this: void, s: Socket, target: ConnectTarget, hints: unknown): void {
    s.#start(target, hints);
  }

  /**
   * connect()'s next tick: an IP literal is connected to at once; a name is looked up first, by the
   * options' lookup function if given, else among the host's own names (lookup.ts).
   */
  #start(target: ConnectTarget, hints: unknown): void {
    if (!this.connecting || this.destroyed) return;
    const { host, port, family, lookup } = target;
    if (isIP(host) !== 0) this.#open({ addr: host, port }, target.localAddress, target.localPort);
    else if (lookup !== undefined) {
      lookup(host, { family, hints, all: false }, (err, addr) => this.#resolved(target, (err as Error) ?? null, addr));
    } else {
      const addr = resolveName(this._ctx, host, family);
      this.#resolved(target, addr === undefined ? lookupError(host) : null, addr);
    }
  }

  /** The name of connect()'s host was looked up: connects to `addr`, or fails with `err`. */
  #resolved(target: ConnectTarget, err: Error | null, addr: unknown): void {
    if (!this.connecting || this.destroyed) return;
    const host = target.host;
    if (err === null && (typeof addr !== 'string' || isIP(addr) === 0)) {
      err = nodeError('ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${String(addr)}`);
    }
    if (err !== null) {
      this.emit('lookup', err, undefined, undefined, host);
      this.destroy(err);
      return;
    }
    const a = addr as string;
    this.emit('lookup', null, a, isIP(a), host);
    if (!this.connecting || this.destroyed) return;
    this.#open({ addr: a, port: target.port }, target.localAddress, target.localPort);
  }

  #peer(): Address | undefined {
    if (this.#handleClosed || this.connecting) return this.#peerCache;
    this.#peerCache ??= this.#remote;
    return this.#peerCache;
  }

  #open(remote: Address, localAddress: string | undefined, localPort: number | undefined): void {
    const host = this._ctx.host;
    this.#connectAddress = remote;
    if (localAddress !== undefined && !host.addresses.includes(localAddress)) {
      this.destroy(systemError('EADDRNOTAVAIL', 'bind', localAddress, localPort));
      return;
    }
    let id: ConnId;
    try {
      const opts: NetConnectOptions = {};
      if (localAddress !== undefined) opts.localAddr = localAddress;
      if (localPort !== undefined && localPort !== 0) opts.localPort = localPort;
      id = userCall(this._ctx, () => host.connect(remote, opts));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'ENOBUFS') {
        this.destroy(systemError(code, 'connect', remote.addr, remote.port));
        return;
      }
      throw e;
    }
    this.#attach(id);
  }

  #attach(id: ConnId): void {
    this.#id = id;
    const host = this._ctx.host;
    const addrs = host.endpoint.addresses(id);
    if (addrs !== undefined) {
      this.#local = addrs.local;
      this.#remote = addrs.remote;
    }
    // A bound method rather than a closure: one small object per socket.
    host.watch(id, this.#note.bind(this, id));
  }

  /**
   * Events are noted while the network runs and reported to the application in a turn of their
   * own (see scheduler.ts), as a kernel queues readiness for the next poll.
   */
  #note(id: ConnId, ev: ConnEvent): void {
    if (!REPORTED.has(ev.type) || this.#id !== id || this.#handleClosed) return;
    if (this.#inbox === undefined) {
      this.#inbox = [ev];
      this._ctx.driver.notify(Socket.#serviceOf, this);
    } else {
      this.#inbox.push(ev);
    }
  }

  /** #service as a function of the socket, which notify() takes without a closure per report. */
  static #serviceOf(this: void, s: Socket): void {
    s.#service();
  }

  #service(): void {
    const events = this.#inbox;
    this.#inbox = undefined;
    if (events === undefined) return;
    for (const ev of events) {
      if (this.#handleClosed) return;
      this.#onEvent(ev);
    }
  }

  #onEvent(ev: ConnEvent): void {
    switch (ev.type) {
      case 'connected':
        if (!this.connecting) return; // an accepted socket starts connected
        this.connecting = false;
        this.#connectAddress = undefined; // only a failing connect names it
        this.#applySettings();
        this.#touch();
        this.emit('connect');
        this.emit('ready');
        // Node's afterConnect: start reading unless paused (read(0) calls _read below the mark).
        if (this.#reading) this.#pull();
        else if (this.readable && !this.isPaused()) this.read(0);
        return;
      case 'readable':
        this.#pull();
        return;
      case 'peer-fin':
        this.#finReceived = true;
        this.#pull();
        return;
      case 'writable':
        this.#feed();
        return;
      case 'error':
        this.#onError(ev.code);
        return;
      case 'closed':
        this.#dead = true;
        if (this.#pendingWrite !== undefined) {
          const p = this.#pendingWrite;
          this.#pendingWrite = undefined;
          p.cb(systemError('EPIPE', 'write'));
        }
        return;
      default:
        return;
    }
  }

  #onError(code: string): void {
    if (this.connecting) {
      const remote = this.#connectAddress;
      const c = (code === 'ECONNRESET' ? 'ECONNREFUSED' : code) as SysErrorCode;
      this.destroy(systemError(c, 'connect', remote?.addr, remote?.port));
      return;
    }
    if (!this.#finReceived) {
      // Still reading: the next read returns the error.
      this.destroy(systemError(code as SysErrorCode, 'read'));
      return;
    }
    // Reading is over; the error waits for a write (EPIPE in CLOSE-WAIT, as Linux reports it).
    this.#heldError = code === 'ECONNRESET' ? 'EPIPE' : (code as SysErrorCode);
    if (this.#pendingWrite !== undefined) {
      const p = this.#pendingWrite;
      this.#pendingWrite = undefined;
      p.cb(systemError(this.#heldError, 'write'));
    }
  }

  /** Moves data from the connection into the stream while it wants more. */
  #pull(): void {
    const id = this.#id;
    if (id === undefined || this.#pulling || this.#eofPushed || this.#handleClosed) return;
    this.#pulling = true;
    try {
      while (this.#reading && !this.destroyed) {
        let data: Uint8Array | null = null;
        try {
          data = connCall(this._ctx, readCall, id, READ_CHUNK).data;
        } catch {
          data = null;
        }
        if (data === null || data.length === 0) {
          if (this.#finReceived) {
            this.#eofPushed = true;
            this.push(null);
          }
          return;
        }
        this.#bytesRead += data.length;
        this.#touch();
        const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        if (!this.push(buf)) this.#reading = false;
      }
    } finally {
      this.#pulling = false;
    }
  }

  /** Feeds the rest of a partly accepted write when the send buffer frees space. */
  #feed(): void {
    const p = this.#pendingWrite;
    const id = this.#id;
    if (p === undefined || id === undefined) return;
    let accepted = 0;
    try {
      accepted = connCall(this._ctx, sendCall, id, p.data).accepted;
    } catch {
      this.#pendingWrite = undefined;
      p.cb(systemError('EPIPE', 'write'));
      return;
    }
    this.#bytesDispatched += accepted;
    if (accepted < p.data.length) {
      p.data = p.data.subarray(accepted);
      return;
    }
    this.#pendingWrite = undefined;
    this.#touch();
    p.cb();
  }

  #applySettings(): void {
    const ka = this.#keepAlive;
    const nd = this.#noDelay;
    if (ka === undefined && nd === undefined) return; // nothing was asked for
    const id = this.#id;
    const host = this._ctx.host;
    if (id === undefined || host.endpoint.connection(id) === undefined) return;
    userCall(this._ctx, () => {
      if (nd !== undefined) {
        host.endpoint.setNoDelay(id, nd);
        host.poll();
      }
      if (ka !== undefined) {
        const opts = ka.delay > 0 ? { idle: ka.delay, interval: SECOND, count: 10 } : { interval: SECOND, count: 10 };
        host.call((now) => host.endpoint.setKeepalive(id, ka.enable, opts, now));
      }
    });
  }

  /** Activity: restarts the idle timeout. */
  #touch(): void {
    if (this.#timeoutMs === 0 || this.destroyed) return;
    this.#lastActive = this._ctx.host.now();
    if (this.#cancelTimer === undefined) this.#armTimer(this.#timeoutMs);
  }

  #armTimer(ms: number): void {
    this.#cancelTimer = this._ctx.driver.after(ms, () => {
      this.#cancelTimer = undefined;
      if (this.destroyed || this.#timeoutMs === 0) return;
      const idle = this._ctx.host.now() - this.#lastActive;
      if (idle < this.#timeoutMs) {
        this.#armTimer(this.#timeoutMs - idle);
        return;
      }
      // As Node's timer: it fires once; activity arms it again (see #touch).
      this.emit('timeout');
    });
  }
}

/** 'close' once the "handle" is closed (a turn after destroy(), as libuv's close callback). */
function emitClose(s: Socket, hadError: boolean): void {
  s.emit('close', hadError);
}

/** Node's onReadableStreamEnd: without allowHalfOpen, writing after the peer's FIN is an EPIPE. */
function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) this.write = writeAfterFIN;
}

function writeAfterFIN(this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
  if (!this.writableEnded) {
    return Duplex.prototype.write.call(this, chunk, encoding as BufferEncoding, cb as Callback);
  }
  const callback = typeof encoding === 'function' ? encoding : cb;
  const er = new Error('This socket has been ended by the other party') as Error & { code: string };
  er.code = 'EPIPE';
  if (typeof callback === 'function') process.nextTick(callback as (e: Error) => void, er);
  this.destroy(er);
  return false;
}
