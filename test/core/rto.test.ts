import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RtoEstimator } from '../../src/core/rto.js';

const cfg = { rtoInitial: 1000, rtoMin: 1, rtoMax: 60_000 };

describe('RtoEstimator (RFC 6298)', () => {
  test('before any sample: RTO = rtoInitial, no SRTT/RTTVAR (§2.1)', () => {
    const e = new RtoEstimator(cfg);
    assert.equal(e.rto, 1000);
    assert.equal(e.srtt, undefined);
    assert.equal(e.rttvar, undefined);
    assert.equal(e.backoffs, 0);
  });

  test('rtoInitial is clamped into [rtoMin, rtoMax]', () => {
    assert.equal(new RtoEstimator({ rtoInitial: 100, rtoMin: 200, rtoMax: 1000 }).rto, 200);
    assert.equal(new RtoEstimator({ rtoInitial: 3000, rtoMin: 200, rtoMax: 1000 }).rto, 1000);
  });

  test('first sample R: SRTT = R, RTTVAR = R/2, RTO = R + 4 * R/2 (§2.2)', () => {
    const e = new RtoEstimator(cfg);
    e.sample(100);
    assert.equal(e.srtt, 100);
    assert.equal(e.rttvar, 50);
    assert.equal(e.rto, 300);
  });

  test('first sample with the RFC minimum of 1 s: RTO = max(rtoMin, R + 4 * R/2) (§2.4)', () => {
    const e = new RtoEstimator({ rtoInitial: 1000, rtoMin: 1000, rtoMax: 60_000 });
    e.sample(100);
    assert.equal(e.srtt, 100);
    assert.equal(e.rttvar, 50);
    assert.equal(e.rto, 1000);
    e.sample(400); // RTTVAR = 37.5 + 75 = 112.5, SRTT = 87.5 + 50 = 137.5, RTO = 137.5 + 450 = 587.5 -> 1000
    assert.equal(e.rto, 1000);
    const f = new RtoEstimator({ rtoInitial: 1000, rtoMin: 1000, rtoMax: 60_000 });
    f.sample(500);
    assert.equal(f.rto, 1500);
  });

  test('later samples: RTTVAR then SRTT with alpha 1/8, beta 1/4; RTO rounded up to a whole ms (§2.3)', () => {
    const e = new RtoEstimator(cfg);
    e.sample(100);
    e.sample(200);
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
    assert.equal(e.rttvar, 62.5);
    assert.equal(e.srtt, 112.5);
    assert.equal(e.rto, 363); // 112.5 + 250 = 362.5
    e.sample(80);
    // RTTVAR = 3/4 * 62.5 + 1/4 * |112.5 - 80| = 46.875 + 8.125 = 55; SRTT = 98.4375 + 10 = 108.4375
    assert.equal(e.rttvar, 55);
    assert.equal(e.srtt, 108.4375);
    assert.equal(e.rto, 329); // 108.4375 + 220 = 328.4375
    e.sample(108.4375); // an exact hit: RTTVAR decays by 3/4, SRTT stays
    assert.equal(e.rttvar, 41.25);
    assert.equal(e.srtt, 108.4375);
    assert.equal(e.rto, 274); // 108.4375 + 165 = 273.4375
  });

  test('the clock granularity G is the floor of the variance term', () => {
    const e = new RtoEstimator(cfg, 100);
    e.sample(50); // SRTT 50, RTTVAR 25: max(G, 4 * 25) = 100
    assert.equal(e.rto, 150);
    e.sample(50); // RTTVAR 18.75: 4 * RTTVAR = 75 < G
    assert.equal(e.rttvar, 18.75);
    assert.equal(e.rto, 150);
    const d = new RtoEstimator(cfg); // default G = 1 ms
    d.sample(10);
    for (let i = 0; i < 40; i++) d.sample(10); // RTTVAR decays towards 0
    assert.ok(d.rttvar! * 4 < 1);
    assert.equal(d.rto, 11);
  });

  test('a huge sample is capped at rtoMax (§2.5)', () => {
    const e = new RtoEstimator(cfg);
    e.sample(30_000); // 30 000 + 60 000 = 90 000
    assert.equal(e.rto, 60_000);
  });

  test('backoff doubles the RTO up to rtoMax; a sample clears it (§5.5, §5.7)', () => {
    const e = new RtoEstimator({ rtoInitial: 1000, rtoMin: 200, rtoMax: 5000 });
    e.sample(100); // RTO 300
    assert.equal(e.rto, 300);
    e.backoff();
    assert.equal(e.rto, 600);
    assert.equal(e.backoffs, 1);
    e.backoff();
    e.backoff();
    assert.equal(e.rto, 2400);
    e.backoff();
    assert.equal(e.rto, 4800);
    e.backoff();
    assert.equal(e.rto, 5000);
    e.backoff();
    assert.equal(e.rto, 5000);
    assert.equal(e.backoffs, 6);
    e.sample(100); // RTTVAR 37.5, SRTT 100: RTO 250
    assert.equal(e.backoffs, 0);
    assert.equal(e.rto, 250);
  });

  test('backoff before any sample starts from rtoInitial; clearBackoff returns to the computed RTO', () => {
    const e = new RtoEstimator(cfg);
    e.backoff();
    e.backoff();
    assert.equal(e.rto, 4000);
    e.clearBackoff();
    assert.equal(e.rto, 1000);
    assert.equal(e.backoffs, 0);
    e.sample(100);
    e.backoff();
    assert.equal(e.rto, 600);
    e.clearBackoff();
    assert.equal(e.rto, 300);
  });

  test('many backoffs never overflow past rtoMax', () => {
    const e = new RtoEstimator(cfg);
    for (let i = 0; i < 2000; i++) e.backoff();
    assert.equal(e.rto, 60_000);
    assert.equal(e.backoffs, 2000);
  });

  test('negative or non-finite samples are ignored', () => {
    const e = new RtoEstimator(cfg);
    e.sample(100);
    e.backoff();
    e.sample(-5);
    e.sample(Number.NaN);
    e.sample(Number.POSITIVE_INFINITY);
    assert.equal(e.srtt, 100);
    assert.equal(e.rttvar, 50);
    assert.equal(e.backoffs, 1);
    assert.equal(e.rto, 600);
    e.sample(0); // zero is a valid sample: RTTVAR = 37.5 + 25, SRTT = 87.5
    assert.equal(e.rttvar, 62.5);
    assert.equal(e.srtt, 87.5);
    assert.equal(e.rto, 338); // 87.5 + 250 = 337.5
  });

  test('afterSynTimeout (§5.7): without a sample the RTO restarts at 3 s, backoff cleared', () => {
    const e = new RtoEstimator({ rtoInitial: 1000, rtoMin: 1000, rtoMax: 60_000 });
    e.backoff();
    e.backoff();
    assert.equal(e.rto, 4000);
    e.afterSynTimeout();
    assert.equal(e.rto, 3000);
    assert.equal(e.backoffs, 0);
    assert.equal(e.srtt, undefined);
    e.backoff(); // the next timeout doubles from 3 s
    assert.equal(e.rto, 6000);
    e.sample(100); // the first sample replaces the fallback
    assert.equal(e.rto, 1000);
  });

  test('afterSynTimeout (§5.7): a sample already taken, a larger initial RTO, or rtoMax below 3 s win', () => {
    const a = new RtoEstimator(cfg);
    a.sample(100);
    a.backoff();
    a.afterSynTimeout();
    assert.equal(a.rto, 600); // unchanged: only a sample clears this backoff
    const b = new RtoEstimator({ rtoInitial: 5000, rtoMin: 1000, rtoMax: 60_000 });
    b.backoff();
    b.afterSynTimeout();
    assert.equal(b.rto, 5000);
    const c = new RtoEstimator({ rtoInitial: 1000, rtoMin: 200, rtoMax: 2000 });
    c.afterSynTimeout();
    assert.equal(c.rto, 2000);
  });
});
