import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reassembly } from '../../src/core/reassembly.js';
import { MAX_SACK_RANGES, noteOutOfOrder, Scoreboard, sackBlocks } from '../../src/core/sack.js';
import { seqAdd } from '../../src/wire/seq.js';

const U = 0xfffffc00; // SND.UNA 1024 below the wrap
const at = (n: number) => seqAdd(U, n);
const MSS = 100;

test('scoreboard: blocks within [SND.UNA, SND.MAX] are merged and pruned by the cumulative ACK', () => {
  const sb = new Scoreboard();
  assert.equal(sb.update([{ left: U, right: at(100) }], U, at(1000)), true);
  assert.deepEqual(sb.list(), [{ left: U, right: at(100) }]);
  assert.equal(sb.update([{ left: at(900), right: at(1000) }], U, at(1000)), true, 'up to SND.MAX itself');
  assert.equal(sb.update([{ left: at(50), right: at(100) }], U, at(1000)), false, 'nothing new');
  sb.update([{ left: at(100), right: at(300) }], U, at(1000));
  assert.deepEqual(sb.list(), [
    { left: U, right: at(300) },
    { left: at(900), right: at(1000) },
  ]);
  assert.equal(sb.bytes, 400);
  sb.advance(at(950));
  assert.deepEqual(sb.list(), [{ left: at(950), right: at(1000) }]);
  assert.equal(sb.bytes, 50);
});

test('scoreboard: a block that straddles SND.UNA or SND.MAX, lies outside, or is empty counts for nothing', () => {
  const sb = new Scoreboard();
  const bogus = [
    { left: at(-50), right: at(100) }, // straddles SND.UNA
    { left: at(900), right: at(2000) }, // straddles SND.MAX
    { left: at(-500), right: at(-100) }, // a D-SACK below SND.UNA (RFC 2883)
    { left: at(2000), right: at(3000) }, // beyond anything sent
    { left: at(300), right: at(300) }, // empty
    { left: at(400), right: at(200) }, // reversed
    { left: at(2 ** 31), right: at(2 ** 31 + 100) }, // half the sequence space away
    { left: at(2 ** 31 - 10), right: at(2 ** 31 + 10) },
    { left: at(-(2 ** 31)), right: at(100) },
  ];
  for (const b of bogus) assert.equal(sb.update([b], U, at(1000)), false, JSON.stringify(b));
  assert.equal(sb.count, 0);
  assert.equal(sb.bytes, 0);
});

test('scoreboard: SACKed bytes never exceed the bytes in flight, whatever the blocks (seeded)', () => {
  let x = 12345;
  const rnd = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  for (let round = 0; round < 200; round++) {
    const sb = new Scoreboard();
    const una = rnd();
    const flight = rnd() % 200_000;
    const max = (una + flight) >>> 0;
    for (let i = 0; i < 50; i++) {
      const near = rnd() % 2 === 0;
      const left = near ? (una + (rnd() % (flight + 2000)) - 1000) >>> 0 : rnd();
      const right = (left + (rnd() % 70_000)) >>> 0;
      sb.update([{ left, right }], una, max);
      assert.ok(sb.bytes <= flight, `round ${round}: ${sb.bytes} SACKed > ${flight} in flight`);
      assert.ok(sb.count <= MAX_SACK_RANGES);
    }
  }
});

test('scoreboard: at most MAX_SACK_RANGES separate ranges; blocks that merge still count', () => {
  const sb = new Scoreboard();
  const n = MAX_SACK_RANGES + 10;
  for (let i = 0; i < n; i++) sb.update([{ left: at(10 * i + 5), right: at(10 * i + 8) }], U, at(10 * n));
  assert.equal(sb.count, MAX_SACK_RANGES);
  assert.equal(sb.update([{ left: at(10 * n - 5), right: at(10 * n - 2) }], U, at(10 * n)), false, 'a new range');
  assert.equal(sb.update([{ left: at(8), right: at(15) }], U, at(10 * n)), true, 'joins two held ranges');
  assert.equal(sb.count, MAX_SACK_RANGES - 1);
});

test('scoreboard: IsLost, pipe and NextSeg (RFC 6675 §4), across the wrap', () => {
  const sb = new Scoreboard();
  // holes [0,100) and [200,300); SACKed [100,200) and [300,600); 700 sent.
  sb.update(
    [
      { left: at(100), right: at(200) },
      { left: at(300), right: at(600) },
    ],
    U,
    at(700),
  );
  assert.equal(sb.isLost(U, MSS), true, '400 bytes SACKed above > 2 MSS');
  assert.equal(sb.isLost(at(200), MSS), true, '300 bytes above');
  assert.equal(sb.isLost(at(600), MSS), false, 'nothing above');
  // Nothing retransmitted: both holes lost (0), [600,700) counts 100.
  assert.equal(sb.pipe(U, at(700), U, MSS), 100);
  // First hole retransmitted: +100.
  assert.equal(sb.pipe(U, at(700), at(100), MSS), 200);
  assert.deepEqual(sb.nextLost(U, U, MSS), { seq: U, len: 100 });
  assert.deepEqual(sb.nextLost(U, at(100), MSS), { seq: at(200), len: 100 });
  assert.equal(sb.nextLost(U, at(300), MSS), undefined);
});

test('sackBlocks: most recent arrival first, then earlier ones, then the rest, at most max', () => {
  const r = new Reassembly();
  const recent: number[] = [];
  for (const seq of [100, 300, 500, 700]) {
    r.add(seq, new Uint8Array(50), false);
    noteOutOfOrder(recent, seq);
  }
  assert.deepEqual(sackBlocks(r, recent, 3), [
    { left: 700, right: 750 },
    { left: 500, right: 550 },
    { left: 300, right: 350 },
  ]);
  r.add(150, new Uint8Array(10), false);
  noteOutOfOrder(recent, 150);
  assert.deepEqual(sackBlocks(r, recent, 2), [
    { left: 100, right: 160 },
    { left: 700, right: 750 },
  ]);
});
