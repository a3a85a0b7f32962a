import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/base/errors.js';
import { emitIpv6, formatIpv6Address, parseIpv6, parseIpv6Address, parseIpv6AddressInto } from '../../src/wire/ipv6.js';
import type { WireErrorCode } from '../../src/wire/result.js';
import { params } from './arbitraries.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const SRC = hex('20010db8000000000000000000000001');
const DST = hex('20010db8000000000000000000000002');

// Fixed header: traffic class 0xb8, flow label 0x12345, payload 4, next header TCP, hop limit 64.
const FIXED = `6b 81 2345 0004 06 40 ${toHex(SRC)} ${toHex(DST)}`;

function code(r: { ok: boolean; error?: { code: WireErrorCode } }): WireErrorCode | undefined {
  return r.ok ? undefined : r.error?.code;
}

/** An IPv6 packet whose fixed header says next header `first`, followed by `rest` (hex). */
function withExt(first: number, rest: string): Uint8Array {
  const body = hex(rest);
  return emitIpv6(SRC, DST, first, body);
}

describe('parseIpv6', () => {
  test('fixture: every field, payload a view cut at the payload length', () => {
    const b = hex(`${FIXED} aabbccdd eeff`); // two bytes of link padding
    const r = parseIpv6(b);
    assert.ok(r.ok);
    const h = r.value.header;
    assert.deepEqual(
      { ...h, src: toHex(h.src), dst: toHex(h.dst) },
      {
        trafficClass: 0xb8,
        flowLabel: 0x12345,
        payloadLength: 4,
        nextHeader: 6,
        hopLimit: 64,
        src: toHex(SRC),
        dst: toHex(DST),
      },
    );
    assert.equal(r.value.protocol, 6);
    assert.equal(toHex(r.value.payload), 'aabbccdd');
    assert.equal(r.value.payload.buffer, b.buffer);
  });

  test('emitIpv6 writes the same bytes', () => {
    const out = emitIpv6(SRC, DST, 6, hex('aabbccdd'), { trafficClass: 0xb8, flowLabel: 0x12345 });
    assert.equal(toHex(out), toHex(hex(`${FIXED} aabbccdd`)));
  });

  test('skips Hop-by-Hop (PadN, router alert), Destination Options and Routing with no segments left', () => {
    const r = parseIpv6(
      withExt(
        0,
        // Hop-by-Hop: next 60, len 0 (8 bytes): router alert (type 5, skip if unknown) + Pad1 x2
        '3c 00 05 02 0000 00 00' +
          // Destination Options: next 43, len 1 (16 bytes): PadN of 12
          '2b 01 01 0c 000000000000000000000000' +
          // Routing: next 6, len 0, type 4, segments left 0, 4 bytes of data
          '06 00 04 00 00000000' +
          'cafe',
      ),
    );
    assert.ok(r.ok);
    assert.equal(r.value.protocol, 6);
    assert.equal(toHex(r.value.payload), 'cafe');
  });

  test('upper layers other than TCP are reported, not refused (decodePacket refuses them)', () => {
    const r = parseIpv6(withExt(58, '8000 0000'));
    assert.ok(r.ok);
    assert.equal(r.value.protocol, 58);
    const none = parseIpv6(withExt(59, '00'));
    assert.ok(none.ok);
    assert.equal(none.value.protocol, 59);
  });

  test('errors', () => {
    const cases: [string, Uint8Array, WireErrorCode][] = [
      ['39 bytes', hex(FIXED).subarray(0, 39), 'ERR_WIRE_TRUNCATED'],
      ['version 4', hex(`4${FIXED.slice(1)} aabbccdd`), 'ERR_WIRE_BAD_VERSION'],
      ['payload length 0 (jumbogram)', hex(`6b 81 2345 0000 06 40 ${toHex(SRC)} ${toHex(DST)}`), 'ERR_WIRE_BAD_LENGTH'],
      ['payload length past the bytes', hex(`${FIXED} aabbcc`), 'ERR_WIRE_TRUNCATED'],
      ['Fragment header', withExt(44, '06 00 0001 12345678 cafe'), 'ERR_WIRE_FRAGMENT'],
      [
        'Fragment header after Destination Options',
        withExt(60, '2c 00 0104 00000000 06 00 0000 00000000'),
        'ERR_WIRE_FRAGMENT',
      ],
      ['ESP', withExt(50, '00000000 00000000'), 'ERR_WIRE_EXT_HEADER'],
      ['AH', withExt(51, '06 01 0000 00000000 00000000'), 'ERR_WIRE_EXT_HEADER'],
      ['Routing with segments left', withExt(43, '06 00 04 01 00000000'), 'ERR_WIRE_EXT_HEADER'],
      ['Hop-by-Hop not first', withExt(60, '00 00 0104 00000000 06 00 0104 00000000'), 'ERR_WIRE_EXT_HEADER'],
      [
        'option that must not be skipped (jumbo payload, 0xc2)',
        withExt(0, '06 00 c2 04 00010000'),
        'ERR_WIRE_EXT_HEADER',
      ],
      ['option running past its header', withExt(60, '06 00 01 05 00000000'), 'ERR_WIRE_EXT_HEADER'],
      ['extension header shorter than 8 bytes', withExt(60, '06 00 0102'), 'ERR_WIRE_TRUNCATED'],
      ['extension header length past the payload', withExt(60, '06 01 0104 00000000'), 'ERR_WIRE_TRUNCATED'],
    ];
    for (const [name, bytes, expected] of cases) assert.equal(code(parseIpv6(bytes)), expected, name);
  });

  test('never throws on random bytes (with a 6 in the version nibble half the time)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), fc.constantFrom(0, 43, 60, 44, 6), (b, v6, nh) => {
        if (v6 && b.length > 6) {
          b[0] = 0x60 | (b[0]! & 0x0f);
          b[6] = nh;
        }
        parseIpv6(b);
      }),
      params(3000),
    );
  });
});

describe('emitIpv6', () => {
  test('misuse throws UsageError', () => {
    const a = new Uint8Array(16);
    const bad: (() => unknown)[] = [
      () => emitIpv6(new Uint8Array(4), a, 6, new Uint8Array(1)),
      () => emitIpv6(a, a, 6, new Uint8Array(0)),
      () => emitIpv6(a, a, 6, new Uint8Array(65536)),
      () => emitIpv6(a, a, 6, new Uint8Array(1), { flowLabel: 0x100000 }),
      () => emitIpv6(a, a, 6, new Uint8Array(1), { hopLimit: 256 }),
    ];
    for (const f of bad)
      assert.throws(f, (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE');
  });
});

describe('IPv6 address text', () => {
  test('RFC 5952 canonical output', () => {
    const cases: [string, string][] = [
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // §4.2.1 longest run
      ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'], // §4.1 no leading zeros
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 one zero group stays
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 the longer run
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 the first of equal runs
      ['2001:DB8::AbCd', '2001:db8::abcd'], // §4.3 lower case
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['fe80::1:2:3:4:5:6', 'fe80:0:1:2:3:4:5:6'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
      ['1:0:0:2::', '1:0:0:2::'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // §5 IPv4-mapped in mixed notation
      ['::ffff:c000:0201', '::ffff:192.0.2.1'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['2001:db8:3:4:5:6:192.0.2.4', '2001:db8:3:4:5:6:c000:204'],
    ];
    for (const [input, canonical] of cases) {
      const b = parseIpv6Address(input);
      assert.ok(b, input);
      assert.equal(formatIpv6Address(b), canonical, input);
      assert.deepEqual(parseIpv6Address(canonical), b);
    }
  });

  test('invalid text', () => {
    for (const text of [
      '',
      ':',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':1::',
      '1::2:',
      '1:',
      '12345::',
      'g::',
      '::1%eth0',
      '1:2:3:4:5:6:7:8::',
      '1:2:3:4:5:6:7::8',
      '::1.2.3',
      '::1.2.3.4.5',
      '2001:db8:3:4:5:6:7:192.0.2.4',
      '::192.0.02.4',
      '192.0.2.4',
      '[::1]',
      ' ::1',
    ]) {
      assert.equal(parseIpv6Address(text), undefined, JSON.stringify(text));
    }
  });

  test('parse into a buffer at an offset', () => {
    const buf = new Uint8Array(20).fill(0xee);
    assert.equal(parseIpv6AddressInto('2001:db8::1', buf, 2), true);
    assert.equal(toHex(buf), `eeee${toHex(SRC)}eeee`);
    assert.equal(formatIpv6Address(buf, 2), '2001:db8::1');
  });

  // Addresses with runs of zero groups, to exercise '::' placement.
  const addr = fc
    .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    })
    .map((groups) => {
      const b = new Uint8Array(16);
      groups.forEach((g, i) => {
        b[i * 2] = g >>> 8;
        b[i * 2 + 1] = g & 0xff;
      });
      return b;
    });

  test('format then parse is the identity', () => {
    fc.assert(
      fc.property(addr, (b) => {
        assert.deepEqual(parseIpv6Address(formatIpv6Address(b)), b);
      }),
      params(2000),
    );
  });

  test('format agrees with the WHATWG URL serializer (same zero-run rule) except for IPv4-mapped', () => {
    fc.assert(
      fc.property(addr, (b) => {
        const text = formatIpv6Address(b);
        if (text.startsWith('::ffff:') && text.includes('.')) return;
        assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
        // and the URL parser reads the same address from our text
        const groups = [...Array(8).keys()].map((i) => ((b[i * 2]! << 8) | b[i * 2 + 1]!).toString(16)).join(':');
        assert.equal(new URL(`http://[${groups}]/`).hostname, `[${text}]`);
      }),
      params(1000),
    );
  });
});
