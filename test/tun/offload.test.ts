// TUN offloads without a kernel: vnet headers, partial checksums and the cutting of TSO segments
// (src/drivers/tun/offload.ts), checked against the ordinary decoder.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  completeChecksum,
  decodeTrusted,
  readVnetHeader,
  rxOffload,
  segmentPacket,
  segmentWire,
} from '../../src/drivers/tun/offload.js';
import { foldSum, pseudoHeaderSum } from '../../src/wire/checksum.js';
import { decodePacket, encodePacket, type Packet, parseAddress } from '../../src/wire/ip.js';
import { ACK, CWR, FIN, makeSegment, PSH } from '../../src/wire/segment.js';

const MSS = 1460;

function bigPacket(src: string, dst: string, payloadLen: number, flags: number): Packet {
  const payload = new Uint8Array(payloadLen).map((_, i) => (i * 13 + 5) & 0xff);
  const seg = makeSegment({
    srcPort: 40000,
    dstPort: 80,
    seq: 0xfffff000, // wraps inside the packet
    ack: 12345,
    flags,
    wnd: 501,
    options: { ts: { val: 7, ecr: 9 } },
    payload,
  });
  return { src, dst, seg };
}

/** What the kernel hands with NEEDS_CSUM: the TCP checksum field holds the folded pseudo-header sum. */
function partial(bytes: Uint8Array, src: string, dst: string): { bytes: Uint8Array; start: number } {
  const start = bytes[0]! >>> 4 === 4 ? (bytes[0]! & 0x0f) * 4 : 40;
  const out = bytes.slice();
  const p = foldSum(
    pseudoHeaderSum(parseAddress(src) as Uint8Array, parseAddress(dst) as Uint8Array, 6, bytes.length - start),
  );
  out[start + 16] = p >>> 8;
  out[start + 17] = p & 0xff;
  return { bytes: out, start };
}

function vnetHeader(flags: number, gsoType: number, gsoSize: number, csumStart: number): Uint8Array {
  const h = new Uint8Array(10);
  const v = new DataView(h.buffer);
  h[0] = flags;
  h[1] = gsoType;
  v.setUint16(4, gsoSize, true);
  v.setUint16(6, csumStart, true);
  v.setUint16(8, 16, true);
  return h;
}

for (const [src, dst] of [
  ['192.0.2.1', '192.0.2.2'],
  ['2001:db8::1', '2001:db8::2'],
] as const) {
  test(`IPv${src.includes(':') ? 6 : 4}: a partial checksum is completed; a TSO packet is cut as tcp_gso_segment cuts it`, () => {
    const len = 3 * MSS + 100;
    const pkt = bigPacket(src, dst, len, ACK | PSH | FIN | CWR);
    const whole = encodePacket(pkt);
    const { bytes, start } = partial(whole, src, dst);
    assert.equal(decodePacket(bytes).ok, false, 'a partial checksum does not verify');

    const info = rxOffload();
    assert.equal(readVnetHeader(vnetHeader(1, src.includes(':') ? 4 : 1, MSS, start), info), true);
    assert.deepEqual(info, { csumStart: start, csumOffset: 16, valid: true, gsoSize: MSS });

    const trusted = decodeTrusted(bytes);
    assert.ok(trusted);
    assert.equal(trusted.seg.seq, pkt.seg.seq);
    assert.deepEqual(trusted.seg.payload, pkt.seg.payload);

    const fixed = bytes.slice();
    completeChecksum(fixed, start, 16);
    assert.deepEqual(fixed, whole);

    const wire = segmentWire(bytes.slice(), info);
    const views = segmentPacket(trusted, MSS);
    assert.equal(wire.length, 4);
    assert.equal(views.length, 4);
    for (let k = 0; k < 4; k++) {
      const d = decodePacket(wire[k] as Uint8Array);
      assert.ok(d.ok, `piece ${k} decodes with its checksums`);
      const s = d.value.seg;
      const v = (views[k] as Packet).seg;
      const n = k < 3 ? MSS : 100;
      assert.equal(s.seq, (pkt.seg.seq + k * MSS) >>> 0);
      assert.equal(s.payload.length, n);
      assert.deepEqual(s.payload, pkt.seg.payload.subarray(k * MSS, k * MSS + n));
      const flags = ACK | (k === 0 ? CWR : 0) | (k === 3 ? PSH | FIN : 0);
      assert.equal(s.flags, flags);
      assert.deepEqual(s.options.ts, { val: 7, ecr: 9 });
      assert.equal(v.seq, s.seq);
      assert.equal(v.flags, s.flags);
      assert.deepEqual(v.payload, s.payload);
      assert.equal(v.payload.buffer, trusted.seg.payload.buffer, 'the fast path cuts views, no copies');
      if (!src.includes(':')) {
        const id0 = (whole[4]! << 8) | whole[5]!;
        const w = wire[k] as Uint8Array;
        assert.equal((w[4]! << 8) | w[5]!, (id0 + k) & 0xffff);
      }
    }
  });
}

test('a vnet header without flags is not trusted; DATA_VALID is, without a partial checksum', () => {
  const info = rxOffload();
  assert.equal(readVnetHeader(new Uint8Array(10), info), false);
  assert.equal(readVnetHeader(vnetHeader(2, 0, 0, 0), info), true);
  assert.deepEqual(info, { csumStart: -1, csumOffset: 0, valid: true, gsoSize: 0 });
});

test('decodeTrusted refuses what the ordinary decoder must judge (and trace)', () => {
  assert.equal(decodeTrusted(new Uint8Array(0)), undefined);
  assert.equal(decodeTrusted(new Uint8Array([0x45, 0, 0, 20])), undefined);
  const udp = encodePacket(bigPacket('192.0.2.1', '192.0.2.2', 10, ACK));
  udp[9] = 17;
  assert.equal(decodeTrusted(udp), undefined);
});
