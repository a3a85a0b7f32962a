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
//
// Storage. A server may hold a million records (60 s of TIME-WAIT at 16,000 closes a second), so a
// record is a row of typed arrays, not objects (Rows, time-wait-rows.ts): 14 32-bit words and 2
// doubles, 84 bytes with its share of the hash buckets and the expiry heap (rows double, so at most
// twice that per record), where objects, strings and map entries took ~600. A row keeps every field
// of a TimeWaitRecord exactly (sequence numbers and timestamps are 32-bit unsigned by contract,
// wire/seq.ts; the window field 16-bit), the id, the user's close(), and the tuple as two indices
// into a table of address strings (interned once, counted, dropped with their last record) and two
// ports. The config is interned the same way. Label and tuple key are derived from the tuple when
// asked for: they are the ones the live entry had (tupleLabel, tupleKey). Rows are found by tuple
// and by id through two chained hash tables (one bucket per row of capacity; rows and buckets
// double together), and ordered by expiry in a binary min-heap of row numbers, by (expiry, id) as
// the endpoint's DeadlineHeap orders entries, so a restart of the 2MSL timer (a retransmitted FIN)
// moves the row in O(log n) and expiry is exact. The endpoint merges the heap's due records with
// its live connections' (entries.ts).
//
// What the endpoint handles is a TimeWaitEntry: a short-lived view (Held) onto a row, made by each
// lookup. It reads and writes the row while the record is in the table; when the table deletes the
// record through a view, the view keeps a copy of the row, so the endpoint may still read what it
// needs (a reopening SYN goes to the listener after the record has ended).

import { unreachable } from '../base/unreachable.js';
import { ACK, has, type Segment, SYN } from '../wire/segment.js';
import { seqAdd, seqDiff, seqGt } from '../wire/seq.js';
import type { ChallengeBudget } from './challenge-budget.js';
import type { TcpConfig } from './config.js';
import type { Connection } from './connection.js';
import type { Scheduled } from './deadline-heap.js';
import type { ConnId } from './endpoint-types.js';
import type { ConnEvent } from './events.js';
import { TcpState } from './state.js';
import type { Counters } from './stats.js';
import type { Instant } from './time.js';
import { type TimeWaitRecord, timeWaitAck, timeWaitVerdict } from './time-wait.js';
import {
  CFG,
  EXPIRES,
  F64S,
  FREE,
  HEAP_AT,
  ID,
  IRS,
  ISS,
  LADDR,
  PORTS,
  RADDR,
  RCV_NXT,
  Rows,
  SND_NXT,
  type TimeWaitOrigin,
  TS_OFFSET,
  TS_OK,
  TS_RECENT,
  U32S,
  USER_CLOSED,
  WND,
  WORD,
} from './time-wait-rows.js';
import { type DropReason, NO_TRACE, type TraceSink } from './trace.js';
import { type Address, tupleKey, tupleLabel } from './tuple.js';

export type { TimeWaitOrigin } from './time-wait-rows.js';

/**
 * A connection held only as its TIME-WAIT record, under the id and tuple it had. A view onto the
 * record's row (see Storage at the top): valid while the record is in the table, and a copy once
 * the table has deleted the record through it.
 */
export interface TimeWaitEntry extends Scheduled {
  readonly kind: 'time-wait';
  readonly id: ConnId;
  /** Its tuple key (tuple.ts). */
  readonly key: string;
  readonly local: Address;
  readonly remote: Address;
  readonly label: string;
  readonly cfg: TcpConfig;
  /** The record; writes (TS.Recent from the verdict, the expiry) go to the row. */
  readonly rec: TimeWaitRecord;
  /** close() was called on the object or the record: a second close() is an error, as on the object. */
  userClosed: boolean;
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
export type TimeWaitEnd = '2MSL timeout' | 'RST in TIME-WAIT' | 'SYN reuses the tuple' | 'ABORT' | 'reclaimed'; // ended early to make room: the host holds its limit of records (HostLimits.timeWait)

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

export class TimeWaitTable {
  readonly #rows = new Rows();
  readonly #name: string;
  readonly #trace: TraceSink;
  /** A sink was given: without one, no trace event is built (drops are counted all the same). */
  readonly #tracing: boolean;
  readonly #stats: Counters;
  readonly #budget: ChallengeBudget | undefined;

  /**
   * `trace` is the user's sink (NO_TRACE for none); drops are counted into `stats.drops` whether or
   * not there is one. The table keeps its records' expiries itself (nextExpiry, takeDue).
   */
  /**
   * `budget`: the host's allowance of ACKs to unacceptable segments (challenge-budget.ts). The ACK a
   * record owes an old duplicate, a PAWS failure or an old SYN comes out of it, as Linux
   * rate-limits TIME-WAIT's out-of-window ACKs (tcp_timewait_check_oow_rate_limit), so forged
   * segments cannot turn TIME-WAIT records into a reflector; the peer's retransmitted FIN is always
   * answered (the first reason TIME-WAIT exists).
   */
  constructor(name: string, trace: TraceSink, stats: Counters, budget?: ChallengeBudget) {
    this.#budget = budget;
    this.#name = name;
    this.#trace = trace;
    this.#tracing = trace !== NO_TRACE;
    this.#stats = stats;
  }

  /** How many records the table holds. */
  get size(): number {
    return this.#rows.count;
  }

  /** The record holding a tuple, if any: the lookup for each packet (no allocation on a miss). */
  find(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): TimeWaitEntry | undefined {
    const row = this.#rows.findTuple(localAddr, localPort, remoteAddr, remotePort);
    return row < 0 ? undefined : new Held(this.#rows, row);
  }

  /** The record holding a tuple key (tuple.ts), if any. */
  get(key: string): TimeWaitEntry | undefined {
    const row = this.#rowOfKey(key);
    return row < 0 ? undefined : new Held(this.#rows, row);
  }

  has(key: string): boolean {
    return this.#rowOfKey(key) >= 0;
  }

  /** The record of connection `id`, if the table holds it. */
  byId(id: ConnId): TimeWaitEntry | undefined {
    const row = this.#rows.findId(id);
    return row < 0 ? undefined : new Held(this.#rows, row);
  }

  /** Is `tw` a view of a record still in the table? */
  holds(tw: TimeWaitEntry): boolean {
    return tw instanceof Held && tw.attached;
  }

  /** Every record, in the order the connections were made (by id). */
  values(): TimeWaitEntry[] {
    const rows = this.#rows;
    const ids = new Float64Array(rows.count);
    let n = 0;
    for (let row = 0; row < rows.top; row++) {
      const id = rows.f64[row * F64S + ID]!;
      if (id !== FREE) ids[n++] = id;
    }
    ids.sort();
    return Array.from(ids, (id) => new Held(rows, rows.findId(id)));
  }

  /** Does a record use `port` locally, on `addr` (any address if undefined)? O(records). */
  usesPort(addr: string | undefined, port: number): boolean {
    const rows = this.#rows;
    const a = addr === undefined ? -1 : rows.addrs.indexOf(addr);
    if (addr !== undefined && a < 0) return false;
    for (let row = 0; row < rows.top; row++) {
      if (rows.f64[row * F64S + ID] === FREE) continue;
      const u = row * U32S;
      if (rows.u32[u + PORTS]! >>> 16 === port && (a < 0 || rows.u32[u + LADDR] === a)) return true;
    }
    return false;
  }

  /**
   * A connection moves into the table: its record, under its id and tuple, replaces the object,
   * and its expiry is kept from now on (nextExpiry, takeDue). Sends nothing (the ACK that
   * completed the close was in the Connection's own output) and traces nothing (the Connection
   * traced its way into TIME-WAIT). The caller gives up the object. The record's ports are the
   * tuple's (the Connection was made with them); its label and key are the origin's, derived.
   */
  enter(from: TimeWaitOrigin, rec: TimeWaitRecord): TimeWaitEntry {
    return new Held(this.#rows, this.#rows.add(from, rec));
  }

  /** Takes a record out of the table without a trace (the crash guard's cleanup, or after end()). */
  delete(tw: TimeWaitEntry): void {
    if (tw instanceof Held && tw.attached) tw.detach();
  }

  /** The earliest expiry of any record. */
  nextExpiry(): Instant | undefined {
    return this.#rows.nextExpiry();
  }

  /** The record that expires first (the one to reclaim when the table is full), if any. */
  oldest(): TimeWaitEntry | undefined {
    const row = this.#rows.peekDue(Number.POSITIVE_INFINITY);
    return row < 0 ? undefined : new Held(this.#rows, row);
  }

  /**
   * Every record whose expiry is <= now, earliest first (then by id), each taken off the expiry
   * heap: it has no deadline until expired() or a restart gives it one again.
   */
  takeDue(now: Instant): TimeWaitEntry[] {
    const rows = this.#rows;
    const due: TimeWaitEntry[] = [];
    for (let row = rows.peekDue(now); row >= 0; row = rows.peekDue(now)) {
      rows.unschedule(row);
      due.push(new Held(rows, row));
    }
    return due;
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
        if (v.reason) {
          if (this.#budget !== undefined && !this.#budget.take(now)) {
            this.#drop(tw.label, 'challenge-ack-limit', seg, rec, now);
            return undefined;
          }
          this.#drop(tw.label, v.reason, seg, rec, now);
        }
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
   * The record's deadline came (takeDue): true when 2MSL is over (traced and counted; end()
   * follows), false when a restart moved it (its expiry is kept again).
   */
  expired(tw: TimeWaitEntry, now: Instant): boolean {
    const expires = tw.rec.expires;
    if (expires > now) {
      if (tw instanceof Held && tw.attached) this.#rows.schedule(tw.row);
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

  /** The row of a tuple key `localAddr|localPort|remotePort|remoteAddr` (tuple.ts), or -1. */
  #rowOfKey(key: string): number {
    if (this.#rows.count === 0) return -1;
    const a = key.indexOf('|');
    const b = key.indexOf('|', a + 1);
    const c = key.indexOf('|', b + 1);
    if (c < 0) return -1;
    const lport = Number(key.slice(a + 1, b));
    const rport = Number(key.slice(b + 1, c));
    return this.#rows.findTuple(key.slice(0, a), lport, key.slice(c + 1), rport);
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
    // TS.Recent is left as it is, as the Connection leaves it in TIME-WAIT. The row moves in the
    // expiry heap (Held's expires setter).
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

/** A row's fields, kept by a view once its record has left the table. */
interface Copy {
  local: Address;
  remote: Address;
  cfg: TcpConfig;
  rec: TimeWaitRecord;
  userClosed: boolean;
}

/**
 * A TimeWaitEntry and its TimeWaitRecord in one object: a view onto a row while the record is in
 * the table (reads and writes go to the row), a copy of it once the table has deleted the record
 * through this view.
 */
class Held implements TimeWaitEntry, TimeWaitRecord {
  readonly id: ConnId;
  readonly #rows: Rows;
  #row: number;
  #copy: Copy | undefined;
  #local: Address | undefined;
  #remote: Address | undefined;

  constructor(rows: Rows, row: number) {
    this.#rows = rows;
    this.#row = row;
    this.id = rows.f64[row * F64S + ID]!;
  }

  get kind(): 'time-wait' {
    return 'time-wait';
  }

  /** The record is still in the table (and this view was not the one it was deleted through). */
  get attached(): boolean {
    return this.#copy === undefined && this.#rows.f64[this.#row * F64S + ID] === this.id;
  }

  get row(): number {
    return this.#row;
  }

  /** Copies the row into this view and deletes the record from the table. */
  detach(): void {
    const rec: TimeWaitRecord = {
      localPort: this.localPort,
      remotePort: this.remotePort,
      iss: this.iss,
      irs: this.irs,
      sndNxt: this.sndNxt,
      rcvNxt: this.rcvNxt,
      rcvWndField: this.rcvWndField,
      tsOffset: this.tsOffset,
      expires: this.expires,
    };
    const ts = this.tsRecent;
    if (ts !== undefined) rec.tsRecent = ts;
    const copy: Copy = { local: this.local, remote: this.remote, cfg: this.cfg, rec, userClosed: this.userClosed };
    this.#rows.remove(this.#row);
    this.#copy = copy;
  }

  get rec(): TimeWaitRecord {
    return this.#copy?.rec ?? this;
  }

  get key(): string {
    const l = this.local;
    const r = this.remote;
    return tupleKey(l.addr, l.port, r.addr, r.port);
  }

  get label(): string {
    return tupleLabel(this.local, this.remote);
  }

  get local(): Address {
    if (this.#local === undefined) {
      const u = this.#u();
      this.#local = { addr: this.#rows.addrs.value(this.#rows.u32[u + LADDR]!), port: this.localPort };
    }
    return this.#local;
  }

  get remote(): Address {
    if (this.#remote === undefined) {
      const u = this.#u();
      this.#remote = { addr: this.#rows.addrs.value(this.#rows.u32[u + RADDR]!), port: this.remotePort };
    }
    return this.#remote;
  }

  get cfg(): TcpConfig {
    if (this.#copy) return this.#copy.cfg;
    return this.#rows.cfgs.value(this.#rows.u32[this.#u() + CFG]!);
  }

  get userClosed(): boolean {
    if (this.#copy) return this.#copy.userClosed;
    return (this.#rows.u32[this.#u() + WORD]! & USER_CLOSED) !== 0;
  }

  set userClosed(v: boolean) {
    if (this.#copy) {
      this.#copy.userClosed = v;
      return;
    }
    const u = this.#u();
    const w = this.#rows.u32[u + WORD]!;
    this.#rows.u32[u + WORD] = v ? w | USER_CLOSED : w & ~USER_CLOSED;
  }

  /** The expiry while the record is in the expiry heap (Scheduled), else undefined. */
  get deadline(): Instant | undefined {
    if (this.#copy) return undefined;
    const u = this.#u();
    return this.#rows.u32[u + HEAP_AT] === 0 ? undefined : this.expires;
  }

  /** The table keeps a record's deadline: the only write (an entry being forgotten) is undefined. */
  set deadline(_v: Instant | undefined) {}

  get localPort(): number {
    if (this.#copy) return this.#copy.rec.localPort;
    return this.#rows.u32[this.#u() + PORTS]! >>> 16;
  }

  get remotePort(): number {
    if (this.#copy) return this.#copy.rec.remotePort;
    return this.#rows.u32[this.#u() + PORTS]! & 0xffff;
  }

  get iss(): number {
    return this.#copy ? this.#copy.rec.iss : this.#rows.u32[this.#u() + ISS]!;
  }

  get irs(): number {
    return this.#copy ? this.#copy.rec.irs : this.#rows.u32[this.#u() + IRS]!;
  }

  get sndNxt(): number {
    return this.#copy ? this.#copy.rec.sndNxt : this.#rows.u32[this.#u() + SND_NXT]!;
  }

  get rcvNxt(): number {
    return this.#copy ? this.#copy.rec.rcvNxt : this.#rows.u32[this.#u() + RCV_NXT]!;
  }

  get rcvWndField(): number {
    return this.#copy ? this.#copy.rec.rcvWndField : this.#rows.u32[this.#u() + WORD]! & WND;
  }

  get tsOffset(): number {
    return this.#copy ? this.#copy.rec.tsOffset : this.#rows.u32[this.#u() + TS_OFFSET]!;
  }

  get tsRecent(): number | undefined {
    if (this.#copy) return this.#copy.rec.tsRecent;
    const u = this.#u();
    return this.#rows.u32[u + WORD]! & TS_OK ? this.#rows.u32[u + TS_RECENT] : undefined;
  }

  /** TS.Recent moved by the verdict (RFC 7323 §4.3): a 32-bit timestamp. */
  set tsRecent(v: number | undefined) {
    if (this.#copy) {
      this.#copy.rec.tsRecent = v;
      return;
    }
    const u = this.#u();
    const u32 = this.#rows.u32;
    if (v === undefined) {
      u32[u + WORD] = u32[u + WORD]! & ~TS_OK;
    } else {
      u32[u + TS_RECENT] = v;
      u32[u + WORD] = u32[u + WORD]! | TS_OK;
    }
  }

  get expires(): Instant {
    if (this.#copy) return this.#copy.rec.expires;
    return this.#rows.f64[this.#row * F64S + EXPIRES]! as Instant;
  }

  /** A restart of the 2MSL wait: the row moves in the expiry heap (or goes back into it). */
  set expires(v: Instant) {
    if (this.#copy) {
      this.#copy.rec.expires = v;
      return;
    }
    this.#u();
    this.#rows.f64[this.#row * F64S + EXPIRES] = v;
    this.#rows.schedule(this.#row);
  }

  /** The row's first word; throws if the record left the table through another view (a bug). */
  #u(): number {
    if (this.#rows.f64[this.#row * F64S + ID] !== this.id) throw new Error(`TIME-WAIT record ${this.id} is gone`);
    return this.#row * U32S;
  }
}
