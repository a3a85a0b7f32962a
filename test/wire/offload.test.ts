// EncodeOptions.checksumOffload / DecodeOptions.checksumVerified, and what decoding now shares
// between segments (the options of segments without options, the common layouts) and does in place.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { foldSum, IPPROTO_TCP, onesSum, pseudoHeaderSum } from '../../src/wire/checksum.js';
import { decodePacket, encodePacket, formatAddress, type Packet, parseAddress } from '../../src/wire/ip.js';
import { ACK, makeSegment, NO_OPTIONS, PSH, type TcpOptions } from '../../src/wire/segment.js';
import { emitTcp, parseTcp, parseTcpOptions } from '../../src/wire/tcp-header.js';
import { params, segmentArb } from './arbitraries.js';

const v4 = fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `198.51.100.${a}|203.0.113.${b}`);
const v6 = fc
  .tuple(fc.nat(0xffff), fc.nat(0xffff))
  .map(([a, b]) => `2001:db8::${a.toString(16)}|2001:db8:1::${b.toString(16)}`);
/** Address pairs in canonical text (RFC 5952 for IPv6), as decodePacket gives them back. */
const addrPair = fc
  .oneof(v4, v6)
  .map((s) => s.split('|').map((a) => formatAddress(parseAddress(a)!)) as [string, string]);

function tcpAt(bytes: Uint8Array): number {
  return bytes[0]! >>> 4 === 4 ? (bytes[0]! & 0x0f) * 4 : 40;
}

describe('checksum offload in encodePacket / decodePacket', () => {
  test('checksumOffload leaves the TCP checksum 0 and changes nothing else; checksumVerified decodes it the same', () => {
    fc.assert(
      fc.property(segmentArb, addrPair, (seg, [src, dst]) => {
        const pkt: Packet = { src, dst, seg };
        const full = encodePacket(pkt);
        const off = encodePacket(pkt, { checksumOffload: true });
        const at = tcpAt(full) + 16;
        assert.equal(off[at], 0);
        assert.equal(off[at + 1], 0);
        const patched = off.slice();
        patched[at] = full[at]!;
        patched[at + 1] = full[at + 1]!;
        assert.deepEqual(patched, full); // IPv4 header checksum included
        assert.deepEqual(decodePacket(off, { checksumVerified: true }), decodePacket(full));
        assert.deepEqual(decodePacket(full, { checksumVerified: true }), decodePacket(full));
        // Unless the segment happens to sum to 0 (its right checksum is then 0xffff or 0), 0 is wrong.
        const d = decodePacket(off);
        if (!d.ok) assert.equal(d.error.code, 'ERR_WIRE_CHECKSUM');
        // With the slab too.
        assert.deepEqual(encodePacket(pkt, { checksumOffload: true, slab: undefined }), off);
      }),
      params(500),
    );
  });

  test('checksumVerified skips only the TCP checksum: the IPv4 header checksum and the rest are still checked', () => {
    const pkt: Packet = {
      src: '192.0.2.1',
      dst: '192.0.2.2',
      seg: makeSegment({ srcPort: 1000, dstPort: 80, flags: ACK, payload: new Uint8Array(200).fill(3) }),
    };
    const bytes = encodePacket(pkt, { checksumOffload: true });
    const V = { checksumVerified: true };
    assert.equal(decodePacket(bytes, V).ok, true);
    const code = (b: Uint8Array) => {
      const r = decodePacket(b, V);
      return r.ok ? 'ok' : r.error.code;
    };
    const badIp = bytes.slice();
    badIp[8] = 1; // TTL changed, header checksum not
    assert.equal(code(badIp), 'ERR_WIRE_CHECKSUM');
    assert.equal(code(bytes.subarray(0, 30)), 'ERR_WIRE_TRUNCATED');
    const badOffset = bytes.slice();
    badOffset[20 + 12] = 0x40; // data offset 4 words
    assert.equal(code(badOffset), 'ERR_WIRE_BAD_OFFSET');
    const v6 = encodePacket({ ...pkt, src: '2001:db8::1', dst: '2001:db8::2' }, { checksumOffload: true });
    assert.equal(code(v6), 'ok');
    assert.equal(code(v6.subarray(0, 50)), 'ERR_WIRE_TRUNCATED');
    const d = decodePacket(v6);
    assert.equal(!d.ok && d.error.code, 'ERR_WIRE_CHECKSUM');
  });
});

describe('decoding in place, with shared options', () => {
  test('decodePacket gives what parseTcp gives for the TCP bytes on their own (errors included)', () => {
    fc.assert(
      fc.property(
        segmentArb,
        addrPair,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (seg, [src, dst], pos, value, corrupt) => {
          const bytes = encodePacket({ src, dst, seg });
          const at = tcpAt(bytes);
          // Corrupt one byte of the TCP header or payload now and then: checksum and option errors too.
          if (corrupt) bytes[at + (pos % (bytes.length - at))] = value;
          const tcp = bytes.slice(at);
          const byParse = parseTcp(tcp, { src: parseAddress(src)!, dst: parseAddress(dst)! });
          const byDecode = decodePacket(bytes);
          if (byParse.ok) assert.deepEqual(byDecode, { ok: true, value: { src, dst, seg: byParse.value } });
          else assert.deepEqual(byDecode, byParse); // detail included: offsets count from the TCP header
        },
      ),
      params(1000),
    );
  });

  test('segments without options share one frozen { layout: [] }', () => {
    const bytes = encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg: makeSegment({ srcPort: 1, dstPort: 2 }) });
    const a = decodePacket(bytes);
    const b = decodePacket(bytes.slice());
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.value.seg.options, { layout: [] });
    assert.equal(a.value.seg.options, b.value.seg.options);
    assert.ok(Object.isFrozen(a.value.seg.options) && Object.isFrozen(a.value.seg.options.layout));
    assert.notEqual(a.value.seg.options, NO_OPTIONS); // NO_OPTIONS is what emitters use: no layout
    assert.equal(parseTcpOptions(new Uint8Array(0), 0, 0).ok, true);
  });

  test('common layouts are shared frozen arrays; the options objects around them are not shared', () => {
    const seg = (options: TcpOptions) =>
      parseTcp(emitTcp(makeSegment({ srcPort: 1, dstPort: 2, flags: PSH | ACK, options })));
    const cases: [TcpOptions, number[]][] = [
      [{ ts: { val: 1, ecr: 2 } }, [1, 1, 8]],
      [{ ts: { val: 1, ecr: 2 }, sack: [{ left: 5, right: 9 }] }, [1, 1, 8, 1, 1, 5]],
      [{ sack: [{ left: 5, right: 9 }] }, [1, 1, 5]],
    ];
    for (const [options, layout] of cases) {
      const a = seg(options);
      const b = seg(options);
      assert.ok(a.ok && b.ok);
      assert.deepEqual(a.value.options, { ...options, layout });
      assert.equal(a.value.options.layout, b.value.options.layout);
      assert.ok(Object.isFrozen(a.value.options.layout));
      assert.notEqual(a.value.options, b.value.options);
      assert.ok(!Object.isFrozen(a.value.options));
      // Keys in the order they always had: layout first.
      assert.equal(Object.keys(a.value.options)[0], 'layout');
    }
    // Any other layout is an array of its own.
    const syn = seg({ mss: 1460, wscale: 7, sackPermitted: true, ts: { val: 1, ecr: 0 } });
    assert.ok(syn.ok);
    assert.deepEqual(syn.value.options.layout, [2, 4, 8, 1, 3]);
    assert.ok(!Object.isFrozen(syn.value.options.layout));
  });

  test('parseTcpOptions takes an area longer than a TCP header holds', () => {
    const area = new Uint8Array(64).fill(1);
    area.set([3, 3, 9], 60);
    const r = parseTcpOptions(area, 0, 64);
    assert.deepEqual(r, { ok: true, value: { wscale: 9, layout: [...Array<number>(60).fill(1), 3, 1] } });
    // And a short one afterwards still parses as before.
    assert.deepEqual(parseTcpOptions(new Uint8Array([1, 3, 3, 2]), 0, 4), {
      ok: true,
      value: { wscale: 2, layout: [1, 3] },
    });
  });

  test('the checksum error names the field and the right value, from a sum taken in place', () => {
    const src = parseAddress('192.0.2.1')!;
    const dst = parseAddress('192.0.2.2')!;
    const bytes = encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg: makeSegment({ srcPort: 7, dstPort: 9 }) });
    const tcp = bytes.slice(20);
    const right = (tcp[16]! << 8) | tcp[17]!;
    bytes[20 + 16] = bytes[20 + 16]! ^ 0xff;
    const r = decodePacket(bytes);
    assert.equal(!r.ok && r.error.code, 'ERR_WIRE_CHECKSUM');
    assert.match(!r.ok ? r.error.detail : '', new RegExp(`expected 0x${right.toString(16).padStart(4, '0')}$`));
    assert.equal(foldSum(onesSum(tcp, 0, tcp.length, pseudoHeaderSum(src, dst, IPPROTO_TCP, tcp.length))), 0xffff);
  });
});
