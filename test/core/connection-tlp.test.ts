// Tail loss probe (RFC 8985 §7; config tailLossProbe): the last segment of a flight is sent again
// after PTO, without backoff; the RTO follows one RTO later.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

/**
 * ESTABLISHED at t=100 with one RTT sample of 100 ms: SRTT 100, RTTVAR 50, RTO 300. SACK is
 * negotiated (`sack: false` leaves it out): TLP runs only with it.
 */
function established(config = {}, sack = true) {
  const t = inState('SYN-SENT', { config: { tailLossProbe: true, rtoMin: 200, sackPermitted: true, ...config } });
  t.at(100)
    .receive({
      seq: R,
      ack: s(L, 1),
      ctl: 'SYN,ACK',
      options: sack ? { mss: 1460, sackPermitted: true } : { mss: 1460 },
    })
    .expectSend({ ctl: 'ACK' });
  assert.equal(t.info().rto, 300);
  return t;
}

test('TLP: with several segments in flight the last MSS of the flight is probed after 2·SRTT', () => {
  const t = established();
  t.at(1000).send(3000);
  t.expectSends({ seq: s(L, 1), len: 1460 }, { seq: s(L, 1461), len: 1460 }, { seq: s(L, 2921), len: 80 });
  t.expectTimer('retransmit', 1200);
  t.at(1199).expectNothing();
  // As Linux: the last MSS-worth of the flight (RFC 8985 §7.3 allows the last segment or more).
  t.at(1200)
    .expectSend({ seq: s(L, 1541), len: 1460 })
    .expectNothing();
  assert.equal(t.info().backoffs, 0);
  // One probe per tail; then the RTO (300 ms later) goes back to SND.UNA and backs off.
  t.expectTimer('retransmit', 1500);
  t.at(1500).expectSend({ seq: s(L, 1), len: 1460 });
  assert.equal(t.info().backoffs, 1);
});

test('TLP: a lone FIN is probed after min(2·SRTT + 200 ms, RTO), then the RTO doubles as usual', () => {
  const t = established();
  t.at(2000)
    .close()
    .expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' });
  t.at(2300).expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' }); // probe (PTO capped by the RTO)
  t.at(2600).expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' }); // RTO
  t.at(3199).expectNothing();
  t.at(3200).expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' }); // RTO doubled
});

test('TLP: an ACK that advances SND.UNA re-arms the probe for the new tail', () => {
  const t = established();
  t.at(1000).send(3000);
  t.expectSends({ len: 1460 }, { len: 1460 }, { len: 80 });
  t.at(1050)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectNothing();
  // New sample 50 ms: SRTT = 7/8·100 + 1/8·50 = 93.75; PTO = ceil(2·93.75) = 188.
  t.expectTimer('retransmit', 1238);
});

test('without tailLossProbe the first retransmission waits for the RTO', () => {
  const t = established({ tailLossProbe: false });
  t.at(1000).send(100).expectSend({ len: 100 });
  t.expectTimer('retransmit', 1300);
});

test('TLP: no probe on a connection without SACK (Linux tcp_schedule_loss_probe: tcp_is_sack)', () => {
  const t = established({}, false);
  t.at(1000).send(3000);
  t.expectSends({ seq: s(L, 1), len: 1460 }, { seq: s(L, 1461), len: 1460 }, { seq: s(L, 2921), len: 80 });
  // No probe at 2·SRTT: the first timeout is the RTO, 300 ms after the send, back at SND.UNA.
  t.expectTimer('retransmit', 1300);
  t.at(1299).expectNothing();
  t.at(1300).expectSend({ seq: s(L, 1), len: 1460 });
  assert.equal(t.info().backoffs, 1);
});
