// SocketKernel: a BSD-socket facade over one Endpoint, in virtual time. It plays the part of the
// kernel's socket layer: file descriptors (3, 4, ... lowest free first, as Linux), blocking and
// non-blocking calls, Linux errno values, socket options, fcntl and ioctl.
//
// Sans-IO like the core: the caller owns time. Every call runs at `kernel.now`; advance(to) serves
// the endpoint's timers up to `to`; handlePacket(pkt) takes a packet from the network. Packets the
// stack sends are queued in `outbox` with the time they left (and passed to `onPacket`, if given).
//
// Blocking: a call on a blocking socket that cannot complete returns BLOCKED and changes nothing
// (connect() excepted: the first call starts the handshake and later calls on the same socket
// wait for it). The caller retries after the next change (a packet, a timer): a thread blocked in
// the kernel, seen from outside.
//
// Linux behaviours that live in the socket layer (tcp_close, inet_csk_listen_stop, tcp_shutdown)
// are done here and switched by the profile's behaviour flags (profiles.ts).
//
// This file holds the descriptor table, the calls that make, connect and close sockets, and the
// turning of the Endpoint's events into socket state. The rest of socket/: sock.ts the socket
// record, options.ts setsockopt and getsockopt, data.ts read/write/recv/send, tcp-info.ts
// TCP_INFO, results.ts what a call returns.

import type { ConnId, EndpointOutput, ListenerId, Packet } from '../core/endpoint.js';
import { Endpoint } from '../core/endpoint.js';
import { DEFAULT_EPHEMERAL_PORTS } from '../core/ports.js';
import type { Instant } from '../core/time.js';
import type { TraceSink } from '../trace/events.js';
import { StatsTable, tupleKey } from './conn-stats.js';
import {
  AF_INET,
  AF_INET6,
  type ErrnoName,
  F_GETFL,
  F_SETFL,
  IPPROTO_TCP,
  MSG_MORE,
  MSG_PEEK,
  O_NONBLOCK,
  O_RDWR,
  POLLNVAL,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SIOCINQ,
  SIOCOUTQ,
  SIOCOUTQNSD,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_TCP,
  TCP_DEFER_ACCEPT,
  TCP_MAXSEG,
} from './constants.js';
import { peekFrom, readFrom, withFlags, writeTo } from './data.js';
import { connConfig, getsockopt, setsockopt } from './options.js';
import { pollEvents, revents } from './poll.js';
import { FINACK_PROFILE, type Profile } from './profiles.js';
import {
  BLOCKED,
  type Blocked,
  errnoOf,
  fail,
  type GetResult,
  type ReadResult,
  type SockAddr,
  type SysResult,
} from './results.js';
import { type KernelContext, liveConn, newSock, type Sock, takeError, unreadBytes, wouldBlock } from './sock.js';
import { type TcpInfo, tcpInfo } from './tcp-info.js';

export type { Blocked, GetResult, ReadResult, SockAddr, SysResult } from './results.js';
export { BLOCKED } from './results.js';
export type { TcpInfo } from './tcp-info.js';

export interface KernelOptions {
  name?: string;
  /** Local addresses; the first is the default source. Default ['198.51.100.201']. */
  addresses?: string[];
  isnSecret?: Uint8Array;
  random?: () => number;
  profile?: Profile;
  trace?: TraceSink;
  ephemeralPorts?: [number, number];
  /** Virtual time at start (ms). Default 0. */
  start?: Instant;
  onPacket?: (pkt: Packet, at: Instant) => void;
}

const DEFAULT_ADDRESSES = ['198.51.100.201'];

interface TimeWaitNote {
  conn: ConnId;
  timestamps: boolean;
  /** When the last segment was received (the TS.Recent stamp). */
  stamp: Instant;
  /** The local address and port, and the old socket's SO_REUSEADDR / SO_REUSEPORT (bind conflicts). */
  local: { addr: string; port: number };
  reuseAddr: boolean;
  reusePort: boolean;
}

export class SocketKernel {
  readonly endpoint: Endpoint;
  readonly profile: Profile;
  readonly addresses: string[];
  now: Instant;
  /** Packets sent, with their time, oldest first. The caller may take from it. */
  readonly outbox: { pkt: Packet; at: Instant }[] = [];
  /** Bumped on every change a blocked call could be waiting for. */
  version = 0;

  readonly #fds = new Map<number, Sock>();
  readonly #byConn = new Map<ConnId, Sock>();
  readonly #byListener = new Map<ListenerId, Sock>();
  /**
   * SO_REUSEPORT groups: listeners on one (address, port) that share the Endpoint's listener; each
   * new connection goes to one of them by a hash of its 4-tuple (Linux reuseport_select_sock).
   */
  readonly #groups = new Map<ListenerId, Sock[]>();
  readonly #timeWait = new Map<string, TimeWaitNote>();
  /** The port range bind(port 0) takes a port from (the endpoint's ephemeral range). */
  readonly #ephemeralPorts: readonly [number, number];
  /** close() under SO_LINGER {on, n > 0} still waiting: the descriptor stays taken meanwhile. */
  readonly #lingering = new Map<number, { s: Sock; until: Instant }>();
  readonly #onPacket: ((pkt: Packet, at: Instant) => void) | undefined;
  readonly #ctx: KernelContext;
  readonly #stats = new StatsTable();

  constructor(opts: KernelOptions = {}) {
    this.profile = opts.profile ?? FINACK_PROFILE;
    this.addresses = opts.addresses ?? DEFAULT_ADDRESSES;
    this.now = opts.start ?? 0;
    this.#onPacket = opts.onPacket;
    let seed = 0x9e3779b9;
    const random =
      opts.random ??
      (() => {
        // A fixed xorshift so that a kernel without an injected random is still deterministic.
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) / 2 ** 32;
      });
    this.#ephemeralPorts = opts.ephemeralPorts ?? DEFAULT_EPHEMERAL_PORTS;
    this.endpoint = new Endpoint({
      name: opts.name ?? 'finack',
      addresses: this.addresses,
      isnSecret: opts.isnSecret ?? new Uint8Array(16).fill(7),
      random,
      config: this.profile.config,
      ...(opts.trace ? { trace: opts.trace } : {}),
      ...(opts.ephemeralPorts ? { ephemeralPorts: opts.ephemeralPorts } : {}),
    });
    this.#ctx = {
      endpoint: this.endpoint,
      profile: this.profile,
      now: () => this.now,
      absorb: (out) => this.#absorb(out),
      stats: (s) => {
        const key = s.tuple ?? this.#tupleOf(s);
        return key === undefined ? undefined : this.#stats.of(key);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Time and network

  /** Serves every timer due up to `to`, in order, then sets now = to. */
  advance(to: Instant): void {
    for (;;) {
      const d = this.nextDeadline();
      if (d === undefined || d > to) break;
      this.now = Math.max(this.now, d);
      this.#absorb(this.endpoint.handleTimeout(this.now));
    }
    if (to > this.now) this.now = to;
  }

  nextDeadline(): Instant | undefined {
    return this.endpoint.nextDeadline();
  }

  handlePacket(pkt: Packet): void {
    this.#stats.inbound(pkt, this.now);
    this.#absorb(this.endpoint.handlePacket(pkt, this.now));
  }

  #tupleOf(s: Sock): string | undefined {
    const a = s.conn !== undefined ? this.endpoint.addresses(s.conn) : undefined;
    if (!a) return undefined;
    s.tuple = tupleKey(a.local, a.remote);
    return s.tuple;
  }

  // ---------------------------------------------------------------------------------------------
  // Syscalls

  socket(domain: number, type: number, protocol: number): SysResult {
    if (domain !== AF_INET && domain !== AF_INET6) return fail('EAFNOSUPPORT');
    if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== SOCK_STREAM) return fail('ESOCKTNOSUPPORT');
    if (protocol !== 0 && protocol !== IPPROTO_TCP) return fail('EPROTONOSUPPORT');
    const fd = this.#lowestFreeFd();
    const s = newSock(fd, domain, 'new');
    s.nonblock = (type & SOCK_NONBLOCK) !== 0;
    this.#fds.set(fd, s);
    return { ret: fd };
  }

  bind(fd: number, addr: { addr?: string; port: number }): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role !== 'new' || s.bound) return fail('EINVAL');
    if (
      addr.addr !== undefined &&
      addr.addr !== '0.0.0.0' &&
      addr.addr !== '::' &&
      !this.addresses.includes(addr.addr)
    ) {
      return fail('EADDRNOTAVAIL');
    }
    const at = addr.addr && addr.addr !== '0.0.0.0' && addr.addr !== '::' ? addr.addr : undefined;
    if (addr.port !== 0 && this.#bindConflict(s, at, addr.port)) return fail('EADDRINUSE');
    let port = addr.port;
    if (port === 0 && !s.opts.bindNoPort) {
      // Linux (inet_csk_get_port) takes a port now, from the local port range, unless
      // IP_BIND_ADDRESS_NO_PORT leaves the choice to connect(), which can then share a port
      // between 4-tuples. The scan starts at the bottom of the range: scripts never see which.
      const [lo, hi] = s.opts.portRange ?? this.#ephemeralPorts;
      port = 0;
      for (let p = lo; p <= hi && port === 0; p++) if (!this.#bindConflict(s, at, p)) port = p;
      if (port === 0) return fail('EADDRINUSE');
    }
    s.bound = { ...(at ? { addr: at } : {}), port };
    return { ret: 0 };
  }

  listen(fd: number, backlog: number): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role === 'listener') return { ret: 0 };
    if (s.role !== 'new') return fail('EINVAL');
    if (this.#joinGroup(s, backlog)) return { ret: 0 };
    try {
      const id = this.endpoint.listen(
        { ...(s.bound?.addr ? { addr: s.bound.addr } : {}), port: s.bound?.port ?? 0 },
        { backlog: Math.max(1, backlog), config: connConfig(this.profile, s) },
      );
      s.role = 'listener';
      s.listener = id;
      s.backlog = backlog;
      if (!s.bound) s.bound = { port: this.endpoint.listenerAddress(id)?.port ?? 0 };
      this.#byListener.set(id, s);
      return { ret: 0 };
    } catch (e) {
      return fail(errnoOf(e, 'EADDRINUSE'));
    }
  }

  /** accept4(2): accept() whose new socket takes SOCK_NONBLOCK from `flags` (SOCK_CLOEXEC has no meaning here). */
  accept4(fd: number, flags: number): SysResult | Blocked {
    if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== 0) return fail('EINVAL');
    const r = this.accept(fd);
    if (r !== BLOCKED && r.ret >= 0) {
      const c = this.#fds.get(r.ret);
      if (c) c.nonblock = (flags & SOCK_NONBLOCK) !== 0;
    }
    return r;
  }

  accept(fd: number): SysResult | Blocked {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role !== 'listener') return fail('EINVAL');
    // TCP_DEFER_ACCEPT is the core's (config deferAccept): a child arrives here once it is due.
    const c = s.acceptQueue.shift();
    if (c === undefined) return wouldBlock(s);
    c.fd = this.#lowestFreeFd();
    this.#fds.set(c.fd, c);
    return { ret: c.fd };
  }

  connect(fd: number, remote: SockAddr): SysResult | Blocked {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role === 'listener') return fail('EINVAL');
    if (s.role === 'conn') {
      if (s.connectWaiting && !s.nonblock) {
        if (s.connected) {
          s.connectWaiting = false;
          return { ret: 0 };
        }
        if (s.err !== undefined || s.dead) {
          s.connectWaiting = false;
          return fail(takeError(s) ?? 'ECONNREFUSED');
        }
        return BLOCKED;
      }
      if (s.connected) return fail('EISCONN');
      if (s.connecting) return fail('EALREADY');
      return fail(takeError(s) ?? 'EISCONN');
    }
    const started = this.#startConnect(s, remote);
    if (started !== undefined) return fail(started);
    if (s.connected) return { ret: 0 };
    if (s.nonblock) return fail('EINPROGRESS');
    s.connectWaiting = true;
    return BLOCKED;
  }

  read(fd: number, max: number): ReadResult | Blocked {
    const s = this.#fds.get(fd);
    return s ? readFrom(this.#ctx, s, max) : fail('EBADF');
  }

  /** recv(2): read() with flags. MSG_DONTWAIT makes this one call non-blocking; MSG_PEEK leaves the bytes unread. */
  recv(fd: number, max: number, flags = 0): ReadResult | Blocked {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    const peek = (flags & MSG_PEEK) !== 0;
    return withFlags(s, flags, () => (peek ? peekFrom(this.#ctx, s, max) : readFrom(this.#ctx, s, max)));
  }

  /** poll(2) on one descriptor: the revents for `events` now (POLLNVAL for a bad descriptor). */
  poll(fd: number, events: number): number {
    const s = this.#fds.get(fd);
    if (!s) return POLLNVAL;
    const ready = s.role === 'listener' && s.acceptQueue.length > 0;
    return revents(events, pollEvents(this.#ctx, s, ready));
  }

  /**
   * The TCP_CM_INQ value recvmsg() reports with TCP_INQ on (Linux tcp_inq_hint): bytes left to read,
   * or 1 when none are left and the peer has closed, so a reader knows a read would return 0.
   */
  inqHint(fd: number): number | undefined {
    const s = this.#fds.get(fd);
    if (!s?.opts.inq) return undefined;
    const n = unreadBytes(this.#ctx, s);
    return n === 0 && (s.peerFin || s.dead) ? 1 : n;
  }

  /** send(2): write() with flags (MSG_DONTWAIT as in recv; MSG_MORE corks this write). */
  send(fd: number, data: Uint8Array, flags = 0): SysResult | Blocked {
    const s = this.#fds.get(fd);
    return s ? withFlags(s, flags, () => writeTo(this.#ctx, s, data, (flags & MSG_MORE) !== 0)) : fail('EBADF');
  }

  write(fd: number, data: Uint8Array): SysResult | Blocked {
    const s = this.#fds.get(fd);
    return s ? writeTo(this.#ctx, s, data) : fail('EBADF');
  }

  shutdown(fd: number, how: number): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return fail('EINVAL');
    // Linux inet_shutdown: a listener shut for reading stops listening (for writing, nothing
    // happens); a connect() under way is dropped (tcp_disconnect: no RST from SYN-SENT); a socket
    // in TCP_CLOSE (never connected, reset, or gone to TIME-WAIT) is ENOTCONN.
    if (s.role === 'listener') {
      if (how !== SHUT_WR) this.#stopListening(s);
      this.version++;
      return { ret: 0 };
    }
    if (s.role === 'conn' && s.connecting && !s.connected) {
      this.#abort(s);
      this.#byConn.delete(s.conn as ConnId);
      Object.assign(s, { role: 'new', conn: undefined, connecting: false, connectWaiting: false });
      this.version++;
      return { ret: 0 };
    }
    if (s.role !== 'conn' || !s.connected || s.dead || s.gone || !liveConn(this.#ctx, s)) return fail('ENOTCONN');
    if (how === SHUT_RD || how === SHUT_RDWR) s.shutRd = true;
    if ((how === SHUT_WR || how === SHUT_RDWR) && !s.shutWr) {
      s.shutWr = true;
      if (!s.dead && !s.gone) {
        try {
          this.#absorb(this.endpoint.shutdown(s.conn as ConnId, this.now));
        } catch {
          // Already closing (the peer reset it, or TIME-WAIT): nothing to send.
        }
      }
    }
    this.version++;
    return { ret: 0 };
  }

  /**
   * close(2). Under SO_LINGER {on, n > 0} it blocks, as Linux's tcp_close (sk_stream_wait_close),
   * until our FIN is acknowledged (FIN-WAIT-1, CLOSING and LAST-ACK are over) or n seconds have
   * passed; either way it then returns 0 and the connection goes on without its descriptor. Called
   * again while it blocks, it reports whether the wait is over.
   */
  close(fd: number): SysResult | Blocked {
    const waiting = this.#lingering.get(fd);
    if (waiting) {
      if (this.now < waiting.until && this.#stillClosing(waiting.s)) return BLOCKED;
      this.#lingering.delete(fd);
      return { ret: 0 };
    }
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    this.#fds.delete(fd);
    this.version++;
    if (s.role === 'listener') {
      this.#stopListening(s);
      return { ret: 0 };
    }
    if (s.role === 'conn') this.#closeConn(s);
    const l = s.opts.linger;
    if (s.role === 'conn' && l.onoff !== 0 && l.linger > 0 && this.#stillClosing(s)) {
      this.#lingering.set(fd, { s, until: this.now + l.linger * 1000 });
      return BLOCKED;
    }
    return { ret: 0 };
  }

  /**
   * Would bind(addr, port) clash, as Linux's inet_bind_conflict decides? Another socket on the port
   * (bound, listening, or a connection that uses it, accepted or not) and an overlapping address
   * (equal, or either one the wildcard) clash, unless both set SO_REUSEADDR and the other is not
   * listening, or both set SO_REUSEPORT. A TIME-WAIT connection on the port clashes unless the
   * socket it came from and this one both set SO_REUSEADDR, or both SO_REUSEPORT.
   */
  #bindConflict(s: Sock, addr: string | undefined, port: number): boolean {
    const overlaps = (a: string | undefined) => a === undefined || addr === undefined || a === addr;
    const clash = (o: Sock, oAddr: string | undefined) =>
      overlaps(oAddr) &&
      !(s.opts.reuseAddr && o.opts.reuseAddr && o.role !== 'listener') &&
      !(s.opts.reusePort && o.opts.reusePort);
    const seen = new Set<Sock>();
    for (const o of [...this.#fds.values(), ...this.#byConn.values()]) {
      if (o === s || seen.has(o)) continue;
      seen.add(o);
      if (o.bound !== undefined && o.bound.port !== 0) {
        if (o.bound.port === port && clash(o, o.bound.addr)) return true;
        continue;
      }
      // Not bound to a port of its own: the port its connection took, if it has one.
      if (o.gone || o.conn === undefined) continue;
      const local = this.endpoint.addresses(o.conn)?.local;
      if (local?.port === port && clash(o, local.addr)) return true;
    }
    for (const tw of this.#timeWait.values()) {
      if (tw.local.port !== port || !overlaps(tw.local.addr)) continue;
      if (!(s.opts.reuseAddr && tw.reuseAddr) && !(s.opts.reusePort && tw.reusePort)) return true;
    }
    return false;
  }

  /** Does a socket other than `s` hold `port` through bind()? */
  #boundElsewhere(s: Sock, port: number): boolean {
    for (const o of [...this.#fds.values(), ...this.#byConn.values()]) {
      if (o !== s && !o.gone && o.bound?.port === port) return true;
    }
    return false;
  }

  /** Our FIN is out and not yet acknowledged (Linux's sk_stream_closing). */
  #stillClosing(s: Sock): boolean {
    if (s.gone || s.dead) return false;
    const st = liveConn(this.#ctx, s)?.state;
    return st === 'FIN-WAIT-1' || st === 'CLOSING' || st === 'LAST-ACK';
  }

  setsockopt(fd: number, level: number, name: number, value: number | { onoff: number; linger: number }): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    const r = setsockopt(this.#ctx, s, level, name, value);
    if (r.ret === 0 && s.role === 'listener' && level === SOL_TCP && (name === TCP_MAXSEG || name === TCP_DEFER_ACCEPT))
      this.#reopenListener(s);
    return r;
  }

  /**
   * A listener whose options changed the config its children get (TCP_MAXSEG or TCP_DEFER_ACCEPT
   * after listen()).
   * The Endpoint takes a listener's config once, so the listener is opened again on the same
   * address with the new config. What the Endpoint had queued for it stays in the socket's accept
   * queue; a SYN-RECEIVED child is dropped (the core should offer a way to change a
   * listener's config instead).
   */
  #reopenListener(s: Sock): void {
    const old = s.listener as ListenerId;
    // A SO_REUSEPORT group shares one Endpoint listener: its config stays as the first one set it.
    if (this.#groups.has(old)) return;
    const at = this.endpoint.listenerAddress(old);
    this.#absorb(this.endpoint.unlisten(old, this.now));
    this.#byListener.delete(old);
    const addr = at && at.addr !== '*' ? { addr: at.addr } : {};
    const id = this.endpoint.listen(
      { ...addr, port: at?.port ?? s.bound?.port ?? 0 },
      { backlog: Math.max(1, s.backlog ?? 1), config: connConfig(this.profile, s) },
    );
    s.listener = id;
    this.#byListener.set(id, s);
  }

  getsockopt(fd: number, level: number, name: number): GetResult {
    const s = this.#fds.get(fd);
    return s ? getsockopt(this.#ctx, s, level, name) : fail('EBADF');
  }

  fcntl(fd: number, cmd: number, arg?: number): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (cmd === F_GETFL) return { ret: O_RDWR | (s.nonblock ? O_NONBLOCK : 0) };
    if (cmd === F_SETFL) {
      s.nonblock = ((arg ?? 0) & O_NONBLOCK) !== 0;
      return { ret: 0 };
    }
    return fail('EINVAL');
  }

  ioctl(fd: number, request: number): GetResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role === 'listener') return fail('EINVAL');
    const live = liveConn(this.#ctx, s);
    // SIOCINQ counts readable bytes only: an in-order FIN counts nothing.
    if (request === SIOCINQ) return { ret: 0, value: unreadBytes(this.#ctx, s) };
    // SIOCOUTQ: bytes written and not yet acknowledged; SIOCOUTQNSD: those not yet sent.
    if (request === SIOCOUTQ) return { ret: 0, value: live?.sendQueued ?? 0 };
    if (request === SIOCOUTQNSD) {
      if (!live) return { ret: 0, value: 0 };
      const i = live.info();
      const inFlight = Math.max(0, (i.sndNxt - i.sndUna) >>> 0);
      return { ret: 0, value: Math.max(0, i.sendQueued - inFlight) };
    }
    return fail('EINVAL');
  }

  /** A TCP_INFO snapshot; undefined for a bad fd. */
  tcpInfo(fd: number): TcpInfo | undefined {
    const s = this.#fds.get(fd);
    return s ? tcpInfo(this.#ctx, s) : undefined;
  }

  /** The connection id behind a descriptor (for tracing and tests). */
  connOf(fd: number): ConnId | undefined {
    return this.#fds.get(fd)?.conn;
  }

  /** Open descriptors, lowest first. */
  fds(): number[] {
    return [...this.#fds.keys()].sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /**
   * listen() on a port another SO_REUSEPORT listener holds on the same address: join its group,
   * sharing the Endpoint's listener. Returns false when there is no such listener.
   */
  #joinGroup(s: Sock, backlog: number): boolean {
    if (!s.opts.reusePort || !s.bound || s.bound.port === 0) return false;
    for (const [id, owner] of this.#byListener) {
      if (!owner.opts.reusePort || owner.bound?.port !== s.bound.port || owner.bound.addr !== s.bound.addr) continue;
      const group = this.#groups.get(id) ?? [owner];
      group.push(s);
      this.#groups.set(id, group);
      s.role = 'listener';
      s.listener = id;
      s.backlog = backlog;
      return true;
    }
    return false;
  }

  /** The listener socket a new connection of listener `id` goes to (one of a SO_REUSEPORT group). */
  #listenerFor(id: ListenerId, conn: ConnId): Sock | undefined {
    const group = this.#groups.get(id);
    if (!group) return this.#byListener.get(id);
    const a = this.endpoint.addresses(conn);
    const key = a ? `${a.remote.addr}:${a.remote.port}>${a.local.addr}:${a.local.port}` : '';
    let h = 2166136261;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
    return group[(h >>> 0) % group.length];
  }

  /** A listener stops (close, or shutdown for reading): what it had not handed out is reset. */
  #stopListening(s: Sock): void {
    const id = s.listener as ListenerId;
    const group = this.#groups.get(id);
    if (group && group.length > 1) {
      // One of a SO_REUSEPORT group: the others go on listening.
      group.splice(group.indexOf(s), 1);
      if (group.length === 1) this.#groups.delete(id);
      if (this.#byListener.get(id) === s) this.#byListener.set(id, group[0] as Sock);
    } else {
      this.#absorb(this.endpoint.unlisten(id, this.now));
      this.#byListener.delete(id);
      this.#groups.delete(id);
    }
    for (const c of s.acceptQueue) {
      if (this.profile.behaviour.rstUnacceptedOnListenerClose) this.#abort(c);
      else this.#closeConn(c);
    }
    s.acceptQueue.length = 0;
    s.role = 'new';
    s.listener = undefined;
  }

  #lowestFreeFd(): number {
    let fd = 3;
    while (this.#fds.has(fd) || this.#lingering.has(fd)) fd++;
    return fd;
  }

  /** Starts an active open. Returns an errno on failure. */
  #startConnect(s: Sock, remote: SockAddr): ErrnoName | undefined {
    const config = connConfig(this.profile, s);
    const laddr = s.bound?.addr;
    const ports: number[] = [];
    if (s.bound && s.bound.port !== 0) ports.push(s.bound.port);
    else if (s.opts.portRange) for (let p = s.opts.portRange[0]; p <= s.opts.portRange[1]; p++) ports.push(p);
    const tryPort = (port: number | undefined): ErrnoName | undefined => {
      try {
        const local = { ...(laddr ? { addr: laddr } : {}), ...(port !== undefined ? { port } : {}) };
        const { conn, out } = this.endpoint.connect(remote, this.now, { local, config });
        s.role = 'conn';
        s.conn = conn;
        s.connecting = true;
        this.#byConn.set(conn, s);
        this.#absorb(out);
        return undefined;
      } catch (e) {
        return errnoOf(e, 'EADDRNOTAVAIL');
      }
    };
    if (ports.length === 0) return tryPort(undefined);
    const explicit = s.bound !== undefined && s.bound.port !== 0;
    for (const port of ports) {
      // A port another socket holds through bind() is not one connect() may pick (Linux's
      // __inet_hash_connect skips a bind bucket); ports connect() picked are shared by 4-tuples.
      if (!explicit && this.#boundElsewhere(s, port)) continue;
      const key = `${laddr ?? this.addresses[0]}:${port}>${remote.addr}:${remote.port}`;
      const tw = this.#timeWait.get(key);
      if (tw && this.#mayReuse(tw, explicit)) {
        this.#absorb(this.endpoint.abort(tw.conn, this.now));
        this.#timeWait.delete(key);
      }
      const err = tryPort(port);
      if (err === undefined) return undefined;
      if (err !== 'EADDRINUSE') return err;
      if (explicit) return 'EADDRNOTAVAIL';
    }
    return 'EADDRNOTAVAIL';
  }

  /**
   * tcp_tw_reuse (Linux tcp_twsk_unique): a TIME-WAIT tuple may be taken by connect() when
   * timestamps were in use on it (so old duplicates are told apart by PAWS, RFC 7323 §5) and
   * tcp_tw_reuse_delay ms have passed since its last segment arrived.
   */
  #mayReuse(tw: TimeWaitNote, explicitBind: boolean): boolean {
    // A port the application reserved with bind() may take its TIME-WAIT tuple at once when
    // timestamps were in use (tcp_twsk_unique with no port lock: the tw_reuse setting and its
    // delay apply only to ports connect() picks itself).
    if (explicitBind) return tw.timestamps;
    const b = this.profile.behaviour;
    if (b.twReuse !== 1) return false;
    return tw.timestamps && this.now > tw.stamp + b.twReuseDelay;
  }

  #closeConn(s: Sock): void {
    if (s.gone || s.conn === undefined) return;
    const conn = s.conn;
    const live = this.endpoint.connection(conn);
    const b = this.profile.behaviour;
    const abort =
      (s.opts.linger.onoff !== 0 && s.opts.linger.linger === 0) ||
      (b.rstOnCloseWithUnreadData && (s.peeked.length > 0 || (live !== undefined && live.recvQueued > 0)));
    if (abort) {
      this.#abort(s);
      return;
    }
    try {
      this.#absorb(this.endpoint.close(conn, this.now));
    } catch {
      // Closing twice (TIME-WAIT record after shutdown) or already closed: nothing to do.
    }
  }

  #abort(s: Sock): void {
    if (s.gone || s.conn === undefined) return;
    try {
      this.#absorb(this.endpoint.abort(s.conn, this.now));
    } catch {
      // Already gone.
    }
  }

  #absorb(out: EndpointOutput): void {
    for (const pkt of out.packets) {
      this.#stats.outbound(pkt, this.now);
      this.outbox.push({ pkt, at: this.now });
      this.#onPacket?.(pkt, this.now);
    }
    if (out.packets.length > 0 || out.events.length > 0) this.version++;
    for (const ev of out.events) {
      if (ev.type === 'accept') {
        const l = this.#listenerFor(ev.listener, ev.conn);
        // An accepted socket inherits the listener's options (Linux copies them at accept).
        const c = newSock(-1, l?.domain ?? AF_INET, 'conn');
        c.conn = ev.conn;
        if (l) {
          c.opts = { ...l.opts, linger: { ...l.opts.linger }, deferAccept: 0 };
          c.config = l.config;
        }
        this.#byConn.set(ev.conn, c);
        this.#tupleOf(c);
        if (l) l.acceptQueue.push(c);
        else this.#abort(c);
        continue;
      }
      const s = this.#byConn.get(ev.conn);
      const e = ev.event;
      switch (e.type) {
        case 'connected':
          if (s) {
            s.connected = true;
            s.connecting = false;
            s.establishedAt = this.now;
            this.#tupleOf(s);
            s.timestamps = this.endpoint.connection(ev.conn)?.info().timestamps ?? false;
          }
          break;
        case 'peer-fin':
          if (s) s.peerFin = true;
          break;
        case 'error':
          if (s) {
            s.err = e.code === 'ECONNABORTED' ? 'ECONNABORTED' : e.code;
            s.dead = true;
            s.connecting = false;
          }
          break;
        case 'time-wait': {
          const a = this.endpoint.addresses(ev.conn);
          if (a) {
            const key = `${a.local.addr}:${a.local.port}>${a.remote.addr}:${a.remote.port}`;
            this.#timeWait.set(key, {
              conn: ev.conn,
              timestamps: s?.timestamps ?? false,
              stamp: this.now,
              local: { ...a.local },
              reuseAddr: s?.opts.reuseAddr ?? false,
              reusePort: s?.opts.reusePort ?? false,
            });
          }
          break;
        }
        case 'closed':
          if (s) {
            s.gone = true;
            s.connecting = false;
            this.#byConn.delete(ev.conn);
          }
          for (const [k, tw] of this.#timeWait) if (tw.conn === ev.conn) this.#timeWait.delete(k);
          break;
        default:
          break;
      }
    }
  }
}
