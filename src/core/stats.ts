// The endpoint's counters, like `netstat -s`: segments in and out, RSTs, retransmissions, opens,
// accepts, failures by code, TIME-WAIT entries and ends, and drops per DropReason.
//
// Each is counted where it happens, by plain field increments (the endpoint's hot path):
//   - segments in (and RSTs in) as handlePacket takes them, before demultiplexing;
//   - segments out (and RSTs out) on the endpoint's one output path, whoever made them: a
//     connection, the RST for a stray, a TIME-WAIT record's ACK, the crash guard's RST;
//   - failures and TIME-WAIT entries from the connection events the endpoint passes on (those of
//     half-open connections too, which the user never sees);
//   - drops: every Connection counts its own straight into `drops` (its `drops` option), and so do
//     the endpoint and its parts (TIME-WAIT records, the crash guard) where they drop; none of them
//     builds a trace event when there is no sink.
// Retransmissions are the one figure not counted as they happen: the Connection keeps its own
// count, so the snapshot adds up the live ones and `retransmissions` holds those of objects the
// endpoint has let go.

import type { ConnErrorCode } from '../base/errors.js';
import { has, RST, type Segment } from '../wire/segment.js';
import type { ConnEvent } from './events.js';
import type { DropReason } from './trace.js';

/**
 * Counters since the endpoint was made, like `netstat -s`. `stats` returns a fresh snapshot.
 * Drops of the simulated links ('link-loss', 'fault', 'partition', 'mtu') happen outside the
 * endpoint and stay 0 here.
 */
export interface EndpointStats {
  /** Segments given to handlePacket (directly or decoded by handleDatagram), whatever became of them. */
  segmentsReceived: number;
  /** Segments put in an output: by connections, RSTs for strays, ACKs of TIME-WAIT records. */
  segmentsSent: number;
  /** Segments sent again (SYN, data, FIN; timeouts, fast retransmit, partial ACKs). */
  retransmissions: number;
  rstsReceived: number;
  rstsSent: number;
  /** connect() calls (SYN sent). */
  activeOpens: number;
  /** SYNs at a listener that made a half-open connection. */
  passiveOpens: number;
  /** Handshakes completed at a listener ('accept' events). */
  accepted: number;
  /** 'error' events by code (also of half-open connections, whose events the user never sees). */
  failed: Record<ConnErrorCode, number>;
  timeWait: {
    /** Connections that entered TIME-WAIT. */
    created: number;
    /** TIME-WAITs that ended after 2MSL (record or object). */
    expired: number;
    /** TIME-WAITs ended early by a new SYN that reused the tuple. */
    reused: number;
  };
  /** SYN cookies (syn-cookie.ts): SYN,ACKs sent with one, and ACKs to a listener that brought one back good or bad. */
  synCookies: {
    sent: number;
    valid: number;
    invalid: number;
  };
  /**
   * Host limits hit (EndpointOptions.limits): connections refused, TIME-WAIT records reclaimed,
   * orphans reset, out-of-order segments not queued.
   */
  limits: {
    connections: number;
    timeWait: number;
    orphans: number;
    reassembly: number;
  };
  /** Out-of-order bytes its connections hold now, together (a gauge; limited by HostLimits.reassembly). */
  outOfOrderBytes: number;
  /** Every traced drop of this endpoint and its connections, by reason (every reason present). */
  drops: Record<DropReason, number>;
  /** Exceptions caught by the crash guard (non-strict mode). */
  internalErrors: number;
}

/**
 * The running counters of one endpoint: EndpointStats, counted in place, except that
 * `retransmissions` holds only those of Connection objects the endpoint no longer holds (see the
 * file comment); snapshot() adds the live ones, and the out-of-order bytes held (a gauge the
 * endpoint's HostLimiter keeps).
 */
export class Counters implements Omit<EndpointStats, 'outOfOrderBytes'> {
  segmentsReceived = 0;
  segmentsSent = 0;
  retransmissions = 0;
  rstsReceived = 0;
  rstsSent = 0;
  activeOpens = 0;
  passiveOpens = 0;
  accepted = 0;
  readonly failed: Record<ConnErrorCode, number> = {
    ECONNREFUSED: 0,
    ECONNRESET: 0,
    ETIMEDOUT: 0,
    EPIPE: 0,
    ECONNABORTED: 0,
  };
  readonly timeWait = { created: 0, expired: 0, reused: 0 };
  readonly synCookies = { sent: 0, valid: 0, invalid: 0 };
  readonly limits = { connections: 0, timeWait: 0, orphans: 0, reassembly: 0 };
  internalErrors = 0;
  /** Shared with every Connection of the endpoint, which counts its own drops here. */
  readonly drops: Record<DropReason, number> = zeroDrops();

  /** A segment handed to the endpoint. */
  received(seg: Segment): void {
    this.segmentsReceived++;
    if (has(seg, RST)) this.rstsReceived++;
  }

  /** A segment put in an output. */
  sent(seg: Segment): void {
    this.segmentsSent++;
    if (has(seg, RST)) this.rstsSent++;
  }

  /** An event of a connection, as the endpoint passes it on (or holds it back while half-open). */
  connEvent(event: ConnEvent): void {
    if (event.type === 'error') this.failed[event.code]++;
    else if (event.type === 'time-wait') this.timeWait.created++;
  }

  /** A Connection object leaves the endpoint: keep the retransmissions it counted. */
  retire(retransmits: number): void {
    this.retransmissions += retransmits;
  }

  /**
   * A fresh copy, with the retransmissions of the live connections (`live`) added and the
   * out-of-order bytes they hold now.
   */
  snapshot(live: number, outOfOrderBytes: number): EndpointStats {
    return {
      segmentsReceived: this.segmentsReceived,
      segmentsSent: this.segmentsSent,
      retransmissions: this.retransmissions + live,
      rstsReceived: this.rstsReceived,
      rstsSent: this.rstsSent,
      activeOpens: this.activeOpens,
      passiveOpens: this.passiveOpens,
      accepted: this.accepted,
      failed: { ...this.failed },
      timeWait: { ...this.timeWait },
      synCookies: { ...this.synCookies },
      limits: { ...this.limits },
      internalErrors: this.internalErrors,
      outOfOrderBytes,
      drops: { ...this.drops },
    };
  }
}

/**
 * The counters as (name, value) lines in the manner of `nstat -az`: the names of the Linux MIB
 * counters where one means the same (TcpActiveOpens, TcpExtSyncookiesSent, ...), FinackDrop* for
 * each drop reason and FinackLimit* for the host limits. Every counter is listed, zeros too.
 */
export function statsLines(s: EndpointStats): [string, number][] {
  const lines: [string, number][] = [
    ['TcpActiveOpens', s.activeOpens],
    ['TcpPassiveOpens', s.passiveOpens],
    ['TcpInSegs', s.segmentsReceived],
    ['TcpOutSegs', s.segmentsSent],
    ['TcpRetransSegs', s.retransmissions],
    ['TcpInRsts', s.rstsReceived],
    ['TcpOutRsts', s.rstsSent],
    ['TcpInCsumErrors', s.drops.checksum],
    ['TcpExtSyncookiesSent', s.synCookies.sent],
    ['TcpExtSyncookiesRecv', s.synCookies.valid],
    ['TcpExtSyncookiesFailed', s.synCookies.invalid],
    ['TcpExtPAWSEstab', s.drops.paws],
    ['TcpExtTCPChallengeACK', s.drops['rst-challenge'] + s.drops['syn-challenge']],
    ['TcpExtTCPACKSkippedChallenge', s.drops['challenge-ack-limit']],
    ['TcpExtListenOverflows', s.drops['listen-overflow']],
    ['TcpExtTW', s.timeWait.expired],
    ['TcpExtTWRecycled', s.timeWait.reused],
    ['FinackAccepted', s.accepted],
    ['FinackTimeWaitEntered', s.timeWait.created],
    ['FinackInternalErrors', s.internalErrors],
    ['FinackOutOfOrderBytes', s.outOfOrderBytes],
  ];
  for (const [code, n] of Object.entries(s.failed)) lines.push([`FinackFailed${code}`, n]);
  for (const [name, n] of Object.entries(s.limits)) lines.push([`FinackLimit${capitalised(name)}`, n]);
  for (const [reason, n] of Object.entries(s.drops)) lines.push([`FinackDrop${camel(reason)}`, n]);
  return lines;
}

/** statsLines as text, one counter per line, names padded to one column. */
export function formatStats(s: EndpointStats): string {
  const lines = statsLines(s);
  const width = Math.max(...lines.map(([k]) => k.length));
  return `${lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

function capitalised(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** 'rst-out-of-window' -> 'RstOutOfWindow'. */
function camel(reason: string): string {
  return reason.split('-').map(capitalised).join('');
}

/** Every DropReason at 0. Spelled out so that a reason added to the union without a counter fails to compile. */
function zeroDrops(): Record<DropReason, number> {
  return {
    truncated: 0,
    'bad-header': 0,
    'bad-option': 0,
    checksum: 0,
    unsupported: 0,
    'not-local': 0,
    'no-connection': 0,
    'rst-to-nothing': 0,
    'listen-overflow': 0,
    'connection-limit': 0,
    'reassembly-limit': 0,
    'listen-bad': 0,
    'syn-sent-bad-ack': 0,
    'syn-sent-no-syn': 0,
    unacceptable: 0,
    'rst-out-of-window': 0,
    'rst-challenge': 0,
    'syn-challenge': 0,
    'challenge-ack-limit': 0,
    'no-ack': 0,
    'defer-accept': 0,
    'ack-too-new': 0,
    'ack-too-old': 0,
    'data-after-fin': 0,
    'time-wait-rst': 0,
    'time-wait-old': 0,
    paws: 0,
    reopen: 0,
    closed: 0,
    'data-after-close': 0,
    'internal-error': 0,
    'link-loss': 0,
    fault: 0,
    partition: 0,
    mtu: 0,
  };
}
