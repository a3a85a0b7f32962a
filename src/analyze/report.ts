// What `finack analyze` reports: the shapes of the contract (issue 12) and the finding vocabulary.
// Times are milliseconds of capture time (since the Unix epoch, fractions kept).

import type { TcpStateName } from '../core/state.js';
import type { Segment } from '../wire/segment.js';

export type Side = 'client' | 'server';

export type CloseKind = 'four-way' | 'three-way' | 'simultaneous' | 'reset' | 'incomplete';

/**
 * The findings. The first eight are the contract's vocabulary; the rest add what the capture shows
 * beyond it.
 */
export type Finding =
  | 'fin-retransmitted'
  | 'final-ack-lost'
  | 'rst-close'
  | 'keepalive-probes'
  | 'keepalive-timeout'
  | 'close-wait-at-end'
  | 'fin-wait-2-at-end'
  | 'half-close-data'
  /** No SYN in the capture: the connection was open when it began; states are inferred. */
  | 'no-handshake'
  | 'syn-retransmitted'
  | 'simultaneous-open'
  | 'simultaneous-close'
  /** A FIN-WAIT-2 side answered the peer's late FIN with a RST: it had timed out of FIN-WAIT-2. */
  | 'fin-wait-2-timeout'
  /** A RST reached a side in TIME-WAIT (RFC 1337 stacks ignore it; Linux by default closes). */
  | 'rst-in-time-wait'
  /** The SYN was answered with a RST: nothing listened. */
  | 'connection-refused'
  /** A side acknowledged sequence space the capture never showed: segments are missing from it. */
  | 'capture-gap'
  /** A note on a state the capture cannot show for certain (receipt, an unanswered segment). */
  | 'uncertain';

export interface Evidence {
  finding: Finding | string;
  t: number;
  side: Side;
  text: string;
}

export interface StatePoint {
  t: number;
  state: TcpStateName;
}

/** A segment kept for diagrams (AnalyzeOptions.keepSegments). */
export interface KeptSegment {
  t: number;
  from: Side;
  seg: Segment;
  /** Position of the segment in the connection (0-based), the order of the capture. */
  pos: number;
}

/** One state change with where it comes from, for diagrams. */
export interface Transition {
  t: number;
  side: Side;
  from: TcpStateName;
  to: TcpStateName;
  /** Short cause, as the stack's own trace words it ('FIN', 'ACK of FIN', '2MSL timeout' ...). */
  cause: string;
  /** Orders transitions and segments at the same time: the segment position, and before (-1) or after (1) it. */
  pos: number;
  sub: number;
}

/** TIME-WAIT as inferred: entered, restarted by retransmitted FINs, and when it ends. */
export interface TimeWaitSpan {
  side: Side;
  entered: number;
  restarts: number[];
  ends: number;
}

/** What is kept of a connection for connectionTrace: only for connections keepSegments chose. */
export interface ConnectionDetail {
  segments: KeptSegment[];
  transitions: Transition[];
  timeWait: TimeWaitSpan[];
  /** Each side's initial sequence number (or what stands in for it), for relative numbers. */
  base: { client: number; server: number };
}

export interface ConnectionReport {
  /** 1-based, in order of first packet. */
  index: number;
  /** 'ip:port', '[v6]:port'. */
  client: string;
  server: string;
  closeKind: CloseKind;
  closedFirstBy: Side | null;
  timeWaitSide: Side | 'both' | null;
  findings: string[];
  evidence: Evidence[];
  states: { client: StatePoint[]; server: StatePoint[] };
  /** New payload bytes each side sent (retransmissions and probes not counted again). */
  bytes: { client: number; server: number };
  halfClose?: { by: Side; ms: number; bytes: number };
  /** Capture time of the connection's first and last packet, and how many it had. */
  first: number;
  last: number;
  packets: number;
  /** Only for connections whose segments were kept (not part of the JSON). */
  detail?: ConnectionDetail;
}

export interface AnalysisReport {
  connections: ConnectionReport[];
  packets: number;
  nonTcp: number;
  undecodable: number;
  start?: number;
  end?: number;
}

export interface AnalyzeOptions {
  /** ms, default 30000: 2MSL = 60 s, as long as Linux holds TIME-WAIT. */
  msl?: number;
  /** Called as each connection is finished, in order; finish() reports the rest. */
  onConnection?: (c: ConnectionReport) => void;
  /** Connections whose segments are kept for diagrams. */
  keepSegments?: (index: number, client: string, server: string) => boolean;
  /**
   * Most finished connections held back waiting for a late retransmission (default 4096): past it
   * the oldest is reported at once. Bounds memory when connections finish faster than 2MSL passes.
   */
  maxLingering?: number;
}

/** A connection in `finack analyze --format json`: exactly the contract's fields. */
export type ConnectionJson = Pick<
  ConnectionReport,
  | 'index'
  | 'client'
  | 'server'
  | 'closeKind'
  | 'closedFirstBy'
  | 'timeWaitSide'
  | 'findings'
  | 'evidence'
  | 'states'
  | 'bytes'
  | 'halfClose'
>;

/** The connection as JSON: the contract's fields (no packet counts, no kept segments). */
export function connectionJson(c: ConnectionReport): ConnectionJson {
  const out: ConnectionJson = {
    index: c.index,
    client: c.client,
    server: c.server,
    closeKind: c.closeKind,
    closedFirstBy: c.closedFirstBy,
    timeWaitSide: c.timeWaitSide,
    findings: c.findings,
    evidence: c.evidence,
    states: c.states,
    bytes: c.bytes,
  };
  if (c.halfClose) out.halfClose = c.halfClose;
  return out;
}
