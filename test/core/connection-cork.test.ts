// Corking (config cork: TCP_CORK, MSG_MORE), the window clamp (config windowClamp:
// TCP_WINDOW_CLAMP) and ping-pong mode set from outside (setOption pingpong: TCP_QUICKACK), as
// Linux has them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnTest, inState, L, R, s } from '../harness/conn.js';

test('cork: full segments go, a partial one waits; pulling the cork sends it', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.conn.setOption('cork', true, 0);
  t.at(10)
    .send(2000)
    .expectSend({ seq: s(L, 1), len: 1460, ctl: 'ACK' })
    .expectNothing();
  const out = t.conn.setOption('cork', false, 20);
  assert.deepEqual(
    out.segments.map((g) => [g.seq, g.payload.length]),
    [[s(L, 1461), 540]],
  );
});

test('cork: with nothing in flight the partial segment waits one RTO (the persist timer), then goes with PSH', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.conn.setOption('cork', true, 0);
  t.at(100).send(300).expectNothing();
  t.expectTimer('persist', 1100); // RTO 1 s (rtoMin)
  t.at(1099).expectNothing();
  t.at(1100).expectSend({ seq: s(L, 1), len: 300, ctl: 'PSH,ACK' });
});

test('cork: with data in flight the partial segment waits for its ACK, then for the persist timer', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.at(0).send(100).expectSend({ len: 100 });
  t.conn.setOption('cork', true, 10);
  t.at(10).send(50).expectNothing();
  t.expectTimer('persist', undefined);
  t.at(500)
    .receive({ seq: R + 1, ack: s(L, 101) })
    .expectNothing();
  t.expectTimer('persist', 1500);
  t.at(1500).expectSend({ seq: s(L, 101), len: 50 });
});

test('cork: a FIN after the data pushes it (Linux tcp_send_fin)', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.conn.setOption('cork', true, 0);
  t.at(10).send(100).expectNothing();
  t.close().expectSend({ seq: s(L, 1), len: 100, ctl: 'FIN,PSH,ACK' });
});

test('windowClamp before the SYN: the window and the shift we offer follow the clamp', () => {
  const t = new ConnTest({ config: { windowClamp: 20_000 } });
  t.at(0)
    .connect()
    .expectSend({ ctl: 'SYN', wnd: 20_000, options: { wscale: 0 } });
  t.at(10)
    .receive({ seq: R, ack: s(L, 1), ctl: 'SYN,ACK', options: { mss: 1460, wscale: 7 } })
    .expectSend({ ctl: 'ACK', wnd: 20_000 });
});

test('windowClamp on a live connection: the window stops growing past it, and never shrinks', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 65_535, windowScaling: false } });
  t.conn.setOption('windowClamp', 10_000, 0);
  // The edge already offered (65535 from R+1) stays; data eats into it and reads do not move it.
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1460 })
    .receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 })
    .expectSend({ ack: R + 2921, wnd: 65_535 - 2920 });
  t.read();
  // Once RCV.NXT has come within the clamp of the old edge, the edge moves again only to the clamp.
  let seq = R + 2921;
  for (let i = 0; i < 45; i++) {
    t.at(20 + i).receive({ seq, ack: s(L, 1), payload: 1460 });
    seq += 1460;
    t.read();
  }
  t.at(1000); // any delayed ACK has gone
  assert.ok(t.info().rcvWnd <= 10_000, `window ${t.info().rcvWnd}`);
  assert.ok(t.info().rcvWnd > 0);
  const u = inState('ESTABLISHED', { config: { recvBuffer: 65_535, windowScaling: false, windowClamp: 8_000 } });
  u.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1460 })
    .receive({ seq: R + 1461, ack: s(L, 1), payload: 1460 })
    .expectSend({ ack: R + 2921 });
  u.read();
  assert.ok(u.info().rcvWnd <= 8_000, `window ${u.info().rcvWnd}`);
});

test('pingpong: set, an ACK of new data waits for the timer; cleared, a delayed ACK goes once the data is read', () => {
  const t = inState('ESTABLISHED', { config: { quickAck: true, delayedAckTimeout: 40 } });
  t.conn.setOption('pingpong', true, 0);
  assert.equal(t.conn.pingpong, true);
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 10 })
    .expectNothing();
  t.expectTimer('delayed-ack', 50);
  // Unread data: clearing ping-pong does not send it yet.
  assert.deepEqual(t.conn.setOption('pingpong', false, 10).segments, []);
  t.conn.setOption('pingpong', true, 10);
  t.at(25).read();
  const out = t.conn.setOption('pingpong', false, 25);
  assert.deepEqual(
    out.segments.map((g) => g.ack),
    [R + 11],
  );
  assert.equal(t.conn.pingpong, false);
});
