// User calls (RFC 9293 §3.10.1 to §3.10.5): OPEN, SEND, RECEIVE, CLOSE (as shutdown = half-close
// and close = half-close + no more reading), ABORT. Each one first checks the state and throws a
// UsageError where the RFC says "error: ..." — before changing anything — then updates the TCB.
// What goes out is decided afterwards by output.ts.

import { UsageError } from './errors.js';
import { keepaliveHeard } from './keepalive.js';
import { sendRst, windowUpdateDue } from './output.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';

// RFC 9293 §3.10.1, active OPEN: CLOSED -> SYN-SENT; output.ts sends <SEQ=ISS><CTL=SYN>.
export function openActive(tcb: Tcb): void {
  if (tcb.finished) throw new UsageError('ERR_SOCKET_CLOSED', 'this connection is finished');
  if (tcb.state !== TcpState.Closed) throw new UsageError('ERR_TCP_EXISTS');
  if (tcb.remotePort === 0)
    throw new UsageError('ERR_INVALID_ARG_VALUE', 'remotePort is 0 (foreign socket unspecified)');
  tcb.passive = false;
  tcb.transition(TcpState.SynSent, 'active OPEN');
}

// RFC 9293 §3.10.1, passive OPEN: CLOSED -> LISTEN.
export function openPassive(tcb: Tcb): void {
  if (tcb.finished) throw new UsageError('ERR_SOCKET_CLOSED', 'this connection is finished');
  if (tcb.state !== TcpState.Closed) throw new UsageError('ERR_TCP_EXISTS');
  tcb.passive = true;
  tcb.transition(TcpState.Listen, 'passive OPEN');
}

// RFC 9293 §3.10.2 SEND: bytes are queued; before ESTABLISHED they wait for it.
export function send(tcb: Tcb, data: Uint8Array): number {
  if (!(data instanceof Uint8Array)) throw new UsageError('ERR_INVALID_ARG_TYPE', 'data must be a Uint8Array');
  const s = tcb.state;
  switch (s) {
    case TcpState.Closed:
      throw new UsageError('ERR_TCP_NOT_CONNECTED');
    case TcpState.Listen:
      // The RFC lets SEND turn a LISTEN with a known peer into an active open; we need the peer.
      if (tcb.remotePort === 0) throw new UsageError('ERR_TCP_NOT_CONNECTED', 'foreign socket unspecified');
      tcb.passive = false;
      tcb.transition(TcpState.SynSent, 'SEND in LISTEN');
      return tcb.sndQueue.push(data);
    case TcpState.SynSent:
    case TcpState.SynReceived:
    case TcpState.Established:
    case TcpState.CloseWait:
      if (tcb.finQueued) throw new UsageError('ERR_TCP_CLOSING');
      return tcb.sndQueue.push(data);
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.Closing:
    case TcpState.LastAck:
    case TcpState.TimeWait:
      throw new UsageError('ERR_TCP_CLOSING');
    default: {
      const never: never = s;
      throw new Error(`finack internal error: unknown state ${String(never)}`);
    }
  }
}

// RFC 9293 §3.10.3 RECEIVE. Returns null when nothing is buffered now (also at end of stream: the
// 'peer-fin' event says that; the RFC's "connection closing" error is not raised for a read), and
// after close().
// A read that frees enough space owes the peer a window update (§3.8.6.2.2).
export function receive(tcb: Tcb, max?: number): Uint8Array | null {
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max <= 0)) {
    throw new UsageError('ERR_INVALID_ARG_TYPE', 'max must be a positive integer');
  }
  // After an orderly close the bytes still buffered stay readable; then "connection does not exist".
  if (tcb.state === TcpState.Closed && tcb.recvQueue.length === 0) throw new UsageError('ERR_TCP_NOT_CONNECTED');
  // After close() the application said it reads no more: nothing is ever buffered again (null,
  // not an error, so a reader woken by an earlier 'readable' need not know close() came first).
  if (tcb.readClosed) return null;
  const data = tcb.recvQueue.shift(max);
  if (data !== null && tcb.irsKnown && tcb.state !== TcpState.Closed && windowUpdateDue(tcb)) tcb.ackNow = true;
  return data;
}

/**
 * Half-close (RFC 9293 §3.10.4 CLOSE; "half-closed" in §3.6): a FIN follows the queued data; the
 * connection still receives. ESTABLISHED -> FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK at once (as Linux;
 * the FIN itself leaves when the queue has drained). In SYN-SENT the FIN waits for the handshake.
 */
export function shutdown(tcb: Tcb): void {
  const s = tcb.state;
  switch (s) {
    case TcpState.Closed:
      throw new UsageError('ERR_TCP_NOT_CONNECTED');
    case TcpState.Listen:
      tcb.transition(TcpState.Closed, 'CLOSE in LISTEN');
      return;
    case TcpState.SynSent:
      if (tcb.finQueued) throw new UsageError('ERR_TCP_CLOSING');
      tcb.finQueued = true;
      return;
    case TcpState.SynReceived:
    case TcpState.Established:
      tcb.finQueued = true;
      tcb.transition(TcpState.FinWait1, 'CLOSE');
      return;
    case TcpState.CloseWait:
      tcb.finQueued = true;
      tcb.transition(TcpState.LastAck, 'CLOSE');
      return;
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.Closing:
    case TcpState.LastAck:
    case TcpState.TimeWait:
      throw new UsageError('ERR_TCP_CLOSING');
    default: {
      const never: never = s;
      throw new Error(`finack internal error: unknown state ${String(never)}`);
    }
  }
}

/**
 * Full close: shutdown() plus "the application reads no more". Unread bytes are discarded and
 * later data is acknowledged and discarded. RFC 9293 is silent on unread data at CLOSE; Linux
 * answers it with a RST (and resets on data after close). We keep the RFC's orderly FIN for now.
 * LISTEN and SYN-SENT go straight to CLOSED (§3.10.4). After an earlier shutdown() this only
 * stops reading and arms the FIN-WAIT-2 timeout.
 */
export function close(tcb: Tcb): void {
  const s = tcb.state;
  if (s === TcpState.Closed) throw new UsageError('ERR_TCP_NOT_CONNECTED');
  if (tcb.userClosed) throw new UsageError('ERR_TCP_CLOSING');
  if (s === TcpState.Listen || s === TcpState.SynSent) {
    tcb.userClosed = true;
    tcb.transition(TcpState.Closed, `CLOSE in ${s}`);
    return;
  }
  if (!tcb.finQueued) shutdown(tcb);
  tcb.userClosed = true;
  tcb.readClosed = true;
  tcb.recvQueue.consume(tcb.recvQueue.length);
}

/**
 * RFC 9293 §3.10.5 ABORT: in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and CLOSE-WAIT send
 * <SEQ=SND.NXT><CTL=RST>; every state then goes to CLOSED, queued data is dropped. The user asked
 * for it, so only 'closed' follows (no 'error').
 */
export function abort(tcb: Tcb): void {
  const s = tcb.state;
  switch (s) {
    case TcpState.Closed:
      throw new UsageError('ERR_TCP_NOT_CONNECTED');
    case TcpState.SynReceived:
    case TcpState.Established:
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.CloseWait:
      sendRst(tcb);
      tcb.transition(TcpState.Closed, 'ABORT');
      return;
    case TcpState.Listen:
    case TcpState.SynSent:
    case TcpState.Closing:
    case TcpState.LastAck:
    case TcpState.TimeWait:
      tcb.transition(TcpState.Closed, 'ABORT');
      return;
    default: {
      const never: never = s;
      throw new Error(`finack internal error: unknown state ${String(never)}`);
    }
  }
}

export interface KeepaliveOptions {
  idle?: number;
  interval?: number;
  count?: number;
}

/** Turns keepalive on or off; turning it on starts a fresh idle period. */
export function setKeepalive(tcb: Tcb, enable: boolean, opts: KeepaliveOptions = {}): void {
  if (typeof enable !== 'boolean') throw new UsageError('ERR_INVALID_ARG_TYPE', 'enable must be a boolean');
  for (const [k, v, min] of [
    ['idle', opts.idle, 1],
    ['interval', opts.interval, 1],
    ['count', opts.count, 0],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) {
      throw new UsageError('ERR_INVALID_ARG_TYPE', `${k} must be an integer >= ${min}`);
    }
  }
  if (opts.idle !== undefined) tcb.keepaliveIdle = opts.idle;
  if (opts.interval !== undefined) tcb.keepaliveInterval = opts.interval;
  if (opts.count !== undefined) tcb.keepaliveCount = opts.count;
  if (enable && !tcb.keepalive) keepaliveHeard(tcb);
  tcb.keepalive = enable;
}
