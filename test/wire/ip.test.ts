import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/base/errors.js';
import {
  addressFamily,
  decodePacket,
  encodePacket,
  formatAddress,
  PacketSlab,
  parseAddress,
} from '../../src/wire/ip.js';
import { formatIpv4Address } from '../../src/wire/ipv4.js';
import { formatIpv6Address } from '../../src/wire/ipv6.js';
import type { WireErrorCode } from '../../src/wire/result.js';
import { ACK, type Segment, SYN } from '../../src/wire/segment.js';
import { canonicalLayout } from '../../src/wire/tcp-header.js';
import { params, segmentArb } from './arbitraries.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// The Linux-style SYN of tcp-header.test.ts, checksums computed outside this code base.
const SYN_TCP = (checksum: string): string => `
  9c40 0050 fffffff0 00000000 a0 02 faf0 ${checksum} 0000
  020405b4 0402 080a 00000001 00000000 01 030307`;
const V4_PACKET = `4500 003c 1234 4000 40 06 3c51 c0000201 c6336402 ${SYN_TCP('c455')}`;
const V6_PACKET = `6000 0000 0028 06 40 20010db8000000000000000000000001 20010db8000000000000000000000002 ${SYN_TCP('5518')}`;

const SYN_SEG: Segment = {
  srcPort: 40000,
  dstPort: 80,
  seq: 0xfffffff0,
  ack: 0,
  flags: SYN,
  wnd: 64240,
  urp: 0,
  options: { mss: 1460, sackPermitted: true, ts: { val: 1, ecr: 0 }, wscale: 7 },
  payload: new Uint8Array(0),
};

function code(r: { ok: boolean; error?: { code: WireErrorCode } }): WireErrorCode | undefined {
  return r.ok ? undefined : r.error?.code;
}

describe('encodePacket', () => {
  test('IPv4 SYN: exact bytes, both checksums filled; the buffer is exactly the packet', () => {
    const out = encodePacket({ src: '192.0.2.1', dst: '198.51.100.2', seg: SYN_SEG }, { id: 0x1234 });
    assert.equal(toHex(out), toHex(hex(V4_PACKET)));
    assert.equal(out.byteOffset, 0);
    assert.equal(out.buffer.byteLength, out.length);
  });

  test('IPv6 SYN: exact bytes (address text in a non-canonical form is fine)', () => {
    const out = encodePacket({ src: '2001:DB8:0::1', dst: '2001:db8::0:2', seg: SYN_SEG });
    assert.equal(toHex(out), toHex(hex(V6_PACKET)));
  });

  test('ttl / hop limit, tos / traffic class, flow label, df', () => {
    const seg = { ...SYN_SEG, options: {} };
    const v4 = encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg }, { ttl: 7, tos: 0x10, df: false });
    assert.deepEqual([v4[1], v4[6], v4[8]], [0x10, 0, 7]);
    const v6 = encodePacket({ src: '::1', dst: '::2', seg }, { ttl: 7, tos: 0xab, flowLabel: 0xfedcb });
    assert.equal(toHex(v6.subarray(0, 8)), '6abfedcb00140607');
  });

  test('from a slab: the same bytes as a buffer of their own, each packet in its own 8-aligned place', () => {
    const slab = new PacketSlab();
    const data = {
      ...SYN_SEG,
      flags: ACK,
      options: {},
      payload: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff),
    };
    const pkts = [
      { src: '192.0.2.1', dst: '198.51.100.2', seg: SYN_SEG },
      { src: '192.0.2.1', dst: '198.51.100.2', seg: data },
      { src: '2001:db8::1', dst: '2001:db8::2', seg: data },
    ];
    const fresh = pkts.map((p) => encodePacket(p, { id: 0x1234 }));
    // Enough packets to fill more than one 64 KiB slab.
    const carved: Uint8Array[] = [];
    for (let i = 0; i < 70; i++) for (const p of pkts) carved.push(encodePacket(p, { id: 0x1234, slab }));
    carved.forEach((c, i) => {
      assert.equal(toHex(c), toHex(fresh[i % pkts.length] as Uint8Array));
      assert.equal(c.byteOffset % 8, 0);
      const back = decodePacket(c);
      assert.ok(back.ok);
    });
    // No two packets of one slab overlap.
    for (let i = 1; i < carved.length; i++) {
      const a = carved[i - 1] as Uint8Array;
      const b = carved[i] as Uint8Array;
      if (a.buffer === b.buffer) assert.ok(b.byteOffset >= a.byteOffset + a.length);
    }
    assert.ok(new Set(carved.map((c) => c.buffer)).size > 1);
    // A packet over a quarter of a slab gets a buffer of its own.
    const big = encodePacket({ ...pkts[1], seg: { ...data, payload: new Uint8Array(20_000) } } as (typeof pkts)[1], {
      slab,
    });
    assert.equal(big.byteOffset, 0);
    assert.equal(big.buffer.byteLength, big.length);
  });

  test('misuse throws UsageError ERR_INVALID_ARG_VALUE', () => {
    const seg = SYN_SEG;
    const cases: (() => unknown)[] = [
      () => encodePacket({ src: '192.0.2.256', dst: '192.0.2.1', seg }),
      () => encodePacket({ src: '192.0.2.1', dst: 'localhost', seg }),
      () => encodePacket({ src: '192.0.2.1', dst: '::1', seg }),
      () => encodePacket({ src: '::1', dst: '192.0.2.1', seg }),
      () => encodePacket({ src: '::1', dst: '::g', seg }),
      () => encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg: { ...seg, payload: new Uint8Array(65535 - 40) } }),
      () => encodePacket({ src: '::1', dst: '::2', seg: { ...seg, payload: new Uint8Array(65535 - 19) } }),
      () => encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg: { ...seg, seq: -1 } }),
    ];
    for (const f of cases)
      assert.throws(f, (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE');
    // The limits themselves fit.
    const v4 = encodePacket({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      seg: { ...seg, payload: new Uint8Array(65535 - 60) },
    });
    assert.equal(v4.length, 65535);
    const v6 = encodePacket({ src: '::1', dst: '::2', seg: { ...seg, payload: new Uint8Array(65535 - 40) } });
    assert.equal(v6.length, 65535 + 40);
  });
});

describe('decodePacket', () => {
  const expected = (src: string, dst: string) => ({
    src,
    dst,
    seg: { ...SYN_SEG, options: { ...SYN_SEG.options, layout: [2, 4, 8, 1, 3] } },
  });

  test('IPv4 and IPv6 fixtures', () => {
    assert.deepEqual(decodePacket(hex(V4_PACKET)), { ok: true, value: expected('192.0.2.1', '198.51.100.2') });
    assert.deepEqual(decodePacket(hex(V6_PACKET)), { ok: true, value: expected('2001:db8::1', '2001:db8::2') });
  });

  test('the payload is a view into the packet', () => {
    const bytes = encodePacket({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      seg: { ...SYN_SEG, flags: ACK, options: {}, payload: hex('0102030405') },
    });
    const r = decodePacket(bytes);
    assert.ok(r.ok);
    assert.equal(r.value.seg.payload.buffer, bytes.buffer);
    assert.equal(r.value.seg.payload.byteOffset, 40);
    assert.equal(toHex(r.value.seg.payload), '0102030405');
  });

  test('errors', () => {
    const v4 = () => hex(V4_PACKET);
    const v6 = () => hex(V6_PACKET);
    const cases: [string, Uint8Array, WireErrorCode][] = [
      ['empty', new Uint8Array(0), 'ERR_WIRE_TRUNCATED'],
      ['version 5', hex('50'), 'ERR_WIRE_BAD_VERSION'],
      ['IPv4 cut short', v4().subarray(0, 59), 'ERR_WIRE_TRUNCATED'],
      ['IPv4 header checksum', patch(v4(), 11, 0x50), 'ERR_WIRE_CHECKSUM'],
      ['TCP checksum over IPv4', patch(v4(), 20 + 17, 0x54), 'ERR_WIRE_CHECKSUM'],
      ['TCP checksum over IPv6', patch(v6(), 40 + 17, 0x19), 'ERR_WIRE_CHECKSUM'],
      // protocol 6 -> 17: the word 0x4006 grows by 11, so the header checksum shrinks by 11
      ['IPv4 carrying UDP', patch(patch(v4(), 9, 17), 11, 0x51 - 11), 'ERR_WIRE_NOT_TCP'],
      ['IPv6 carrying UDP', patch(v6(), 6, 17), 'ERR_WIRE_NOT_TCP'],
      // MF set: flags word 0x4000 -> 0x6000, checksum word 0x3c51 -> 0x1c51
      ['IPv4 fragment', patch(patch(v4(), 6, 0x60), 10, 0x1c), 'ERR_WIRE_FRAGMENT'],
      ['IPv6 fragment', patch(v6(), 6, 44), 'ERR_WIRE_FRAGMENT'],
      // TCP data offset 4 (checksum is verified only after the offset check)
      ['TCP data offset', patch(v4(), 20 + 12, 0x40), 'ERR_WIRE_BAD_OFFSET'],
    ];
    for (const [name, bytes, c] of cases) assert.equal(code(decodePacket(bytes)), c, name);
  });

  test('a malformed option inside a packet with a right checksum is ERR_WIRE_BAD_OPTION', () => {
    const bytes = encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg: { ...SYN_SEG, options: { mss: 1 } } });
    // MSS length 4 -> 5: the option now runs past the 4-byte options area.
    bytes[20 + 21] = 5;
    // The word 0x0204 became 0x0205, so the right checksum is one less.
    const c = ((bytes[36]! << 8) | bytes[37]!) - 1;
    bytes[36] = c >>> 8;
    bytes[37] = c & 0xff;
    assert.equal(code(decodePacket(bytes)), 'ERR_WIRE_BAD_OPTION');
  });
});

function patch(b: Uint8Array, at: number, v: number): Uint8Array {
  b[at] = v;
  return b;
}

describe('address helpers', () => {
  test('family, parse and format of both kinds', () => {
    assert.equal(addressFamily('192.0.2.1'), 4);
    assert.equal(addressFamily('::ffff:192.0.2.1'), 6);
    assert.deepEqual([...parseAddress('192.0.2.1')!], [192, 0, 2, 1]);
    assert.equal(parseAddress('::1')?.length, 16);
    assert.equal(parseAddress('10.0.0'), undefined);
    assert.equal(parseAddress('::x'), undefined);
    assert.equal(formatAddress(new Uint8Array([127, 0, 0, 1])), '127.0.0.1');
    assert.equal(formatAddress(parseAddress('0:0::1')!), '::1');
    assert.throws(
      () => formatAddress(new Uint8Array(5)),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const v4addr = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4Address(b));
const v6addr = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => {
    const b = new Uint8Array(16);
    groups.forEach((g, i) => {
      b[i * 2] = g >>> 8;
      b[i * 2 + 1] = g & 0xff;
    });
    return formatIpv6Address(b);
  });
const addrPair = fc.oneof(fc.tuple(v4addr, v4addr), fc.tuple(v6addr, v6addr));

describe('packet properties (seed printed by fast-check on failure)', () => {
  test('encode then decode is the identity (layout aside, reported as canonical)', () => {
    fc.assert(
      fc.property(segmentArb, addrPair, (seg, [src, dst]) => {
        const r = decodePacket(encodePacket({ src, dst, seg }));
        assert.deepEqual(r, {
          ok: true,
          value: { src, dst, seg: { ...seg, options: { ...seg.options, layout: canonicalLayout(seg.options) } } },
        });
      }),
      params(2000),
    );
  });

  test('decodePacket never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(0x45, 0x46, 0x60, 0x00), (b, first) => {
        if (b.length > 0 && first !== 0) b[0] = first;
        decodePacket(b);
      }),
      params(3000),
    );
  });

  test('decodePacket never throws on mutated valid packets; a flipped byte is caught', () => {
    fc.assert(
      fc.property(
        segmentArb,
        addrPair,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (seg, [src, dst], edits, cut) => {
          const bytes = encodePacket({ src, dst, seg });
          if (edits.length === 1) {
            // One byte changed where a checksum covers it (all of IPv4; IPv6 from the addresses
            // on, since its first 8 bytes have no checksum): the packet must be refused.
            const [at, x] = edits[0]!;
            const v6 = bytes[0]! >>> 4 === 6;
            const i = v6 ? 8 + (at % (bytes.length - 8)) : at % bytes.length;
            bytes[i] = bytes[i]! ^ x;
            assert.equal(decodePacket(bytes).ok, false, `byte ${i} ^ ${x}`);
            return;
          }
          for (const [at, x] of edits) bytes[at % bytes.length]! ^= x;
          decodePacket(cut % 2 ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
        },
      ),
      params(3000),
    );
  });
});
