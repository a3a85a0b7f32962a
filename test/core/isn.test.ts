import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { IsnGenerator, siphash24 } from '../../src/core/isn.js';

// SipHash-2-4 reference vectors (the SipHash paper's reference code, vectors_sip64): key 00 01 .. 0f,
// message i = the bytes 00 01 .. (i-1), output as a 64-bit little-endian integer.
const VECTORS: readonly bigint[] = [
  0x726fdb47dd0e0e31n,
  0x74f839c593dc67fdn,
  0x0d6c8009d9a94f5an,
  0x85676696d7fb7e2dn,
  0xcf2794e0277187b7n,
  0x18765564cd99a68dn,
  0xcbc9466e58fee3cen,
  0xab0200f58b01d137n,
  0x93f5f5799a932462n,
  0x9e0082df0ba9e4b0n,
  0x7a5dbbc594ddb9f3n,
  0xf4b32f46226bada7n,
  0x751e8fbc860ee5fbn,
  0x14ea5627c0843d90n,
  0xf723ca908e7af2een,
  0xa129ca6149be45e5n,
  0x3f2acc7f57c29bdbn,
  0x699ae9f52cbe4794n,
  0x4bc1b3f0968dd39cn,
  0xbb6dc91da77961bdn,
  0xbed65cf21aa2ee98n,
  0xd0f2cbb02e3b67c7n,
  0x93536795e3a33e88n,
  0xa80c038ccd5ccec8n,
  0xb8ad50c6f649af94n,
  0xbce192de8a85b8ean,
  0x17d835b85bbb15f3n,
  0x2f2e6163076bcfadn,
  0xde4daaaca71dc9a5n,
  0xa6a2506687956571n,
  0xad87a3535c49ef28n,
  0x32d892fad841c342n,
  0x7127512f72f27ccen,
  0xa7f32346f95978e3n,
  0x12e0b01abb051238n,
  0x15e034d40fa197aen,
  0x314dffbe0815a3b4n,
  0x027990f029623981n,
  0xcadcd4e59ef40c4dn,
  0x9abfd8766a33735cn,
  0x0e3ea96b5304a7d0n,
  0xad0c42d6fc585992n,
  0x187306c89bc215a9n,
  0xd4a60abcf3792b95n,
  0xf935451de4f21df2n,
  0xa9538f0419755787n,
  0xdb9acddff56ca510n,
  0xd06c98cd5c0975ebn,
  0xe612a3cb9ecba951n,
  0xc766e62cfcadaf96n,
  0xee64435a9752fe72n,
  0xa192d576b245165an,
  0x0a8787bf8ecb74b2n,
  0x81b3e73d20b49b6fn,
  0x7fa8220ba3b2ecean,
  0x245731c13ca42499n,
  0xb78dbfaf3a8d83bdn,
  0xea1ad565322a1a0bn,
  0x60e61c23a3795013n,
  0x6606d7e446282b93n,
  0x6ca4ecb15c5f91e1n,
  0x9f626da15c9625f3n,
  0xe51b38608ef25f57n,
  0x958a324ceb064572n,
];

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const SECRET = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
const A = { addr: '192.0.2.1', port: 40000 };
const B = { addr: '192.0.2.2', port: 80 };
const MOD = 2 ** 32;

const isUsage = (e: unknown): boolean => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE';

describe('siphash24', () => {
  test('matches the 64 reference vectors (messages of 0..63 bytes)', () => {
    const msg = Uint8Array.from({ length: 64 }, (_, i) => i);
    VECTORS.forEach((want, i) => {
      const { hi, lo } = siphash24(KEY, msg.subarray(0, i));
      assert.equal((BigInt(hi) << 32n) | BigInt(lo), want, `message length ${i}`);
    });
  });

  test('halves are unsigned 32-bit integers', () => {
    const { hi, lo } = siphash24(KEY, new Uint8Array(0)); // 0x726fdb47 dd0e0e31
    assert.equal(hi, 0x726fdb47);
    assert.equal(lo, 0xdd0e0e31);
  });

  test('longer messages (many blocks, length byte wraps at 256) are deterministic and key-dependent', () => {
    const msg = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);
    const a = siphash24(KEY, msg);
    assert.deepEqual(siphash24(KEY, msg), a);
    assert.notDeepEqual(siphash24(SECRET, msg), a);
    assert.notDeepEqual(siphash24(KEY, msg.subarray(0, 999)), a);
    // 256 + i bytes uses the same length byte as i: the results still differ.
    assert.notDeepEqual(siphash24(KEY, msg.subarray(0, 257)), siphash24(KEY, msg.subarray(0, 1)));
  });

  test('a key that is not 16 bytes is a usage error', () => {
    assert.throws(() => siphash24(new Uint8Array(15), new Uint8Array(0)), isUsage);
    assert.throws(() => siphash24(new Uint8Array(17), new Uint8Array(0)), isUsage);
  });
});

describe('IsnGenerator', () => {
  test('the secret must be 16 bytes', () => {
    assert.throws(() => new IsnGenerator(new Uint8Array(15)), isUsage);
    assert.throws(() => new IsnGenerator(new Uint8Array(32)), isUsage);
    assert.throws(() => new IsnGenerator([1, 2] as unknown as Uint8Array), isUsage);
  });

  test('ISN at time 0 is the low 32 bits of SipHash over the tuple text', () => {
    const g = new IsnGenerator(SECRET);
    const f = siphash24(SECRET, new TextEncoder().encode('isn|192.0.2.1|40000|192.0.2.2|80')).lo;
    assert.equal(g.isn(A, B, 0), f);
  });

  test('the secret is copied: changing the caller array later changes nothing', () => {
    const s = SECRET.slice();
    const g = new IsnGenerator(s);
    const before = g.isn(A, B, 0);
    s.fill(0);
    assert.equal(g.isn(A, B, 0), before);
  });

  test('for a fixed tuple the ISN advances 250 per ms (4 µs clock)', () => {
    const g = new IsnGenerator(SECRET);
    const base = g.isn(A, B, 1_000);
    assert.equal((g.isn(A, B, 1_001) - base + MOD) % MOD, 250);
    assert.equal((g.isn(A, B, 2_000) - base + MOD) % MOD, 250_000);
    assert.equal((g.isn(A, B, 61_000) - base + MOD) % MOD, 15_000_000);
  });

  test('the ISN wraps modulo 2^32 and stays in [0, 2^32)', () => {
    const g = new IsnGenerator(SECRET);
    const f = g.isn(A, B, 0);
    // 2^32 / 250 = 17 179 869.184 ms: M wraps a little after 4.77 hours.
    for (const now of [17_179_869, 17_179_870, 100_000_000, 1_700_000_000_000]) {
      const isn = g.isn(A, B, now);
      assert.ok(Number.isInteger(isn) && isn >= 0 && isn < MOD, `isn(${now}) = ${isn}`);
      assert.equal(isn, (f + ((now * 250) % MOD)) % MOD);
    }
    // 2^31 ms is exactly 125 turns of the 4 µs clock (2^31 * 250 = 125 * 2^32): the same ISN again.
    assert.equal(g.isn(A, B, 2 ** 31), f);
  });

  test('different tuples give different ISNs', () => {
    const g = new IsnGenerator(SECRET);
    const seen = new Set<number>();
    const tuples: [typeof A, typeof B][] = [
      [A, B],
      [B, A],
      [{ ...A, port: 40001 }, B],
      [A, { ...B, port: 81 }],
      [{ ...A, addr: '192.0.2.3' }, B],
      [A, { ...B, addr: '::1' }],
    ];
    for (const [l, r] of tuples) seen.add(g.isn(l, r, 5_000));
    assert.equal(seen.size, tuples.length);
  });

  test('different secrets give different ISNs for the same tuple', () => {
    const other = SECRET.slice();
    other[0]! ^= 1;
    assert.notEqual(new IsnGenerator(SECRET).isn(A, B, 0), new IsnGenerator(other).isn(A, B, 0));
  });

  test('tsOffset is per tuple, deterministic, unrelated to the ISN, in [0, 2^32)', () => {
    const g = new IsnGenerator(SECRET);
    const t = g.tsOffset(A, B);
    assert.equal(g.tsOffset(A, B), t);
    assert.equal(new IsnGenerator(SECRET).tsOffset(A, B), t);
    assert.ok(Number.isInteger(t) && t >= 0 && t < MOD);
    assert.notEqual(t, g.isn(A, B, 0));
    assert.notEqual(g.tsOffset(B, A), t);
    assert.equal(t, siphash24(SECRET, new TextEncoder().encode('ts|192.0.2.1|40000|192.0.2.2|80')).lo);
  });
});

test('ISN and timestamp offset hash the UTF-8 text of the tuple, whatever the address text', () => {
  // The generator writes ASCII text straight into its own buffer and falls back to TextEncoder for
  // anything else; both must hash exactly "tag|laddr|lport|raddr|rport".
  const key = new Uint8Array(16).map((_, i) => (i * 29 + 7) & 0xff);
  const gen = new IsnGenerator(key);
  const expected = (text: string): number => siphash24(key, new TextEncoder().encode(text)).lo;
  const cases: [string, number, string, number][] = [
    ['192.0.2.1', 80, '198.51.100.7', 1024],
    ['2001:db8:1234:5678:9abc:def0:1234:5678', 65535, '2001:db8::1', 1],
    ['h\u00f6st', 7, '192.0.2.9', 9], // not ASCII
    ['x'.repeat(200), 1, '192.0.2.1', 2], // longer than the buffer
  ];
  for (const [la, lp, ra, rp] of cases) {
    const local = { addr: la, port: lp };
    const remote = { addr: ra, port: rp };
    assert.equal(gen.tsOffset(local, remote), expected(`ts|${la}|${lp}|${ra}|${rp}`));
    assert.equal(gen.isn(local, remote, 0), expected(`isn|${la}|${lp}|${ra}|${rp}`));
  }
});
