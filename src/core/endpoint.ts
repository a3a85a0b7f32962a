// Endpoint: every connection of one host, demultiplexed by 4-tuple. Sans-IO like Connection: it
// takes packets, user calls and time, and returns packets to send and events.
//
// Input order for a packet (as lwIP's tcp_input does it):
//   1. a live Connection with the exact 4-tuple;
//   2. a TIME-WAIT record with that 4-tuple (the compact leftover of a connection, held and served
//      by the TIME-WAIT table, time-wait-table.ts);
//   3. a listener on (our address, port), then on (any address, port);
//   4. nothing: answer with a RST as RFC 9293 §3.10.7.1 says (never a RST to a RST).
// A packet whose destination is not one of our addresses is dropped first ('not-local').
//
// Where a connection lives over its life, and why bytes received outlive its TCB: entries.ts.
//
// A half-open connection belongs to its listener: the user has not seen its id, so its events are
// held back; it disappears quietly if it fails before the handshake completes (as in Linux). Its
// 'connected' event becomes { type: 'accept' } followed by the 'connected' conn event. There is no
// accept queue that can fill: the accept event hands the connection over at once (listener.ts).
//
// Addresses are opaque strings; IPv6 text is put in canonical form (tuple.ts), so any spelling of
// an address names the same socket.
//
// The parts, each in a file of its own:
//   entries.ts          the entry kinds (live, TIME-WAIT record, unread) and the table of them: by
//                       id, by tuple, and each move from one kind to another;
//   deadline-heap.ts    timers: every entry holds at most one deadline, the one it reported last;
//   time-wait-table.ts  the TIME-WAIT records: their answers, 2MSL, reuse of the tuple by a SYN;
//   listener-table.ts   listeners by (addr, port), their answers, the RST for segments to nothing;
//   stats.ts            counters, like `netstat -s`;
//   crash-guard.ts      a fault never crashes the process: an exception from the core aborts the
//                       connection it reached instead of escaping (unless `strict`);
//   connection-rows.ts  connections(), as `ss -tan` shows them; address-cache.ts, canonical text.
// The parts count, trace and return what is owed; only this file puts segments in an output, on
// one path (#transmit), as output.ts does for a Connection.

import { UsageError } from '../base/errors.js';
import { type DecodeOptions, decodePacket, type Packet } from '../wire/ip.js';
import { has, RST, type Segment } from '../wire/segment.js';
import { AddressCache } from './address-cache.js';
import { ChallengeBudget, DEFAULT_HOST_CHALLENGE_ACK_LIMIT } from './challenge-budget.js';
import { familyConfig, resolveConfig, type TcpConfig } from './config.js';
import { Connection, type ConnectionOptionName, type ConnectionOptionValues, type Output } from './connection.js';
import { type ConnectionRow, entryRow, listenerRow } from './connection-rows.js';
import { CrashGuard } from './crash-guard.js';
import type { DeadlineHeap } from './deadline-heap.js';
import type { CallContext } from './endpoint-calls.js';
import * as calls from './endpoint-calls.js';
import {
  type ConnId,
  type EndpointOptions,
  type EndpointOutput,
  emptyOutput,
  type KeepaliveOptions,
  type ListenerId,
} from './endpoint-types.js';
import { type Entry, EntryTable, LiveEntry } from './entries.js';
import { HostLimiter, isOrphanState } from './host-limits.js';
import { IsnGenerator } from './isn.js';
import type { Listener, ListenOptions } from './listener.js';
import { ListenerTable, listenerAnswer, resetFor, resetRelAck } from './listener-table.js';
import { checkPortRange, DEFAULT_EPHEMERAL_PORTS, pickEphemeralPort } from './ports.js';
import { TcpState } from './state.js';
import { Counters, type EndpointStats } from './stats.js';
import { cookieSynAck, returnedCookie } from './syn-cookie.js';
import type { TcbShared } from './tcb.js';
import type { Instant } from './time.js';
import type { TimeWaitRecord } from './time-wait.js';
import { reopenIss, type TimeWaitEnd, type TimeWaitEntry, type TimeWaitTable } from './time-wait-table.js';
import { type DropReason, NO_TRACE, type TraceSink, wireDropReason } from './trace.js';
import { type Address, checkedAddress, isPort, normalizeAddress, tupleKey, tupleLabel } from './tuple.js';

/** An IP-level packet as the endpoint sees it: addresses beside a decoded segment (wire/ip.ts). */
export type { Packet } from '../wire/ip.js';
export type { ConnectionRow } from './connection-rows.js';
export type {
  ConnId,
  EndpointEvent,
  EndpointOptions,
  EndpointOutput,
  KeepaliveOptions,
  ListenerId,
} from './endpoint-types.js';
export type { ListenOptions } from './listener.js';
export type { EndpointStats } from './stats.js';
export type { Address } from './tuple.js';

export class Endpoint {
  readonly name: string;
  readonly #addresses: string[];
  readonly #local: Set<string>;
  readonly #random: () => number;
  /** What every connection's TCB shares: trace sink, drop counters, challenge budget, name. */
  readonly #shared: TcbShared;
  /** What the endpoint may hold at once (EndpointOptions.limits), and its orphans. */
  readonly #limiter: HostLimiter;
  /**
   * The user's sink (NO_TRACE for none). Drops are counted straight into #stats.drops, by the
   * connections and by the endpoint's parts, so without a sink no trace event is built at all (the
   * hot path stays allocation-light).
   */
  readonly #trace: TraceSink;
  readonly #tracing: boolean;
  readonly #strict: boolean;
  readonly #isn: IsnGenerator;
  readonly #ports: readonly [number, number];
  readonly #partial: Partial<TcpConfig>;
  readonly #cfg: TcpConfig;

  readonly #listeners = new ListenerTable();
  readonly #addrs = new AddressCache();

  #now: Instant = Number.NEGATIVE_INFINITY;

  readonly #stats = new Counters();
  /** Every connection, by id and tuple (entries.ts); its TIME-WAIT records and deadline heap. */
  readonly #entries: EntryTable;
  readonly #timeWait: TimeWaitTable;
  readonly #deadlines: DeadlineHeap<Entry>;
  readonly #guard: CrashGuard;
  /** What the user calls of endpoint-calls.ts may do to the endpoint. */
  readonly #calls: CallContext;

  constructor(opts: EndpointOptions) {
    if (!Array.isArray(opts.addresses) || opts.addresses.length === 0) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', 'addresses must list at least one local address');
    }
    if (typeof opts.random !== 'function') throw new UsageError('ERR_INVALID_ARG_TYPE', 'random must be a function');
    this.name = opts.name;
    this.#addresses = opts.addresses.map(checkedAddress);
    this.#local = new Set(this.#addresses);
    this.#random = opts.random;
    this.#trace = opts.trace ?? NO_TRACE;
    this.#limiter = new HostLimiter(opts.limits, this.#stats.limits);
    const budget = opts.challengeAckHostLimit ?? DEFAULT_HOST_CHALLENGE_ACK_LIMIT;
    const challengeBudget = new ChallengeBudget(budget, (w) => this.#isn.challengeDraw(w));
    const reassembly = this.#limiter.reassembly;
    this.#shared = { trace: this.#trace, drops: this.#stats.drops, challengeBudget, reassembly, endpoint: this.name };
    this.#tracing = this.#trace !== NO_TRACE;
    this.#guard = new CrashGuard(this.name, this.#trace, this.#stats);
    this.#entries = new EntryTable(this.name, this.#trace, this.#stats, this.#listeners, challengeBudget);
    this.#timeWait = this.#entries.timeWait;
    this.#deadlines = this.#entries.deadlines;
    this.#strict = opts.strict === true;
    this.#isn = new IsnGenerator(opts.isnSecret);
    this.#ports = opts.ephemeralPorts ?? DEFAULT_EPHEMERAL_PORTS;
    checkPortRange(this.#ports);
    this.#partial = { ...opts.config };
    this.#cfg = resolveConfig(this.#partial);
    this.#calls = {
      absorb: (e, o, out) => this.#absorb(e, o, out),
      endTimeWait: (tw, now, cause, out) => this.#endTimeWait(tw, now, cause, out),
      entries: this.#entries,
      limiter: this.#limiter,
      stats: this.#stats,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Listeners

  /**
   * Passive open on (addr or every address, port). Port 0 picks a free port from the ephemeral
   * range (see listenerAddress()). Throws EADDRINUSE when an overlapping listener exists,
   * EADDRNOTAVAIL when addr is not ours or no port is free.
   */
  listen(local: { addr?: string; port: number }, opts: ListenOptions = {}): ListenerId {
    if (local.addr !== undefined && typeof local.addr !== 'string') {
      throw new UsageError('ERR_INVALID_ARG_TYPE', 'addr must be a string');
    }
    const addr = local.addr === undefined ? undefined : normalizeAddress(local.addr);
    if (addr !== undefined && !this.#local.has(addr)) throw new UsageError('EADDRNOTAVAIL', `${addr} is not local`);
    let port = local.port;
    if (port === 0) {
      const picked = pickEphemeralPort(
        this.#ports,
        this.#random,
        (p) => !this.#listeners.overlaps(addr, p) && !this.#entries.usesPort(addr, p),
      );
      if (picked === undefined) throw new UsageError('EADDRNOTAVAIL', 'no free port for listen()');
      port = picked;
    } else if (!isPort(port)) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', `port=${String(port)}`);
    }
    const cfg = opts.config ? resolveConfig({ ...this.#partial, ...opts.config }) : this.#cfg;
    return this.#listeners.add(addr, port, cfg, opts).id;
  }

  /** The (addr, port) a listener is bound to; addr '*' for every address. */
  listenerAddress(id: ListenerId): Address | undefined {
    const l = this.#listeners.get(id);
    return l && { addr: l.addr ?? '*', port: l.port };
  }

  /**
   * Stops accepting. Connections already handed out live on; half-open ones (SYN queue) are dropped
   * without a RST, as Linux drops its request sockets (user.forget): a late segment for one then
   * meets a closed port and is answered as such (RFC 9293 §3.10.7.1).
   */
  unlisten(id: ListenerId, now: Instant): EndpointOutput {
    this.#tick(now);
    const l = this.#listeners.remove(id);
    const out = emptyOutput();
    for (const cid of [...l.synQueue]) {
      const e = this.#entries.get(cid);
      if (e?.kind === 'live') this.#absorb(e, e.conn.forget(now, 'listener closed'), out);
    }
    l.synQueue.clear();
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Active open

  /**
   * Active open to `remote`. The local address defaults to the first of ours; the local port to an
   * ephemeral one whose 4-tuple is neither live nor in TIME-WAIT. We never reuse a tuple held by a
   * TIME-WAIT record for connect(), even where RFC 6191 would allow it with timestamps: the ranges
   * are large and the rule stays simple. Throws EADDRINUSE (explicit port whose tuple is taken, or
   * a port a listener holds), EADDRNOTAVAIL (address not ours, or no free ephemeral port).
   */
  connect(
    remote: Address,
    now: Instant,
    opts: { local?: { addr?: string; port?: number }; config?: Partial<TcpConfig> } = {},
  ): { conn: ConnId; out: EndpointOutput } {
    this.#tick(now);
    if (typeof remote?.addr !== 'string' || !isPort(remote.port)) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', `remote=${String(remote?.addr)}:${String(remote?.port)}`);
    }
    const raddr = normalizeAddress(remote.addr);
    const laddr = opts.local?.addr === undefined ? (this.#addresses[0] as string) : normalizeAddress(opts.local.addr);
    if (!this.#local.has(laddr)) throw new UsageError('EADDRNOTAVAIL', `${laddr} is not local`);
    const cfg = opts.config ? resolveConfig({ ...this.#partial, ...opts.config }) : this.#cfg;

    let lport = opts.local?.port ?? 0;
    if (lport !== 0) {
      if (!isPort(lport)) throw new UsageError('ERR_INVALID_ARG_VALUE', `local port=${String(lport)}`);
      if (this.#entries.taken(tupleKey(laddr, lport, raddr, remote.port)) || this.#listeners.for(laddr, lport)) {
        throw new UsageError('EADDRINUSE', `${laddr}:${lport}`);
      }
    } else {
      const picked = pickEphemeralPort(
        this.#ports,
        this.#random,
        (p) => !this.#entries.taken(tupleKey(laddr, p, raddr, remote.port)) && !this.#listeners.for(laddr, p),
      );
      if (picked === undefined) throw new UsageError('EADDRNOTAVAIL', `no free ephemeral port towards ${raddr}`);
      lport = picked;
    }

    const local: Address = { addr: laddr, port: lport };
    const rem: Address = { addr: raddr, port: remote.port };
    if (this.#entries.liveCount >= this.#limiter.limits.connections) {
      this.#stats.limits.connections++;
      throw new UsageError('ENOBUFS', `the host holds its limit of ${this.#limiter.limits.connections} connections`);
    }
    const e = this.#create(local, rem, cfg, this.#isn.isn(local, rem, now), undefined);
    this.#stats.activeOpens++;
    const out = emptyOutput();
    this.#absorb(e, e.conn.connect(now), out);
    return { conn: e.id, out };
  }

  // ---------------------------------------------------------------------------------------------
  // Network and time input

  /**
   * Raw IP bytes (IPv4 or IPv6 carrying TCP): decoded (wire/ip.ts, `opts` as decodePacket's), then
   * handled as handlePacket. What does not decode is dropped, counted and traced (wireDropReason).
   */
  handleDatagram(bytes: Uint8Array, now: Instant, opts?: DecodeOptions): EndpointOutput {
    this.#tick(now);
    if (!(bytes instanceof Uint8Array)) throw new UsageError('ERR_INVALID_ARG_TYPE', 'bytes must be a Uint8Array');
    let r: ReturnType<typeof decodePacket>;
    try {
      r = decodePacket(bytes, opts);
    } catch (err) {
      // decodePacket never throws by contract: if it does, that is our bug, not the sender's.
      if (this.#strict) throw err;
      const out = emptyOutput();
      this.#internalError(undefined, err, now, out, undefined);
      return out;
    }
    if (!r.ok) {
      this.#drop(now, '', wireDropReason(r.error.code), undefined);
      return emptyOutput();
    }
    return this.handlePacket(r.value, now);
  }

  /**
   * One inbound packet. Never throws on its content: what matches nothing is dropped or reset. An
   * exception from the core while handling it is caught (crash-guard.ts), unless strict.
   */
  handlePacket(pkt: Packet, now: Instant): EndpointOutput {
    this.#tick(now);
    const out = emptyOutput();
    this.#stats.segmentsReceived++;
    let key: string | undefined;
    try {
      const seg = pkt.seg;
      if (has(seg, RST)) this.#stats.rstsReceived++;
      const dst = this.#addrs.canonical(pkt.dst);
      if (!this.#local.has(dst)) {
        this.#drop(now, '', 'not-local', seg);
        return out;
      }
      const src = this.#addrs.canonical(pkt.src);
      if (!isPort(seg.srcPort) || !isPort(seg.dstPort)) {
        // Port 0 is reserved; such a segment can belong to no connection and deserves no answer.
        this.#drop(now, '', 'bad-header', seg);
        return out;
      }
      key = tupleKey(dst, seg.dstPort, src, seg.srcPort);
      const e = this.#entries.live(key);
      if (e !== undefined) {
        if (!this.#liveTimeWaitSyn(e, seg, now, out)) this.#absorb(e, e.conn.handleSegment(seg, now), out);
        return out;
      }
      const tw = this.#timeWait.find(dst, seg.dstPort, src, seg.srcPort);
      if (tw !== undefined) {
        this.#timeWaitSegment(tw, seg, now, out);
        return out;
      }
      // Only segments for no connection pay for these two objects; the lookups above allocate none.
      const local: Address = { addr: dst, port: seg.dstPort };
      const remote: Address = { addr: src, port: seg.srcPort };
      const l = this.#listeners.for(dst, seg.dstPort);
      if (l) this.#listenerSegment(l, local, remote, seg, now, out, undefined);
      else this.#noConnection(local, remote, seg, now, out);
    } catch (err) {
      if (this.#strict) throw err;
      // Whatever holds the tuple now was being served (a new half-open one, after a reopen).
      const victim = key === undefined ? undefined : this.#entries.atTuple(key);
      this.#internalError(victim, err, now, out, pkt?.seg);
    }
    return out;
  }

  /**
   * Serves every connection and record whose deadline is <= now. Early calls are harmless. An
   * exception while serving one entry aborts that entry only (crash-guard.ts), unless strict.
   */
  handleTimeout(now: Instant): EndpointOutput {
    this.#tick(now);
    const out = emptyOutput();
    // Collect first, then serve: a connection that reports a deadline <= now again is served on
    // the next call, not in a loop here.
    const due = this.#entries.takeDue(now);
    for (let i = 0; i < due.length; i++) {
      const e = due[i] as Entry;
      if (!this.#entries.holds(e)) continue; // replaced or removed while serving an earlier one
      try {
        this.#serveTimeout(e, now, out);
      } catch (err) {
        if (this.#strict) throw err;
        this.#internalError(this.#entries.get(e.id), err, now, out, undefined);
      }
    }
    return out;
  }

  #serveTimeout(e: Entry, now: Instant, out: EndpointOutput): void {
    if (e.kind === 'live') {
      const wasTimeWait = e.conn.state === TcpState.TimeWait;
      this.#absorb(e, e.conn.handleTimeout(now), out);
      if (wasTimeWait && e.conn.state === TcpState.Closed) this.#stats.timeWait.expired++;
    } else if (e.kind === 'time-wait') {
      if (this.#timeWait.expired(e, now)) this.#endTimeWait(e, now, '2MSL timeout', out);
    }
  }

  /** The earliest deadline over every connection and TIME-WAIT record. */
  nextDeadline(): Instant | undefined {
    return this.#entries.nextDeadline();
  }

  // ---------------------------------------------------------------------------------------------
  // User calls on one connection: what each does for each kind of entry is in endpoint-calls.ts.

  send(conn: ConnId, data: Uint8Array, now: Instant): EndpointOutput & { accepted: number } {
    this.#tick(now);
    return calls.send(this.#calls, this.#entries.entry(conn), data, now);
  }

  /**
   * Bytes received in order (at most `max`), or null when none are buffered now. After 'closed',
   * bytes still unread stay readable; the read that finds none left returns null and the endpoint
   * forgets the connection (later calls throw ERR_TCP_NOT_CONNECTED).
   */
  read(conn: ConnId, now: Instant, max?: number): EndpointOutput & { data: Uint8Array | null } {
    this.#tick(now);
    return calls.read(this.#calls, this.#entries.entry(conn), now, max);
  }

  shutdown(conn: ConnId, now: Instant): EndpointOutput {
    this.#tick(now);
    return calls.shutdown(this.#calls, this.#entries.entry(conn), now);
  }

  /** CLOSE; past the orphan limit (HostLimits.orphans) the connection is reset after its FIN. */
  close(conn: ConnId, now: Instant): EndpointOutput {
    this.#tick(now);
    return calls.close(this.#calls, this.#entries.entry(conn), now);
  }

  abort(conn: ConnId, now: Instant): EndpointOutput {
    this.#tick(now);
    return calls.abort(this.#calls, this.#entries.entry(conn), now);
  }

  setKeepalive(conn: ConnId, enable: boolean, opts: KeepaliveOptions | undefined, now: Instant): EndpointOutput {
    this.#tick(now);
    return calls.liveOnly(this.#calls, this.#entries.entry(conn), (c) => c.setKeepalive(enable, opts, now));
  }

  /**
   * A per-connection setting changed after creation (Connection.setOption: userTimeout,
   * finWait2Timeout, keepalive*, nagle, ...). Its output is sent and the connection's deadline
   * re-read. Throws UsageError for an unknown name or a bad value, and ERR_TCP_NOT_CONNECTED when the
   * connection is gone; a connection held only as a TIME-WAIT record or for unread data ignores it.
   */
  setOption<K extends ConnectionOptionName>(
    conn: ConnId,
    name: K,
    value: ConnectionOptionValues[K],
    now: Instant,
  ): EndpointOutput {
    this.#tick(now);
    return calls.liveOnly(this.#calls, this.#entries.entry(conn), (c) => c.setOption(name, value, now));
  }

  setNoDelay(conn: ConnId, noDelay: boolean): void {
    const e = this.#entries.entry(conn);
    if (e.kind === 'live') e.conn.setNoDelay(noDelay);
  }

  // ---------------------------------------------------------------------------------------------
  // Inspection

  /**
   * The Connection object while the endpoint holds one: live, in TIME-WAIT with bytes unread, or
   * CLOSED with bytes unread. undefined once only a TIME-WAIT record is left, or once forgotten.
   */
  connection(conn: ConnId): Connection | undefined {
    const e = this.#entries.get(conn);
    return e === undefined || e.kind === 'time-wait' ? undefined : e.conn;
  }

  /** Both ends of a connection the endpoint still holds (live, TIME-WAIT record or unread). */
  addresses(conn: ConnId): { local: Address; remote: Address } | undefined {
    const e = this.#entries.get(conn);
    return e && { local: { ...e.local }, remote: { ...e.remote } };
  }

  /** A snapshot of the counters (see EndpointStats). O(live connections): retransmissions are summed. */
  get stats(): EndpointStats {
    return this.#stats.snapshot(this.#entries.liveRetransmits(), this.#limiter.reassembly.held);
  }

  /** The last exception the crash guard caught (non-strict mode), for logs; undefined if none. */
  get lastInternalError(): unknown {
    return this.#guard.lastError;
  }

  /**
   * Like `ss -tan`: listeners, then connections in the order they were made: live ones, TIME-WAIT
   * records, and CLOSED ones kept for their unread bytes (Recv-Q).
   */
  connections(now: Instant): ConnectionRow[] {
    const rows: ConnectionRow[] = [];
    for (const l of this.#listeners.values()) rows.push(listenerRow(l));
    for (const e of this.#entries.values()) rows.push(entryRow(e, now));
    return rows;
  }

  // ---------------------------------------------------------------------------------------------
  // Demultiplexing steps

  /** RFC 9293 §3.10.7.2: a segment for a listener without a connection of its own. */
  #listenerSegment(
    l: Listener,
    local: Address,
    remote: Address,
    seg: Segment,
    now: Instant,
    out: EndpointOutput,
    issFloor: number | undefined,
  ): void {
    const label = tupleLabel(local, remote);
    const answer = listenerAnswer(l, seg);
    if (answer === 'cookie') {
      this.#sendCookie(l, local, remote, seg, now, label, out);
      return;
    }
    if (answer === 'reset' && this.#cookieReturned(l, local, remote, seg, now, out)) return;
    if (answer !== 'open') {
      if (answer === 'reset') this.#reset(local, remote, seg, now, label, out);
      this.#drop(now, label, answer === 'reset' ? 'listen-bad' : answer, seg);
      return;
    }
    if (this.#atConnectionLimit(now, label, seg)) return;
    let iss = this.#isn.isn(local, remote, now);
    if (issFloor !== undefined) iss = reopenIss(iss, issFloor);
    const e = this.#create(local, remote, l.config, iss, l.id);
    l.synQueue.add(e.id);
    this.#stats.passiveOpens++;
    const opened = e.conn.listen(now);
    const answered = e.conn.handleSegment(seg, now);
    this.#absorb(e, concatOutput(opened, answered), out);
  }

  /** The SYN queue is full: answer the SYN with a SYN cookie and keep nothing (syn-cookie.ts). */
  #sendCookie(
    l: Listener,
    local: Address,
    remote: Address,
    seg: Segment,
    now: Instant,
    label: string,
    out: EndpointOutput,
  ): void {
    const scratch = {
      tsOffset: this.#isn.tsOffset(local, remote),
      drops: this.#stats.drops,
      endpoint: this.name,
      label,
    };
    for (const synAck of cookieSynAck(this.#isn, familyConfig(l.config, local), local, remote, seg, now, scratch)) {
      this.#transmit(local, remote, synAck, out);
      if (this.#tracing)
        this.#trace({ t: now, endpoint: this.name, conn: label, type: 'send', seg: synAck, relSeq: 0, relAck: 1 });
    }
    l.cookieSentAt = now;
    this.#stats.synCookies.sent++;
  }

  /**
   * An ACK at a listener: if it brings back one of the listener's SYN cookies, the connection is
   * made now, ESTABLISHED, and handed over like any completed handshake. False when it does not
   * (the caller then resets it, as for any stray ACK).
   */
  #cookieReturned(
    l: Listener,
    local: Address,
    remote: Address,
    seg: Segment,
    now: Instant,
    out: EndpointOutput,
  ): boolean {
    const back = returnedCookie(this.#isn, l.cookieSentAt, local, remote, seg, now);
    if (back === undefined) return false;
    if (back === 'bad') {
      this.#stats.synCookies.invalid++;
      return false;
    }
    this.#stats.synCookies.valid++;
    if (this.#atConnectionLimit(now, tupleLabel(local, remote), seg)) return true;
    this.#stats.passiveOpens++;
    const e = this.#create(local, remote, l.config, back.iss, l.id);
    this.#absorb(e, e.conn.openFromCookie(back.syn, seg, now), out);
    return true;
  }

  /** RFC 9293 §3.10.7.1: nothing here. Answer with a RST unless the segment is one. */
  #noConnection(local: Address, remote: Address, seg: Segment, now: Instant, out: EndpointOutput): void {
    const label = tupleLabel(local, remote);
    if (has(seg, RST)) {
      this.#drop(now, label, 'rst-to-nothing', seg);
      return;
    }
    this.#reset(local, remote, seg, now, label, out);
    this.#drop(now, label, 'no-connection', seg);
  }

  /** The RST for `seg`, which met nothing that could take it (listener-table.ts). */
  #reset(local: Address, remote: Address, seg: Segment, now: Instant, label: string, out: EndpointOutput): void {
    const rst = resetFor(seg);
    this.#transmit(local, remote, rst, out);
    if (!this.#tracing) return;
    const relAck = resetRelAck(rst, seg);
    this.#trace({ t: now, endpoint: this.name, conn: label, type: 'send', seg: rst, relSeq: rst.seq, relAck });
  }

  // ---------------------------------------------------------------------------------------------
  // TIME-WAIT: the table decides and traces (time-wait-table.ts); here its answers are sent, records
  // ended and SYNs handed to listeners.

  /** A segment for a TIME-WAIT record. */
  #timeWaitSegment(tw: TimeWaitEntry, seg: Segment, now: Instant, out: EndpointOutput): void {
    const owed = this.#timeWait.segment(tw, seg, now);
    if (owed === undefined) return;
    if (owed === 'close') {
      this.#endTimeWait(tw, now, 'RST in TIME-WAIT', out);
    } else if (owed === 'reopen') {
      const l = this.#reopenListener(tw, tw.rec, seg, now, out);
      if (!l) return;
      this.#timeWait.reused(tw, seg, now);
      this.#endTimeWait(tw, now, 'SYN reuses the tuple', out);
      this.#listenerSegment(l, tw.local, tw.remote, seg, now, out, tw.rec.sndNxt);
    } else {
      this.#transmit(tw.local, tw.remote, owed, out);
    }
  }

  /**
   * A SYN that may reopen a tuple whose TIME-WAIT the Connection object still holds (see
   * TimeWaitTable.reopeningSyn). Returns false when the segment is not such a SYN.
   */
  #liveTimeWaitSyn(e: LiveEntry, seg: Segment, now: Instant, out: EndpointOutput): boolean {
    const rec = this.#timeWait.reopeningSyn(e.conn, e.cfg, seg, now);
    if (rec === undefined) return false;
    const l = this.#reopenListener(e, rec, seg, now, out);
    if (l) {
      this.#stats.timeWait.reused++;
      this.#absorb(e, e.conn.handleSegment(seg, now), out);
      this.#listenerSegment(l, e.local, e.remote, seg, now, out, rec.sndNxt);
    }
    return true;
  }

  /**
   * The listener that will take a SYN reusing a tuple in TIME-WAIT, or undefined when there is none
   * with room: TIME-WAIT then stays, and what the table owes instead is sent (refuseSyn).
   */
  #reopenListener(
    at: LiveEntry | TimeWaitEntry,
    rec: TimeWaitRecord,
    seg: Segment,
    now: Instant,
    out: EndpointOutput,
  ): Listener | undefined {
    const l = this.#listeners.for(at.local.addr, at.local.port);
    if (l && !l.synQueueFull) return l;
    // The object was not given the SYN, so it has not traced it; a record has (segment()).
    const ack = this.#timeWait.refuseSyn(at.label, rec, l !== undefined, seg, now, at.kind === 'live');
    if (ack) this.#transmit(at.local, at.remote, ack, out);
    return undefined;
  }

  /** The record's connection is over: 'closed' for the user, and the endpoint forgets it. */
  #endTimeWait(tw: TimeWaitEntry, now: Instant, cause: TimeWaitEnd, out: EndpointOutput): void {
    const closed = this.#timeWait.end(tw, now, cause);
    this.#entries.forget(tw);
    out.events.push({ type: 'conn', conn: tw.id, event: closed });
  }

  // ---------------------------------------------------------------------------------------------
  // Live connections: creation, and what each of their outputs does to the endpoint

  #create(local: Address, remote: Address, cfg: TcpConfig, iss: number, listener: ListenerId | undefined): LiveEntry {
    const conn = new Connection({
      localPort: local.port,
      // A passive connection starts in LISTEN with no remote port; the SYN supplies it.
      remotePort: listener === undefined ? remote.port : 0,
      iss,
      tsOffset: this.#isn.tsOffset(local, remote),
      config: familyConfig(cfg, local),
      shared: this.#shared,
      // Only traces read a TCB's label: without a sink, no string is made per connection.
      label: this.#tracing ? tupleLabel(local, remote) : undefined,
    });
    const e = new LiveEntry(this.#entries.newId(), local, remote, conn, listener);
    this.#entries.add(e);
    return e;
  }

  /**
   * Takes one Output of a live connection into `out`: segments become packets, events are passed
   * on (or held back while half-open), and the entry's table position and deadline are updated.
   */
  #absorb(e: LiveEntry, o: Output, out: EndpointOutput): void {
    for (const seg of o.segments) this.#send(e.localAddr, e.remoteAddr, seg, out);
    let closed = false;
    for (const event of o.events) {
      if (event.type === 'closed') closed = true;
      else this.#stats.connEvent(event);
      if (e.listener !== undefined) {
        // Half-open: the user has not seen this id. The handshake's completion hands it over.
        if (event.type !== 'connected') continue;
        this.#accepted(e, out);
      }
      out.events.push({ type: 'conn', conn: e.id, event });
    }
    this.#settle(e, closed, out);
  }

  /** The one output path: every segment the endpoint sends is put in `out` here, and counted. */
  #transmit(local: Address, remote: Address, seg: Segment, out: EndpointOutput): void {
    this.#send(local.addr, remote.addr, seg, out);
  }

  #send(src: string, dst: string, seg: Segment, out: EndpointOutput): void {
    out.packets.push({ src, dst, seg });
    this.#stats.sent(seg);
  }

  #accepted(e: LiveEntry, out: EndpointOutput): void {
    const lid = e.listener as ListenerId;
    this.#listeners.get(lid)?.synQueue.delete(e.id);
    e.listener = undefined;
    this.#stats.accepted++;
    out.events.push({ type: 'accept', listener: lid, conn: e.id, local: { ...e.local }, remote: { ...e.remote } });
  }

  #settle(e: LiveEntry, closed: boolean, out: EndpointOutput): void {
    const state = e.conn.state;
    const halfOpen = e.listener !== undefined;
    if (e.orphan && (closed || !isOrphanState(state))) this.#limiter.release(e);
    if (closed || state === TcpState.Closed || (halfOpen && state === TcpState.Listen)) {
      // A connection the user knows must end with 'closed'; the Connection emits it, but if it
      // ever reaches CLOSED silently we still tell the user once.
      if (!closed && !halfOpen) out.events.push({ type: 'conn', conn: e.id, event: { type: 'closed' } });
      // Bytes the user has not read outlive the TCB (see "Unread data" at the top).
      if (!halfOpen && !e.aborted && state === TcpState.Closed && e.conn.recvQueued > 0) this.#entries.toUnread(e);
      else this.#entries.forget(e);
      return;
    }
    // Swap the object for its record once nothing is left for the user to read (unread data stays
    // readable from the object until then; its own TIME-WAIT timer runs meanwhile).
    if (state === TcpState.TimeWait && e.conn.recvQueued === 0) {
      this.#makeRoomForTimeWait(out);
      const tw = this.#entries.toTimeWait(e);
      // With a limit of 0 records, none is kept: the connection ends here, as if 2MSL had passed.
      if (this.#timeWait.size > this.#limiter.limits.timeWait) {
        this.#stats.limits.timeWait++;
        this.#endTimeWait(tw, this.#now, 'reclaimed', out);
      }
      return;
    }
    this.#deadlines.schedule(e, e.conn.nextDeadline());
  }

  // ---------------------------------------------------------------------------------------------
  // Crash guard

  /**
   * The core threw while serving a packet or a timeout (non-strict mode): the guard counts and
   * traces it; the RST and events it owes for `victim` are sent here, and the victim forgotten.
   */
  #internalError(
    victim: Entry | undefined,
    err: unknown,
    now: Instant,
    out: EndpointOutput,
    seg: Segment | undefined,
  ): void {
    const told =
      victim !== undefined &&
      out.events.some((ev) => ev.type === 'conn' && ev.conn === victim.id && ev.event.type === 'closed');
    const owed = this.#guard.caught(victim, told, err, now, seg);
    if (victim === undefined) return;
    if (owed.rst) this.#transmit(victim.local, victim.remote, owed.rst, out);
    for (const event of owed.events) out.events.push({ type: 'conn', conn: victim.id, event });
    if (victim.kind === 'live') this.#limiter.release(victim);
    this.#entries.unlink(victim);
  }

  // ---------------------------------------------------------------------------------------------
  // Host limits (HostLimits)

  /** At the limit of live connections: count it, drop `seg` ('connection-limit') and say so. */
  #atConnectionLimit(now: Instant, label: string, seg: Segment): boolean {
    if (this.#entries.liveCount < this.#limiter.limits.connections) return false;
    this.#stats.limits.connections++;
    this.#drop(now, label, 'connection-limit', seg);
    return true;
  }

  /** Before a record joins a full TIME-WAIT table, the one that expires first is ended early. */
  #makeRoomForTimeWait(out: EndpointOutput): void {
    if (this.#timeWait.size < this.#limiter.limits.timeWait) return;
    const oldest = this.#timeWait.oldest();
    if (oldest === undefined) return;
    this.#stats.limits.timeWait++;
    this.#endTimeWait(oldest, this.#now, 'reclaimed', out);
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  #tick(now: Instant): void {
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new UsageError('ERR_INVALID_ARG_TYPE', 'now must be a finite number');
    }
    if (now < this.#now) throw new UsageError('ERR_TCP_TIME_BACKWARDS', `${now} < ${this.#now}`);
    this.#now = now;
  }

  /** A drop of the endpoint's own: counted, and traced when there is a sink. */
  #drop(now: Instant, label: string, reason: DropReason, seg: Segment | undefined): void {
    this.#stats.drops[reason]++;
    if (!this.#tracing) return;
    const base = { t: now, endpoint: this.name, conn: label };
    this.#trace(seg ? { ...base, type: 'drop', reason, seg } : { ...base, type: 'drop', reason });
  }
}

function concatOutput(a: Output, b: Output): Output {
  return { segments: [...a.segments, ...b.segments], events: [...a.events, ...b.events] };
}
