import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { TcpError, UsageError } from '../../src/base/errors.js';
import { IPPROTO_TCP, pseudoHeaderSum, tcpChecksum } from '../../src/wire/checksum.js';
import { ACK, FIN, PSH, type Segment, SYN, type TcpOptions } from '../../src/wire/segment.js';
import {
  canonicalLayout,
  emitTcp,
  parseTcp,
  parseTcpOptions,
  tcpHeaderLength,
  tcpOptionsLength,
} from '../../src/wire/tcp-header.js';
import { params, segmentArb } from './arbitraries.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const SRC4 = new Uint8Array([192, 0, 2, 1]);
const DST4 = new Uint8Array([198, 51, 100, 2]);
const SRC6 = hex('20010db8000000000000000000000001');
const DST6 = hex('20010db8000000000000000000000002');

// A Linux-style SYN: port 40000 -> 80, seq just below 2^32, window 64240, and the options Linux
// writes on a SYN: MSS 1460, SACK-permitted, TS val 1 ecr 0, NOP, window scale 7.
const SYN_HEX = `
  9c40 0050  fffffff0  00000000  a0 02 faf0  0000 0000
  02 04 05b4  04 02  08 0a 00000001 00000000  01  03 03 07`;
// The same with the checksum for 192.0.2.1 -> 198.51.100.2, computed outside this code base
// (Python's struct + a textbook RFC 1071 loop) and written down here.
const SYN_CHECKSUM_V4 = 0xc455;
const SYN_CHECKSUM_V6 = 0x5518; // for 2001:db8::1 -> 2001:db8::2

const SYN_OPTIONS: TcpOptions = {
  mss: 1460,
  sackPermitted: true,
  ts: { val: 1, ecr: 0 },
  wscale: 7,
  layout: [2, 4, 8, 1, 3],
};

function parseOk(bytes: Uint8Array, pseudo?: { src: Uint8Array; dst: Uint8Array }): Segment {
  const r = parseTcp(bytes, pseudo);
  if (!r.ok) assert.fail(`parse failed: ${r.error.code} ${r.error.detail}`);
  return r.value;
}

function withChecksum(bytes: Uint8Array, c: number): Uint8Array {
  const out = bytes.slice();
  out[16] = c >>> 8;
  out[17] = c & 0xff;
  return out;
}

describe('parseTcp: Linux SYN fixture', () => {
  test('every field and option', () => {
    const seg = parseOk(hex(SYN_HEX));
    assert.deepEqual(seg, {
      srcPort: 40000,
      dstPort: 80,
      seq: 0xfffffff0,
      ack: 0,
      flags: SYN,
      wnd: 64240,
      urp: 0,
      options: SYN_OPTIONS,
      payload: new Uint8Array(0),
    });
  });

  test('re-emit with the parsed layout gives the same bytes, checksum included', () => {
    const bytes = withChecksum(hex(SYN_HEX), SYN_CHECKSUM_V4);
    const seg = parseOk(bytes, { src: SRC4, dst: DST4 });
    assert.equal(toHex(emitTcp(seg, { src: SRC4, dst: DST4 })), toHex(bytes));
  });

  test('the canonical layout is Linux SYN order, so emitting without layout gives the same bytes', () => {
    const { layout: _, ...noLayout } = SYN_OPTIONS;
    assert.deepEqual(canonicalLayout(noLayout), [2, 4, 8, 1, 3]);
    const seg = { ...parseOk(hex(SYN_HEX)), options: noLayout };
    assert.equal(toHex(emitTcp(seg)), toHex(hex(SYN_HEX)));
  });

  test('checksum: IPv4 and IPv6 pseudo-headers match values computed independently', () => {
    const bytes = hex(SYN_HEX);
    assert.equal(tcpChecksum(SRC4, DST4, bytes), SYN_CHECKSUM_V4);
    assert.equal(tcpChecksum(SRC6, DST6, bytes), SYN_CHECKSUM_V6);
    const seg = parseOk(bytes);
    const v6 = emitTcp(seg, { src: SRC6, dst: DST6 });
    assert.equal((v6[16]! << 8) | v6[17]!, SYN_CHECKSUM_V6);
    assert.equal(parseTcp(v6, { src: SRC6, dst: DST6 }).ok, true);
  });

  test('a wrong checksum is ERR_WIRE_CHECKSUM when addresses are given, ignored otherwise', () => {
    const bytes = withChecksum(hex(SYN_HEX), SYN_CHECKSUM_V4 ^ 1);
    const r = parseTcp(bytes, { src: SRC4, dst: DST4 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'ERR_WIRE_CHECKSUM');
    assert.equal(parseTcp(bytes).ok, true);
    // The right checksum for other addresses is wrong for these.
    assert.equal(parseTcp(withChecksum(hex(SYN_HEX), SYN_CHECKSUM_V4), { src: DST4, dst: SRC4 }).ok, true); // sum is symmetric
    assert.equal(parseTcp(withChecksum(hex(SYN_HEX), SYN_CHECKSUM_V4), { src: SRC6, dst: DST6 }).ok, false);
  });

  test('the pseudo-header as its sum verifies exactly as the addresses do, with the same error', () => {
    const good = withChecksum(hex(SYN_HEX), SYN_CHECKSUM_V4);
    const bad = withChecksum(hex(SYN_HEX), SYN_CHECKSUM_V4 ^ 1);
    const sum = pseudoHeaderSum(SRC4, DST4, IPPROTO_TCP, good.length);
    assert.deepEqual(parseTcp(good, sum), parseTcp(good, { src: SRC4, dst: DST4 }));
    const byAddr = parseTcp(bad, { src: SRC4, dst: DST4 });
    const bySum = parseTcp(bad, sum);
    assert.equal(!bySum.ok && bySum.error.code, 'ERR_WIRE_CHECKSUM');
    assert.deepEqual(bySum, byAddr); // the message names the same expected value
  });
});

describe('parseTcp: header', () => {
  const DATA_HEX = '9c40 0050 fffffff1 00000001 50 18 01f6 e144 0000 68656c6c6f'; // PSH,ACK "hello"

  test('data segment: payload is a view into the input, checksum verified', () => {
    const bytes = hex(DATA_HEX);
    const seg = parseOk(bytes, { src: SRC4, dst: DST4 });
    assert.equal(seg.flags, PSH | ACK);
    assert.equal(seg.seq, 0xfffffff1);
    assert.equal(seg.ack, 1);
    assert.equal(seg.wnd, 502);
    assert.deepEqual(seg.options, { layout: [] });
    assert.equal(Buffer.from(seg.payload).toString(), 'hello');
    assert.equal(seg.payload.buffer, bytes.buffer);
    assert.equal(seg.payload.byteOffset, bytes.byteOffset + 20);
  });

  test('all eight flag bits and the urgent pointer come through', () => {
    const bytes = hex('0001 0002 00000000 00000000 50 ff 0000 0000 1234');
    const seg = parseOk(bytes);
    assert.equal(seg.flags, 0xff);
    assert.equal(seg.urp, 0x1234);
  });

  test('fewer than 20 bytes: ERR_WIRE_TRUNCATED', () => {
    for (let n = 0; n < 20; n++) {
      const r = parseTcp(hex(DATA_HEX).subarray(0, n));
      assert.equal(!r.ok && r.error.code, 'ERR_WIRE_TRUNCATED', `length ${n}`);
    }
  });

  test('data offset below 5: ERR_WIRE_BAD_OFFSET; beyond the bytes: ERR_WIRE_TRUNCATED', () => {
    for (let off = 0; off < 5; off++) {
      const b = hex(DATA_HEX);
      b[12] = off << 4;
      const r = parseTcp(b);
      assert.equal(!r.ok && r.error.code, 'ERR_WIRE_BAD_OFFSET', `offset ${off}`);
    }
    const b = hex(SYN_HEX).subarray(0, 39); // offset 10 says 40 bytes
    const r = parseTcp(b);
    assert.equal(!r.ok && r.error.code, 'ERR_WIRE_TRUNCATED');
  });
});

/** A header with the given option bytes (padded by the caller to a multiple of 4). */
function withOptions(optHex: string): Uint8Array {
  const opts = hex(optHex);
  assert.equal(opts.length % 4, 0, 'test bug: options not padded');
  const b = new Uint8Array(20 + opts.length);
  b.set(hex('0001 0002 00000000 00000000 00 10 1000 0000 0000'));
  b[12] = ((20 + opts.length) / 4) << 4;
  b.set(opts, 20);
  return b;
}

describe('parseTcp: options', () => {
  test('SACK blocks, NOPs and EOL are kept in layout; bytes after EOL are padding', () => {
    const seg = parseOk(withOptions('0101 050a 00000064 000000c8 00 ff ffff'));
    assert.deepEqual(seg.options, { sack: [{ left: 100, right: 200 }], layout: [1, 1, 5, 0] });
  });

  test('four SACK blocks (34 bytes) fit with NOP NOP', () => {
    const seg = parseOk(
      withOptions('0101 0522 00000001 00000002 00000003 00000004 00000005 00000006 fffffff0 00000010'),
    );
    assert.deepEqual(seg.options.sack, [
      { left: 1, right: 2 },
      { left: 3, right: 4 },
      { left: 5, right: 6 },
      { left: 0xfffffff0, right: 0x10 },
    ]);
  });

  test('unknown options are skipped by length and kept (data as a view) for round trip', () => {
    const bytes = withOptions('1e 04 abcd 22 02 0101');
    const seg = parseOk(bytes);
    assert.equal(seg.options.unknown?.length, 2);
    assert.equal(seg.options.unknown?.[0]?.kind, 30);
    assert.equal(toHex(seg.options.unknown![0]!.data), 'abcd');
    assert.equal(seg.options.unknown?.[0]?.data.buffer, bytes.buffer);
    assert.equal(seg.options.unknown?.[1]?.kind, 34);
    assert.equal(seg.options.unknown?.[1]?.data.length, 0);
    assert.deepEqual(seg.options.layout, [30, 34, 1, 1]);
    assert.equal(toHex(emitTcp(seg)), toHex(bytes));
  });

  test('a repeated option keeps the last value', () => {
    const seg = parseOk(withOptions('020405b4 02040218'));
    assert.equal(seg.options.mss, 0x218);
    assert.deepEqual(seg.options.layout, [2, 2]);
  });

  const malformed: [string, string][] = [
    ['length byte missing (last byte of the area)', '010101 02'],
    ['length 0', '0200 0000'],
    ['length 1', '1e01 0000'],
    ['length past the header end', '1e08 0000'],
    ['MSS length 3', '020305 00'],
    ['MSS length 5', '0205 05b400 000000'],
    ['window scale length 4', '0304 0700'],
    ['window scale length 2', '0302 0000'],
    ['SACK-permitted length 3', '040300 00'],
    ['timestamps length 8', '0808 00000001 0000'],
    ['timestamps length 12 (TS + 2 more)', '080c 00000001 00000000 0000'],
    ['SACK length 2 (no blocks)', '0502 0000'],
    ['SACK length 9 (not 2 + 8n)', '0509 00000001 000000 000000'],
    ['SACK length 14 (not 2 + 8n)', '050e 00000001 00000002 00000003 0000'],
  ];
  for (const [name, opt] of malformed) {
    test(`malformed: ${name} -> ERR_WIRE_BAD_OPTION`, () => {
      const r = parseTcp(withOptions(opt));
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, 'ERR_WIRE_BAD_OPTION');
    });
  }

  test('parseTcpOptions parses a sub-range', () => {
    const r = parseTcpOptions(hex('ff 0303 0e ff'), 1, 4);
    assert.deepEqual(r, { ok: true, value: { wscale: 14, layout: [3] } });
  });
});

describe('emitTcp', () => {
  const base: Segment = {
    srcPort: 1234,
    dstPort: 80,
    seq: 0xfffffffe,
    ack: 7,
    flags: FIN | ACK,
    wnd: 512,
    urp: 0,
    options: {},
    payload: new Uint8Array([1, 2, 3]),
  };

  test('no options: 20-byte header then the payload, checksum 0 without addresses', () => {
    assert.equal(toHex(emitTcp(base)), '04d20050fffffffe000000075011020000000000010203');
  });

  test('canonical layouts', () => {
    const cases: [TcpOptions, number[], string][] = [
      [{ mss: 536 }, [2], '02040218'],
      [{ ts: { val: 5, ecr: 6 } }, [1, 1, 8], '0101080a0000000500000006'],
      [{ sackPermitted: true }, [1, 1, 4], '01010402'],
      [{ wscale: 0 }, [1, 3], '01030300'],
      [{ mss: 1460, wscale: 7, sackPermitted: true }, [2, 1, 1, 4, 1, 3], '020405b4 01010402 01030307'], // Linux SYN without TS
      [
        { ts: { val: 1, ecr: 2 }, sack: [{ left: 10, right: 20 }] },
        [1, 1, 8, 1, 1, 5],
        '0101080a00000001000000020101050a0000000a00000014',
      ],
      [{ unknown: [{ kind: 30, data: hex('ab') }] }, [30, 1], '1e03ab01'],
      [{ sackPermitted: false, sack: [] }, [], ''],
    ];
    for (const [options, layout, optHex] of cases) {
      assert.deepEqual(canonicalLayout(options), layout, JSON.stringify(options));
      const bytes = emitTcp({ ...base, options });
      assert.equal(toHex(bytes.subarray(20, bytes.length - 3)), optHex.replace(/\s/g, ''));
      assert.equal(tcpHeaderLength({ ...base, options }), 20 + optHex.replace(/\s/g, '').length / 2);
    }
  });

  test('a layout whose length is not a multiple of 4 is padded with zeros (read back as EOL)', () => {
    const bytes = emitTcp({ ...base, options: { wscale: 2, layout: [3] } });
    assert.equal(toHex(bytes.subarray(20, 24)), '03030200');
    assert.deepEqual(parseOk(bytes).options.layout, [3, 0]);
  });

  const misuse: [string, Partial<Segment>][] = [
    [
      'options over 40 bytes',
      { options: { mss: 1, ts: { val: 1, ecr: 1 }, sack: [1, 2, 3].map((n) => ({ left: n, right: n })) } },
    ],
    ['five SACK blocks', { options: { sack: [1, 2, 3, 4, 5].map((n) => ({ left: n, right: n })) } }],
    ['layout lists an absent option', { options: { layout: [2] } }],
    ['layout misses a present option', { options: { mss: 1, wscale: 1, layout: [2] } }],
    ['layout has EOL before the end', { options: { mss: 1, layout: [0, 2] } }],
    [
      'layout kind does not match unknown',
      { options: { unknown: [{ kind: 30, data: new Uint8Array(0) }], layout: [31] } },
    ],
    ['unknown option with a known kind', { options: { unknown: [{ kind: 2, data: new Uint8Array(2) }] } }],
    ['seq not a u32', { seq: 2 ** 32 }],
    ['negative ack', { ack: -1 }],
    ['port over 65535', { srcPort: 65536 }],
    ['window not an integer', { wnd: 1.5 }],
    ['flags over 8 bits', { flags: 0x100 }],
    ['mss over 65535', { options: { mss: 70000 } }],
    ['wscale over 255', { options: { wscale: 256 } }],
    ['ts val over 2^32', { options: { ts: { val: 2 ** 32, ecr: 0 } } }],
  ];
  for (const [name, patch] of misuse) {
    test(`misuse: ${name} -> UsageError ERR_INVALID_ARG_VALUE`, () => {
      assert.throws(
        () => emitTcp({ ...base, ...patch }),
        (e: unknown) => e instanceof UsageError && e instanceof TcpError && e.code === 'ERR_INVALID_ARG_VALUE',
      );
    });
  }

  test('40 bytes of options is the limit that fits', () => {
    const options: TcpOptions = {
      sack: [1, 2, 3, 4].map((n) => ({ left: n, right: n + 1 })),
      layout: [1, 1, 5, 1, 1, 1, 1],
    };
    assert.equal(tcpOptionsLength(options), 40);
    assert.equal(parseOk(emitTcp({ ...base, options })).options.sack?.length, 4);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

describe('parseTcp properties (seed printed by fast-check on failure)', () => {
  test('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, v6) => {
        const r = v6 ? parseTcp(bytes, { src: SRC6, dst: DST6 }) : parseTcp(bytes, { src: SRC4, dst: DST4 });
        assert.equal(typeof r.ok, 'boolean');
        parseTcp(bytes);
      }),
      params(3000),
    );
  });

  test('never throws on mutated valid segments; what parses re-emits and parses the same', () => {
    fc.assert(
      fc.property(
        segmentArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (seg, edits, cut) => {
          const bytes = emitTcp(seg);
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          const trimmed = cut % 3 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
          const r = parseTcp(trimmed);
          if (r.ok) assert.deepEqual(parseOk(emitTcp(r.value)), r.value);
        },
      ),
      params(3000),
    );
  });

  test('emit then parse is the identity (layout aside, which parse reports as canonicalLayout)', () => {
    fc.assert(
      fc.property(segmentArb, fc.boolean(), (seg, v6) => {
        const pseudo = v6 ? { src: SRC6, dst: DST6 } : { src: SRC4, dst: DST4 };
        const bytes = emitTcp(seg, pseudo);
        const back = parseOk(bytes, pseudo);
        assert.deepEqual(back, { ...seg, options: { ...seg.options, layout: canonicalLayout(seg.options) } });
        // And with the parsed layout, the bytes come back exactly.
        assert.deepEqual(emitTcp(back, pseudo), bytes);
      }),
      params(2000),
    );
  });

  test('emit with a rotated layout and extra NOPs, then parse, is the identity', () => {
    fc.assert(
      fc.property(segmentArb, fc.nat(), fc.integer({ min: 0, max: 3 }), (seg, rotate, nops) => {
        const known = canonicalLayout(seg.options).filter((k) => KNOWN.has(k));
        const unknown = (seg.options.unknown ?? []).map((u) => u.kind); // must keep their order
        const r = known.length ? rotate % known.length : 0;
        const layout = [...Array<number>(nops).fill(1), ...known.slice(r), ...known.slice(0, r), ...unknown];
        let size = nops + known.reduce((n, k) => n + knownSize(seg.options, k), 0);
        for (const u of seg.options.unknown ?? []) size += 2 + u.data.length;
        if (size % 4 !== 0) layout.push(0); // zero padding is read back as EOL
        if (size > 40) return;
        const options = { ...seg.options, layout };
        const back = parseOk(emitTcp({ ...seg, options }));
        assert.deepEqual(back, { ...seg, options });
      }),
      params(2000),
    );
  });
});

const KNOWN = new Set([2, 3, 4, 5, 8]);

function knownSize(o: TcpOptions, kind: number): number {
  switch (kind) {
    case 2:
      return 4;
    case 3:
      return 3;
    case 4:
      return 2;
    case 5:
      return 2 + 8 * (o.sack?.length ?? 0);
    default:
      return 10; // 8: timestamps
  }
}
