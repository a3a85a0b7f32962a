// Receive-side behaviours the linux profile takes from the kernel where RFC 9293 says otherwise,
// each behind a config setting that finack's own defaults leave off.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

test('dropAckOfUnsent: in ESTABLISHED an ACK of unsent data is discarded unanswered, its text and FIN unread', () => {
  const t = inState('ESTABLISHED', { config: { dropAckOfUnsent: true } });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 5000), ctl: 'FIN,ACK', payload: 10 })
    .expectNothing()
    .expectRead(null)
    .expectState('ESTABLISHED');
  assert.deepEqual(t.drops(), ['ack-too-new']);
  // The same text with an acceptable ACK is taken.
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 10 }).expectRead(10);
});

test('dropAckOfUnsent: other states still answer it with an ACK (RFC 9293 §3.10.7.4 fifth)', () => {
  const t = inState('CLOSE-WAIT', { config: { dropAckOfUnsent: true } });
  t.at(100)
    .receive({ seq: R + 2, ack: s(L, 5000) })
    .expectSend({ seq: s(L, 1), ack: R + 2, ctl: 'ACK' });
  assert.deepEqual(t.drops(), ['ack-too-new']);
});

test('without dropAckOfUnsent (finack default) an ACK of unsent data in ESTABLISHED is answered', () => {
  const t = inState('ESTABLISHED');
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 5000), payload: 10 })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' })
    .expectRead(null);
});

test('inOrderPastWindow: in-order text past the window is taken whole while nothing is unread; the window is then 0', () => {
  const t = inState('ESTABLISHED', { config: { inOrderPastWindow: true, recvBuffer: 1000, delayedAck: false } });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1500 })
    .expectSend({ seq: s(L, 1), ack: R + 1501, ctl: 'ACK', wnd: 0 })
    .expectRead(1500);
  // With bytes unread, text past the window is trimmed to it (RFC 9293 §3.10.7.4 seventh).
  const u = inState('ESTABLISHED', { config: { inOrderPastWindow: true, recvBuffer: 1000, delayedAck: false } });
  u.at(100)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 400 })
    .expectSend({ ack: R + 401 })
    .receive({ seq: R + 401, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001, wnd: 0 });
  assert.equal(u.read()?.length, 1000);
});

test('without inOrderPastWindow (finack default) in-order text is trimmed to the window', () => {
  const t = inState('ESTABLISHED', { config: { recvBuffer: 1000, delayedAck: false } });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1500 })
    .expectSend({ seq: s(L, 1), ack: R + 1001, ctl: 'ACK', wnd: 0 });
  assert.equal(t.read()?.length, 1000);
});
