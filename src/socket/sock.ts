// The socket record: what the kernel keeps for one descriptor (or for a connection a listener has
// not handed out yet), with the options set on it, and the view of the kernel that the calls in
// the other files of socket/ work through.

import type { TcpConfig } from '../core/config.js';
import type { Connection } from '../core/connection.js';
import type { ConnId, Endpoint, EndpointOutput, ListenerId } from '../core/endpoint.js';
import type { Instant } from '../core/time.js';
import type { ConnStats } from './conn-stats.js';
import type { ErrnoName } from './constants.js';
import type { Profile } from './profiles.js';
import { BLOCKED, type Blocked, fail, type SysResult } from './results.js';

/** The options setsockopt() sets, as the socket holds them (options.ts). */
export interface SockOpts {
  reuseAddr: boolean;
  /** SO_REUSEPORT (bind conflicts only: finack spreads no SYNs over a group of listeners). */
  reusePort: boolean;
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
  /** TCP_INQ: recvmsg() reports the bytes left to read in a TCP_CM_INQ control message. */
  inq: boolean;
  /** SO_RCVLOWAT: bytes that make the socket readable for poll() (Linux default 1). */
  rcvLowat: number;
  /** TCP_CORK. */
  cork: boolean;
  /** SO_ZEROCOPY: kept and read back; MSG_ZEROCOPY sends are copies all the same. */
  zerocopy: boolean;
  /** The connection was last told that a write had MSG_MORE (options.ts corkForWrite). */
  more: boolean;
  /** TCP_WINDOW_CLAMP as Linux keeps it (at least SOCK_MIN_RCVBUF / 2); undefined: never set. */
  windowClamp?: number;
  /** TCP_QUICKACK as last set, before the connection exists (it then reads its ping-pong mode). */
  quickAck: boolean;
}

export interface Sock {
  fd: number;
  domain: number;
  nonblock: boolean;
  role: 'new' | 'listener' | 'conn';
  bound?: { addr?: string; port: number };
  listener?: ListenerId;
  /** listen()'s backlog, kept to open the listener again when an option changes its config. */
  backlog?: number;
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
  /**
   * Bytes a recv(MSG_PEEK) took from the connection that no read has consumed yet; reads serve them
   * first, and every count of unread bytes (SIOCINQ, poll, close with unread data) includes them.
   */
  peeked: Uint8Array;
  /** The connection's 4-tuple key (conn-stats.ts), once known. */
  tuple?: string;
  /** A blocking write under way: its buffer and the bytes of it queued so far (data.ts). */
  writing?: { data: Uint8Array; done: number };
}

/** A socket record as socket() or accept() makes it: nothing set, default options. */
export function newSock(fd: number, domain: number, role: Sock['role']): Sock {
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
      reusePort: false,
      linger: { onoff: 0, linger: 0 },
      keepalive: false,
      deferAccept: 0,
      noDelay: false,
      bindNoPort: false,
      inq: false,
      rcvLowat: 1,
      cork: false,
      more: false,
      zerocopy: false,
      quickAck: true,
    },
    timestamps: false,
    config: {},
    peeked: new Uint8Array(0),
  };
}

/** What the socket calls outside kernel.ts see of the SocketKernel. */
export interface KernelContext {
  readonly endpoint: Endpoint;
  readonly profile: Profile;
  /** The kernel's time: every call runs at it. */
  now(): Instant;
  /** Queues the output's packets and applies its events to the socket records. */
  absorb(out: EndpointOutput): void;
  /** The counters of the connection behind a socket (conn-stats.ts), when its tuple is known. */
  stats(s: Sock): ConnStats | undefined;
}

/** The socket's connection while the Endpoint still holds it as a full connection. */
export function liveConn(k: KernelContext, s: Sock): Connection | undefined {
  return s.conn !== undefined ? k.endpoint.connection(s.conn) : undefined;
}

/** Bytes the application can read now: those a peek already took plus those the connection holds. */
export function unreadBytes(k: KernelContext, s: Sock): number {
  return s.peeked.length + (liveConn(k, s)?.recvQueued ?? 0);
}

/** The pending error, cleared: it is reported once. */
export function takeError(s: Sock): ErrnoName | undefined {
  const err = s.err;
  s.err = undefined;
  return err;
}

/** A call that cannot complete now: EAGAIN on a non-blocking socket, else it blocks. */
export function wouldBlock(s: Sock): (SysResult & { ret: -1 }) | Blocked {
  return s.nonblock ? fail('EAGAIN') : BLOCKED;
}
