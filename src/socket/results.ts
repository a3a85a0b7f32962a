// What a syscall of the socket facade returns, as the C library would see it: ret >= 0, or ret -1
// with an errno; BLOCKED when a blocking call cannot complete yet (see kernel.ts).

import { TcpError } from '../base/errors.js';
import type { ErrnoName } from './constants.js';

export const BLOCKED: unique symbol = Symbol('blocked');
export type Blocked = typeof BLOCKED;

/** What a syscall returns: ret >= 0, or ret -1 with errno. */
export interface SysResult {
  ret: number;
  errno?: ErrnoName;
}
export interface ReadResult extends SysResult {
  data?: Uint8Array;
}
export interface GetResult extends SysResult {
  value?: number | { onoff: number; linger: number };
}

export interface SockAddr {
  addr: string;
  port: number;
}

export function fail(errno: ErrnoName): SysResult & { ret: -1 } {
  return { ret: -1, errno };
}

/** The errno a TcpError thrown by the Endpoint stands for; `fallback` for anything else. */
export function errnoOf(e: unknown, fallback: ErrnoName): ErrnoName {
  if (e instanceof TcpError) {
    const code = e.code as string;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') return code;
    if (code === 'ERR_TCP_CLOSING') return 'EPIPE';
    if (code === 'ERR_TCP_NOT_CONNECTED') return 'ENOTCONN';
  }
  return fallback;
}
