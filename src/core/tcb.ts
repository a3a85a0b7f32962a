// The Transmission Control Block (RFC 9293 §3.3.1) plus the bookkeeping every step shares: the
// one place state changes (transition), event and trace emission, the timer table and the segments
// and events collected for the current call. arrive.ts, output.ts, user.ts and keepalive.ts are
// functions over a Tcb; connection.ts is the public face that drives them.
//
// Send sequence space (our side):
//
//      ISS   SND.UNA        SND.NXT            SND.MAX     SND.UNA+SND.WND
//       |       |  sent, unacked  | resent after RTO... |        |
//   ----+-------+-----------------+---------------------+--------+--------
//        SYN     bytes of sndQueue (unacknowledged + unsent), FIN after the last byte
//
// sndQueue holds every byte from sndQueueSeq on (the first unacknowledged data byte). SND.MAX is
// the highest sequence number sent so far: after a retransmission timeout we go back to SND.UNA
// (go-back-N), so SND.NXT may sit below SND.MAX for a while. An ACK is "too new" only above SND.MAX.

import type { ConnErrorCode } from '../base/errors.js';
import { unreachable } from '../base/unreachable.js';
import { ACK, has, type Segment, SYN } from '../wire/segment.js';
import { seqAdd, seqDiff, seqGt } from '../wire/seq.js';
import { ByteQueue } from './byte-queue.js';
import type { ChallengeBudget } from './challenge-budget.js';
import type { TcpConfig } from './config.js';
import { type CongestionControl, createCongestionControl } from './congestion.js';
import type { ConnEvent } from './events.js';
import { Reassembly } from './reassembly.js';
import { RtoEstimator } from './rto.js';
import { Scoreboard } from './sack.js';
import { isLegalTransition, TcpState } from './state.js';
import type { Instant } from './time.js';
import { TimerTable } from './timer-table.js';
import { type DropReason, NO_TRACE, type TraceSink } from './trace.js';

/** Bytes the timestamp option adds to every segment once negotiated (10 + 2 NOPs): RFC 7323 §3.2. */
export const TS_OPTION_BYTES = 12;

/** Largest window shift (RFC 7323 §2.3). */
export const MAX_WSCALE = 14;

/** Smallest shift so that `buffer` fits in the 16-bit window field shifted left (RFC 7323 §2.3). */
export function wscaleFor(buffer: number): number {
  let shift = 0;
  while (shift < MAX_WSCALE && buffer > 0xffff * 2 ** shift) shift++;
  return shift;
}

export interface TcbInit {
  localPort: number;
  remotePort: number;
  iss: number;
  tsOffset: number;
  cfg: TcpConfig;
  trace: TraceSink;
  drops?: Partial<Record<DropReason, number>> | undefined;
  /** The host-wide budget of ACKs answering unacceptable segments (ConnectionOptions.challengeBudget). */
  challengeBudget?: ChallengeBudget | undefined;
  endpoint: string;
  label: string;
}

export class Tcb {
  readonly cfg: TcpConfig;
  readonly trace: TraceSink;
  /** False with the no-op sink: then no trace objects are built at all (hot path). */
  readonly tracing: boolean;
  /** Drop counters by reason, if the owner wants them (ConnectionOptions.drops). */
  readonly dropCounts: Partial<Record<DropReason, number>> | undefined;
  /** Shared by the endpoint's connections: ACKs answering unacceptable segments, host-wide (RFC 5961 §7). */
  readonly challengeBudget: ChallengeBudget | undefined;
  readonly endpoint: string;
  label: string;
  localPort: number;
  remotePort: number;
  readonly tsOffset: number;

  state: TcpState = TcpState.Closed;
  /** Opened with listen(): a RST in SYN-RECEIVED returns to LISTEN (RFC 9293 §3.10.7.4 second). */
  passive = false;
  /** 'closed' was emitted: the object is finished. */
  finished = false;

  // --- send sequence variables (RFC 9293 §3.3.1) ---
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  /** Highest sequence number sent + 1 (see the file comment). */
  sndMax: number;
  /** Peer's window, already scaled. */
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** Largest window the peer ever offered (SWS sender rule, RFC 5961 §5 ACK bound). */
  maxSndWnd = 0;
  /** Unacknowledged + unsent bytes; byte 0 has sequence number sndQueueSeq. */
  readonly sndQueue: ByteQueue;
  sndQueueSeq: number;
  /** The user closed the sending direction: a FIN follows the last queued byte. */
  finQueued = false;

  // --- receive sequence variables ---
  irs = 0;
  irsKnown = false;
  rcvNxt = 0;
  /** Right edge we advertised (RCV.NXT + RCV.WND when it was sent); never moved left. */
  rcvAdvRight = 0;
  /** In-order bytes the user has not read yet. */
  readonly recvQueue: ByteQueue;
  readonly reasm = new Reassembly();
  /** close() was called: arriving data is acknowledged and discarded. */
  readClosed = false;
  /** close() (not just shutdown()) was called: the FIN-WAIT-2 timeout applies. */
  userClosed = false;

  // --- options (RFC 9293 §3.7.1, RFC 7323) ---
  peerMss: number;
  /** Effective send MSS: min(peer MSS, our MSS) minus option bytes in use. */
  sndMss: number;
  wsOk = false;
  sndWscale = 0;
  rcvWscale = 0;
  /** The peer offered these on its SYN (we only answer with what was offered). */
  peerOfferedWs = false;
  peerOfferedTs = false;
  tsOk = false;
  tsRecent = 0;
  lastAckSent = 0;
  /** SACK (RFC 2018): the peer's SYN carried SACK-permitted; both SYNs did (negotiated). */
  peerOfferedSack = false;
  sackOk = false;
  /** Receiver: sequence numbers of recent out-of-order arrivals, most recent first (sack.ts). */
  readonly sackRecent: number[] = [];
  /** Sender: what the peer reported as held above SND.UNA (RFC 6675 scoreboard). */
  readonly scoreboard = new Scoreboard();
  /** RFC 6675 HighRxt: one past the highest byte retransmitted in the current SACK recovery. */
  highRxt = 0;

  // --- acknowledgment owed ---
  ackNow = false;
  /** RFC 5961 §7 limiter: start of the current one-second window and challenge ACKs sent in it. */
  challengeWindowStart = Number.NEGATIVE_INFINITY;
  challengeCount = 0;
  /** In-order bytes received since our last ACK (delayed ACK: ACK every second full segment). */
  unackedBytes = 0;
  /** Quick-ACK mode (cfg.quickAck): ACKs still to send at once, ping-pong (interactive) mode. */
  quickAcks = 0;
  pingpong = false;
  /** When in-order data last arrived (undefined before any: Linux's lrcvtime with ato still 0). */
  lastDataRecv: number | undefined = undefined;

  // --- retransmission ---
  readonly rto: RtoEstimator;
  /** Karn's rule: one segment timed at a time, forgotten when anything is retransmitted. */
  rttTiming = false;
  rttSeq = 0;
  rttTime = 0;
  /** Consecutive retransmission timeouts without progress (R2 / synRetries). */
  retries = 0;
  totalRetransmits = 0;
  persistBackoff = 0;
  cc: CongestionControl;
  dupAcks = 0;
  /** Tail loss probe (RFC 8985 §7): the retransmit timer is armed as the probe timeout (PTO). */
  probeArmed = false;
  /** A probe was sent and no ACK has advanced SND.UNA since (one probe per tail: TLPRxtOut). */
  probeSent = false;
  /** New data went out or SND.UNA advanced: the PTO is to be re-derived from now. */
  rearmProbe = false;

  // --- timers that must start over (marks schedule.ts reads and settles; see there) ---
  /** SND.UNA advanced, or a loss probe went out: the RTO counts again from now. */
  restartRtx = false;
  /** SND.UNA advanced, or the setting changed: the user timeout counts again from now. */
  restartUserTimeout = false;
  /** The FIN-WAIT-2 timeout setting changed: it counts again from now. */
  restartFinWait2 = false;
  /** Received data waits for an ACK we may delay; any ACK we send settles it. */
  ackDelayed = false;
  /** When TIME-WAIT began, or last restarted for a retransmitted FIN: 2MSL runs from here. */
  timeWaitStart = 0;
  /** When data or a FIN was last sent (RFC 5681 §4.1 idle restart); undefined before the first. */
  lastSendTime: number | undefined = undefined;

  // --- keepalive (RFC 1122 §4.2.3.6) ---
  keepalive: boolean;
  keepaliveIdle: number;
  keepaliveInterval: number;
  keepaliveCount: number;
  keepaliveProbes = 0;
  /** Start of the current idle period: last segment from the peer (or keepalive enabled). */
  idleSince = 0;
  /** When the last keepalive probe of this idle period went out. */
  lastProbeAt = 0;

  nagle: boolean;
  /** End of the last segment shorter than the MSS we sent (Minshall's Nagle, output.ts). */
  sndSml = 0;

  readonly timers: TimerTable;

  // --- output of the current call ---
  now: Instant = 0;
  segs: Segment[] = [];
  events: ConnEvent[] = [];

  constructor(init: TcbInit) {
    this.cfg = init.cfg;
    this.trace = init.trace;
    this.tracing = init.trace !== NO_TRACE;
    this.dropCounts = init.drops;
    this.challengeBudget = init.challengeBudget;
    this.endpoint = init.endpoint;
    this.label = init.label;
    this.localPort = init.localPort;
    this.remotePort = init.remotePort;
    this.tsOffset = init.tsOffset;
    this.iss = init.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.sndSml = this.iss;
    this.sndQueueSeq = seqAdd(this.iss, 1);
    this.sndQueue = new ByteQueue(init.cfg.sendBuffer);
    this.recvQueue = new ByteQueue(init.cfg.recvBuffer);
    this.peerMss = init.cfg.defaultPeerMss;
    this.sndMss = Math.min(init.cfg.mss, init.cfg.defaultPeerMss);
    this.rto = new RtoEstimator({ rtoInitial: init.cfg.rtoInitial, rtoMin: init.cfg.rtoMin, rtoMax: init.cfg.rtoMax });
    this.cc = createCongestionControl(init.cfg.congestionControl, {
      mss: this.sndMss,
      initialCwndSegments: init.cfg.initialCwndSegments,
    });
    this.keepalive = init.cfg.keepalive;
    this.keepaliveIdle = init.cfg.keepaliveIdle;
    this.keepaliveInterval = init.cfg.keepaliveInterval;
    this.keepaliveCount = init.cfg.keepaliveCount;
    this.nagle = init.cfg.nagle;
    // With the no-op sink the table gets no observer at all: nothing is called per timer change.
    this.timers = new TimerTable(
      this.tracing
        ? (timer, action, deadline) =>
            this.trace({
              type: 'timer',
              t: this.now,
              endpoint: this.endpoint,
              conn: this.label,
              timer,
              action,
              deadline,
            })
        : undefined,
    );
  }

  // --- derived values (never mutate) ---

  /** Our SYN has been acknowledged. */
  get synAcked(): boolean {
    return seqGt(this.sndUna, this.iss);
  }

  /** Sequence number one past the last queued data byte: where our FIN goes. */
  get sndDataEnd(): number {
    return seqAdd(this.sndQueueSeq, this.sndQueue.length);
  }

  /** Our FIN has been sent (it is below SND.MAX). */
  get finSent(): boolean {
    return this.finQueued && seqGt(this.sndMax, this.sndDataEnd);
  }

  /** Our FIN has been acknowledged. */
  get finAcked(): boolean {
    return this.finQueued && seqGt(this.sndUna, this.sndDataEnd);
  }

  /** Current receive window: from RCV.NXT to the right edge we advertised. */
  get rcvWnd(): number {
    return Math.max(0, seqDiff(this.rcvAdvRight, this.rcvNxt));
  }

  /** Free receive-buffer space we could offer now. */
  get rcvSpace(): number {
    return this.readClosed ? this.cfg.recvBuffer : this.recvQueue.space;
  }

  /** The window shift we put on our SYN (RFC 7323 §2.3), derived from the receive buffer. */
  get rcvWscaleOffer(): number {
    return wscaleFor(this.cfg.recvBuffer);
  }

  /** Bytes sent and not yet acknowledged, as far as SND.MAX. */
  get flightSize(): number {
    return seqDiff(this.sndMax, this.sndUna);
  }

  // --- the one place the state changes ---

  /**
   * Moves to `to`, tracing the change. An edge missing from LEGAL_TRANSITIONS is a bug in this
   * module, never the peer's doing, so it throws. Entry actions that belong to the state itself
   * (the start of TIME-WAIT, the 'time-wait' and 'closed' events) happen here;
   * schedule.ts derives the timers of the new state afterwards.
   */
  transition(to: TcpState, cause: string): void {
    const from = this.state;
    if (from === to) return;
    if (!isLegalTransition(from, to)) {
      throw new Error(`finack internal error: illegal transition ${from} -> ${to} (${cause})`);
    }
    this.state = to;
    if (this.tracing)
      this.trace({ type: 'state', t: this.now, endpoint: this.endpoint, conn: this.label, from, to, cause });
    switch (to) {
      case TcpState.Closed:
        this.sndQueue.consume(this.sndQueue.length);
        this.reasm.clear();
        this.scoreboard.clear();
        this.ackNow = false;
        this.ackDelayed = false;
        this.finished = true;
        this.emit({ type: 'closed' });
        break;
      case TcpState.TimeWait:
        // RFC 9293 §3.10.7.4 (eighth): in TIME-WAIT only the 2MSL timer runs (schedule.ts).
        this.timeWaitStart = this.now;
        this.emit({ type: 'time-wait' });
        break;
      case TcpState.Listen:
        // Back to LISTEN after a RST in SYN-RECEIVED: forget the half-open connection.
        this.irsKnown = false;
        this.ackNow = false;
        this.ackDelayed = false;
        this.sndUna = this.sndNxt = this.sndMax = this.iss;
        this.reasm.clear();
        break;
      case TcpState.SynSent:
      case TcpState.SynReceived:
      case TcpState.Established:
      case TcpState.FinWait1:
      case TcpState.FinWait2:
      case TcpState.CloseWait:
      case TcpState.Closing:
      case TcpState.LastAck:
        break;
      default:
        unreachable(to, 'state');
    }
  }

  /** The connection failed: 'error' then 'closed' (RST sent first when the caller asks). */
  fail(code: ConnErrorCode, cause: string): void {
    this.emit({ type: 'error', code });
    // RFC 9293 §3.10.7.4 (second): on a reset, queues are flushed; so on any failure.
    this.recvQueue.consume(this.recvQueue.length);
    this.transition(TcpState.Closed, cause);
  }

  // --- events, traces, segments ---

  emit(ev: ConnEvent): void {
    if (this.finished && ev.type !== 'closed') return;
    if (ev.type === 'readable' || ev.type === 'writable') {
      // At most once per Output (a plain loop: this runs per data segment).
      const evs = this.events;
      for (let i = 0; i < evs.length; i++) if (evs[i]?.type === ev.type) return;
    }
    this.events.push(ev);
    if (this.tracing) this.trace({ type: 'event', t: this.now, endpoint: this.endpoint, conn: this.label, event: ev });
  }

  /** seq relative to the peer's ISN, ack relative to ours (for traces). */
  relRecv(seg: Segment): { relSeq: number; relAck: number } {
    const relSeq = this.irsKnown ? seqDiff(seg.seq, this.irs) : 0;
    const relAck = has(seg, ACK) && this.state !== TcpState.Listen ? seqDiff(seg.ack, this.iss) : 0;
    return { relSeq, relAck };
  }

  traceRecv(seg: Segment): void {
    if (!this.tracing) return;
    // A SYN that is about to set IRS is its own origin.
    const rel =
      !this.irsKnown && has(seg, SYN)
        ? { relSeq: 0, relAck: has(seg, ACK) ? seqDiff(seg.ack, this.iss) : 0 }
        : this.relRecv(seg);
    this.trace({ type: 'recv', t: this.now, endpoint: this.endpoint, conn: this.label, seg, ...rel });
  }

  drop(seg: Segment, reason: DropReason): void {
    if (this.dropCounts !== undefined) this.dropCounts[reason] = (this.dropCounts[reason] ?? 0) + 1;
    if (!this.tracing) return;
    this.trace({
      type: 'drop',
      t: this.now,
      endpoint: this.endpoint,
      conn: this.label,
      seg,
      ...this.relRecv(seg),
      reason,
    });
  }

  /**
   * A challenge ACK (RFC 5961 §3, §4) or the ACK that answers an unacceptable ACK field (§5) is
   * owed for `seg`, which is dropped with `reason`. RFC 5961 §7 asks for a throttle: once
   * cfg.challengeAckLimit of them went out in the current one-second window the ACK is not sent
   * and the drop is traced as 'challenge-ack-limit'. The endpoint's host-wide budget
   * (challenge-budget.ts, randomised per second against CVE-2016-5696) applies on top.
   */
  challengeAck(seg: Segment, reason: DropReason): void {
    const limit = this.cfg.challengeAckLimit;
    if (limit > 0) {
      const start = this.challengeWindowStart;
      if (start === undefined || this.now - start >= 1000) {
        this.challengeWindowStart = this.now;
        this.challengeCount = 0;
      }
      if (this.challengeCount >= limit) {
        this.drop(seg, 'challenge-ack-limit');
        return;
      }
    }
    if (this.challengeBudget !== undefined && !this.challengeBudget.take(this.now)) {
      this.drop(seg, 'challenge-ack-limit');
      return;
    }
    if (limit > 0) this.challengeCount++;
    this.ackNow = true;
    this.drop(seg, reason);
  }

  /** Queues `seg` for this call's Output and traces it. */
  push(seg: Segment): void {
    this.segs.push(seg);
    if (!this.tracing) return;
    const relSeq = seqDiff(seg.seq, this.iss);
    const relAck = has(seg, ACK) && this.irsKnown ? seqDiff(seg.ack, this.irs) : 0;
    this.trace({ type: 'send', t: this.now, endpoint: this.endpoint, conn: this.label, seg, relSeq, relAck });
  }

  /** Takes what the current call produced. */
  takeOutput(): { segments: Segment[]; events: ConnEvent[] } {
    const out = { segments: this.segs, events: this.events };
    this.segs = [];
    this.events = [];
    return out;
  }
}
