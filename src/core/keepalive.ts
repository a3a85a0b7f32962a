// Keepalive (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4): off by default; when on, an idle connection is
// probed after `idle`, then every `interval`; after `count` unanswered probes and one more interval
// the peer is declared dead.
//
//   last segment from the peer at T
//   T + idle                      probe 1   <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>
//   probe k at P, k < count       probe k+1 at P + interval
//   probe count at P              abort at P + interval: 'error' ETIMEDOUT, RST, 'closed'
//
// Each deadline is measured from the last probe actually sent, not from T: when the timer is
// served late (an event-loop stall, a laptop waking), one probe goes out and the next waits a full
// interval, so a live peer always gets `interval` to answer every probe and a stall alone never
// declares it dead.
//
// Any segment from the peer (the answer to a probe included) restarts the idle period and the
// count. Probing runs in ESTABLISHED, CLOSE-WAIT and FIN-WAIT-2, and only while nothing is
// outstanding: with unacknowledged or waiting data the retransmission and persist timers watch
// the peer instead. FIN-WAIT-2 as Linux (tcp_keepalive_timer probes every state but CLOSE and
// SYN-SENT): after a half-close (shutdown) no FIN-WAIT-2 timeout applies, so without probes a side
// whose peer died silently would wait forever for the peer's FIN. The probe there is
// <SEQ=SND.NXT-1> too, i.e. our FIN's sequence number, which the peer has already acknowledged.

import { keepaliveProbe, sendRst } from './output.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';
import type { Instant } from './time.js';

/** When the keepalive timer should fire, or undefined when keepalive does not run now (schedule.ts). */
export function keepaliveDeadline(tcb: Tcb): Instant | undefined {
  if (!tcb.keepalive) return undefined;
  const s = tcb.state;
  if (s !== TcpState.Established && s !== TcpState.CloseWait && s !== TcpState.FinWait2) return undefined;
  if (tcb.sndMax !== tcb.sndUna || tcb.sndQueue.length > 0) return undefined;
  if (tcb.keepaliveProbes === 0) return tcb.idleSince + tcb.keepaliveIdle;
  return tcb.lastProbeAt + tcb.keepaliveInterval;
}

/** A segment arrived from the peer: the connection is not idle. */
export function keepaliveHeard(tcb: Tcb): void {
  tcb.idleSince = tcb.now;
  tcb.keepaliveProbes = 0;
}

/**
 * The keepalive timer fired: probe again, or give up after `count` unanswered probes. With a user
 * timeout (RFC 5482) it is that, not the count, that ends it, as in Linux's tcp_keepalive_timer:
 * once a probe is out and the peer has been silent for the user timeout.
 */
export function onKeepaliveTimer(tcb: Tcb): void {
  if (keepaliveDeadline(tcb) === undefined) return;
  const ut = tcb.cfg.userTimeout;
  const dead =
    ut > 0 ? tcb.keepaliveProbes > 0 && tcb.now - tcb.idleSince >= ut : tcb.keepaliveProbes >= tcb.keepaliveCount;
  if (dead) {
    sendRst(tcb);
    tcb.fail('ETIMEDOUT', 'keepalive probes unanswered');
    return;
  }
  keepaliveProbe(tcb);
  tcb.keepaliveProbes++;
  tcb.lastProbeAt = tcb.now;
}
