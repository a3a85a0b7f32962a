// When ACKs go out: quick-ACK mode and ping-pong (Linux; config quickAck), the delayed ACK of a
// FIN, and window updates after read() (only when the window at least doubles or was below one
// MSS, Linux tcp_cleanup_rbuf).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

const QUICK = { quickAck: true, delayedAckTimeout: 40 };

test('quick-ACK: the first data segment is ACKed at once; without quickAck after the timer', () => {
  const t = inState('ESTABLISHED', { config: QUICK });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 100 })
    .expectSend({ ack: R + 101, ctl: 'ACK' });
  const u = inState('ESTABLISHED', { config: { delayedAckTimeout: 40 } });
  u.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 100 })
    .expectNothing();
  u.at(50).expectSend({ ack: R + 101 });
});

test('quick-ACK: the number of quick ACKs is rcvWnd / (2 MSS), at least 2; then ACKs are delayed', () => {
  // recvBuffer 4000, MSS 1460: 4000 / 2920 -> 1, raised to 2.
  const t = inState('ESTABLISHED', { config: { ...QUICK, recvBuffer: 4000 } });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 100 })
    .expectSend({ ack: R + 101 });
  t.at(20)
    .receive({ seq: R + 101, ack: s(L, 1), payload: 100 })
    .expectSend({ ack: R + 201 });
  t.at(30)
    .receive({ seq: R + 201, ack: s(L, 1), payload: 100 })
    .expectNothing();
  t.at(70).expectSend({ ack: R + 301 });
});

test('quick-ACK: at most 16 (TCP_MAX_QUICKACKS)', () => {
  const t = inState('ESTABLISHED', { config: { ...QUICK, recvBuffer: 1 << 20 } });
  for (let k = 0; k < 16; k++) {
    t.at(100 * (k + 1))
      .receive({ seq: R + 1 + 10 * k, ack: s(L, 1), payload: 10 })
      .expectSend({ ack: R + 11 + 10 * k });
    t.read();
  }
  t.at(2000)
    .receive({ seq: R + 161, ack: s(L, 1), payload: 10 })
    .expectNothing();
  t.at(2040).expectSend({ ack: R + 171 });
});

test('ping-pong: data sent right after data arrived makes later ACKs wait to ride on replies', () => {
  const t = inState('ESTABLISHED', { config: QUICK });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 10 })
    .expectSend({ ack: R + 11 });
  t.at(20)
    .send('reply')
    .expectSend({ payload: 'reply', ack: R + 11 }); // 10 ms < 40 ms: ping-pong
  t.at(30)
    .receive({ seq: R + 11, ack: s(L, 6), payload: 10 })
    .expectNothing();
  t.at(50)
    .send('again')
    .expectSend({ payload: 'again', ack: R + 21 });
  // The delayed-ACK timer firing (no reply in time) ends ping-pong: quick ACKs again.
  t.at(60)
    .receive({ seq: R + 21, ack: s(L, 11), payload: 10 })
    .expectNothing();
  t.at(100).expectSend({ ack: R + 31 });
  t.at(200)
    .receive({ seq: R + 31, ack: s(L, 11), payload: 10 })
    .expectSend({ ack: R + 41 });
});

test('quick-ACK: the FIN after data is ACKed after the delayed-ACK timer (CLOSE-WAIT is ping-pong)', () => {
  const t = inState('ESTABLISHED', { config: QUICK });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 100 })
    .expectSend({ ack: R + 101 });
  t.at(400)
    .receive({ seq: R + 101, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectNothing()
    .expectState('CLOSE-WAIT');
  t.at(439).expectNothing();
  t.at(440).expectSend({ ack: R + 102, ctl: 'ACK' });
});

test('quick-ACK: a FIN before any data is ACKed at once (Linux: ACK timeout still 0)', () => {
  const t = inState('ESTABLISHED', { config: QUICK });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectSend({ ack: R + 2, ctl: 'ACK' });
});

test('without quickAck a FIN is ACKed at once', () => {
  const t = inState('ESTABLISHED', { config: { delayedAckTimeout: 40 } });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 100 })
    .expectNothing();
  t.at(20)
    .receive({ seq: R + 101, ack: s(L, 1), ctl: 'FIN,ACK' })
    .expectSend({ ack: R + 102, ctl: 'ACK' });
});

test('window update after read(): not sent when the window does not at least double', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 65_535 } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 1460 }).expectNothing();
  assert.equal(t.read()?.length, 1460);
  t.expectNothing(); // 64075 -> 65535: the delayed ACK will carry it
  t.receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 }).expectSend({ ack: R + 2921, wnd: 64_075 });
});

test('window update after read(): sent when the window at least doubles', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 8000, delayedAck: false } });
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 1460 }).expectSend({ wnd: 6540 });
  t.receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 }).expectSend({ wnd: 5080 });
  t.receive({ seq: R + 2921, ack: s(L, 1), payload: 1460 }).expectSend({ wnd: 3620 });
  assert.equal(t.read(2000)?.length, 2000);
  t.expectNothing(); // 3620 -> 5620
  assert.equal(t.read()?.length, 2380);
  t.expectSend({ ack: R + 4381, wnd: 8000, ctl: 'ACK' }); // 3620 -> 8000
});
