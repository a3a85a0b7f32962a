// The endpoint's TIME-WAIT records: the table of compact leftovers of connections in TIME-WAIT, and
// what a record does with a segment, a timeout or a SYN that would reuse its tuple. time-wait.ts
// holds the record itself and its pure verdict function, which the Connection uses too while it is
// still the object; this file is the endpoint's side. Together they are what Linux's
// tcp_minisocks.c is: the verdict (tcp_timewait_state_process) there, the move into TIME-WAIT
// (tcp_time_wait) and the records' upkeep (with inet_timewait_sock.c's table) here.
//
// A connection enters the table once it is in TIME-WAIT and the user has read everything it
// received (enter): the endpoint then lets go of the Connection object and keeps only the record,
// under the same id and tuple. From there a record:
//   - answers segments as the object would (segment), with the same traces, so a trace reads the
//     same whichever held the tuple: an ACK for a retransmitted FIN (and 2MSL again), for an old
//     duplicate or an old SYN; nothing for an acceptable ACK; a RST closes it only without RFC 1337;
//   - lets a clearly newer SYN reuse the tuple when a listener can take it (RFC 9293 §3.10.7.4,
//     RFC 6191): the record ends and the SYN goes on to the listener, with an ISN past the old
//     incarnation's (reopenIss). With no listener, or a full SYN queue, TIME-WAIT stays (refuseSyn);
//   - ends after 2MSL (expired), or on ABORT.
// A Connection that is still the object (it has unread bytes) does its own TIME-WAIT duties, but a
// SYN that may reuse its tuple is the endpoint's business too, as only the endpoint knows the
// listeners (reopeningSyn).
//
// Nothing here sends. Like the Connection's steps, which mark what is owed for output.ts to send, a
// method here traces what it decides and returns what is owed: the ACK to send, or what the
// endpoint is to do next ('close', 'reopen'). The endpoint puts the ACK on its one output path,
// ends records, and hands SYNs to listeners.

import { unreachable } from '../base/unreachable.js';
import { ACK, has, type Segment, SYN } from '../wire/segment.js';
import { seqAdd, seqDiff, seqGt } from '../wire/seq.js';
import type { TcpConfig } from './config.js';
import type { Connection } from './connection.js';
import type { Scheduled } from './deadline-heap.js';
import type { ConnId } from './endpoint-types.js';
import type { ConnEvent } from './events.js';
import { TcpState } from './state.js';
import type { Counters } from './stats.js';
import type { Instant } from './time.js';
import { type TimeWaitRecord, timeWaitAck, timeWaitVerdict } from './time-wait.js';
import { type DropReason, NO_TRACE, type TraceSink } from './trace.js';
import type { Address } from './tuple.js';

/** A connection held only as its TIME-WAIT record, under the id and tuple it had. */
export interface TimeWaitEntry extends Scheduled {
  kind: 'time-wait';
  id: ConnId;
  /** Its tuple key (tuple.ts). */
  key: string;
  local: Address;
  remote: Address;
  label: string;
  cfg: TcpConfig;
  rec: TimeWaitRecord;
  /** close() was called on the object or the record: a second close() is an error, as on the object. */
  userClosed: boolean;
}

/** What a connection leaving for the table hands over besides its record (the endpoint's live entry). */
export interface TimeWaitOrigin {
  readonly id: ConnId;
  readonly key: string;
  readonly local: Address;
  readonly remote: Address;
  readonly label: string;
  readonly cfg: TcpConfig;
  readonly userClosed: boolean;
}

/**
 * What a segment at a record leaves to the endpoint: an ACK to send (already traced, as a
 * Connection traces what it queues), 'close' (a RST ended TIME-WAIT: end the record), 'reopen' (a
 * SYN may reuse the tuple: find its listener), or nothing.
 */
export type TimeWaitOwed = Segment | 'close' | 'reopen' | undefined;

/**
 * Causes of TIME-WAIT -> CLOSED for a record, spelled as the Connection spells them (connection.ts,
 * arrive.ts, user.ts), so traces read the same whichever held TIME-WAIT.
 */
export type TimeWaitEnd = '2MSL timeout' | 'RST in TIME-WAIT' | 'SYN reuses the tuple' | 'ABORT';

/**
 * When a new incarnation reuses a tuple in TIME-WAIT, our new ISN must lie beyond anything the old
 * one sent (RFC 9293 §3.10.7.4, RFC 6191). When the clock-driven ISN is not already past the
 * record's SND.NXT we take SND.NXT + 65535 + 2, clear of a full unscaled window of old data: the
 * value Linux's tcp_timewait_state_process always uses.
 */
const REOPEN_ISN_GAP = 65535 + 2;

/** The ISN for a connection that reuses a tuple whose old incarnation sent up to `sndNxt`. */
export function reopenIss(iss: number, sndNxt: number): number {
  return seqGt(iss, sndNxt) ? iss : seqAdd(sndNxt, REOPEN_ISN_GAP);
}

/** The part of the endpoint's DeadlineHeap a record needs: its deadline moved. */
export interface TimeWaitScheduler {
  schedule(tw: TimeWaitEntry, deadline: Instant | undefined): void;
}

export class TimeWaitTable {
  readonly #byTuple = new Map<string, TimeWaitEntry>();
  readonly #name: string;
  readonly #trace: TraceSink;
  /** A sink was given: without one, no trace event is built (drops are counted all the same). */
  readonly #tracing: boolean;
  readonly #stats: Counters;
  readonly #deadlines: TimeWaitScheduler;

  /**
   * `trace` is the user's sink (NO_TRACE for none); drops are counted into `stats.drops` whether or
   * not there is one. `deadlines` is the endpoint's heap, where a record's expiry is kept up to date
   * once the endpoint has scheduled it.
   */
  constructor(name: string, trace: TraceSink, stats: Counters, deadlines: TimeWaitScheduler) {
    this.#name = name;
    this.#trace = trace;
    this.#tracing = trace !== NO_TRACE;
    this.#stats = stats;
    this.#deadlines = deadlines;
  }

  /** The record holding a tuple key, if any. */
  get(key: string): TimeWaitEntry | undefined {
    return this.#byTuple.get(key);
  }

  has(key: string): boolean {
    return this.#byTuple.has(key);
  }

  /**
   * A connection moves into the table: its record, under its id and tuple, replaces the object.
   * Sends nothing (the ACK that completed the close was in the Connection's own output) and traces
   * nothing (the Connection traced its way into TIME-WAIT). The caller gives up the object, puts
   * the entry under its id and schedules it at `rec.expires`.
   */
  enter(from: TimeWaitOrigin, rec: TimeWaitRecord): TimeWaitEntry {
    const tw: TimeWaitEntry = {
      kind: 'time-wait',
      id: from.id,
      key: from.key,
      local: from.local,
      remote: from.remote,
      label: from.label,
      cfg: from.cfg,
      rec,
      deadline: undefined,
      userClosed: from.userClosed,
    };
    this.#byTuple.set(tw.key, tw);
    return tw;
  }

  /** Takes a record out of the table without a trace (the crash guard's cleanup, or after end()). */
  delete(tw: TimeWaitEntry): void {
    if (this.#byTuple.get(tw.key) === tw) this.#byTuple.delete(tw.key);
    tw.deadline = undefined;
  }

  /**
   * A segment for a record: the answers and traces of the Connection's own TIME-WAIT (arrive.ts;
   * the verdict function is shared). Returns what is owed (see TimeWaitOwed).
   */
  segment(tw: TimeWaitEntry, seg: Segment, now: Instant): TimeWaitOwed {
    const rec = tw.rec;
    if (this.#tracing) this.#trace({ ...this.#base(tw.label, now), type: 'recv', ...view(seg, rec) });
    const v = timeWaitVerdict(rec, seg, now, tw.cfg);
    switch (v.action) {
      case 'ack': {
        if (v.reason) this.#drop(tw.label, v.reason, seg, rec, now);
        const ack = this.#ack(tw.label, rec, now);
        // RFC 9293 §3.10.7.4 (eighth): the peer's FIN again restarts the 2MSL wait.
        if (v.restart) this.#restart(tw, now);
        return ack;
      }
      case 'drop':
        this.#drop(tw.label, v.reason, seg, rec, now);
        return undefined;
      case 'close':
        // RFC 9293 §3.10.7.4 (second): a RST in TIME-WAIT closes it (only when RFC 1337 is off).
        return 'close';
      case 'reopen':
        return 'reopen';
      default:
        return unreachable(v, 'TIME-WAIT verdict');
    }
  }

  /**
   * A SYN for a tuple whose TIME-WAIT is still held by the Connection object (kept while unread
   * data remains): its record when the verdict lets the SYN reuse the tuple, else undefined (the
   * Connection handles the segment). Traces nothing. The object closes itself on such a SYN and
   * leaves the SYN to the endpoint, which passes it on to a listener; when no listener can take
   * it, TIME-WAIT must stay, so the object is not given the SYN (see refuseSyn).
   */
  reopeningSyn(conn: Connection, cfg: TcpConfig, seg: Segment, now: Instant): TimeWaitRecord | undefined {
    if (conn.state !== TcpState.TimeWait || !has(seg, SYN) || has(seg, ACK)) return undefined;
    const rec = conn.timeWaitRecord();
    return timeWaitVerdict(rec, seg, now, cfg).action === 'reopen' ? rec : undefined;
  }

  /**
   * A SYN that may reuse a tuple in TIME-WAIT, and no listener that can take it (`listener`: is
   * there one at all). Like Linux (tcp_v4_rcv, TCP_TW_SYN), without a listener it is answered as
   * TIME-WAIT answers any other SYN: the ACK returned. With a full SYN queue it is dropped. Either
   * way TIME-WAIT stays. `traceRecv` for an object's TIME-WAIT, which was not given the SYN and so
   * did not trace it (segment() has traced it for a record).
   */
  refuseSyn(
    label: string,
    rec: TimeWaitRecord,
    listener: boolean,
    seg: Segment,
    now: Instant,
    traceRecv: boolean,
  ): Segment | undefined {
    if (traceRecv && this.#tracing) this.#trace({ ...this.#base(label, now), type: 'recv', ...view(seg, rec) });
    if (!listener) return this.#ack(label, rec, now);
    this.#stats.drops['listen-overflow']++;
    if (this.#tracing) this.#trace({ ...this.#base(label, now), type: 'drop', reason: 'listen-overflow', seg });
    return undefined;
  }

  /** A SYN reuses a record's tuple: counted and traced as the object traces it; end() follows. */
  reused(tw: TimeWaitEntry, seg: Segment, now: Instant): void {
    this.#drop(tw.label, 'reopen', seg, tw.rec, now);
    this.#stats.timeWait.reused++;
  }

  /**
   * The record's deadline came: true when 2MSL is over (traced and counted; end() follows), false
   * when a restart moved it (it is scheduled again).
   */
  expired(tw: TimeWaitEntry, now: Instant): boolean {
    const expires = tw.rec.expires;
    if (expires > now) {
      this.#deadlines.schedule(tw, expires);
      return false;
    }
    if (this.#tracing) {
      this.#trace({
        ...this.#base(tw.label, now),
        type: 'timer',
        timer: 'time-wait',
        action: 'fired',
        deadline: expires,
      });
    }
    this.#stats.timeWait.expired++;
    return true;
  }

  /**
   * The record's connection is over: traced as the Connection traces it, and out of the table.
   * Returns the 'closed' event for the endpoint to pass on (it also forgets the id).
   */
  end(tw: TimeWaitEntry, now: Instant, cause: TimeWaitEnd): ConnEvent {
    const closed: ConnEvent = { type: 'closed' };
    if (this.#tracing) {
      const base = this.#base(tw.label, now);
      this.#trace({ ...base, type: 'state', from: TcpState.TimeWait, to: TcpState.Closed, cause });
      this.#trace({ ...base, type: 'event', event: closed });
    }
    this.delete(tw);
    return closed;
  }

  /** The ACK TIME-WAIT answers with (time-wait.ts), traced as sent. */
  #ack(label: string, rec: TimeWaitRecord, now: Instant): Segment {
    const ack = timeWaitAck(rec, now);
    if (this.#tracing) {
      const relSeq = rel(ack.seq, rec.iss);
      this.#trace({ ...this.#base(label, now), type: 'send', seg: ack, relSeq, relAck: rel(ack.ack, rec.irs) });
    }
    return ack;
  }

  #restart(tw: TimeWaitEntry, now: Instant): void {
    const rec = tw.rec;
    const expires = now + 2 * tw.cfg.msl;
    if (expires === rec.expires) return;
    // TS.Recent is left as it is, as the Connection leaves it in TIME-WAIT.
    rec.expires = expires;
    if (this.#tracing) {
      this.#trace({
        ...this.#base(tw.label, now),
        type: 'timer',
        timer: 'time-wait',
        action: 'armed',
        deadline: expires,
      });
    }
    this.#deadlines.schedule(tw, expires);
  }

  /** A segment at a record dropped for `reason`: counted, and traced with the record's numbering. */
  #drop(label: string, reason: DropReason, seg: Segment, rec: TimeWaitRecord, now: Instant): void {
    this.#stats.drops[reason]++;
    if (this.#tracing) this.#trace({ ...this.#base(label, now), type: 'drop', reason, ...view(seg, rec) });
  }

  #base(label: string, now: Instant): { t: Instant; endpoint: string; conn: string } {
    return { t: now, endpoint: this.#name, conn: label };
  }
}

/** A segment as a record's traces show it: numbers relative to the two ISNs. */
function view(seg: Segment, rec: TimeWaitRecord): { seg: Segment; relSeq: number; relAck: number } {
  return { seg, relSeq: rel(seg.seq, rec.irs), relAck: has(seg, ACK) ? rel(seg.ack, rec.iss) : 0 };
}

/** Sequence number relative to an ISN, signed as the Connection's traces have it. */
function rel(seq: number, isn: number): number {
  return seqDiff(seq, isn);
}
