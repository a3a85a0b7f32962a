// The window scale shift (RFC 7323 §2.3) we offer for a receive buffer.

/** Largest window shift (RFC 7323 §2.3). */
export const MAX_WSCALE = 14;

/** Smallest shift so that `buffer` fits in the 16-bit window field shifted left (RFC 7323 §2.3). */
export function wscaleFor(buffer: number): number {
  let shift = 0;
  while (shift < MAX_WSCALE && buffer > 0xffff * 2 ** shift) shift++;
  return shift;
}
