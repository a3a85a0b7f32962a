// D-SACK (RFC 2883) on the receiver: which duplicate range the next ACK reports first (config
// dsack). output.ts puts the block owed (Tcb.dsack) first in the SACK option, once.

import type { SackBlock } from '../wire/segment.js';
import { type Seq, seqAdd, seqGt, seqLt, seqMax, seqMin } from '../wire/seq.js';
import type { Tcb } from './tcb.js';

/**
 * D-SACK (RFC 2883 §4; config dsack): `len` bytes of text at `seq` arrived; if we had some of them
 * already, the first duplicate range becomes the block owed on the next ACK. Below RCV.NXT that is
 * the part under it; above, the lowest held range the text overlaps, as far as they overlap. As
 * Linux's tcp_dsack_set, one block is kept: a later duplicate replaces it, others are not added.
 */
export function noteDuplicateText(tcb: Tcb, seq: Seq, len: number): void {
  const end = seqAdd(seq, len);
  if (seqLt(seq, tcb.rcvNxt)) {
    tcb.dsack = { left: seq, right: seqMin(end, tcb.rcvNxt) };
    return;
  }
  const reasm = tcb.reasmIfMade;
  if (reasm === undefined || reasm.isEmpty) return;
  // Walk the held ranges down from the highest starting below `end`; the last that still overlaps
  // is the lowest. Ranges are disjoint, so each step is one O(log ranges) look-up.
  let first: SackBlock | undefined;
  for (let r = reasm.rangeBefore(end); r !== undefined && seqGt(r.right, seq); r = reasm.rangeBefore(r.left)) first = r;
  if (first !== undefined) tcb.dsack = { left: seqMax(first.left, seq), right: seqMin(first.right, end) };
}
