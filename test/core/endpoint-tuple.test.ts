// Address normalisation, tuple keys and ephemeral port search used by the Endpoint.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { checkPortRange, pickEphemeralPort } from '../../src/core/ports.js';
import { isPort, normalizeAddress, tupleKey, tupleLabel } from '../../src/core/tuple.js';

describe('normalizeAddress', () => {
  test('IPv6 text becomes RFC 5952 canonical text', () => {
    const cases: [string, string][] = [
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:0db8::0001', '2001:db8::1'],
      ['::', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['1::', '1::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // ties: the first run
      ['::FFFF:192.0.2.1', '::ffff:192.0.2.1'],
      ['::ffff:c000:0201', '::ffff:192.0.2.1'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['fe80::1%eth0', 'fe80::1%eth0'],
    ];
    for (const [input, want] of cases) assert.equal(normalizeAddress(input), want, input);
  });

  test('IPv4 text and anything unparsable pass through unchanged', () => {
    for (const s of ['192.0.2.1', 'host.example', '1:2:3', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '::1.2.3.256', '']) {
      assert.equal(normalizeAddress(s), s);
    }
  });
});

describe('tuple keys and labels', () => {
  test('keys tell tuples apart; labels bracket IPv6', () => {
    assert.notEqual(tupleKey('192.0.2.1', 1, '192.0.2.2', 2), tupleKey('192.0.2.1', 2, '192.0.2.2', 1));
    assert.notEqual(tupleKey('192.0.2.1', 12, '192.0.2.2', 3), tupleKey('192.0.2.1', 1, '192.0.2.2', 23));
    assert.equal(
      tupleLabel({ addr: '192.0.2.1', port: 80 }, { addr: '192.0.2.2', port: 5000 }),
      '192.0.2.1:80>192.0.2.2:5000',
    );
    assert.equal(tupleLabel({ addr: '::1', port: 80 }, { addr: 'fe80::2', port: 5000 }), '[::1]:80>[fe80::2]:5000');
  });

  test('isPort', () => {
    assert.deepEqual([0, 1, 65535, 65536, 1.5, -1, Number.NaN].map(isPort), [
      false,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('pickEphemeralPort', () => {
  test('starts at random() * size and wraps once around the range', () => {
    const taken = new Set([50002, 50003]);
    assert.equal(
      pickEphemeralPort(
        [50000, 50003],
        () => 0.5,
        (p) => !taken.has(p),
      ),
      50000,
    );
    assert.equal(
      pickEphemeralPort(
        [50000, 50003],
        () => 0.25,
        (p) => !taken.has(p),
      ),
      50001,
    );
    const tried: number[] = [];
    assert.equal(
      pickEphemeralPort(
        [50000, 50003],
        () => 0.5,
        (p) => {
          tried.push(p);
          return false;
        },
      ),
      undefined,
    );
    assert.deepEqual(tried, [50002, 50003, 50000, 50001]);
  });

  test('a misbehaving random source still gives a port in range', () => {
    for (const r of [1, 7, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      const p = pickEphemeralPort(
        [100, 109],
        () => r,
        () => true,
      ) as number;
      assert.ok(p >= 100 && p <= 109, String(r));
    }
  });

  test('checkPortRange rejects empty or invalid ranges', () => {
    assert.doesNotThrow(() => checkPortRange([1, 1]));
    for (const r of [
      [2, 1],
      [0, 10],
      [1, 65536],
    ] as [number, number][]) {
      assert.throws(
        () => checkPortRange(r),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
      );
    }
  });
});
