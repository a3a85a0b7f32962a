// What the endpoint holds for each connection id: an entry of one of three kinds, for the three
// places a connection lives after its creation (the diagram below):
//   - live: the Connection object, by id and by tuple (a listener's half-open ones among them);
//   - time-wait: only its TIME-WAIT record, by id and by tuple (time-wait-table.ts);
//   - unread: the Connection, CLOSED with received bytes still unread, by id only.
// Every kind keeps the connection's addresses, tuple key and trace label, and the one deadline the
// endpoint's heap holds for it (deadline-heap.ts).
//
// EntryTable holds them: live and unread entries by id, in the order the connections were made
// (the order connections() lists them), live ones by tuple key too; records by id and by tuple in
// the TIME-WAIT table, which keeps them as rows of typed arrays and their expiries in a heap of its
// own (time-wait-table.ts). An entry changes kind under its id; each move between kinds is one
// method here, so the maps stay consistent: an id is in the id map or the TIME-WAIT table, not
// both; a tuple key is in at most one of the live map and the table, and an unread entry in
// neither (to the network its tuple is free). Deadlines come from both: the heap of the live
// entries and the table's, merged in (deadline, id) order (takeDue, nextDeadline).
//
// Where a connection lives over its life:
//
//   connect() ------------------------------------------+
//                                                       v
//   SYN at a listener --> half-open --'connected'--> live --'time-wait'--> record --2MSL--> gone
//                         (SYN queue;  + 'accept'     |   (object kept until          ('closed')
//                          no events)                 |    everything is read)
//                                                     +--'closed'--> gone
//                                                     |
//                                                     +--'closed', bytes unread--> unread --> gone
//                                                          (read() -> null, close(), abort())
//
// Unread data is never lost. A connection may reach CLOSED gracefully (2MSL expiry, the ACK of our
// FIN in LAST-ACK, a RST in TIME-WAIT without RFC 1337, a SYN reusing its tuple) with bytes it
// received and acknowledged still waiting to be read. Its 'closed' event comes when the TCB
// reaches CLOSED, as always: that is the protocol's close, and the network is done with the tuple.
// Reading stays possible after it. The endpoint keeps the Connection (state CLOSED) as an 'unread'
// entry, found by id only: it is out of the tuple table, so to the network the tuple is free (its
// segments meet a listener or a RST as for any closed tuple, and a new connection may take it),
// and it has no deadline. read() returns the bytes; the first read() that finds nothing returns
// null and forgets the entry, as do close() and abort() (which discard what is left). So a user
// sees, e.g.: ... 'peer-fin', 'time-wait', 'closed', then read() -> bytes ..., read() -> null.
// Failures (RST, timeouts) flush the queue (RFC 9293 §3.10.7.4, second) and abort() discards it,
// so they leave no entry. Likewise a Connection in TIME-WAIT with unread bytes stays the object,
// not a record, until they are read (it does its own TIME-WAIT duties meanwhile).

import { UsageError } from '../base/errors.js';
import type { ChallengeBudget } from './challenge-budget.js';
import type { TcpConfig } from './config.js';
import type { Connection } from './connection.js';
import { DeadlineHeap } from './deadline-heap.js';
import type { ConnId, ListenerId } from './endpoint-types.js';
import type { ListenerTable } from './listener-table.js';
import type { Counters } from './stats.js';
import type { Instant } from './time.js';
import { type TimeWaitEntry, TimeWaitTable } from './time-wait-table.js';
import type { TraceSink } from './trace.js';
import { type Address, tupleKey, tupleLabel } from './tuple.js';

export type { TimeWaitEntry } from './time-wait-table.js';

const USER_CLOSED = 1;
const ABORTED = 2;
const ORPHAN = 4;

/**
 * A live connection. Its two ends are kept as four fields, not two Address objects, and its label
 * is derived when asked for (traces and rows only): an idle connection holds no string but its
 * tuple key.
 */
export class LiveEntry {
  readonly id: ConnId;
  /** Its tuple key (tuple.ts). */
  readonly key: string;
  readonly localAddr: string;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
  conn: Connection;
  /** The listener whose SYN queue holds this connection; undefined once accepted (or if active). */
  listener: ListenerId | undefined;
  /** The deadline the heap holds for this entry (undefined: none). */
  deadline: Instant | undefined = undefined;
  /** userClosed, aborted and orphan, as bits of one field. */
  #flags = 0;

  /** A new live entry: not yet scheduled, not closed or aborted by the user. */
  constructor(id: ConnId, local: Address, remote: Address, conn: Connection, listener: ListenerId | undefined) {
    this.id = id;
    this.key = tupleKey(local.addr, local.port, remote.addr, remote.port);
    this.localAddr = local.addr;
    this.localPort = local.port;
    this.remoteAddr = remote.addr;
    this.remotePort = remote.port;
    this.conn = conn;
    this.listener = listener;
  }

  get kind(): 'live' {
    return 'live';
  }
  /** The connection's settings (read from it: one field fewer per connection). */
  get cfg(): TcpConfig {
    return this.conn.config as TcpConfig;
  }
  /** close() was called (a record needs it to answer a second close() as the object would). */
  get userClosed(): boolean {
    return (this.#flags & USER_CLOSED) !== 0;
  }
  set userClosed(v: boolean) {
    this.#flags = v ? this.#flags | USER_CLOSED : this.#flags & ~USER_CLOSED;
  }
  /** abort() was called: unread bytes are discarded, not kept. */
  get aborted(): boolean {
    return (this.#flags & ABORTED) !== 0;
  }
  set aborted(v: boolean) {
    this.#flags = v ? this.#flags | ABORTED : this.#flags & ~ABORTED;
  }
  /** Counted among the endpoint's orphans (closed by the user, close not finished). */
  get orphan(): boolean {
    return (this.#flags & ORPHAN) !== 0;
  }
  set orphan(v: boolean) {
    this.#flags = v ? this.#flags | ORPHAN : this.#flags & ~ORPHAN;
  }

  /** Our end (a new object each time). */
  get local(): Address {
    return { addr: this.localAddr, port: this.localPort };
  }
  /** The peer's end (a new object each time). */
  get remote(): Address {
    return { addr: this.remoteAddr, port: this.remotePort };
  }
  /** The trace label (tupleLabel), derived from the two ends. */
  get label(): string {
    return tupleLabel(this.local, this.remote);
  }
}

/**
 * A connection that reached CLOSED with received bytes unread (see "Unread data" in endpoint.ts).
 * Found by id only: never in a tuple table, never a deadline.
 */
export interface UnreadEntry {
  kind: 'unread';
  id: ConnId;
  key: string;
  local: Address;
  remote: Address;
  label: string;
  conn: Connection;
  deadline: undefined;
}

export type Entry = LiveEntry | TimeWaitEntry | UnreadEntry;

/** The entry that replaces a live one once its Connection is CLOSED with bytes unread. */
export function unreadEntry(e: LiveEntry): UnreadEntry {
  return {
    kind: 'unread',
    id: e.id,
    key: e.key,
    local: e.local,
    remote: e.remote,
    label: e.label,
    conn: e.conn,
    deadline: undefined,
  };
}

export class EntryTable {
  readonly #byId = new Map<ConnId, Entry>();
  readonly #live = new Map<string, LiveEntry>();
  readonly #listeners: ListenerTable;
  readonly #stats: Counters;
  #nextId: ConnId = 1;
  /** Every live entry's deadline (the TIME-WAIT table keeps its records' own). */
  readonly deadlines = new DeadlineHeap<Entry>(this.#byId);
  /** The TIME-WAIT records, by tuple. */
  readonly timeWait: TimeWaitTable;

  /** `trace` is the user's sink (NO_TRACE for none); `listeners` are told when a half-open entry goes. */
  /** `budget`: the host's allowance of ACKs to unacceptable segments, for the TIME-WAIT records. */
  constructor(name: string, trace: TraceSink, stats: Counters, listeners: ListenerTable, budget?: ChallengeBudget) {
    this.#listeners = listeners;
    this.#stats = stats;
    this.timeWait = new TimeWaitTable(name, trace, stats, budget);
  }

  /** Live connections holding a tuple (half-open ones included). */
  get liveCount(): number {
    return this.#live.size;
  }

  /** An id for a new connection: never reused. */
  newId(): ConnId {
    return this.#nextId++;
  }

  get(id: ConnId): Entry | undefined {
    return this.#byId.get(id) ?? this.timeWait.byId(id);
  }

  /** The entry for a user call on `id`. Throws ERR_TCP_NOT_CONNECTED when there is none. */
  entry(id: ConnId): Entry {
    const e = this.get(id);
    if (!e) throw new UsageError('ERR_TCP_NOT_CONNECTED', `no connection ${String(id)}`);
    return e;
  }

  /** Is `e` still the entry under its id (not replaced or forgotten)? */
  holds(e: Entry): boolean {
    return e.kind === 'time-wait' ? this.timeWait.holds(e) : this.#byId.get(e.id) === e;
  }

  /** The live connection holding a tuple key. */
  live(key: string): LiveEntry | undefined {
    return this.#live.get(key);
  }

  /** Whatever holds a tuple key on the network: a live connection or a TIME-WAIT record. */
  atTuple(key: string): LiveEntry | TimeWaitEntry | undefined {
    return this.#live.get(key) ?? this.timeWait.get(key);
  }

  /** Is the tuple held, by a live connection or a TIME-WAIT record? */
  taken(key: string): boolean {
    return this.#live.has(key) || this.timeWait.has(key);
  }

  /** Does a connection still on the network use `port` locally, on `addr` (any address if undefined)? */
  usesPort(addr: string | undefined, port: number): boolean {
    for (const e of this.#byId.values()) {
      if (e.kind !== 'live') continue; // unread: not on the network any more (records are not here)
      if (e.localPort === port && (addr === undefined || e.localAddr === addr)) return true;
    }
    return this.timeWait.usesPort(addr, port);
  }

  /** Every entry, oldest first: the id map and the TIME-WAIT table merged by id. */
  *values(): IterableIterator<Entry> {
    const records = this.timeWait.values();
    let i = 0;
    for (const e of this.#byId.values()) {
      while (i < records.length && (records[i] as TimeWaitEntry).id < e.id) yield records[i++] as TimeWaitEntry;
      yield e;
    }
    while (i < records.length) yield records[i++] as TimeWaitEntry;
  }

  /** The earliest deadline of any entry, live or record. */
  nextDeadline(): Instant | undefined {
    const live = this.deadlines.next();
    const record = this.timeWait.nextExpiry();
    if (live === undefined) return record;
    return record === undefined || live <= record ? live : record;
  }

  /**
   * Every entry whose deadline is <= now, earliest first and by id at the same instant (as one heap
   * of both would give them), each with its deadline cleared (DeadlineHeap.takeDue, the TIME-WAIT
   * table's takeDue): one instant at a time, the two lists of that instant merged by id.
   */
  takeDue(now: Instant): Entry[] {
    const due: Entry[] = [];
    for (;;) {
      const t = this.nextDeadline();
      if (t === undefined || t > now) return due;
      const records = this.timeWait.takeDue(t);
      if (records.length === 0) {
        this.deadlines.takeDue(t, due); // nothing to merge: straight into `due`
        continue;
      }
      const live = this.deadlines.takeDue(t);
      let i = 0;
      for (let j = 0; j < live.length; j++) {
        const e = live[j] as Entry;
        while (i < records.length && (records[i] as TimeWaitEntry).id < e.id) due.push(records[i++] as TimeWaitEntry);
        due.push(e);
      }
      while (i < records.length) due.push(records[i++] as TimeWaitEntry);
    }
  }

  /** Retransmissions the live Connection objects have counted (stats adds the retired ones). */
  liveRetransmits(): number {
    let n = 0;
    for (const e of this.#byId.values()) if (e.kind === 'live') n += e.conn.info().retransmits;
    return n;
  }

  /** A new live connection, by id and tuple. */
  add(e: LiveEntry): void {
    this.#byId.set(e.id, e);
    this.#live.set(e.key, e);
  }

  /**
   * The record swap: a connection in TIME-WAIT with nothing left to read makes way for its record,
   * under the same id and tuple, which the TIME-WAIT table schedules at its expiry
   * (time-wait-table.ts). The live entry's items in the heap go stale. Sends nothing.
   */
  toTimeWait(e: LiveEntry): TimeWaitEntry {
    const rec = e.conn.timeWaitRecord();
    this.#retire(e);
    this.#live.delete(e.key);
    this.#byId.delete(e.id);
    e.deadline = undefined;
    return this.timeWait.enter(e, rec);
  }

  /**
   * A CLOSED connection with bytes unread: out of the tuple map (the network sees the tuple as
   * free) and off the heap, kept by id for read().
   */
  toUnread(e: LiveEntry): void {
    this.#retire(e);
    if (this.#live.get(e.key) === e) this.#live.delete(e.key);
    e.deadline = undefined;
    this.#byId.set(e.id, unreadEntry(e));
  }

  /** The connection is over for the endpoint: out of every map. */
  forget(e: Entry): void {
    if (e.kind === 'live' && this.#byId.get(e.id) === e) this.#retire(e);
    this.unlink(e);
  }

  /**
   * Takes the entry out of every map and its listener's SYN queue (its heap items go stale). A live
   * connection lets go of any out-of-order data it holds, so the host's count stays true.
   */
  unlink(e: Entry): void {
    if (this.#byId.get(e.id) === e) this.#byId.delete(e.id);
    if (e.kind === 'time-wait') this.timeWait.delete(e);
    else if (this.#live.get(e.key) === e) this.#live.delete(e.key);
    if (e.kind === 'live') {
      if (e.listener !== undefined) this.#listeners.get(e.listener)?.synQueue.delete(e.id);
      e.conn.releaseHeld();
    }
    e.deadline = undefined;
  }

  /** The live object is leaving the table: keep its retransmission count for stats. */
  #retire(e: LiveEntry): void {
    this.#stats.retire(e.conn.info().retransmits);
  }
}
