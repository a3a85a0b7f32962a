// Errors, in three families (see README "Errors"):
//  1. API misuse: thrown synchronously (UsageError), Node-style codes.
//  2. Connection outcomes: never thrown by the core; they arrive as { type: 'error', code } events.
//  3. Wire problems: parsers return them as values (wire/result.ts); users never see them.

/** Errno-style outcomes of a connection, delivered as events. */
export type ConnErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE' | 'ECONNABORTED';

/** Codes of errors thrown for misuse of an API. */
export type UsageErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_TCP_NOT_CONNECTED'
  | 'ERR_TCP_EXISTS'
  | 'ERR_TCP_CLOSING'
  | 'ERR_TCP_INVALID_STATE'
  | 'ERR_TCP_TIME_BACKWARDS'
  | 'ERR_SOCKET_CLOSED'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'ENOBUFS'
  | 'ERR_INVALID_ADDRESS'
  | 'ERR_UNKNOWN_SCENARIO';

export type TcpErrorCode = ConnErrorCode | UsageErrorCode;

const MESSAGES: Record<TcpErrorCode, string> = {
  ECONNREFUSED: 'connection refused: the peer answered the SYN with a reset',
  ECONNRESET: 'connection reset by peer',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'broken pipe: the connection can no longer send',
  ECONNABORTED: 'connection aborted locally',
  ERR_INVALID_ARG_TYPE: 'invalid argument type',
  ERR_INVALID_ARG_VALUE: 'invalid argument value',
  ERR_TCP_NOT_CONNECTED: 'connection does not exist',
  ERR_TCP_EXISTS: 'connection already exists',
  ERR_TCP_CLOSING: 'connection closing',
  ERR_TCP_INVALID_STATE: 'operation not valid in this state',
  ERR_TCP_TIME_BACKWARDS: 'time went backwards: `now` must never decrease',
  ERR_SOCKET_CLOSED: 'socket is closed',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  ENOBUFS: 'no room: the host holds its limit of connections',
  ERR_INVALID_ADDRESS: 'not an IPv4 or IPv6 address',
  ERR_UNKNOWN_SCENARIO: 'unknown scenario',
};

export function messageFor(code: TcpErrorCode): string {
  return MESSAGES[code];
}

export class TcpError<C extends TcpErrorCode = TcpErrorCode> extends Error {
  readonly code: C;
  constructor(code: C, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${MESSAGES[code]}: ${detail}` : MESSAGES[code], options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Misuse of an API: thrown synchronously, nothing changed. */
export class UsageError extends TcpError<UsageErrorCode> {}

/** A bad configuration value. */
export class ConfigError extends UsageError {
  readonly field: string;
  constructor(field: string, value: unknown, why: string) {
    super('ERR_INVALID_ARG_VALUE', `${field}=${String(value)} ${why}`);
    this.field = field;
  }
}

/** A connection outcome turned into an Error object (by layers above the core). */
export class ConnectionError extends TcpError<ConnErrorCode> {}
