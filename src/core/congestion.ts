// Congestion control behind an interface, so other algorithms can be added later.
//
// 'newreno': RFC 5681 slow start and congestion avoidance, fast retransmit / fast recovery with the
// NewReno modification of RFC 6582. All windows are in bytes.
//
// What the caller decides (see the doc comment of each method): whether an ACK is new or a duplicate
// (RFC 5681 §2), the count of consecutive duplicates, FlightSize, when the connection was idle, and
// what to (re)transmit. This module only moves cwnd and ssthresh and says when to retransmit.
//
// Our `recover` holds SND.NXT at the moment it is recorded, i.e. one past RFC 6582's "highest
// sequence number transmitted". So RFC 6582's "acknowledges all data up to and including recover"
// reads `ack >= recover` here, and §3.2 step 1's "covers more than recover" also reads `ack >= recover`.
//
// Also the caller's job, from RFC 6582 §3.2: on a partial ACK, send the retransmission this module
// asks for and restart the retransmission timer on the first partial ACK of a recovery.

import { UsageError } from '../base/errors.js';
import { type Seq, seqGe } from '../wire/seq.js';

export interface CongestionControl {
  readonly name: string;
  /** Congestion window, bytes. */
  readonly cwnd: number;
  /** Slow-start threshold, bytes (initially "arbitrarily high": 0x7fffffff). */
  readonly ssthresh: number;
  /** In fast recovery (between a fast retransmit and the full ACK of its window). */
  readonly inRecovery: boolean;
  /**
   * A new cumulative ACK advanced SND.UNA by bytesAcked. flightSize is before this ACK; highAck is
   * the new SND.UNA. Returns 'retransmit' when NewReno's partial-ACK rule says to retransmit the
   * first unacknowledged segment now.
   */
  onNewAck(a: { bytesAcked: number; flightSize: number; highAck: Seq; mss: number }): 'retransmit' | 'none';
  /**
   * A duplicate ACK (RFC 5681 §2 definition, decided by the caller). dupAcks counts consecutive ones
   * (1, 2, 3, ...). sndNxt = highest sequence sent. `ack` (optional) is the ACK field of the duplicate
   * (= SND.UNA); when absent, the last highAck given to onNewAck is used. Returns 'retransmit' on the
   * one that starts fast retransmit (the 3rd, unless already in recovery or RFC 6582 §3.2 step 1 says no).
   */
  onDupAck(a: { dupAcks: number; flightSize: number; sndNxt: Seq; mss: number; ack?: Seq }): 'retransmit' | 'none';
  /**
   * Retransmission timeout (RFC 5681 eq. 4, then cwnd = 1 MSS, the loss window); ends any recovery;
   * records recover = sndNxt (RFC 6582 §3.2 step 4 guidance).
   */
  onTimeout(a: { flightSize: number; sndNxt: Seq; mss: number }): void;
  /**
   * Restart after idle (RFC 5681 §4.1): cwnd = min(cwnd, restart window). Call when sending after an
   * idle period longer than the RTO.
   */
  onIdleRestart(a: { mss: number }): void;
  /**
   * SACK loss recovery (RFC 6675 §5): the caller found loss (DupThresh duplicates, or IsLost(SND.UNA)).
   * Enters recovery unless already in it or the ACK does not cover `recover` (the RFC 6582 guard,
   * which RFC 6675 §5 step 2 keeps as RecoveryPoint). On entry ssthresh = cwnd = max(FlightSize / 2,
   * 2 SMSS) (RFC 6675 §5 step 4.2, RFC 5681 eq. 4). Returns whether recovery started.
   */
  onSackLoss(a: { flightSize: number; sndNxt: Seq; mss: number; ack: Seq }): boolean;
}

export interface CongestionOptions {
  /** SMSS used for the initial window. */
  mss: number;
  /** Initial window in segments (RFC 5681 §3.1 allows 2 to 4; RFC 6928 allows 10). */
  initialCwndSegments: number;
  /**
   * SACK was negotiated: the sender runs RFC 6675 recovery (pipe, NextSeg) and starts it with
   * onSackLoss; onDupAck then never asks for a retransmission nor inflates cwnd, and a partial ACK
   * changes nothing here (the scoreboard decides what to resend). Default false: NewReno.
   */
  sack?: boolean;
  /**
   * Linux's loss response (config lossBeta, in 1/1024): ssthresh = max(cwnd in whole segments ×
   * beta / 1024, 2) segments, as CUBIC's bictcp_recalc_ssthresh (beta 717). 0 or absent: RFC 5681
   * eq. 4, max(FlightSize / 2, 2 SMSS). Only the reduction: growth stays RFC 5681's.
   */
  beta?: number;
}

export function createCongestionControl(name: 'newreno', opts: CongestionOptions): CongestionControl {
  switch (name) {
    case 'newreno':
      return new NewReno(opts);
    default: {
      const never: never = name;
      throw new UsageError('ERR_INVALID_ARG_VALUE', `unknown congestion control ${String(never)}`);
    }
  }
}

const IN_RECOVERY = 1;
const SACK = 2;

/** RFC 5681 §3.1: the initial ssthresh "may be arbitrarily high". */
const SSTHRESH_INFINITE = 0x7fffffff;

export class NewReno implements CongestionControl {
  get name(): string {
    return 'newreno';
  }
  #cwnd: number;
  #ssthresh = SSTHRESH_INFINITE;
  /** IN_RECOVERY and SACK (the CongestionOptions flag), as bits of one field. */
  #bits: number;
  /** SND.NXT when recovery began or the last timeout fired; undefined until then (RFC 6582 §3.2 starts it at ISS). */
  #recover: Seq | undefined = undefined;
  /** Last SND.UNA reported by onNewAck. */
  #highAck: Seq | undefined = undefined;
  readonly #initialSegments: number;
  readonly #beta: number;

  constructor(opts: CongestionOptions) {
    this.#initialSegments = opts.initialCwndSegments;
    this.#beta = opts.beta ?? 0;
    this.#bits = opts.sack === true ? SACK : 0;
    this.#cwnd = opts.initialCwndSegments * opts.mss;
  }

  get cwnd(): number {
    return this.#cwnd;
  }
  get ssthresh(): number {
    return this.#ssthresh;
  }
  get inRecovery(): boolean {
    return (this.#bits & IN_RECOVERY) !== 0;
  }
  /** RFC 6582 `recover` (as SND.NXT, see the file comment); undefined until first recorded. */
  get recover(): Seq | undefined {
    return this.#recover;
  }

  onNewAck(a: { bytesAcked: number; flightSize: number; highAck: Seq; mss: number }): 'retransmit' | 'none' {
    this.#highAck = a.highAck;
    if (this.#bits & IN_RECOVERY) {
      if (this.#recover === undefined || seqGe(a.highAck, this.#recover)) {
        // RFC 6582 §3.2 step 3, full ACK, option 1: deflate to min(ssthresh, max(FlightSize, SMSS) + SMSS),
        // FlightSize being what is still outstanding after this ACK.
        this.#cwnd = Math.min(this.#ssthresh, Math.max(a.flightSize - a.bytesAcked, a.mss) + a.mss);
        this.#bits &= ~IN_RECOVERY;
        return 'none';
      }
      // RFC 6675: a partial ACK leaves cwnd alone; pipe and the scoreboard pick what goes next.
      if (this.#bits & SACK) return 'none';
      // RFC 6582 §3.2 step 3, partial ACK: retransmit the first unacknowledged segment, deflate cwnd by
      // the newly acknowledged bytes, add one SMSS back if at least one SMSS was acknowledged. (Never
      // below one SMSS, our own floor.)
      let cwnd = this.#cwnd - a.bytesAcked;
      if (a.bytesAcked >= a.mss) cwnd += a.mss;
      this.#cwnd = Math.max(cwnd, a.mss);
      return 'retransmit';
    }
    if (this.#cwnd < this.#ssthresh) {
      // RFC 5681 §3.1 slow start: grow by at most SMSS per ACK. We count the bytes acknowledged
      // (Appropriate Byte Counting with L = 1 SMSS, which RFC 5681 §3.1 permits via RFC 3465).
      this.#cwnd += Math.min(a.bytesAcked, a.mss);
    } else {
      // RFC 5681 §3.1 congestion avoidance, eq. 3: about one SMSS per RTT, at least 1 byte per ACK.
      this.#cwnd += Math.max(1, Math.floor((a.mss * a.mss) / this.#cwnd));
    }
    return 'none';
  }

  onDupAck(a: { dupAcks: number; flightSize: number; sndNxt: Seq; mss: number; ack?: Seq }): 'retransmit' | 'none' {
    // RFC 6675: no inflation (pipe counts what left the network); entry goes through onSackLoss.
    if (this.#bits & SACK) return 'none';
    if (this.#bits & IN_RECOVERY) {
      // RFC 5681 §3.2 step 4 (which RFC 6582 keeps): each further duplicate inflates cwnd by SMSS,
      // for the segment that has left the network.
      this.#cwnd += a.mss;
      return 'none';
    }
    if (a.dupAcks !== 3) return 'none';
    // RFC 6582 §3.2 step 1: enter fast retransmit only if this ACK covers more than `recover`, so a
    // timeout's retransmissions do not trigger a second reduction.
    if (this.#recover !== undefined) {
      const ack = a.ack ?? this.#highAck;
      if (ack === undefined || !seqGe(ack, this.#recover)) return 'none';
    }
    // RFC 6582 §3.2 step 2 / RFC 5681 eq. 4: halve, remember where recovery ends.
    this.#ssthresh = this.#reduced(a.flightSize, a.mss);
    this.#recover = a.sndNxt;
    // RFC 5681 §3.2 step 3: inflate by the three segments the duplicates say have left the network.
    this.#cwnd = this.#ssthresh + 3 * a.mss;
    this.#bits |= IN_RECOVERY;
    return 'retransmit';
  }

  onTimeout(a: { flightSize: number; sndNxt: Seq; mss: number }): void {
    // RFC 5681 §3.1 eq. 4, then the loss window of one SMSS.
    this.#ssthresh = this.#reduced(a.flightSize, a.mss);
    this.#cwnd = a.mss;
    this.#bits &= ~IN_RECOVERY;
    // RFC 6582 §3.2 step 4 (after a timeout): recover = highest sequence sent.
    this.#recover = a.sndNxt;
  }

  /** ssthresh after a loss: RFC 5681 eq. 4, or Linux's beta × cwnd (see CongestionOptions.beta). */
  #reduced(flightSize: number, mss: number): number {
    if (this.#beta === 0) return Math.max(Math.floor(flightSize / 2), 2 * mss);
    return Math.max(Math.floor((Math.floor(this.#cwnd / mss) * this.#beta) / 1024), 2) * mss;
  }

  onIdleRestart(a: { mss: number }): void {
    // RFC 5681 §4.1: restart window RW = min(IW, cwnd).
    this.#cwnd = Math.min(this.#cwnd, this.#initialSegments * a.mss);
  }

  onSackLoss(a: { flightSize: number; sndNxt: Seq; mss: number; ack: Seq }): boolean {
    if (this.#bits & IN_RECOVERY) return false;
    if (this.#recover !== undefined && !seqGe(a.ack, this.#recover)) return false;
    this.#ssthresh = this.#reduced(a.flightSize, a.mss);
    this.#cwnd = this.#ssthresh;
    this.#recover = a.sndNxt;
    this.#bits |= IN_RECOVERY;
    return true;
  }
}
