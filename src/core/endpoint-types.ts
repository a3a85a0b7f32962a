// The Endpoint's public types: connection and listener ids, its events and outputs (the sans-IO
// contract of endpoint.ts, over packets), and its options. endpoint.ts exports them all.

import type { Packet } from '../wire/ip.js';
import type { TcpConfig } from './config.js';
import type { ConnEvent } from './events.js';
import type { HostLimits } from './host-limits.js';
import type { Duration } from './time.js';
import type { TraceSink } from './trace.js';
import type { Address } from './tuple.js';

/** Never reused within an Endpoint. */
export type ConnId = number;
export type ListenerId = number;

export type EndpointEvent =
  /** A handshake completed at a listener: the connection is the user's from now on. */
  | { type: 'accept'; listener: ListenerId; conn: ConnId; local: Address; remote: Address }
  /** An event of one connection (its 'closed' is emitted by the endpoint when a TIME-WAIT record expires). */
  | { type: 'conn'; conn: ConnId; event: ConnEvent };

export interface EndpointOutput {
  packets: Packet[];
  events: EndpointEvent[];
}

export interface EndpointOptions {
  /** Trace name, e.g. 'client'. */
  name: string;
  /** Local addresses this endpoint owns; the first is the default for connect(). */
  addresses: string[];
  /** 16 bytes, for ISNs (RFC 9293 §3.4.1 / RFC 6528) and timestamp offsets. */
  isnSecret: Uint8Array;
  /** Uniform in [0, 1): where the ephemeral port search starts. */
  random: () => number;
  /** Defaults for every connection. */
  config?: Partial<TcpConfig>;
  trace?: TraceSink;
  /** Default [49152, 65535]. */
  ephemeralPorts?: [number, number];
  /**
   * Host-wide mean number per second of ACKs answering unacceptable segments: challenge ACKs and
   * the ACKs to out-of-window or PAWS-failing SYNs and pure ACKs (RFC 5961 §7; challenge-budget.ts).
   * Default 1000; 0 for no host-wide limit. Each connection also has config.challengeAckLimit.
   */
  challengeAckHostLimit?: number;
  /** Caps on what the endpoint holds (HostLimits; each hit is counted in stats.limits). */
  limits?: Partial<HostLimits>;
  /**
   * Rethrow an exception raised while handling a packet or a timeout (a bug in the core) instead of
   * aborting the connection it reached. Default false; tests and the simulator set it.
   */
  strict?: boolean;
}

export interface KeepaliveOptions {
  idle?: Duration;
  interval?: Duration;
  count?: number;
}

/** An output with nothing in it, for a call to fill. */
export function emptyOutput(): EndpointOutput {
  return { packets: [], events: [] };
}
