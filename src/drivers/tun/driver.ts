// A finack Endpoint on a TUN device: the real-network counterpart of sim/host.ts.
//
//   kernel TCP  <-- TUN interface -->  TunDevice  --bytes-->  [faults in]  --> DriverLoop.handleBytes
//                                                 <--bytes--  [faults out] <-- encodePacket <-- transmit
//
// The DriverLoop (io/loop.ts) owns the Endpoint and one NodeClock timer. Every packet read from
// the device is decoded with its IP and TCP checksums verified (wire/ip.ts decodePacket: a bad one is
// traced as a 'checksum' drop and never reaches the core); every packet sent is encoded with both
// checksums computed in software — no offload is assumed in either direction.
//
// MSS follows the link: we announce MTU − 40 on IPv4 and MTU − 60 on IPv6 (IP + TCP headers without
// options), so a full segment plus its headers always fits the device's MTU.
//
// Offloads (device.ts, offload.ts): a device may hand a TCP segment larger than the MTU (the kernel's
// segmentation offload) with a partial checksum the kernel vouches for. Such a packet is decoded here
// without verifying the TCP checksum and goes to the core as one segment (or, with cutOffloads, as
// the MSS-sized segments it stands for, views into it); with a capture or an inbound fault model it
// is cut into the packets a wire would carry, checksums filled, and each takes the ordinary path.
//
// Faults: optionally, packets in either direction pass through a Link (io/link.ts, the fault model
// of the simulator's links too: loss, delay, jitter, reordering, duplication) on our side of the
// device, with delays kept on the same clock.
//
// Capture: every packet that crosses the device, in either direction, can go to a pcap writer, at
// wall-clock time. An outbound packet a fault drops never crosses the device and is not captured; an
// inbound one did cross it and is captured before the fault drops it. So with faults off, the capture
// and the trace agree packet for packet (the interop tests check that with tshark).

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type ConnErrorCode, UsageError } from '../../base/errors.js';
import { Rng } from '../../base/rng.js';
import type { TcpConfig } from '../../core/config.js';
import type { ConnectionRow, ConnId, EndpointEvent, KeepaliveOptions, ListenerId } from '../../core/endpoint.js';
import { Endpoint } from '../../core/endpoint.js';
import type { ConnEvent } from '../../core/events.js';
import type { TcpStateName } from '../../core/state.js';
import type { Clock } from '../../io/clock.js';
import { Link, type LinkOptions } from '../../io/link.js';
import { DriverLoop } from '../../io/loop.js';
import { NO_TRACE, type TraceSink } from '../../trace/events.js';
import { addressFamily, encodePacket, type Packet } from '../../wire/ip.js';
import { NodeClock } from '../node-clock.js';
import { wallClockMs } from '../pcap-file.js';
import { decodeTrusted, type RxOffload, segmentPacket, segmentWire } from './offload.js';

/**
 * What the driver needs of a device: TunDevice, or an in-memory stand-in (tests, other transports).
 * onPacket is set by the driver; each call hands over one whole IP packet, and optionally what the
 * device knows of its TCP checksum (offload.ts): absent, verify it.
 */
export interface PacketDevice {
  readonly name: string;
  readonly mtu: number;
  onPacket: (bytes: Uint8Array, info?: RxOffload) => void;
  write(packet: Uint8Array): boolean;
  close(): void;
}

/** Where captured packets go (a PcapFileWriter, or anything with the same write()). */
export interface PacketRecorder {
  write(timeMs: number, packet: Uint8Array): void;
}

export interface TunFaults {
  /** Applied to packets finack sends, before they reach the device. */
  out?: LinkOptions;
  /** Applied to packets read from the device, before finack sees them. */
  in?: LinkOptions;
  /** Seed of the fault decisions (default 1). */
  seed?: number;
}

export interface TunDriverOptions {
  device: PacketDevice;
  /** finack's own addresses (on the far side of the device; not the kernel's). */
  addresses: string[];
  /** Trace name (default 'finack'). */
  name?: string;
  /** TCP settings for every connection; mss defaults from the MTU. */
  config?: Partial<TcpConfig>;
  trace?: TraceSink;
  pcap?: PacketRecorder;
  faults?: TunFaults;
  /** Close the device in close() (default true). */
  ownsDevice?: boolean;
  /** Injected for tests; default crypto random. */
  isnSecret?: Uint8Array;
  random?: () => number;
  /** Default: a NodeClock (real time). Tests pass a virtual clock. */
  clock?: Clock;
  /** Capture timestamps (ms since the epoch); default the wall clock. */
  captureTime?: () => number;
  /**
   * A TSO segment from an offloading device goes to the core cut into the segments a wire would
   * carry (the same segments, and so the same ACKs, as without offloads) instead of whole, as Linux
   * GRO hands its TCP a merged one (default false: whole, one ACK per TSO segment). With a capture
   * or inbound faults it is always cut, into real packets.
   */
  cutOffloads?: boolean;
}

/** IP + TCP header bytes without options, per family. */
export function mssForMtu(mtu: number, family: 4 | 6): number {
  return mtu - (family === 6 ? 60 : 40);
}

export class TunDriver {
  readonly device: PacketDevice;
  readonly endpoint: Endpoint;
  readonly loop: DriverLoop<Endpoint>;
  readonly clock: Clock;
  readonly #captureTime: () => number;
  readonly name: string;
  readonly #config: Partial<TcpConfig>;
  readonly #pcap: PacketRecorder | undefined;
  readonly #conns = new Map<ConnId, TunConnection>();
  readonly #listeners = new Map<ListenerId, (c: TunConnection) => void>();
  /** Raw listeners (listenRaw) and the connections whose events go to a watcher (watch). */
  readonly #rawListeners = new Map<ListenerId, (id: ConnId) => void>();
  readonly #watchers = new Map<ConnId, (ev: ConnEvent) => void>();
  readonly #out: Link | undefined;
  readonly #in: Link | undefined;
  readonly #ownsDevice: boolean;
  readonly #addrs: string[];
  readonly #cut: boolean;
  #closed = false;

  constructor(opts: TunDriverOptions) {
    this.device = opts.device;
    this.name = opts.name ?? 'finack';
    this.#config = { ...opts.config };
    this.#pcap = opts.pcap;
    this.#ownsDevice = opts.ownsDevice ?? true;
    this.#addrs = [...opts.addresses];
    this.#cut = opts.cutOffloads ?? false;
    this.clock = opts.clock ?? new NodeClock();
    this.#captureTime = opts.captureTime ?? wallClockMs;
    const rng = new Rng(opts.faults?.seed ?? 1);
    this.#out = opts.faults?.out ? new Link({ latency: 0, ...opts.faults.out }, rng.fork('out')) : undefined;
    this.#in = opts.faults?.in ? new Link({ latency: 0, ...opts.faults.in }, rng.fork('in')) : undefined;
    const trace = opts.trace ?? NO_TRACE;
    this.endpoint = new Endpoint({
      name: this.name,
      addresses: opts.addresses,
      isnSecret: opts.isnSecret ?? new Uint8Array(randomBytes(16)),
      random: opts.random ?? Math.random,
      config: this.#config,
      trace,
    });
    this.loop = new DriverLoop({
      endpoint: this.endpoint,
      clock: this.clock,
      transmit: (pkt) => this.#transmit(pkt),
      dispatch: (ev) => this.#dispatch(ev),
      name: this.name,
      trace,
    });
    this.device.onPacket = (bytes, info) => {
      if (info === undefined) this.#receive(bytes);
      else this.#receiveTrusted(bytes, info);
    };
  }

  /** TCP settings for a connection of `family`: the driver's config with the MSS taken from the MTU. */
  configFor(family: 4 | 6, extra?: Partial<TcpConfig>): Partial<TcpConfig> {
    const linkMss = mssForMtu(this.device.mtu, family);
    const asked = extra?.mss ?? this.#config.mss;
    return { ...this.#config, ...extra, mss: asked === undefined ? linkMss : Math.min(asked, linkMss) };
  }

  /** finack's own addresses on this device. */
  get addresses(): readonly string[] {
    return this.#addrs;
  }

  /** Passive open; `onConnection` gets each connection once its handshake completes. */
  listen(
    port: number,
    onConnection: (c: TunConnection) => void,
    opts: { addr?: string; backlog?: number; config?: Partial<TcpConfig> } = {},
  ): ListenerId {
    const id = this.#listen(port, opts);
    this.#listeners.set(id, onConnection);
    return id;
  }

  /**
   * Passive open for a layer with its own connection objects (the net API): `onAccept` gets the id
   * of each connection whose handshake completed, and should watch() it at once. No TunConnection
   * is made, so nothing reads the connection but that layer.
   */
  listenRaw(
    port: number,
    onAccept: (id: ConnId) => void,
    opts: { addr?: string; backlog?: number; config?: Partial<TcpConfig> } = {},
  ): ListenerId {
    const id = this.#listen(port, opts);
    this.#rawListeners.set(id, onAccept);
    return id;
  }

  #listen(port: number, opts: { addr?: string; backlog?: number; config?: Partial<TcpConfig> }): ListenerId {
    // On every address of a dual-stack driver, the IPv6 MSS (the smaller) keeps both families within the MTU.
    const family =
      opts.addr !== undefined ? addressFamily(opts.addr) : this.#addrs.some((a) => addressFamily(a) === 6) ? 6 : 4;
    const id = this.endpoint.listen(
      { ...(opts.addr !== undefined ? { addr: opts.addr } : {}), port },
      { config: this.configFor(family, opts.config), ...(opts.backlog !== undefined ? { backlog: opts.backlog } : {}) },
    );
    return id;
  }

  unlisten(id: ListenerId): void {
    this.#listeners.delete(id);
    this.#rawListeners.delete(id);
    this.loop.call((now) => this.endpoint.unlisten(id, now));
  }

  /** Active open to a kernel-side address. */
  connect(
    host: string,
    port: number,
    opts: { localAddr?: string; localPort?: number; config?: Partial<TcpConfig> } = {},
  ): TunConnection {
    // Registered before the loop dispatches anything for this connection.
    const id = this.#connect(host, port, opts, (conn) => this.#conns.set(conn, new TunConnection(this, conn)));
    return this.#conns.get(id) as TunConnection;
  }

  /**
   * Active open for a layer with its own connection objects (the net API): returns the id, whose
   * events go to the handler given to watch(). The SYN is on the wire when this returns.
   */
  connectRaw(
    host: string,
    port: number,
    opts: { localAddr?: string; localPort?: number; config?: Partial<TcpConfig> } = {},
  ): ConnId {
    return this.#connect(host, port, opts, () => {});
  }

  /** From now on the events of connection `id` go to `fn` (until 'closed', the last one). */
  watch(id: ConnId, fn: (ev: ConnEvent) => void): void {
    this.#watchers.set(id, fn);
  }

  #connect(
    host: string,
    port: number,
    opts: { localAddr?: string; localPort?: number; config?: Partial<TcpConfig> },
    register: (id: ConnId) => void,
  ): ConnId {
    const family = addressFamily(host);
    const local = opts.localAddr ?? this.#firstAddr(family);
    let id: ConnId | undefined;
    this.loop.call((now) => {
      const r = this.endpoint.connect({ addr: host, port }, now, {
        local: { addr: local, ...(opts.localPort !== undefined ? { port: opts.localPort } : {}) },
        config: this.configFor(family, opts.config),
      });
      id = r.conn;
      register(r.conn);
      return r.out;
    });
    return id as ConnId;
  }

  /** Every listener and connection, like `ss -tan`. */
  connections(): ConnectionRow[] {
    return this.endpoint.connections(this.clock.now());
  }

  /** Live connection objects. */
  get connectionCount(): number {
    return this.#conns.size;
  }

  /**
   * Stops timers and reading; closes the device if we own it. With `abort`, every live connection is
   * reset first, so kernel peers learn at once that we are gone (as Linux does for a socket closed
   * with unread data); otherwise they find out by their own timeouts.
   */
  close(opts: { abort?: boolean } = {}): void {
    if (this.#closed) return;
    if (opts.abort) {
      for (const c of [...this.#conns.values()]) c.abort();
      for (const id of [...this.#watchers.keys()]) this.loop.call((now) => this.endpoint.abort(id, now));
    }
    this.#closed = true;
    this.loop.stop();
    if (this.clock instanceof NodeClock) this.clock.close();
    if (this.#ownsDevice) this.device.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** @internal */
  conn(id: ConnId): TunConnection | undefined {
    return this.#conns.get(id);
  }

  /** @internal */
  forget(id: ConnId): void {
    this.#conns.delete(id);
  }

  #firstAddr(family?: 4 | 6): string {
    const all = this.#addrs;
    const hit = family === undefined ? all[0] : all.find((a) => addressFamily(a) === family);
    return hit ?? (all[0] as string);
  }

  /**
   * A packet the kernel vouched for (offload.ts). Without capture or faults it is decoded without
   * its TCP checksum and a TSO segment is cut into the segments a wire would carry, as views, all
   * handed to the core in order. Otherwise it is cut into real packets, checksums filled, and each
   * takes the ordinary path, so captures and fault models see what a wire would carry.
   */
  #receiveTrusted(bytes: Uint8Array, info: RxOffload): void {
    if (this.#closed) return;
    if (this.#pcap === undefined && this.#in === undefined) {
      const pkt = decodeTrusted(bytes);
      if (pkt !== undefined) {
        if (info.gsoSize === 0 || !this.#cut) {
          this.loop.handlePacket(pkt);
          return;
        }
        for (const p of segmentPacket(pkt, info.gsoSize)) {
          if (this.#closed) return;
          this.loop.handlePacket(p);
        }
        return;
      }
    }
    for (const p of segmentWire(bytes, info)) this.#receive(p);
  }

  #receive(bytes: Uint8Array): void {
    if (this.#closed) return;
    const link = this.#in;
    this.#pcap?.write(this.#captureTime(), bytes);
    if (!link) {
      this.loop.handleBytes(bytes);
      return;
    }
    this.#through(link, bytes, (b) => this.loop.handleBytes(b));
  }

  #transmit(pkt: Packet): void {
    if (this.#closed) return;
    const bytes = encodePacket(pkt);
    const link = this.#out;
    if (!link) {
      this.#put(bytes);
      return;
    }
    this.#through(link, bytes, (b) => this.#put(b));
  }

  #put(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#pcap?.write(this.#captureTime(), bytes);
    this.device.write(bytes);
  }

  #through(link: Link, bytes: Uint8Array, deliver: (b: Uint8Array) => void): void {
    const now = this.clock.now();
    const v = link.send(bytes.length, now);
    for (const at of v.arrive) {
      if (at <= now) deliver(bytes);
      else this.clock.schedule(at, () => !this.#closed && deliver(bytes));
    }
  }

  #dispatch(ev: EndpointEvent): void {
    if (ev.type === 'accept') {
      const raw = this.#rawListeners.get(ev.listener);
      if (raw !== undefined) {
        raw(ev.conn);
        return;
      }
      const c = new TunConnection(this, ev.conn);
      this.#conns.set(ev.conn, c);
      const cb = this.#listeners.get(ev.listener);
      if (cb) cb(c);
      return;
    }
    const w = this.#watchers.get(ev.conn);
    if (w !== undefined) {
      if (ev.event.type === 'closed') this.#watchers.delete(ev.conn);
      w(ev.event);
      return;
    }
    const c = this.#conns.get(ev.conn);
    c?.onEvent(ev.event.type === 'error' ? { type: 'error', code: ev.event.code } : ev.event);
  }
}

// `tunDriver.net`, the node:net look-alike over the device, belongs to the net layer (src/net), which
// builds on this one. Loading it (finack's main entry does) replaces this getter and adds `net` to
// TunDriver's type; a program that loaded only this module is told what is missing.
Object.defineProperty(TunDriver.prototype, 'net', {
  configurable: true,
  get(): never {
    throw new UsageError('ERR_TCP_INVALID_STATE', "tunDriver.net needs the net layer: import TunDriver from 'finack'");
  },
});

export interface TunConnectionEvents {
  connect: [];
  data: [Uint8Array];
  end: [];
  drain: [];
  finish: [];
  'time-wait': [];
  error: [TunConnectionError];
  close: [];
}

export class TunConnectionError extends Error {
  readonly code: ConnErrorCode;
  constructor(code: ConnErrorCode) {
    super(code);
    this.code = code;
    this.name = 'TunConnectionError';
  }
}

/**
 * One connection, with stream-like calls: write() queues what the send buffer cannot take yet and
 * returns false until 'drain'; end() half-closes after the queue is sent; 'end' comes when the
 * peer's FIN has arrived and everything before it was delivered; 'close' comes once, last.
 */
export class TunConnection extends EventEmitter<TunConnectionEvents> {
  readonly id: ConnId;
  readonly #d: TunDriver;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  /** end() or close() was called: no more writes. */
  #writeEnded = false;
  /** close() was called: no more reading either; the core's close() follows the queue. */
  #closeAfterFlush = false;
  /** shutdown() or close() went to the core. */
  #finQueued = false;
  #peerFin = false;
  #endEmitted = false;
  #paused = false;
  #closed = false;
  #lastState: TcpStateName | undefined;
  /** Bytes delivered through 'data'. */
  bytesRead = 0;
  /** Bytes accepted by the core's send buffer. */
  bytesWritten = 0;

  constructor(d: TunDriver, id: ConnId) {
    super();
    this.#d = d;
    this.id = id;
  }

  get state(): TcpStateName | 'CLOSED' {
    return this.#d.endpoint.connection(this.id)?.state ?? this.#lastState ?? 'CLOSED';
  }

  get addresses(): ReturnType<Endpoint['addresses']> {
    return this.#d.endpoint.addresses(this.id);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes waiting in our queue (not yet taken by the core). */
  get writableLength(): number {
    return this.#queued;
  }

  write(data: Uint8Array): boolean {
    if (this.#closed || this.#writeEnded) return false;
    if (data.length === 0) return this.#queued === 0;
    if (this.#queued === 0) {
      const r = this.#d.loop.call((now) => this.#d.endpoint.send(this.id, data, now));
      this.bytesWritten += r.accepted;
      if (r.accepted === data.length) return true;
      data = data.subarray(r.accepted);
    }
    this.#queue.push(data);
    this.#queued += data.length;
    return false;
  }

  /** Half-close: FIN after everything written. */
  end(): void {
    if (this.#closed || this.#writeEnded) return;
    this.#writeEnded = true;
    this.#flush();
  }

  /** Full close after the queue is sent (stops reading too): close() in the core. */
  close(): void {
    if (this.#closed || this.#closeAfterFlush) return;
    this.#writeEnded = true;
    this.#closeAfterFlush = true;
    if (this.#finQueued) {
      this.#d.loop.call((now) => this.#d.endpoint.close(this.id, now));
      return;
    }
    this.#flush();
  }

  /** Reset: RST to the peer, connection gone. */
  abort(): void {
    if (this.#closed) return;
    this.#d.loop.call((now) => this.#d.endpoint.abort(this.id, now));
  }

  setKeepalive(enable: boolean, opts?: KeepaliveOptions): void {
    if (this.#closed) return;
    this.#d.loop.call((now) => this.#d.endpoint.setKeepalive(this.id, enable, opts, now));
  }

  setNoDelay(noDelay = true): void {
    if (!this.#closed) this.#d.endpoint.setNoDelay(this.id, noDelay);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#drainRead();
  }

  /** @internal */
  onEvent(ev: { type: string; code?: ConnErrorCode }): void {
    const live = this.#d.endpoint.connection(this.id);
    if (live) this.#lastState = live.state;
    switch (ev.type) {
      case 'connected':
        this.emit('connect');
        break;
      case 'readable':
        this.#drainRead();
        break;
      case 'writable':
        this.#flush();
        break;
      case 'peer-fin':
        this.#peerFin = true;
        this.#drainRead();
        break;
      case 'fin-acked':
        this.emit('finish');
        break;
      case 'time-wait':
        this.#lastState = 'TIME-WAIT';
        this.emit('time-wait');
        break;
      case 'error':
        this.emit('error', new TunConnectionError(ev.code as ConnErrorCode));
        break;
      case 'closed':
        this.#closed = true;
        this.#lastState = 'CLOSED';
        this.#d.forget(this.id);
        this.emit('close');
        break;
    }
  }

  #drainRead(): void {
    if (this.#paused || this.#closed) {
      return;
    }
    for (let i = 0; i < 1_000_000; i++) {
      if (this.#paused || this.#closed || this.#closeAfterFlush) return;
      if (!this.#d.endpoint.connection(this.id)) break;
      const r = this.#d.loop.call((now) => this.#d.endpoint.read(this.id, now));
      if (r.data === null || r.data.length === 0) break;
      this.bytesRead += r.data.length;
      this.emit('data', r.data);
    }
    if (this.#peerFin && !this.#endEmitted && !this.#paused) {
      this.#endEmitted = true;
      this.emit('end');
    }
  }

  #flush(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      const head = this.#queue[0] as Uint8Array;
      if (!this.#d.endpoint.connection(this.id)) return;
      const r = this.#d.loop.call((now) => this.#d.endpoint.send(this.id, head, now));
      this.bytesWritten += r.accepted;
      this.#queued -= r.accepted;
      if (r.accepted < head.length) {
        this.#queue[0] = head.subarray(r.accepted);
        return;
      }
      this.#queue.shift();
      if (this.#queue.length === 0) this.emit('drain');
    }
    if (this.#queue.length === 0 && this.#writeEnded && !this.#finQueued && !this.#closed) {
      this.#finQueued = true;
      if (this.#closeAfterFlush) this.#d.loop.call((now) => this.#d.endpoint.close(this.id, now));
      else this.#d.loop.call((now) => this.#d.endpoint.shutdown(this.id, now));
    }
  }
}
