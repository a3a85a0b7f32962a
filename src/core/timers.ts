// Timer kinds. A connection keeps at most one absolute deadline per kind; nextDeadline() is the earliest.

import type { Instant } from './time.js';

export type TimerKind =
  | 'retransmit' // SYN, data and FIN retransmission (RFC 6298)
  | 'persist' // zero-window probes (RFC 9293 §3.8.6.1)
  | 'delayed-ack' // RFC 9293 §3.8.6.3
  | 'keepalive' // RFC 1122 §4.2.3.6
  | 'fin-wait-2' // FIN-WAIT-2 timeout after a full close (Linux tcp_fin_timeout)
  | 'time-wait' // 2MSL (RFC 9293 §3.10.8)
  | 'user-timeout'; // RFC 9293 §3.8.3, §3.10.8

/** Order in which expired timers are served by handleTimeout. */
export const TIMER_KINDS: readonly TimerKind[] = [
  'time-wait',
  'user-timeout',
  'fin-wait-2',
  'retransmit',
  'persist',
  'keepalive',
  'delayed-ack',
];

export interface TimerInfo {
  kind: TimerKind;
  deadline: Instant;
}
