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

import { TcpError } from '../base/errors.js';
import { DEFAULT_CONFIG as DEFAULTS, type TcpConfig } from '../core/config.js';
import type { ConnId, EndpointOutput, ListenerId, Packet } from '../core/endpoint.js';
import { Endpoint } from '../core/endpoint.js';
import type { Instant } from '../core/time.js';
import type { TraceSink } from '../trace/events.js';
import {
  AF_INET,
  AF_INET6,
  ERRNO,
  type ErrnoName,
  F_GETFL,
  F_SETFL,
  IP_BIND_ADDRESS_NO_PORT,
  IP_LOCAL_PORT_RANGE,
  IPPROTO_IP,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  MSG_PEEK,
  O_NONBLOCK,
  O_RDWR,
  SHUT_RD,
  SHUT_RDWR,
  SHUT_WR,
  SIOCINQ,
  SIOCOUTQ,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_IP,
  SOL_SOCKET,
  SOL_TCP,
  TCP_DEFER_ACCEPT,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_LINGER2,
  TCP_MAXSEG,
  TCP_NODELAY,
  TCP_STATE_NUMBER,
  TCP_USER_TIMEOUT,
} from './constants.js';
import { FINACK_PROFILE, type Profile } from './profiles.js';

export const BLOCKED: unique symbol = Symbol('blocked');
export type Blocked = typeof BLOCKED;

/** What a syscall returns: ret >= 0, or ret -1 with errno. */
export interface SysResult {
  ret: number;
  errno?: ErrnoName;
}
export interface ReadResult extends SysResult {
  data?: Uint8Array;
}
export interface GetResult extends SysResult {
  value?: number | { onoff: number; linger: number };
}

export interface SockAddr {
  addr: string;
  port: number;
}

/** A tcp_info snapshot: the fields Linux's struct tcp_info has that finack can fill. */
export interface TcpInfo {
  tcpi_state: number;
  tcpi_ca_state: number;
  tcpi_retransmits: number;
  tcpi_probes: number;
  tcpi_backoff: number;
  tcpi_options: number;
  tcpi_snd_wscale: number;
  tcpi_rcv_wscale: number;
  /** µs */
  tcpi_rto: number;
  tcpi_snd_mss: number;
  tcpi_rcv_mss: number;
  tcpi_unacked: number;
  tcpi_total_retrans: number;
  /** µs */
  tcpi_rtt: number;
  /** µs */
  tcpi_rttvar: number;
  tcpi_snd_ssthresh: number;
  tcpi_snd_cwnd: number;
  tcpi_advmss: number;
}

export interface KernelOptions {
  name?: string;
  /** Local addresses; the first is the default source. Default ['192.168.0.1']. */
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

interface SockOpts {
  reuseAddr: boolean;
  linger: { onoff: number; linger: number };
  keepalive: boolean;
  keepIdle?: number;
  keepIntvl?: number;
  keepCnt?: number;
  maxseg?: number;
  userTimeout?: number;
  linger2?: number;
  deferAccept: number;
  noDelay: boolean;
  bindNoPort: boolean;
  portRange?: [number, number];
  rcvBuf?: number;
  sndBuf?: number;
}

interface Sock {
  fd: number;
  domain: number;
  nonblock: boolean;
  role: 'new' | 'listener' | 'conn';
  bound?: { addr?: string; port: number };
  listener?: ListenerId;
  /** Listener: connections handed over by the endpoint, not yet accepted. */
  acceptQueue: Sock[];
  conn?: ConnId;
  connecting: boolean;
  connected: boolean;
  /** A blocking connect() is waiting on this socket. */
  connectWaiting: boolean;
  /** Pending error (SO_ERROR), cleared when reported. */
  err?: ErrnoName;
  /** The connection failed or was reset: later reads return 0, writes EPIPE. */
  dead: boolean;
  peerFin: boolean;
  /** The endpoint emitted 'closed' for this connection. */
  gone: boolean;
  shutRd: boolean;
  shutWr: boolean;
  opts: SockOpts;
  /** When the handshake completed (for TCP_DEFER_ACCEPT). */
  establishedAt?: Instant;
  /** Timestamps were negotiated (kept for tcp_tw_reuse after the object is gone). */
  timestamps: boolean;
  config: Partial<TcpConfig>;
}

const DEFAULT_ADDRESSES = ['192.168.0.1'];
/** Linux's tcp_info option bits. */
const TCPI_OPT_TIMESTAMPS = 1;
const TCPI_OPT_SACK = 2;
const TCPI_OPT_WSCALE = 4;
/** Linux's TCP_MSS_DEFAULT, what TCP_MAXSEG reads before a connection has an MSS. */
const TCP_MSS_DEFAULT = 536;

interface TimeWaitNote {
  conn: ConnId;
  timestamps: boolean;
  /** When the last segment was received (the TS.Recent stamp). */
  stamp: Instant;
}

/** A socket record as socket() or accept() makes it: nothing set, default options. */
function newSock(fd: number, domain: number, role: Sock['role']): Sock {
  return {
    fd,
    domain,
    nonblock: false,
    role,
    acceptQueue: [],
    connecting: false,
    connected: false,
    connectWaiting: false,
    dead: false,
    peerFin: false,
    gone: false,
    shutRd: false,
    shutWr: false,
    opts: {
      reuseAddr: false,
      linger: { onoff: 0, linger: 0 },
      keepalive: false,
      deferAccept: 0,
      noDelay: false,
      bindNoPort: false,
    },
    timestamps: false,
    config: {},
  };
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
  readonly #timeWait = new Map<string, TimeWaitNote>();
  readonly #onPacket: ((pkt: Packet, at: Instant) => void) | undefined;

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
    this.endpoint = new Endpoint({
      name: opts.name ?? 'finack',
      addresses: this.addresses,
      isnSecret: opts.isnSecret ?? new Uint8Array(16).fill(7),
      random,
      config: this.profile.config,
      ...(opts.trace ? { trace: opts.trace } : {}),
      ...(opts.ephemeralPorts ? { ephemeralPorts: opts.ephemeralPorts } : {}),
    });
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
    this.#absorb(this.endpoint.handlePacket(pkt, this.now));
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
    for (const o of this.#fds.values()) {
      if (o !== s && o.bound?.port === addr.port && addr.port !== 0 && !(o.opts.reuseAddr && s.opts.reuseAddr)) {
        return fail('EADDRINUSE');
      }
    }
    s.bound = {
      ...(addr.addr && addr.addr !== '0.0.0.0' && addr.addr !== '::' ? { addr: addr.addr } : {}),
      port: addr.port,
    };
    return { ret: 0 };
  }

  listen(fd: number, backlog: number): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role === 'listener') return { ret: 0 };
    if (s.role !== 'new') return fail('EINVAL');
    try {
      const id = this.endpoint.listen(
        { ...(s.bound?.addr ? { addr: s.bound.addr } : {}), port: s.bound?.port ?? 0 },
        { backlog: Math.max(1, backlog), config: this.#connConfig(s) },
      );
      s.role = 'listener';
      s.listener = id;
      if (!s.bound) s.bound = { port: this.endpoint.listenerAddress(id)?.port ?? 0 };
      this.#byListener.set(id, s);
      return { ret: 0 };
    } catch (e) {
      return fail(errnoOf(e, 'EADDRINUSE'));
    }
  }

  accept(fd: number): SysResult | Blocked {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role !== 'listener') return fail('EINVAL');
    const i = s.acceptQueue.findIndex((c) => this.#acceptable(s, c));
    if (i < 0) return s.nonblock ? fail('EAGAIN') : BLOCKED;
    const c = s.acceptQueue.splice(i, 1)[0] as Sock;
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
          const err = s.err ?? 'ECONNREFUSED';
          s.err = undefined;
          return fail(err);
        }
        return BLOCKED;
      }
      if (s.connected) return fail('EISCONN');
      if (s.connecting) return fail('EALREADY');
      if (s.err !== undefined) {
        const err = s.err;
        s.err = undefined;
        return fail(err);
      }
      return fail('EISCONN');
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
    if (!s) return fail('EBADF');
    if (s.role !== 'conn') return fail('ENOTCONN');
    const conn = s.conn as ConnId;
    const live = this.endpoint.connection(conn);
    if (live && live.recvQueued > 0) {
      const out = this.endpoint.read(conn, this.now, max);
      this.#absorb(out);
      const data = out.data ?? new Uint8Array(0);
      return { ret: data.length, data };
    }
    if (s.err !== undefined) {
      const err = s.err;
      s.err = undefined;
      return fail(err);
    }
    if (s.shutRd || s.peerFin || s.dead || s.gone) return { ret: 0, data: new Uint8Array(0) };
    if (s.connecting && !s.connected) return s.nonblock ? fail('EAGAIN') : BLOCKED;
    return s.nonblock ? fail('EAGAIN') : BLOCKED;
  }

  /** recv(2): read() with flags. MSG_DONTWAIT makes this one call non-blocking; MSG_PEEK is not supported (EOPNOTSUPP). */
  recv(fd: number, max: number, flags = 0): ReadResult | Blocked {
    if (flags & MSG_PEEK) return fail('EOPNOTSUPP');
    const s = this.#fds.get(fd);
    if (!s || !(flags & MSG_DONTWAIT) || s.nonblock) return this.read(fd, max);
    s.nonblock = true;
    try {
      return this.read(fd, max);
    } finally {
      s.nonblock = false;
    }
  }

  /** send(2): write() with flags (MSG_DONTWAIT as in recv). */
  send(fd: number, data: Uint8Array, flags = 0): SysResult | Blocked {
    const s = this.#fds.get(fd);
    if (!s || !(flags & MSG_DONTWAIT) || s.nonblock) return this.write(fd, data);
    s.nonblock = true;
    try {
      return this.write(fd, data);
    } finally {
      s.nonblock = false;
    }
  }

  write(fd: number, data: Uint8Array): SysResult | Blocked {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (s.role !== 'conn') return fail(s.role === 'listener' ? 'ENOTCONN' : 'EPIPE');
    if (s.err !== undefined) {
      const err = s.err;
      s.err = undefined;
      return fail(err);
    }
    if (s.shutWr || s.dead || s.gone) return fail('EPIPE');
    if (!s.connected) return s.nonblock ? fail('EAGAIN') : BLOCKED;
    if (data.length === 0) return { ret: 0 };
    try {
      const out = this.endpoint.send(s.conn as ConnId, data, this.now);
      this.#absorb(out);
      if (out.accepted === 0) return s.nonblock ? fail('EAGAIN') : BLOCKED;
      return { ret: out.accepted };
    } catch (e) {
      return fail(errnoOf(e, 'EPIPE'));
    }
  }

  shutdown(fd: number, how: number): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return fail('EINVAL');
    if (s.role !== 'conn' || (!s.connected && !s.connecting)) return fail('ENOTCONN');
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

  close(fd: number): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    this.#fds.delete(fd);
    this.version++;
    if (s.role === 'listener') {
      this.#absorb(this.endpoint.unlisten(s.listener as ListenerId, this.now));
      this.#byListener.delete(s.listener as ListenerId);
      for (const c of s.acceptQueue) {
        if (this.profile.behaviour.rstUnacceptedOnListenerClose) this.#abort(c);
        else this.#closeConn(c);
      }
      s.acceptQueue.length = 0;
      return { ret: 0 };
    }
    if (s.role === 'conn') this.#closeConn(s);
    return { ret: 0 };
  }

  setsockopt(fd: number, level: number, name: number, value: number | { onoff: number; linger: number }): SysResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    const n = typeof value === 'number' ? value : Number.NaN;
    const o = s.opts;
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_REUSEADDR:
          o.reuseAddr = n !== 0;
          return { ret: 0 };
        case SO_REUSEPORT:
          return { ret: 0 };
        case SO_LINGER:
          if (typeof value === 'number') return fail('EINVAL');
          o.linger = { onoff: value.onoff, linger: value.linger };
          return { ret: 0 };
        case SO_KEEPALIVE:
          o.keepalive = n !== 0;
          this.#applyKeepalive(s);
          return { ret: 0 };
        case SO_RCVBUF:
          o.rcvBuf = n;
          return { ret: 0 };
        case SO_SNDBUF:
          o.sndBuf = n;
          return { ret: 0 };
        default:
          return fail('ENOPROTOOPT');
      }
    }
    if (level === SOL_TCP) {
      switch (name) {
        case TCP_NODELAY:
          o.noDelay = n !== 0;
          if (s.conn !== undefined && this.endpoint.connection(s.conn)) this.endpoint.setNoDelay(s.conn, o.noDelay);
          return { ret: 0 };
        case TCP_MAXSEG:
          // Linux accepts 0 (use the route's) or 88..32767 (TCP_MIN_MSS .. MAX_TCP_WINDOW).
          if (n !== 0 && (n < 88 || n > 32767)) return fail('EINVAL');
          if (s.role !== 'new') return { ret: 0 }; // as Linux: no effect on an established MSS
          o.maxseg = n === 0 ? undefined : n;
          return { ret: 0 };
        case TCP_USER_TIMEOUT:
          if (!(n >= 0)) return fail('EINVAL');
          o.userTimeout = n;
          return this.#needsCore(s, 'userTimeout');
        case TCP_LINGER2:
          o.linger2 = n;
          return this.#needsCore(s, 'finWait2Timeout');
        case TCP_DEFER_ACCEPT:
          o.deferAccept = Math.max(0, n);
          return { ret: 0 };
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
        case TCP_KEEPCNT:
          if (!(n >= 1)) return fail('EINVAL');
          if (name === TCP_KEEPIDLE) o.keepIdle = n;
          else if (name === TCP_KEEPINTVL) o.keepIntvl = n;
          else o.keepCnt = n;
          this.#applyKeepalive(s);
          return { ret: 0 };
        default:
          return fail('ENOPROTOOPT');
      }
    }
    if (level === SOL_IP || level === IPPROTO_IP) {
      switch (name) {
        case IP_BIND_ADDRESS_NO_PORT:
          o.bindNoPort = n !== 0;
          return { ret: 0 };
        case IP_LOCAL_PORT_RANGE: {
          const lo = n & 0xffff;
          const hi = (n >>> 16) & 0xffff;
          o.portRange = lo === 0 && hi === 0 ? undefined : [lo || 1, hi || 65535];
          return { ret: 0 };
        }
        default:
          return fail('ENOPROTOOPT');
      }
    }
    return fail('ENOPROTOOPT');
  }

  getsockopt(fd: number, level: number, name: number): GetResult {
    const s = this.#fds.get(fd);
    if (!s) return fail('EBADF');
    const o = s.opts;
    const live = s.conn !== undefined ? this.endpoint.connection(s.conn) : undefined;
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_ERROR: {
          const err = s.err;
          s.err = undefined;
          return { ret: 0, value: err === undefined ? 0 : errnoValue(err) };
        }
        case SO_REUSEADDR:
          return { ret: 0, value: o.reuseAddr ? 1 : 0 };
        case SO_KEEPALIVE:
          return { ret: 0, value: o.keepalive ? 1 : 0 };
        case SO_LINGER:
          return { ret: 0, value: { ...o.linger } };
        case SO_TYPE:
          return { ret: 0, value: SOCK_STREAM };
        default:
          return fail('ENOPROTOOPT');
      }
    }
    if (level === SOL_TCP) {
      switch (name) {
        case TCP_MAXSEG:
          if (live && s.connected) return { ret: 0, value: live.info().mss };
          return { ret: 0, value: o.maxseg ?? TCP_MSS_DEFAULT };
        case TCP_NODELAY:
          return { ret: 0, value: o.noDelay ? 1 : 0 };
        case TCP_USER_TIMEOUT:
          return { ret: 0, value: o.userTimeout ?? 0 };
        case TCP_LINGER2:
          return { ret: 0, value: o.linger2 ?? Math.floor(this.#cfg('finWait2Timeout') / 1000) };
        case TCP_DEFER_ACCEPT:
          return { ret: 0, value: o.deferAccept };
        case TCP_KEEPIDLE:
          return { ret: 0, value: o.keepIdle ?? Math.floor(this.#cfg('keepaliveIdle') / 1000) };
        case TCP_KEEPINTVL:
          return { ret: 0, value: o.keepIntvl ?? Math.floor(this.#cfg('keepaliveInterval') / 1000) };
        case TCP_KEEPCNT:
          return { ret: 0, value: o.keepCnt ?? this.#cfg('keepaliveCount') };
        default:
          return fail('ENOPROTOOPT');
      }
    }
    if (level === SOL_IP) {
      if (name === IP_BIND_ADDRESS_NO_PORT) return { ret: 0, value: o.bindNoPort ? 1 : 0 };
      if (name === IP_LOCAL_PORT_RANGE) {
        const r = o.portRange ?? [0, 0];
        return { ret: 0, value: ((r[1] << 16) | r[0]) >>> 0 };
      }
    }
    return fail('ENOPROTOOPT');
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
    const live = s.conn !== undefined ? this.endpoint.connection(s.conn) : undefined;
    // SIOCINQ counts readable bytes only: an in-order FIN counts nothing.
    if (request === SIOCINQ) return { ret: 0, value: live?.recvQueued ?? 0 };
    if (request === SIOCOUTQ) return { ret: 0, value: live?.sendQueued ?? 0 };
    return fail('EINVAL');
  }

  /** A TCP_INFO snapshot; undefined for a bad fd. */
  tcpInfo(fd: number): TcpInfo | undefined {
    const s = this.#fds.get(fd);
    if (!s) return undefined;
    const live = s.conn !== undefined ? this.endpoint.connection(s.conn) : undefined;
    const advmss = s.config.mss ?? this.#cfg('mss');
    if (!live) {
      const state = s.role === 'listener' ? 'LISTEN' : s.conn !== undefined && !s.gone ? 'TIME-WAIT' : 'CLOSED';
      return emptyInfo(TCP_STATE_NUMBER[state] ?? 7, advmss);
    }
    const i = live.info();
    return {
      tcpi_state: TCP_STATE_NUMBER[i.state] ?? 7,
      tcpi_ca_state: i.inRecovery ? 3 : 0,
      tcpi_retransmits: i.backoffs,
      tcpi_probes: i.keepaliveProbes,
      tcpi_backoff: i.backoffs,
      tcpi_options:
        (i.timestamps ? TCPI_OPT_TIMESTAMPS : 0) |
        (i.windowScaling ? TCPI_OPT_WSCALE : 0) |
        ((s.config.sackPermitted ?? this.#cfg('sackPermitted')) ? TCPI_OPT_SACK : 0),
      tcpi_snd_wscale: i.sndWscale,
      tcpi_rcv_wscale: i.rcvWscale,
      tcpi_rto: i.rto * 1000,
      tcpi_snd_mss: i.mss,
      tcpi_rcv_mss: i.peerMss,
      tcpi_unacked: 0,
      tcpi_total_retrans: i.retransmits,
      tcpi_rtt: Math.round((i.srtt ?? 0) * 1000),
      tcpi_rttvar: Math.round((i.rttvar ?? 0) * 1000),
      tcpi_snd_ssthresh: Math.min(i.ssthresh, 0x7fffffff),
      tcpi_snd_cwnd: Math.ceil(i.cwnd / Math.max(1, i.mss)),
      tcpi_advmss: advmss,
    };
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

  #lowestFreeFd(): number {
    let fd = 3;
    while (this.#fds.has(fd)) fd++;
    return fd;
  }

  #cfg<K extends keyof TcpConfig>(k: K): TcpConfig[K] {
    const v = this.profile.config[k];
    if (v !== undefined) return v as TcpConfig[K];
    return (DEFAULTS as TcpConfig)[k];
  }

  /** The per-connection config a socket's options make (set before listen()/connect()). */
  #connConfig(s: Sock): Partial<TcpConfig> {
    const o = s.opts;
    const c: Partial<TcpConfig> = {};
    if (o.maxseg !== undefined) c.mss = o.maxseg;
    if (o.userTimeout !== undefined) c.userTimeout = o.userTimeout;
    if (o.linger2 !== undefined) c.finWait2Timeout = o.linger2 <= 0 ? this.#cfg('finWait2Timeout') : o.linger2 * 1000;
    if (o.rcvBuf !== undefined) c.recvBuffer = Math.max(1, o.rcvBuf * 2);
    if (o.sndBuf !== undefined) c.sendBuffer = Math.max(1, o.sndBuf * 2);
    if (o.noDelay) c.nagle = false;
    // The profile flag also governs the core's own rule (config rstOnCloseWithUnread).
    if (!this.profile.behaviour.rstOnCloseWithUnreadData) c.rstOnCloseWithUnread = false;
    if (o.keepalive) {
      c.keepalive = true;
      if (o.keepIdle !== undefined) c.keepaliveIdle = o.keepIdle * 1000;
      if (o.keepIntvl !== undefined) c.keepaliveInterval = o.keepIntvl * 1000;
      if (o.keepCnt !== undefined) c.keepaliveCount = o.keepCnt;
    }
    s.config = c;
    return c;
  }

  /**
   * A per-connection setting. Before the connection exists it goes into the connection's config
   * (#connConfig); afterwards it is applied with Endpoint.setOption.
   */
  #needsCore(s: Sock, field: 'userTimeout' | 'finWait2Timeout'): SysResult {
    if (s.conn === undefined) return { ret: 0 };
    const live = this.endpoint.connection(s.conn);
    if (live === undefined) return { ret: 0 };
    const o = s.opts;
    const value =
      field === 'userTimeout'
        ? (o.userTimeout ?? 0)
        : o.linger2 === undefined || o.linger2 <= 0
          ? this.#cfg('finWait2Timeout')
          : o.linger2 * 1000;
    try {
      this.#absorb(this.endpoint.setOption(s.conn, field, value, this.now));
    } catch {
      // The connection finished in the meantime: nothing to apply.
    }
    return { ret: 0 };
  }

  #applyKeepalive(s: Sock): void {
    if (s.conn === undefined || !this.endpoint.connection(s.conn)) return;
    const o = s.opts;
    this.#absorb(
      this.endpoint.setKeepalive(
        s.conn,
        o.keepalive,
        {
          ...(o.keepIdle !== undefined ? { idle: o.keepIdle * 1000 } : {}),
          ...(o.keepIntvl !== undefined ? { interval: o.keepIntvl * 1000 } : {}),
          ...(o.keepCnt !== undefined ? { count: o.keepCnt } : {}),
        },
        this.now,
      ),
    );
  }

  /** Starts an active open. Returns an errno on failure. */
  #startConnect(s: Sock, remote: SockAddr): ErrnoName | undefined {
    const config = this.#connConfig(s);
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
  #mayReuse(tw: TimeWaitNote, _explicitBind: boolean): boolean {
    const b = this.profile.behaviour;
    if (b.twReuse !== 1) return false;
    return tw.timestamps && this.now > tw.stamp + b.twReuseDelay;
  }

  #acceptable(l: Sock, c: Sock): boolean {
    if (l.opts.deferAccept <= 0) return true;
    const live = c.conn !== undefined ? this.endpoint.connection(c.conn) : undefined;
    if (!live || live.recvQueued > 0 || c.peerFin || c.dead) return true;
    return this.now >= (c.establishedAt ?? this.now) + l.opts.deferAccept * 1000;
  }

  #closeConn(s: Sock): void {
    if (s.gone || s.conn === undefined) return;
    const conn = s.conn;
    const live = this.endpoint.connection(conn);
    const b = this.profile.behaviour;
    const abort =
      (s.opts.linger.onoff !== 0 && s.opts.linger.linger === 0) ||
      (b.rstOnCloseWithUnreadData && live !== undefined && live.recvQueued > 0);
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
      this.outbox.push({ pkt, at: this.now });
      this.#onPacket?.(pkt, this.now);
    }
    if (out.packets.length > 0 || out.events.length > 0) this.version++;
    for (const ev of out.events) {
      if (ev.type === 'accept') {
        const l = this.#byListener.get(ev.listener);
        // An accepted socket inherits the listener's options (Linux copies them at accept).
        const c = newSock(-1, l?.domain ?? AF_INET, 'conn');
        c.conn = ev.conn;
        if (l) {
          c.opts = { ...l.opts, linger: { ...l.opts.linger }, deferAccept: 0 };
          c.config = l.config;
        }
        this.#byConn.set(ev.conn, c);
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
            this.#timeWait.set(key, { conn: ev.conn, timestamps: s?.timestamps ?? false, stamp: this.now });
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

function fail(errno: ErrnoName): SysResult & { ret: -1 } {
  return { ret: -1, errno };
}

function errnoOf(e: unknown, fallback: ErrnoName): ErrnoName {
  if (e instanceof TcpError) {
    const code = e.code as string;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') return code;
    if (code === 'ERR_TCP_CLOSING') return 'EPIPE';
    if (code === 'ERR_TCP_NOT_CONNECTED') return 'ENOTCONN';
  }
  return fallback;
}

function errnoValue(name: ErrnoName): number {
  return ERRNO[name];
}

function emptyInfo(state: number, advmss: number): TcpInfo {
  return {
    tcpi_state: state,
    tcpi_ca_state: 0,
    tcpi_retransmits: 0,
    tcpi_probes: 0,
    tcpi_backoff: 0,
    tcpi_options: 0,
    tcpi_snd_wscale: 0,
    tcpi_rcv_wscale: 0,
    tcpi_rto: 0,
    tcpi_snd_mss: 0,
    tcpi_rcv_mss: 0,
    tcpi_unacked: 0,
    tcpi_total_retrans: 0,
    tcpi_rtt: 0,
    tcpi_rttvar: 0,
    tcpi_snd_ssthresh: 0,
    tcpi_snd_cwnd: 0,
    tcpi_advmss: advmss,
  };
}
