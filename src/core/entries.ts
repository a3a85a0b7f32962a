// What the endpoint holds for each connection id: an entry of one of three kinds, for the three
// places a connection lives after its creation (see the diagram at the top of endpoint.ts):
//   - live: the Connection object, by id and by tuple (a listener's half-open ones among them);
//   - time-wait: only its TIME-WAIT record, by id and by tuple (time-wait-table.ts);
//   - unread: the Connection, CLOSED with received bytes still unread, by id only.
// Every kind keeps the connection's addresses, tuple key and trace label, and the one deadline the
// endpoint's heap holds for it (deadline-heap.ts).

import type { TcpConfig } from './config.js';
import type { Connection } from './connection.js';
import type { Instant } from './time.js';
import type { TimeWaitEntry } from './time-wait-table.js';
import type { Address } from './tuple.js';

export type { TimeWaitEntry } from './time-wait-table.js';

export interface LiveEntry {
  kind: 'live';
  /** The ConnId. */
  id: number;
  /** Its tuple key (tuple.ts). */
  key: string;
  local: Address;
  remote: Address;
  label: string;
  cfg: TcpConfig;
  conn: Connection;
  /** The ListenerId whose SYN queue holds this connection; undefined once accepted (or if active). */
  listener: number | undefined;
  /** The deadline the heap holds for this entry (undefined: none). */
  deadline: Instant | undefined;
  /** close() was called (a record needs it to answer a second close() as the object would). */
  userClosed: boolean;
  /** abort() was called: unread bytes are discarded, not kept. */
  aborted: boolean;
}

/**
 * A connection that reached CLOSED with received bytes unread (see "Unread data" in endpoint.ts).
 * Found by id only: never in a tuple table, never a deadline.
 */
export interface UnreadEntry {
  kind: 'unread';
  id: number;
  key: string;
  local: Address;
  remote: Address;
  label: string;
  conn: Connection;
  deadline: undefined;
}

export type Entry = LiveEntry | TimeWaitEntry | UnreadEntry;

/** The entry that replaces a live one once its Connection is CLOSED with bytes unread. */
export function unreadEntry(e: LiveEntry): UnreadEntry {
  return {
    kind: 'unread',
    id: e.id,
    key: e.key,
    local: e.local,
    remote: e.remote,
    label: e.label,
    conn: e.conn,
    deadline: undefined,
  };
}
