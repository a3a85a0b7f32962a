// Orphans: connections the application has closed (close(), not shutdown()). They give up after
// config orphanRetries retransmissions (Linux tcp_orphan_retries: 8), silently; the endpoint's
// table marks them as ss would show them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, s } from '../harness/conn.js';
import { Pair } from './endpoint-pair.js';

test('an orphan whose FIN goes unanswered gives up after orphanRetries retransmissions, without a RST', () => {
  const t = inState('ESTABLISHED', { config: { orphanRetries: 3 } });
  t.at(0)
    .close()
    .expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' });
  // RTO 1 s, doubling: resent at 1, 3 and 7 s; the next expiry, at 15 s, gives up.
  t.at(1000).expectSend({ ctl: 'FIN,ACK' });
  t.at(3000).expectSend({ ctl: 'FIN,ACK' });
  t.at(7000).expectSend({ ctl: 'FIN,ACK' });
  t.at(14_999).expectNothing().expectState('FIN-WAIT-1');
  t.at(15_000).expectNothing().expectState('CLOSED');
  assert.ok(t.allEvents.some((e) => e.type === 'error' && e.code === 'ETIMEDOUT'));
});

test('shutdown() is no orphan: the same FIN is retried up to retries2', () => {
  const t = inState('ESTABLISHED', { config: { orphanRetries: 3, retries2: 5 } });
  t.at(0).shutdown().expectSend({ ctl: 'FIN,ACK' });
  for (const at of [1000, 3000, 7000, 15_000, 31_000]) t.at(at).expectSend({ ctl: 'FIN,ACK' });
  t.at(62_999).expectState('FIN-WAIT-1');
  t.at(63_000).expectNothing().expectState('CLOSED');
});

test('connections(): an orphan is marked, and its timer counts the retransmissions (ss -tano)', () => {
  const p = new Pair();
  const { ca } = p.establish();
  p.filter = () => false; // nothing gets through now
  p.take('a', p.a.close(ca, p.now));
  const row = () => p.a.connections(p.now).find((r) => r.conn === ca);
  assert.equal(row()?.state, 'FIN-WAIT-1');
  assert.equal(row()?.orphan, true);
  assert.equal(row()?.timer?.kind, 'retransmit');
  assert.equal(row()?.timer?.count, undefined);
  p.at(p.now + 1000);
  assert.equal(row()?.timer?.count, 1);
  p.at(p.now + 2000);
  assert.equal(row()?.timer?.count, 2);
  // A connection the application still holds is no orphan.
  const q = new Pair();
  const both = q.establish();
  assert.equal(q.a.connections(q.now).find((r) => r.conn === both.ca)?.orphan, undefined);
});
