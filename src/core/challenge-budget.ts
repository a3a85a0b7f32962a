// The host-wide budget of ACKs sent in answer to segments that fail the checks (RFC 5961 §7):
// challenge ACKs (an in-window RST or SYN, an ACK field out of range) and the ACKs that answer an
// out-of-window or PAWS-failing SYN or pure ACK. Each connection has its own budget as well
// (config.challengeAckLimit, per second); this one caps what a flood over many connections, or
// many forged tuples, can make the host send.
//
// A fixed host-wide count is a side channel (CVE-2016-5696): an off-path prober that exhausts it
// and counts the challenge ACKs it gets back learns whether other connections spent some. So the
// allowance of each one-second window is drawn from [limit/2, limit/2 + limit), from a keyed hash
// of the window's number under the endpoint's secret (isn.ts): unpredictable to a prober, with the
// configured limit as its mean, and, like everything in the core, the same for the same inputs.

import { UsageError } from '../base/errors.js';
import type { Instant } from './time.js';

/** Linux's net.ipv4.tcp_challenge_ack_limit before it was made unlimited: 1000 per second. */
export const DEFAULT_HOST_CHALLENGE_ACK_LIMIT = 1000;

export class ChallengeBudget {
  /** Mean ACKs per second; 0 means no host-wide limit. */
  readonly limit: number;
  readonly #draw: (window: number) => number;
  #window = -1;
  #left = 0;

  /** `draw(window)`: a keyed 32-bit hash of the window's number (IsnGenerator.challengeDraw). */
  constructor(limit: number, draw: (window: number) => number) {
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
      throw new UsageError(
        'ERR_INVALID_ARG_VALUE',
        `challengeAckHostLimit=${String(limit)} must be a non-negative integer`,
      );
    }
    this.limit = limit;
    this.#draw = draw;
  }

  /** May one more such ACK go out at `now`? Counts it when so. */
  take(now: Instant): boolean {
    if (this.limit === 0) return true;
    const w = Math.floor(now / 1000);
    if (w !== this.#window) {
      this.#window = w;
      this.#left = Math.ceil(this.limit / 2) + (this.#draw(w) % this.limit);
    }
    if (this.#left <= 0) return false;
    this.#left--;
    return true;
  }
}
