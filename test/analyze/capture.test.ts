import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CAPTURE_MAX_RECORD,
  type CapturedPacket,
  CaptureError,
  CaptureParser,
  looksLikeCapture,
  parseCaptureBytes,
} from '../../src/analyze/capture.js';
import {
  DLT_RAW_12,
  DLT_RAW_14,
  ipOfFrame,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../../src/analyze/link.js';
import { Rng } from '../../src/base/rng.js';
import { readCaptureFile } from '../../src/drivers/capture-file.js';
import { PcapWriter, readPcap } from '../../src/trace/pcap.js';
import { encodePacket } from '../../src/wire/ip.js';
import { makeSegment } from '../../src/wire/segment.js';

// ---------------------------------------------------------------------------------------------
// Builders: capture files byte by byte, in either byte order.

class Bytes {
  readonly parts: number[] = [];
  constructor(readonly le: boolean) {}
  u8(...v: number[]): this {
    this.parts.push(...v);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v & 0xff, v >>> 8) : this.u8(v >>> 8, v & 0xff);
  }
  u32(v: number): this {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    return this.u8(...(this.le ? b.reverse() : b));
  }
  raw(b: Uint8Array | readonly number[]): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

interface Rec {
  sec: number;
  frac: number;
  data: Uint8Array;
  orig?: number;
}

function pcapFile(o: { le: boolean; nanos?: boolean; linktype: number; snaplen?: number }, recs: Rec[]): Uint8Array {
  const b = new Bytes(o.le)
    .u32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(o.snaplen ?? 65535)
    .u32(o.linktype);
  for (const r of recs)
    b.u32(r.sec)
      .u32(r.frac)
      .u32(r.data.length)
      .u32(r.orig ?? r.data.length)
      .raw(r.data);
  return b.bytes();
}

/** A pcapng block: type, length, body (padded), length. `length` overrides both length fields. */
function block(
  le: boolean,
  type: number,
  body: Uint8Array,
  o: { length?: number; trailing?: number } = {},
): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const b = new Bytes(le)
    .u32(type)
    .u32(o.length ?? total)
    .raw(body);
  while (b.length < 8 + padded) b.u8(0);
  return b.u32(o.trailing ?? o.length ?? total).bytes();
}

function shb(le: boolean, o: { major?: number; magic?: number } = {}): Uint8Array {
  const body = new Bytes(le)
    .u32(o.magic ?? 0x1a2b3c4d)
    .u16(o.major ?? 1)
    .u16(0)
    .u32(0xffffffff)
    .u32(0xffffffff) // section length unknown
    .bytes();
  return block(le, 0x0a0d0d0a, body);
}

type Opt = [code: number, value: readonly number[]];

function idb(le: boolean, linktype: number, o: { snaplen?: number; options?: Opt[] } = {}): Uint8Array {
  const b = new Bytes(le)
    .u16(linktype)
    .u16(0)
    .u32(o.snaplen ?? 262144);
  for (const [code, value] of o.options ?? []) b.u16(code).u16(value.length).raw(value).pad4();
  if (o.options) b.u16(0).u16(0);
  return block(le, 1, b.bytes());
}

function epb(le: boolean, iface: number, high: number, low: number, data: Uint8Array, orig?: number): Uint8Array {
  const b = new Bytes(le)
    .u32(iface)
    .u32(high)
    .u32(low)
    .u32(data.length)
    .u32(orig ?? data.length)
    .raw(data)
    .pad4();
  return block(le, 6, b.bytes());
}

function spb(le: boolean, orig: number, data: Uint8Array): Uint8Array {
  return block(le, 3, new Bytes(le).u32(orig).raw(data).pad4().bytes());
}

function pb(le: boolean, iface: number, high: number, low: number, data: Uint8Array): Uint8Array {
  const b = new Bytes(le).u16(iface).u16(0).u32(high).u32(low).u32(data.length).u32(data.length).raw(data).pad4();
  return block(le, 2, b.bytes());
}

/** A 64-bit count split into its two 32-bit halves (count < 2^64, given as a bigint). */
const halves = (n: bigint): [number, number] => [Number(n >> 32n), Number(n & 0xffffffffn)];

/** Every packet of a capture, its data copied (the parser's views are valid only in the callback). */
function collect(parse: (on: (p: CapturedPacket) => void) => void): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  parse((p) => out.push({ ...p, data: p.data.slice() }));
  return out;
}

const all = (bytes: Uint8Array): CapturedPacket[] => collect((on) => parseCaptureBytes(bytes, on));

function inChunks(bytes: Uint8Array, cuts: number[]): CapturedPacket[] {
  const p = new CaptureParser();
  return collect((on) => {
    let at = 0;
    for (const c of [...cuts, bytes.length]) {
      p.push(bytes.subarray(at, c), on);
      at = c;
    }
    p.end();
  });
}

function captureError(fn: () => void): CaptureError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CaptureError, `expected a CaptureError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a CaptureError');
}

// Packets to carry: real TCP/IP bytes.
const V4 = encodePacket({
  src: '198.51.100.7',
  dst: '203.0.113.9',
  seg: makeSegment({ srcPort: 40000, dstPort: 80, seq: 1, ack: 2, flags: 0x18, payload: Uint8Array.of(1, 2, 3) }),
});
const V6 = encodePacket({
  src: '2001:db8::7',
  dst: '2001:db8::9',
  seg: makeSegment({ srcPort: 40001, dstPort: 443, seq: 5, flags: 0x02 }),
});
const MAC_A = [2, 0, 0, 0, 0, 1];
const MAC_B = [2, 0, 0, 0, 0, 2];
const ether = (type: number, payload: Uint8Array, tags: number[] = []): Uint8Array => {
  const b = new Bytes(false).raw(MAC_A).raw(MAC_B);
  for (const tpid of tags) b.u16(tpid).u16(100);
  return b.u16(type).raw(payload).bytes();
};

// ---------------------------------------------------------------------------------------------
// Classic pcap

for (const le of [true, false]) {
  for (const nanos of [false, true]) {
    test(`pcap, ${le ? 'little' : 'big'}-endian, ${nanos ? 'nano' : 'micro'}second timestamps`, () => {
      const bytes = pcapFile({ le, nanos, linktype: LINKTYPE_RAW }, [
        { sec: 1_700_000_000, frac: nanos ? 123_456_789 : 123_456, data: V4 },
        { sec: 1_700_000_001, frac: nanos ? 999_999_999 : 999_999, data: V6.subarray(0, 20), orig: V6.length },
      ]);
      const ps = all(bytes);
      assert.equal(ps.length, 2);
      const [a, b] = ps as [CapturedPacket, CapturedPacket];
      assert.ok(Math.abs(a.t - (nanos ? 1_700_000_000_123 + 0.456789 : 1_700_000_000_123.456)) < 1e-6);
      assert.ok(Math.abs(b.t - (nanos ? 1_700_000_001_999 + 0.999999 : 1_700_000_001_999.999)) < 1e-6);
      assert.deepEqual([a.linktype, a.iface, a.offset, a.originalLength], [LINKTYPE_RAW, 0, 24, V4.length]);
      assert.deepEqual(a.data, V4);
      assert.deepEqual([b.offset, b.originalLength, b.data.length], [24 + 16 + V4.length, V6.length, 20]);
      assert.deepEqual(b.data, V6.subarray(0, 20));
      assert.deepEqual(
        parseCaptureBytes(bytes, () => {}),
        { format: 'pcap', packets: 2 },
      );
    });
  }
}

test('pcap: the FCS bits above the link type are masked off, as libpcap does', () => {
  const bytes = pcapFile({ le: true, linktype: 0x10000000 | LINKTYPE_ETHERNET }, [
    { sec: 1, frac: 0, data: ether(0x0800, V4) },
  ]);
  assert.equal(all(bytes)[0]?.linktype, LINKTYPE_ETHERNET);
});

test('pcap written by trace/pcap.ts reads back as readPcap reads it', () => {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c));
  w.write(1_700_000_000_000.25, V4);
  w.write(1_700_000_000_001.5, V6);
  const bytes = concat(...chunks);
  const ours = all(bytes);
  const theirs = readPcap(bytes).packets;
  assert.deepEqual(
    ours.map((p) => [p.t, p.originalLength, [...p.data]]),
    theirs.map((p) => [p.timeMs, p.originalLength, [...p.data]]),
  );
});

// ---------------------------------------------------------------------------------------------
// pcapng

for (const le of [true, false]) {
  test(`pcapng, ${le ? 'little' : 'big'}-endian: IDB, EPB, SPB, the obsolete PB; other blocks skipped`, () => {
    const us = halves(1_700_000_000_123_456n); // default resolution: microseconds
    const parts = [
      shb(le),
      idb(le, LINKTYPE_ETHERNET, { snaplen: 65535 }),
      block(le, 4, new Bytes(le).u16(0).u16(0).bytes()), // Name Resolution Block
      epb(le, 0, us[0], us[1], ether(0x0800, V4), 1514),
      spb(le, V4.length + 14, ether(0x0800, V4)),
      block(le, 5, new Bytes(le).u32(0).u32(0).u32(0).bytes()), // Interface Statistics Block
      block(le, 0x00000bad, Uint8Array.of(1, 2, 3, 4, 5)), // a custom block
      pb(le, 0, us[0], us[1] + 1000, ether(0x86dd, V6)),
    ];
    const bytes = concat(...parts);
    const ps = all(bytes);
    assert.equal(ps.length, 3);
    const [e, s, p] = ps as [CapturedPacket, CapturedPacket, CapturedPacket];
    const offsetOf = (i: number): number => parts.slice(0, i).reduce((n, b) => n + b.length, 0);
    assert.equal(e.t, 1_700_000_000_123.456);
    assert.deepEqual([e.linktype, e.iface, e.offset, e.originalLength], [LINKTYPE_ETHERNET, 0, offsetOf(3), 1514]);
    assert.deepEqual(e.data, ether(0x0800, V4));
    // The SPB has no timestamp: it takes the last one seen.
    assert.deepEqual([s.t, s.offset, s.originalLength, s.iface], [e.t, offsetOf(4), V4.length + 14, 0]);
    assert.deepEqual(s.data, ether(0x0800, V4));
    assert.deepEqual([p.t, p.offset], [1_700_000_000_124.456, offsetOf(7)]);
    assert.deepEqual(ipOfFrame(p.linktype, p.data), V6);
    assert.deepEqual(
      parseCaptureBytes(bytes, () => {}),
      { format: 'pcapng', packets: 3 },
    );
  });
}

test('pcapng if_tsresol: powers of 10 and of 2; if_tsoffset adds seconds', () => {
  const le = true;
  const ns = halves(1_700_000_000_123_456_789n);
  const bin = halves((1_700_000_000n << 20n) | 524288n); // 2^-20 units: .5 s
  const ms = halves(1_700_000_000_123n);
  const sec = halves(1_700_000_000n);
  const off = halves(3600n);
  const ps = all(
    concat(
      shb(le),
      idb(le, LINKTYPE_RAW, { options: [[9, [9]]] }), // 10^-9
      idb(le, LINKTYPE_RAW, { options: [[9, [0x80 | 20]]] }), // 2^-20
      idb(le, LINKTYPE_RAW, { options: [[9, [3]]] }), // 10^-3
      idb(le, LINKTYPE_RAW, { options: [[9, [0x80]]] }), // 2^0: whole seconds
      idb(le, LINKTYPE_RAW, {
        options: [
          [2, [0x6c, 0x6f]], // if_name "lo" before, to be skipped
          [14, new Bytes(le).u32(off[1]).u32(off[0]).parts], // if_tsoffset 3600 s
        ],
      }),
      idb(le, LINKTYPE_RAW, { options: [[9, [12]]] }), // picoseconds
      epb(le, 0, ns[0], ns[1], V4),
      epb(le, 1, bin[0], bin[1], V4),
      epb(le, 2, ms[0], ms[1], V4),
      epb(le, 3, sec[0], sec[1], V4),
      epb(le, 4, ...halves(1_000_000n), V4), // one second in µs, plus the offset
      epb(le, 5, ...halves(1_700_000_000_123_456_789_012n % (1n << 64n)), V4),
    ),
  );
  assert.deepEqual(
    ps.map((p) => p.iface),
    [0, 1, 2, 3, 4, 5],
  );
  const ts = ps.map((p) => p.t);
  assert.ok(Math.abs(ts[0]! - (1_700_000_000_123 + 0.456789)) < 1e-6, `ns: ${ts[0]}`);
  assert.equal(ts[1], 1_700_000_000_500);
  assert.equal(ts[2], 1_700_000_000_123);
  assert.equal(ts[3], 1_700_000_000_000);
  assert.equal(ts[4], 3_601_000);
  // 1.7e21 ps does not fit in 64 bits: the count wrapped, so compare with the wrapped value's time.
  const wrapped = 1_700_000_000_123_456_789_012n % (1n << 64n);
  const expected = Number(wrapped / 1_000_000_000_000n) * 1000 + Number(wrapped % 1_000_000_000_000n) / 1e9;
  assert.ok(Math.abs(ts[5]! - expected) < 1e-3, `ps: ${ts[5]} vs ${expected}`);
});

test('pcapng: sections of both byte orders; interfaces numbered across the file; each section its own', () => {
  const us = halves(1_000_000n);
  const bytes = concat(
    shb(true),
    idb(true, LINKTYPE_ETHERNET),
    idb(true, LINKTYPE_RAW),
    epb(true, 1, us[0], us[1], V4),
    shb(false),
    idb(false, LINKTYPE_LINUX_SLL2, { options: [[9, [9]]] }),
    epb(false, 0, ...halves(2_000_000_000n), new Bytes(false).u16(0x86dd).raw(new Uint8Array(18)).raw(V6).bytes()),
  );
  const ps = all(bytes);
  assert.deepEqual(
    ps.map((p) => [p.iface, p.linktype, p.t]),
    [
      [1, LINKTYPE_RAW, 1000],
      [2, LINKTYPE_LINUX_SLL2, 2000],
    ],
  );
  assert.deepEqual(ipOfFrame(ps[1]!.linktype, ps[1]!.data), V6);
});

test('pcapng: an SPB is cut at its interface snaplen and at its block', () => {
  const bytes = concat(shb(true), idb(true, LINKTYPE_RAW, { snaplen: 10 }), spb(true, V4.length, V4));
  const [p] = all(bytes);
  assert.deepEqual([p?.data.length, p?.originalLength], [10, V4.length]);
  assert.deepEqual(p?.data, V4.subarray(0, 10));
});

test('looksLikeCapture: pcap magics of both orders, pcapng, and the refused variants; not text', () => {
  const head = (le: boolean, m: number): Uint8Array => new Bytes(le).u32(m).bytes();
  for (const le of [true, false]) {
    for (const m of [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34]) assert.equal(looksLikeCapture(head(le, m)), true);
    assert.equal(looksLikeCapture(shb(le)), true);
  }
  assert.equal(looksLikeCapture(new TextEncoder().encode('{"t":0,"type":"send"}')), false);
  assert.equal(looksLikeCapture(Uint8Array.of(0xd4, 0xc3)), false);
  const badBom = shb(true);
  badBom[8] = 0;
  assert.equal(looksLikeCapture(badBom), false);
});

// ---------------------------------------------------------------------------------------------
// Link types

test('ipOfFrame: Ethernet, with 802.1Q and 802.1ad tags, IPv4 and IPv6; padding cut off; others undefined', () => {
  assert.deepEqual(ipOfFrame(LINKTYPE_ETHERNET, ether(0x0800, V4)), V4);
  assert.deepEqual(ipOfFrame(LINKTYPE_ETHERNET, ether(0x86dd, V6)), V6);
  assert.deepEqual(ipOfFrame(LINKTYPE_ETHERNET, ether(0x0800, V4, [0x8100])), V4);
  assert.deepEqual(ipOfFrame(LINKTYPE_ETHERNET, ether(0x86dd, V6, [0x88a8, 0x8100])), V6);
  const small = encodePacket({ src: '192.0.2.1', dst: '192.0.2.2', seg: makeSegment({ srcPort: 1, dstPort: 2 }) });
  const padded = concat(ether(0x0800, small), new Uint8Array(6)); // 54 bytes padded to the minimum 60
  assert.deepEqual(ipOfFrame(LINKTYPE_ETHERNET, padded), small);
  assert.equal(ipOfFrame(LINKTYPE_ETHERNET, ether(0x0806, new Uint8Array(28))), undefined); // ARP
  assert.equal(ipOfFrame(LINKTYPE_ETHERNET, ether(0x0800, V6)), undefined); // version does not match
  assert.equal(ipOfFrame(LINKTYPE_ETHERNET, Uint8Array.of(1, 2, 3)), undefined);
  assert.equal(ipOfFrame(LINKTYPE_ETHERNET, ether(0x0800, new Uint8Array(0), [0x8100])), undefined);
  const fiveTags = ether(0x0800, V4, [0x8100, 0x8100, 0x8100, 0x8100, 0x8100]);
  assert.equal(ipOfFrame(LINKTYPE_ETHERNET, fiveTags), undefined);
});

test('ipOfFrame: raw IP (101, DLT 12 and 14), IPv4-only (228), IPv6-only (229)', () => {
  for (const lt of [LINKTYPE_RAW, DLT_RAW_12, DLT_RAW_14]) {
    assert.deepEqual(ipOfFrame(lt, V4), V4);
    assert.deepEqual(ipOfFrame(lt, V6), V6);
    assert.equal(ipOfFrame(lt, Uint8Array.of(0x20, 0)), undefined);
    assert.equal(ipOfFrame(lt, new Uint8Array(0)), undefined);
  }
  assert.deepEqual(ipOfFrame(LINKTYPE_IPV4, V4), V4);
  assert.equal(ipOfFrame(LINKTYPE_IPV4, V6), undefined);
  assert.deepEqual(ipOfFrame(LINKTYPE_IPV6, V6), V6);
  assert.equal(ipOfFrame(LINKTYPE_IPV6, V4), undefined);
  // Cut at a snaplen: what is there is returned.
  assert.deepEqual(ipOfFrame(LINKTYPE_RAW, V4.subarray(0, 30)), V4.subarray(0, 30));
});

test('ipOfFrame: Linux cooked captures SLL (113) and SLL2 (276)', () => {
  const sll = (proto: number, p: Uint8Array): Uint8Array =>
    new Bytes(false).u16(4).u16(1).u16(6).raw(MAC_A).u16(0).u16(proto).raw(p).bytes();
  const sll2 = (proto: number, p: Uint8Array): Uint8Array =>
    new Bytes(false).u16(proto).u16(0).u32(1).u16(1).u8(4, 6).raw(MAC_A).u16(0).raw(p).bytes();
  assert.deepEqual(ipOfFrame(LINKTYPE_LINUX_SLL, sll(0x0800, V4)), V4);
  assert.deepEqual(ipOfFrame(LINKTYPE_LINUX_SLL, sll(0x86dd, V6)), V6);
  assert.deepEqual(ipOfFrame(LINKTYPE_LINUX_SLL2, sll2(0x0800, V4)), V4);
  assert.deepEqual(ipOfFrame(LINKTYPE_LINUX_SLL2, sll2(0x86dd, V6)), V6);
  assert.equal(ipOfFrame(LINKTYPE_LINUX_SLL, sll(0x0806, new Uint8Array(28))), undefined);
  assert.equal(ipOfFrame(LINKTYPE_LINUX_SLL2, sll2(0x0004, new Uint8Array(28))), undefined);
  assert.equal(ipOfFrame(LINKTYPE_LINUX_SLL2, new Uint8Array(19)), undefined);
  assert.equal(ipOfFrame(LINKTYPE_LINUX_SLL, new Uint8Array(15)), undefined);
});

test('ipOfFrame: BSD loopback NULL (0) and LOOP (108), family in either byte order', () => {
  const fam = (le: boolean, f: number, p: Uint8Array): Uint8Array => new Bytes(le).u32(f).raw(p).bytes();
  for (const lt of [LINKTYPE_NULL, LINKTYPE_LOOP]) {
    for (const le of [true, false]) {
      assert.deepEqual(ipOfFrame(lt, fam(le, 2, V4)), V4);
      for (const f of [24, 28, 30]) assert.deepEqual(ipOfFrame(lt, fam(le, f, V6)), V6);
      assert.equal(ipOfFrame(lt, fam(le, 7, V4)), undefined);
      assert.equal(ipOfFrame(lt, fam(le, 2, V6)), undefined);
    }
    assert.equal(ipOfFrame(lt, Uint8Array.of(2, 0, 0)), undefined);
  }
});

test('ipOfFrame: an unknown link type gives undefined', () => {
  assert.equal(ipOfFrame(147, V4), undefined); // LINKTYPE_USER0
  assert.equal(ipOfFrame(105, V4), undefined); // 802.11
});

// ---------------------------------------------------------------------------------------------
// Streaming: chunk boundaries anywhere

const SMALL_PCAP = pcapFile({ le: false, nanos: true, linktype: LINKTYPE_ETHERNET }, [
  { sec: 10, frac: 1, data: ether(0x0800, V4) },
  { sec: 11, frac: 2, data: new Uint8Array(0) },
  { sec: 12, frac: 3, data: ether(0x86dd, V6) },
]);
const SMALL_PCAPNG = concat(
  shb(true),
  idb(true, LINKTYPE_RAW, { options: [[9, [9]]] }),
  epb(true, 0, 0, 5, V4),
  block(true, 0x00000bad, Uint8Array.of(1)),
  spb(true, V6.length, V6),
  shb(false),
  idb(false, LINKTYPE_ETHERNET),
  pb(false, 0, 0, 7, ether(0x0800, V4)),
  epb(false, 0, 0, 8, ether(0x86dd, V6)),
);

for (const [name, file] of [
  ['pcap', SMALL_PCAP],
  ['pcapng', SMALL_PCAPNG],
] as const) {
  test(`${name}: the same packets for a cut at every position, and for every pair of cuts`, () => {
    const whole = all(file);
    assert.ok(whole.length >= 3);
    for (let i = 0; i <= file.length; i++) assert.deepEqual(inChunks(file, [i]), whole, `cut at ${i}`);
    for (let i = 0; i <= file.length; i += 3) {
      for (let j = i; j <= file.length; j += 5) assert.deepEqual(inChunks(file, [i, j]), whole, `cuts ${i}, ${j}`);
    }
    const bytewise = Array.from({ length: file.length }, (_, k) => k);
    assert.deepEqual(inChunks(file, bytewise), whole);
  });
}

test('bytesRead counts what push() was given; format is known after 4 bytes', () => {
  const p = new CaptureParser();
  assert.equal(p.format, undefined);
  p.push(SMALL_PCAPNG.subarray(0, 3), () => {});
  assert.deepEqual([p.format, p.bytesRead], [undefined, 3]);
  p.push(SMALL_PCAPNG.subarray(3, 10), () => {});
  assert.deepEqual([p.format, p.bytesRead], ['pcapng', 10]);
});

test('a large record arriving in many small chunks', () => {
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  big[0] = 0x45;
  const file = pcapFile({ le: true, linktype: LINKTYPE_RAW, snaplen: 262144 }, [
    { sec: 1, frac: 0, data: big },
    { sec: 2, frac: 0, data: V4 },
  ]);
  const cuts: number[] = [];
  for (let c = 1000; c < file.length; c += 1000) cuts.push(c);
  const ps = inChunks(file, cuts);
  assert.equal(ps.length, 2);
  assert.deepEqual(ps[0]?.data, big);
  assert.deepEqual(ps[1]?.data, V4);
});

// ---------------------------------------------------------------------------------------------
// Malformed input: code, offset, and the packets before it

function malformedAt(file: Uint8Array, offset: number, before: number, code = 'ERR_CAPTURE_MALFORMED'): void {
  const got: CapturedPacket[] = [];
  const e = captureError(() => parseCaptureBytes(file, (p) => got.push(p)));
  assert.equal(e.code, code, e.message);
  assert.equal(e.offset, offset, e.message);
  assert.equal(got.length, before);
}

const HEAD = concat(shb(true), idb(true, LINKTYPE_RAW));
const GOOD = epb(true, 0, 0, 1, V4);

test('pcapng malformed: length not a multiple of 4', () => {
  const bad = epb(true, 0, 0, 1, V4);
  new DataView(bad.buffer).setUint32(4, bad.length + 1, true);
  malformedAt(concat(HEAD, GOOD, bad), HEAD.length + GOOD.length, 1);
});

test('pcapng malformed: lengths below each block type minimum', () => {
  malformedAt(concat(HEAD, GOOD, block(true, 6, new Uint8Array(16))), HEAD.length + GOOD.length, 1); // EPB of 28
  malformedAt(concat(HEAD, block(true, 3, new Uint8Array(0))), HEAD.length, 0); // SPB of 12
  malformedAt(concat(HEAD, block(true, 1, new Uint8Array(4))), HEAD.length, 0); // IDB of 16
  malformedAt(concat(HEAD, block(true, 0x123, new Uint8Array(0), { length: 8 })), HEAD.length, 0);
  malformedAt(block(true, 0x0a0d0d0a, new Bytes(true).u32(0x1a2b3c4d).u16(1).u16(0).bytes()), 0, 0); // SHB of 20
});

test('pcapng malformed: a length above the limit is refused as soon as the header is in', () => {
  const header = new Bytes(true)
    .u32(6)
    .u32(CAPTURE_MAX_RECORD + 4)
    .bytes();
  const p = new CaptureParser();
  const got: CapturedPacket[] = [];
  p.push(concat(HEAD, GOOD), (x) => got.push(x));
  const e = captureError(() => p.push(header, (x) => got.push(x)));
  assert.deepEqual([e.code, e.offset, got.length], ['ERR_CAPTURE_MALFORMED', HEAD.length + GOOD.length, 1]);
  // The parser stays failed.
  assert.equal(
    captureError(() => p.end()),
    e,
  );
});

test('pcapng malformed: an EPB or PB naming an interface the section does not have; an SPB without one', () => {
  malformedAt(concat(HEAD, GOOD, epb(true, 1, 0, 1, V4)), HEAD.length + GOOD.length, 1);
  malformedAt(concat(HEAD, pb(true, 3, 0, 1, V4)), HEAD.length, 0);
  malformedAt(concat(shb(true), spb(true, V4.length, V4)), 28, 0);
  // A new section forgets the interfaces of the one before.
  malformedAt(concat(HEAD, GOOD, shb(false), epb(false, 0, 0, 1, V4)), HEAD.length + GOOD.length + 28, 1);
});

test('pcapng malformed: trailing length different from the leading one', () => {
  const bad = block(true, 6, new Bytes(true).u32(0).u32(0).u32(1).u32(0).u32(0).bytes(), { trailing: 36 });
  malformedAt(concat(HEAD, GOOD, bad), HEAD.length + GOOD.length, 1);
});

test('pcapng malformed: a captured length the EPB cannot hold; a bad byte-order magic; an option past its block', () => {
  const bad = epb(true, 0, 0, 1, V4);
  new DataView(bad.buffer).setUint32(20, V4.length + 8, true);
  malformedAt(concat(HEAD, GOOD, bad), HEAD.length + GOOD.length, 1);
  malformedAt(concat(HEAD, GOOD, shb(true, { magic: 0x11223344 })), HEAD.length + GOOD.length, 1);
  const opt = idb(true, LINKTYPE_RAW, { options: [[9, [6]]] });
  new DataView(opt.buffer).setUint16(18, 40, true); // the option's length
  malformedAt(concat(shb(true), opt), 28, 0);
});

test('pcap malformed: a captured length over the limit', () => {
  const file = pcapFile({ le: true, linktype: LINKTYPE_RAW }, [{ sec: 1, frac: 0, data: V4 }]);
  const bad = new Bytes(true)
    .u32(2)
    .u32(0)
    .u32(CAPTURE_MAX_RECORD + 1)
    .u32(100)
    .bytes();
  malformedAt(concat(file, bad), file.length, 1);
});

test('unsupported: not a capture, modified pcap, pcap 1.x, pcapng 2.x', () => {
  malformedAt(new TextEncoder().encode('hello, world, this is text'), 0, 0, 'ERR_CAPTURE_UNSUPPORTED');
  const modified = pcapFile({ le: true, linktype: 1 }, []);
  new DataView(modified.buffer).setUint32(0, 0xa1b2cd34, true);
  malformedAt(modified, 0, 0, 'ERR_CAPTURE_UNSUPPORTED');
  const v1 = pcapFile({ le: false, linktype: 1 }, []);
  new DataView(v1.buffer).setUint16(4, 1, false);
  malformedAt(v1, 0, 0, 'ERR_CAPTURE_UNSUPPORTED');
  malformedAt(concat(HEAD, GOOD, shb(true, { major: 2 })), HEAD.length + GOOD.length, 1, 'ERR_CAPTURE_UNSUPPORTED');
});

// ---------------------------------------------------------------------------------------------
// Truncated input

function truncatedAt(file: Uint8Array, offset: number, before: number): void {
  const p = new CaptureParser();
  const got: CapturedPacket[] = [];
  p.push(file, (x) => got.push(x));
  assert.equal(got.length, before, 'packets before the cut are delivered by push()');
  const e = captureError(() => p.end());
  assert.deepEqual([e.code, e.offset], ['ERR_CAPTURE_TRUNCATED', offset], e.message);
}

test('truncated: inside a pcap record, its header or the file header; empty input', () => {
  const file = pcapFile({ le: true, linktype: LINKTYPE_RAW }, [
    { sec: 1, frac: 0, data: V4 },
    { sec: 2, frac: 0, data: V6 },
  ]);
  const second = 24 + 16 + V4.length;
  truncatedAt(file.subarray(0, file.length - 1), second, 1);
  truncatedAt(file.subarray(0, second + 5), second, 1);
  truncatedAt(file.subarray(0, second + 16), second, 1);
  truncatedAt(file.subarray(0, 30), 24, 0);
  truncatedAt(file.subarray(0, 10), 0, 0);
  truncatedAt(file.subarray(0, 2), 0, 0);
  truncatedAt(new Uint8Array(0), 0, 0);
  // Whole records only: no error.
  assert.equal(parseCaptureBytes(file.subarray(0, second), () => {}).packets, 1);
  assert.equal(parseCaptureBytes(file.subarray(0, 24), () => {}).packets, 0);
});

test('truncated: inside a pcapng block, its header, or the section header', () => {
  const file = concat(HEAD, GOOD, GOOD);
  const third = HEAD.length + GOOD.length;
  truncatedAt(file.subarray(0, file.length - 4), third, 1);
  truncatedAt(file.subarray(0, third + 6), third, 1);
  truncatedAt(file.subarray(0, 11), 0, 0);
  truncatedAt(file.subarray(0, 20), 0, 0);
  truncatedAt(file.subarray(0, 30), 28, 0);
});

test('mutated files: every outcome is packets or a CaptureError, never another exception', () => {
  const rng = new Rng(12);
  const linktypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
  let failures = 0;
  for (let round = 0; round < 3000; round++) {
    const file = (round % 2 === 0 ? SMALL_PCAP : SMALL_PCAPNG).slice();
    for (let k = 1 + rng.int(4); k > 0; k--) file[rng.int(file.length)] = rng.int(256);
    const cut = rng.chance(0.2) ? file.subarray(0, rng.int(file.length)) : file;
    try {
      parseCaptureBytes(cut, (p) => {
        for (const lt of linktypes) ipOfFrame(lt, p.data);
      });
    } catch (e) {
      assert.ok(e instanceof CaptureError, `round ${round}: ${String(e)}`);
      assert.ok(e.offset >= 0 && e.offset <= cut.length, `round ${round}: offset ${e.offset}`);
      failures++;
    }
  }
  assert.ok(failures > 0, 'some mutations are caught');
});

// ---------------------------------------------------------------------------------------------
// Files

test('readCaptureFile: streams in chunks, reports progress, errors carry the path and offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-capture-'));
  try {
    const path = join(dir, 'small.pcapng');
    writeFileSync(path, SMALL_PCAPNG);
    const progress: [number, number][] = [];
    const got: CapturedPacket[] = [];
    const r = await readCaptureFile(path, (p) => got.push({ ...p, data: p.data.slice() }), {
      chunkSize: 7,
      onProgress: (n, total) => progress.push([n, total]),
    });
    const whole = all(SMALL_PCAPNG);
    assert.deepEqual(r, { format: 'pcapng', packets: whole.length, bytes: SMALL_PCAPNG.length });
    assert.deepEqual(got, whole);
    assert.equal(progress.length, Math.ceil(SMALL_PCAPNG.length / 7));
    assert.deepEqual(progress.at(-1), [SMALL_PCAPNG.length, SMALL_PCAPNG.length]);
    assert.ok(progress.every(([n], i) => i === 0 || n > progress[i - 1]![0]));

    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, SMALL_PCAP.subarray(0, SMALL_PCAP.length - 3));
    const seen: number[] = [];
    const e = await readCaptureFile(cut, (p) => seen.push(p.offset)).then(
      () => assert.fail('expected an error'),
      (x: unknown) => x,
    );
    assert.ok(e instanceof CaptureError);
    assert.equal(e.code, 'ERR_CAPTURE_TRUNCATED');
    assert.equal(e.offset, all(SMALL_PCAP).at(-1)!.offset);
    assert.equal(e.path, cut);
    assert.ok(e.message.includes(cut));
    assert.equal(seen.length, 2);

    for (const missing of [join(dir, 'missing.pcap'), dir]) {
      const m = await readCaptureFile(missing, () => {}).then(
        () => assert.fail('expected an error'),
        (x: unknown) => x,
      );
      assert.ok(m instanceof CaptureError);
      assert.equal(m.code, 'ERR_CAPTURE_UNREADABLE');
      assert.equal(m.path, missing);
      assert.ok(m.message.includes(missing));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
