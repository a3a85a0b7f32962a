// When to wake: every timer deadline of a connection, derived from its TCB after each call (smoltcp's
// poll_at, beside output.ts's dispatch). This is the only code that arms or clears the timer table.
// Inputs never touch it: they change the TCB, and where a timer must start over they say so with a
// mark (tcb.restartRtx, tcb.restartUserTimeout, tcb.restartFinWait2, tcb.ackDelayed, and
// tcb.timeWaitStart for the 2MSL timer), which schedule() reads and settles.
//
//   retransmit   while something sent is unacknowledged (RFC 6298 §5.1-§5.3), or as the tail loss
//                probe's PTO (RFC 8985 §7.2);
//   persist      while data waits, nothing is in flight and the window keeps it back (§3.8.6.1);
//   user-timeout while data is unacknowledged, when configured (RFC 5482);
//   fin-wait-2   in FIN-WAIT-2 after close() (Linux tcp_fin_timeout);
//   keepalive    idle synchronized connection with keepalive on (keepalive.ts);
//   delayed-ack  while received data waits for its ACK (RFC 9293 §3.8.6.3);
//   time-wait    2MSL from entering TIME-WAIT or from the last retransmitted FIN (§3.10.7.4).
//
// A deadline is always measured from an instant at or before now, and a timer that fired is armed
// again only from now: a late call of handleTimeout (an event-loop stall) counts as one expiry.

import { seqDiff, seqLt } from '../wire/seq.js';
import { keepaliveDeadline } from './keepalive.js';
import { dataState, TcpState } from './state.js';
import type { Tcb } from './tcb.js';
import type { Instant } from './time.js';

/** Re-derives every timer from the TCB after an input was processed and output sent. */
export function schedule(tcb: Tcb): void {
  const t = tcb.timers;
  const now = tcb.now;
  const s = tcb.state;
  if (s === TcpState.Closed || s === TcpState.Listen) {
    t.clearAll();
    return;
  }
  if (s === TcpState.TimeWait) {
    // RFC 9293 §3.10.7.4 (eighth): in TIME-WAIT only the 2MSL timer runs.
    t.clearAll('time-wait');
    t.set('time-wait', tcb.timeWaitStart + 2 * tcb.cfg.msl);
    return;
  }

  const outstanding = tcb.sndNxt !== tcb.sndUna;
  if (!outstanding) {
    t.clear('retransmit');
    tcb.probeArmed = false;
  } else if (probeEligible(tcb) && (tcb.rearmProbe || !t.isArmed('retransmit'))) {
    // RFC 8985 §7.2: the retransmission timer runs as the PTO, never later than the RTO.
    t.set('retransmit', now + Math.min(probeTimeout(tcb), tcb.rto.rto));
    tcb.probeArmed = true;
  } else if (tcb.restartRtx) {
    // RFC 6298 §5.3: an ACK of new data (or a probe sent) starts the RTO over.
    t.set('retransmit', now + tcb.rto.rto);
  } else {
    t.ensure('retransmit', now + tcb.rto.rto);
  }
  tcb.rearmProbe = false;
  tcb.restartRtx = false;

  const waiting =
    tcb.synAcked && dataState(s) && tcb.sndQueue.length - seqDiff(tcb.sndNxt, tcb.sndQueueSeq) > 0 && !outstanding;
  if (waiting) {
    const interval = Math.min(tcb.rto.rto * 2 ** tcb.persistBackoff, tcb.cfg.rtoMax);
    t.ensure('persist', now + interval);
  } else {
    t.clear('persist');
    if (!outstanding) tcb.persistBackoff = 0;
  }

  if (tcb.cfg.userTimeout > 0 && tcb.sndMax !== tcb.sndUna) {
    if (tcb.restartUserTimeout) t.set('user-timeout', now + tcb.cfg.userTimeout);
    else t.ensure('user-timeout', now + tcb.cfg.userTimeout);
  } else {
    t.clear('user-timeout');
  }
  tcb.restartUserTimeout = false;

  if (s === TcpState.FinWait2 && tcb.userClosed && tcb.cfg.finWait2Timeout > 0) {
    if (tcb.restartFinWait2) t.set('fin-wait-2', now + tcb.cfg.finWait2Timeout);
    else t.ensure('fin-wait-2', now + tcb.cfg.finWait2Timeout);
  } else {
    t.clear('fin-wait-2');
  }
  tcb.restartFinWait2 = false;

  const ka = keepaliveDeadline(tcb);
  if (ka === undefined) t.clear('keepalive');
  else t.set('keepalive', ka);

  // The receive path marks an ACK it may delay; any ACK we send settles it (output.ts).
  if (tcb.ackDelayed) t.ensure('delayed-ack', now + tcb.cfg.delayedAckTimeout);
  else t.clear('delayed-ack');
}

/**
 * True when handleTimeout(now) has nothing to do: no timer is due at `now`, and nothing is owed
 * that transmit() would send. Every call ends with transmit() and schedule(), and run again on an
 * unchanged TCB neither sends nor arms anything (what could go was sent, what must run is armed),
 * so the TCB is as the last call left it; only setNoDelay() changes it between calls, and Nagle
 * matters only while unsent bytes wait (then the full path runs). Connection.handleTimeout then
 * returns at once, with nothing to send and no event.
 */
export function nothingDue(tcb: Tcb, now: Instant): boolean {
  const next = tcb.timers.earliest();
  return (next === undefined || next > now) && !seqLt(tcb.sndNxt, tcb.sndDataEnd);
}

/**
 * RFC 8985 §7.2: a probe may be scheduled while the tail of a flight is outstanding, no recovery
 * or timeout is under way, and no probe was sent for this tail yet. Only on a connection that
 * negotiated SACK: RACK-TLP relies on it (RFC 8985 §3), and Linux's tcp_schedule_loss_probe
 * schedules no probe without it (tcp_is_sack).
 */
function probeEligible(tcb: Tcb): boolean {
  return (
    tcb.cfg.tailLossProbe &&
    tcb.sackOk &&
    tcb.synAcked &&
    !tcb.probeSent &&
    tcb.retries === 0 &&
    !tcb.cc.inRecovery &&
    tcb.sndNxt === tcb.sndMax &&
    dataState(tcb.state)
  );
}

/**
 * PTO (RFC 8985 §7.2): 2·SRTT, plus WCDelAckT (200 ms) when one segment is in flight, since its
 * ACK may be delayed; 1 s before any RTT sample; at least 10 ms (Linux adds TCP_RTO_MIN, also
 * 200 ms, in the one-segment case, and the scripts time it).
 */
function probeTimeout(tcb: Tcb): number {
  const srtt = tcb.rto.srtt;
  if (srtt === undefined) return 1000;
  let pto = 2 * srtt;
  if (tcb.flightSize <= tcb.sndMss + 1) pto += 200;
  return Math.max(10, Math.ceil(pto));
}
