// The eleven states of RFC 9293 §3.3.2, and predicates over them.

export enum TcpState {
  Closed = 'CLOSED',
  Listen = 'LISTEN',
  SynSent = 'SYN-SENT',
  SynReceived = 'SYN-RECEIVED',
  Established = 'ESTABLISHED',
  FinWait1 = 'FIN-WAIT-1',
  FinWait2 = 'FIN-WAIT-2',
  CloseWait = 'CLOSE-WAIT',
  Closing = 'CLOSING',
  LastAck = 'LAST-ACK',
  TimeWait = 'TIME-WAIT',
}

export type TcpStateName = `${TcpState}`;

/** Synchronized states: both ISNs are known (RFC 9293 §3.5.2, "synchronized"). */
export function isSynchronized(s: TcpState): boolean {
  return s !== TcpState.Closed && s !== TcpState.Listen && s !== TcpState.SynSent && s !== TcpState.SynReceived;
}

/** We may still queue data to send: the user has not closed the sending direction. */
export function canSend(s: TcpState): boolean {
  return s === TcpState.SynSent || s === TcpState.SynReceived || s === TcpState.Established || s === TcpState.CloseWait;
}

/** The peer may still send us data: its FIN has not been received. */
export function canReceive(s: TcpState): boolean {
  return (
    s === TcpState.SynSent ||
    s === TcpState.SynReceived ||
    s === TcpState.Established ||
    s === TcpState.FinWait1 ||
    s === TcpState.FinWait2
  );
}

/** Our FIN has been queued or sent (we closed our sending direction). */
export function isClosing(s: TcpState): boolean {
  return (
    s === TcpState.FinWait1 ||
    s === TcpState.FinWait2 ||
    s === TcpState.Closing ||
    s === TcpState.LastAck ||
    s === TcpState.TimeWait
  );
}

/** States in which our data (and then our FIN) may go out. */
export function dataState(s: TcpState): boolean {
  return (
    s === TcpState.Established ||
    s === TcpState.CloseWait ||
    s === TcpState.FinWait1 ||
    s === TcpState.Closing ||
    s === TcpState.LastAck
  );
}

/**
 * Every edge of the RFC 9293 §3.3.2 state diagram, plus the edges the event-processing text adds
 * (RST and timeouts back to CLOSED or LISTEN, SYN-RECEIVED → FIN-WAIT-1 on CLOSE, FIN-WAIT-1 → TIME-WAIT
 * when a FIN arrives that also acknowledges ours). A transition outside this table is a bug.
 */
export const LEGAL_TRANSITIONS: Readonly<Record<TcpState, readonly TcpState[]>> = {
  [TcpState.Closed]: [TcpState.Listen, TcpState.SynSent],
  [TcpState.Listen]: [TcpState.SynReceived, TcpState.SynSent, TcpState.Closed],
  [TcpState.SynSent]: [TcpState.SynReceived, TcpState.Established, TcpState.Closed],
  [TcpState.SynReceived]: [TcpState.Established, TcpState.FinWait1, TcpState.Listen, TcpState.Closed],
  [TcpState.Established]: [TcpState.FinWait1, TcpState.CloseWait, TcpState.Closed],
  [TcpState.FinWait1]: [TcpState.FinWait2, TcpState.Closing, TcpState.TimeWait, TcpState.Closed],
  [TcpState.FinWait2]: [TcpState.TimeWait, TcpState.Closed],
  [TcpState.CloseWait]: [TcpState.LastAck, TcpState.Closed],
  [TcpState.Closing]: [TcpState.TimeWait, TcpState.Closed],
  [TcpState.LastAck]: [TcpState.Closed],
  [TcpState.TimeWait]: [TcpState.Closed],
};

export function isLegalTransition(from: TcpState, to: TcpState): boolean {
  return LEGAL_TRANSITIONS[from].includes(to);
}
