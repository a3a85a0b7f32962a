// The parts of a TCB (tcb.ts) that few connections ever need, kept in one object made on first use.

import type { SackBlock } from '../wire/segment.js';
import type { Reassembly } from './reassembly.js';
import type { Scoreboard } from './sack.js';
import type { Instant } from './time.js';

/**
 * The parts of a TCB few connections need, made together on first use: most connections never see
 * out-of-order data, a SACK block or an unacceptable segment, and keep one field for all of them.
 */
export class Rare {
  /** RFC 6675 HighRxt, as a signed 32-bit integer (see the sequence numbers in Tcb). */
  highRxt = 0;
  /** Segments retransmitted, over the connection's life. */
  totalRetransmits = 0;
  /** Persist timer backoffs since the window last opened. */
  persistBackoff = 0;
  /** When TIME-WAIT began, or last restarted for a retransmitted FIN: 2MSL runs from here. */
  timeWaitStart = 0;
  /** Keepalive probes sent in this idle period. */
  keepaliveProbes = 0;
  /** When the last keepalive probe of this idle period went out. */
  lastProbeAt = 0;
  reasm: Reassembly | undefined = undefined;
  sackRecent: number[] | undefined = undefined;
  /** Receiver: a D-SACK block (RFC 2883) owed on the next segment that carries SACK blocks. */
  dsack: SackBlock | undefined = undefined;
  scoreboard: Scoreboard | undefined = undefined;
  /** Sender: where segments sent with PSH ended, above SND.UNA (a retransmission keeps its PSH). */
  pshMarks: number[] | undefined = undefined;
  /** RFC 5961 §7 limiter: start of the current one-second window and challenge ACKs sent in it. */
  challengeWindowStart: Instant | undefined = undefined;
  challengeCount = 0;
}

/** The numbers of Rare the TCB sets through setRare (tcb.ts). */
export type RareNumber =
  | 'highRxt'
  | 'totalRetransmits'
  | 'persistBackoff'
  | 'timeWaitStart'
  | 'keepaliveProbes'
  | 'lastProbeAt';
