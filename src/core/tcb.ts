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
import { ACK, has, type SackBlock, type Segment, SYN, segLen } from '../wire/segment.js';
import { seqAdd, seqDiff, seqGt } from '../wire/seq.js';
import { ByteQueue } from './byte-queue.js';
import type { ChallengeBudget } from './challenge-budget.js';
import { isSharedConfig, ownConfig, type TcpConfig } from './config.js';
import { type CongestionControl, createCongestionControl } from './congestion.js';
import type { ConnEvent } from './events.js';
import type { ReassemblyBudget } from './host-limits.js';
import { Reassembly } from './reassembly.js';
import { RtoEstimator } from './rto.js';
import { Scoreboard } from './sack.js';
import { isLegalTransition, TcpState } from './state.js';
import { FLAGS, KEEPALIVE, NAGLE, TRACING, TS_OFFSET_INT32 } from './tcb-flags.js';
import { Rare, type RareNumber } from './tcb-rare.js';
import type { Instant } from './time.js';
import { TimerTable } from './timer-table.js';
import { type DropReason, NO_TRACE, type TraceSink } from './trace.js';
import { wscaleFor } from './wscale.js';

/** Bytes the timestamp option adds to every segment once negotiated (10 + 2 NOPs): RFC 7323 §3.2. */
export const TS_OPTION_BYTES = 12;

export { MAX_WSCALE, wscaleFor } from './wscale.js';

/** Tcb.segs and Tcb.events between calls: shared and frozen, replaced by a fresh array on first use. */
const NO_SEGMENTS: Segment[] = Object.freeze([]) as unknown as Segment[];
const NO_EVENTS: ConnEvent[] = Object.freeze([]) as unknown as ConnEvent[];

/**
 * What the connections of one endpoint share: one object the endpoint makes once, held by every
 * TCB, rather than a field each for the trace sink, the drop counters, the challenge budget and the
 * endpoint's name. A Connection made on its own gets one of its own.
 */
export interface TcbShared {
  readonly trace: TraceSink;
  /** Drop counters by reason, if the owner wants them (ConnectionOptions.drops). */
  readonly drops: Partial<Record<DropReason, number>> | undefined;
  /** The host-wide budget of ACKs answering unacceptable segments (ConnectionOptions.challengeBudget). */
  readonly challengeBudget: ChallengeBudget | undefined;
  /** The host-wide count and limit of out-of-order bytes held (HostLimits.reassembly); none: no limit. */
  readonly reassembly?: ReassemblyBudget | undefined;
  /** Name put in TraceEvent.endpoint. */
  readonly endpoint: string;
}

export interface TcbInit {
  localPort: number;
  remotePort: number;
  iss: number;
  tsOffset: number;
  cfg: Readonly<TcpConfig>;
  shared: TcbShared;
  /** The label of its traces; undefined: `${localPort}>${remotePort}`, derived when asked for. */
  label?: string | undefined;
}

/**
 * Sets a number kept in the TCB's Rare; setting 0 while there is none makes none (0 is every
 * field's initial value). A function defined in Tcb's static block, so it reads #rare, rather
 * than a #method: a class with private methods carries a brand field in every object.
 */
let setRare: (tcb: Tcb, name: RareNumber, v: number) => void;

export class Tcb {
  /**
   * Settings. Usually the endpoint's shared, frozen config (config.ts); setOption() gives the
   * connection a private copy before changing anything (writableCfg()).
   */
  cfg: Readonly<TcpConfig>;
  /** The endpoint's objects every TCB shares (TcbShared). */
  readonly shared: TcbShared;
  /** The label given at creation; undefined: derived from the ports (see label). */
  #label: string | undefined;
  localPort: number;
  remotePort: number;
  /** tsOffset as given, or (TS_OFFSET_INT32) as a signed 32-bit integer: then no boxed number. */
  readonly #tsOffset: number;

  state: TcpState = TcpState.Closed;

  // --- flags: every boolean of the TCB, as bits of one word (see FLAGS and the static block) ---
  /** False with the no-op sink: then no trace objects are built at all (hot path). */
  declare readonly tracing: boolean;
  /** Opened with listen(): a RST in SYN-RECEIVED returns to LISTEN (RFC 9293 §3.10.7.4 second). */
  declare passive: boolean;
  /** 'closed' was emitted: the object is finished. */
  declare finished: boolean;
  /** The user closed the sending direction: a FIN follows the last queued byte. */
  declare finQueued: boolean;
  declare irsKnown: boolean;
  /** close() was called: arriving data is acknowledged and discarded. */
  declare readClosed: boolean;
  /** close() (not just shutdown()) was called: the FIN-WAIT-2 timeout applies. */
  declare userClosed: boolean;
  declare wsOk: boolean;
  /** The peer offered these on its SYN (we only answer with what was offered). */
  declare peerOfferedWs: boolean;
  declare peerOfferedTs: boolean;
  declare tsOk: boolean;
  /** SACK (RFC 2018): the peer's SYN carried SACK-permitted; both SYNs did (negotiated). */
  declare peerOfferedSack: boolean;
  declare sackOk: boolean;
  declare ackNow: boolean;
  /** Quick-ACK mode: the connection is interactive (see quickAcks). */
  declare pingpong: boolean;
  /** Karn's rule: one segment timed at a time, forgotten when anything is retransmitted. */
  declare rttTiming: boolean;
  /** Tail loss probe (RFC 8985 §7): the retransmit timer is armed as the probe timeout (PTO). */
  declare probeArmed: boolean;
  /** A probe was sent and no ACK has advanced SND.UNA since (one probe per tail: TLPRxtOut). */
  declare probeSent: boolean;
  /** New data went out or SND.UNA advanced: the PTO is to be re-derived from now. */
  declare rearmProbe: boolean;
  /** SND.UNA advanced, or a loss probe went out: the RTO counts again from now. */
  declare restartRtx: boolean;
  /** SND.UNA advanced, or the setting changed: the user timeout counts again from now. */
  declare restartUserTimeout: boolean;
  /** The FIN-WAIT-2 timeout setting changed: it counts again from now. */
  declare restartFinWait2: boolean;
  /** Received data waits for an ACK we may delay; any ACK we send settles it. */
  declare ackDelayed: boolean;
  /** Keepalive on for this connection (RFC 1122 §4.2.3.6). */
  declare keepalive: boolean;
  /** Nagle's algorithm on for this connection. */
  declare nagle: boolean;
  declare readonly tsOffsetInt32: boolean;
  /** A call completed: `now` is the time of the last one, which the next may not go back from. */
  declare called: boolean;
  /** SYN-RECEIVED under deferAccept: the peer's bare ACK of our SYN,ACK came and was set aside. */
  declare deferAcked: boolean;
  /** MSG_MORE: a partial segment of what is queued waits until an ACK arrives, a write without MSG_MORE, a push or the probe timer. */
  declare moreHeld: boolean;
  /** The last write had MSG_MORE: the segment that ends it is sent without PSH (Linux's tcp_push marks none). */
  declare moreTail: boolean;
  #flags = 0;

  static {
    setRare = (tcb, name, v) => {
      if (tcb.#rare === undefined) {
        if (v === 0) return;
        tcb.#rare = new Rare();
      }
      tcb.#rare[name] = v;
    };
    // One accessor pair per flag on the prototype; a flag costs one bit of #flags instead of a
    // field (8 bytes) in every TCB.
    FLAGS.forEach((name, i) => {
      const bit = 1 << i;
      Object.defineProperty(Tcb.prototype, name, {
        configurable: true,
        get(this: Tcb): boolean {
          return (this.#flags & bit) !== 0;
        },
        set(this: Tcb, v: boolean) {
          this.#flags = v ? this.#flags | bit : this.#flags & ~bit;
        },
      });
    });
  }

  // --- sequence numbers ---
  // Each is an unsigned 32-bit value, kept as the signed 32-bit integer with the same bits: V8 then
  // stores it in the TCB itself (a small integer) rather than in a boxed number of its own, which a
  // field holding values of 2^31 and up needs. The accessors give back the unsigned value.
  #iss = 0;
  #sndUna = 0;
  #sndNxt = 0;
  #sndMax = 0;
  #sndWl1 = 0;
  #sndWl2 = 0;
  #sndQueueSeq = 0;
  #irs = 0;
  #rcvNxt = 0;
  #rcvAdvRight = 0;
  #tsRecent = 0;
  #lastAckSent = 0;
  #rttSeq = 0;
  #sndSml = 0;

  // --- send sequence variables (RFC 9293 §3.3.1) ---
  get iss(): number {
    return this.#iss >>> 0;
  }
  get sndUna(): number {
    return this.#sndUna >>> 0;
  }
  set sndUna(v: number) {
    this.#sndUna = v | 0;
  }
  get sndNxt(): number {
    return this.#sndNxt >>> 0;
  }
  set sndNxt(v: number) {
    this.#sndNxt = v | 0;
  }
  /** Highest sequence number sent + 1 (see the file comment). */
  get sndMax(): number {
    return this.#sndMax >>> 0;
  }
  set sndMax(v: number) {
    this.#sndMax = v | 0;
  }
  get sndWl1(): number {
    return this.#sndWl1 >>> 0;
  }
  set sndWl1(v: number) {
    this.#sndWl1 = v | 0;
  }
  get sndWl2(): number {
    return this.#sndWl2 >>> 0;
  }
  set sndWl2(v: number) {
    this.#sndWl2 = v | 0;
  }
  /** Sequence number of byte 0 of sndQueue (the first unacknowledged data byte). */
  get sndQueueSeq(): number {
    return this.#sndQueueSeq >>> 0;
  }
  set sndQueueSeq(v: number) {
    this.#sndQueueSeq = v | 0;
  }
  /** End of the last segment shorter than the MSS we sent (Minshall's Nagle, output.ts). */
  get sndSml(): number {
    return this.#sndSml >>> 0;
  }
  set sndSml(v: number) {
    this.#sndSml = v | 0;
  }
  /** RFC 6675 HighRxt: one past the highest byte retransmitted in the current SACK recovery. */
  get highRxt(): number {
    return (this.#rare?.highRxt ?? 0) >>> 0;
  }
  set highRxt(v: number) {
    setRare(this, 'highRxt', v | 0);
  }
  /** The sequence number whose ACK ends the RTT measurement in progress (rttTiming). */
  get rttSeq(): number {
    return this.#rttSeq >>> 0;
  }
  set rttSeq(v: number) {
    this.#rttSeq = v | 0;
  }

  // --- receive sequence variables ---
  get irs(): number {
    return this.#irs >>> 0;
  }
  set irs(v: number) {
    this.#irs = v | 0;
  }
  get rcvNxt(): number {
    return this.#rcvNxt >>> 0;
  }
  set rcvNxt(v: number) {
    this.#rcvNxt = v | 0;
  }
  /** Right edge we advertised (RCV.NXT + RCV.WND when it was sent); never moved left. */
  get rcvAdvRight(): number {
    return this.#rcvAdvRight >>> 0;
  }
  set rcvAdvRight(v: number) {
    this.#rcvAdvRight = v | 0;
  }
  /** RFC 7323 TS.Recent: the peer's TSval to echo. */
  get tsRecent(): number {
    return this.#tsRecent >>> 0;
  }
  set tsRecent(v: number) {
    this.#tsRecent = v | 0;
  }
  /** RCV.NXT as our last ACK carried it (RFC 7323 Last.ACK.sent). */
  get lastAckSent(): number {
    return this.#lastAckSent >>> 0;
  }
  set lastAckSent(v: number) {
    this.#lastAckSent = v | 0;
  }

  /** Peer's window, already scaled. */
  sndWnd = 0;
  /** Largest window the peer ever offered (SWS sender rule, RFC 5961 §5 ACK bound). */
  maxSndWnd = 0;
  /** Unacknowledged + unsent bytes; byte 0 has sequence number sndQueueSeq. */
  readonly sndQueue: ByteQueue;

  // --- receive sequence variables ---
  /** In-order bytes the user has not read yet. */
  readonly recvQueue: ByteQueue;

  // --- options (RFC 9293 §3.7.1, RFC 7323) ---
  peerMss: number;
  /** Effective send MSS: min(peer MSS, our MSS) minus option bytes in use. */
  sndMss: number;
  sndWscale = 0;
  rcvWscale = 0;
  /** What few connections need (see Rare), made on first use. */
  #rare: Rare | undefined = undefined;

  // --- acknowledgment owed ---
  /** In-order bytes received since our last ACK (delayed ACK: ACK every second full segment). */
  unackedBytes = 0;
  /** Quick-ACK mode (cfg.quickAck): ACKs still to send at once, ping-pong (interactive) mode. */
  quickAcks = 0;
  /** When in-order data last arrived (undefined before any: Linux's lrcvtime with ato still 0). */
  lastDataRecv: number | undefined = undefined;

  // --- retransmission ---
  readonly rto: RtoEstimator;
  rttTime = 0;
  /** Consecutive retransmission timeouts without progress (R2 / synRetries). */
  retries = 0;
  cc: CongestionControl;
  dupAcks = 0;

  // --- timers that must start over (marks schedule.ts reads and settles; see there) ---
  /** When data or a FIN was last sent (RFC 5681 §4.1 idle restart); undefined before the first. */
  lastSendTime: number | undefined = undefined;

  // --- keepalive (RFC 1122 §4.2.3.6); idle, interval and count are read from cfg (see below) ---
  /** Start of the current idle period: last segment from the peer (or keepalive enabled). */
  idleSince = 0;

  readonly timers: TimerTable;

  // --- output of the current call ---
  now: Instant = 0;
  /** Segments of this call; NO_SEGMENTS (shared, frozen) until the first push(). */
  segs: Segment[] = NO_SEGMENTS;
  /** Events of this call; NO_EVENTS (shared, frozen) until the first emit(). */
  events: ConnEvent[] = NO_EVENTS;

  constructor(init: TcbInit) {
    this.cfg = init.cfg;
    this.shared = init.shared;
    const tsInt32 = init.tsOffset >>> 0 === init.tsOffset;
    this.#flags =
      (init.shared.trace !== NO_TRACE ? TRACING : 0) |
      (init.cfg.keepalive ? KEEPALIVE : 0) |
      (init.cfg.nagle ? NAGLE : 0) |
      (tsInt32 ? TS_OFFSET_INT32 : 0);
    this.#label = init.label;
    this.localPort = init.localPort;
    this.remotePort = init.remotePort;
    this.#tsOffset = tsInt32 ? init.tsOffset | 0 : init.tsOffset;
    this.#iss = init.iss | 0;
    this.#sndUna = this.#iss;
    this.#sndNxt = this.#iss;
    this.#sndMax = this.#iss;
    this.#sndSml = this.#iss;
    this.#sndQueueSeq = seqAdd(this.iss, 1) | 0;
    this.sndQueue = new ByteQueue(init.cfg.sendBuffer);
    this.recvQueue = new ByteQueue(init.cfg.recvBuffer);
    this.peerMss = init.cfg.defaultPeerMss;
    this.sndMss = Math.min(init.cfg.mss, init.cfg.defaultPeerMss);
    this.rto = new RtoEstimator(init.cfg);
    this.cc = createCongestionControl(init.cfg.congestionControl, {
      mss: this.sndMss,
      initialCwndSegments: init.cfg.initialCwndSegments,
    });
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

  // --- what the endpoint's connections share, and the name in traces ---

  get trace(): TraceSink {
    return this.shared.trace;
  }
  /** Drop counters by reason, if the owner wants them (ConnectionOptions.drops). */
  get dropCounts(): Partial<Record<DropReason, number>> | undefined {
    return this.shared.drops;
  }
  /** Shared by the endpoint's connections: ACKs answering unacceptable segments, host-wide (RFC 5961 §7). */
  get challengeBudget(): ChallengeBudget | undefined {
    return this.shared.challengeBudget;
  }
  get endpoint(): string {
    return this.shared.endpoint;
  }
  /** The label of this connection's traces (TraceEvent.conn). */
  get label(): string {
    return this.#label ?? `${this.localPort}>${this.remotePort}`;
  }
  set label(v: string) {
    this.#label = v;
  }
  /** Was a label given (rather than derived from the ports)? */
  get hasOwnLabel(): boolean {
    return this.#label !== undefined;
  }
  /** Added to `now` to make our TSval (RFC 7323 §5.4). */
  get tsOffset(): number {
    return this.tsOffsetInt32 ? this.#tsOffset >>> 0 : this.#tsOffset;
  }

  // --- settings a connection may change (copy-on-write of cfg) ---

  /** cfg, as a private copy the caller may change (the shared config is copied on first use). */
  writableCfg(): TcpConfig {
    if (isSharedConfig(this.cfg)) this.cfg = ownConfig(this.cfg);
    return this.cfg as TcpConfig;
  }

  get keepaliveIdle(): number {
    return this.cfg.keepaliveIdle;
  }
  set keepaliveIdle(v: number) {
    if (v !== this.cfg.keepaliveIdle) this.writableCfg().keepaliveIdle = v;
  }
  get keepaliveInterval(): number {
    return this.cfg.keepaliveInterval;
  }
  set keepaliveInterval(v: number) {
    if (v !== this.cfg.keepaliveInterval) this.writableCfg().keepaliveInterval = v;
  }
  get keepaliveCount(): number {
    return this.cfg.keepaliveCount;
  }
  set keepaliveCount(v: number) {
    if (v !== this.cfg.keepaliveCount) this.writableCfg().keepaliveCount = v;
  }

  // --- parts made on first use ---

  // Counters and instants kept in Rare: 0 until first set to something else (see setRare).
  get totalRetransmits(): number {
    return this.#rare?.totalRetransmits ?? 0;
  }
  set totalRetransmits(v: number) {
    setRare(this, 'totalRetransmits', v);
  }
  get persistBackoff(): number {
    return this.#rare?.persistBackoff ?? 0;
  }
  set persistBackoff(v: number) {
    setRare(this, 'persistBackoff', v);
  }
  /** When TIME-WAIT began, or last restarted for a retransmitted FIN: 2MSL runs from here. */
  get timeWaitStart(): number {
    return this.#rare?.timeWaitStart ?? 0;
  }
  set timeWaitStart(v: number) {
    setRare(this, 'timeWaitStart', v);
  }
  get keepaliveProbes(): number {
    return this.#rare?.keepaliveProbes ?? 0;
  }
  set keepaliveProbes(v: number) {
    setRare(this, 'keepaliveProbes', v);
  }
  /** When the last keepalive probe of this idle period went out. */
  get lastProbeAt(): number {
    return this.#rare?.lastProbeAt ?? 0;
  }
  set lastProbeAt(v: number) {
    setRare(this, 'lastProbeAt', v);
  }

  /** Out-of-order receive queue (reassembly.ts). */
  get reasm(): Reassembly {
    this.#rare ??= new Rare();
    const r = this.#rare;
    r.reasm ??= new Reassembly(this.shared.reassembly);
    return r.reasm;
  }
  /** Receiver: sequence numbers of recent out-of-order arrivals, most recent first (sack.ts). */
  get sackRecent(): number[] {
    this.#rare ??= new Rare();
    const r = this.#rare;
    r.sackRecent ??= [];
    return r.sackRecent;
  }
  /** Sender: what the peer reported as held above SND.UNA (RFC 6675 scoreboard). */
  get scoreboard(): Scoreboard {
    this.#rare ??= new Rare();
    const r = this.#rare;
    r.scoreboard ??= new Scoreboard();
    return r.scoreboard;
  }
  /** Sender: ends of the segments sent with PSH, above SND.UNA, in order (output.ts markPsh). */
  get pshMarks(): number[] | undefined {
    return this.#rare?.pshMarks;
  }
  set pshMarks(v: number[] | undefined) {
    this.#rare ??= new Rare();
    this.#rare.pshMarks = v;
  }
  /** Out-of-order bytes held (0 without making a queue). */
  get reassemblyBytes(): number {
    const q = this.#rare?.reasm;
    return q === undefined ? 0 : q.bytes;
  }
  /** The out-of-order queue if one was made (undefined: nothing was ever held). */
  get reasmIfMade(): Reassembly | undefined {
    return this.#rare?.reasm;
  }
  /** Is out-of-order data held? (false without making a queue) */
  /** Receiver: the D-SACK block owed (RFC 2883; sack.ts noteDuplicate), if any. */
  get dsack(): SackBlock | undefined {
    return this.#rare?.dsack;
  }
  set dsack(b: SackBlock | undefined) {
    if (b === undefined && this.#rare === undefined) return;
    this.#rare ??= new Rare();
    this.#rare.dsack = b;
  }
  get holdsOutOfOrder(): boolean {
    const q = this.#rare?.reasm;
    return q !== undefined && !q.isEmpty;
  }
  /** Has the peer SACKed anything above SND.UNA? (false without making a scoreboard) */
  get hasSacked(): boolean {
    const b = this.#rare?.scoreboard;
    return b !== undefined && !b.isEmpty;
  }
  /** Bytes on the scoreboard (0 without making one). */
  get sackedBytes(): number {
    const b = this.#rare?.scoreboard;
    return b === undefined ? 0 : b.bytes;
  }
  /** Forgets what the peer SACKed (RFC 2018 §8 reneging), without making a scoreboard. */
  clearScoreboard(): void {
    this.#rare?.scoreboard?.clear();
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

  /** Free receive-buffer space we could offer now, within the window clamp (config windowClamp). */
  get rcvSpace(): number {
    const space = this.readClosed ? this.cfg.recvBuffer : this.recvQueue.space;
    const clamp = this.cfg.windowClamp;
    return clamp > 0 && clamp < space ? clamp : space;
  }

  /** The window shift we put on our SYN (RFC 7323 §2.3): from the receive buffer, or a smaller clamp. */
  get rcvWscaleOffer(): number {
    const clamp = this.cfg.windowClamp;
    return wscaleFor(clamp > 0 ? Math.min(clamp, this.cfg.recvBuffer) : this.cfg.recvBuffer);
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
        this.#rare?.reasm?.clear();
        this.#rare?.scoreboard?.clear();
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
        this.#rare?.reasm?.clear();
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
    if (this.events === NO_EVENTS) this.events = [ev];
    else this.events.push(ev);
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
    this.#rare ??= new Rare();
    const r = this.#rare;
    if (limit > 0) {
      const start = r.challengeWindowStart;
      if (start === undefined || this.now - start >= 1000) {
        r.challengeWindowStart = this.now;
        r.challengeCount = 0;
      }
      if (r.challengeCount >= limit) {
        this.drop(seg, 'challenge-ack-limit');
        return;
      }
    }
    if (this.challengeBudget !== undefined && !this.challengeBudget.take(this.now)) {
      this.drop(seg, 'challenge-ack-limit');
      return;
    }
    if (limit > 0) r.challengeCount++;
    this.ackNow = true;
    this.drop(seg, reason);
  }

  /**
   * `seg` failed the sequence or the PAWS test and is dropped with `reason`; RFC 9293 §3.10.7.4
   * (first) and RFC 7323 §5.3 owe <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. For a SYN, or a segment
   * that occupies no sequence space, that ACK comes out of the challenge-ACK budgets (RFC 5961 §7),
   * as Linux rate-limits them (tcp_oow_rate_limited): a forged or looping one must not buy an ACK
   * each. Data and FINs are not held to the connection's own limit (a peer's recovery may need
   * their ACKs), but they do come out of the host's budget, so a flood of forged data cannot make a
   * host answer more than that budget allows (RFC 5961 §7 asks for one budget for every such ACK).
   */
  ackUnacceptable(seg: Segment, reason: DropReason): void {
    if (has(seg, SYN) || segLen(seg) === 0) {
      this.challengeAck(seg, reason);
      return;
    }
    if (this.challengeBudget !== undefined && !this.challengeBudget.take(this.now)) {
      this.drop(seg, 'challenge-ack-limit');
      return;
    }
    this.ackNow = true;
    this.drop(seg, reason);
  }

  /** Queues `seg` for this call's Output and traces it. */
  push(seg: Segment): void {
    // An array literal of one: a push onto [] would allocate room for 17.
    if (this.segs === NO_SEGMENTS) this.segs = [seg];
    else this.segs.push(seg);
    if (!this.tracing) return;
    const relSeq = seqDiff(seg.seq, this.iss);
    const relAck = has(seg, ACK) && this.irsKnown ? seqDiff(seg.ack, this.irs) : 0;
    this.trace({ type: 'send', t: this.now, endpoint: this.endpoint, conn: this.label, seg, relSeq, relAck });
  }

  /** Takes what the current call produced. */
  takeOutput(): { segments: Segment[]; events: ConnEvent[] } {
    const out = {
      segments: this.segs === NO_SEGMENTS ? [] : this.segs,
      events: this.events === NO_EVENTS ? [] : this.events,
    };
    this.segs = NO_SEGMENTS;
    this.events = NO_EVENTS;
    return out;
  }
}
