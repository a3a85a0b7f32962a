// Every tunable of the core, with its default and where the default comes from.
// A connection takes a full TcpConfig; callers pass a Partial and `resolveConfig` fills the rest.
//
// A resolved config is frozen and shared: the endpoint resolves its defaults once and every
// connection made with them holds that one object (a connection's resolveConfig of it hands it back
// as it is, without copying or validating again). A connection whose setOption changes a setting
// takes a private copy first (ownConfig), so the shared one never changes.

import { type Duration, HOUR, MINUTE, SECOND } from './time.js';

export interface TcpConfig {
  /**
   * Linux's TCP_LINGER2 below 0: an orphan does not wait in FIN-WAIT-2 at all. close() in FIN-WAIT-2
   * resets the connection; an orphan whose FIN is acknowledged answers that ACK with a RST and is
   * gone (tcp_close, tcp_rcv_state_process). Off unless the application asks.
   */
  finWait2Abort: boolean;
  /** Maximum Segment Lifetime. TIME-WAIT lasts 2 × msl. RFC 9293 §3.4.2 suggests 2 minutes; we use 30 s so TIME-WAIT is 60 s, as Linux's TCP_TIMEWAIT_LEN. */
  msl: Duration;
  /** How long FIN-WAIT-2 may last once the application has fully closed (Linux tcp_fin_timeout, 60 s). 0 disables. */
  finWait2Timeout: Duration;

  /**
   * MSS we announce and the largest payload we send before negotiation (RFC 9293 §3.7.1), over
   * IPv4: 1460 = Ethernet MTU − 40 (IPv4 and TCP headers). A connection over IPv6, whose header is
   * 20 bytes longer, uses 20 less for the same MTU (1440 by default; see ipv6Config); a value set
   * on the connection itself (setOption) is taken as it is.
   */
  mss: number;
  /** MSS assumed for a peer that sends no MSS option (RFC 9293 §3.7.1, MUST-15: 536). */
  defaultPeerMss: number;

  /** Receive buffer in bytes: the most we advertise. */
  recvBuffer: number;
  /** Send buffer in bytes: how much unacknowledged plus unsent data we hold before refusing more. */
  sendBuffer: number;

  /** Offer window scaling (RFC 7323 §2). The shift is derived from recvBuffer. */
  windowScaling: boolean;
  /** Offer timestamps (RFC 7323 §3). */
  timestamps: boolean;
  /** Offer SACK-permitted (RFC 2018); when both SYNs carry it, ACKs report held out-of-order data and loss recovery follows RFC 6675 (core/sack.ts). Off by default (finack profile); the linux profile turns it on. */
  sackPermitted: boolean;

  /** Nagle's algorithm (RFC 9293 §3.7.4, RFC 1122 §4.2.3.4). */
  nagle: boolean;
  /**
   * Corked (Linux TCP_CORK, and MSG_MORE for one write): a segment shorter than the MSS waits
   * until the cork is pulled, a full segment's worth is queued, or a FIN follows the data; at
   * most until, with nothing in flight, the persist timer (one RTO, at least rtoMin) fires. That
   * is Linux's ceiling: its probe timer (tcp_check_probe_timer, max(RTO, 200 ms)) sends the
   * held segment through tcp_write_wakeup; tcp(7) calls it a 200 ms ceiling. Off unless asked.
   */
  cork: boolean;
  /**
   * Linux TCP_WINDOW_CLAMP: the largest window we advertise, in bytes (0 = the receive buffer
   * alone). Set before the SYN it also bounds the window scale we offer (tcp_select_initial_window).
   */
  windowClamp: number;
  /** Delay ACKs (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2): ACK at least every second full segment, and within delayedAckTimeout. */
  delayedAck: boolean;
  /** Delayed-ACK timer. RFC 1122 requires < 500 ms; we use 200 ms (BSD's figure; Linux starts at 40 ms). */
  delayedAckTimeout: Duration;
  /**
   * Linux's quick-ACK mode (tcp_input.c tcp_incr_quickack / tcp_in_quickack_mode): the first data
   * segments of a connection (up to 16, TCP_MAX_QUICKACKS) are ACKed at once, unless the
   * connection is interactive ("ping-pong": we sent data within delayedAckTimeout of receiving
   * some, or the peer's FIN arrived). RFC 9293 §3.8.6.3 only bounds the delay; this trades a few
   * ACKs for a faster start of the peer's slow start. Off by default; the linux profile has it on.
   */
  quickAck: boolean;

  /**
   * Tail loss probe (RFC 8985 §7; Linux tcp_schedule_loss_probe): when the last segment of a flight
   * (or our FIN) goes unacknowledged for a probe timeout PTO = 2·SRTT (+ 200 ms, the worst-case
   * delayed ACK, when only one segment is in flight; 1 s without an RTT sample; at least 10 ms;
   * never later than the RTO), it is sent once more without backing off, so a lost tail is
   * repaired by an ACK (fast recovery) instead of a timeout. Off by default; the linux profile has it on.
   */
  tailLossProbe: boolean;
  /** Initial RTO (RFC 6298 §2.1: 1 s). */
  rtoInitial: Duration;
  /** Lower bound of the RTO (RFC 6298 §2.4: 1 s). */
  rtoMin: Duration;
  /** Upper bound of the RTO (RFC 6298 §2.5 allows a maximum of at least 60 s). */
  rtoMax: Duration;
  /** SYN retransmissions before giving up with ETIMEDOUT (Linux tcp_syn_retries: 6). */
  synRetries: number;
  /** Data retransmissions before giving up (RFC 9293 §3.8.3 R2; Linux tcp_retries2: 15). */
  retries2: number;
  /**
   * Retransmissions before an orphan gives up: a connection the application has closed (close(),
   * not shutdown()), whose data and FIN no one waits for. Linux's tcp_orphan_retries, whose 0
   * means 8 (tcp_orphan_retries() in tcp_timer.c; it gives up at once instead when the RTO has
   * reached TCP_RTO_MAX, which with a 200 ms minimum RTO only a very long RTT brings before the
   * 8 retries: we leave that out). With an RTO of at least 200 ms, 8 still waits more than the
   * 100 s RFC 9293 asks of R2 (MUST-20).
   */
  orphanRetries: number;
  /** User timeout (RFC 9293 §3.10.8, RFC 5482): abort when data stays unacknowledged this long. 0 = off (R2 governs). */
  userTimeout: Duration;

  /** Keepalive on (RFC 1122 §4.2.3.6 MUST default to off). */
  keepalive: boolean;
  /** Idle time before the first probe: 2 hours (RFC 1122 §4.2.3.6). */
  keepaliveIdle: Duration;
  /** Time between unanswered probes: 75 s (the BSD and Linux default). */
  keepaliveInterval: Duration;
  /** Unanswered probes before the peer is declared dead: 10 (BSD; Linux uses 9). */
  keepaliveCount: number;

  /** Initial congestion window in segments (RFC 6928: 10; RFC 5681 allows 2 to 4). */
  initialCwndSegments: number;
  /** Congestion control algorithm name (see core/congestion.ts). */
  congestionControl: 'newreno';

  /**
   * close() while received data is still unread aborts with a RST instead of an orderly FIN (RFC
   * 1122 §4.2.2.13 SHOULD; RFC 2525 §2.17; Linux tcp_close): the peer learns its data was lost.
   * Only bytes in the receive buffer count (not a retransmission of bytes already read).
   */
  rstOnCloseWithUnread: boolean;
  /**
   * After close(), new data arriving in FIN-WAIT-1 or FIN-WAIT-2 (the application will never read
   * it) is answered with a RST and the connection is CLOSED (Linux tcp_rcv_state_process, after
   * RFC 1122 §4.2.2.13; BSD too). Off: it is acknowledged and discarded. shutdown() (half-close)
   * keeps reading and is not affected.
   */
  rstOnDataAfterClose: boolean;
  /**
   * Linux's TCP_DEFER_ACCEPT (rskq_defer_accept, in SYN,ACK timeouts; 0 = off): a passive
   * connection in SYN-RECEIVED ignores a bare ACK of its SYN,ACK until it has seen this many
   * SYN,ACK timeouts, so it becomes ESTABLISHED (and is accepted) only once data or a FIN arrives.
   * While it waits, no SYN,ACK is resent until the last timeout of the period; a bare ACK after
   * that completes the handshake (inet_csk_reqsk_queue syn_ack_recalc, tcp_check_req). Not in
   * RFC 9293: an option the application asks for.
   */
  deferAccept: number;
  /** RFC 1337: ignore RST in TIME-WAIT (true), or let it close the record (false, Linux's default). */
  rfc1337: boolean;
  /** RFC 5961 challenge ACKs for in-window RST and SYN (§3, §4). */
  challengeAcks: boolean;
  /**
   * RFC 5961 §7: at most this many challenge ACKs (and ACKs answering an ACK outside
   * [SND.UNA - MAX.SND.WND, SND.NXT], §5) per connection per second; 0 = no limit. Linux limits
   * per host (tcp_challenge_ack_limit, 1000/s) and per socket (tcp_invalid_ratelimit, one per
   * 500 ms); we keep one per-connection budget of 10/s: enough for a peer that really lost state to
   * get an answer at once, small enough that a flood of forged segments draws few replies.
   */
  challengeAckLimit: number;
  /**
   * In ESTABLISHED, a segment whose ACK field acknowledges data not yet sent (SEG.ACK > SND.NXT) is
   * discarded without an answer, its text and FIN unread: Linux's tcp_ack returns an error for it
   * ("discard this segment", after RFC 793 §3.9) and tcp_rcv_established drops the segment. Off:
   * RFC 9293 §3.10.7.4 (fifth) says to send an ACK and drop it, which the other states do as well.
   * The linux profile turns it on.
   */
  dropAckOfUnsent: boolean;
  /**
   * A segment at RCV.NXT that runs past the right edge of the window is taken whole, not trimmed,
   * when the window is open and nothing waits to be read: Linux's tcp_data_queue queues an in-order
   * skb whole, forcing the memory when the receive queue is empty, and tcp_sequence lets its end
   * pass the window only then. The window then reads 0 until the application reads. Off: RFC 9293
   * §3.10.7.4 (seventh) keeps only the part inside the window. The linux profile turns it on.
   */
  inOrderPastWindow: boolean;
  /**
   * D-SACK (RFC 2883): on a connection that negotiated SACK, text that arrives again (below
   * RCV.NXT, or over data held out of order) is reported as the first SACK block of the next ACK,
   * so the sender learns that its retransmission was needless. One block, the first duplicate
   * range, as Linux's tcp_dsack_set (net.ipv4.tcp_dsack, on by default). Off by default (finack
   * profile); the linux profile turns it on.
   */
  dsack: boolean;
  /**
   * The loss response, in 1/1024: after a loss ssthresh = max(cwnd in segments × lossBeta / 1024,
   * 2) segments, as Linux's default CUBIC reduces it (bictcp_recalc_ssthresh, beta 717: about 0.7;
   * growth stays RFC 5681's). 0: RFC 5681 eq. 4, max(FlightSize / 2, 2 SMSS), the default. The
   * linux profile uses 717.
   */
  lossBeta: number;
}

export const DEFAULT_CONFIG: Readonly<TcpConfig> = Object.freeze({
  msl: 30 * SECOND,
  finWait2Timeout: 60 * SECOND,
  finWait2Abort: false,
  mss: 1460,
  defaultPeerMss: 536,
  recvBuffer: 256 * 1024,
  sendBuffer: 256 * 1024,
  windowScaling: true,
  timestamps: true,
  sackPermitted: false,
  nagle: true,
  cork: false,
  windowClamp: 0,
  delayedAck: true,
  delayedAckTimeout: 200,
  quickAck: false,
  tailLossProbe: false,
  rtoInitial: 1 * SECOND,
  rtoMin: 1 * SECOND,
  rtoMax: 2 * MINUTE,
  synRetries: 6,
  retries2: 15,
  orphanRetries: 8,
  userTimeout: 0,
  keepalive: false,
  keepaliveIdle: 2 * HOUR,
  keepaliveInterval: 75 * SECOND,
  keepaliveCount: 10,
  initialCwndSegments: 10,
  congestionControl: 'newreno',
  rstOnCloseWithUnread: true,
  rstOnDataAfterClose: true,
  deferAccept: 0,
  rfc1337: true,
  challengeAcks: true,
  challengeAckLimit: 10,
  dropAckOfUnsent: false,
  inOrderPastWindow: false,
  dsack: false,
  lossBeta: 0,
});

/** Configs resolveConfig made (frozen, validated): resolving one again returns it unchanged. */
const RESOLVED = new WeakSet<object>();
/** The smallest `mss` accepted (Linux's TCP_MIN_MSS). */
const MIN_MSS = 88;

/**
 * DEFAULT_CONFIG with `partial` on top, validated and frozen. Given a config it resolved before,
 * returns that same object: connections made with the same resolved config share it.
 */
export function resolveConfig(partial: Partial<TcpConfig> = {}): Readonly<TcpConfig> {
  if (RESOLVED.has(partial)) return partial as Readonly<TcpConfig>;
  const cfg: TcpConfig = { ...DEFAULT_CONFIG, ...partial };
  validateConfig(cfg);
  Object.freeze(cfg);
  RESOLVED.add(cfg);
  return cfg;
}

/** The IPv6 header is this much longer than IPv4's (40 bytes against 20). */
const IPV6_EXTRA_HEADER = 20;
const FOR_IPV6 = new WeakMap<object, Readonly<TcpConfig>>();

/**
 * The settings of a new connection over IPv6: `cfg` with `mss` 20 bytes smaller, so that segments
 * fit the same MTU under the longer header (Linux derives both from the route's MTU: 1460 over
 * IPv4, 1440 over IPv6 on Ethernet). Made once per config and shared, as resolved configs are.
 */
export function ipv6Config(cfg: Readonly<TcpConfig>): Readonly<TcpConfig> {
  let v6 = FOR_IPV6.get(cfg);
  if (v6 === undefined) {
    v6 = resolveConfig({ ...cfg, mss: Math.max(MIN_MSS, cfg.mss - IPV6_EXTRA_HEADER) });
    FOR_IPV6.set(cfg, v6);
  }
  return v6;
}

/** The settings of a new connection whose local address is `local.addr`: ipv6Config's over IPv6. */
export function familyConfig(cfg: Readonly<TcpConfig>, local: { readonly addr: string }): Readonly<TcpConfig> {
  return local.addr.includes(':') ? ipv6Config(cfg) : cfg;
}

/** Is `cfg` a shared resolved config (frozen: copy it before changing a setting)? */
export function isSharedConfig(cfg: Readonly<TcpConfig>): boolean {
  return RESOLVED.has(cfg);
}

/** A private, mutable copy of a resolved config (copy-on-write for one connection's setOption). */
export function ownConfig(cfg: Readonly<TcpConfig>): TcpConfig {
  return { ...cfg };
}

/** Throws ConfigError (ERR_INVALID_ARG_VALUE) naming the first bad field. */
export function validateConfig(cfg: TcpConfig): void {
  const nonNeg: (keyof TcpConfig)[] = [
    'msl',
    'finWait2Timeout',
    'delayedAckTimeout',
    'userTimeout',
    'keepaliveIdle',
    'keepaliveInterval',
    'synRetries',
    'retries2',
    'orphanRetries',
    'keepaliveCount',
    'challengeAckLimit',
    'deferAccept',
    'windowClamp',
  ];
  for (const k of nonNeg) checkInt(k, cfg[k], 0);
  checkInt('mss', cfg.mss, MIN_MSS, 65495);
  checkInt('defaultPeerMss', cfg.defaultPeerMss, 88, 65495);
  checkInt('recvBuffer', cfg.recvBuffer, 1, 1 << 30);
  checkInt('sendBuffer', cfg.sendBuffer, 1, 1 << 30);
  checkInt('rtoInitial', cfg.rtoInitial, 1);
  checkInt('rtoMin', cfg.rtoMin, 1);
  checkInt('rtoMax', cfg.rtoMax, cfg.rtoMin);
  checkInt('initialCwndSegments', cfg.initialCwndSegments, 1, 1000);
  checkInt('lossBeta', cfg.lossBeta, 0, 1023);
  if (cfg.keepaliveInterval === 0 && cfg.keepalive)
    throw new ConfigError('keepaliveInterval', cfg.keepaliveInterval, 'must be > 0 when keepalive is on');
}

function checkInt(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(name, v, `must be an integer in [${min}, ${max}]`);
  }
}

import { ConfigError } from '../base/errors.js';
