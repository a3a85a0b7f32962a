// Shared fast-check arbitraries and settings for the wire tests (not a test file itself).

import fc from 'fast-check';
import { ACK, FIN, PSH, RST, type Segment, SYN, type TcpOptions } from '../../src/wire/segment.js';
import { tcpOptionsLength } from '../../src/wire/tcp-header.js';

export const SEED = 0x5eed_7c9;
export const params = (numRuns: number) => ({ seed: SEED, numRuns, verbose: 1 as const });

export const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xffffff00, max: 0xffffffff }));
/** Records with Object.prototype, so deepEqual compares them with parsed values. */
const PLAIN = { noNullPrototype: true };
const sackBlock = fc.record({ left: u32, right: u32 }, PLAIN);

/** Options as emit produces them (no false / empty values, which parse never gives back). */
export const optionsArb: fc.Arbitrary<TcpOptions> = fc
  .record(
    {
      mss: fc.integer({ min: 0, max: 0xffff }),
      wscale: fc.integer({ min: 0, max: 255 }),
      sackPermitted: fc.constant(true),
      ts: fc.record({ val: u32, ecr: u32 }, PLAIN),
      sack: fc.array(sackBlock, { minLength: 1, maxLength: 3 }),
      unknown: fc.array(
        fc.record(
          {
            kind: fc.integer({ min: 9, max: 255 }),
            data: fc.uint8Array({ maxLength: 4 }),
          },
          PLAIN,
        ),
        { minLength: 1, maxLength: 2 },
      ),
    },
    { requiredKeys: [], noNullPrototype: true },
  )
  .filter((o) => {
    try {
      tcpOptionsLength(o);
      return true;
    } catch {
      return false;
    }
  });

export const segmentArb: fc.Arbitrary<Segment> = fc.record(
  {
    srcPort: fc.integer({ min: 0, max: 0xffff }),
    dstPort: fc.integer({ min: 0, max: 0xffff }),
    seq: u32,
    ack: u32,
    flags: fc.oneof(
      fc.constantFrom(SYN, SYN | ACK, ACK, FIN | ACK, RST, RST | ACK, PSH | ACK),
      fc.integer({ min: 0, max: 255 }),
    ),
    wnd: fc.integer({ min: 0, max: 0xffff }),
    urp: fc.integer({ min: 0, max: 0xffff }),
    options: optionsArb,
    payload: fc.uint8Array({ maxLength: 64 }),
  },
  PLAIN,
);
