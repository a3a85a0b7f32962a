// MSG_MORE (setOption more) and TCP_NODELAY's push (setOption push), as Linux's tcp_push holds
// one push with TCP_NAGLE_CORK and __tcp_sock_set_nodelay pushes with TCP_NAGLE_PUSH.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

test('more: a partial segment waits; the next acceptable ACK sends it, without PSH', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.conn.setOption('more', true, 0);
  t.at(10)
    .send(2000)
    .expectSend({ seq: s(L, 1), len: 1460, ctl: 'ACK' })
    .expectNothing();
  t.at(50)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectSend({ seq: s(L, 1461), len: 540, ctl: 'ACK' });
});

test('more: a write without it sends what it held, PSH on the end', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.conn.setOption('more', true, 0);
  t.at(10).send(200).expectNothing();
  t.send(300);
  t.expectNothing();
  const out = t.conn.setOption('more', false, 10);
  assert.deepEqual(
    out.segments.map((g) => [g.seq, g.payload.length, (g.flags & 0x08) !== 0]),
    [[s(L, 1), 500, true]],
  );
});

test('push: what more holds goes at once; the cork (config cork) is not pulled by it', () => {
  const t = inState('ESTABLISHED', { config: { nagle: false } });
  t.conn.setOption('more', true, 0);
  t.at(10).send(100).expectNothing();
  const out = t.conn.setOption('push', true, 20);
  assert.deepEqual(
    out.segments.map((g) => [g.seq, g.payload.length]),
    [[s(L, 1), 100]],
  );
  const c = inState('ESTABLISHED', { config: { nagle: false, cork: true } });
  c.at(10).send(100).expectNothing();
  assert.equal(c.conn.setOption('push', true, 20).segments.length, 0);
});
