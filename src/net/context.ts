// What a Socket or Server needs of its host: the SimHost (endpoint, driver loop, addresses) and the
// scheduler of its network's clock. Kept apart so socket.ts and server.ts do not import each other
// in a cycle.

import { isIP } from 'node:net';
import type { SimHost } from '../sim/host.js';
import type { SimDriver } from './scheduler.js';

export interface NetContext {
  readonly host: SimHost;
  readonly driver: SimDriver;
}

export function familyOf(addr: string): 'IPv4' | 'IPv6' {
  return isIP(addr) === 6 ? 'IPv6' : 'IPv4';
}

/** Runs one user call at the network's current time, then lets the scheduler run what it caused. */
export function userCall<T>(ctx: NetContext, fn: () => T): T {
  ctx.driver.sync();
  try {
    return fn();
  } finally {
    ctx.driver.kick();
  }
}
