// The timestamp rules of RFC 7323 on the receive path: PAWS (§5.3), which drops old duplicates by
// their TSval, and when TS.Recent, the TSval we echo and compare against, may move (§4.3). Moving
// TS.Recent is the one thing a blind attacker wants from a forged segment (a TS.Recent far ahead
// makes PAWS drop every genuine segment), so it moves only for segments that cover Last.ACK.sent
// and whose ACK field is plausible.

import { ACK, FIN, has, RST, type Segment, SYN, segLen } from '../wire/segment.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/seq.js';
import { ackIsTooNew, ackIsTooOld } from './acceptable.js';
import type { Tcb } from './tcb.js';

/**
 * RFC 7323 §5.3 (PAWS): with timestamps in use, a non-RST segment whose TSval is older than
 * TS.Recent is an old duplicate: ACK and drop.
 */
export function checkPaws(tcb: Tcb, seg: Segment): 'continue' | 'stop' {
  const ts = seg.options.ts;
  if (!tcb.tsOk || ts === undefined || has(seg, RST)) return 'continue';
  if (seqLt(ts.val, tcb.tsRecent)) {
    if (isDisorderedAck(tcb, seg, ts.val)) return 'continue';
    tcb.ackUnacceptable(seg, 'paws');
    return 'stop';
  }
  return 'continue';
}

/**
 * A pure ACK that fails PAWS only because the network reordered it behind a later segment (Linux
 * tcp_disordered_ack): it sits exactly at RCV.NXT, acknowledges nothing new (SEG.ACK = SND.UNA),
 * could not update the send window, and its TSval is less than one RTO older than TS.Recent.
 * Dropping it would cost nothing but the duplicate ACK it would have counted for fast retransmit
 * (RFC 5681 §3.2), and answering it with an ACK (RFC 7323 §5.3) starts needless ACK exchanges.
 * RFC 7323 has no such exception; TS.Recent is not updated from it (its TSval is older).
 */
function isDisorderedAck(tcb: Tcb, seg: Segment, tsval: number): boolean {
  if (seg.payload.length > 0 || (seg.flags & (SYN | FIN | RST)) !== 0 || !has(seg, ACK)) return false;
  if (seg.seq !== tcb.rcvNxt || seg.ack !== tcb.sndUna) return false;
  const wnd = seg.wnd << tcb.sndWscale;
  const mayUpdateWindow = seqGt(seg.seq, tcb.sndWl1) || (seg.seq === tcb.sndWl1 && (wnd > tcb.sndWnd || wnd === 0));
  if (mayUpdateWindow) return false;
  return seqDiff(tcb.tsRecent, tsval) <= tcb.rto.rto;
}

/**
 * RFC 7323 §4.3 (and §5.3 R3): TS.Recent follows the TSval of segments that cover Last.ACK.sent.
 * Called only for segments that passed the sequence, RST, SYN and ACK checks, so a forged
 * in-window SYN or a segment with an unacceptable ACK cannot push TS.Recent ahead (which would
 * make PAWS drop the real peer's segments). Linux likewise updates it from tcp_ack().
 */
export function updateTsRecent(tcb: Tcb, seg: Segment): void {
  const ts = seg.options.ts;
  if (!tcb.tsOk || ts === undefined) return;
  if (coversLastAckSent(tcb, seg) && seqGe(ts.val, tcb.tsRecent)) tcb.tsRecent = ts.val;
}

/**
 * RFC 7323 §4.3: SEG.SEQ =< Last.ACK.sent, read as the segment's range covering Last.ACK.sent
 * (SEG.SEQ =< Last.ACK.sent =< SEG.SEQ + SEG.LEN). For an acceptable segment the upper bound holds
 * anyway; for a duplicate it admits only the retransmission that ends where our last ACK pointed,
 * the one a lost ACK draws. A blind attacker must then hit a range one segment wide (and pass the
 * RFC 5961 ACK check), not the half of the sequence space that lies behind RCV.NXT.
 */
function coversLastAckSent(tcb: Tcb, seg: Segment): boolean {
  return seqLe(seg.seq, tcb.lastAckSent) && seqGe(seqAdd(seg.seq, segLen(seg)), tcb.lastAckSent);
}

/**
 * A retransmission of data we already have (it ends at or before RCV.NXT) is unacceptable and
 * dropped before the fifth step, where TS.Recent is normally updated. If TS.Recent stayed put, the
 * duplicate ACK we send would echo the TSval of the *original* transmission, and the sender's RTT
 * sample (RFC 7323 §4) would be RTO + RTT: under ACK loss the RTO inflates itself. RFC 7323 §4.3's
 * rule (TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent) is satisfied by such a segment, and
 * §4.3 wants the echo to reflect the segment that caused the ACK; Linux gets the same result by
 * accepting segments that end exactly at the last ACK sent (tcp_sequence with rcv_wup). So, for a
 * duplicate carrying data that reaches Last.ACK.sent (coversLastAckSent) and whose ACK field is
 * plausible (RFC 5961 §5 bounds), TS.Recent is updated before the ACK goes out. Any other
 * duplicate leaves it alone: otherwise one forged segment anywhere behind RCV.NXT with a TSval far
 * ahead would make PAWS drop every genuine segment from then on (a blind lock-out).
 */
export function tsRecentFromDuplicate(tcb: Tcb, seg: Segment): void {
  const ts = seg.options.ts;
  if (!tcb.tsOk || ts === undefined || seg.payload.length === 0 || !has(seg, ACK)) return;
  if (seqGt(seqAdd(seg.seq, segLen(seg)), tcb.rcvNxt)) return; // not a pure duplicate
  if (ackIsTooNew(tcb, seg.ack) || ackIsTooOld(tcb, seg.ack)) return;
  if (coversLastAckSent(tcb, seg) && seqGe(ts.val, tcb.tsRecent)) tcb.tsRecent = ts.val;
}
