// D-SACK (RFC 2883; config dsack): text we already had is reported as the first SACK block of the
// next ACK, once; the usual blocks follow it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

const DSACK = { sackPermitted: true, dsack: true, delayedAck: false };
const PEER = { mss: 1000, sackPermitted: true };
const established = (config: object = DSACK) => inState('ESTABLISHED', { config, peerOptions: PEER });

test('a duplicate below RCV.NXT is reported as a D-SACK block, on the next ACK only', () => {
  const t = established();
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001, options: { sack: undefined } })
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001, options: { sack: [{ left: R + 1, right: R + 1001 }] } })
    .receive({ seq: R + 1001, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 2001, options: { sack: undefined } });
});

test('text over held out-of-order data: the lowest duplicate range first, then the held blocks', () => {
  const t = established();
  t.at(100)
    .receive({ seq: R + 1001, ack: s(L, 1), payload: 2000 })
    .expectSend({ ack: R + 1, options: { sack: [{ left: R + 1001, right: R + 3001 }] } })
    .receive({ seq: R + 4001, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1 })
    .receive({ seq: R + 7001, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1 })
    // Fills [1, 6001): it covered 1001:3001 and 4001:5001; the first is the D-SACK.
    .receive({ seq: R + 1, ack: s(L, 1), payload: 6000 })
    .expectSend({
      ack: R + 6001,
      options: {
        sack: [
          { left: R + 1001, right: R + 3001 },
          { left: R + 7001, right: R + 8001 },
        ],
      },
    })
    // An out-of-order duplicate of part of a held range: just the overlap.
    .receive({ seq: R + 6501, ack: s(L, 1), payload: 1000 })
    .expectSend({
      ack: R + 6001,
      options: {
        sack: [
          { left: R + 7001, right: R + 7501 },
          { left: R + 6501, right: R + 8001 },
        ],
      },
    });
});

test('without dsack, or without SACK negotiated, no D-SACK block', () => {
  const t = established({ sackPermitted: true, delayedAck: false });
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001 })
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001, options: { sack: undefined } });
  const u = inState('ESTABLISHED', { config: DSACK, peerOptions: { mss: 1000 } });
  u.at(100)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001 })
    .receive({ seq: R + 1, ack: s(L, 1), payload: 1000 })
    .expectSend({ ack: R + 1001, options: { sack: undefined } });
  assert.deepEqual(u.drops(), ['unacceptable']);
});
