// connections(): the endpoint's table as `ss -tan` shows one, a row per listener and per
// connection the endpoint holds (live, TIME-WAIT record, or CLOSED and kept for its unread bytes).

import type { Connection } from './connection.js';
import type { ConnId, ListenerId } from './endpoint-types.js';
import type { Entry } from './entries.js';
import type { Listener } from './listener.js';
import { TcpState, type TcpStateName } from './state.js';
import type { Duration, Instant } from './time.js';
import type { TimerKind } from './timers.js';
import type { Address } from './tuple.js';

/** One line of connections(): what `ss -tan` shows. */
export interface ConnectionRow {
  state: TcpStateName;
  /** For a listener on every address, addr is '*'. */
  local: Address;
  /** null for a listener. */
  remote: Address | null;
  /** Bytes unacknowledged + unsent. For a listener: its backlog (as ss shows it). */
  sendQ: number;
  /** Bytes readable. For a listener: its half-open connections (SYN queue length). */
  recvQ: number;
  /**
   * Earliest armed timer and the time left until it fires (never negative); `count`, when not 0,
   * is the third number of ss's `timer:(on,1.2sec,3)`: retransmissions (retransmit), probes
   * (persist, keepalive) sent without an answer.
   */
  timer?: { kind: TimerKind; remaining: Duration; count?: number };
  /**
   * The application has closed the connection (close(), not shutdown()): Linux calls it an orphan,
   * ss shows it with no process and `ss -s` counts it as orphaned.
   */
  orphan?: true;
  conn?: ConnId;
  listener?: ListenerId;
}

export function listenerRow(l: Listener): ConnectionRow {
  return {
    state: TcpState.Listen,
    local: { addr: l.addr ?? '*', port: l.port },
    remote: null,
    sendQ: l.backlog,
    recvQ: l.synQueue.size,
    listener: l.id,
  };
}

/** The row of a connection at `now`; a record has nothing queued and its 2MSL timer running. */
export function entryRow(e: Entry, now: Instant): ConnectionRow {
  if (e.kind === 'time-wait') {
    return {
      state: TcpState.TimeWait,
      local: { ...e.local },
      remote: { ...e.remote },
      sendQ: 0,
      recvQ: 0,
      timer: { kind: 'time-wait', remaining: Math.max(0, e.rec.expires - now) },
      conn: e.id,
    };
  }
  const row: ConnectionRow = {
    state: e.conn.state,
    local: { ...e.local },
    remote: { ...e.remote },
    sendQ: e.conn.sendQueued,
    recvQ: e.conn.recvQueued,
    conn: e.id,
  };
  const t = e.conn.timers()[0];
  if (t) {
    row.timer = { kind: t.kind, remaining: Math.max(0, t.deadline - now) };
    const n = timerCount(e.conn, t.kind);
    if (n > 0) row.timer.count = n;
  }
  if (e.conn.orphaned) row.orphan = true;
  return row;
}

/** ss's count for a timer: retransmissions so far, or probes unanswered (0 for the others). */
function timerCount(c: Connection, kind: TimerKind): number {
  switch (kind) {
    case 'retransmit':
      return c.info().backoffs;
    case 'keepalive':
      return c.info().keepaliveProbes;
    case 'persist':
      return c.persistProbes;
    default:
      return 0;
  }
}
