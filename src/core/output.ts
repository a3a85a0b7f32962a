// What to send now, derived from the TCB (smoltcp's dispatch; schedule.ts is its poll_at).
// Inputs (arrive.ts, user.ts, timer handlers) only update the TCB and mark what is owed
// (tcb.ackNow, a queued FIN, bytes in sndQueue); transmit() turns that into segments, and then
// schedule() re-derives every timer deadline from the result.

import {
  ACK,
  FIN,
  makeSegment,
  NO_OPTIONS,
  PSH,
  RST,
  type SackBlock,
  type Segment,
  SYN,
  type TcpOptions,
} from '../wire/segment.js';
import { seqAdd, seqDiff, seqGt, seqLt, seqMax } from '../wire/seq.js';
import { resetFor } from './listener-table.js';
import { markPsh, pshWithin } from './psh-marks.js';
import { sackBlocks } from './sack.js';
import { dataState, TcpState } from './state.js';
import type { Tcb } from './tcb.js';

const EMPTY = new Uint8Array(0);

/** Our TSval: the ms clock plus the per-connection offset, modulo 2^32 (RFC 7323 §5.4). */
export function tsVal(tcb: Tcb): number {
  return (tcb.now + tcb.tsOffset) >>> 0;
}

/**
 * The window field for a segment we send now, moving the advertised right edge when allowed.
 * RFC 9293 §3.8.6.2.2 (receiver side of SWS avoidance, MUST-39): the right edge only moves right
 * once the gain reaches min(buffer / 2, MSS); it never moves left (SHLD-14: do not shrink the
 * window), so RCV.NXT + RCV.WND stays put until then. SYN segments carry an unscaled window
 * (RFC 7323 §2.2). With a shift, the field is rounded down (RFC 7323 §2.4 accepts the apparent
 * shrink of less than 2^shift bytes this causes; we still accept data up to the remembered edge).
 */
export function windowField(tcb: Tcb, syn: boolean): number {
  const shift = syn ? 0 : tcb.rcvWscale;
  const offer = windowOffer(tcb, shift);
  const current = tcb.rcvWnd;
  if (offer > current && offer - current >= swsThreshold(tcb)) {
    tcb.rcvAdvRight = seqAdd(tcb.rcvNxt, offer);
    return Math.min(0xffff, offer >>> shift);
  }
  return Math.min(0xffff, current >>> shift);
}

/**
 * A read freed buffer space: is a pure window update worth sending now? RFC 9293 §3.8.6.2.2 says
 * when the right edge may move (the gain reaches min(buffer / 2, MSS)), not when an ACK must
 * announce it: any later segment carries the new edge anyway. Sending one per read would make a
 * promptly reading application ACK every segment and defeat delayed ACKs. So, like Linux
 * (tcp_cleanup_rbuf), an update goes out on its own only when the window would at least double,
 * or grows from less than one MSS (where the sender may be stalled on it).
 */
export function windowUpdateDue(tcb: Tcb): boolean {
  const offer = windowOffer(tcb, tcb.rcvWscale);
  const current = tcb.rcvWnd;
  if (!(offer > current && offer - current >= swsThreshold(tcb))) return false;
  return offer >= 2 * current || current < tcb.sndMss;
}

/**
 * The window we could offer now, as the field can express it with `shift` (rounded down to a
 * multiple of 2^shift). Bit operations are exact here: shift =< 14 and the value =< 0xffff << 14 <
 * 2^31 (this runs for every segment we send).
 */
function windowOffer(tcb: Tcb, shift: number): number {
  const offer = Math.min(tcb.rcvSpace, 0xffff << shift);
  return (offer >>> shift) << shift;
}

/** Receiver SWS threshold: min(buffer / 2, MSS) (RFC 9293 §3.8.6.2.2). */
function swsThreshold(tcb: Tcb): number {
  return Math.min(tcb.cfg.recvBuffer >>> 1, tcb.sndMss);
}

/**
 * Builds one segment from the TCB. ACK-bearing segments settle the owed ACK. Hot path: the
 * Segment is written as one literal (no makeSegment spread), and a segment without options shares
 * the frozen NO_OPTIONS object. `opts` are the options of a non-SYN segment when the caller has
 * already worked them out (to size the payload, see segmentRoom); otherwise they are derived here.
 */
function build(tcb: Tcb, seq: number, flags: number, payload: Uint8Array = EMPTY, opts?: TcpOptions): Segment {
  const syn = (flags & SYN) !== 0;
  const hasAck = (flags & ACK) !== 0;
  let options: TcpOptions;
  if (syn) options = synOptions(tcb, hasAck);
  else if (opts !== undefined) options = opts;
  else options = segOptions(tcb, hasAck);
  const wnd = windowField(tcb, syn);
  const seg: Segment = {
    srcPort: tcb.localPort,
    dstPort: tcb.remotePort,
    seq,
    ack: hasAck ? tcb.rcvNxt : 0,
    flags,
    wnd,
    urp: 0,
    options,
    payload,
  };
  if (hasAck) {
    // Quick-ACK mode: an ACK of received data uses up one quick ACK (Linux tcp_dec_quickack_mode).
    if (tcb.quickAcks > 0 && tcb.unackedBytes > 0) tcb.quickAcks--;
    tcb.lastAckSent = tcb.rcvNxt;
    tcb.ackNow = false;
    tcb.unackedBytes = 0;
    tcb.ackDelayed = false;
  }
  return seg;
}

/**
 * Options of a segment other than a SYN: TSopt when negotiated, and on ACK-bearing segments, while
 * out-of-order data is held, SACK blocks (RFC 2018 §4: every ACK reports them). The option space
 * left after timestamps (40 - 12 bytes) holds 3 blocks; without timestamps, 4. A small send MSS
 * takes fewer (see sackBlockLimit).
 */
function segOptions(tcb: Tcb, hasAck: boolean): TcpOptions {
  if (tcb.sackOk && hasAck) {
    const dsack = tcb.dsack;
    const held = tcb.holdsOutOfOrder;
    const max = held || dsack !== undefined ? sackBlockLimit(tcb) : 0;
    if (max > 0) {
      // RFC 2883 §4: a D-SACK block owed goes first, once; the usual blocks follow it.
      let sack: SackBlock[];
      if (dsack === undefined) sack = sackBlocks(tcb.reasm, tcb.sackRecent, max);
      else {
        sack = held ? [dsack, ...sackBlocks(tcb.reasm, tcb.sackRecent, max - 1)] : [dsack];
        tcb.dsack = undefined;
      }
      return tcb.tsOk ? { ts: { val: tsVal(tcb), ecr: tcb.tsRecent }, sack } : { sack };
    }
  }
  return tcb.tsOk ? { ts: { val: tsVal(tcb), ecr: tcb.tsRecent } } : NO_OPTIONS;
}

/** Bytes a SACK option with `n` blocks takes as we encode it: two NOPs, kind, length, 8 per block. */
function sackOptionBytes(n: number): number {
  return 4 + 8 * n;
}

/**
 * How many SACK blocks a segment may carry: what fits in the option space, and no more than leaves
 * a data segment half the send MSS (only a send MSS below 72 bytes gets fewer than the usual
 * 3 or 4).
 */
function sackBlockLimit(tcb: Tcb): number {
  const fit = tcb.tsOk ? 3 : 4;
  return Math.max(0, Math.min(fit, Math.floor(((tcb.sndMss >>> 1) - 4) / 8)));
}

/**
 * The most data one segment with options `o` may carry. RFC 9293 §3.7.1 (and RFC 6691): the MSS
 * the peer announced counts data only, so the bytes our options take come out of it. SND.MSS
 * already has the timestamps taken off (they are on every segment); SACK blocks come and go, so
 * they are taken off per segment, as Linux's tcp_current_mss does. Without this a full-sized
 * segment that also carries SACK blocks exceeds the path MTU and, with no PMTU discovery, is
 * dropped on every retransmission until the connection times out.
 */
function segmentRoom(tcb: Tcb, o: TcpOptions): number {
  const n = o.sack?.length ?? 0;
  return n === 0 ? tcb.sndMss : Math.max(1, tcb.sndMss - sackOptionBytes(n));
}

/**
 * Options on our SYN (RFC 9293 §3.7.1 MSS; RFC 7323 §2.2 WS, §3.2 TS). On a SYN,ACK we only echo
 * what the peer offered: an option it did not send must not appear in the reply.
 */
function synOptions(tcb: Tcb, synAck: boolean): TcpOptions {
  const o: TcpOptions = { mss: tcb.cfg.mss };
  const cfg = tcb.cfg;
  if (cfg.windowScaling && (!synAck || tcb.peerOfferedWs)) o.wscale = tcb.rcvWscaleOffer;
  if (cfg.sackPermitted && (!synAck || tcb.peerOfferedSack)) o.sackPermitted = true;
  if (cfg.timestamps && (!synAck || tcb.peerOfferedTs)) o.ts = { val: tsVal(tcb), ecr: synAck ? tcb.tsRecent : 0 };
  return o;
}

/**
 * The sequence number for a segment that carries no data (bare ACK, RST): SND.MAX, unless that
 * lies beyond the peer's window, then its right edge SND.UNA + SND.WND. RFC 9293 writes
 * SEQ=SND.NXT; we follow Linux (tcp_acceptable_seq, whose snd_nxt is our SND.MAX) because:
 *   - after a timeout SND.NXT goes back to SND.UNA (go-back-N, see tcb.ts) while the peer may
 *     already hold everything up to SND.MAX: SEQ=SND.NXT would then fall below its RCV.NXT;
 *   - after a zero-window probe SND.MAX covers the probe octet the peer did not take: with a zero
 *     window it accepts a bare segment only at SEQ = RCV.NXT = SND.UNA, the right edge.
 */
function bareSeq(tcb: Tcb): number {
  const edge = seqAdd(tcb.sndUna, tcb.sndWnd);
  return seqGt(tcb.sndMax, edge) && tcb.synAcked ? edge : tcb.sndMax;
}

/** <SEQ=SND.MAX><ACK=RCV.NXT><CTL=ACK> (see bareSeq): an ACK (also the challenge ACK of RFC 5961). */
export function sendAck(tcb: Tcb): void {
  tcb.push(build(tcb, bareSeq(tcb), ACK));
}

/**
 * The RST of ABORT and of a keepalive failure (RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>), with
 * timestamps when they were negotiated. Like
 * Linux we also set ACK with RCV.NXT (`R.` in packetdrill terms); the receiver validates a RST by
 * its sequence number only (RFC 5961 §3), so the extra ACK changes nothing for it.
 */
export function sendRst(tcb: Tcb): void {
  tcb.push(
    makeSegment({
      srcPort: tcb.localPort,
      dstPort: tcb.remotePort,
      seq: bareSeq(tcb),
      ack: tcb.irsKnown ? tcb.rcvNxt : 0,
      flags: tcb.irsKnown ? RST | ACK : RST,
      // RFC 7323 §3.2: once negotiated, TSopt SHOULD be on a RST too; Linux's active reset
      // (tcp_send_active_reset through tcp_transmit_skb) carries it.
      options: tcb.tsOk ? { ts: { val: tsVal(tcb), ecr: tcb.tsRecent } } : NO_OPTIONS,
    }),
  );
}

/**
 * The RST that answers a segment which does not belong to a connection (RFC 9293 §3.5.2 / §3.10.7.1),
 * built as the endpoint builds it for a stray (listener-table.ts resetFor).
 */
export function replyRst(tcb: Tcb, seg: Segment): void {
  tcb.push(resetFor(seg));
}

/** SYN (SYN-SENT) or SYN,ACK (SYN-RECEIVED), always at ISS. */
function sendSyn(tcb: Tcb): void {
  const flags = tcb.irsKnown ? SYN | ACK : SYN;
  tcb.push(build(tcb, tcb.iss, flags));
  // Karn (RFC 6298 §3): time only the first transmission; a resent SYN (timeout, or a SYN,ACK
  // repeated for a duplicate SYN) makes its ACK ambiguous.
  if (tcb.sndMax === tcb.iss) {
    if (!tcb.rttTiming) startRtt(tcb, tcb.iss);
  } else {
    tcb.rttTiming = false;
  }
  tcb.sndNxt = seqAdd(tcb.iss, 1);
  tcb.sndMax = seqMax(tcb.sndMax, tcb.sndNxt);
}

function startRtt(tcb: Tcb, seq: number): void {
  if (tcb.tsOk) return; // RTTM (RFC 7323 §4) times every ACK through TSecr instead
  tcb.rttTiming = true;
  tcb.rttSeq = seq;
  tcb.rttTime = tcb.now;
}

/** FIN may be sent in these states (our side has closed). */
function finState(s: TcpState): boolean {
  return s === TcpState.FinWait1 || s === TcpState.Closing || s === TcpState.LastAck;
}

/** Everything owed, in order: SYN, data and FIN within the windows, then a bare ACK if still owed. */
export function transmit(tcb: Tcb): void {
  const s = tcb.state;
  if (s === TcpState.Closed || s === TcpState.Listen || s === TcpState.TimeWait) {
    // CLOSED and LISTEN only reply to segments; TIME-WAIT answers through time-wait.ts, except for
    // the ACK of the FIN that brought us here, owed on entry (arrive.ts enterTimeWait).
    if (s === TcpState.TimeWait && tcb.ackNow) sendAck(tcb);
    tcb.ackNow = false;
    return;
  }
  if (!tcb.synAcked) {
    if (tcb.sndNxt === tcb.iss) sendSyn(tcb);
  } else if (dataState(s)) {
    if (tcb.sackOk && tcb.cc.inRecovery) sackRecoverySend(tcb);
    sendData(tcb, false);
  }
  if (tcb.ackNow && tcb.irsKnown) sendAck(tcb);
  tcb.ackNow = false;
}

/**
 * Data from SND.NXT: each segment is at most the effective MSS and fits min(SND.WND, cwnd) beyond
 * what is in flight (a shrunk window makes that negative: then nothing new goes, MUST-34/SHLD-15).
 * Small segments wait (RFC 9293 §3.8.6.2.1 sender SWS avoidance, MUST-38, with Fs = 1/2; Nagle,
 * §3.7.4) unless `force` (the persist timer doubles as the SWS override timer, as §3.8.6.2.1
 * suggests). The FIN rides on the last byte, or goes
 * alone; it needs no window (it carries no data for the peer's buffer).
 */
function sendData(tcb: Tcb, force: boolean): void {
  const fin = tcb.finQueued && finState(tcb.state);
  // No byte waits at or after SND.NXT and no FIN is owed: nothing to send, so no options to build
  // (the common case of a call that only ACKs or serves a timer).
  if (!fin && seqDiff(tcb.sndNxt, tcb.sndQueueSeq) >= tcb.sndQueue.length) return;
  const sack = tcb.sackOk && tcb.hasSacked;
  // What the congestion window is measured against: FlightSize, or RFC 6675's pipe with SACK.
  let flight = flightEstimate(tcb);
  // Nothing arrives during this call, so every segment it sends carries the same options, and the
  // same room for data (the current MSS: what Nagle and SWS avoidance call a full segment).
  const opts = segOptions(tcb, true);
  const mss = segmentRoom(tcb, opts);
  for (;;) {
    // Going back over sent data (after a timeout): skip what the peer has SACKed. Linux keeps the
    // scoreboard across a timeout too; RFC 2018 §8 would drop it in case the receiver reneged, so
    // we do drop it on a second timeout in a row (connection.ts).
    let limit = mss;
    if (sack && seqLt(tcb.sndNxt, tcb.sndMax)) {
      const r = tcb.scoreboard.rangeAt(tcb.sndNxt);
      if (r !== undefined) {
        tcb.sndNxt = seqLt(r.right, tcb.sndMax) ? r.right : tcb.sndMax;
        continue;
      }
      const next = tcb.scoreboard.nextSackedAfter(tcb.sndNxt);
      if (next !== undefined) limit = Math.min(limit, seqDiff(next, tcb.sndNxt));
    }
    const offset = seqDiff(tcb.sndNxt, tcb.sndQueueSeq);
    const avail = tcb.sndQueue.length - offset;
    const inFlight = seqDiff(tcb.sndNxt, tcb.sndUna);
    if (avail <= 0) {
      if (fin && tcb.sndNxt === tcb.sndDataEnd) {
        if (seqLt(tcb.sndNxt, tcb.sndMax)) tcb.totalRetransmits++;
        tcb.push(build(tcb, tcb.sndNxt, FIN | ACK));
        if (!seqLt(tcb.sndNxt, tcb.sndMax)) tcb.rearmProbe = true;
        tcb.sndNxt = seqAdd(tcb.sndNxt, 1);
        tcb.sndMax = seqMax(tcb.sndMax, tcb.sndNxt);
        tcb.lastSendTime = tcb.now;
      }
      return;
    }
    const usable = Math.min(tcb.sndWnd - inFlight, tcb.cc.cwnd - flight);
    const len = Math.min(avail, limit, usable);
    if (len <= 0) return;
    const carryFin = fin && len === avail;
    const resend = seqLt(tcb.sndNxt, tcb.sndMax);
    if (len < mss && !resend && !force) {
      // Corked (TCP_CORK, MSG_MORE; config cork): a partial segment waits, unless our FIN follows
      // it (Linux's tcp_send_fin pushes). Once nothing is in flight the persist timer runs, and
      // when it fires the segment goes (persistProbe), as Linux's probe timer sends it.
      if ((tcb.cfg.cork || tcb.moreHeld) && !carryFin) return;
      // Nagle (RFC 9293 §3.7.4, RFC 1122 §4.2.3.4), in Minshall's variant as Linux has it
      // (tcp_minshall_check): hold a small segment only while an earlier *small* segment is
      // unacknowledged (and it does not close the stream). Nagle's aim, at most one tinygram per
      // round trip, is kept; the tail of a bulk write no longer waits for the peer's delayed ACK
      // of the full segments before it (the classic Nagle / delayed-ACK stall).
      if (tcb.nagle && inFlight > 0 && !carryFin && seqGt(tcb.sndSml, tcb.sndUna)) return;
      // Sender SWS avoidance: send less than an MSS only when it empties the queue or fills at
      // least half the largest window the peer ever offered.
      if (len < avail && len < Math.floor(tcb.maxSndWnd / 2)) return;
    }
    if (!resend && inFlight === 0 && tcb.lastSendTime !== undefined && tcb.now - tcb.lastSendTime > tcb.rto.rto) {
      // RFC 5681 §4.1: restart from a small window after an idle period longer than the RTO.
      tcb.cc.onIdleRestart({ mss: tcb.sndMss });
    }
    // Linux's ping-pong heuristic (tcp_event_data_sent): new data sent within the ACK timeout
    // of receiving data means an interactive exchange; then ACKs wait to ride on replies.
    if (
      !resend &&
      tcb.cfg.quickAck &&
      tcb.lastDataRecv !== undefined &&
      tcb.now - tcb.lastDataRecv < tcb.cfg.delayedAckTimeout
    )
      tcb.pingpong = true;
    const payload = tcb.sndQueue.peek(offset, len);
    let flags = ACK;
    // PSH (RFC 9293 §3.9.1 leaves it to the sender): on a segment that ends the data written so
    // far, and, like Linux, on the last segment of a burst cut short by the window or cwnd (the
    // receiver should deliver what it has rather than wait for more that cannot come yet).
    // A resent segment keeps the PSH it first had (psh-marks.ts).
    const seq = tcb.sndNxt;
    // What a MSG_MORE write ended has no PSH, unless the probe timer sends it (tcp_write_wakeup).
    if ((len === avail && (force || !tcb.moreTail)) || (!resend && usable - len <= 0)) flags |= PSH;
    else if (resend && pshWithin(tcb, seq, seqAdd(seq, len))) flags |= PSH;
    if (carryFin) flags |= FIN;
    // A segment cut short by the window keeps its PSH in a mark; one that ends the data written so
    // far gets its mark when more is written (user.ts send).
    if (!resend && len !== avail && (flags & PSH) !== 0) markPsh(tcb, seqAdd(seq, len));
    tcb.push(build(tcb, seq, flags, payload, opts));
    if (!resend && !tcb.rttTiming) startRtt(tcb, seq);
    if (resend) {
      tcb.totalRetransmits++;
      tcb.rttTiming = false;
    }
    tcb.sndNxt = seqAdd(seq, len + (carryFin ? 1 : 0));
    if (!resend) tcb.rearmProbe = true;
    tcb.sndMax = seqMax(tcb.sndMax, tcb.sndNxt);
    if (len < mss) tcb.sndSml = seqAdd(seq, len);
    tcb.lastSendTime = tcb.now;
    flight += len;
    if (carryFin) return;
  }
}

/**
 * The bytes the congestion window is compared with. Without SACK information: FlightSize as far
 * as SND.NXT. In SACK recovery: RFC 6675 pipe. Otherwise with a scoreboard (going back after a
 * timeout): what was sent up to SND.NXT minus what the peer holds.
 */
function flightEstimate(tcb: Tcb): number {
  const seqFlight = seqDiff(tcb.sndNxt, tcb.sndUna);
  if (!tcb.sackOk || (!tcb.hasSacked && !tcb.cc.inRecovery)) return seqFlight;
  if (tcb.cc.inRecovery) return tcb.scoreboard.pipe(tcb.sndUna, tcb.sndMax, tcb.highRxt, tcb.sndMss);
  return seqFlight - tcb.scoreboard.sackedBetween(tcb.sndUna, tcb.sndNxt);
}

/**
 * RFC 6675 §5 step (C): during SACK recovery, while cwnd - pipe allows a full segment, retransmit
 * the next lost hole (NextSeg rule 1). New data (rule 2) follows in sendData().
 */
function sackRecoverySend(tcb: Tcb): void {
  let pipe = tcb.scoreboard.pipe(tcb.sndUna, tcb.sndMax, tcb.highRxt, tcb.sndMss);
  while (tcb.cc.cwnd - pipe >= tcb.sndMss) {
    const next = tcb.scoreboard.nextLost(tcb.sndUna, tcb.highRxt, tcb.sndMss);
    if (next === undefined) return;
    const sent = retransmitAt(tcb, next.seq, next.len);
    if (sent === 0) return;
    tcb.highRxt = seqAdd(next.seq, sent);
    pipe += sent;
  }
}

/**
 * Fast retransmit / NewReno partial ACK (RFC 5681 §3.2, RFC 6582): the first unacknowledged
 * segment again, without moving SND.NXT.
 */
export function retransmitFirst(tcb: Tcb): void {
  retransmitAt(tcb, tcb.sndUna, tcb.sndMss);
}

/**
 * Sends again up to `maxLen` already-sent bytes from `seq` (with our FIN when they reach it),
 * without moving SND.NXT. Returns the sequence space covered (0: nothing to send).
 */
export function retransmitAt(tcb: Tcb, seq: number, maxLen: number): number {
  if (!tcb.synAcked) return 0;
  const opts = segOptions(tcb, true);
  const offset = seqDiff(seq, tcb.sndQueueSeq);
  const avail = tcb.sndQueue.length - offset;
  const len = Math.min(Math.max(avail, 0), maxLen, segmentRoom(tcb, opts), seqDiff(tcb.sndMax, seq));
  const fin = tcb.finSent && len === avail && seqGt(tcb.sndMax, tcb.sndDataEnd);
  if (len <= 0 && !fin) return 0;
  let flags = ACK;
  if (fin) flags |= FIN;
  // The PSH the bytes were first sent with (psh-marks.ts), and always on the last bytes written.
  if (len > 0 && (len === avail || pshWithin(tcb, seq, seqAdd(seq, len)))) flags |= PSH;
  const payload = len > 0 ? tcb.sndQueue.peek(offset, len) : EMPTY;
  tcb.push(build(tcb, seq, flags, payload, opts));
  tcb.totalRetransmits++;
  tcb.rttTiming = false; // Karn: no sample from a retransmitted segment
  return len + (fin ? 1 : 0);
}

/**
 * Persist timer (RFC 9293 §3.8.6.1, MUST-36; first probe after one RTO, then exponential backoff,
 * SHLD-29/30; probes never count toward giving up while answered, MUST-37): with data waiting and
 * nothing in flight, either the window
 * is zero (send one new octet beyond it as a probe; SND.NXT stays, SND.MAX covers the octet so the
 * peer may acknowledge it) or sender SWS avoidance held back a small segment (send it now).
 * Linux probes differently (tcp_xmit_probe_skb: a bare ACK at SND.UNA - 1 that only draws an ACK);
 * we follow the RFC's octet, so a window that has opened takes data at once.
 */
export function persistProbe(tcb: Tcb): void {
  const offset = seqDiff(tcb.sndNxt, tcb.sndQueueSeq);
  const avail = tcb.sndQueue.length - offset;
  if (avail <= 0 || !dataState(tcb.state)) return;
  const usable = Math.min(tcb.sndWnd, tcb.cc.cwnd) - seqDiff(tcb.sndNxt, tcb.sndUna);
  if (usable > 0) {
    sendData(tcb, true);
    return;
  }
  tcb.push(build(tcb, tcb.sndNxt, ACK, tcb.sndQueue.peek(offset, 1)));
  tcb.sndMax = seqMax(tcb.sndMax, seqAdd(tcb.sndNxt, 1));
}

/**
 * The probe timeout fired (RFC 8985 §7.3): send the last segment of the flight again (or new data
 * when some is waiting and the window allows; transmit() then sends it), with no backoff, then
 * wait one RTO before the real retransmission timeout.
 */
export function sendProbe(tcb: Tcb): void {
  tcb.probeArmed = false;
  tcb.probeSent = true;
  const unsent = tcb.sndQueue.length - seqDiff(tcb.sndNxt, tcb.sndQueueSeq);
  const usable = tcb.sndWnd - seqDiff(tcb.sndNxt, tcb.sndUna);
  const before = tcb.segs.length;
  if (unsent > 0 && usable > 0) sendData(tcb, true);
  if (tcb.segs.length === before) {
    // The last segment's worth, as much as fits next to any SACK blocks (see segmentRoom).
    const room = segmentRoom(tcb, segOptions(tcb, true));
    const dataEnd = tcb.sndDataEnd;
    const from = seqDiff(dataEnd, tcb.sndUna) > room ? seqAdd(dataEnd, -room) : tcb.sndUna;
    retransmitAt(tcb, from, room);
  }
  tcb.restartRtx = true; // RFC 8985 §7.3: one RTO from now to the real timeout
}

/** Keepalive probe (RFC 9293 §3.8.4): <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>, no data. */
export function keepaliveProbe(tcb: Tcb): void {
  tcb.push(build(tcb, seqAdd(tcb.sndMax, -1), ACK));
}
