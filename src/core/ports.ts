// Ephemeral port choice for active opens.
//
// The search starts at a random offset into the range (the random source is injected, so a seed
// gives the same ports) and walks the range once, wrapping, until `isFree` accepts a port: a
// 4-tuple is unique as long as it is neither live nor held by a TIME-WAIT record, so the same local
// port may serve connections to different peers (as Linux's connect() does). Cost: O(range) calls
// of `isFree` in the worst case, one in the common case.

import { UsageError } from '../base/errors.js';
import { isPort } from './tuple.js';

/** IANA's dynamic/private range (RFC 6335 §6), which Node on most systems also uses. */
export const DEFAULT_EPHEMERAL_PORTS: readonly [number, number] = [49152, 65535];

/** Throws UsageError ERR_INVALID_ARG_VALUE unless [lo, hi] is a non-empty range of valid ports. */
export function checkPortRange(range: readonly [number, number]): void {
  const [lo, hi] = range;
  if (!isPort(lo) || !isPort(hi) || lo > hi) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `ephemeralPorts=[${String(lo)}, ${String(hi)}]`);
  }
}

/** A free port from the range, or undefined when every port is taken. */
export function pickEphemeralPort(
  range: readonly [number, number],
  random: () => number,
  isFree: (port: number) => boolean,
): number | undefined {
  const [lo, hi] = range;
  const n = hi - lo + 1;
  const r = random();
  // A misbehaving random source (NaN, 1, negative) still yields an offset inside the range.
  const offset = Number.isFinite(r) ? Math.min(n - 1, Math.max(0, Math.floor(r * n))) : 0;
  for (let i = 0; i < n; i++) {
    const port = lo + ((offset + i) % n);
    if (isFree(port)) return port;
  }
  return undefined;
}
