// User calls (RFC 9293 §3.10.1 to §3.10.5): OPEN, SEND, RECEIVE, CLOSE (as shutdown = half-close
// and close = half-close + no more reading), ABORT. Each one first checks the state and throws a
// UsageError where the RFC says "error: ..." — before changing anything — then updates the TCB.
// What goes out is decided afterwards by output.ts.

import { UsageError } from '../base/errors.js';
import { unreachable } from '../base/unreachable.js';
import { seqLt } from '../wire/seq.js';
import type { TcpConfig } from './config.js';
import { keepaliveHeard } from './keepalive.js';
import { sendRst, windowUpdateDue } from './output.js';
import { markPsh } from './psh-marks.js';
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
      // The bytes sent so far end where the last write ended, on a segment with PSH: remember
      // that end now that more data follows it (psh-marks.ts).
      if (tcb.sndQueue.length > 0 && data.length > 0 && !seqLt(tcb.sndMax, tcb.sndDataEnd))
        markPsh(tcb, tcb.sndDataEnd);
      return tcb.sndQueue.push(data);
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.Closing:
    case TcpState.LastAck:
    case TcpState.TimeWait:
      throw new UsageError('ERR_TCP_CLOSING');
    default:
      unreachable(s, 'state');
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
    default:
      unreachable(s, 'state');
  }
}

/**
 * Full close: shutdown() plus "the application reads no more". LISTEN and SYN-SENT go straight to
 * CLOSED (§3.10.4). After an earlier shutdown() this only stops reading and arms the FIN-WAIT-2
 * timeout.
 * Unread received bytes: RFC 9293 §3.10.4 is silent, RFC 1122 §4.2.2.13 says a host SHOULD send a
 * RST so the peer knows the data was lost, and Linux does: with cfg.rstOnCloseWithUnread (default)
 * this is an ABORT (RST, CLOSED, 'closed' only). Otherwise the bytes are discarded and the FIN
 * goes out. Data arriving later is handled in arrive.ts (cfg.rstOnDataAfterClose).
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
  if (tcb.cfg.rstOnCloseWithUnread && tcb.recvQueue.length > 0 && !tcb.readClosed) {
    tcb.userClosed = true;
    tcb.readClosed = true;
    tcb.recvQueue.consume(tcb.recvQueue.length);
    if (s === TcpState.TimeWait) {
      tcb.transition(TcpState.Closed, 'CLOSE with unread data');
      return;
    }
    abortWith(tcb, 'CLOSE with unread data');
    return;
  }
  // TCP_LINGER2 < 0 (config finWait2Abort): close() in FIN-WAIT-2 resets (Linux tcp_close).
  if (s === TcpState.FinWait2 && tcb.cfg.finWait2Abort) {
    tcb.userClosed = true;
    tcb.readClosed = true;
    abortWith(tcb, 'CLOSE in FIN-WAIT-2 (finWait2Abort)');
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
  if (tcb.state === TcpState.Closed) throw new UsageError('ERR_TCP_NOT_CONNECTED');
  abortWith(tcb, 'ABORT');
}

/**
 * Forgets a connection without a word to the peer: CLOSED, nothing sent. For a half-open child of
 * a listener that stops (Endpoint.unlisten): Linux frees those request sockets silently
 * (inet_csk_listen_stop resets only the children that completed the handshake), and a later
 * segment for one is answered like any segment for a closed port.
 */
export function forget(tcb: Tcb, cause: string): void {
  if (tcb.state !== TcpState.Closed) tcb.transition(TcpState.Closed, cause);
}

function abortWith(tcb: Tcb, cause: string): void {
  const s = tcb.state;
  switch (s) {
    case TcpState.Closed:
      return;
    case TcpState.SynReceived:
    case TcpState.Established:
    case TcpState.FinWait1:
    case TcpState.FinWait2:
    case TcpState.CloseWait:
      sendRst(tcb);
      tcb.transition(TcpState.Closed, cause);
      return;
    case TcpState.Listen:
    case TcpState.SynSent:
    case TcpState.Closing:
    case TcpState.LastAck:
    case TcpState.TimeWait:
      tcb.transition(TcpState.Closed, cause);
      return;
    default:
      unreachable(s, 'state');
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

/** Settings that setOption() can change on a live connection, with the value each takes. */
export interface ConnectionOptionValues {
  userTimeout: number;
  finWait2Timeout: number;
  keepalive: boolean;
  keepaliveIdle: number;
  keepaliveInterval: number;
  keepaliveCount: number;
  nagle: boolean;
  delayedAck: boolean;
  delayedAckTimeout: number;
  quickAck: boolean;
  tailLossProbe: boolean;
  rstOnCloseWithUnread: boolean;
  rstOnDataAfterClose: boolean;
  retries2: number;
  synRetries: number;
  /** The MSS we announce (TCP_MAXSEG): only before the SYN goes out (CLOSED or LISTEN). */
  mss: number;
  /** TCP_LINGER2 < 0 (config finWait2Abort). */
  finWait2Abort: boolean;
  /** TCP_CORK / MSG_MORE (config cork); pulling the cork sends what it held. */
  cork: boolean;
  /** TCP_WINDOW_CLAMP (config windowClamp): the window we advertise stops growing past it. */
  windowClamp: number;
  /**
   * Linux's ping-pong (interactive) mode, which TCP_QUICKACK sets (0) and clears (1, and an ACK
   * being delayed then goes at once: __tcp_sock_set_quickack).
   */
  pingpong: boolean;
  /**
   * MSG_MORE on the data being written (true, set before it is queued) or not (false, after): a
   * partial segment waits as Linux's tcp_push with MSG_MORE holds it, for this push only: the next
   * ACK that arrives lets the usual rules (Nagle) send it (tcp_data_snd_check), and so does a write
   * without MSG_MORE, which also puts PSH on the end again.
   */
  more: boolean;
  /** true: what MSG_MORE holds may go now (TCP_NODELAY's TCP_NAGLE_PUSH); false does nothing. */
  push: boolean;
}
export type ConnectionOptionName = keyof ConnectionOptionValues;

const BOOLEAN_OPTIONS = new Set<string>([
  'keepalive',
  'nagle',
  'delayedAck',
  'quickAck',
  'tailLossProbe',
  'rstOnCloseWithUnread',
  'rstOnDataAfterClose',
  'cork',
  'pingpong',
  'more',
  'push',
  'finWait2Abort',
]);
/** Integer options: [min, max]. */
const INTEGER_OPTIONS: Record<string, readonly [number, number]> = {
  userTimeout: [0, Number.MAX_SAFE_INTEGER],
  finWait2Timeout: [0, Number.MAX_SAFE_INTEGER],
  keepaliveIdle: [1, Number.MAX_SAFE_INTEGER],
  keepaliveInterval: [1, Number.MAX_SAFE_INTEGER],
  keepaliveCount: [0, Number.MAX_SAFE_INTEGER],
  delayedAckTimeout: [0, Number.MAX_SAFE_INTEGER],
  retries2: [0, Number.MAX_SAFE_INTEGER],
  synRetries: [0, Number.MAX_SAFE_INTEGER],
  mss: [88, 65495],
  windowClamp: [0, 1 << 30],
};

/**
 * Sets one field of the connection's config. The config is shared with the endpoint's other
 * connections until one changes a setting: only then does this connection take a copy of its own.
 */
function setCfg<K extends ConnectionOptionName & keyof TcpConfig>(tcb: Tcb, key: K, value: TcpConfig[K]): void {
  if (tcb.cfg[key] !== value) tcb.writableCfg()[key] = value;
}

/**
 * Changes one per-connection setting (the socket layer's setsockopt after the connection exists).
 * Throws UsageError ERR_INVALID_ARG_VALUE for an unknown name or a bad value, and
 * ERR_TCP_INVALID_STATE for `mss` once our SYN may have gone out. A new userTimeout or
 * finWait2Timeout starts counting from now; schedule() re-arms the timers.
 */
export function setOption(tcb: Tcb, name: string, value: unknown): void {
  if (BOOLEAN_OPTIONS.has(name)) {
    if (typeof value !== 'boolean') throw new UsageError('ERR_INVALID_ARG_VALUE', `${name} must be a boolean`);
  } else {
    const range = INTEGER_OPTIONS[name];
    if (range === undefined) throw new UsageError('ERR_INVALID_ARG_VALUE', `unknown option ${name}`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', `${name} must be an integer in [${range[0]}, ${range[1]}]`);
    }
  }
  switch (name as ConnectionOptionName) {
    case 'keepalive':
      setKeepalive(tcb, value as boolean);
      return;
    case 'keepaliveIdle':
      setKeepalive(tcb, tcb.keepalive, { idle: value as number });
      return;
    case 'keepaliveInterval':
      setKeepalive(tcb, tcb.keepalive, { interval: value as number });
      return;
    case 'keepaliveCount':
      setKeepalive(tcb, tcb.keepalive, { count: value as number });
      return;
    case 'nagle':
      tcb.nagle = value as boolean;
      return;
    case 'mss':
      if (tcb.state !== TcpState.Closed && tcb.state !== TcpState.Listen) {
        throw new UsageError(
          'ERR_TCP_INVALID_STATE',
          'the MSS is announced on the SYN: set it before connect() or listen()',
        );
      }
      setCfg(tcb, 'mss', value as number);
      tcb.sndMss = Math.min(tcb.cfg.mss, tcb.cfg.defaultPeerMss);
      return;
    case 'userTimeout':
      setCfg(tcb, 'userTimeout', value as number);
      tcb.restartUserTimeout = true;
      return;
    case 'finWait2Timeout':
      setCfg(tcb, 'finWait2Timeout', value as number);
      tcb.restartFinWait2 = true;
      return;
    case 'delayedAck':
    case 'quickAck':
    case 'tailLossProbe':
    case 'rstOnCloseWithUnread':
    case 'rstOnDataAfterClose':
      setCfg(tcb, name as 'delayedAck', value as boolean);
      return;
    case 'delayedAckTimeout':
    case 'retries2':
    case 'synRetries':
    case 'windowClamp':
      setCfg(tcb, name as 'retries2', value as number);
      return;
    case 'cork':
    case 'finWait2Abort':
      setCfg(tcb, name as 'cork', value as boolean);
      return;
    case 'more':
      tcb.moreHeld = value as boolean;
      tcb.moreTail = value as boolean;
      return;
    case 'push':
      if (value) tcb.moreHeld = false;
      return;
    case 'pingpong': {
      tcb.pingpong = value as boolean;
      const s = tcb.state;
      // Linux sends it only once what arrived has been read (tcp_cleanup_rbuf wants an empty
      // receive queue for an ACK marked pushed).
      const due = tcb.ackDelayed && tcb.recvQueue.length === 0;
      if (!tcb.pingpong && due && (s === TcpState.Established || s === TcpState.CloseWait)) tcb.ackNow = true;
      return;
    }
    default:
      throw new UsageError('ERR_INVALID_ARG_VALUE', `unknown option ${name}`);
  }
}
