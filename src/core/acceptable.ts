// The acceptability tests of SEGMENT ARRIVES: whether a segment falls in the receive window (RFC 9293
// §3.10.7.4 first) and whether its ACK field is new, too new or too old to be the peer's (fifth;
// RFC 5961 §5). Pure predicates over the TCB; arrive.ts and timestamps.ts decide what follows.

import { type Segment, segLen } from '../wire/segment.js';
import { seqAdd, seqGt, seqInWindow, seqLt } from '../wire/seq.js';
import type { Tcb } from './tcb.js';

/** The four cases of RFC 9293 §3.10.7.4 (first): does any of the segment fall in the window? */
export function acceptable(tcb: Tcb, seg: Segment): boolean {
  const len = segLen(seg);
  const wnd = tcb.rcvWnd;
  if (len === 0 && wnd === 0) return seg.seq === tcb.rcvNxt;
  if (len === 0) return seqInWindow(seg.seq, tcb.rcvNxt, wnd);
  if (wnd === 0) return false;
  return seqInWindow(seg.seq, tcb.rcvNxt, wnd) || seqInWindow(seqAdd(seg.seq, len - 1), tcb.rcvNxt, wnd);
}

/** Acknowledges something not yet sent (above SND.MAX; see tcb.ts on go-back-N). */
export function ackIsTooNew(tcb: Tcb, ack: number): boolean {
  return seqGt(ack, tcb.sndMax);
}

/** Acknowledges something new: SND.UNA < SEG.ACK. */
export function ackIsNew(tcb: Tcb, ack: number): boolean {
  return seqGt(ack, tcb.sndUna);
}

/** RFC 5961 §5: an ACK older than SND.UNA - MAX.SND.WND cannot be from this connection. */
export function ackIsTooOld(tcb: Tcb, ack: number): boolean {
  return seqLt(ack, seqAdd(tcb.sndUna, -tcb.maxSndWnd));
}
