// SimLinkOptions.checksumOffload: the sender leaves the TCP checksum 0, the receiver takes the packet
// as verified (as on Linux loopback). Everything else about a link, and the default, is unchanged.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { SimNetwork, type SimNetworkOptions, type WirePacket } from '../../src/sim/network.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { foldSum, onesSum } from '../../src/wire/checksum.js';
import { decodePacket, encodePacket } from '../../src/wire/ip.js';
import { makeSegment, parseCtl } from '../../src/wire/segment.js';

const A = '192.0.2.1';
const B = '192.0.2.2';
const A6 = '2001:db8::1';
const B6 = '2001:db8::2';

/** Offset of the TCP header in an IP packet (IPv4 IHL or the fixed IPv6 header). */
function tcpAt(bytes: Uint8Array): number {
  return bytes[0]! >>> 4 === 4 ? (bytes[0]! & 0x0f) * 4 : 40;
}

function tcpChecksumField(bytes: Uint8Array): number {
  const at = tcpAt(bytes) + 16;
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function ipv4HeaderOk(bytes: Uint8Array): boolean {
  return foldSum(onesSum(bytes, 0, (bytes[0]! & 0x0f) * 4)) === 0xffff;
}

/** Data of a known pattern, `n` bytes. */
function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >>> 8)) & 0xff);
}

function setup(opts: SimNetworkOptions, a = A, b = B) {
  const rec = new TraceRecorder();
  const sim = new SimNetwork({ trace: rec.sink, ...opts });
  const ha = sim.host(a, { name: 'a' });
  const hb = sim.host(b, { name: 'b' });
  const taps: WirePacket[] = [];
  sim.tap((p) => taps.push(p));
  return { sim, rec, ha, hb, taps };
}

/** a sends `data` to b's port 80 and closes; runs to idle. Returns what b received. */
function transfer(s: ReturnType<typeof setup>, data: Uint8Array, dst = B): Uint8Array {
  let got: Uint8Array | undefined;
  s.hb.listen(80).onAccept = (c) => {
    c.on('peer-fin', () => {
      got = c.receivedBytes();
      c.close();
    });
  };
  const c = s.ha.connect({ addr: dst, port: 80 });
  c.on('connected', () => {
    c.write(data);
    c.close();
  });
  s.sim.run();
  assert.ok(got !== undefined, 'b saw the FIN');
  return got;
}

for (const [family, a, b] of [
  ['IPv4', A, B],
  ['IPv6', A6, B6],
] as const) {
  test(`${family}: bulk data over a checksum-offload link arrives intact, every TCP checksum 0`, () => {
    const s = setup({ link: { checksumOffload: true, latency: 5 } }, a, b);
    const data = pattern(1 << 20);
    assert.deepEqual(transfer(s, data, b), data);
    assert.ok(s.taps.length > 700, `${s.taps.length} packets`);
    for (const p of s.taps) {
      assert.equal(tcpChecksumField(p.bytes), 0);
      if (family === 'IPv4') assert.ok(ipv4HeaderOk(p.bytes), 'the IPv4 header checksum is still filled');
      // Without the checksumVerified mark the receiver would refuse them: the field is not a checksum.
      const d = decodePacket(p.bytes);
      assert.equal(!d.ok && d.error.code, 'ERR_WIRE_CHECKSUM');
      assert.equal(decodePacket(p.bytes, { checksumVerified: true }).ok, true);
    }
    assert.equal(s.rec.byType('drop').length, 0);
  });
}

test('default link: checksums computed and verified, as before', () => {
  const s = setup({ link: { latency: 5 } });
  const data = pattern(100_000);
  assert.deepEqual(transfer(s, data), data);
  for (const p of s.taps) {
    const d = decodePacket(p.bytes);
    assert.equal(d.ok, true);
    assert.notEqual(tcpChecksumField(p.bytes), 0); // none of these happens to sum to 0
    assert.deepEqual(p.bytes, encodePacket(p.packet!));
  }
});

/** Flips one payload byte of the first data packet from a to b, in flight (after the tap sees it). */
function corruptFirstData(s: ReturnType<typeof setup>, at: number): () => boolean {
  let done = false;
  s.sim.tap((p) => {
    if (done || p.from !== 'a' || p.packet === null || p.packet.seg.payload.length <= at) return;
    done = true;
    const off = tcpAt(p.bytes) + (p.bytes[tcpAt(p.bytes) + 12]! >>> 4) * 4 + at;
    p.bytes[off] = p.bytes[off]! ^ 0x5a;
  });
  return () => done;
}

test('a payload corrupted in flight is dropped on a default link (checksum) and arrives clean after the retransmission', () => {
  const s = setup({ link: { latency: 5 } });
  const corrupted = corruptFirstData(s, 7);
  const data = pattern(20_000);
  assert.deepEqual(transfer(s, data), data);
  assert.ok(corrupted());
  const drops = s.rec.byType('drop').filter((d) => d.reason === 'checksum');
  assert.equal(drops.length, 1);
  assert.equal(drops[0]?.endpoint, 'b');
});

test('on a checksum-offload link the same corruption is NOT detected: the receiver takes the bytes as sent', () => {
  const s = setup({ link: { latency: 5, checksumOffload: true } });
  const corrupted = corruptFirstData(s, 7);
  const data = pattern(20_000);
  const got = transfer(s, data);
  assert.ok(corrupted());
  assert.equal(got.length, data.length);
  assert.notDeepEqual(got, data);
  const want = data.slice();
  want[7] = want[7]! ^ 0x5a; // the first data segment starts at byte 0 of the stream
  assert.deepEqual(got, want);
  assert.equal(s.rec.byType('drop').length, 0);
});

test('setLink sets checksumOffload per direction; unset, it takes the network default again', () => {
  const s = setup({ link: { latency: 5 } });
  s.sim.setLink('a', 'b', { checksumOffload: true });
  const data = pattern(30_000);
  assert.deepEqual(transfer(s, data), data);
  const fromA = s.taps.filter((p) => p.from === 'a');
  const fromB = s.taps.filter((p) => p.from === 'b');
  assert.ok(fromA.length > 0 && fromB.length > 0);
  for (const p of fromA) assert.equal(tcpChecksumField(p.bytes), 0);
  for (const p of fromB) assert.equal(decodePacket(p.bytes).ok, true);
  // The link's other options are untouched by the flag; without it, setLink restores the default.
  assert.equal(s.sim.link('a', 'b').options.latency, 5);
  assert.equal('checksumOffload' in s.sim.link('a', 'b').options, false);
  s.sim.setLink('a', 'b', { latency: 5 });
  const wp = s.sim.transmit({ src: A, dst: B, seg: makeSegment({ srcPort: 1, dstPort: 2, flags: parseCtl('RST') }) });
  assert.equal(decodePacket(wp.bytes).ok, true);
  // A network-wide default of true is overridden per direction by an explicit false.
  const t = setup({ link: { checksumOffload: true } });
  t.sim.setLink('b', 'a', { checksumOffload: false });
  const seg = makeSegment({ srcPort: 1, dstPort: 2, flags: parseCtl('RST') });
  assert.equal(tcpChecksumField(t.sim.transmit({ src: A, dst: B, seg }).bytes), 0);
  assert.equal(decodePacket(t.sim.transmit({ src: B, dst: A, seg }).bytes).ok, true);
});

test('a receive() replaced on the host still delivers offload packets as verified (the mark is on the bytes)', () => {
  const s = setup({ link: { latency: 5, checksumOffload: true } });
  const held: Uint8Array[] = [];
  const real = s.hb.receive.bind(s.hb);
  s.hb.receive = (bytes: Uint8Array): void => {
    held.push(bytes);
    s.sim.clock.schedule(s.sim.now + 3, () => real(held.shift()!));
  };
  const data = pattern(50_000);
  assert.deepEqual(transfer(s, data), data);
  assert.equal(s.rec.byType('drop').length, 0);
});

test('inject(): bytes put on the wire by hand are always verified, offload link or not', () => {
  const s = setup({ link: { checksumOffload: true } });
  s.hb.listen(80);
  const syn = { src: A, dst: B, seg: makeSegment({ srcPort: 4000, dstPort: 80, seq: 1, flags: parseCtl('SYN') }) };
  s.sim.inject(encodePacket(syn, { checksumOffload: true }));
  s.sim.run();
  assert.deepEqual(
    s.rec.byType('drop').map((d) => [d.endpoint, d.reason]),
    [['b', 'checksum']],
  );
  assert.equal(s.hb.endpoint.stats.segmentsReceived, 0);
});

test('checksumOffload must be a boolean', () => {
  for (const bad of [1, 'yes', null]) {
    assert.throws(
      () => new SimNetwork({ link: { checksumOffload: bad as unknown as boolean } }),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
    const sim = new SimNetwork();
    assert.throws(
      () => sim.setLink(A, B, { checksumOffload: bad as unknown as boolean }),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
  }
});
