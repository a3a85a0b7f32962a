import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { Rng } from '../../src/base/rng.js';
import { Link, type LinkVerdict, resolveLink } from '../../src/io/link.js';

const rng = (label = 'link:test') => new Rng(1).fork(label);

test('defaults: 10 ms latency, no loss, MTU 1500, reorderDelay 2 x latency', () => {
  assert.deepEqual(resolveLink(), {
    latency: 10,
    jitter: 0,
    bandwidth: 0,
    mtu: 1500,
    loss: 0,
    duplicate: 0,
    reorder: 0,
    reorderDelay: 20,
  });
  assert.equal(resolveLink({ latency: 7 }).reorderDelay, 14);
  const l = new Link({}, rng());
  assert.deepEqual(l.send(60, 0), { fate: 'delivered', arrive: [10] });
  assert.deepEqual(l.send(60, 35), { fate: 'delivered', arrive: [45] });
});

test('bad options throw UsageError ERR_INVALID_ARG_VALUE', () => {
  for (const bad of [
    { latency: -1 },
    { latency: 1.5 },
    { loss: 2 },
    { duplicate: -0.1 },
    { mtu: 0 },
    { bandwidth: -5 },
  ]) {
    assert.throws(
      () => resolveLink(bad),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
  }
});

test('bandwidth: 1000-byte packets at 1 MB/s serialise exactly 1 ms apart (FIFO)', () => {
  const l = new Link({ latency: 10, bandwidth: 1_000_000 }, rng());
  const at = [0, 0, 0].map(() => l.send(1000, 0).arrive[0]);
  assert.deepEqual(at, [11, 12, 13]);
  // the queue is empty again by t=100
  assert.deepEqual(l.send(1000, 100).arrive, [111]);
  // arrives while the previous one is still being serialised: waits behind it
  assert.deepEqual(l.send(1000, 100).arrive, [112]);
});

test('bandwidth: fractional serialisation times add up exactly and round up to whole ms', () => {
  const l = new Link({ latency: 0, bandwidth: 1_000_000 }, rng());
  // 1500 bytes = 1.5 ms each: leaves at 1.5, 3, 4.5, 6 -> 2, 3, 5, 6
  const at = [0, 0, 0, 0].map(() => l.send(1500, 0).arrive[0]);
  assert.deepEqual(at, [2, 3, 5, 6]);
  const slow = new Link({ latency: 0, bandwidth: 3 }, rng());
  // 1 byte at 3 B/s = 333.33 ms: 334, 667, 1000
  assert.deepEqual(
    [1, 1, 1].map(() => slow.send(1, 0).arrive[0]),
    [334, 667, 1000],
  );
});

test('MTU: larger packets are dropped and do not occupy the link', () => {
  const l = new Link({ mtu: 576, bandwidth: 1000, latency: 0 }, rng());
  assert.deepEqual(l.send(577, 0), { fate: 'mtu', arrive: [] });
  assert.deepEqual(l.send(576, 0), { fate: 'delivered', arrive: [576] });
});

test('loss: 10k packets at p = 0.1 lose an exact, plausible number for a fixed seed', () => {
  const l = new Link({ loss: 0.1 }, rng('link:192.0.2.1>192.0.2.2'));
  let lost = 0;
  for (let i = 0; i < 10_000; i++) if (l.send(100, i).fate === 'lost') lost++;
  assert.equal(lost, 974);
  assert.ok(lost > 900 && lost < 1100);
});

test('loss: same seed, same losses; another seed, another pattern', () => {
  const pattern = (r: Rng) => {
    const l = new Link({ loss: 0.3 }, r);
    return Array.from({ length: 64 }, (_, i) => (l.send(100, i).fate === 'lost' ? 'x' : '.')).join('');
  };
  assert.equal(pattern(new Rng(5).fork('l')), pattern(new Rng(5).fork('l')));
  assert.notEqual(pattern(new Rng(5).fork('l')), pattern(new Rng(6).fork('l')));
});

test('duplicate: p = 1 delivers every packet twice', () => {
  const l = new Link({ duplicate: 1 }, rng());
  assert.deepEqual(l.send(100, 3), { fate: 'duplicated', arrive: [13, 13] });
});

test('duplicate: about p of the packets, exact for the seed', () => {
  const l = new Link({ duplicate: 0.05 }, rng());
  let dups = 0;
  for (let i = 0; i < 10_000; i++) if (l.send(100, i).fate === 'duplicated') dups++;
  assert.equal(dups, 487);
  assert.ok(dups > 400 && dups < 600);
});

test('reorder: a held-back packet arrives reorderDelay later, after packets sent behind it', () => {
  const always = new Link({ latency: 10, reorder: 1 }, rng());
  assert.deepEqual(always.send(100, 0).arrive, [30]);
  const custom = new Link({ latency: 10, reorder: 1, reorderDelay: 5 }, rng());
  assert.deepEqual(custom.send(100, 0).arrive, [15]);

  const some = new Link({ latency: 10, reorder: 0.5 }, rng());
  const arrivals = Array.from(
    { length: 10 },
    (_, i) => (some.send(100, i) as LinkVerdict & { fate: 'delivered' }).arrive[0],
  );
  assert.deepEqual(arrivals, [30, 11, 12, 33, 34, 35, 16, 37, 38, 19]);
  // at least one packet overtakes an earlier one
  assert.ok(arrivals.some((a, i) => i > 0 && a < (arrivals[i - 1] as number)));
});

test('jitter: delays spread uniformly over [latency, latency + jitter]', () => {
  const l = new Link({ latency: 10, jitter: 4 }, rng());
  const seen = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const d = (l.send(100, 0).arrive[0] as number) - 0;
    seen.set(d, (seen.get(d) ?? 0) + 1);
  }
  assert.deepEqual(
    [...seen.keys()].sort((a, b) => a - b),
    [10, 11, 12, 13, 14],
  );
  for (const n of seen.values()) assert.ok(n > 850 && n < 1150);
});

test('configure() keeps the random stream', () => {
  const a = new Link({ loss: 0.5 }, rng());
  const b = new Link({ loss: 0.5 }, rng());
  for (let i = 0; i < 10; i++) {
    a.send(10, i);
    b.send(10, i);
  }
  a.configure({ loss: 0.5, latency: 3 });
  const fa = Array.from({ length: 20 }, (_, i) => a.send(10, 100 + i).fate);
  const fb = Array.from({ length: 20 }, (_, i) => b.send(10, 100 + i).fate);
  assert.deepEqual(fa, fb);
});
