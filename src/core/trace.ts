// Trace events: everything observable about a stack, typed, with virtual or real time.
// The core emits them to an injected TraceSink (a no-op by default); drivers and tools record them.

import type { WireErrorCode } from '../wire/result.js';
import type { Segment } from '../wire/segment.js';
import type { ConnEvent } from './events.js';
import type { TcpStateName } from './state.js';
import type { Instant } from './time.js';
import type { TimerKind } from './timers.js';

/** Why an inbound segment or packet was discarded. A closed set: every drop names one. */
export type DropReason =
  | 'truncated' // shorter than its headers say
  | 'bad-header' // data offset, IP header length, version
  | 'bad-option' // malformed TCP option
  | 'checksum' // IP or TCP checksum wrong
  | 'unsupported' // IP fragment, not TCP, or an IPv6 extension header we cannot skip
  | 'not-local' // destination address is not ours
  | 'no-connection' // no connection or listener: answered with RST where the RFC says so
  | 'rst-to-nothing' // a RST that matched nothing (never answered)
  | 'listen-overflow' // SYN queue or accept backlog full
  | 'connection-limit' // a SYN (or SYN-cookie ACK) at a listener while the host holds its limit of connections
  | 'reassembly-limit' // out-of-order data while the host holds its limit of out-of-order bytes: not queued, ACK sent
  | 'listen-bad' // ACK or other non-SYN at a listener (answered with RST), or a SYN with data we ignore
  | 'syn-sent-bad-ack' // SYN-SENT: unacceptable ACK (RST sent unless the segment had RST)
  | 'syn-sent-no-syn' // SYN-SENT: neither SYN nor RST
  | 'unacceptable' // fails the sequence-number test (RFC 9293 §3.10.7.4 first): ACK sent unless RST
  | 'rst-out-of-window' // RST outside the window: ignored
  | 'rst-challenge' // RST in window but not exact: challenge ACK (RFC 5961 §3)
  | 'syn-challenge' // SYN in a synchronized state: challenge ACK (RFC 5961 §4)
  | 'challenge-ack-limit' // would get an ACK (challenge, or to an unacceptable SYN or pure ACK) but the connection's or the host's budget is spent (RFC 5961 §7): dropped silently
  | 'no-ack' // synchronized state, ACK bit off
  | 'defer-accept' // SYN-RECEIVED with TCP_DEFER_ACCEPT: a bare ACK waits for data (config deferAccept)
  | 'ack-too-new' // acknowledges something not yet sent: ACK sent (in ESTABLISHED none under config dropAckOfUnsent)
  | 'ack-too-old' // ACK below SND.UNA in SYN-RECEIVED: RST sent
  | 'data-after-fin' // data or FIN after the peer's FIN
  | 'time-wait-rst' // RST in TIME-WAIT ignored (RFC 1337)
  | 'time-wait-old' // old duplicate in TIME-WAIT: ACK re-sent, not accepted
  | 'paws' // timestamp older than TS.Recent (RFC 7323 §5): ACK sent unless RST
  | 'reopen' // TIME-WAIT connection object: a new SYN may reuse the tuple; the object closes (endpoint routes the SYN)
  | 'closed' // arrived for a CLOSED connection
  | 'data-after-close' // new data after the application's close(): answered with RST (RFC 1122 §4.2.2.13)
  | 'internal-error' // the core threw while handling it (a bug): the connection it reached was aborted
  | 'link-loss' // simulator: lost on the link (random loss)
  | 'fault' // simulator: dropped by a targeted fault
  | 'partition' // simulator: the two hosts are partitioned
  | 'mtu'; // simulator: larger than the link MTU

export interface SegmentView {
  seg: Segment;
  /** seq relative to the sender's ISN (0 for the SYN). */
  relSeq: number;
  /** ack relative to the receiver's ISN (0 when the ACK bit is off or the ISN is unknown). */
  relAck: number;
}

interface Base {
  /** Milliseconds (virtual time in the simulator). */
  t: Instant;
  /** Name of the endpoint (host) that produced the event, e.g. 'client'. */
  endpoint: string;
  /** The connection's 4-tuple label 'local:port>remote:port', or '' for endpoint-level events. */
  conn: string;
}

export type TraceEvent =
  | (Base & { type: 'state'; from: TcpStateName; to: TcpStateName; cause: string })
  | (Base & SegmentView & { type: 'send' | 'recv' })
  | (Base & Partial<SegmentView> & { type: 'drop'; reason: DropReason })
  | (Base & { type: 'timer'; timer: TimerKind; action: 'armed' | 'fired' | 'cancelled'; deadline?: Instant })
  | (Base & { type: 'event'; event: ConnEvent });

export type TraceSink = (ev: TraceEvent) => void;

export const NO_TRACE: TraceSink = () => {};

/** The drop reason for each way a packet can fail to parse. */
const DROP_REASON: Record<WireErrorCode, DropReason> = {
  ERR_WIRE_TRUNCATED: 'truncated',
  ERR_WIRE_BAD_OFFSET: 'bad-header',
  ERR_WIRE_CHECKSUM: 'checksum',
  ERR_WIRE_BAD_OPTION: 'bad-option',
  ERR_WIRE_BAD_VERSION: 'bad-header',
  ERR_WIRE_BAD_LENGTH: 'bad-header',
  ERR_WIRE_FRAGMENT: 'unsupported',
  ERR_WIRE_NOT_TCP: 'unsupported',
  ERR_WIRE_EXT_HEADER: 'unsupported',
};

/** The DropReason an endpoint traces when a packet fails to parse with this code. */
export function wireDropReason(code: WireErrorCode): DropReason {
  return DROP_REASON[code];
}
