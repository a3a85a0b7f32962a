import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/base/errors.js';
import { emitIpv4, formatIpv4Address, parseIpv4, parseIpv4Address, parseIpv4AddressInto } from '../../src/wire/ipv4.js';
import type { WireErrorCode } from '../../src/wire/result.js';
import { params } from './arbitraries.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// 192.0.2.1 -> 198.51.100.2, total 60, id 0x1234, DF, TTL 64, TCP. Header checksum 0x3c51 computed
// outside this code base (Python, textbook RFC 1071).
const HDR = '4500 003c 1234 4000 40 06 3c51 c0000201 c6336402';
const packet = (): Uint8Array => {
  const b = new Uint8Array(60);
  b.set(hex(HDR));
  for (let i = 20; i < 60; i++) b[i] = i;
  return b;
};

function set(b: Uint8Array, i: number, v: number): Uint8Array {
  b[i] = v;
  return b;
}

function code(r: { ok: boolean; error?: { code: WireErrorCode } }): WireErrorCode | undefined {
  return r.ok ? undefined : r.error?.code;
}

describe('parseIpv4', () => {
  test('fixture: every field; payload is a view up to total length', () => {
    const b = packet();
    const withPadding = new Uint8Array(64);
    withPadding.set(b);
    const r = parseIpv4(withPadding);
    assert.ok(r.ok);
    const { header, fragment, payload } = r.value;
    assert.deepEqual(
      { ...header, src: [...header.src], dst: [...header.dst] },
      {
        headerLength: 20,
        tos: 0,
        totalLength: 60,
        id: 0x1234,
        df: true,
        mf: false,
        fragmentOffset: 0,
        ttl: 64,
        protocol: 6,
        src: [192, 0, 2, 1],
        dst: [198, 51, 100, 2],
      },
    );
    assert.equal(fragment, false);
    assert.equal(payload.length, 40);
    assert.equal(payload[0], 20);
    assert.equal(payload.buffer, withPadding.buffer);
  });

  test('emitIpv4 writes the same bytes', () => {
    const b = packet();
    const out = emitIpv4(hex('c0000201'), hex('c6336402'), 6, b.subarray(20), { id: 0x1234 });
    assert.equal(toHex(out), toHex(b));
  });

  test('options are skipped by IHL', () => {
    // IHL 6: one word of options (NOP NOP NOP EOL). Recompute the checksum by emitting without.
    const b = new Uint8Array(28);
    b.set(hex('4600 001c 0000 0000 40 06 0000 c0000201 c0000202 01010100 aabbccdd'));
    let sum = 0;
    for (let i = 0; i < 24; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    b[10] = (~sum >>> 8) & 0xff;
    b[11] = ~sum & 0xff;
    const r = parseIpv4(b);
    assert.ok(r.ok);
    assert.equal(r.value.header.headerLength, 24);
    assert.equal(toHex(r.value.payload), 'aabbccdd');
  });

  test('fragments are flagged, not reassembled', () => {
    for (const [flags, offset, mf] of [
      [0x20, 0, true], // MF, offset 0: first fragment
      [0x00, 0x10, false], // last fragment at offset 16*8
      [0x20, 0x01, true],
    ] as const) {
      const b = packet();
      b[6] = flags;
      b[7] = offset;
      b[10] = 0;
      b[11] = 0;
      const out = emitIpv4(b.subarray(12, 16), b.subarray(16, 20), 6, b.subarray(20));
      out[6] = flags;
      out[7] = offset;
      // fix the checksum for the changed flags
      out[10] = 0;
      out[11] = 0;
      let sum = 0;
      for (let i = 0; i < 20; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      out[10] = (~sum >>> 8) & 0xff;
      out[11] = ~sum & 0xff;
      const r = parseIpv4(out);
      assert.ok(r.ok);
      assert.equal(r.value.fragment, true);
      assert.equal(r.value.header.mf, mf);
      assert.equal(r.value.header.fragmentOffset, offset * 8);
      assert.equal(r.value.header.df, false);
    }
  });

  test('errors', () => {
    const cases: [string, (b: Uint8Array) => Uint8Array, WireErrorCode][] = [
      ['19 bytes', (b) => b.subarray(0, 19), 'ERR_WIRE_TRUNCATED'],
      ['version 6', (b) => set(b, 0, 0x65), 'ERR_WIRE_BAD_VERSION'],
      ['IHL 4', (b) => set(b, 0, 0x44), 'ERR_WIRE_BAD_LENGTH'],
      ['IHL 15 on a 60-byte packet with total 40', (b) => set(b, 0, 0x4f).subarray(0, 40), 'ERR_WIRE_TRUNCATED'],
      ['total length 19', (b) => set(b, 3, 19), 'ERR_WIRE_BAD_LENGTH'],
      ['total length past the bytes', (b) => b.subarray(0, 59), 'ERR_WIRE_TRUNCATED'],
      ['checksum off by one', (b) => set(b, 11, b[11]! ^ 1), 'ERR_WIRE_CHECKSUM'],
      ['TTL changed, checksum not', (b) => set(b, 8, 63), 'ERR_WIRE_CHECKSUM'],
    ];
    for (const [name, mutate, expected] of cases) assert.equal(code(parseIpv4(mutate(packet()))), expected, name);
  });

  test('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, v4) => {
        if (v4 && b.length > 0) b[0] = 0x40 | (b[0]! & 0x0f);
        parseIpv4(b);
      }),
      params(2000),
    );
  });
});

describe('emitIpv4', () => {
  test('defaults: TTL 64, DF, id 0, TOS 0; options override', () => {
    const out = emitIpv4(new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6, 7, 8]), 17, new Uint8Array(3), {
      ttl: 1,
      df: false,
      tos: 0xb8,
      id: 65535,
    });
    const r = parseIpv4(out);
    assert.ok(r.ok);
    const h = r.value.header;
    assert.deepEqual([h.ttl, h.df, h.tos, h.id, h.protocol, h.totalLength], [1, false, 0xb8, 65535, 17, 23]);
    const d = parseIpv4(emitIpv4(new Uint8Array(4), new Uint8Array(4), 6, new Uint8Array(0)));
    assert.ok(d.ok);
    assert.deepEqual([d.value.header.ttl, d.value.header.df, d.value.header.id], [64, true, 0]);
  });

  test('misuse throws UsageError', () => {
    const a = new Uint8Array(4);
    const bad: (() => unknown)[] = [
      () => emitIpv4(new Uint8Array(16), a, 6, new Uint8Array(0)),
      () => emitIpv4(a, a, 6, new Uint8Array(65536 - 20)),
      () => emitIpv4(a, a, 256, new Uint8Array(0)),
      () => emitIpv4(a, a, 6, new Uint8Array(0), { ttl: 256 }),
      () => emitIpv4(a, a, 6, new Uint8Array(0), { id: -1 }),
    ];
    for (const f of bad)
      assert.throws(f, (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE');
  });
});

describe('IPv4 address text', () => {
  test('valid', () => {
    for (const [text, bytes] of [
      ['0.0.0.0', [0, 0, 0, 0]],
      ['255.255.255.255', [255, 255, 255, 255]],
      ['192.0.2.1', [192, 0, 2, 1]],
      ['192.0.2.109', [192, 0, 2, 109]],
    ] as const) {
      assert.deepEqual([...parseIpv4Address(text)!], bytes, text);
      assert.equal(formatIpv4Address(new Uint8Array(bytes)), text);
    }
  });

  test('invalid', () => {
    for (const text of [
      '',
      '1.2.3',
      '192.0.2.4.5',
      '256.0.0.1',
      '192.0.2.04',
      '192.0.02.4',
      '1..3.4',
      '.1.2.3',
      '192.0.2.4.',
      '1.2.3.-4',
      ' 192.0.2.4',
      '192.0.2.4 ',
      '1.2.3.a',
      '1000.1.1.1',
      '::1',
    ]) {
      assert.equal(parseIpv4Address(text), undefined, JSON.stringify(text));
    }
  });

  test('parse into a buffer at an offset, from a sub-range of the text', () => {
    const buf = new Uint8Array(8);
    assert.equal(parseIpv4AddressInto('x=192.0.2.4;', buf, 3, 2, 11), true);
    assert.deepEqual([...buf], [0, 0, 0, 192, 0, 2, 4, 0]);
    assert.equal(formatIpv4Address(buf, 3), '192.0.2.4');
  });

  test('format then parse is the identity', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        assert.deepEqual(parseIpv4Address(formatIpv4Address(b)), b);
      }),
      params(500),
    );
  });
});
