// A simulated host: one Endpoint driven through a DriverLoop on the network's virtual clock, plus
// handles (SimListener, SimConn) that make tests read like application code. Every handle call runs at
// the network's current time and puts its output on the wire at once.

import { UsageError } from '../base/errors.js';
import type { TcpConfig } from '../core/config.js';
import type { Connection } from '../core/connection.js';
import type { ConnectionRow, ConnId, Endpoint, EndpointEvent, ListenerId } from '../core/endpoint.js';
import type { ConnEvent, ConnEventType } from '../core/events.js';
import type { HostLimits } from '../core/host-limits.js';
import type { TcpStateName } from '../core/state.js';
import type { Duration, Instant } from '../core/time.js';
import type { Address } from '../core/tuple.js';
import type { DriverLoop } from '../io/loop.js';
import type { DecodeOptions } from '../wire/ip.js';

type EventOf<T extends ConnEventType> = Extract<ConnEvent, { type: T }>;

const CHECKSUM_VERIFIED: DecodeOptions = Object.freeze({ checksumVerified: true });

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export interface HostOptions {
  /** Trace and display name; defaults to the address. */
  name?: string;
  /** Per-host TCP defaults, over the network's. */
  config?: Partial<TcpConfig>;
  /** What the host's endpoint may hold at once (core/host-limits.ts); the defaults where not given. */
  limits?: Partial<HostLimits>;
}

export interface ListenOptions {
  backlog?: number;
  config?: Partial<TcpConfig>;
  /** SYN cookies while the SYN queue is full (default true; see core/syn-cookie.ts). */
  synCookies?: boolean;
  /** Read received data into SimConn.received as it arrives (default true). */
  autoRead?: boolean;
}

export interface ConnectOptions {
  localPort?: number;
  config?: Partial<TcpConfig>;
  /** Read received data into SimConn.received as it arrives (default true). */
  autoRead?: boolean;
}

export class SimHost {
  readonly addr: string;
  readonly name: string;
  readonly endpoint: Endpoint;
  readonly loop: DriverLoop<Endpoint>;
  readonly #conns = new Map<ConnId, SimConn>();
  readonly #listeners = new Map<ListenerId, SimListener>();
  readonly #lookup: (name: string) => string[];
  /** Packets that came over a checksum-offload link (the network marks them; see SimLinkOptions). */
  readonly #verified: { has(bytes: Uint8Array): boolean } | undefined;

  /** Made by SimNetwork.host(); not meant to be constructed directly. */
  constructor(
    addr: string,
    name: string,
    endpoint: Endpoint,
    loop: (host: SimHost) => DriverLoop<Endpoint>,
    lookup: (name: string) => string[] = (n) => (n.toLowerCase() === 'localhost' ? [addr] : []),
    verified?: { has(bytes: Uint8Array): boolean },
  ) {
    this.addr = addr;
    this.name = name;
    this.endpoint = endpoint;
    this.loop = loop(this);
    this.#lookup = lookup;
    this.#verified = verified;
  }

  /**
   * The addresses a name stands for, as this host resolves it (SimNetwork.lookup): an IP literal is
   * itself, 'localhost' this host, then the network's hosts map and the other hosts' names. Empty
   * when the name is unknown: there is no DNS.
   */
  lookup(name: string): string[] {
    return this.#lookup(name);
  }

  get now(): Instant {
    return this.loop.clock.now();
  }

  /** Passive open on `port` (every local address). Throws UsageError EADDRINUSE if taken. */
  listen(port: number, opts: ListenOptions = {}): SimListener {
    const epOpts: { backlog?: number; config?: Partial<TcpConfig>; synCookies?: boolean } = {};
    if (opts.backlog !== undefined) epOpts.backlog = opts.backlog;
    if (opts.config !== undefined) epOpts.config = opts.config;
    if (opts.synCookies !== undefined) epOpts.synCookies = opts.synCookies;
    const id = this.endpoint.listen({ port }, epOpts);
    const l = new SimListener(this, id, port, opts.autoRead ?? true);
    this.#listeners.set(id, l);
    this.loop.poll();
    return l;
  }

  /** Active open toward `remote`. The SYN is on the wire when this returns. */
  connect(remote: Address, opts: ConnectOptions = {}): SimConn {
    let conn: SimConn | undefined;
    const cOpts: { local?: { port?: number }; config?: Partial<TcpConfig> } = {};
    if (opts.localPort !== undefined) cOpts.local = { port: opts.localPort };
    if (opts.config !== undefined) cOpts.config = opts.config;
    this.loop.call((now) => {
      const r = this.endpoint.connect(remote, now, cOpts);
      // Registered before the loop dispatches anything, so no event finds the handle missing.
      conn = this.#adopt(r.conn, opts.autoRead ?? true);
      return r.out;
    });
    return conn as SimConn;
  }

  /** Like `ss -tan`: listeners, live connections and TIME-WAIT records. */
  connections(): ConnectionRow[] {
    return this.endpoint.connections(this.now);
  }

  /** The handle of a connection by id (accepted or connected from this host). */
  conn(id: ConnId): SimConn | undefined {
    return this.#conns.get(id);
  }

  /** Every connection handle this host has made, in creation order. */
  conns(): SimConn[] {
    return [...this.#conns.values()];
  }

  /**
   * Raw IP bytes arriving from the wire (called by the network). Bytes the network sent over a
   * checksum-offload link are handed over as checksum-verified: the mark is on the bytes themselves,
   * so a receive() replaced on the host that passes them on later still delivers them as such.
   */
  receive(bytes: Uint8Array): void {
    if (this.#verified?.has(bytes) === true) {
      this.loop.call((now) => this.endpoint.handleDatagram(bytes, now, CHECKSUM_VERIFIED));
      return;
    }
    this.loop.handleBytes(bytes);
  }

  /**
   * @internal receive() as one function made once, which the network posts deliveries to. It calls
   * receive() itself, so a receive() replaced on the host (tools/soak.ts holds packets back while a
   * host stalls) still sees every delivery.
   */
  readonly receiveFn = (bytes: Uint8Array): void => this.receive(bytes);

  /** @internal the loop's event dispatcher. */
  dispatch(ev: EndpointEvent): void {
    // The common case first: an event of a connection that has its handle.
    if (ev.type === 'conn') {
      const known = this.#conns.get(ev.conn);
      if (known !== undefined) {
        known.onEvent(ev.event);
        return;
      }
    }
    this.#dispatchRare(ev);
  }

  #dispatchRare(ev: EndpointEvent): void {
    if (ev.type === 'accept') {
      const c = this.#conns.get(ev.conn) ?? this.#adopt(ev.conn, this.#listeners.get(ev.listener)?.autoRead ?? true);
      this.#listeners.get(ev.listener)?.onAccepted(c);
      return;
    }
    let c = this.#conns.get(ev.conn);
    if (c === undefined) {
      // A passive connection can report events before it is accepted: find its listener by port.
      const port = this.endpoint.addresses(ev.conn)?.local.port;
      let autoRead = true;
      for (const l of this.#listeners.values()) if (l.port === port) autoRead = l.autoRead;
      c = this.#adopt(ev.conn, autoRead);
    }
    c.onEvent(ev.event);
  }

  /** @internal */
  unlisten(l: SimListener): void {
    this.#listeners.delete(l.id);
  }

  #adopt(id: ConnId, autoRead: boolean): SimConn {
    const c = new SimConn(this, id, autoRead);
    this.#conns.set(id, c);
    return c;
  }
}

// `host.net`, the node:net look-alike of a host, belongs to the net layer (src/net), which builds on
// this one and needs node:stream. Loading it (finack's main entry does) replaces this getter and adds
// `net` to SimHost's type; without it, as under 'finack/portable', host.net says what is missing.
Object.defineProperty(SimHost.prototype, 'net', {
  configurable: true,
  get(): never {
    throw new UsageError(
      'ERR_TCP_INVALID_STATE',
      "host.net needs the net layer: import from 'finack', not 'finack/portable'",
    );
  },
});

export class SimListener {
  readonly host: SimHost;
  readonly id: ListenerId;
  readonly port: number;
  readonly autoRead: boolean;
  /** Connections whose handshake completed, in order. */
  readonly accepted: SimConn[] = [];
  onAccept?: (c: SimConn) => void;
  #closed = false;

  constructor(host: SimHost, id: ListenerId, port: number, autoRead: boolean) {
    this.host = host;
    this.id = id;
    this.port = port;
    this.autoRead = autoRead;
  }

  /** Stops listening; connections queued but not yet accepted are reset by the endpoint. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.host.loop.call((now) => this.host.endpoint.unlisten(this.id, now));
    this.host.unlisten(this);
  }

  /** @internal */
  onAccepted(c: SimConn): void {
    this.accepted.push(c);
    this.onAccept?.(c);
  }
}

export class SimConn {
  readonly host: SimHost;
  readonly id: ConnId;
  /** Everything this connection emitted, in order, with the virtual time. */
  readonly events: { t: Instant; event: ConnEvent }[] = [];
  /** Data read as it became readable (when autoRead is on), one chunk per read. */
  readonly received: Uint8Array[] = [];
  /** Read data on every 'readable' event. Turn off to test a receiver that does not read. */
  autoRead: boolean;
  /** Written data not yet taken by the send buffer, fed on 'writable'. */
  readonly #unsent: Uint8Array[] = [];
  #unsentBytes = 0;
  /** A shutdown or close waiting for #unsent to drain. */
  #afterDrain: 'shutdown' | 'close' | undefined;
  #timeWait = false;
  #closed = false;
  #readClosed = false;
  /** Handlers by event type, made on the first on(). */
  #handlers: Map<ConnEventType, ((ev: ConnEvent) => void)[]> | undefined;
  /** The one watcher of every event (the net layer's socket), after the typed handlers. */
  #watcher: ((ev: ConnEvent) => void) | undefined;

  constructor(host: SimHost, id: ConnId, autoRead: boolean) {
    this.host = host;
    this.id = id;
    this.autoRead = autoRead;
  }

  /** The live state; 'TIME-WAIT' while the endpoint holds a record; 'CLOSED' after 'closed'. */
  get state(): TcpStateName {
    if (this.#closed) return 'CLOSED';
    const c = this.host.endpoint.connection(this.id);
    if (c !== undefined) return c.state;
    if (this.#timeWait) return 'TIME-WAIT';
    const row = this.host.connections().find((r) => r.conn === this.id);
    return row?.state ?? 'CLOSED';
  }

  /** The live Connection object (undefined once it is a TIME-WAIT record or closed). */
  get connection(): Connection | undefined {
    return this.host.endpoint.connection(this.id);
  }

  get local(): Address | undefined {
    return this.host.endpoint.addresses(this.id)?.local;
  }

  get remote(): Address | undefined {
    return this.host.endpoint.addresses(this.id)?.remote;
  }

  /** Bytes given to write() that the send buffer has not taken yet. */
  get unsentBytes(): number {
    return this.#unsentBytes;
  }

  /** Has this connection emitted an event of this type? */
  saw(type: ConnEventType): boolean {
    return this.events.some((e) => e.event.type === type);
  }

  /** Time of the first event of this type, or undefined. */
  timeOf(type: ConnEventType): Instant | undefined {
    return this.events.find((e) => e.event.type === type)?.t;
  }

  /** All received chunks, concatenated. */
  receivedBytes(): Uint8Array {
    let n = 0;
    for (const c of this.received) n += c.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.received) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** Received data as UTF-8 text. */
  receivedText(): string {
    return textDecoder.decode(this.receivedBytes());
  }

  /** Reads buffered in-order data now (for autoRead off); null when none is buffered. */
  read(max?: number): Uint8Array | null {
    const r = this.host.loop.call((now) => this.host.endpoint.read(this.id, now, max));
    if (r.data !== null) this.received.push(r.data);
    return r.data;
  }

  /**
   * Queues data. Returns how many bytes the send buffer took now; the rest is kept (copied) and fed
   * to the connection on each 'writable' event, before any later write.
   * Throws UsageError (e.g. ERR_TCP_CLOSING after shutdown) as the endpoint does.
   */
  write(data: Uint8Array | string): number {
    const bytes = typeof data === 'string' ? textEncoder.encode(data) : data;
    if (this.#afterDrain !== undefined) throw new UsageError('ERR_TCP_CLOSING', 'write after shutdown');
    if (this.#unsent.length > 0) {
      this.#keep(bytes);
      return 0;
    }
    const r = this.host.loop.call((now) => this.host.endpoint.send(this.id, bytes, now));
    if (r.accepted < bytes.length) this.#keep(bytes.subarray(r.accepted));
    return r.accepted;
  }

  /** Half-close: FIN after everything written (including data still waiting for buffer space). */
  shutdown(): void {
    if (this.#unsent.length > 0) {
      this.#afterDrain ??= 'shutdown';
      return;
    }
    this.host.loop.call((now) => this.host.endpoint.shutdown(this.id, now));
  }

  /** Full close, after everything written has been handed over. From now on nothing is read. */
  close(): void {
    this.#readClosed = true;
    if (this.#unsent.length > 0) {
      this.#afterDrain = 'close';
      return;
    }
    this.host.loop.call((now) => this.host.endpoint.close(this.id, now));
  }

  /** RST (if synchronized) and CLOSED; unsent data is discarded. */
  abort(): void {
    this.#readClosed = true; // as after close(): a 'readable' still queued finds nothing to read
    this.#unsent.length = 0;
    this.#unsentBytes = 0;
    this.#afterDrain = undefined;
    this.host.loop.call((now) => this.host.endpoint.abort(this.id, now));
  }

  setKeepalive(enable: boolean, opts?: { idle?: Duration; interval?: Duration; count?: number }): void {
    this.host.loop.call((now) => this.host.endpoint.setKeepalive(this.id, enable, opts, now));
  }

  setNoDelay(on: boolean): void {
    this.host.endpoint.setNoDelay(this.id, on);
    this.host.loop.poll();
  }

  /** Calls fn for each later event of this type (after the handle's own bookkeeping). */
  on<T extends ConnEventType>(type: T, fn: (ev: EventOf<T>) => void): this {
    this.#handlers ??= new Map();
    const list = this.#handlers.get(type) ?? [];
    list.push(fn as (ev: ConnEvent) => void);
    this.#handlers.set(type, list);
    return this;
  }

  /**
   * @internal Calls fn for every later event, after the handlers of on(). One watcher per handle
   * (a later call replaces it): the net layer's socket, which takes every type of event.
   */
  watch(fn: (ev: ConnEvent) => void): void {
    this.#watcher = fn;
  }

  /** @internal called by the host for each of this connection's events. */
  onEvent(ev: ConnEvent): void {
    this.events.push({ t: this.host.now, event: ev });
    switch (ev.type) {
      case 'readable':
        if (this.autoRead) this.#drainReceive();
        break;
      case 'writable':
        this.#feed();
        break;
      case 'time-wait':
        this.#timeWait = true;
        break;
      case 'closed':
        this.#closed = true;
        this.#unsent.length = 0;
        this.#unsentBytes = 0;
        this.#afterDrain = undefined;
        break;
      default:
        break;
    }
    const list = this.#handlers?.get(ev.type);
    if (list) for (const fn of list) fn(ev);
    this.#watcher?.(ev);
  }

  #keep(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#unsent.push(bytes.slice());
    this.#unsentBytes += bytes.length;
  }

  #drainReceive(): void {
    // After close() the application reads nothing more (the core refuses RECEIVE then).
    if (this.#readClosed) return;
    for (;;) {
      const r = this.host.loop.call((now) => this.host.endpoint.read(this.id, now));
      if (r.data === null || r.data.length === 0) return;
      this.received.push(r.data);
    }
  }

  #feed(): void {
    while (this.#unsent.length > 0) {
      const head = this.#unsent[0] as Uint8Array;
      const r = this.host.loop.call((now) => this.host.endpoint.send(this.id, head, now));
      this.#unsentBytes -= r.accepted;
      if (r.accepted < head.length) {
        this.#unsent[0] = head.subarray(r.accepted);
        return;
      }
      this.#unsent.shift();
    }
    const then = this.#afterDrain;
    this.#afterDrain = undefined;
    if (then === 'shutdown') this.host.loop.call((now) => this.host.endpoint.shutdown(this.id, now));
    else if (then === 'close') this.host.loop.call((now) => this.host.endpoint.close(this.id, now));
  }
}
