// Crash guard: a network fault never crashes the process. If handling a packet or a timeout
// throws (a bug in the core, never the peer's doing), the endpoint's handlePacket, handleDatagram
// and handleTimeout do not let it escape: the connection it reached is aborted (a RST when the peer
// may still hold it, 'error' ECONNABORTED, 'closed'), stats.internalErrors is counted and a 'drop'
// with reason 'internal-error' is traced. With `strict: true` (tests, the simulator) the endpoint
// rethrows instead, so bugs stay loud.
//
// As elsewhere, nothing here sends: the guard counts, traces, and returns what is owed (the RST,
// the user's events); the endpoint sends it and takes the entry out of its tables.

import { makeSegment, RST, type Segment } from '../wire/segment.js';
import { seqDiff } from '../wire/seq.js';
import type { Entry } from './entries.js';
import type { ConnEvent } from './events.js';
import { isSynchronized, TcpState } from './state.js';
import type { Counters } from './stats.js';
import type { Instant } from './time.js';
import { NO_TRACE, type TraceSink } from './trace.js';

/** What is owed for the entry that was being served when the core threw. */
export interface Wreckage {
  /** The RST to send (already traced), if the peer may still hold the connection. */
  rst: Segment | undefined;
  /** For the user (already traced): 'error' ECONNABORTED and 'closed', or nothing. */
  events: ConnEvent[];
}

export class CrashGuard {
  readonly #name: string;
  readonly #trace: TraceSink;
  readonly #tracing: boolean;
  readonly #stats: Counters;
  #lastError: unknown;

  /** `trace` is the user's sink (NO_TRACE for none); the drop is counted either way. */
  constructor(name: string, trace: TraceSink, stats: Counters) {
    this.#name = name;
    this.#trace = trace;
    this.#tracing = trace !== NO_TRACE;
    this.#stats = stats;
  }

  /** The last exception caught, for logs; undefined if none. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * The core threw `err` while serving a packet (`seg`) or a timeout: count and trace the fault,
   * then end `victim`, the entry that was being served, if any. The object may be in any state
   * after a throw, so we ask it only for its state and SND.NXT and do the rest ourselves: as RFC
   * 9293 §3.10.5 ABORT, a RST <SEQ=SND.NXT><CTL=RST> when the peer may still hold the connection
   * (SYN-RECEIVED or synchronized; not TIME-WAIT, whose peer is done), then 'error' ECONNABORTED
   * and 'closed' for a connection the user knows and has not been told of its close (`told`).
   * Unread bytes are not kept: they may be what broke it. The caller sends what is returned and
   * forgets the victim.
   */
  caught(victim: Entry | undefined, told: boolean, err: unknown, now: Instant, seg: Segment | undefined): Wreckage {
    this.#stats.internalErrors++;
    this.#lastError = err;
    const base = { t: now, endpoint: this.#name, conn: victim?.label ?? '' };
    this.#stats.drops['internal-error']++;
    const trace = this.#tracing ? this.#trace : undefined;
    trace?.(
      seg
        ? { ...base, type: 'drop', reason: 'internal-error', seg }
        : { ...base, type: 'drop', reason: 'internal-error' },
    );
    // An unread entry is CLOSED already, and its 'closed' was emitted.
    if (victim === undefined || victim.kind === 'unread') return { rst: undefined, events: [] };
    let state: TcpState = TcpState.TimeWait;
    let userKnows = true;
    let rst: Segment | undefined;
    if (victim.kind === 'live') {
      const conn = victim.conn;
      state = attempt(() => conn.state) ?? TcpState.Closed;
      userKnows = victim.listener === undefined;
      const info = attempt(() => conn.info());
      this.#stats.retire(info?.retransmits ?? 0);
      if (info && (state === TcpState.SynReceived || (isSynchronized(state) && state !== TcpState.TimeWait))) {
        rst = makeSegment({ srcPort: victim.local.port, dstPort: victim.remote.port, seq: info.sndNxt, flags: RST });
        trace?.({ ...base, type: 'send', seg: rst, relSeq: seqDiff(rst.seq, info.iss), relAck: 0 });
      }
    }
    if (state !== TcpState.Closed)
      trace?.({ ...base, type: 'state', from: state, to: TcpState.Closed, cause: 'internal error' });
    this.#stats.failed.ECONNABORTED++;
    const events: ConnEvent[] = [];
    if (userKnows && !told) {
      events.push({ type: 'error', code: 'ECONNABORTED' }, { type: 'closed' });
      for (const event of events) trace?.({ ...base, type: 'event', event });
    }
    return { rst, events };
  }
}

/** fn(), or undefined if it throws (for reading a Connection that has just thrown). */
function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
