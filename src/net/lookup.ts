// Names on a finack host. There is no DNS and no /etc/hosts: a simulated host resolves 'localhost'
// (itself), the names of its network's hosts map (SimNetworkOptions.hosts) and the names of the
// other simulated hosts; a TUN driver resolves 'localhost' only. Anything else fails as
// getaddrinfo would, with ENOTFOUND. The kernel's resolver is never asked, so a name never leaks a
// query to the real network.
//
// host.net.lookup(hostname[, options], callback) answers as dns.lookup does (address and family,
// or every address with { all: true }), asynchronously. Socket.connect({ host }) resolves the same
// way, or with the connect options' own `lookup` function when one is given (as node:net does).

import { isIP } from 'node:net';
import type { NetContext } from './context.js';
import { invalidArgType, invalidArgValue, lookupError } from './errors.js';

/** A resolved address, as dns.lookup gives it. */
export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

export interface LookupOptions {
  /** 4, 6, or 0 / undefined for either (also 'IPv4' / 'IPv6', as Node accepts). */
  family?: number | 'IPv4' | 'IPv6';
  /** Every address instead of the first. */
  all?: boolean;
  /** Accepted for compatibility; getaddrinfo flags mean nothing without a resolver. */
  hints?: number;
  /** Accepted for compatibility: addresses keep the order of the hosts map. */
  order?: string;
  verbatim?: boolean;
}

export type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[] | undefined,
  family?: number,
) => void;

/** The family an option asks for: 0 (either), 4 or 6. Throws ERR_INVALID_ARG_VALUE otherwise. */
export function familyOption(v: unknown, name = 'options.family'): 0 | 4 | 6 {
  if (v === undefined || v === null || v === 0) return 0;
  if (v === 4 || v === 'IPv4') return 4;
  if (v === 6 || v === 'IPv6') return 6;
  throw invalidArgValue(name, v, 'must be one of: 0, 4, 6');
}

/** The addresses `name` stands for on this host, of the family asked for (0: any). */
export function resolveAll(ctx: NetContext, name: string, family: 0 | 4 | 6): LookupAddress[] {
  const out: LookupAddress[] = [];
  for (const address of ctx.host.lookup(name)) {
    const f = isIP(address);
    if (f === 0 || (family !== 0 && f !== family)) continue;
    out.push({ address, family: f as 4 | 6 });
  }
  return out;
}

/** host.net.lookup: dns.lookup's signature and answers, over the host's names. */
export function lookup(ctx: NetContext, hostname: unknown, options: unknown, callback?: unknown): void {
  let opts = options;
  let cb = callback;
  if (typeof opts === 'function') {
    cb = opts;
    opts = {};
  }
  if (typeof cb !== 'function') throw invalidArgType('callback', 'function', cb);
  if (typeof hostname !== 'string') throw invalidArgType('hostname', 'string', hostname);
  const o: LookupOptions = typeof opts === 'number' ? { family: opts } : ((opts ?? {}) as LookupOptions);
  if (typeof o !== 'object') throw invalidArgType('options', 'object', opts);
  const family = familyOption(o.family);
  const all = o.all === true;
  const done = cb as LookupCallback;
  const found = hostname === '' ? [] : resolveAll(ctx, hostname, family);
  process.nextTick(() => {
    if (found.length === 0) done(lookupError(hostname), undefined);
    else if (all) done(null, found);
    else done(null, found[0]!.address, found[0]!.family);
  });
}
