// TIME-WAIT as data plus one pure verdict function, shared by the Connection (while it is still the
// live object) and the Endpoint's TIME-WAIT table (time-wait-table.ts), which keeps only this record
// once the object is gone, as Linux's tcp_minisocks.c does.
//
// What can still arrive once both FINs are acknowledged (RFC 9293 §3.10.7.4, TIME-WAIT rows):
//   - the peer's FIN again (our last ACK was lost): ACK it again and restart the 2MSL wait;
//   - a RST: RFC 1337 (TIME-WAIT assassination) says ignore it; plain RFC 9293 lets it close;
//   - a new SYN for the same 4-tuple: may reopen when it is clearly newer (RFC 9293 §3.10.7.4 and
//     RFC 6191: a higher timestamp when both used them, else a sequence number past RCV.NXT);
//   - old duplicates: answered with an ACK so the peer resynchronises; never accepted.
// An acceptable pure ACK gets no answer: two TIME-WAIT ends (simultaneous close) would otherwise
// ACK each other's ACKs forever.

import { ACK, FIN, has, makeSegment, RST, type Segment, SYN, segLen } from '../wire/segment.js';
import { seqAdd, seqGt, seqLt } from '../wire/seq.js';
import type { TcpConfig } from './config.js';
import type { Instant } from './time.js';
import type { DropReason } from './trace.js';

/**
 * Sequence numbers and timestamps are 32-bit unsigned, as everywhere (wire/seq.ts), and the window
 * field 16-bit: the endpoint's table keeps a record in words of those sizes (time-wait-table.ts).
 */
export interface TimeWaitRecord {
  localPort: number;
  remotePort: number;
  /** Our ISN and the peer's: for relative numbering in traces. */
  iss: number;
  irs: number;
  /** Our next sequence number (after our FIN). */
  sndNxt: number;
  /** Next sequence number expected from the peer (after its FIN). */
  rcvNxt: number;
  /** Window field to put in ACKs (already scaled down). */
  rcvWndField: number;
  /** Added to `now` to make our TSval. */
  tsOffset: number;
  /** TS.Recent when timestamps were negotiated (ACKs then carry the option). */
  tsRecent?: number;
  /** When the 2MSL wait ends: entry + 2*msl, moved by a retransmitted FIN. */
  expires: Instant;
}

export type TimeWaitVerdict =
  | { action: 'ack'; restart: boolean; reason?: DropReason }
  | { action: 'drop'; reason: DropReason }
  | { action: 'close' }
  | { action: 'reopen' };

/** True when a is older than b in the 32-bit timestamp space (RFC 7323 §5.2). */
function tsOlder(a: number, b: number): boolean {
  return seqLt(a, b);
}

/**
 * What to do with `seg` in TIME-WAIT. Pure except for one field: when the segment passes PAWS and
 * covers RCV.NXT (the retransmitted FIN, or a bare ACK at RCV.NXT), its TSval becomes
 * `rec.tsRecent` (RFC 7323 §4.3), so the ACK built next by timeWaitAck echoes it. The caller keeps
 * the mutated record.
 */
export function timeWaitVerdict(rec: TimeWaitRecord, seg: Segment, _now: Instant, cfg: TcpConfig): TimeWaitVerdict {
  const ts = seg.options.ts;
  const tsInUse = rec.tsRecent !== undefined;

  // RST: RFC 1337 says a RST must not cut TIME-WAIT short (it could let an old duplicate of a new
  // connection be accepted). Without RFC 1337, RFC 9293 §3.10.7.4 (second) lets an exact RST close.
  if (has(seg, RST)) {
    if (cfg.rfc1337) return { action: 'drop', reason: 'time-wait-rst' };
    if (seg.seq === rec.rcvNxt) return { action: 'close' };
    return { action: 'drop', reason: 'rst-out-of-window' };
  }

  // A SYN without ACK: a new incarnation of the connection may reuse the tuple when it cannot be
  // confused with this one (RFC 6191 with timestamps, else the sequence rule of RFC 9293/1122).
  if (has(seg, SYN) && !has(seg, ACK)) {
    if (tsInUse && ts !== undefined && rec.tsRecent !== undefined) {
      if (seqGt(ts.val, rec.tsRecent)) return { action: 'reopen' };
    } else if (seqGt(seg.seq, rec.rcvNxt)) {
      return { action: 'reopen' };
    }
    return { action: 'ack', restart: false, reason: 'time-wait-old' };
  }

  // PAWS (RFC 7323 §5.3 R1) holds in TIME-WAIT too: an older timestamp marks an old duplicate;
  // answer with an ACK, do not restart the 2MSL wait, keep TS.Recent.
  if (tsInUse && ts !== undefined && rec.tsRecent !== undefined && tsOlder(ts.val, rec.tsRecent)) {
    return { action: 'ack', restart: false, reason: 'paws' };
  }

  // The peer's FIN again: it ends exactly at RCV.NXT (the FIN occupied RCV.NXT - 1).
  // RFC 9293 §3.10.7.4 (eighth), TIME-WAIT: acknowledge it and restart the 2MSL timeout.
  // RFC 7323 §4.3: it starts at or before Last.ACK.sent (= RCV.NXT) and passed PAWS, so its TSval
  // becomes TS.Recent and our ACK echoes it (the peer in LAST-ACK times its FIN with it).
  if (has(seg, FIN) && seqAdd(seg.seq, segLen(seg)) === rec.rcvNxt) {
    if (tsInUse && ts !== undefined) rec.tsRecent = ts.val;
    return { action: 'ack', restart: true };
  }

  // A pure ACK at RCV.NXT is acceptable and says nothing new: no answer (see the file comment).
  // Its TSval is recorded all the same (RFC 7323 §4.3). Linux also restarts the 2MSL wait here
  // (tcp_timewait_state_process); RFC 9293 restarts it only for a FIN, and so do we.
  if (segLen(seg) === 0 && seg.seq === rec.rcvNxt) {
    if (tsInUse && ts !== undefined) rec.tsRecent = ts.val;
    return { action: 'drop', reason: 'time-wait-old' };
  }

  // Anything else is an old duplicate or data after the FIN: RFC 9293 §3.10.7.4 (first) answers an
  // unacceptable segment with an ACK.
  return { action: 'ack', restart: false, reason: 'time-wait-old' };
}

/** The ACK TIME-WAIT sends: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, with timestamps when negotiated. */
export function timeWaitAck(rec: TimeWaitRecord, now: Instant): Segment {
  return makeSegment({
    srcPort: rec.localPort,
    dstPort: rec.remotePort,
    seq: rec.sndNxt,
    ack: rec.rcvNxt,
    flags: ACK,
    wnd: rec.rcvWndField,
    options: rec.tsRecent !== undefined ? { ts: { val: (now + rec.tsOffset) >>> 0, ecr: rec.tsRecent } } : {},
  });
}
