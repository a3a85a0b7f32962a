// Trace events as plain JSON values (for `finack demo --format json` and other tools).
// Shapes:
//   { t, endpoint, type: 'state', from, to, cause }
//   { t, endpoint, type: 'send' | 'recv' | 'drop', seg: { flags, seq, ack, relSeq, relAck, len, win } }   (+ reason on drops)
//   { t, endpoint, type: 'timer', timer, action }                                                   (+ deadline when armed)
// t is ms of virtual time; states are spelled as in the RFC ('FIN-WAIT-1'); len is SEG.LEN (SYN and FIN count).
// ConnEvents ('event' trace entries) are not part of this format.

import type { TcpStateName } from '../core/state.js';
import type { TimerKind } from '../core/timers.js';
import { flagNames, segLen } from '../wire/segment.js';
import type { SegmentView, TraceEvent } from './events.js';
import { RelativeNumbers } from './ladder.js';

export interface JsonSegment {
  flags: string[];
  seq: number;
  ack: number;
  relSeq: number;
  relAck: number;
  len: number;
  win: number;
}

export type JsonTraceEvent =
  | { t: number; endpoint: string; type: 'state'; from: TcpStateName; to: TcpStateName; cause: string }
  | { t: number; endpoint: string; type: 'send' | 'recv'; seg: JsonSegment }
  | { t: number; endpoint: string; type: 'drop'; seg?: JsonSegment; reason: string }
  | {
      t: number;
      endpoint: string;
      type: 'timer';
      timer: TimerKind;
      action: 'armed' | 'fired' | 'cancelled';
      deadline?: number;
    };

export interface JsonTraceDocument {
  scenario: string;
  mslMs: number;
  events: JsonTraceEvent[];
  [extra: string]: unknown;
}

export function jsonSegment(v: SegmentView): JsonSegment {
  const s = v.seg;
  return {
    flags: flagNames(s.flags),
    seq: s.seq,
    ack: s.ack,
    relSeq: v.relSeq,
    relAck: v.relAck,
    len: segLen(s),
    win: s.wnd,
  };
}

/**
 * One event as JSON, or undefined for kinds the format leaves out ('event'). `origin` is subtracted
 * from t. `rel` fills in relative numbers the event could not give (share one across a trace).
 */
export function jsonEvent(e: TraceEvent, origin = 0, rel = new RelativeNumbers()): JsonTraceEvent | undefined {
  const t = e.t - origin;
  switch (e.type) {
    case 'state':
      return { t, endpoint: e.endpoint, type: 'state', from: e.from, to: e.to, cause: e.cause };
    case 'send':
    case 'recv':
      return { t, endpoint: e.endpoint, type: e.type, seg: jsonSegment(rel.view(e)) };
    case 'drop': {
      const seg = e.seg ? jsonSegment(rel.view({ ...e, seg: e.seg })) : undefined;
      return { t, endpoint: e.endpoint, type: 'drop', ...(seg ? { seg } : {}), reason: e.reason };
    }
    case 'timer':
      return {
        t,
        endpoint: e.endpoint,
        type: 'timer',
        timer: e.timer,
        action: e.action,
        ...(e.deadline !== undefined ? { deadline: e.deadline - origin } : {}),
      };
    case 'event':
      return undefined;
  }
}

export function jsonEvents(events: readonly TraceEvent[], origin = 0): JsonTraceEvent[] {
  const out: JsonTraceEvent[] = [];
  const rel = new RelativeNumbers();
  for (const e of events) {
    const j = jsonEvent(e, origin, rel);
    if (j) out.push(j);
  }
  return out;
}

/** The document `finack demo --format json` prints: `{ scenario, mslMs, events, ...extra }`. */
export function traceDocument(
  scenario: string,
  mslMs: number,
  events: readonly TraceEvent[],
  extra: Record<string, unknown> = {},
): JsonTraceDocument {
  return { scenario, mslMs, events: jsonEvents(events), ...extra };
}
