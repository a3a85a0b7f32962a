// Errors shaped like node:net's. Two families, as in Node:
//  - system errors (ErrnoException / exceptionWithHostPort in Node's lib/internal/errors.js): `code`
//    is the errno name, `errno` the negative number libuv uses (os.constants.errno negated), plus
//    `syscall` and, for connect/listen, `address` and `port`;
//  - Node's own ERR_* errors for invalid arguments and stream misuse, thrown synchronously or
//    emitted as 'error', with the class (TypeError, RangeError, Error) Node uses for each code.

import { constants } from 'node:os';

export type SysErrorCode =
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'ETIMEDOUT'
  | 'EPIPE'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'ECONNABORTED'
  | 'ENOBUFS'
  | 'ENOTFOUND';

export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
  hostname?: string;
}

const ERRNO = constants.errno as Record<string, number>;

/** The negative errno libuv reports for a code (os.constants.errno gives the positive value). */
export function errnoOf(code: SysErrorCode): number {
  // getaddrinfo failures have their own numbering in libuv (UV_EAI_NONAME is -3008).
  if (code === 'ENOTFOUND') return -3008;
  const n = ERRNO[code];
  return n === undefined ? -1 : -n;
}

/**
 * `${syscall} ${code}[ ${address}:${port}]`, the message node:net builds. Fields as Node sets them;
 * `address` and `port` only when given (connect, listen, bind).
 */
export function systemError(code: SysErrorCode, syscall: string, address?: string, port?: number): SystemError {
  let msg = `${syscall} ${code}`;
  if (address !== undefined) msg += port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  const e = new Error(msg) as SystemError;
  e.errno = errnoOf(code);
  e.code = code;
  e.syscall = syscall;
  if (address !== undefined) e.address = address;
  if (port !== undefined && port > 0) e.port = port;
  return e;
}

/** DNS failure as dns.lookup reports it (used for host names a simulated host cannot resolve). */
export function lookupError(hostname: string): SystemError {
  const e = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as SystemError;
  e.errno = errnoOf('ENOTFOUND');
  e.code = 'ENOTFOUND';
  e.syscall = 'getaddrinfo';
  e.hostname = hostname;
  return e;
}

export type NodeErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_SOCKET_BAD_PORT'
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_STREAM_WRITE_AFTER_END'
  | 'ERR_MISSING_ARGS'
  | 'ERR_INVALID_IP_ADDRESS'
  | 'ERR_SERVER_ALREADY_LISTEN'
  | 'ERR_SERVER_NOT_RUNNING'
  | 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION'
  | 'ERR_OUT_OF_RANGE';

/** Node's class for each code (lib/internal/errors.js: E('ERR_...', msg, TypeError) ...). */
const ERROR_CLASS: Record<NodeErrorCode, ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor> = {
  ERR_INVALID_ARG_TYPE: TypeError,
  ERR_INVALID_ARG_VALUE: TypeError,
  ERR_SOCKET_BAD_PORT: RangeError,
  ERR_SOCKET_CLOSED: Error,
  ERR_STREAM_WRITE_AFTER_END: Error,
  ERR_MISSING_ARGS: TypeError,
  ERR_INVALID_IP_ADDRESS: TypeError,
  ERR_SERVER_ALREADY_LISTEN: Error,
  ERR_SERVER_NOT_RUNNING: Error,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION: Error,
  ERR_OUT_OF_RANGE: RangeError,
};

export interface NodeError extends Error {
  code: NodeErrorCode;
}

/** An error with Node's code, class and `name` ("TypeError"), message `${text}` as given. */
export function nodeError(code: NodeErrorCode, message: string): NodeError {
  const Ctor = ERROR_CLASS[code];
  const e = new Ctor(message) as NodeError;
  e.code = code;
  return e;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name}`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  let shown = String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === 'string') shown = `'${shown}'`;
  return `type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, actual: unknown): NodeError {
  return nodeError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type ${expected}. Received ${describe(actual)}`,
  );
}

export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): NodeError {
  return nodeError('ERR_INVALID_ARG_VALUE', `The argument '${name}' ${reason}. Received ${String(value)}`);
}

export function badPort(name: string, value: unknown, allowZero = true): NodeError {
  const op = allowZero ? '>=' : '>';
  return nodeError('ERR_SOCKET_BAD_PORT', `${name} should be ${op} 0 and < 65536. Received ${describe(value)}.`);
}

/**
 * Node's validatePort: numbers and numeric strings in [0, 65535] (no 0 when !allowZero), else
 * ERR_SOCKET_BAD_PORT. Returns the port as a number.
 */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  if (
    (typeof port !== 'number' && typeof port !== 'string') ||
    (typeof port === 'string' && port.trim().length === 0) ||
    +port !== +port >>> 0 ||
    +port > 0xffff ||
    (+port === 0 && !allowZero)
  ) {
    throw badPort(name, port, allowZero);
  }
  return +port;
}
