// The user calls on one connection, as the Endpoint serves them (endpoint.ts), for each kind of
// entry the connection may be held as (entries.ts): live (the Connection does the work), a
// TIME-WAIT record (RFC 9293 answers for that state, without an object), or CLOSED with bytes
// unread (only read, close and abort mean something). The Endpoint checks the time and finds the
// entry; what a call does to the endpoint (outputs absorbed, records ended, orphans counted) goes
// through the CallContext it lends.

import { UsageError } from '../base/errors.js';
import type { Connection, Output } from './connection.js';
import { type EndpointOutput, emptyOutput } from './endpoint-types.js';
import type { Entry, EntryTable, LiveEntry, TimeWaitEntry } from './entries.js';
import { type HostLimiter, isOrphanState } from './host-limits.js';
import type { Counters } from './stats.js';
import type { Instant } from './time.js';
import type { TimeWaitEnd } from './time-wait-table.js';

/** What the calls need of the Endpoint. */
export interface CallContext {
  /** Takes one Output of a live connection into `out` (Endpoint #absorb). */
  absorb(e: LiveEntry, o: Output, out: EndpointOutput): void;
  /** Ends a TIME-WAIT record: 'closed' for the user (Endpoint #endTimeWait). */
  endTimeWait(tw: TimeWaitEntry, now: Instant, cause: TimeWaitEnd, out: EndpointOutput): void;
  entries: EntryTable;
  limiter: HostLimiter;
  stats: Counters;
}

export function send(
  ctx: CallContext,
  e: Entry,
  data: Uint8Array,
  now: Instant,
): EndpointOutput & { accepted: number } {
  // RFC 9293 §3.10.2: SEND in TIME-WAIT is an error ("connection closing"); once CLOSED the
  // connection does not exist for sending (only its unread bytes are left).
  if (e.kind === 'time-wait') throw new UsageError('ERR_TCP_CLOSING');
  if (e.kind === 'unread') throw new UsageError('ERR_TCP_NOT_CONNECTED');
  const o = e.conn.send(data, now);
  // Built in its final shape: a spread of an output into a new object costs a copy per call.
  const out: EndpointOutput & { accepted: number } = { packets: [], events: [], accepted: o.accepted };
  ctx.absorb(e, o, out);
  return out;
}

export function read(
  ctx: CallContext,
  e: Entry,
  now: Instant,
  max: number | undefined,
): EndpointOutput & { data: Uint8Array | null } {
  // A record only exists once everything received was read (see Endpoint #settle): nothing to
  // give. As the object does, reading after close() is an error.
  if (e.kind === 'time-wait') {
    if (e.userClosed) throw new UsageError('ERR_TCP_CLOSING', 'close() was called: no more reading');
    return { ...emptyOutput(), data: null };
  }
  if (e.kind === 'unread') {
    if (e.conn.recvQueued === 0) {
      ctx.entries.forget(e);
      return { ...emptyOutput(), data: null };
    }
    // CLOSED: the object sends nothing and reports nothing; only the bytes come back.
    return { ...emptyOutput(), data: e.conn.read(now, max).data };
  }
  const o = e.conn.read(now, max);
  const out: EndpointOutput & { data: Uint8Array | null } = { packets: [], events: [], data: o.data };
  ctx.absorb(e, o, out);
  return out;
}

export function shutdown(ctx: CallContext, e: Entry, now: Instant): EndpointOutput {
  // RFC 9293 §3.10.4: CLOSE (our half-close) in TIME-WAIT is an error ("connection closing").
  if (e.kind === 'time-wait') throw new UsageError('ERR_TCP_CLOSING');
  if (e.kind === 'unread') throw new UsageError('ERR_TCP_NOT_CONNECTED');
  const out = emptyOutput();
  ctx.absorb(e, e.conn.shutdown(now), out);
  return out;
}

export function close(ctx: CallContext, e: Entry, now: Instant): EndpointOutput {
  const out = emptyOutput();
  if (e.kind === 'time-wait') {
    // As the object in TIME-WAIT: close() after shutdown() only stops reading; twice is an error.
    if (e.userClosed) throw new UsageError('ERR_TCP_CLOSING');
    e.userClosed = true;
    return out;
  }
  if (e.kind === 'unread') {
    // Already closed ('closed' was emitted): the user is done with the bytes left. Forget them.
    ctx.entries.forget(e);
    return out;
  }
  const o = e.conn.close(now);
  e.userClosed = true;
  ctx.absorb(e, o, out);
  if (ctx.entries.holds(e) && isOrphanState(e.conn.state) && !ctx.limiter.orphan(e)) {
    // Too many orphans: reset this one now, after its FIN (Linux does the same past tcp_max_orphans).
    ctx.stats.limits.orphans++;
    e.aborted = true;
    ctx.absorb(e, e.conn.abort(now), out);
  }
  return out;
}

export function abort(ctx: CallContext, e: Entry, now: Instant): EndpointOutput {
  const out = emptyOutput();
  // RFC 9293 §3.10.5: ABORT in TIME-WAIT deletes the TCB without sending anything.
  if (e.kind === 'time-wait') ctx.endTimeWait(e, now, 'ABORT', out);
  else if (e.kind === 'unread') ctx.entries.forget(e);
  else {
    const o = e.conn.abort(now);
    e.aborted = true;
    ctx.absorb(e, o, out);
  }
  return out;
}

/** A call only a live connection takes (settings): a record or unread bytes ignore it. */
export function liveOnly(ctx: CallContext, e: Entry, call: (c: Connection) => Output): EndpointOutput {
  const out = emptyOutput();
  if (e.kind === 'live') ctx.absorb(e, call(e.conn), out);
  return out;
}
