import assert from 'node:assert/strict';
import test from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { Pair } from './endpoint-pair.js';

test('Endpoint.setOption: a user timeout set after connect aborts when data stays unacknowledged', () => {
  const p = new Pair();
  const { ca } = p.establish(80, 40000);
  p.take('a', p.a.setOption(ca, 'userTimeout', 5_000, p.now));
  p.filter = (s) => s.from !== 'a'; // from now on nothing from A arrives
  p.take('a', p.a.send(ca, new Uint8Array(10), p.now));
  p.flush();
  p.at(p.now + 4_999);
  assert.deepEqual(p.connEvents('a', ca), ['connected']);
  p.at(p.now + 1);
  assert.deepEqual(p.connEvents('a', ca), ['connected', 'error', 'closed']);
  const error = p.events.a.find((e) => e.ev.type === 'conn' && e.ev.event.type === 'error');
  assert.deepEqual(error?.ev, { type: 'conn', conn: ca, event: { type: 'error', code: 'ETIMEDOUT' } });
});

test('Endpoint.setOption: bad names and values throw and change nothing; unknown connections throw', () => {
  const p = new Pair();
  const { ca } = p.establish(80, 40000);
  const isUsage = (code: string) => (e: unknown) => e instanceof UsageError && e.code === code;
  assert.throws(() => p.a.setOption(ca, 'userTimeout', -1, p.now), isUsage('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => p.a.setOption(ca, 'nonsense' as 'userTimeout', 1, p.now), isUsage('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => p.a.setOption(9999, 'userTimeout', 1, p.now), isUsage('ERR_TCP_NOT_CONNECTED'));
  assert.equal(p.a.connection(ca)?.info().state, 'ESTABLISHED');
});
