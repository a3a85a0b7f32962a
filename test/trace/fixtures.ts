// Hand-made traces for the renderer tests: the seed's four-way close, and a few odd cases.

import type { SegmentView, TraceEvent } from '../../src/trace/events.js';
import { ACK, FIN, makeSegment, PSH, RST, SYN } from '../../src/wire/segment.js';

export const C_ISN = 1000;
export const S_ISN = 5000;
const CPORT = 49152;

type SegEv = SegmentView;

/** A segment from the client, seq/ack relative. */
export function cs(seq: number, ack: number, flags: number, len = 0): SegEv {
  const a = flags & ACK ? S_ISN + ack : 0;
  return {
    seg: makeSegment({
      srcPort: CPORT,
      dstPort: 80,
      seq: C_ISN + seq,
      ack: a,
      flags,
      wnd: 502,
      payload: new Uint8Array(len),
    }),
    relSeq: seq,
    relAck: flags & ACK ? ack : 0,
  };
}
/** A segment from the server. */
export function ss(seq: number, ack: number, flags: number, len = 0): SegEv {
  const a = flags & ACK ? C_ISN + ack : 0;
  return {
    seg: makeSegment({
      srcPort: 80,
      dstPort: CPORT,
      seq: S_ISN + seq,
      ack: a,
      flags,
      wnd: 509,
      payload: new Uint8Array(len),
    }),
    relSeq: seq,
    relAck: flags & ACK ? ack : 0,
  };
}

const conn = '';
const C = 'client';
const S = 'server';

/** The seed figure with a lost final ACK variant switched off: latency 50 ms, MSL 30 s. */
export function closeTrace(): TraceEvent[] {
  return [
    { t: 0, endpoint: C, conn, type: 'state', from: 'ESTABLISHED', to: 'FIN-WAIT-1', cause: 'close' },
    { t: 0, endpoint: C, conn, type: 'send', ...cs(1, 1, FIN | ACK) },
    { t: 0, endpoint: C, conn, type: 'timer', timer: 'retransmit', action: 'armed', deadline: 1000 },
    { t: 50, endpoint: S, conn, type: 'recv', ...cs(1, 1, FIN | ACK) },
    { t: 50, endpoint: S, conn, type: 'state', from: 'ESTABLISHED', to: 'CLOSE-WAIT', cause: 'FIN received' },
    { t: 50, endpoint: S, conn, type: 'send', ...ss(1, 2, ACK) },
    { t: 50, endpoint: S, conn, type: 'event', event: { type: 'peer-fin' } },
    { t: 70, endpoint: S, conn, type: 'send', ...ss(1, 2, PSH | ACK, 5) },
    { t: 90, endpoint: S, conn, type: 'state', from: 'CLOSE-WAIT', to: 'LAST-ACK', cause: 'close' },
    { t: 90, endpoint: S, conn, type: 'send', ...ss(6, 2, FIN | ACK) },
    { t: 100, endpoint: C, conn, type: 'recv', ...ss(1, 2, ACK) },
    { t: 100, endpoint: C, conn, type: 'timer', timer: 'retransmit', action: 'cancelled' },
    { t: 100, endpoint: C, conn, type: 'state', from: 'FIN-WAIT-1', to: 'FIN-WAIT-2', cause: 'our FIN acked' },
    { t: 120, endpoint: C, conn, type: 'recv', ...ss(1, 2, PSH | ACK, 5) },
    { t: 120, endpoint: C, conn, type: 'send', ...cs(2, 6, ACK) },
    { t: 140, endpoint: C, conn, type: 'recv', ...ss(6, 2, FIN | ACK) },
    { t: 140, endpoint: C, conn, type: 'state', from: 'FIN-WAIT-2', to: 'TIME-WAIT', cause: 'FIN received' },
    { t: 140, endpoint: C, conn, type: 'send', ...cs(2, 7, ACK) },
    { t: 140, endpoint: C, conn, type: 'timer', timer: 'time-wait', action: 'armed', deadline: 60_140 },
    { t: 170, endpoint: S, conn, type: 'recv', ...cs(2, 6, ACK) },
    { t: 190, endpoint: S, conn, type: 'recv', ...cs(2, 7, ACK) },
    { t: 190, endpoint: S, conn, type: 'state', from: 'LAST-ACK', to: 'CLOSED', cause: 'our FIN acked' },
    { t: 60_140, endpoint: C, conn, type: 'timer', timer: 'time-wait', action: 'fired' },
    { t: 60_140, endpoint: C, conn, type: 'state', from: 'TIME-WAIT', to: 'CLOSED', cause: '2MSL timeout' },
  ];
}

/** A lost final ACK, the FIN retransmitted, a stray old duplicate dropped by TIME-WAIT. */
export function lossTrace(): TraceEvent[] {
  return [
    { t: 0, endpoint: S, conn, type: 'state', from: 'CLOSE-WAIT', to: 'LAST-ACK', cause: 'close' },
    { t: 0, endpoint: S, conn, type: 'send', ...ss(1, 2, FIN | ACK) },
    { t: 50, endpoint: C, conn, type: 'recv', ...ss(1, 2, FIN | ACK) },
    { t: 50, endpoint: C, conn, type: 'send', ...cs(2, 2, ACK) },
    { t: 50, endpoint: C, conn, type: 'state', from: 'FIN-WAIT-2', to: 'TIME-WAIT', cause: 'FIN received' },
    { t: 50, endpoint: C, conn, type: 'drop', reason: 'fault', ...cs(2, 2, ACK) },
    { t: 1000, endpoint: S, conn, type: 'timer', timer: 'retransmit', action: 'fired' },
    { t: 1000, endpoint: S, conn, type: 'send', ...ss(1, 2, FIN | ACK) },
    { t: 1050, endpoint: C, conn, type: 'recv', ...ss(1, 2, FIN | ACK) },
    { t: 1050, endpoint: C, conn, type: 'send', ...cs(2, 2, ACK) },
    { t: 1050, endpoint: C, conn, type: 'timer', timer: 'time-wait', action: 'armed', deadline: 61_050 },
    { t: 1080, endpoint: C, conn, type: 'recv', ...ss(0, 1, PSH | ACK, 100) },
    { t: 1080, endpoint: C, conn, type: 'drop', reason: 'time-wait-old', ...ss(0, 1, PSH | ACK, 100) },
    { t: 1100, endpoint: S, conn, type: 'recv', ...cs(2, 2, ACK) },
    { t: 1100, endpoint: S, conn, type: 'state', from: 'LAST-ACK', to: 'CLOSED', cause: 'our FIN acked' },
    { t: 7_201_100, endpoint: S, conn, type: 'send', ...ss(0, 0, RST) },
    { t: 7_201_100, endpoint: S, conn, type: 'drop', reason: 'partition', ...ss(0, 0, RST) },
  ];
}

/** The three-way handshake, for the SYN notation. */
export function handshakeTrace(): TraceEvent[] {
  return [
    { t: 0, endpoint: C, conn, type: 'state', from: 'CLOSED', to: 'SYN-SENT', cause: 'connect' },
    { t: 0, endpoint: C, conn, type: 'send', ...cs(0, 0, SYN) },
    { t: 0, endpoint: S, conn, type: 'state', from: 'CLOSED', to: 'LISTEN', cause: 'listen' },
    { t: 50, endpoint: S, conn, type: 'recv', ...cs(0, 0, SYN) },
    { t: 50, endpoint: S, conn, type: 'state', from: 'LISTEN', to: 'SYN-RECEIVED', cause: 'SYN' },
    { t: 50, endpoint: S, conn, type: 'send', ...ss(0, 1, SYN | ACK) },
    { t: 100, endpoint: C, conn, type: 'recv', ...ss(0, 1, SYN | ACK) },
    { t: 100, endpoint: C, conn, type: 'state', from: 'SYN-SENT', to: 'ESTABLISHED', cause: 'SYN,ACK' },
    { t: 100, endpoint: C, conn, type: 'send', ...cs(1, 1, ACK) },
    { t: 150, endpoint: S, conn, type: 'recv', ...cs(1, 1, ACK) },
    { t: 150, endpoint: S, conn, type: 'state', from: 'SYN-RECEIVED', to: 'ESTABLISHED', cause: 'ACK' },
  ];
}
