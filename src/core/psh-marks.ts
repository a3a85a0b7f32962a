// PSH on retransmissions. Linux keeps a segment's flags on the queued skb, so a segment sent
// again carries the PSH it first went out with (tcp_retransmit_skb sends the same skb; only
// tcp_fragment moves PSH to the later part of a split). finack builds segments afresh from the
// send queue, so it remembers where each PSH segment ended (Tcb.pshMarks, above SND.UNA, in
// order) and sets PSH on a resent segment that reaches one of those ends. A segment that ends the
// data written so far always has PSH, and so does a resent one that ends there: its mark is made
// only when a later write puts more data behind it, so a connection that writes once and is
// answered makes none.

import { seqGt, seqLe } from '../wire/seq.js';
import type { Tcb } from './tcb.js';

/** Marks kept at most; past this the oldest go (a resend of those bytes then lacks PSH). */
const MAX_MARKS = 64;

/** A segment with PSH ending at `end` was sent (or the data written so far, sent, ends there). */
export function markPsh(tcb: Tcb, end: number): void {
  const marks = tcb.pshMarks;
  if (marks === undefined) {
    tcb.pshMarks = [end];
    return;
  }
  dropAcked(tcb, marks);
  if (marks.length >= MAX_MARKS) marks.shift();
  marks.push(end);
}

/** Did a segment first sent with PSH end inside (seq, end]? */
export function pshWithin(tcb: Tcb, seq: number, end: number): boolean {
  const marks = tcb.pshMarks;
  if (marks === undefined) return false;
  dropAcked(tcb, marks);
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i] as number;
    if (seqGt(m, end)) return false;
    if (seqGt(m, seq)) return true;
  }
  return false;
}

/** Drops the marks at or below SND.UNA (the peer has those bytes). */
function dropAcked(tcb: Tcb, marks: number[]): void {
  let n = 0;
  while (n < marks.length && seqLe(marks[n] as number, tcb.sndUna)) n++;
  if (n > 0) marks.splice(0, n);
}
