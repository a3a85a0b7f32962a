// Per-connection counters that Linux keeps in its tcp_sock and reports in struct tcp_info, which
// the core does not count: segments and data segments each way, bytes sent and retransmitted, the
// times of the last data sent and received and of the last ACK received, and the receiver's
// estimate of the peer's segment size (rcv_mss). The socket layer sees every packet that enters and
// leaves the Endpoint, so it counts them here, keyed by the connection's 4-tuple.

import type { Packet } from '../core/endpoint.js';
import type { Instant } from '../core/time.js';
import { ACK, FIN, SYN } from '../wire/segment.js';
import { seqGt, seqLt } from '../wire/seq.js';

export interface ConnStats {
  segsIn: number;
  segsOut: number;
  dataSegsIn: number;
  dataSegsOut: number;
  /** Payload bytes sent, retransmissions included (tcpi_bytes_sent). */
  bytesSent: number;
  /** Payload bytes sent again (tcpi_bytes_retrans). */
  bytesRetrans: number;
  lastDataSent?: Instant;
  lastDataRecv?: Instant;
  lastAckRecv?: Instant;
  /** The largest payload received, as tcp_measure_rcv_mss sees it (before capping at advmss). */
  largestIn: number;
  /** One past the highest sequence number of data sent so far (to tell retransmissions apart). */
  highestSent?: number;
  /** The handshake has been seen complete from the peer's side (its SYN-ACK, or its ACK of ours). */
  synced: boolean;
}

function newStats(): ConnStats {
  return {
    segsIn: 0,
    segsOut: 0,
    dataSegsIn: 0,
    dataSegsOut: 0,
    bytesSent: 0,
    bytesRetrans: 0,
    largestIn: 0,
    synced: false,
  };
}

/** The key of a connection as seen from our side: local address and port, remote address and port. */
export function tupleKey(local: { addr: string; port: number }, remote: { addr: string; port: number }): string {
  return `${local.addr}:${local.port}>${remote.addr}:${remote.port}`;
}

export class StatsTable {
  readonly #byTuple = new Map<string, ConnStats>();

  /** The counters of a connection (made empty on first use). */
  of(key: string): ConnStats {
    let s = this.#byTuple.get(key);
    if (!s) {
      s = newStats();
      this.#byTuple.set(key, s);
    }
    return s;
  }

  /** A SYN starts a connection over: counters from an earlier one on the same tuple are dropped. */
  #forSegment(key: string, flags: number): ConnStats {
    if (flags & SYN && !(flags & ACK)) this.#byTuple.delete(key);
    return this.of(key);
  }

  inbound(pkt: Packet, at: Instant): void {
    const seg = pkt.seg;
    const s = this.#forSegment(
      tupleKey({ addr: pkt.dst, port: seg.dstPort }, { addr: pkt.src, port: seg.srcPort }),
      seg.flags,
    );
    s.segsIn++;
    const len = seg.payload.length;
    // Linux starts the receive clock (icsk_ack.lrcvtime) when the connection is made: at the
    // SYN-ACK for an active open, when the final ACK makes the child for a passive one.
    if (seg.flags & SYN) {
      s.lastDataRecv = at;
      s.synced = (seg.flags & ACK) !== 0;
    } else if (!s.synced && seg.flags & ACK) {
      s.lastDataRecv = at;
      s.synced = true;
    }
    if (len > 0) {
      s.dataSegsIn++;
      s.lastDataRecv = at;
      if (len > s.largestIn) s.largestIn = len;
    }
    if (seg.flags & ACK) s.lastAckRecv = at;
  }

  outbound(pkt: Packet, at: Instant): void {
    const seg = pkt.seg;
    const s = this.#forSegment(
      tupleKey({ addr: pkt.src, port: seg.srcPort }, { addr: pkt.dst, port: seg.dstPort }),
      seg.flags,
    );
    s.segsOut++;
    const len = seg.payload.length;
    if (len === 0) {
      if (seg.flags & (SYN | FIN)) s.highestSent = nextHighest(s.highestSent, seg.seq, seg.flags & SYN ? 1 : 0);
      return;
    }
    s.dataSegsOut++;
    s.bytesSent += len;
    s.lastDataSent = at;
    const first = seg.flags & SYN ? (seg.seq + 1) >>> 0 : seg.seq;
    const end = (first + len) >>> 0;
    if (s.highestSent !== undefined && seqLt(first, s.highestSent)) {
      const again = seqLt(end, s.highestSent) ? len : (s.highestSent - first) >>> 0;
      s.bytesRetrans += again;
    }
    if (s.highestSent === undefined || seqGt(end, s.highestSent)) s.highestSent = end;
  }
}

function nextHighest(cur: number | undefined, seq: number, add: number): number {
  const end = (seq + add) >>> 0;
  return cur === undefined || seqGt(end, cur) ? end : cur;
}
