// SEGMENT ARRIVES (RFC 9293 §3.10.7), one function per step so the code reads like the RFC:
//   arriveClosed (§3.10.7.1), arriveListen (§3.10.7.2), arriveSynSent (§3.10.7.3), then for the
//   other states (§3.10.7.4): checkSequence (first), checkRst (second), [third: security, skipped],
//   checkSyn (fourth), checkAck (fifth), [sixth: URG, ignored], processText (seventh), checkFin
//   (eighth). TIME-WAIT goes through the pure verdict of time-wait.ts.
// Steps only update the TCB and mark what is owed (tcb.ackNow); output.ts sends it afterwards.
// Nothing here throws on bad input: a segment is dropped with a DropReason instead.

import { unreachable } from '../base/unreachable.js';
import { ACK, FIN, has, RST, type Segment, SYN, segLen } from '../wire/segment.js';
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from '../wire/seq.js';
import { acceptable, ackIsNew, ackIsTooNew, ackIsTooOld } from './acceptable.js';
import { createCongestionControl } from './congestion.js';
import { noteDuplicateText } from './dsack.js';
import { keepaliveHeard } from './keepalive.js';
import { replyRst, retransmitAt, retransmitFirst, sendRst, tsVal } from './output.js';
import { DUP_THRESH, noteOutOfOrder } from './sack.js';
import { TcpState } from './state.js';
import { MAX_WSCALE, type Tcb, TS_OPTION_BYTES } from './tcb.js';
import { type TimeWaitRecord, timeWaitAck, timeWaitVerdict } from './time-wait.js';
import { checkPaws, tsRecentFromDuplicate, updateTsRecent } from './timestamps.js';

type Step = 'continue' | 'stop';

export function arrive(tcb: Tcb, seg: Segment): void {
  tcb.traceRecv(seg);
  const s = tcb.state;
  switch (s) {
    case TcpState.Closed:
      arriveClosed(tcb, seg);
      return;
    case TcpState.Listen:
      arriveListen(tcb, seg);
      return;
    case TcpState.SynSent:
      arriveSynSent(tcb, seg);
      return;
    case TcpState.TimeWait:
      arriveTimeWait(tcb, seg);
      return;
    case TcpState.SynReceived:
    case TcpState.Established:
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.CloseWait:
    case TcpState.Closing:
    case TcpState.LastAck:
      arriveSynchronized(tcb, seg);
      return;
    default:
      unreachable(s, 'state');
  }
}

// RFC 9293 §3.10.7.1: no TCB. A RST is dropped; anything else is answered with a RST shaped so the
// sender accepts it (§3.5.2 case 1).
function arriveClosed(tcb: Tcb, seg: Segment): void {
  if (!has(seg, RST)) replyRst(tcb, seg);
  tcb.drop(seg, 'closed');
}

// RFC 9293 §3.10.7.2.
function arriveListen(tcb: Tcb, seg: Segment): void {
  // first: a RST to a listener refers to nothing; ignore it.
  if (has(seg, RST)) {
    tcb.drop(seg, 'rst-to-nothing');
    return;
  }
  // second: an ACK cannot be for anything a listener sent: <SEQ=SEG.ACK><CTL=RST>.
  if (has(seg, ACK)) {
    replyRst(tcb, seg);
    tcb.drop(seg, 'listen-bad');
    return;
  }
  // third: SYN. Data or FIN on the SYN is not kept (the peer sends it again once we ACK only the
  // SYN). RFC 9293 lets a listener queue it for after ESTABLISHED; Linux drops it too (unless TCP
  // Fast Open is in use), and so holds no buffer for a connection that may never complete.
  if (has(seg, SYN)) {
    if (tcb.remotePort === 0) {
      tcb.remotePort = seg.srcPort;
      if (tcb.hasOwnLabel && tcb.label.endsWith('>0')) tcb.label = `${tcb.localPort}>${seg.srcPort}`;
    }
    learnIrs(tcb, seg, 0);
    negotiate(tcb, seg);
    tcb.sndWnd = seg.wnd; // RFC 7323 §2.2: the window of a SYN is never scaled
    tcb.maxSndWnd = seg.wnd;
    tcb.sndWl1 = seg.seq;
    tcb.sndWl2 = tcb.iss;
    keepaliveHeard(tcb);
    tcb.transition(TcpState.SynReceived, 'SYN');
    // output.ts sends <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (SND.NXT is still ISS).
    return;
  }
  // fourth: anything else is dropped.
  tcb.drop(seg, 'listen-bad');
}

/**
 * A SYN cookie came back (syn-cookie.ts): the peer's SYN, rebuilt from the cookie and its ACK, is
 * taken in LISTEN as arriveListen takes any SYN, and our SYN,ACK counts as sent, which it was, by
 * the listener that kept nothing. The ACK itself follows through arrive().
 */
export function arriveCookieSyn(tcb: Tcb, syn: Segment): void {
  arriveListen(tcb, syn);
  tcb.sndNxt = seqAdd(tcb.iss, 1);
  tcb.sndMax = tcb.sndNxt;
}

// RFC 9293 §3.10.7.3.
function arriveSynSent(tcb: Tcb, seg: Segment): void {
  const ackOn = has(seg, ACK);
  // first: an ACK must acknowledge our SYN and nothing beyond: ISS < SEG.ACK =< SND.NXT. Otherwise
  // answer <SEQ=SEG.ACK><CTL=RST> (unless it is itself a RST) and drop (§3.5.2).
  if (ackOn && (seqLe(seg.ack, tcb.iss) || seqGt(seg.ack, tcb.sndMax))) {
    if (!has(seg, RST)) replyRst(tcb, seg);
    tcb.drop(seg, 'syn-sent-bad-ack');
    return;
  }
  // second: a RST counts only if its ACK acknowledges our SYN (§3.5.3; RFC 5961 §3 keeps this):
  // the peer refused the connection.
  if (has(seg, RST)) {
    if (ackOn) tcb.fail('ECONNREFUSED', 'RST in SYN-SENT');
    else tcb.drop(seg, 'rst-out-of-window');
    return;
  }
  // fourth: SYN.
  if (has(seg, SYN)) {
    learnIrs(tcb, seg, Math.min(tcb.rcvSpace, 0xffff));
    negotiate(tcb, seg);
    keepaliveHeard(tcb);
    if (ackOn) {
      ackAdvance(tcb, seg);
      tcb.sndWnd = seg.wnd; // unscaled on a SYN (RFC 7323 §2.2)
      tcb.maxSndWnd = seg.wnd;
      tcb.sndWl1 = seg.seq;
      tcb.sndWl2 = seg.ack;
      tcb.transition(TcpState.Established, 'SYN,ACK');
      tcb.emit({ type: 'connected' });
      tcb.ackNow = true; // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
      // Text or FIN that came with the SYN: continue at the sixth step.
      const finReached = processText(tcb, seqAdd(seg.seq, 1), seg.payload, has(seg, FIN), seg);
      checkFin(tcb, finReached);
      if (tcb.finQueued && tcb.state === TcpState.Established) tcb.transition(TcpState.FinWait1, 'queued CLOSE');
      else if (tcb.finQueued && tcb.state === TcpState.CloseWait) tcb.transition(TcpState.LastAck, 'queued CLOSE');
    } else {
      // Simultaneous open: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, then SYN-RECEIVED. Text on the SYN
      // is not kept.
      tcb.sndWnd = seg.wnd;
      tcb.maxSndWnd = seg.wnd;
      tcb.sndWl1 = seg.seq;
      tcb.sndWl2 = tcb.iss;
      tcb.sndNxt = tcb.iss; // output.ts sends the SYN again, now with ACK
      tcb.transition(TcpState.SynReceived, 'SYN (simultaneous open)');
    }
    return;
  }
  // fifth: neither SYN nor RST.
  tcb.drop(seg, 'syn-sent-no-syn');
}

/**
 * IRS and RCV.NXT from the peer's SYN. `offered` is the window our own SYN already advertised
 * (SYN-SENT); a listener advertises nothing until its SYN,ACK goes out.
 */
function learnIrs(tcb: Tcb, seg: Segment, offered: number): void {
  tcb.irs = seg.seq;
  tcb.irsKnown = true;
  tcb.rcvNxt = seqAdd(seg.seq, 1);
  tcb.rcvAdvRight = seqAdd(tcb.rcvNxt, offered);
}

/**
 * Options from the peer's SYN: MSS (RFC 9293 §3.7.1: 536 when absent), window scale (RFC 7323 §2:
 * in use only when both SYNs carry it), timestamps (RFC 7323 §3.2: likewise).
 */
function negotiate(tcb: Tcb, seg: Segment): void {
  const o = seg.options;
  const cfg = tcb.cfg;
  tcb.peerMss = o.mss !== undefined && o.mss > 0 ? o.mss : cfg.defaultPeerMss;
  tcb.peerOfferedWs = o.wscale !== undefined;
  tcb.peerOfferedTs = o.ts !== undefined;
  tcb.wsOk = cfg.windowScaling && o.wscale !== undefined;
  // RFC 7323 §2.3: a shift above 14 is treated as 14.
  tcb.sndWscale = tcb.wsOk ? Math.min(o.wscale ?? 0, MAX_WSCALE) : 0;
  tcb.rcvWscale = tcb.wsOk ? tcb.rcvWscaleOffer : 0;
  tcb.tsOk = cfg.timestamps && o.ts !== undefined;
  // RFC 2018 §2: SACK is in use only when both SYNs carried SACK-permitted.
  tcb.peerOfferedSack = o.sackPermitted === true;
  tcb.sackOk = cfg.sackPermitted && tcb.peerOfferedSack;
  if (tcb.tsOk && o.ts) tcb.tsRecent = o.ts.val;
  tcb.sndMss = Math.max(1, Math.min(tcb.peerMss, cfg.mss) - (tcb.tsOk ? TS_OPTION_BYTES : 0));
  tcb.cc = createCongestionControl(cfg.congestionControl, {
    mss: tcb.sndMss,
    initialCwndSegments: cfg.initialCwndSegments,
    sack: tcb.sackOk,
    beta: cfg.lossBeta,
  });
}

// RFC 9293 §3.10.7.4: SYN-RECEIVED and the synchronized states.
function arriveSynchronized(tcb: Tcb, seg0: Segment): void {
  let seg = seg0;
  if (tcb.state === TcpState.SynReceived && has(seg, SYN) && seg.seq === tcb.irs && !has(seg, RST)) {
    if (!has(seg, ACK)) {
      // The peer's SYN again: our SYN,ACK was lost. Send it again now (as Linux does) rather than
      // the bare ACK the acceptability test would produce, which a SYN-SENT peer would drop.
      tcb.sndNxt = tcb.iss;
      tcb.drop(seg, 'unacceptable');
      return;
    }
    // Simultaneous open: the peer's SYN,ACK. Its SYN is a duplicate; its ACK is what counts.
    seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: seg.flags & ~SYN };
  }
  if (checkPaws(tcb, seg) === 'stop') return;
  const seq = checkSequence(tcb, seg);
  if (seq === 'stop') return;
  // Only a segment whose ACK field could be the peer's (RFC 5961 §5) counts as hearing from it: a
  // blind forgery in the window must not keep a dead peer's connection alive.
  if (has(seg, ACK) && !ackIsTooNew(tcb, seg.ack) && !ackIsTooOld(tcb, seg.ack)) keepaliveHeard(tcb);
  if (has(seg, RST)) {
    checkRst(tcb, seg);
    return;
  }
  if (has(seg, SYN)) {
    checkSyn(tcb, seg);
    return;
  }
  // TS.Recent is updated in the fifth step, once the ACK field is known to be acceptable.
  if (checkAck(tcb, seg) === 'stop') return;
  // sixth: URG is not supported; the urgent pointer is ignored and the data is ordinary data.
  if (seq === 'window-closed' && !isBareFin(seg)) {
    // Zero window: the ACK and window were processed; the text cannot be taken. Say so.
    tcb.ackNow = true;
    return;
  }
  const finReached = processText(tcb, seg.seq, seg.payload, has(seg, FIN), seg);
  checkFin(tcb, finReached);
}

/** No text, FIN set (it occupies a sequence number but no buffer space). */
function isBareFin(seg: Segment): boolean {
  return seg.payload.length === 0 && has(seg, FIN);
}

// first: sequence number.
function checkSequence(tcb: Tcb, seg: Segment): 'ok' | 'window-closed' | 'stop' {
  if (acceptable(tcb, seg)) return 'ok';
  // With a zero window nothing that occupies sequence space is acceptable, but the RFC asks for
  // allowance for valid ACKs and RSTs (RFC 9293 §3.10.7.4 first, the note on RCV.WND = 0): a
  // segment at RCV.NXT has its RST (second step) and its ACK and window (fifth) processed; its
  // text is not taken and an ACK tells the peer so. This is how window probes get answers.
  // A bare FIN at RCV.NXT is also taken (Linux tcp_data_queue does the same; the RFC would refuse
  // it): it needs no buffer, and refusing it would leave the peer retransmitting its FIN.
  if (tcb.rcvWnd === 0 && seg.seq === tcb.rcvNxt) return has(seg, RST) ? 'ok' : 'window-closed';
  if (has(seg, RST)) {
    tcb.drop(seg, 'rst-out-of-window');
    return 'stop';
  }
  // Not acceptable: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (within the budgets), drop. Old text on
  // it is reported as a D-SACK (Linux tcp_send_dupack).
  if (tcb.sackOk && tcb.cfg.dsack && seg.payload.length > 0) noteDuplicateText(tcb, seg.seq, seg.payload.length);
  tsRecentFromDuplicate(tcb, seg);
  tcb.ackUnacceptable(seg, 'unacceptable');
  return 'stop';
}

// second: RST. RFC 5961 §3: only an exact match (SEG.SEQ = RCV.NXT) resets; another in-window RST
// gets a challenge ACK (config.challengeAcks; off: RFC 793 behaviour, any in-window RST resets).
function checkRst(tcb: Tcb, seg: Segment): void {
  if (seg.seq !== tcb.rcvNxt && tcb.cfg.challengeAcks) {
    tcb.challengeAck(seg, 'rst-challenge'); // rate-limited (RFC 5961 §7)
    return;
  }
  const s = tcb.state;
  switch (s) {
    case TcpState.SynReceived:
      // Passive open: back to LISTEN, the user need not know. Active open (simultaneous): refused.
      if (tcb.passive) tcb.transition(TcpState.Listen, 'RST');
      else tcb.fail('ECONNREFUSED', 'RST in SYN-RECEIVED');
      return;
    case TcpState.Established:
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.CloseWait:
      // Outstanding RECEIVEs and SENDs get "reset"; the queues are flushed.
      tcb.fail('ECONNRESET', 'RST');
      return;
    case TcpState.Closing:
    case TcpState.LastAck:
      // The user already closed: just delete the TCB.
      tcb.transition(TcpState.Closed, 'RST');
      return;
    case TcpState.Closed:
    case TcpState.Listen:
    case TcpState.SynSent:
    case TcpState.TimeWait:
      return; // handled by their own arrive* functions
    default:
      unreachable(s, 'state');
  }
}

// fourth: SYN in a synchronized state.
function checkSyn(tcb: Tcb, seg: Segment): void {
  // SYN-RECEIVED from a passive OPEN: back to LISTEN (RFC 9293 §3.10.7.4 fourth).
  if (tcb.state === TcpState.SynReceived && tcb.passive) {
    tcb.drop(seg, 'syn-challenge');
    tcb.transition(TcpState.Listen, 'SYN in SYN-RECEIVED');
    return;
  }
  // RFC 5961 §4: whatever its sequence number, answer with a challenge ACK and drop. Without
  // challenge ACKs (RFC 793): an in-window SYN is an error; reset the connection.
  if (tcb.cfg.challengeAcks) {
    tcb.challengeAck(seg, 'syn-challenge'); // rate-limited (RFC 5961 §7)
    return;
  }
  sendRst(tcb);
  tcb.fail('ECONNRESET', 'SYN in window');
}

/**
 * TCP_DEFER_ACCEPT (config deferAccept; Linux tcp_check_req): a passive open's bare ACK of our
 * SYN,ACK (no data, no FIN) is set aside while fewer SYN,ACK timeouts than the setting have passed.
 */
function deferring(tcb: Tcb, seg: Segment): boolean {
  return tcb.passive && tcb.cfg.deferAccept > tcb.retries && segLen(seg) === 0;
}

// fifth: ACK.
function checkAck(tcb: Tcb, seg: Segment): Step {
  if (!has(seg, ACK)) {
    tcb.drop(seg, 'no-ack');
    return 'stop';
  }
  const s = tcb.state;
  switch (s) {
    case TcpState.SynReceived:
      // SND.UNA < SEG.ACK =< SND.NXT: the handshake completes; continue as ESTABLISHED.
      // Otherwise <SEQ=SEG.ACK><CTL=RST> (§3.5.2: an ACK for something not yet sent).
      if (!(seqLt(tcb.sndUna, seg.ack) && seqLe(seg.ack, tcb.sndMax))) {
        replyRst(tcb, seg);
        tcb.drop(seg, seqLe(seg.ack, tcb.sndUna) ? 'ack-too-old' : 'ack-too-new');
        return 'stop';
      }
      if (deferring(tcb, seg)) {
        tcb.deferAcked = true;
        tcb.drop(seg, 'defer-accept');
        return 'stop';
      }
      tcb.sndWnd = seg.wnd << tcb.sndWscale;
      tcb.maxSndWnd = Math.max(tcb.maxSndWnd, tcb.sndWnd);
      tcb.sndWl1 = seg.seq;
      tcb.sndWl2 = seg.ack;
      tcb.transition(TcpState.Established, 'ACK of SYN');
      tcb.emit({ type: 'connected' });
      if (ackEstablished(tcb, seg) === 'stop') return 'stop';
      if (tcb.finQueued) tcb.transition(TcpState.FinWait1, 'queued CLOSE');
      return 'continue';
    case TcpState.Established:
    case TcpState.CloseWait:
    case TcpState.FinWait2:
      return ackEstablished(tcb, seg);
    case TcpState.FinWait1:
      if (ackEstablished(tcb, seg) === 'stop') return 'stop';
      // Our FIN is acknowledged: FIN-WAIT-2, and processing goes on in that state (§3.10.7.4
      // fifth). When the segment also carries the peer's FIN, the eighth step then takes
      // FIN-WAIT-2 to TIME-WAIT: the seed's sequence, and Linux's (tcp_rcv_state_process sets
      // FIN_WAIT2 before tcp_fin() sees the FIN), even with the ACK and the FIN in one segment.
      if (tcb.finAcked) {
        tcb.transition(TcpState.FinWait2, 'ACK of FIN');
        // TCP_LINGER2 < 0 (config finWait2Abort): an orphan answers with a RST and is gone.
        if (tcb.userClosed && tcb.cfg.finWait2Abort) {
          replyRst(tcb, seg);
          tcb.transition(TcpState.Closed, 'FIN-WAIT-2 refused (finWait2Abort)');
          return 'stop';
        }
      }
      return 'continue';
    case TcpState.Closing:
      if (ackEstablished(tcb, seg) === 'stop') return 'stop';
      // Our FIN is acknowledged: TIME-WAIT; otherwise the segment is ignored.
      if (tcb.finAcked) tcb.transition(TcpState.TimeWait, 'ACK of FIN');
      return 'stop';
    case TcpState.LastAck:
      if (ackEstablished(tcb, seg) === 'stop') return 'stop';
      // The only thing expected: the ACK of our FIN. Then the TCB goes.
      if (tcb.finAcked) tcb.transition(TcpState.Closed, 'ACK of FIN');
      return 'stop';
    case TcpState.Closed:
    case TcpState.Listen:
    case TcpState.SynSent:
    case TcpState.TimeWait:
      return 'stop';
    default:
      unreachable(s, 'state');
  }
}

/** The fifth step of ESTABLISHED, shared by the states that add to it. */
function ackEstablished(tcb: Tcb, seg: Segment): Step {
  const ack = seg.ack;
  // RFC 9293 §3.10.7.4 (fifth) / RFC 5961 §5.2: the ACK field must lie in
  // [SND.UNA - MAX.SND.WND, SND.NXT]; otherwise send an ACK and drop. That ACK counts against the
  // challenge-ACK budget (RFC 5961 §7) so two confused ends cannot ping-pong ACKs at line rate.
  if (ackIsTooNew(tcb, ack)) {
    if (tcb.cfg.dropAckOfUnsent && tcb.state === TcpState.Established) tcb.drop(seg, 'ack-too-new');
    else tcb.challengeAck(seg, 'ack-too-new');
    return 'stop';
  }
  if (ackIsTooOld(tcb, ack)) {
    tcb.challengeAck(seg, 'ack-too-old');
    return 'stop';
  }
  updateTsRecent(tcb, seg);
  // An acceptable ACK lets what MSG_MORE held go under the usual rules (Linux tcp_data_snd_check).
  tcb.moreHeld = false;
  const wnd = seg.wnd << tcb.sndWscale;
  if (tcb.sackOk) {
    if (ackIsNew(tcb, ack)) ackAdvance(tcb, seg);
    else if (ack === tcb.sndUna && isDuplicateAck(tcb, seg, wnd)) tcb.dupAcks++;
    sackArrived(tcb, seg);
  } else if (ackIsNew(tcb, ack)) {
    ackAdvance(tcb, seg);
  } else if (ack === tcb.sndUna && isDuplicateAck(tcb, seg, wnd)) {
    // RFC 5681 §3.2: the third duplicate starts fast retransmit (the decision is the CC's).
    tcb.dupAcks++;
    const r = tcb.cc.onDupAck({
      dupAcks: tcb.dupAcks,
      flightSize: tcb.flightSize,
      sndNxt: tcb.sndMax,
      mss: tcb.sndMss,
      ack,
    });
    if (r === 'retransmit') retransmitFirst(tcb);
  }
  // Window update (RFC 9293 §3.10.7.4 fifth): only from a segment not older than the last one used
  // (SND.WL1 < SEG.SEQ, or equal and SND.WL2 =< SEG.ACK), and only while SND.UNA =< SEG.ACK.
  if (seqLe(tcb.sndUna, ack) && (seqLt(tcb.sndWl1, seg.seq) || (tcb.sndWl1 === seg.seq && seqLe(tcb.sndWl2, ack)))) {
    if (wnd > tcb.sndWnd) tcb.persistBackoff = 0;
    tcb.sndWnd = wnd;
    tcb.maxSndWnd = Math.max(tcb.maxSndWnd, wnd);
    tcb.sndWl1 = seg.seq;
    tcb.sndWl2 = ack;
  }
  return 'continue';
}

/**
 * SACK sender (RFC 6675 §5): record the peer's blocks on the scoreboard, then start loss recovery
 * when DupThresh duplicate ACKs have arrived or the scoreboard says the first unacknowledged
 * segment is lost, and retransmit that segment at once (§5 step 4.3). What follows it during
 * recovery (holes by NextSeg, new data while cwnd - pipe allows) is sent by output.ts.
 */
function sackArrived(tcb: Tcb, seg: Segment): void {
  const blocks = seg.options.sack;
  if (blocks !== undefined && blocks.length > 0) tcb.scoreboard.update(blocks, tcb.sndUna, tcb.sndMax);
  if (tcb.cc.inRecovery || tcb.flightSize === 0) return;
  if (tcb.dupAcks < DUP_THRESH && !(tcb.scoreboard.count > 0 && tcb.scoreboard.isLost(tcb.sndUna, tcb.sndMss))) return;
  const entered = tcb.cc.onSackLoss({
    flightSize: tcb.flightSize,
    sndNxt: tcb.sndMax,
    mss: tcb.sndMss,
    ack: tcb.sndUna,
  });
  if (!entered) return;
  const firstSacked = tcb.scoreboard.nextSackedAfter(tcb.sndUna);
  const len = firstSacked === undefined ? tcb.sndMss : Math.min(tcb.sndMss, seqDiff(firstSacked, tcb.sndUna));
  tcb.highRxt = seqAdd(tcb.sndUna, retransmitAt(tcb, tcb.sndUna, len));
}

/** RFC 5681 §2: same ACK, no data, no SYN/FIN, same window, data outstanding. */
function isDuplicateAck(tcb: Tcb, seg: Segment, wnd: number): boolean {
  return segLen(seg) === 0 && wnd === tcb.sndWnd && tcb.flightSize > 0;
}

/**
 * SND.UNA moves to SEG.ACK: release acknowledged bytes, take an RTT sample (RFC 7323 §4 via TSecr,
 * else Karn's rule: only the timed segment, only if nothing was retransmitted since), tell the
 * congestion controller, restart the retransmission timer (RFC 6298 §5.3).
 */
function ackAdvance(tcb: Tcb, seg: Segment): void {
  const ack = seg.ack;
  const wasSynAcked = tcb.synAcked;
  const finWasAcked = tcb.finAcked;
  const flightBefore = tcb.flightSize;
  const dataEnd = tcb.sndDataEnd;
  let bytes = 0;
  if (seqGt(ack, tcb.sndQueueSeq)) {
    const upto = seqLt(ack, dataEnd) ? ack : dataEnd;
    bytes = seqDiff(upto, tcb.sndQueueSeq);
    if (bytes > 0) {
      tcb.sndQueue.consume(bytes);
      tcb.sndQueueSeq = upto;
    }
  }
  const acked = seqDiff(ack, tcb.sndUna);
  tcb.sndUna = ack;
  if (seqLt(tcb.sndNxt, ack)) tcb.sndNxt = ack;
  if (tcb.sackOk) {
    tcb.scoreboard.advance(ack);
    if (seqLt(tcb.highRxt, ack)) tcb.highRxt = ack;
  }

  const ts = seg.options.ts;
  if (tcb.tsOk && ts !== undefined && ts.ecr !== 0) {
    const rtt = seqDiff(tsVal(tcb), ts.ecr);
    if (rtt >= 0) tcb.rto.sample(rtt);
  } else if (tcb.rttTiming && seqGt(ack, tcb.rttSeq)) {
    tcb.rto.sample(tcb.now - tcb.rttTime);
    tcb.rttTiming = false;
  }
  // RFC 6298 §5.7: the SYN (or SYN,ACK) was retransmitted after a timeout: RTO 3 s if no sample.
  if (!wasSynAcked && tcb.retries > 0) tcb.rto.afterSynTimeout();
  tcb.retries = 0;
  tcb.persistBackoff = 0;
  tcb.dupAcks = 0;
  // RFC 8985 §7.4 (simplified): an ACK that advances SND.UNA ends the probe episode.
  tcb.probeSent = false;
  tcb.rearmProbe = true;

  if (wasSynAcked) {
    const r = tcb.cc.onNewAck({ bytesAcked: acked, flightSize: flightBefore, highAck: ack, mss: tcb.sndMss });
    if (r === 'retransmit') retransmitFirst(tcb);
  } else if (tcb.state === TcpState.FinWait1) {
    // CLOSE was called in SYN-RECEIVED: the handshake completes only now.
    tcb.emit({ type: 'connected' });
  }
  if (bytes > 0 && !tcb.finQueued) tcb.emit({ type: 'writable' });
  if (!finWasAcked && tcb.finAcked) tcb.emit({ type: 'fin-acked' });

  // RFC 6298 §5.3 (and RFC 5482's user timeout): progress starts both timers over (schedule.ts).
  tcb.restartRtx = true;
  tcb.restartUserTimeout = true;
}

/**
 * seventh: segment text. Data at RCV.NXT goes to the receive buffer (then whatever the
 * reassembly queue can now add); data beyond it waits in the reassembly queue, bounded by the
 * window we advertised, and is answered by an immediate duplicate ACK (RFC 5681 §4.2). In-order
 * data is acknowledged once 2 full-sized segments' worth is unacknowledged (SHLD-19; "full-sized"
 * = the effective MSS) and otherwise within the delayed-ACK timeout (RFC 9293 §3.8.6.3, MUST-40:
 * under 0.5 s). Returns whether the peer's FIN is now next in sequence.
 */
function processText(tcb: Tcb, seq0: number, payload: Uint8Array, fin0: boolean, seg: Segment): boolean {
  if (payload.length === 0 && !fin0) return false;
  const s = tcb.state;
  if (s !== TcpState.Established && s !== TcpState.FinWait1 && s !== TcpState.FinWait2) {
    // CLOSE-WAIT, CLOSING, LAST-ACK: the peer's FIN was already received; text cannot follow it.
    tcb.drop(seg, 'data-after-fin');
    tcb.ackNow = true;
    return false;
  }
  if (
    tcb.readClosed &&
    tcb.cfg.rstOnDataAfterClose &&
    (s === TcpState.FinWait1 || s === TcpState.FinWait2) &&
    payload.length > 0 &&
    seqGt(seqAdd(seq0, payload.length), tcb.rcvNxt)
  ) {
    // New data after close(): nobody will read it. RFC 9293 would acknowledge and queue it; RFC
    // 1122 §4.2.2.13 and Linux (tcp_rcv_state_process) reset instead, so the peer stops sending
    // into the void: RST in reply to the segment, CLOSED. The user closed, so no 'error' event.
    replyRst(tcb, seg);
    tcb.drop(seg, 'data-after-close');
    tcb.transition(TcpState.Closed, 'data after CLOSE');
    return false;
  }
  let seq = seq0;
  let data = payload;
  let fin = fin0;
  if (tcb.sackOk && tcb.cfg.dsack && data.length > 0) noteDuplicateText(tcb, seq, data.length);
  const old = seqDiff(tcb.rcvNxt, seq);
  if (old > 0) {
    if (old > data.length) return false; // everything (FIN included) was seen already
    data = data.subarray(old);
    seq = tcb.rcvNxt;
  }
  const room = seqDiff(tcb.rcvAdvRight, seq);
  if (data.length > room) {
    if (pastWindowTaken(tcb, seq, room)) {
      // Taken whole (config inOrderPastWindow): the right edge moves to its end, the window is 0.
      tcb.recvQueue.pushView(data.slice());
      tcb.rcvNxt = seqAdd(tcb.rcvNxt, data.length);
      tcb.rcvAdvRight = tcb.rcvNxt;
      return afterDelivery(tcb, data.length, fin);
    }
    data = data.subarray(0, Math.max(0, room));
    fin = false;
  }
  if (seq !== tcb.rcvNxt) {
    // Out of order: hold a copy (the caller may reuse its buffer) and ACK at once, unless the
    // host already holds its limit of out-of-order bytes (HostLimits.reassembly).
    const host = tcb.shared.reassembly;
    if (host !== undefined && data.length > 0 && !host.admit(data.length)) {
      tcb.drop(seg, 'reassembly-limit');
      tcb.ackNow = true;
      return false;
    }
    if (data.length > 0 || fin) tcb.reasm.add(seq, data.slice(), fin);
    if (tcb.sackOk && data.length > 0) noteOutOfOrder(tcb.sackRecent, seq);
    tcb.ackNow = true;
    return false;
  }
  let delivered = deliver(tcb, data);
  if (delivered < data.length) fin = false;
  const held = tcb.reasmIfMade;
  if (held !== undefined && (!held.isEmpty || held.finSeq !== undefined)) {
    // Data at RCV.NXT while later data is held fills all or part of the hole before it: ACK at
    // once (RFC 5681 §4.2), also when the new segment covered the held bytes itself (then take()
    // only discards them) or stopped short of them (the peer learns of the progress at once).
    if (delivered > 0) tcb.ackNow = true;
    const taken = tcb.reasm.take(tcb.rcvNxt);
    if (taken !== null) {
      for (const chunk of taken.chunks) delivered += deliver(tcb, chunk);
      if (taken.fin) fin = true;
      tcb.ackNow = true;
    }
  }
  return afterDelivery(tcb, delivered, fin);
}

/** `delivered` in-order bytes reached the user: say so and decide the ACK; returns `fin`. */
function afterDelivery(tcb: Tcb, delivered: number, fin: boolean): boolean {
  if (delivered > 0) {
    if (!tcb.readClosed) tcb.emit({ type: 'readable' });
    tcb.unackedBytes += delivered;
    if (tcb.cfg.quickAck && quickAckDue(tcb)) tcb.ackNow = true;
    if (!tcb.cfg.delayedAck || tcb.unackedBytes >= 2 * tcb.sndMss) tcb.ackNow = true;
    else if (!tcb.ackNow) tcb.ackDelayed = true;
  }
  return fin;
}

/**
 * Is in-order text at `seq` that runs past the window (`room` bytes fit) taken whole? Only under
 * config inOrderPastWindow, with the window open, nothing unread and nothing held out of order.
 */
function pastWindowTaken(tcb: Tcb, seq: number, room: number): boolean {
  if (!tcb.cfg.inOrderPastWindow || seq !== tcb.rcvNxt || room <= 0 || tcb.readClosed) return false;
  const held = tcb.reasmIfMade;
  return tcb.recvQueue.length === 0 && (held === undefined || (held.isEmpty && held.finSeq === undefined));
}

/**
 * Quick-ACK mode (cfg.quickAck; Linux tcp_event_data_recv / tcp_incr_quickack): the first data of
 * a connection grants rcvWnd / (2 MSS) immediate ACKs, at least 2 and at most 16; they are used up
 * as ACKs go out (output.ts), and not used while the connection is in ping-pong mode. Returns
 * whether this data should be ACKed at once.
 */
function quickAckDue(tcb: Tcb): boolean {
  if (tcb.lastDataRecv === undefined) {
    tcb.quickAcks = Math.max(2, Math.min(16, Math.floor(tcb.rcvWnd / (2 * tcb.sndMss))));
  }
  tcb.lastDataRecv = tcb.now;
  return tcb.quickAcks > 0 && !tcb.pingpong;
}

/**
 * In-order bytes to the user. After close() the application reads no more: the bytes are
 * acknowledged and discarded (RFC 9293 leaves this open; Linux answers with RST instead).
 */
function deliver(tcb: Tcb, data: Uint8Array): number {
  if (data.length === 0) return 0;
  const n = tcb.readClosed ? data.length : tcb.recvQueue.push(data);
  tcb.rcvNxt = seqAdd(tcb.rcvNxt, n);
  return n;
}

// eighth: FIN. It counts only when it is next in sequence (all data before it received).
function checkFin(tcb: Tcb, finReached: boolean): void {
  if (!finReached) return;
  tcb.rcvNxt = seqAdd(tcb.rcvNxt, 1); // the FIN occupies one sequence number
  // Linux's tcp_fin resets the SACK state (tcp_sack_reset): a D-SACK owed is not sent.
  tcb.dsack = undefined;
  tcb.emit({ type: 'peer-fin' });
  const s = tcb.state;
  switch (s) {
    case TcpState.SynReceived:
    case TcpState.Established:
      tcb.transition(TcpState.CloseWait, 'FIN');
      if (tcb.cfg.quickAck) {
        // Linux (tcp_fin): CLOSE-WAIT enters ping-pong mode, so the FIN's ACK waits for the
        // delayed-ACK timer, hoping to ride on our reply or our own FIN. Before any data arrived
        // Linux's ACK timeout (ato) is still 0: the ACK goes at once. So it does when the receive
        // buffer is full: tcp_data_queue cannot charge the FIN's skb and asks for an ACK now.
        tcb.pingpong = true;
        if (tcb.lastDataRecv === undefined || tcb.ackNow || tcb.recvQueue.space === 0) tcb.ackNow = true;
        else tcb.ackDelayed = true;
        return;
      }
      tcb.ackNow = true;
      return;
    case TcpState.FinWait1:
      tcb.ackNow = true;
      // Our FIN acknowledged (perhaps by this segment): TIME-WAIT; otherwise a simultaneous close.
      if (tcb.finAcked) enterTimeWait(tcb, 'FIN');
      else tcb.transition(TcpState.Closing, 'FIN (simultaneous close)');
      return;
    case TcpState.FinWait2:
      tcb.ackNow = true;
      enterTimeWait(tcb, 'FIN');
      return;
    case TcpState.CloseWait:
    case TcpState.Closing:
    case TcpState.LastAck:
    case TcpState.TimeWait:
    case TcpState.Closed:
    case TcpState.Listen:
    case TcpState.SynSent:
      return;
    default:
      unreachable(s, 'state');
  }
}

/** Enter TIME-WAIT owing the ACK of the peer's FIN (transmit() sends it). */
function enterTimeWait(tcb: Tcb, cause: string): void {
  tcb.ackNow = true;
  tcb.transition(TcpState.TimeWait, cause);
}

/** The compact TIME-WAIT view of this TCB (also handed to the endpoint). */
export function timeWaitRecordOf(tcb: Tcb): TimeWaitRecord {
  const rec: TimeWaitRecord = {
    localPort: tcb.localPort,
    remotePort: tcb.remotePort,
    iss: tcb.iss,
    irs: tcb.irs,
    sndNxt: tcb.sndMax,
    rcvNxt: tcb.rcvNxt,
    rcvWndField: Math.min(0xffff, Math.floor(tcb.rcvWnd / 2 ** tcb.rcvWscale)),
    tsOffset: tcb.tsOffset,
    expires: (tcb.state === TcpState.TimeWait ? tcb.timeWaitStart : tcb.now) + 2 * tcb.cfg.msl,
  };
  if (tcb.tsOk) rec.tsRecent = tcb.tsRecent;
  return rec;
}

// TIME-WAIT (RFC 9293 §3.10.7.4 rows for TIME-WAIT; RFC 1337; RFC 6191): see time-wait.ts.
function arriveTimeWait(tcb: Tcb, seg: Segment): void {
  const rec = timeWaitRecordOf(tcb);
  const v = timeWaitVerdict(rec, seg, tcb.now, tcb.cfg);
  // The verdict may have moved TS.Recent (RFC 7323 §4.3): keep it for later segments and the record.
  if (rec.tsRecent !== undefined) tcb.tsRecent = rec.tsRecent;
  switch (v.action) {
    case 'ack':
      if (v.reason !== undefined) {
        // An ACK to an old duplicate (or a forged segment) comes out of the host's budget, as the
        // record's would (time-wait-table.ts); the peer's FIN again always gets its answer.
        if (tcb.challengeBudget !== undefined && !tcb.challengeBudget.take(tcb.now)) {
          tcb.drop(seg, 'challenge-ack-limit');
          return;
        }
        tcb.drop(seg, v.reason);
      }
      tcb.push(timeWaitAck(rec, tcb.now));
      if (v.restart) tcb.timeWaitStart = tcb.now; // 2MSL again (schedule.ts)
      return;
    case 'drop':
      tcb.drop(seg, v.reason);
      return;
    case 'close':
      tcb.transition(TcpState.Closed, 'RST in TIME-WAIT');
      return;
    case 'reopen':
      // A live object cannot become a new connection: it closes, and the endpoint (which keeps
      // TIME-WAIT as a record anyway) hands the SYN to a listener.
      tcb.drop(seg, 'reopen');
      tcb.transition(TcpState.Closed, 'SYN reuses the tuple');
      return;
    default:
      unreachable(v, 'verdict');
  }
}
