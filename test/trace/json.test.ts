import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceEvent } from '../../src/trace/events.js';
import { jsonEvent, jsonEvents, traceDocument } from '../../src/trace/json.js';
import { ACK, FIN, RST } from '../../src/wire/segment.js';
import { closeTrace, cs, ss } from './fixtures.js';

test('jsonEvent: state, send/recv, drop and timer shapes', () => {
  const [state, send, timer] = closeTrace();
  assert.deepEqual(jsonEvent(state!), {
    t: 0,
    endpoint: 'client',
    type: 'state',
    from: 'ESTABLISHED',
    to: 'FIN-WAIT-1',
    cause: 'close',
  });
  assert.deepEqual(jsonEvent(send!), {
    t: 0,
    endpoint: 'client',
    type: 'send',
    seg: { flags: ['FIN', 'ACK'], seq: 1001, ack: 5001, relSeq: 1, relAck: 1, len: 1, win: 502 },
  });
  assert.deepEqual(jsonEvent(timer!), {
    t: 0,
    endpoint: 'client',
    type: 'timer',
    timer: 'retransmit',
    action: 'armed',
    deadline: 1000,
  });
  const drop: TraceEvent = {
    t: 9,
    endpoint: 'server',
    conn: '',
    type: 'drop',
    reason: 'time-wait-old',
    ...ss(0, 1, ACK),
  };
  assert.deepEqual(jsonEvent(drop, 4), {
    t: 5,
    endpoint: 'server',
    type: 'drop',
    seg: { flags: ['ACK'], seq: 5000, ack: 1001, relSeq: 0, relAck: 1, len: 0, win: 509 },
    reason: 'time-wait-old',
  });
  const bare: TraceEvent = { t: 1, endpoint: 'server', conn: '', type: 'drop', reason: 'checksum' };
  assert.deepEqual(jsonEvent(bare), { t: 1, endpoint: 'server', type: 'drop', reason: 'checksum' });
  assert.equal(jsonEvent({ t: 1, endpoint: 'x', conn: '', type: 'event', event: { type: 'closed' } }), undefined);
});

test('jsonEvents: ConnEvents left out, relative numbers filled in for raw endpoint answers', () => {
  const events: TraceEvent[] = [
    { t: 0, endpoint: 'client', conn: '', type: 'send', ...cs(1, 1, FIN | ACK) },
    { t: 1, endpoint: 'client', conn: '', type: 'event', event: { type: 'closed' } },
    // The server's endpoint knows no connection: raw numbers in relSeq/relAck.
    {
      t: 50,
      endpoint: 'server',
      conn: '',
      type: 'send',
      seg: ss(1, 2, RST | ACK).seg,
      relSeq: 5001,
      relAck: 1002,
    },
  ];
  const out = jsonEvents(events);
  assert.equal(out.length, 2);
  const rst = out[1];
  assert.ok(rst?.type === 'send');
  assert.deepEqual([rst.seg.relSeq, rst.seg.relAck, rst.seg.flags], [1, 2, ['RST', 'ACK']]);
});

test('traceDocument: { scenario, mslMs, events } and round-trips through JSON', () => {
  const doc = traceDocument('close', 30_000, closeTrace(), { note: 'x' });
  assert.deepEqual(Object.keys(doc), ['scenario', 'mslMs', 'events', 'note']);
  assert.equal(doc.events.length, closeTrace().length - 1); // the 'peer-fin' ConnEvent is left out
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
  for (const e of doc.events) {
    assert.equal(typeof e.t, 'number');
    assert.ok(['state', 'send', 'recv', 'drop', 'timer'].includes(e.type));
  }
});
