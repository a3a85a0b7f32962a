// The passive observer behind `finack analyze`: fed the IP packets of a capture in order, it follows
// every TCP connection (by 4-tuple) and, when a connection is finished, infers both endpoints' RFC
// 9293 states over time (infer.ts) and reports it.
//
// Memory is bounded by the connections open, not by the capture: per connection we keep counters
// and a short log of the segments that matter for states (SYN, FIN, RST, and the first segment of
// each side that acknowledges a new SYN or FIN of the other, with the one it sent before) — a few
// dozen entries whatever the data transferred. A finished connection (both FINs acknowledged, or a
// RST) lingers until capture time passes 2MSL after its last packet, so that a retransmitted FIN or
// a repeated final ACK still lands in it, then is reported and dropped; at most maxLingering wait.

import { ACK, FIN, RST, SYN } from '../wire/segment.js';
import { seqDiff, seqGe, seqGt } from '../wire/seq.js';
import { decodeCaptured, type SeenSegment } from './decode.js';
import { type ConnLog, inferConnection, type LogSeg, type SideFacts } from './infer.js';
import type { AnalysisReport, AnalyzeOptions, ConnectionReport, KeptSegment } from './report.js';

export const DEFAULT_MSL = 30_000;
const DEFAULT_MAX_LINGERING = 4096;
/** Entries of a connection's log beyond which only SYN, FIN and RST segments are logged, and the hard cap. */
const LOG_SOFT_CAP = 256;
const LOG_HARD_CAP = 1024;
/** A keepalive probe follows at least this much silence on the connection (ms). */
const PROBE_IDLE = 500;

/** One side of a connection, as seen so far. */
class SideTrack implements SideFacts {
  started = false;
  /** Sequence number of this side's SYN, if captured. */
  synSeq: number | undefined = undefined;
  /** Highest seq + SEG.LEN sent. */
  sndMax = 0;
  /** Highest ACK sent (valid when acked). */
  ackMax = 0;
  acked = false;
  /** The window this side last advertised (raw field). */
  wnd = -1;
  dataInit = false;
  dataMax = 0;
  bytes = 0;
  firstSeq = 0;
  lastT = 0;
  /** Control segments (SYN, FIN, RST) sent so far: the other side logs its first segment after each. */
  controls = 0;
  /** The peer's `controls` when this side's last segment was logged under that rule. */
  seenControls = 0;
  /** Which of the peer's SYN (1) and FIN (2) this side's last segment acknowledged. */
  coverage = 0;
  prev: LogSeg | undefined = undefined;
  prevLogged = false;
  finSeq: number | undefined = undefined;
  finT: number | undefined = undefined;
  finAcked = false;
  // Keepalive probes.
  probes = 0;
  probesAnswered = 0;
  firstProbeT: number | undefined = undefined;
  firstAnswerT: number | undefined = undefined;
  lastProbeT: number | undefined = undefined;
  /** Probes sent since the last answer. */
  unanswered = 0;
  unansweredSince: number | undefined = undefined;
  /** First time the other side acknowledged sequence space of this side that was never captured. */
  gapT: number | undefined = undefined;
}

/** A connection being followed. */
class Conn implements ConnLog {
  readonly log: LogSeg[] = [];
  readonly sides: [SideTrack, SideTrack] = [new SideTrack(), new SideTrack()];
  pos = 0;
  first: number;
  last: number;
  done = false;
  reported = false;
  lingerUntil = 0;
  /** lingerUntil when it took its place in the lingering queue. */
  queuedUntil = 0;
  kept: KeptSegment[] | undefined;
  logFull = false;
  /** Half-close: the first FIN and the other side's bytes at that moment. */
  halfBy: 0 | 1 | undefined = undefined;
  halfT = 0;
  halfBase = 0;
  halfEndT: number | undefined = undefined;
  halfBytes = 0;
  rstT: number | undefined = undefined;
  /** When a new SYN took the tuple for a new connection. */
  supersededAt: number | undefined = undefined;

  constructor(
    readonly key: string,
    readonly index: number,
    /** [client, server] as 'ip:port' text, with the raw parts. */
    readonly ends: readonly [End, End],
    t: number,
  ) {
    this.first = t;
    this.last = t;
  }
}

interface End {
  addr: string;
  port: number;
  text: string;
}

function endText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export class CaptureAnalyzer {
  readonly #msl: number;
  readonly #onConnection: ((c: ConnectionReport) => void) | undefined;
  readonly #keep: ((index: number, client: string, server: string) => boolean) | undefined;
  readonly #maxLingering: number;
  readonly #conns = new Map<string, Conn>();
  #queue: Conn[] = [];
  #queueHead = 0;
  #lingering = 0;
  #nextIndex = 1;
  #packets = 0;
  #nonTcp = 0;
  #undecodable = 0;
  #start: number | undefined;
  #end: number | undefined;
  #maxHeld = 0;
  #maxOpen = 0;
  readonly #collected: ConnectionReport[] = [];
  #finished = false;

  constructor(opts: AnalyzeOptions = {}) {
    this.#msl = opts.msl ?? DEFAULT_MSL;
    this.#onConnection = opts.onConnection;
    this.#keep = opts.keepSegments;
    this.#maxLingering = Math.max(0, opts.maxLingering ?? DEFAULT_MAX_LINGERING);
  }

  /** Connections held in memory now: open ones and finished ones lingering for late segments. */
  get held(): number {
    return this.#conns.size;
  }

  /** The most connections ever held at once. */
  get maxHeld(): number {
    return this.#maxHeld;
  }

  /** The most connections open (not finished) at once: held minus lingering, at its peak. */
  get maxOpen(): number {
    return this.#maxOpen;
  }

  /** Finished connections waiting for 2MSL to pass. */
  get lingering(): number {
    return this.#lingering;
  }

  /** One IP packet (IPv4 or IPv6, no link header) captured at `t` ms. The bytes are not kept. */
  packet(t: number, ip: Uint8Array): void {
    if (this.#finished) return;
    this.#packets++;
    if (this.#start === undefined) this.#start = t;
    if (this.#end === undefined || t > this.#end) this.#end = t;
    this.#expire(t);
    const d = decodeCaptured(ip);
    if (d.kind === 'other') {
      this.#nonTcp++;
      return;
    }
    if (d.kind === 'bad') {
      this.#undecodable++;
      return;
    }
    this.#segment(t, d.seg);
  }

  /** A captured frame that carries no IP packet (ARP, another link protocol): counted as not TCP. */
  nonIp(t: number): void {
    if (this.#finished) return;
    this.#packets++;
    this.#nonTcp++;
    if (this.#start === undefined) this.#start = t;
    if (this.#end === undefined || t > this.#end) this.#end = t;
  }

  /** Reports every connection not yet reported and returns the totals. Later packets are ignored. */
  finish(): AnalysisReport {
    const rest: ConnectionReport[] = [];
    if (!this.#finished) {
      this.#finished = true;
      const open = [...this.#conns.values()].filter((c) => !c.reported).sort((a, b) => a.index - b.index);
      for (const c of open) {
        const r = this.#report(c);
        rest.push(r);
        if (!this.#onConnection) this.#collected.push(r);
      }
      this.#conns.clear();
      this.#queue = [];
      this.#queueHead = 0;
      this.#lingering = 0;
    }
    const connections = this.#onConnection ? rest : [...this.#collected].sort((a, b) => a.index - b.index);
    const out: AnalysisReport = {
      connections,
      packets: this.#packets,
      nonTcp: this.#nonTcp,
      undecodable: this.#undecodable,
    };
    if (this.#start !== undefined) out.start = this.#start;
    if (this.#end !== undefined) out.end = this.#end;
    return out;
  }

  #segment(t: number, s: SeenSegment): void {
    const a = endText(s.src, s.srcPort);
    const b = endText(s.dst, s.dstPort);
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let c = this.#conns.get(key);
    const pureSyn = (s.flags & (SYN | ACK | RST)) === SYN;
    if (c !== undefined && pureSyn && this.#startsAnew(c, a, s.seq)) {
      c.supersededAt = t;
      this.#retire(c);
      c = undefined;
    }
    if (c === undefined) {
      c = this.#open(key, t, s, a, b);
      this.#conns.set(key, c);
      if (this.#conns.size > this.#maxHeld) this.#maxHeld = this.#conns.size;
      const open = this.#conns.size - this.#lingering;
      if (open > this.#maxOpen) this.#maxOpen = open;
    }
    const from: 0 | 1 = c.ends[0].text === a ? 0 : 1;
    this.#track(c, from, t, s);
  }

  /** Does a SYN from `a` with this seq begin a new connection on the tuple of `c`? */
  #startsAnew(c: Conn, a: string, seq: number): boolean {
    if (c.done) return true;
    const side = c.sides[c.ends[0].text === a ? 0 : 1];
    if (side.synSeq !== undefined) return side.synSeq !== seq;
    return side.started;
  }

  #open(key: string, t: number, s: SeenSegment, a: string, b: string): Conn {
    const src: End = { addr: s.src, port: s.srcPort, text: a };
    const dst: End = { addr: s.dst, port: s.dstPort, text: b };
    // The client sent the SYN; a SYN,ACK comes from the server; with no handshake in sight, the
    // higher port is taken for the client's (ephemeral) one.
    let clientIsSrc: boolean;
    if ((s.flags & (SYN | ACK)) === SYN) clientIsSrc = true;
    else if ((s.flags & (SYN | ACK)) === (SYN | ACK)) clientIsSrc = false;
    else clientIsSrc = s.srcPort !== s.dstPort ? s.srcPort > s.dstPort : true;
    const ends: [End, End] = clientIsSrc ? [src, dst] : [dst, src];
    const c = new Conn(key, this.#nextIndex++, ends, t);
    if (this.#keep?.(c.index, ends[0].text, ends[1].text)) c.kept = [];
    return c;
  }

  #track(c: Conn, from: 0 | 1, t: number, s: SeenSegment): void {
    const me = c.sides[from];
    const peer = c.sides[from === 0 ? 1 : 0];
    const pos = c.pos++;
    c.last = t;
    const syn = (s.flags & SYN) !== 0;
    const fin = (s.flags & FIN) !== 0;
    const rst = (s.flags & RST) !== 0;
    const hasAck = (s.flags & ACK) !== 0;
    const segLen = s.dataLength + (syn ? 1 : 0) + (fin ? 1 : 0);
    const end = (s.seq + segLen) >>> 0;
    const quiet = t - Math.max(me.lastT, peer.lastT);
    const sentBefore = me.started;
    if (!me.started) {
      me.started = true;
      me.firstSeq = s.seq;
      me.sndMax = end;
    }
    if (syn && me.synSeq === undefined) {
      me.synSeq = s.seq;
      if (!me.dataInit) {
        me.dataInit = true;
        me.dataMax = (s.seq + 1) >>> 0;
      }
    }
    // A keepalive probe: after a quiet stretch, one old byte or none at SND.NXT-1, all data
    // acknowledged. Into a zero window the same segment is a window probe instead (RFC 9293 §3.8.6.1).
    const probe =
      peer.wnd !== 0 &&
      !syn &&
      !fin &&
      !rst &&
      s.dataLength <= 1 &&
      peer.acked &&
      peer.ackMax === me.sndMax &&
      s.seq === (me.sndMax - 1) >>> 0 &&
      sentBefore &&
      quiet >= PROBE_IDLE;
    if (probe) {
      me.probes++;
      me.firstProbeT ??= t;
      me.lastProbeT = t;
      if (me.unanswered === 0) me.unansweredSince = t;
      me.unanswered++;
    } else if (s.dataLength > 0 && !rst) {
      const dataStart = syn ? (s.seq + 1) >>> 0 : s.seq;
      const dataEnd = (dataStart + s.dataLength) >>> 0;
      if (!me.dataInit) {
        me.dataInit = true;
        me.dataMax = dataStart;
      }
      if (seqGt(dataEnd, me.dataMax)) {
        me.bytes += seqDiff(dataEnd, seqGt(dataStart, me.dataMax) ? dataStart : me.dataMax);
        me.dataMax = dataEnd;
      }
    }
    if (!rst && seqGt(end, me.sndMax)) me.sndMax = end;
    if (!rst) me.wnd = s.wnd;
    if (hasAck && !rst) {
      // The peer's probes are answered by any ACK of everything it sent.
      if (peer.unanswered > 0 && seqGe(s.ack, peer.sndMax)) {
        peer.probesAnswered += peer.unanswered > 0 ? 1 : 0;
        peer.firstAnswerT ??= t;
        peer.unanswered = 0;
        peer.unansweredSince = undefined;
      }
      if (peer.started && seqGt(s.ack, peer.sndMax) && peer.gapT === undefined) peer.gapT = t;
      if (!me.acked || seqGt(s.ack, me.ackMax)) me.ackMax = s.ack;
      me.acked = true;
    }
    // Half-close bookkeeping: bytes the other side sends after the first FIN.
    if (fin && me.finSeq === undefined) {
      me.finSeq = (s.seq + s.dataLength + (syn ? 1 : 0)) >>> 0;
      me.finT = t;
      if (c.halfBy === undefined) {
        c.halfBy = from;
        c.halfT = t;
        c.halfBase = peer.bytes;
      } else if (c.halfEndT === undefined && c.halfBy !== from) {
        c.halfEndT = t;
        c.halfBytes = me.bytes - c.halfBase;
      }
    }
    if (rst && c.rstT === undefined) c.rstT = t;
    if (hasAck && !rst && peer.finSeq !== undefined && seqGe(s.ack, (peer.finSeq + 1) >>> 0)) peer.finAcked = true;
    // The log.
    let coverage = 0;
    if (hasAck && !rst) {
      if (peer.synSeq !== undefined && seqGe(s.ack, (peer.synSeq + 1) >>> 0)) coverage |= 1;
      if (peer.finSeq !== undefined && seqGe(s.ack, (peer.finSeq + 1) >>> 0)) coverage |= 2;
    }
    const entry: LogSeg = {
      pos,
      t,
      from,
      flags: s.flags,
      seq: s.seq,
      ack: s.ack,
      dataLength: s.dataLength,
      unanswered: me.unanswered,
      probe,
    };
    const control = syn || fin || rst;
    const afterPeerControl = me.seenControls !== peer.controls;
    const newCoverage = coverage !== me.coverage && (coverage & ~me.coverage) !== 0;
    if (control || afterPeerControl || newCoverage) {
      if (newCoverage && me.prev !== undefined && !me.prevLogged) this.#log(c, me.prev, true);
      this.#log(c, entry, control);
      me.prevLogged = true;
      me.seenControls = peer.controls;
    } else {
      me.prevLogged = false;
    }
    if (control) me.controls++;
    me.coverage |= coverage;
    me.prev = entry;
    me.lastT = t;
    if (c.kept) {
      const payload = new Uint8Array(s.dataLength);
      payload.set(s.payload.subarray(0, Math.min(s.payload.length, s.dataLength)));
      c.kept.push({
        t,
        pos,
        from: from === 0 ? 'client' : 'server',
        seg: {
          srcPort: s.srcPort,
          dstPort: s.dstPort,
          seq: s.seq,
          ack: s.ack,
          flags: s.flags,
          wnd: s.wnd,
          urp: s.urp,
          options: s.options,
          payload,
        },
      });
    }
    // Finished: both FINs acknowledged, or a RST. It lingers for late retransmissions.
    const finished = rst || (c.sides[0].finAcked && c.sides[1].finAcked);
    if (finished) {
      c.lingerUntil = t + 2 * this.#msl;
      if (!c.done) {
        c.done = true;
        c.queuedUntil = c.lingerUntil;
        this.#queue.push(c);
        this.#lingering++;
      }
    } else if (c.done) c.lingerUntil = t + 2 * this.#msl;
  }

  #log(c: Conn, e: LogSeg, control: boolean): void {
    if (c.log.length >= LOG_HARD_CAP || (c.log.length >= LOG_SOFT_CAP && !control)) {
      c.logFull = true;
      return;
    }
    c.log.push(e);
  }

  /** Reports lingering connections whose 2MSL has passed, and the oldest beyond maxLingering. */
  #expire(now: number): void {
    while (this.#queueHead < this.#queue.length) {
      const c = this.#queue[this.#queueHead]!;
      if (c.reported) {
        this.#queueHead++;
        continue;
      }
      const over = this.#lingering > this.#maxLingering;
      if (!over && c.lingerUntil > now) {
        // The queue is in order of the deadlines connections were queued with, so the head's is the
        // earliest. A later packet may have extended it: back of the queue with its new deadline.
        if (c.lingerUntil > c.queuedUntil) {
          c.queuedUntil = c.lingerUntil;
          this.#queueHead++;
          this.#queue.push(c);
          continue;
        }
        break;
      }
      this.#queueHead++;
      this.#retire(c);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** Reports a connection and forgets it. */
  #retire(c: Conn): void {
    if (c.reported) return;
    if (c.done) this.#lingering--;
    if (this.#conns.get(c.key) === c) this.#conns.delete(c.key);
    const r = this.#report(c);
    if (!this.#onConnection) this.#collected.push(r);
  }

  #report(c: Conn): ConnectionReport {
    c.reported = true;
    const r = inferConnection(c, {
      index: c.index,
      client: c.ends[0].text,
      server: c.ends[1].text,
      msl: this.#msl,
      captureEnd: c.supersededAt ?? this.#end ?? c.last,
      superseded: c.supersededAt !== undefined,
      first: c.first,
      last: c.last,
      packets: c.pos,
      half:
        c.halfBy === undefined
          ? undefined
          : {
              by: c.halfBy,
              t: c.halfT,
              endT: c.halfEndT,
              bytes: c.halfEndT !== undefined ? c.halfBytes : c.sides[c.halfBy === 0 ? 1 : 0].bytes - c.halfBase,
            },
      kept: c.kept,
      logFull: c.logFull,
    });
    this.#onConnection?.(r);
    return r;
  }
}
