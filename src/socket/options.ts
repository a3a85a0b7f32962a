// setsockopt() and getsockopt(): the options a socket holds (SOL_SOCKET, SOL_TCP, SOL_IP), and how
// they reach its connection. Set before listen() or connect(), an option goes into the connection's
// config (connConfig); set on a live connection, the ones that can change are applied through the
// Endpoint (keepalive, TCP_NODELAY, TCP_USER_TIMEOUT, TCP_LINGER2).

import type { TcpConfig } from '../core/config.js';
import type { ConnectionOptionValues } from '../core/user.js';
import {
  ERRNO,
  IP_BIND_ADDRESS_NO_PORT,
  IP_LOCAL_PORT_RANGE,
  IPPROTO_IP,
  IPPROTO_TCP,
  SO_ACCEPTCONN,
  SO_DOMAIN,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVLOWAT,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  SO_ZEROCOPY,
  SOCK_STREAM,
  SOL_IP,
  SOL_SOCKET,
  SOL_TCP,
  TCP_CORK,
  TCP_DEFER_ACCEPT,
  TCP_INQ,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_LINGER2,
  TCP_MAXSEG,
  TCP_NODELAY,
  TCP_QUICKACK,
  TCP_USER_TIMEOUT,
  TCP_WINDOW_CLAMP,
} from './constants.js';
import { type Profile, settingOf } from './profiles.js';
import { fail, type GetResult, type SysResult } from './results.js';
import { type KernelContext, liveConn, type Sock, type SockOpts, takeError } from './sock.js';

/** Linux's TCP_MSS_DEFAULT, what TCP_MAXSEG reads before a connection has an MSS. */
const TCP_MSS_DEFAULT = 536;
/** net.core.wmem_max / rmem_max defaults: SO_SNDBUF and SO_RCVBUF are capped at these, then doubled. */
const CORE_BUF_MAX = 212_992;
/** SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF (include/net/sock.h, with a 64-bit sk_buff). */
const SOCK_MIN_SNDBUF = 4608;
const SOCK_MIN_RCVBUF = 2304;

/**
 * The buffer size SO_SNDBUF / SO_RCVBUF give (Linux sock_setsockopt): the value capped at the core
 * maximum, doubled for the kernel's bookkeeping overhead, and at least the minimum.
 */
export function linuxBufferSize(value: number, kind: 'snd' | 'rcv'): number {
  const v = Math.min(Math.max(0, value), CORE_BUF_MAX) * 2;
  return Math.max(v, kind === 'snd' ? SOCK_MIN_SNDBUF : SOCK_MIN_RCVBUF);
}

export function setsockopt(
  k: KernelContext,
  s: Sock,
  level: number,
  name: number,
  value: number | { onoff: number; linger: number },
): SysResult {
  const n = typeof value === 'number' ? value : Number.NaN;
  const o = s.opts;
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_REUSEADDR:
        o.reuseAddr = n !== 0;
        return { ret: 0 };
      case SO_REUSEPORT:
        o.reusePort = n !== 0;
        return { ret: 0 };
      case SO_LINGER:
        if (typeof value === 'number') return fail('EINVAL');
        o.linger = { onoff: value.onoff, linger: value.linger };
        return { ret: 0 };
      case SO_KEEPALIVE:
        o.keepalive = n !== 0;
        applyKeepalive(k, s);
        return { ret: 0 };
      case SO_RCVBUF:
        o.rcvBuf = n;
        return { ret: 0 };
      case SO_SNDBUF:
        o.sndBuf = n;
        return { ret: 0 };
      case SO_ZEROCOPY:
        // sk_setsockopt: 0 or 1, else EINVAL.
        if (n !== 0 && n !== 1) return fail('EINVAL');
        o.zerocopy = n === 1;
        return { ret: 0 };
      case SO_RCVLOWAT:
        // Linux: a value of 0 means 1.
        o.rcvLowat = Math.max(1, n);
        return { ret: 0 };
      default:
        return fail('ENOPROTOOPT');
    }
  }
  if (level === SOL_TCP) {
    switch (name) {
      case TCP_INQ:
        o.inq = n !== 0;
        return { ret: 0 };
      case TCP_NODELAY: {
        // Linux (__tcp_sock_set_nodelay) also pushes what is held: TCP_NAGLE_PUSH sends what Nagle
        // and what TCP_CORK or MSG_MORE held, once; the cork stays on for later writes.
        o.noDelay = n !== 0;
        const r = applyToCore(k, s, 'nagle', !o.noDelay);
        if (o.noDelay) {
          applyToCore(k, s, 'push', true);
          if (liveConn(k, s)?.config.cork) {
            applyToCore(k, s, 'cork', false);
            applyToCore(k, s, 'cork', true);
          }
        }
        return r;
      }
      case TCP_CORK:
        // Pulling the cork sends what it held (tcp_push_pending_frames in __tcp_sock_set_cork).
        o.cork = n !== 0;
        return applyToCore(k, s, 'cork', o.cork);
      case TCP_QUICKACK:
        // __tcp_sock_set_quickack: 1 leaves ping-pong mode and sends an ACK being delayed; 0
        // enters it. Not kept: the connection's own heuristics change the mode again.
        o.quickAck = n !== 0;
        return applyToCore(k, s, 'pingpong', !o.quickAck);
      case TCP_WINDOW_CLAMP: {
        // tcp_set_window_clamp: 0 only on a socket not yet connected (it clears the clamp); else
        // at least SOCK_MIN_RCVBUF / 2.
        const live = liveConn(k, s);
        if (!(n >= 0)) return fail('EINVAL');
        if (n === 0) {
          if (live) return fail('EINVAL');
          o.windowClamp = undefined;
          return { ret: 0 };
        }
        o.windowClamp = Math.max(n, SOCK_MIN_RCVBUF / 2);
        return applyToCore(k, s, 'windowClamp', o.windowClamp);
      }
      case TCP_MAXSEG:
        // Linux accepts 0 (use the route's) or 88..32767 (TCP_MIN_MSS .. MAX_TCP_WINDOW).
        if (n !== 0 && (n < 88 || n > 32767)) return fail('EINVAL');
        // As Linux (user_mss): kept on a new socket or a listener (whose later children take it);
        // no effect on a connection's established MSS.
        if (s.role === 'conn') return { ret: 0 };
        o.maxseg = n === 0 ? undefined : n;
        return { ret: 0 };
      case TCP_USER_TIMEOUT:
        if (!(n >= 0)) return fail('EINVAL');
        o.userTimeout = n;
        return applyToCore(k, s, 'userTimeout', o.userTimeout);
      case TCP_LINGER2: {
        // Linux: below 0 is -1 (no FIN-WAIT-2 for an orphan), above TCP_FIN_TIMEOUT_MAX (120 s) is that.
        o.linger2 = n < 0 ? -1 : Math.min(n, 120);
        const r = applyToCore(k, s, 'finWait2Abort', o.linger2 < 0);
        return r.ret < 0 ? r : applyToCore(k, s, 'finWait2Timeout', finWait2Timeout(k.profile, o));
      }
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
        applyKeepalive(k, s);
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

export function getsockopt(k: KernelContext, s: Sock, level: number, name: number): GetResult {
  const o = s.opts;
  const cfg = <K extends keyof TcpConfig>(key: K): TcpConfig[K] => settingOf(k.profile, key);
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_ERROR: {
        const err = takeError(s);
        return { ret: 0, value: err === undefined ? 0 : ERRNO[err] };
      }
      case SO_REUSEADDR:
        return { ret: 0, value: o.reuseAddr ? 1 : 0 };
      case SO_REUSEPORT:
        return { ret: 0, value: o.reusePort ? 1 : 0 };
      case SO_KEEPALIVE:
        return { ret: 0, value: o.keepalive ? 1 : 0 };
      case SO_ZEROCOPY:
        return { ret: 0, value: o.zerocopy ? 1 : 0 };
      case SO_LINGER:
        return { ret: 0, value: { ...o.linger } };
      case SO_TYPE:
        return { ret: 0, value: SOCK_STREAM };
      case SO_DOMAIN:
        return { ret: 0, value: s.domain };
      case SO_PROTOCOL:
        return { ret: 0, value: IPPROTO_TCP };
      case SO_ACCEPTCONN:
        return { ret: 0, value: s.role === 'listener' ? 1 : 0 };
      case SO_SNDBUF:
        return { ret: 0, value: o.sndBuf !== undefined ? linuxBufferSize(o.sndBuf, 'snd') : cfg('sendBuffer') };
      case SO_RCVBUF:
        return { ret: 0, value: o.rcvBuf !== undefined ? linuxBufferSize(o.rcvBuf, 'rcv') : cfg('recvBuffer') };
      case SO_RCVLOWAT:
        return { ret: 0, value: o.rcvLowat };
      default:
        return fail('ENOPROTOOPT');
    }
  }
  if (level === SOL_TCP) {
    switch (name) {
      case TCP_MAXSEG: {
        // Linux: the MSS in use once connected; before that (and on a listener) what was set.
        const live = liveConn(k, s);
        if (live && s.connected) return { ret: 0, value: live.info().mss };
        return { ret: 0, value: o.maxseg ?? TCP_MSS_DEFAULT };
      }
      case TCP_NODELAY:
        return { ret: 0, value: o.noDelay ? 1 : 0 };
      case TCP_CORK:
        return { ret: 0, value: o.cork ? 1 : 0 };
      case TCP_QUICKACK: {
        const live = liveConn(k, s);
        return { ret: 0, value: (live ? !live.pingpong : o.quickAck) ? 1 : 0 };
      }
      case TCP_WINDOW_CLAMP: {
        // Linux's window_clamp: what was set, else once connected the largest window we offer.
        const live = liveConn(k, s);
        return { ret: 0, value: o.windowClamp ?? (live ? live.config.recvBuffer : 0) };
      }
      case TCP_INQ:
        return { ret: 0, value: o.inq ? 1 : 0 };
      case TCP_USER_TIMEOUT:
        return { ret: 0, value: o.userTimeout ?? 0 };
      case TCP_LINGER2:
        return { ret: 0, value: o.linger2 ?? Math.floor(cfg('finWait2Timeout') / 1000) };
      case TCP_DEFER_ACCEPT:
        // Linux keeps SYN,ACK timeouts and reads them back as seconds: 2 reads 3 (1 s + 2 s).
        return { ret: 0, value: retransToSecs(secsToRetrans(o.deferAccept)) };
      case TCP_KEEPIDLE:
        return { ret: 0, value: o.keepIdle ?? Math.floor(cfg('keepaliveIdle') / 1000) };
      case TCP_KEEPINTVL:
        return { ret: 0, value: o.keepIntvl ?? Math.floor(cfg('keepaliveInterval') / 1000) };
      case TCP_KEEPCNT:
        return { ret: 0, value: o.keepCnt ?? cfg('keepaliveCount') };
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

/** The per-connection config a socket's options make (set before listen()/connect()); kept in s.config. */
export function connConfig(profile: Profile, s: Sock): Partial<TcpConfig> {
  const o = s.opts;
  const c: Partial<TcpConfig> = {};
  if (o.maxseg !== undefined) c.mss = o.maxseg;
  if (o.userTimeout !== undefined) c.userTimeout = o.userTimeout;
  if (o.linger2 !== undefined) c.finWait2Timeout = finWait2Timeout(profile, o);
  if (o.linger2 !== undefined && o.linger2 < 0) c.finWait2Abort = true;
  if (o.rcvBuf !== undefined) c.recvBuffer = linuxBufferSize(o.rcvBuf, 'rcv');
  if (o.sndBuf !== undefined) c.sendBuffer = linuxBufferSize(o.sndBuf, 'snd');
  if (o.noDelay) c.nagle = false;
  if (o.cork) c.cork = true;
  if (o.windowClamp !== undefined) c.windowClamp = o.windowClamp;
  if (o.deferAccept > 0) c.deferAccept = secsToRetrans(o.deferAccept);
  // The profile flag also governs the core's own rule (config rstOnCloseWithUnread).
  if (!profile.behaviour.rstOnCloseWithUnreadData) c.rstOnCloseWithUnread = false;
  if (o.keepalive) {
    c.keepalive = true;
    if (o.keepIdle !== undefined) c.keepaliveIdle = o.keepIdle * 1000;
    if (o.keepIntvl !== undefined) c.keepaliveInterval = o.keepIntvl * 1000;
    if (o.keepCnt !== undefined) c.keepaliveCount = o.keepCnt;
  }
  s.config = c;
  return c;
}

/** Linux's TCP_TIMEOUT_INIT and TCP_RTO_MAX in seconds: the SYN,ACK timeouts TCP_DEFER_ACCEPT counts. */
const SYNACK_TIMEOUT_INIT = 1;
const SYNACK_TIMEOUT_MAX = 120;

/**
 * TCP_DEFER_ACCEPT seconds as SYN,ACK timeouts (Linux secs_to_retrans): the fewest timeouts,
 * starting at 1 s and doubling up to 120 s, that together last at least `seconds`; at most 255.
 */
export function secsToRetrans(seconds: number): number {
  if (!(seconds > 0)) return 0;
  let timeout = SYNACK_TIMEOUT_INIT;
  let period = timeout;
  let n = 1;
  while (seconds > period && n < 255) {
    n++;
    timeout = Math.min(timeout * 2, SYNACK_TIMEOUT_MAX);
    period += timeout;
  }
  return n;
}

/** The seconds `n` SYN,ACK timeouts last (Linux retrans_to_secs): what getsockopt reads back. */
export function retransToSecs(n: number): number {
  if (n <= 0) return 0;
  let timeout = SYNACK_TIMEOUT_INIT;
  let period = timeout;
  for (let i = 1; i < n; i++) {
    timeout = Math.min(timeout * 2, SYNACK_TIMEOUT_MAX);
    period += timeout;
  }
  return period;
}

/** TCP_LINGER2 in ms: its seconds, or the profile's FIN-WAIT-2 timeout when unset or not positive. */
function finWait2Timeout(profile: Profile, o: SockOpts): number {
  return o.linger2 === undefined || o.linger2 <= 0 ? settingOf(profile, 'finWait2Timeout') : o.linger2 * 1000;
}

/**
 * A per-connection setting. Before the connection exists it goes into the connection's config
 * (connConfig); afterwards it is applied with Endpoint.setOption.
 */
function applyToCore<
  K extends
    | 'userTimeout'
    | 'finWait2Timeout'
    | 'finWait2Abort'
    | 'windowClamp'
    | 'nagle'
    | 'cork'
    | 'pingpong'
    | 'more'
    | 'push',
>(k: KernelContext, s: Sock, field: K, value: ConnectionOptionValues[K]): SysResult {
  if (s.conn === undefined || liveConn(k, s) === undefined) return { ret: 0 };
  try {
    k.absorb(k.endpoint.setOption(s.conn, field, value, k.now()));
  } catch {
    // The connection finished in the meantime: nothing to apply.
  }
  return { ret: 0 };
}

/**
 * Around a write: the connection learns whether it has MSG_MORE (Linux's tcp_push with MSG_MORE
 * holds that push only; the core's option 'more'). It is set before the bytes are queued (`after`
 * false) and cleared after (`after` true), so a write without MSG_MORE sends its bytes together
 * with those an earlier MSG_MORE held. TCP_CORK is the connection's cork setting, apart from this.
 */
export function corkForWrite(k: KernelContext, s: Sock, more: boolean, after: boolean): void {
  if (more === after || (!more && !s.opts.more) || liveConn(k, s) === undefined) return;
  s.opts.more = more;
  applyToCore(k, s, 'more', more);
}

function applyKeepalive(k: KernelContext, s: Sock): void {
  if (s.conn === undefined || !liveConn(k, s)) return;
  const o = s.opts;
  k.absorb(
    k.endpoint.setKeepalive(
      s.conn,
      o.keepalive,
      {
        ...(o.keepIdle !== undefined ? { idle: o.keepIdle * 1000 } : {}),
        ...(o.keepIntvl !== undefined ? { interval: o.keepIntvl * 1000 } : {}),
        ...(o.keepCnt !== undefined ? { count: o.keepCnt } : {}),
      },
      k.now(),
    ),
  );
}
