import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { createCongestionControl, NewReno } from '../../src/core/congestion.js';
import { seqAdd } from '../../src/wire/seq.js';

const MSS = 1000;

function make(initialCwndSegments = 10, mss = MSS) {
  return createCongestionControl('newreno', { mss, initialCwndSegments });
}

describe('NewReno congestion control (RFC 5681 + RFC 6582)', () => {
  test('initial window and ssthresh', () => {
    const cc = make();
    assert.equal(cc.name, 'newreno');
    assert.ok(cc instanceof NewReno);
    assert.equal(cc.cwnd, 10_000);
    assert.equal(cc.ssthresh, 0x7fffffff);
    assert.equal(cc.inRecovery, false);
  });

  test('slow start: cwnd grows by min(bytesAcked, SMSS) per ACK (ABC, L = 1 SMSS)', () => {
    const cc = make();
    const una = 5000;
    assert.equal(cc.onNewAck({ bytesAcked: 1000, flightSize: 10_000, highAck: una + 1000, mss: MSS }), 'none');
    assert.equal(cc.cwnd, 11_000);
    cc.onNewAck({ bytesAcked: 3000, flightSize: 9000, highAck: una + 4000, mss: MSS }); // stretch ACK
    assert.equal(cc.cwnd, 12_000);
    cc.onNewAck({ bytesAcked: 500, flightSize: 6000, highAck: una + 4500, mss: MSS });
    assert.equal(cc.cwnd, 12_500);
  });

  test('congestion avoidance: cwnd += max(1, floor(SMSS*SMSS/cwnd)) per ACK (eq. 3)', () => {
    const cc = make();
    // Timeout with FlightSize 20 000: ssthresh 10 000, cwnd 1 000.
    cc.onTimeout({ flightSize: 20_000, sndNxt: 20_000, mss: MSS });
    assert.equal(cc.ssthresh, 10_000);
    assert.equal(cc.cwnd, 1000);
    let una = 0;
    for (let i = 0; i < 9; i++) {
      una += 1000;
      cc.onNewAck({ bytesAcked: 1000, flightSize: 20_000 - una + 1000, highAck: una, mss: MSS });
    }
    assert.equal(cc.cwnd, 10_000, 'slow start reached ssthresh exactly');
    cc.onNewAck({ bytesAcked: 1000, flightSize: 10_000, highAck: 11_000, mss: MSS });
    assert.equal(cc.cwnd, 10_100); // + floor(1e6 / 10 000)
    cc.onNewAck({ bytesAcked: 1000, flightSize: 10_000, highAck: 12_000, mss: MSS });
    assert.equal(cc.cwnd, 10_199); // + floor(1e6 / 10 100) = 99
  });

  test('congestion avoidance adds at least 1 byte per ACK', () => {
    const cc = make(10, 10);
    cc.onTimeout({ flightSize: 200, sndNxt: 200, mss: 10 }); // ssthresh 100, cwnd 10
    for (let i = 1; i <= 9; i++) cc.onNewAck({ bytesAcked: 10, flightSize: 100, highAck: i * 10, mss: 10 });
    assert.equal(cc.cwnd, 100);
    cc.onNewAck({ bytesAcked: 10, flightSize: 100, highAck: 100, mss: 10 });
    assert.equal(cc.cwnd, 101); // floor(100 / 100) = 1
    cc.onNewAck({ bytesAcked: 10, flightSize: 100, highAck: 110, mss: 10 });
    assert.equal(cc.cwnd, 102); // floor(100 / 101) = 0 -> 1
  });

  test('scenario: fast retransmit, inflation, two partial ACKs, full ACK, then slow start again', () => {
    const cc = make();
    // 20 segments [S, S + 20 000) outstanding, S near the wrap so recover wraps past 2^32.
    const S = 0xffff_c000; // 2^32 - 16 384
    const sndNxt = seqAdd(S, 20_000);
    assert.equal(sndNxt, 3616);

    // Segment 1 lost: segments 2.. arrive and each produces a duplicate ACK of S.
    assert.equal(cc.onDupAck({ dupAcks: 1, flightSize: 20_000, sndNxt, mss: MSS }), 'none');
    assert.equal(cc.onDupAck({ dupAcks: 2, flightSize: 20_000, sndNxt, mss: MSS }), 'none');
    assert.equal(cc.cwnd, 10_000, 'no change before the third duplicate');
    assert.equal(cc.inRecovery, false);

    // Third duplicate: ssthresh = max(20 000 / 2, 2 000) = 10 000; cwnd = 10 000 + 3 000.
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 20_000, sndNxt, mss: MSS }), 'retransmit');
    assert.equal(cc.ssthresh, 10_000);
    assert.equal(cc.cwnd, 13_000);
    assert.equal(cc.inRecovery, true);
    assert.equal((cc as NewReno).recover, 3616);

    // Further duplicates inflate by one SMSS each.
    assert.equal(cc.onDupAck({ dupAcks: 4, flightSize: 20_000, sndNxt, mss: MSS }), 'none');
    assert.equal(cc.onDupAck({ dupAcks: 5, flightSize: 20_000, sndNxt, mss: MSS }), 'none');
    assert.equal(cc.cwnd, 15_000);

    // Partial ACK of 4 000 bytes (segment 5 was lost too): deflate by 4 000, add back one SMSS.
    let una = seqAdd(S, 4000);
    assert.equal(cc.onNewAck({ bytesAcked: 4000, flightSize: 20_000, highAck: una, mss: MSS }), 'retransmit');
    assert.equal(cc.cwnd, 12_000);
    assert.equal(cc.inRecovery, true);

    // A duplicate after the partial ACK still inflates.
    assert.equal(cc.onDupAck({ dupAcks: 1, flightSize: 16_000, sndNxt, mss: MSS }), 'none');
    assert.equal(cc.cwnd, 13_000);

    // Partial ACK of less than one SMSS: deflate only.
    una = seqAdd(una, 500);
    assert.equal(cc.onNewAck({ bytesAcked: 500, flightSize: 16_000, highAck: una, mss: MSS }), 'retransmit');
    assert.equal(cc.cwnd, 12_500);

    // Full ACK: everything up to recover (across the wrap). FlightSize after it is 0:
    // cwnd = min(ssthresh, max(0, SMSS) + SMSS) = 2 000.
    assert.equal(cc.onNewAck({ bytesAcked: 15_500, flightSize: 15_500, highAck: sndNxt, mss: MSS }), 'none');
    assert.equal(cc.inRecovery, false);
    assert.equal(cc.cwnd, 2000);
    assert.equal(cc.ssthresh, 10_000);

    // Back in slow start (cwnd < ssthresh).
    cc.onNewAck({ bytesAcked: 1000, flightSize: 2000, highAck: seqAdd(sndNxt, 1000), mss: MSS });
    assert.equal(cc.cwnd, 3000);
  });

  test('full ACK with data still outstanding deflates to ssthresh', () => {
    const cc = make();
    cc.onDupAck({ dupAcks: 3, flightSize: 20_000, sndNxt: 20_000, mss: MSS });
    assert.equal(cc.cwnd, 13_000);
    // New data sent during recovery; the full ACK covers recover but 12 000 bytes remain outstanding.
    assert.equal(cc.onNewAck({ bytesAcked: 20_000, flightSize: 32_000, highAck: 20_000, mss: MSS }), 'none');
    assert.equal(cc.cwnd, 10_000); // min(10 000, 12 000 + 1 000)
    assert.equal(cc.inRecovery, false);
  });

  test('ssthresh on fast retransmit is at least 2 SMSS and rounds FlightSize/2 down', () => {
    const cc = make();
    cc.onDupAck({ dupAcks: 3, flightSize: 3000, sndNxt: 3000, mss: MSS });
    assert.equal(cc.ssthresh, 2000);
    assert.equal(cc.cwnd, 5000);
    const dd = make();
    dd.onDupAck({ dupAcks: 3, flightSize: 12_345, sndNxt: 12_345, mss: MSS });
    assert.equal(dd.ssthresh, 6172);
  });

  test('a third duplicate while already in recovery only inflates', () => {
    const cc = make();
    cc.onDupAck({ dupAcks: 3, flightSize: 20_000, sndNxt: 20_000, mss: MSS });
    cc.onNewAck({ bytesAcked: 2000, flightSize: 20_000, highAck: 2000, mss: MSS }); // partial: 13 000 - 2 000 + 1 000
    assert.equal(cc.cwnd, 12_000);
    for (let d = 1; d <= 3; d++) {
      assert.equal(cc.onDupAck({ dupAcks: d, flightSize: 18_000, sndNxt: 20_000, mss: MSS }), 'none');
    }
    assert.equal(cc.cwnd, 15_000);
    assert.equal(cc.ssthresh, 10_000, 'no second reduction');
  });

  test('timeout: ssthresh = max(FlightSize/2, 2 SMSS), cwnd = 1 SMSS, recovery ends', () => {
    const cc = make();
    cc.onDupAck({ dupAcks: 3, flightSize: 20_000, sndNxt: 20_000, mss: MSS });
    assert.equal(cc.inRecovery, true);
    cc.onTimeout({ flightSize: 17_000, sndNxt: 25_000, mss: MSS });
    assert.equal(cc.inRecovery, false);
    assert.equal(cc.ssthresh, 8500);
    assert.equal(cc.cwnd, 1000);
    assert.equal((cc as NewReno).recover, 25_000);
    const small = make();
    small.onTimeout({ flightSize: 1000, sndNxt: 1000, mss: MSS });
    assert.equal(small.ssthresh, 2000);
  });

  test('after a timeout, duplicates that do not cover recover do not start fast retransmit (RFC 6582 §3.2 step 1)', () => {
    const cc = make();
    cc.onNewAck({ bytesAcked: 1000, flightSize: 10_000, highAck: 1000, mss: MSS }); // SND.UNA = 1000, cwnd 11 000
    cc.onTimeout({ flightSize: 10_000, sndNxt: 11_000, mss: MSS }); // recover = 11 000
    // Go-back-N retransmissions produce duplicates of ACK 1000.
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 10_000, sndNxt: 11_000, mss: MSS }), 'none');
    assert.equal(cc.cwnd, 1000);
    assert.equal(cc.ssthresh, 5000);
    // The ACK field given explicitly wins over the last known SND.UNA.
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 10_000, sndNxt: 11_000, mss: MSS, ack: 10_999 }), 'none');
    // Once SND.UNA reaches recover, a fresh loss may trigger fast retransmit again.
    cc.onNewAck({ bytesAcked: 10_000, flightSize: 10_000, highAck: 11_000, mss: MSS });
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 8000, sndNxt: 19_000, mss: MSS }), 'retransmit');
    assert.equal(cc.ssthresh, 4000);
    assert.equal(cc.cwnd, 7000);
  });

  test('a timeout before any new ACK blocks fast retransmit until SND.UNA passes recover', () => {
    const cc = make();
    cc.onTimeout({ flightSize: 10_000, sndNxt: 10_000, mss: MSS });
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 10_000, sndNxt: 10_000, mss: MSS }), 'none');
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 10_000, sndNxt: 12_000, mss: MSS, ack: 10_000 }), 'retransmit');
  });

  test('recover comparison is modular (wraps at 2^32)', () => {
    const cc = make();
    const una = 0xffff_fc00; // 2^32 - 1024
    cc.onNewAck({ bytesAcked: 1000, flightSize: 10_000, highAck: una, mss: MSS });
    const recover = seqAdd(una, 9000);
    assert.equal(recover, 7976);
    cc.onTimeout({ flightSize: 9000, sndNxt: recover, mss: MSS });
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 9000, sndNxt: recover, mss: MSS }), 'none');
    cc.onNewAck({ bytesAcked: 8999, flightSize: 9000, highAck: 7975, mss: MSS }); // one byte short
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 1, sndNxt: recover, mss: MSS }), 'none');
    cc.onNewAck({ bytesAcked: 1, flightSize: 1, highAck: 7976, mss: MSS });
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 4000, sndNxt: 11_976, mss: MSS }), 'retransmit');
    assert.equal((cc as NewReno).recover, 11_976);
  });

  test('only the third duplicate triggers; the fourth and later do not (outside recovery)', () => {
    const cc = make();
    cc.onTimeout({ flightSize: 4000, sndNxt: 4000, mss: MSS });
    assert.equal(cc.onDupAck({ dupAcks: 3, flightSize: 4000, sndNxt: 4000, mss: MSS }), 'none'); // refused by recover
    assert.equal(cc.onDupAck({ dupAcks: 4, flightSize: 4000, sndNxt: 4000, mss: MSS, ack: 4000 }), 'none');
    assert.equal(cc.cwnd, 1000);
  });

  test('restart after idle: cwnd = min(cwnd, IW) (RFC 5681 §4.1)', () => {
    const cc = make(4);
    assert.equal(cc.cwnd, 4000);
    for (let i = 1; i <= 6; i++) cc.onNewAck({ bytesAcked: 1000, flightSize: 4000, highAck: i * 1000, mss: MSS });
    assert.equal(cc.cwnd, 10_000);
    cc.onIdleRestart({ mss: MSS });
    assert.equal(cc.cwnd, 4000);
    cc.onTimeout({ flightSize: 4000, sndNxt: 10_000, mss: MSS });
    cc.onIdleRestart({ mss: MSS });
    assert.equal(cc.cwnd, 1000, 'a smaller cwnd is kept');
  });

  test('an unknown algorithm name is a usage error', () => {
    assert.throws(
      () => createCongestionControl('cubic' as 'newreno', { mss: MSS, initialCwndSegments: 10 }),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
    );
  });
});

describe('loss response with beta (config lossBeta; Linux CUBIC beta 717/1024)', () => {
  test('ssthresh is cwnd in whole segments × beta / 1024, at least 2 segments, on each kind of loss', () => {
    const sack = createCongestionControl('newreno', { mss: MSS, initialCwndSegments: 10, sack: true, beta: 717 });
    assert.equal(sack.onSackLoss({ flightSize: 4000, sndNxt: 10_001, mss: MSS, ack: 1 }), true);
    assert.equal(sack.ssthresh, 7000); // from cwnd 10 segments, not FlightSize / 2 (2000)
    assert.equal(sack.cwnd, 7000);
    const dup = createCongestionControl('newreno', { mss: MSS, initialCwndSegments: 10, beta: 717 });
    assert.equal(dup.onDupAck({ dupAcks: 3, flightSize: 10_000, sndNxt: 10_001, mss: MSS, ack: 1 }), 'retransmit');
    assert.equal(dup.ssthresh, 7000);
    const rto = createCongestionControl('newreno', { mss: MSS, initialCwndSegments: 2, beta: 717 });
    rto.onTimeout({ flightSize: 2000, sndNxt: 2001, mss: MSS });
    assert.equal(rto.ssthresh, 2000); // floor(2 × 717 / 1024) = 1, raised to 2 segments
    assert.equal(rto.cwnd, MSS);
  });

  test('without beta, RFC 5681 eq. 4: FlightSize / 2', () => {
    const cc = createCongestionControl('newreno', { mss: MSS, initialCwndSegments: 10, sack: true });
    cc.onSackLoss({ flightSize: 4000, sndNxt: 10_001, mss: MSS, ack: 1 });
    assert.equal(cc.ssthresh, 2000);
  });
});
