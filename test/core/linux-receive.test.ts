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
