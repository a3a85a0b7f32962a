// What a connection tells the layer above. Events are returned in Output, never delivered by callback,
// so no user code runs while the core is mid-update.

import type { ConnErrorCode } from '../base/errors.js';

export type ConnEvent =
  /** The handshake completed: ESTABLISHED (or CLOSE-WAIT if the peer's FIN came with it). */
  | { type: 'connected' }
  /** New in-order data can be read with read(). At most one per Output. */
  | { type: 'readable' }
  /** Send-buffer space was freed by an acknowledgment. At most one per Output. */
  | { type: 'writable' }
  /** The peer's FIN arrived: no more data will come (after what is still buffered). Node's 'end'. */
  | { type: 'peer-fin' }
  /** Our FIN was acknowledged: everything we sent has arrived. */
  | { type: 'fin-acked' }
  /** The connection failed or was reset. A 'closed' event follows. */
  | { type: 'error'; code: ConnErrorCode }
  /** Entered TIME-WAIT: the conversation is over; only the 2MSL duty remains. */
  | { type: 'time-wait' }
  /** The TCB is gone (state CLOSED). Emitted exactly once, always last. */
  | { type: 'closed' };

export type ConnEventType = ConnEvent['type'];
