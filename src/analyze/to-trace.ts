// One analyzed connection as trace events, so the ladder, SVG and HTML renderers draw a capture as
// they draw a simulated run: a 'send' per captured segment (endpoint 'client' or 'server', the
// sender's tuple label, seq/ack relative to each side's ISN), a 'recv' of it at the same capture
// time (where the states place receipts: a capture point cannot see when a segment arrived), the
// inferred 'state' changes, and the TIME-WAIT 2MSL timer as 'timer' events.

import type { TcpStateName } from '../core/state.js';
import type { Instant } from '../core/time.js';
import type { TraceEvent } from '../trace/events.js';
import { ACK } from '../wire/segment.js';
import type { ConnectionReport, Side } from './report.js';

interface Keyed {
  t: number;
  pos: number;
  sub: number;
  n: number;
  ev: TraceEvent;
}

/** The connection's 4-tuple label from `side`'s point of view: 'a.b.c.d:p>e.f.g.h:q'. */
export function connLabel(c: Pick<ConnectionReport, 'client' | 'server'>, side: Side): string {
  return side === 'client' ? `${c.client}>${c.server}` : `${c.server}>${c.client}`;
}

export interface ConnectionTraceOptions {
  /** Capture time that becomes t = 0 (default: the connection's first packet; 0 keeps capture time). */
  origin?: number;
}

/**
 * The kept segments and inferred states of one connection as TraceEvent[], in time order, t in ms
 * since `origin`. Without kept segments (AnalyzeOptions.keepSegments did not choose the connection)
 * only the states are there.
 */
export function connectionTrace(c: ConnectionReport, opts: ConnectionTraceOptions = {}): TraceEvent[] {
  const out: Keyed[] = [];
  let n = 0;
  const add = (t: number, pos: number, sub: number, ev: TraceEvent): void => {
    out.push({ t, pos, sub, n: n++, ev });
  };
  const origin = opts.origin ?? c.first;
  const at = (t: number): Instant => (t - origin) as Instant;
  const d = c.detail;
  if (d) {
    for (const k of d.segments) {
      const to: Side = k.from === 'client' ? 'server' : 'client';
      const relSeq = (k.seg.seq - d.base[k.from]) >>> 0;
      const relAck = k.seg.flags & ACK ? (k.seg.ack - d.base[to]) >>> 0 : 0;
      const view = { seg: k.seg, relSeq, relAck };
      add(k.t, k.pos, 0, { type: 'send', t: at(k.t), endpoint: k.from, conn: connLabel(c, k.from), ...view });
      add(k.t, k.pos, 0.5, { type: 'recv', t: at(k.t), endpoint: to, conn: connLabel(c, to), ...view });
    }
    for (const tr of d.transitions) {
      const conn = connLabel(c, tr.side);
      if (tr.from === tr.to) continue; // a TIME-WAIT restart: a timer event below
      add(tr.t, tr.pos, tr.sub, {
        type: 'state',
        t: at(tr.t),
        endpoint: tr.side,
        conn,
        from: tr.from,
        to: tr.to,
        cause: tr.cause,
      });
    }
    for (const tw of d.timeWait) {
      const conn = connLabel(c, tw.side);
      const entry = d.transitions.find((x) => x.side === tw.side && x.to === 'TIME-WAIT');
      const pos = entry?.pos ?? 0;
      const msl2 = tw.ends - (tw.restarts.at(-1) ?? tw.entered);
      const timer = (t: number, p: number, sub: number, action: 'armed' | 'fired', deadline: number): void =>
        add(t, p, sub, {
          type: 'timer',
          t: at(t),
          endpoint: tw.side,
          conn,
          timer: 'time-wait',
          action,
          deadline: at(deadline),
        });
      timer(tw.entered, pos, (entry?.sub ?? 1) + 0.1, 'armed', tw.entered + msl2);
      const restartPos = d.transitions.filter(
        (x) => x.side === tw.side && x.from === 'TIME-WAIT' && x.to === 'TIME-WAIT',
      );
      for (const [i, r] of tw.restarts.entries()) timer(r, restartPos[i]?.pos ?? pos, 1.1, 'armed', r + msl2);
      const closed = d.transitions.find((x) => x.side === tw.side && x.from === 'TIME-WAIT' && x.to === 'CLOSED');
      if (closed) timer(tw.ends, closed.pos, closed.sub - 0.1, 'fired', tw.ends);
    }
  } else {
    for (const side of ['client', 'server'] as const) {
      const conn = connLabel(c, side);
      let from: TcpStateName = 'CLOSED';
      for (const p of c.states[side]) {
        add(p.t, 0, 1, {
          type: 'state',
          t: at(p.t),
          endpoint: side,
          conn,
          from,
          to: p.state,
          cause: 'inferred',
        });
        from = p.state;
      }
    }
  }
  out.sort((a, b) => a.t - b.t || a.pos - b.pos || a.sub - b.sub || a.n - b.n);
  return out.map((k) => k.ev);
}
