// Inference of both endpoints' states from one connection's log (observer.ts keeps it), with the
// hindsight of the whole connection.
//
// The capture shows segments, not receipts. A transition a side makes by sending (SYN, FIN, RST) is
// placed at the capture time of its segment. A transition caused by receiving is placed at the
// capture time of the segment received, chosen with the rest of the connection in view:
//
//   - a SYN or FIN that was sent more than once counts as received at the last copy sent before the
//     receiver's first acknowledgement of it (the earlier copies evidently got lost; from where a
//     capture is taken it cannot always tell whether the copy or its ACK was lost: we say so);
//   - never before the last segment the receiver sent without acknowledging it: when two FINs cross
//     (neither acknowledges the other), each side sent its FIN before it received the other's, so
//     both pass through CLOSING (RFC 9293 §3.6, simultaneous close);
//   - a side learns its SYN or FIN was acknowledged from the first acknowledging segment after its
//     last retransmission of it: an ACK followed by another copy of the FIN was lost (the final ACK
//     of the close, when the FIN is the last one);
//   - TIME-WAIT lasts 2MSL from the last FIN copy received in it (RFC 9293 §3.10.7.4, a
//     retransmitted FIN restarts the wait), so TIME-WAIT -> CLOSED is a prediction, perhaps past
//     the end of the capture.
//
// Where the capture cannot tell, the inference says so in an 'uncertain' evidence entry rather than
// pretend: a connection open before the capture began, a FIN never acknowledged, a RST sent to a
// peer that had stopped answering.

import type { TcpStateName } from '../core/state.js';
import { ACK, FIN, RST, SYN } from '../wire/segment.js';
import { seqGe } from '../wire/seq.js';
import type {
  CloseKind,
  ConnectionReport,
  Evidence,
  KeptSegment,
  Side,
  StatePoint,
  TimeWaitSpan,
  Transition,
} from './report.js';

/** A logged segment. */
export interface LogSeg {
  pos: number;
  t: number;
  /** 0 = client, 1 = server. */
  from: 0 | 1;
  flags: number;
  seq: number;
  ack: number;
  dataLength: number;
  /** Keepalive probes of the sender still unanswered when it sent this. */
  unanswered: number;
  probe: boolean;
}

/** What the observer counted of one side. */
export interface SideFacts {
  synSeq: number | undefined;
  firstSeq: number;
  started: boolean;
  bytes: number;
  probes: number;
  probesAnswered: number;
  firstProbeT: number | undefined;
  firstAnswerT: number | undefined;
  lastProbeT: number | undefined;
  unanswered: number;
  unansweredSince: number | undefined;
  gapT: number | undefined;
}

export interface ConnLog {
  readonly log: readonly LogSeg[];
  readonly sides: readonly [SideFacts, SideFacts];
}

export interface ConnMeta {
  index: number;
  client: string;
  server: string;
  msl: number;
  /** The end of the capture, or the new SYN that took the tuple (superseded). */
  captureEnd: number;
  superseded?: boolean;
  first: number;
  last: number;
  packets: number;
  half: { by: 0 | 1; t: number; endT: number | undefined; bytes: number } | undefined;
  kept: KeptSegment[] | undefined;
  logFull: boolean;
}

/** How long a FIN-WAIT-2 side waits for the peer's FIN after a full close: Linux tcp_fin_timeout. */
export const FIN_WAIT_2_TIMEOUT = 60_000;

const SIDES: readonly Side[] = ['client', 'server'];
const FAMILY = SYN | ACK | FIN | RST;

/** A SYN or FIN of one side: its sequence number and every copy the capture shows. */
interface Item {
  of: 0 | 1;
  seq: number;
  copies: LogSeg[];
  /** Copies of a form already sent before: retransmissions. */
  retransmits: LogSeg[];
  /** Receipt by the other side: where it is placed, and the copy taken as the one received. */
  received: { pos: number; t: number; copy: LogSeg; copyIndex: number } | undefined;
  /** The other side's first acknowledgement of it (any copy). */
  firstCover: LogSeg | undefined;
  /** The acknowledgement the sender took: the first after its last retransmission. */
  ackedBy: LogSeg | undefined;
  /** An acknowledgement seen before a retransmission: it evidently did not arrive. */
  lostAck: LogSeg | undefined;
}

type EvKind =
  | 'open'
  | 'recv-syn'
  | 'ack-syn'
  | 'send-fin'
  | 'recv-fin'
  | 'fin-copy'
  | 'ack-fin'
  | 'send-rst'
  | 'recv-rst';

interface Ev {
  kind: EvKind;
  side: 0 | 1;
  pos: number;
  /** -1: the side's own action before its segment; +1: after the segment (a receipt). */
  sub: -1 | 1;
  rank: number;
  t: number;
  seg: LogSeg;
  item?: Item;
}

const RANK: Record<EvKind, number> = {
  open: 0,
  'send-fin': 0,
  'send-rst': 0,
  'ack-syn': 1,
  'recv-syn': 2,
  'ack-fin': 3,
  'recv-fin': 4,
  'fin-copy': 5,
  'recv-rst': 6,
};

/** Does `e`, sent by `by`, acknowledge sequence number `seq`? */
function covers(e: LogSeg, by: 0 | 1, seq: number): boolean {
  return e.from === by && (e.flags & (ACK | RST)) === ACK && seqGe(e.ack, (seq + 1) >>> 0);
}

/** Does `e` show that `by` had received `seq`? As covers(), and a RST,ACK whose ACK field covers it. */
function shows(e: LogSeg, by: 0 | 1, seq: number): boolean {
  return e.from === by && (e.flags & ACK) !== 0 && seqGe(e.ack, (seq + 1) >>> 0);
}

function other(s: 0 | 1): 0 | 1 {
  return s === 0 ? 1 : 0;
}

function buildItem(log: readonly LogSeg[], of: 0 | 1, copies: LogSeg[], seq: number): Item {
  const r = other(of);
  const c1 = copies[0]!;
  const fam = (e: LogSeg): number => e.flags & FAMILY;
  const retransmits = copies.filter((e, i) => copies.slice(0, i).some((p) => fam(p) === fam(e)));
  const firstCover = log.find((e) => e.pos > c1.pos && shows(e, r, seq));
  const lastRetransmit = retransmits.at(-1);
  const after = lastRetransmit ?? c1;
  const ackedBy = log.find((e) => e.pos > after.pos && covers(e, r, seq));
  const lostAck =
    lastRetransmit === undefined
      ? undefined
      : log.find((e) => e.pos < after.pos && e.pos > c1.pos && covers(e, r, seq));
  let received: Item['received'];
  const sameForm = copies.filter((e) => fam(e) === fam(c1));
  if (firstCover !== undefined) {
    let copyIndex = 0;
    sameForm.forEach((e, i) => {
      if (e.pos < firstCover.pos) copyIndex = i;
    });
    const copy = sameForm[copyIndex]!;
    let at: LogSeg = copy;
    for (const e of log) {
      if (e.pos >= firstCover.pos) break;
      if (e.from === r && e.pos > at.pos) at = e;
    }
    received = { pos: at.pos, t: at.t, copy, copyIndex };
  } else if (sameForm.length === 1) {
    // Never acknowledged, sent once: taken as received (uncertain), after anything the receiver sent.
    let at: LogSeg = c1;
    for (const e of log) if (e.from === r && e.pos > at.pos) at = e;
    received = { pos: at.pos, t: at.t, copy: c1, copyIndex: 0 };
  }
  return { of, seq, copies, retransmits, received, firstCover, ackedBy, lostAck };
}

interface SideRun {
  state: TcpStateName;
  timeline: StatePoint[];
  /** State entered before any transition, not yet written (the LISTEN a SYN,ACK implies). */
  pendingInitial: TcpStateName | undefined;
  fw2T: number | undefined;
  tw: TimeWaitSpan | undefined;
  twPos: number;
  finSentPos: number | undefined;
  finAcked: boolean;
  resetBy: 'sent' | 'received' | undefined;
}

function fmt(t: number, origin: number): string {
  const ms = t - origin;
  return `${Number.isInteger(ms) ? ms : ms.toFixed(3)} ms`;
}

export function inferConnection(c: ConnLog, m: ConnMeta): ConnectionReport {
  const log = [...c.log].sort((a, b) => a.pos - b.pos);
  const evidence: Evidence[] = [];
  const findings = new Set<string>();
  const at = (t: number): string => fmt(t, m.first);
  const note = (finding: string, t: number, side: 0 | 1, text: string): void => {
    if (finding !== 'uncertain') findings.add(finding);
    evidence.push({ finding, t, side: SIDES[side]!, text });
  };
  const name = (s: 0 | 1): Side => SIDES[s]!;
  const transitions: Transition[] = [];

  // The SYN and FIN items of each side.
  const syns: (Item | undefined)[] = [undefined, undefined];
  const fins: (Item | undefined)[] = [undefined, undefined];
  for (const s of [0, 1] as const) {
    const synCopies = log.filter((e) => e.from === s && (e.flags & (SYN | RST)) === SYN);
    if (synCopies.length > 0) syns[s] = buildItem(log, s, synCopies, synCopies[0]!.seq);
    const finOf = (e: LogSeg): number => (e.seq + e.dataLength + (e.flags & SYN ? 1 : 0)) >>> 0;
    const firstFin = log.find((e) => e.from === s && (e.flags & (FIN | RST)) === FIN);
    if (firstFin !== undefined) {
      const q = finOf(firstFin);
      const finCopies = log.filter((e) => e.from === s && (e.flags & (FIN | RST)) === FIN && finOf(e) === q);
      fins[s] = buildItem(log, s, finCopies, q);
    }
  }

  // Who started where.
  const pureSyn = (s: 0 | 1): boolean => syns[s]?.copies.some((e) => (e.flags & ACK) === 0) ?? false;
  const run: [SideRun, SideRun] = [0, 1].map(() => ({
    state: 'CLOSED' as TcpStateName,
    timeline: [] as StatePoint[],
    pendingInitial: undefined as TcpStateName | undefined,
    fw2T: undefined,
    tw: undefined,
    twPos: -1,
    finSentPos: undefined,
    finAcked: false,
    resetBy: undefined,
  })) as [SideRun, SideRun];
  const events: Ev[] = [];
  const push = (kind: EvKind, side: 0 | 1, seg: LogSeg, pos: number, t: number, item?: Item): void => {
    const sub = kind === 'open' || kind === 'send-fin' || kind === 'send-rst' ? -1 : 1;
    events.push({ kind, side, pos, sub, rank: RANK[kind], t, seg, ...(item ? { item } : {}) });
  };
  const first = log[0];
  const setInitial = (s: 0 | 1, state: TcpStateName, t: number, cause: string): void => {
    run[s].state = state;
    run[s].timeline.push({ t, state });
    transitions.push({ t, side: name(s), from: 'CLOSED', to: state, cause, pos: -1, sub: -1 });
  };
  if (pureSyn(0) || pureSyn(1)) {
    for (const s of [0, 1] as const) {
      if (pureSyn(s)) continue;
      if (syns[s] !== undefined) run[s].pendingInitial = 'LISTEN';
      else if (!c.sides[s].started) {
        note('uncertain', m.first, s, `the ${name(s)} sent nothing in the capture: its state is unknown`);
      }
    }
    if (pureSyn(0) && pureSyn(1))
      note('simultaneous-open', syns[1]!.copies[0]!.t, 1, 'both sides sent a SYN: a simultaneous open (RFC 9293 §3.5)');
  } else if (syns[1] !== undefined || syns[0] !== undefined) {
    // A SYN,ACK without its SYN: the capture began during the handshake.
    const s: 0 | 1 = syns[1] !== undefined ? 1 : 0;
    const t = syns[s]!.copies[0]!.t;
    setInitial(other(s), 'SYN-SENT', t, 'active OPEN (its SYN was not captured)');
    setInitial(s, 'SYN-RECEIVED', t, 'SYN (not captured)');
    note(
      'uncertain',
      t,
      other(s),
      `the ${name(other(s))}'s SYN is not in the capture: SYN-SENT inferred from the SYN,ACK at ${at(t)}`,
    );
  } else if (first !== undefined && log.every((e) => (e.flags & RST) !== 0) && m.packets === log.length) {
    note(
      'uncertain',
      m.first,
      first.from,
      'only RST segments on this tuple: resets for a connection the capture does not show (or none at all); no state is inferred',
    );
  } else if (first !== undefined) {
    setInitial(0, 'ESTABLISHED', m.first, 'open before the capture began');
    setInitial(1, 'ESTABLISHED', m.first, 'open before the capture began');
    note(
      'no-handshake',
      m.first,
      0,
      'no handshake in the capture: the connection was open when it began; ESTABLISHED is inferred for both sides',
    );
  }

  for (const s of [0, 1] as const) {
    const r = other(s);
    const syn = syns[s];
    if (syn) {
      const c1 = syn.copies[0]!;
      if ((c1.flags & ACK) === 0) push('open', s, c1, c1.pos, c1.t);
      if (syn.received) push('recv-syn', r, syn.received.copy, syn.received.pos, syn.received.t, syn);
      if (syn.ackedBy) push('ack-syn', s, syn.ackedBy, syn.ackedBy.pos, syn.ackedBy.t, syn);
      if (syn.retransmits.length > 0) {
        note(
          'syn-retransmitted',
          syn.retransmits[0]!.t,
          s,
          `the ${name(s)} sent its ${(c1.flags & ACK) !== 0 ? 'SYN,ACK' : 'SYN'} ${syn.copies.length} times (first again at ${at(syn.retransmits[0]!.t)})`,
        );
      }
    }
    const fin = fins[s];
    if (fin) {
      const c1 = fin.copies[0]!;
      push('send-fin', s, c1, c1.pos, c1.t, fin);
      if (fin.received) push('recv-fin', r, fin.received.copy, fin.received.pos, fin.received.t, fin);
      for (const cp of fin.copies) push('fin-copy', r, cp, cp.pos, cp.t, fin);
      if (fin.ackedBy) push('ack-fin', s, fin.ackedBy, fin.ackedBy.pos, fin.ackedBy.t, fin);
    }
    for (const e of log)
      if (e.from === s && (e.flags & RST) !== 0) {
        push('send-rst', s, e, e.pos, e.t);
        push('recv-rst', r, e, e.pos, e.t);
      }
  }
  events.sort((a, b) => a.pos - b.pos || a.sub - b.sub || a.rank - b.rank);

  const go = (s: 0 | 1, to: TcpStateName, t: number, cause: string, pos: number, sub: number): void => {
    const rs = run[s];
    const last = rs.timeline.at(-1)?.t ?? t;
    const tt = Math.max(t, last);
    if (rs.pendingInitial !== undefined) {
      // A listener answered: the connection begins in SYN-RECEIVED. LISTEN is the listening
      // socket's state, which no segment of this tuple shows; it is the transition's origin only.
      rs.state = rs.pendingInitial;
      rs.pendingInitial = undefined;
    }
    transitions.push({ t: tt, side: name(s), from: rs.state, to, cause, pos, sub });
    rs.timeline.push({ t: tt, state: to });
    rs.state = to;
    if (to === 'FIN-WAIT-2') rs.fw2T = tt;
    if (to === 'TIME-WAIT') {
      rs.tw = { side: name(s), entered: tt, restarts: [], ends: tt + 2 * m.msl };
      rs.twPos = pos;
    }
  };
  /** TIME-WAIT ends at its deadline if that comes before time t. */
  const expire = (s: 0 | 1, t: number): void => {
    const rs = run[s];
    if (rs.state === 'TIME-WAIT' && rs.tw && t >= rs.tw.ends) {
      go(s, 'CLOSED', rs.tw.ends, '2MSL timeout', rs.twPos, 1);
    }
  };

  for (const ev of events) {
    const s = ev.side;
    const rs = run[s];
    expire(s, ev.t);
    const st = rs.state;
    const e = ev.seg;
    switch (ev.kind) {
      case 'open':
        if (st === 'CLOSED') go(s, 'SYN-SENT', ev.t, 'active OPEN', ev.pos, -1);
        break;
      case 'recv-syn': {
        const withAck = (e.flags & ACK) !== 0;
        if (rs.pendingInitial === 'LISTEN' || st === 'LISTEN') go(s, 'SYN-RECEIVED', ev.t, 'SYN', ev.pos, 1);
        else if (st === 'SYN-SENT') {
          if (withAck) go(s, 'ESTABLISHED', ev.t, 'SYN,ACK', ev.pos, 1);
          else go(s, 'SYN-RECEIVED', ev.t, 'SYN (simultaneous open)', ev.pos, 1);
        }
        if (rs.state !== st) receiptNote(ev, s);
        break;
      }
      case 'ack-syn':
        if (st === 'SYN-RECEIVED') go(s, 'ESTABLISHED', ev.t, 'ACK of SYN', ev.pos, 1);
        break;
      case 'send-fin':
        rs.finSentPos = ev.pos;
        if (st === 'ESTABLISHED' || st === 'SYN-RECEIVED') go(s, 'FIN-WAIT-1', ev.t, 'CLOSE', ev.pos, -1);
        else if (st === 'CLOSE-WAIT') go(s, 'LAST-ACK', ev.t, 'CLOSE', ev.pos, -1);
        break;
      case 'recv-fin':
        if (st === 'ESTABLISHED' || st === 'SYN-RECEIVED') go(s, 'CLOSE-WAIT', ev.t, 'FIN', ev.pos, 1);
        else if (st === 'FIN-WAIT-1') go(s, 'CLOSING', ev.t, 'FIN (simultaneous close)', ev.pos, 1);
        else if (st === 'FIN-WAIT-2') go(s, 'TIME-WAIT', ev.t, 'FIN', ev.pos, 1);
        if (rs.state !== st) receiptNote(ev, s);
        break;
      case 'fin-copy':
        if (st === 'TIME-WAIT' && rs.tw && ev.pos > rs.twPos && ev.t < rs.tw.ends) {
          rs.tw.restarts.push(ev.t);
          rs.tw.ends = ev.t + 2 * m.msl;
          transitions.push({
            t: ev.t,
            side: name(s),
            from: st,
            to: st,
            cause: 'FIN again: 2MSL restarted',
            pos: ev.pos,
            sub: 1,
          });
        }
        break;
      case 'ack-fin':
        rs.finAcked = true;
        if (st === 'FIN-WAIT-1') go(s, 'FIN-WAIT-2', ev.t, 'ACK of FIN', ev.pos, 1);
        else if (st === 'CLOSING') go(s, 'TIME-WAIT', ev.t, 'ACK of FIN', ev.pos, 1);
        else if (st === 'LAST-ACK') go(s, 'CLOSED', ev.t, 'ACK of FIN', ev.pos, 1);
        break;
      case 'send-rst':
        sendRst(ev, s, st);
        break;
      case 'recv-rst':
        recvRst(ev, s, st);
        break;
    }
  }

  function receiptNote(ev: Ev, s: 0 | 1): void {
    const item = ev.item!;
    const what = ev.kind === 'recv-syn' ? ((item.copies[0]!.flags & ACK) !== 0 ? 'SYN,ACK' : 'SYN') : 'FIN';
    const rec = item.received!;
    const sameForm = item.copies.filter((x) => (x.flags & FAMILY) === (item.copies[0]!.flags & FAMILY)).length;
    if (item.firstCover === undefined) {
      note(
        'uncertain',
        rec.t,
        s,
        `the ${name(item.of)}'s ${what} at ${at(rec.t)} was never acknowledged in the capture: that the ${name(s)} received it is assumed`,
      );
    } else if (sameForm > 1 && rec.copyIndex > 0) {
      note(
        'uncertain',
        rec.t,
        s,
        `the ${name(item.of)} sent its ${what} ${sameForm} times before the ${name(s)} acknowledged it: taken as received at copy ${rec.copyIndex + 1} (${at(rec.t)}); the earlier ones, or their ACKs, were lost`,
      );
    }
  }

  function sendRst(ev: Ev, s: 0 | 1, st: TcpStateName): void {
    const e = ev.seg;
    if (st === 'CLOSED' || (st === 'LISTEN' && run[s].pendingInitial === undefined)) return;
    if (run[s].pendingInitial === 'LISTEN') {
      run[s].pendingInitial = undefined;
      note(
        'connection-refused',
        e.t,
        s,
        `the ${name(s)} answered the SYN with a RST at ${at(e.t)}: nothing listened on ${s === 1 ? m.server : m.client}`,
      );
      return;
    }
    // A RST without ACK answering the peer is how a host with no connection replies (RFC 9293 §3.10.7.1):
    // the connection was gone already.
    const noConnection = (e.flags & ACK) === 0 && st !== 'SYN-SENT';
    if (noConnection && st === 'FIN-WAIT-2' && run[s].fw2T !== undefined) {
      const prevPeer = [...log].reverse().find((x) => x.pos < e.pos && x.from !== s);
      const limit = prevPeer?.t ?? e.t;
      const timeout = run[s].fw2T! + FIN_WAIT_2_TIMEOUT;
      if (timeout <= limit) {
        go(s, 'CLOSED', timeout, 'FIN-WAIT-2 timeout', ev.pos, -1);
        note(
          'fin-wait-2-timeout',
          timeout,
          s,
          `the ${name(s)} answered the late FIN at ${at(limit)} with a RST, as a host with no connection does: it had left FIN-WAIT-2 by its timeout (placed at ${at(timeout)}, taking Linux's 60 s tcp_fin_timeout)`,
        );
      } else {
        go(s, 'CLOSED', limit, 'connection gone', ev.pos, -1);
        note(
          'uncertain',
          limit,
          s,
          `the ${name(s)} answered the FIN at ${at(limit)} with a RST, as a host with no connection does, sooner than a 60 s FIN-WAIT-2 timeout: its connection was gone by then (placed at that FIN)`,
        );
      }
      return;
    }
    if (noConnection && st === 'TIME-WAIT') {
      go(s, 'CLOSED', e.t, 'TIME-WAIT over', ev.pos, -1);
      note(
        'uncertain',
        e.t,
        s,
        `the ${name(s)} answered with a RST at ${at(e.t)} while 2MSL had not passed: its TIME-WAIT was shorter than ${2 * m.msl} ms`,
      );
      return;
    }
    run[s].resetBy = 'sent';
    go(s, 'CLOSED', e.t, noConnection ? 'connection gone' : 'ABORT', ev.pos, -1);
    note('rst-close', e.t, s, `the ${name(s)} reset the connection (RST) in ${st} at ${at(e.t)}`);
    if (noConnection) {
      note(
        'uncertain',
        e.t,
        s,
        `the RST carries no ACK, as from a host with no connection: the ${name(s)}'s connection was lost without a segment the capture shows`,
      );
    }
  }

  function recvRst(ev: Ev, s: 0 | 1, st: TcpStateName): void {
    const e = ev.seg;
    const x = other(s);
    if (st === 'CLOSED' || run[s].pendingInitial !== undefined) return;
    if (st === 'TIME-WAIT') {
      note(
        'rst-in-time-wait',
        e.t,
        s,
        `a RST from the ${name(x)} reached the ${name(s)} in TIME-WAIT at ${at(e.t)}: RFC 1337 stacks ignore it (kept here); Linux by default ends TIME-WAIT`,
      );
      return;
    }
    if (e.unanswered > 0) {
      note(
        'uncertain',
        e.t,
        s,
        `the ${name(x)}'s RST at ${at(e.t)} followed ${e.unanswered} unanswered keepalive probes: the ${name(s)} may never receive it; its state is left ${st}`,
      );
      return;
    }
    if (st === 'SYN-SENT') {
      if ((e.flags & ACK) === 0) return;
      run[s].resetBy = 'received';
      go(s, 'CLOSED', e.t, 'RST (connection refused)', ev.pos, 1);
      note('connection-refused', e.t, s, `the ${name(x)} refused the connection (RST,ACK to the SYN) at ${at(e.t)}`);
      return;
    }
    run[s].resetBy = 'received';
    go(s, 'CLOSED', e.t, 'RST', ev.pos, 1);
    note(
      'rst-close',
      e.t,
      s,
      `the ${name(s)} took the ${name(x)}'s RST in ${st}: CLOSED (placed at the RST's capture time)`,
    );
  }

  // The end of the capture, then TIME-WAITs run out (perhaps after it).
  const endStates = run.map((r) => r.state);
  for (const s of [0, 1] as const) {
    const rs = run[s];
    if (rs.state === 'TIME-WAIT' && rs.tw) {
      const tw = rs.tw;
      if (m.superseded && tw.ends > m.captureEnd) {
        // A new incarnation took the tuple: the TIME-WAIT side let it (Linux accepts a SYN in
        // TIME-WAIT whose sequence number is past the old ones), so its TIME-WAIT ended there.
        tw.ends = m.captureEnd;
        go(s, 'CLOSED', tw.ends, 'new SYN on the tuple', Number.MAX_SAFE_INTEGER, 1);
        note(
          'uncertain',
          tw.ends,
          s,
          `a new connection on the same tuple began at ${at(tw.ends)}, before 2MSL had passed: the ${name(s)}'s TIME-WAIT ended there`,
        );
        continue;
      }
      go(s, 'CLOSED', tw.ends, '2MSL timeout', Number.MAX_SAFE_INTEGER, 1);
      if (tw.ends > m.captureEnd) {
        note(
          'uncertain',
          tw.ends,
          s,
          `TIME-WAIT ends at ${at(tw.ends)}, after the capture ended: predicted as 2MSL (${2 * m.msl} ms) after ${tw.restarts.length > 0 ? 'the last FIN received' : 'it was entered'}`,
        );
      }
    }
  }
  const ended = m.superseded ? 'a new connection took the tuple' : 'the capture ended';
  for (const s of [0, 1] as const) {
    if (endStates[s] === 'CLOSE-WAIT') {
      note(
        'close-wait-at-end',
        m.captureEnd,
        s,
        `the ${name(s)} was still in CLOSE-WAIT when ${ended}: its application had not closed`,
      );
    }
    if (endStates[s] === 'FIN-WAIT-2') {
      note(
        'fin-wait-2-at-end',
        m.captureEnd,
        s,
        `the ${name(s)} was still in FIN-WAIT-2 when ${ended}, waiting for the ${name(other(s))}'s FIN`,
      );
    }
  }

  // Retransmitted FINs and lost final ACKs.
  for (const s of [0, 1] as const) {
    const fin = fins[s];
    if (!fin || fin.retransmits.length === 0) continue;
    const again = fin.retransmits[0]!;
    const lostWhat = fin.lostAck
      ? `its ACK at ${at(fin.lostAck.t)} evidently never arrived`
      : 'no ACK of it was captured before: either the FIN or its ACK was lost';
    note(
      'fin-retransmitted',
      again.t,
      s,
      `the ${name(s)} sent its FIN again at ${at(again.t)} (${fin.copies.length} copies in all): ${lostWhat}`,
    );
    const passive = fins[other(s)] !== undefined && fins[other(s)]!.copies[0]!.pos < fin.copies[0]!.pos;
    if (fin.lostAck && passive) {
      const reAck = fin.ackedBy ? `; the ${name(other(s))} ACKed again at ${at(fin.ackedBy.t)}` : '';
      note(
        'final-ack-lost',
        fin.lostAck.t,
        other(s),
        `the final ACK (the ${name(other(s))}'s, at ${at(fin.lostAck.t)}) was lost: the ${name(s)} sent its FIN again at ${at(again.t)}${reAck}`,
      );
    }
    if (!fin.ackedBy && fin.received === undefined) {
      note(
        'uncertain',
        again.t,
        other(s),
        `the ${name(s)}'s FIN was never acknowledged: whether the ${name(other(s))} received it is unknown`,
      );
    }
  }

  // Keepalive.
  for (const s of [0, 1] as const) {
    const f = c.sides[s];
    if (f.probes === 0) continue;
    note(
      'keepalive-probes',
      f.firstProbeT!,
      s,
      `the ${name(s)} sent ${f.probes} keepalive probe${f.probes === 1 ? '' : 's'} (seq = SND.NXT-1 after an idle stretch), first at ${at(f.firstProbeT!)}; ${f.probesAnswered} answered${f.firstAnswerT !== undefined ? ` (first at ${at(f.firstAnswerT)})` : ''}`,
    );
    if (f.unanswered > 0) {
      const rst = log.find(
        (e) => e.from === s && (e.flags & RST) !== 0 && f.unansweredSince !== undefined && e.t >= f.unansweredSince,
      );
      if (rst) {
        note(
          'keepalive-timeout',
          rst.t,
          s,
          `${f.unanswered} probes went unanswered, then the ${name(s)} reset the connection at ${at(rst.t)}: a keepalive timeout`,
        );
      } else if (f.unanswered >= 2) {
        note(
          'keepalive-timeout',
          f.lastProbeT!,
          s,
          `${f.unanswered} probes went unanswered until the capture ended: the ${name(s)} is timing the connection out`,
        );
      }
    }
  }
  for (const s of [0, 1] as const) {
    const g = c.sides[s].gapT;
    if (g !== undefined)
      note(
        'capture-gap',
        g,
        s,
        `the ${name(other(s))} acknowledged data of the ${name(s)} the capture never showed (at ${at(g)}): segments are missing from the capture`,
      );
  }
  if (m.logFull)
    note(
      'uncertain',
      m.last,
      0,
      'the connection had more SYN, FIN and RST segments than are followed: later ones were not used',
    );

  // The close.
  const everyState = (s: 0 | 1): TcpStateName[] => run[s].timeline.map((p) => p.state);
  const reset = run.some((r) => r.resetBy !== undefined);
  let closeKind: CloseKind;
  if (reset) closeKind = 'reset';
  else if (everyState(0).includes('CLOSING') || everyState(1).includes('CLOSING')) closeKind = 'simultaneous';
  else if (run[0].finAcked && run[1].finAcked && fins[0] && fins[1]) {
    const active: 0 | 1 = fins[0].copies[0]!.pos <= fins[1].copies[0]!.pos ? 0 : 1;
    const passiveFin = fins[other(active)]!;
    const combined =
      fins[active]!.firstCover !== undefined && fins[active]!.firstCover!.pos === passiveFin.copies[0]!.pos;
    closeKind = combined ? 'three-way' : 'four-way';
  } else closeKind = 'incomplete';
  if (closeKind === 'simultaneous')
    note(
      'simultaneous-close',
      fins[1]?.copies[0]?.t ?? m.first,
      1,
      "the FINs crossed: each side sent its FIN before it received the other's, and both went through CLOSING (RFC 9293 §3.6)",
    );

  let closedFirstBy: Side | null = null;
  if (fins[0] || fins[1]) {
    const a = fins[0]?.copies[0]?.pos ?? Number.POSITIVE_INFINITY;
    const b = fins[1]?.copies[0]?.pos ?? Number.POSITIVE_INFINITY;
    closedFirstBy = a <= b ? 'client' : 'server';
  } else {
    const firstRst = log.find((e) => (e.flags & RST) !== 0);
    if (firstRst && reset) closedFirstBy = name(firstRst.from);
  }
  const tw = [0, 1].filter((s) => everyState(s as 0 | 1).includes('TIME-WAIT'));
  const timeWaitSide: Side | 'both' | null = tw.length === 2 ? 'both' : tw.length === 1 ? name(tw[0] as 0 | 1) : null;

  const report: ConnectionReport = {
    index: m.index,
    client: m.client,
    server: m.server,
    closeKind,
    closedFirstBy,
    timeWaitSide,
    findings: [],
    evidence: evidence.sort((a, b) => a.t - b.t),
    states: { client: run[0].timeline, server: run[1].timeline },
    bytes: { client: c.sides[0].bytes, server: c.sides[1].bytes },
    first: m.first,
    last: m.last,
    packets: m.packets,
  };
  // Half-close: reported when the other side sent data after the first FIN.
  if (m.half && closeKind !== 'simultaneous' && m.half.bytes > 0) {
    const end = m.half.endT ?? m.last;
    report.halfClose = { by: name(m.half.by), ms: end - m.half.t, bytes: m.half.bytes };
    {
      const y = other(m.half.by);
      note(
        'half-close-data',
        m.half.t,
        y,
        `after the ${name(m.half.by)}'s FIN at ${at(m.half.t)} the ${name(y)} still sent ${m.half.bytes} bytes over ${fmt(end, m.half.t)} (half-close)`,
      );
      report.evidence.sort((a, b) => a.t - b.t);
    }
  }
  report.findings = [...findings];
  if (m.kept) {
    report.detail = {
      segments: m.kept,
      transitions: transitions.sort((a, b) => a.t - b.t || a.pos - b.pos || a.sub - b.sub),
      timeWait: run.flatMap((r) => (r.tw ? [r.tw] : [])),
      base: {
        client: baseOf(c.sides[0]),
        server: baseOf(c.sides[1]),
      },
    };
  }
  return report;
}

/** The ISN, or (no SYN captured) one before the first sequence number seen. */
function baseOf(f: SideFacts): number {
  return f.synSeq ?? (f.firstSeq - 1) >>> 0;
}
