// What a Socket or Server needs of its host: the host itself (endpoint, calls, addresses; see
// host.ts) and the driver that runs it in time (see scheduler.ts). Kept apart so socket.ts and
// server.ts do not import each other in a cycle.

import { isIP } from 'node:net';
import type { ConnId } from '../core/endpoint-types.js';
import type { NetHost } from './host.js';
import type { NetDriver } from './scheduler.js';

export interface NetContext {
  readonly host: NetHost;
  readonly driver: NetDriver;
}

export function familyOf(addr: string): 'IPv4' | 'IPv6' {
  return isIP(addr) === 6 ? 'IPv6' : 'IPv4';
}

/** Runs one user call at the host's current time, then lets the driver run what it caused. */
export function userCall<T>(ctx: NetContext, fn: () => T): T {
  ctx.driver.sync();
  try {
    return fn();
  } finally {
    ctx.driver.kick();
  }
}

/**
 * userCall(ctx, () => fn(ctx.host, id, arg)) without a closure per call, for the calls a socket
 * makes on its connection several times per connection (read, send, shutdown, close).
 */
export function connCall<A, R>(ctx: NetContext, fn: (host: NetHost, id: ConnId, arg: A) => R, id: ConnId, arg: A): R {
  ctx.driver.sync();
  try {
    return fn(ctx.host, id, arg);
  } finally {
    ctx.driver.kick();
  }
}
