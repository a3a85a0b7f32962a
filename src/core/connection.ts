// Connection: the public, sans-IO face of one TCB. Inputs are a segment, a user call or the time;
// each returns the segments to send now and the events for the user. nextDeadline() is the only
// thing a driver has to wake for. See tcb.ts (state), arrive.ts (SEGMENT ARRIVES), user.ts (user
// calls), output.ts (what to send), schedule.ts (when to wake), keepalive.ts, time-wait.ts.
//
// Every public call follows the same shape:
//   begin(now)   check that time does not go backwards
//   <input>      update the TCB, mark what is owed
//   finish()     transmit() + schedule(), then hand back segments and events

import { UsageError } from '../base/errors.js';
import { unreachable } from '../base/unreachable.js';
import type { Segment } from '../wire/segment.js';
import { arrive, arriveCookieSyn, timeWaitRecordOf } from './arrive.js';
import type { ChallengeBudget } from './challenge-budget.js';
import { resolveConfig, type TcpConfig } from './config.js';
import type { ConnEvent } from './events.js';
import { onKeepaliveTimer } from './keepalive.js';
import { persistProbe, sendProbe, transmit } from './output.js';
import { nothingDue, schedule } from './schedule.js';
import { TcpState } from './state.js';
import { Tcb, type TcbShared } from './tcb.js';
// Settles the Tcb's object layout before the first real one is made (see the file).
import './tcb-warm.js';
import type { Duration, Instant } from './time.js';
import type { TimeWaitRecord } from './time-wait.js';
import { TIMER_KINDS, type TimerInfo, type TimerKind } from './timers.js';
import { type DropReason, NO_TRACE, type TraceSink } from './trace.js';
import type { ConnectionOptionName, ConnectionOptionValues } from './user.js';
import * as user from './user.js';

export type { ConnectionOptionName, ConnectionOptionValues } from './user.js';

export interface Output {
  segments: Segment[];
  events: ConnEvent[];
}
export interface SendOutput extends Output {
  /** Bytes taken into the send buffer. */
  accepted: number;
}
export interface ReadOutput extends Output {
  /** null: nothing buffered now. */
  data: Uint8Array | null;
}

export interface ConnectionOptions {
  localPort: number;
  /** 0 while LISTEN (set from the SYN). */
  remotePort: number;
  /** Our initial sequence number (the endpoint computes it). */
  iss: number;
  /** Added to `now` to make our TSval (RFC 7323 §5.4). Default 0. */
  tsOffset?: number;
  config?: Partial<TcpConfig>;
  trace?: TraceSink;
  /**
   * Counters that every drop increments, by reason, whether or not a trace sink is set (an endpoint
   * shares one table among its connections for its stats). Counting costs no allocation.
   */
  drops?: Partial<Record<DropReason, number>>;
  /**
   * The host-wide budget of ACKs that answer unacceptable segments (challenge-budget.ts), shared by
   * an endpoint's connections; none by default (only the connection's own limit applies).
   */
  challengeBudget?: ChallengeBudget;
  /** Name put in TraceEvent.endpoint (default ''). */
  endpoint?: string;
  /**
   * trace, drops, challengeBudget and endpoint as one object that many connections share (an
   * endpoint makes one for all of its own); when given, those four options are not read.
   */
  shared?: TcbShared;
  /** 4-tuple label put in TraceEvent.conn (default `${localPort}>${remotePort}`). */
  label?: string;
}

export interface ConnectionInfo {
  state: TcpState;
  iss: number;
  irs: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd: number;
  sndWl1: number;
  sndWl2: number;
  rcvNxt: number;
  rcvWnd: number;
  /** Effective send MSS (after options). */
  mss: number;
  peerMss: number;
  /** Window shifts in use (0 when window scaling is off). */
  sndWscale: number;
  rcvWscale: number;
  windowScaling: boolean;
  timestamps: boolean;
  /** SACK negotiated (RFC 2018: both SYNs carried SACK-permitted). */
  sack: boolean;
  /** Bytes the peer has SACKed above SND.UNA (the RFC 6675 scoreboard). */
  sackedBytes: number;
  tsRecent: number;
  srtt: number | undefined;
  rttvar: number | undefined;
  rto: Duration;
  backoffs: number;
  cwnd: number;
  ssthresh: number;
  inRecovery: boolean;
  /** Segments retransmitted (timeouts, fast retransmit, partial ACKs). */
  retransmits: number;
  dupAcks: number;
  keepalive: boolean;
  keepaliveProbes: number;
  nagle: boolean;
  sendQueued: number;
  recvQueued: number;
  /** Out-of-order bytes held for reassembly. */
  reassemblyBytes: number;
}

export class Connection {
  readonly #tcb: Tcb;

  constructor(opts: ConnectionOptions) {
    for (const k of ['localPort', 'remotePort', 'iss'] as const) {
      const v = opts[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new UsageError('ERR_INVALID_ARG_TYPE', `${k} must be a non-negative integer`);
      }
    }
    const cfg = resolveConfig(opts.config);
    this.#tcb = new Tcb({
      localPort: opts.localPort,
      remotePort: opts.remotePort,
      iss: opts.iss,
      tsOffset: opts.tsOffset ?? 0,
      cfg,
      shared: opts.shared ?? {
        trace: opts.trace ?? NO_TRACE,
        drops: opts.drops,
        challengeBudget: opts.challengeBudget,
        endpoint: opts.endpoint ?? '',
      },
      label: opts.label,
    });
  }

  // --- user calls ---

  connect(now: Instant): Output {
    return run(this.#tcb, now, () => user.openActive(this.#tcb));
  }

  listen(now: Instant): Output {
    return run(this.#tcb, now, () => user.openPassive(this.#tcb));
  }

  /**
   * A passive open completed by a SYN cookie (syn-cookie.ts): LISTEN, the peer's SYN as rebuilt
   * from the cookie with our SYN,ACK counted as sent, then `ack`, the segment that brought the
   * cookie back. The connection is ESTABLISHED afterwards unless `ack` itself says otherwise.
   */
  openFromCookie(syn: Segment, ack: Segment, now: Instant): Output {
    return run(this.#tcb, now, () => {
      user.openPassive(this.#tcb);
      arriveCookieSyn(this.#tcb, syn);
      arrive(this.#tcb, ack);
    });
  }

  send(data: Uint8Array, now: Instant): SendOutput {
    let accepted = 0;
    const out = run(this.#tcb, now, () => {
      accepted = user.send(this.#tcb, data);
    });
    return { segments: out.segments, events: out.events, accepted };
  }

  read(now: Instant, max?: number): ReadOutput {
    let data: Uint8Array | null = null;
    const out = run(this.#tcb, now, () => {
      data = user.receive(this.#tcb, max);
    });
    return { segments: out.segments, events: out.events, data };
  }

  shutdown(now: Instant): Output {
    return run(this.#tcb, now, () => user.shutdown(this.#tcb));
  }

  close(now: Instant): Output {
    return run(this.#tcb, now, () => user.close(this.#tcb));
  }

  abort(now: Instant): Output {
    return run(this.#tcb, now, () => user.abort(this.#tcb));
  }

  /** CLOSED without sending anything (user.forget): a half-open child of a listener that stops. */
  forget(now: Instant, cause: string): Output {
    return run(this.#tcb, now, () => user.forget(this.#tcb, cause));
  }

  // --- network and time ---

  // The two network/time inputs are the hot path: no closure per call (see begin/finish). They
  // never throw on what the network sends, so there is no state to restore.
  handleSegment(seg: Segment, now: Instant): Output {
    begin(this.#tcb, now);
    arrive(this.#tcb, seg);
    return finish(this.#tcb);
  }

  /** Serves every timer due at `now`, in TIMER_KINDS order. Early or repeated calls do nothing. */
  handleTimeout(now: Instant): Output {
    const tcb = this.#tcb;
    begin(tcb, now);
    if (nothingDue(tcb, now)) {
      tcb.called = true; // as finish(), whose transmit() and schedule() would do nothing (schedule.ts)
      return tcb.takeOutput();
    }
    for (const kind of TIMER_KINDS) {
      if (tcb.finished) break;
      if (tcb.timers.take(kind, now)) onTimer(tcb, kind);
    }
    return finish(tcb);
  }

  nextDeadline(): Instant | undefined {
    return this.#tcb.timers.earliest();
  }

  // --- inspection ---

  get state(): TcpState {
    return this.#tcb.state;
  }
  /** The application closed it (close(), not shutdown()): an orphan, in Linux's word. */
  get orphaned(): boolean {
    return this.#tcb.userClosed;
  }
  /** Persist-timer probes sent since the window last opened (ss's count for the persist timer). */
  get persistProbes(): number {
    return this.#tcb.persistBackoff;
  }
  /** Linux's ping-pong (interactive) mode, which delays ACKs to ride on replies (TCP_QUICKACK reads it). */
  get pingpong(): boolean {
    return this.#tcb.pingpong;
  }
  /** The settings in force: the shared resolved config, or the connection's own copy after setOption. */
  get config(): Readonly<TcpConfig> {
    return this.#tcb.cfg;
  }
  get localPort(): number {
    return this.#tcb.localPort;
  }
  get remotePort(): number {
    return this.#tcb.remotePort;
  }
  get sendSpace(): number {
    const t = this.#tcb;
    return t.finQueued || t.state === TcpState.Closed ? 0 : t.sndQueue.space;
  }
  get sendQueued(): number {
    return this.#tcb.sndQueue.length;
  }
  get recvQueued(): number {
    return this.#tcb.recvQueue.length;
  }
  /**
   * Lets go of the out-of-order data held, so the host's count of it (HostLimits.reassembly) stays
   * true when the endpoint forgets a connection that did not reach CLOSED (a half-open one, or one
   * the crash guard took out).
   */
  releaseHeld(): void {
    this.#tcb.reasmIfMade?.clear();
  }

  timers(): TimerInfo[] {
    return this.#tcb.timers.list();
  }

  info(): ConnectionInfo {
    const t = this.#tcb;
    return {
      state: t.state,
      iss: t.iss,
      irs: t.irs,
      sndUna: t.sndUna,
      sndNxt: t.sndNxt,
      sndMax: t.sndMax,
      sndWnd: t.sndWnd,
      sndWl1: t.sndWl1,
      sndWl2: t.sndWl2,
      rcvNxt: t.rcvNxt,
      rcvWnd: t.rcvWnd,
      mss: t.sndMss,
      peerMss: t.peerMss,
      sndWscale: t.sndWscale,
      rcvWscale: t.rcvWscale,
      windowScaling: t.wsOk,
      timestamps: t.tsOk,
      sack: t.sackOk,
      sackedBytes: t.sackedBytes,
      tsRecent: t.tsRecent,
      srtt: t.rto.srtt,
      rttvar: t.rto.rttvar,
      rto: t.rto.rto,
      backoffs: t.rto.backoffs,
      cwnd: t.cc.cwnd,
      ssthresh: t.cc.ssthresh,
      inRecovery: t.cc.inRecovery,
      retransmits: t.totalRetransmits,
      dupAcks: t.dupAcks,
      keepalive: t.keepalive,
      keepaliveProbes: t.keepaliveProbes,
      nagle: t.nagle,
      sendQueued: t.sndQueue.length,
      recvQueued: t.recvQueue.length,
      reassemblyBytes: t.reassemblyBytes,
    };
  }

  // --- per-connection settings ---

  setKeepalive(
    enable: boolean,
    opts?: { idle?: Duration; interval?: Duration; count?: number },
    now?: Instant,
  ): Output {
    const at = now ?? this.#tcb.now;
    return run(this.#tcb, at, () => user.setKeepalive(this.#tcb, enable, opts));
  }

  /**
   * Changes one per-connection setting at any time (see ConnectionOptionValues for the names;
   * `mss` only before connect()/listen() has sent a SYN). Throws UsageError ERR_INVALID_ARG_VALUE
   * for an unknown name or a bad value. Returns what the change makes due (e.g. a keepalive probe).
   */
  setOption<K extends ConnectionOptionName>(name: K, value: ConnectionOptionValues[K], now?: Instant): Output {
    const at = now ?? this.#tcb.now;
    return run(this.#tcb, at, () => user.setOption(this.#tcb, name, value));
  }

  setNoDelay(noDelay: boolean): void {
    if (typeof noDelay !== 'boolean') throw new UsageError('ERR_INVALID_ARG_TYPE', 'noDelay must be a boolean');
    this.#tcb.nagle = !noDelay;
  }

  /** The compact TIME-WAIT record for the endpoint; only in TIME-WAIT. */
  timeWaitRecord(): TimeWaitRecord {
    if (this.#tcb.state !== TcpState.TimeWait) throw new UsageError('ERR_TCP_INVALID_STATE');
    return timeWaitRecordOf(this.#tcb);
  }
}

// --- internals: functions over the TCB (module functions, not #methods: no brand field per object) ---

/** begin -> input -> transmit + schedule -> Output. A throwing input changes nothing. */
function run(tcb: Tcb, now: Instant, input: () => void): Output {
  const prevNow = tcb.now;
  begin(tcb, now);
  try {
    input();
  } catch (e) {
    tcb.now = prevNow;
    throw e;
  }
  return finish(tcb);
}

/** Checks `now` (finite, not going back) and sets the TCB's clock for this call. */
function begin(tcb: Tcb, now: Instant): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new UsageError('ERR_INVALID_ARG_TYPE', 'now must be a finite number');
  }
  if (tcb.called && now < tcb.now) throw new UsageError('ERR_TCP_TIME_BACKWARDS');
  tcb.now = now;
}

/** Sends what is owed, re-derives the timers, hands back this call's segments and events. */
function finish(tcb: Tcb): Output {
  tcb.called = true;
  if (!tcb.finished) transmit(tcb);
  schedule(tcb);
  return tcb.takeOutput();
}

/** One handler per timer kind (RFC 9293 §3.10.8 and the documents named there). */
function onTimer(tcb: Tcb, kind: TimerKind): void {
  switch (kind) {
    case 'time-wait':
      // RFC 9293 §3.10.8: 2MSL passed in TIME-WAIT: delete the TCB.
      tcb.transition(TcpState.Closed, '2MSL timeout');
      return;
    case 'user-timeout':
      // RFC 9293 §3.10.8 / RFC 5482: data stayed unacknowledged too long. Like Linux, no RST.
      tcb.fail('ETIMEDOUT', 'user timeout');
      return;
    case 'fin-wait-2':
      // Linux tcp_fin_timeout: an orphaned FIN-WAIT-2 is dropped silently (no segment is sent).
      tcb.transition(TcpState.Closed, 'FIN-WAIT-2 timeout');
      return;
    case 'retransmit':
      onRetransmitTimeout(tcb);
      return;
    case 'persist':
      persistProbe(tcb);
      tcb.persistBackoff++;
      return;
    case 'keepalive':
      onKeepaliveTimer(tcb);
      return;
    case 'delayed-ack':
      tcb.ackDelayed = false;
      tcb.ackNow = true;
      // Linux (tcp_delack_timer_handler): the timer fired, so no reply carried the ACK: leave
      // ping-pong mode (not in CLOSE-WAIT, where no reply data is expected to matter).
      if (tcb.state !== TcpState.CloseWait && tcb.state !== TcpState.LastAck) tcb.pingpong = false;
      return;
    default:
      unreachable(kind, 'timer');
  }
}

/** Retransmissions an orphan (closed by the application) makes before it gives up (config). */
function orphanLimit(tcb: Tcb): number {
  return tcb.cfg.orphanRetries;
}

/**
 * RFC 6298 §5.4-§5.7: retransmit the earliest unacknowledged segment (go back to SND.UNA), double
 * the RTO, restart the timer. After synRetries (SYN) or retries2 (data, FIN) retransmissions the
 * next expiry gives up with ETIMEDOUT (RFC 9293 §3.8.3 R2). Like Linux, no RST is sent then: the
 * peer is presumed unreachable.
 */
function onRetransmitTimeout(tcb: Tcb): void {
  if (tcb.sndNxt === tcb.sndUna && tcb.sndMax === tcb.sndUna) return;
  if (tcb.probeArmed) {
    sendProbe(tcb); // RFC 8985: the timer was the tail loss probe's PTO, not the RTO
    return;
  }
  const limit = tcb.synAcked ? (tcb.userClosed ? orphanLimit(tcb) : tcb.cfg.retries2) : tcb.cfg.synRetries;
  // TCP_DEFER_ACCEPT (arrive.ts deferring), as Linux's syn_ack_recalc: once the bare ACK came,
  // the connection lives at least the whole defer period, and the SYN,ACK is resent only at its
  // last timeout, to draw the ACK (or data) that completes it.
  const deferred = tcb.deferAcked && tcb.state === TcpState.SynReceived;
  if (tcb.retries >= limit && (!deferred || tcb.retries >= tcb.cfg.deferAccept)) {
    tcb.fail('ETIMEDOUT', tcb.synAcked ? 'retransmissions exhausted' : 'SYN retransmissions exhausted');
    return;
  }
  tcb.retries++;
  // SACK: the scoreboard survives one timeout (as in Linux; go-back-N then skips what the peer
  // holds). A second timeout in a row may mean the receiver reneged on what it SACKed, which RFC
  // 2018 §8 allows: forget the scoreboard and resend everything.
  if (tcb.retries >= 2) tcb.clearScoreboard();
  tcb.rto.backoff();
  tcb.rttTiming = false; // Karn's rule
  tcb.dupAcks = 0;
  if (tcb.synAcked) tcb.cc.onTimeout({ flightSize: tcb.flightSize, sndNxt: tcb.sndMax, mss: tcb.sndMss });
  if (deferred && tcb.retries < tcb.cfg.deferAccept) return; // retries counts this timeout already
  if (!tcb.synAcked) tcb.totalRetransmits++; // data and FIN are counted as transmit() resends them
  tcb.sndNxt = tcb.sndUna; // go-back-N from SND.UNA; transmit() resends what the window allows
}
