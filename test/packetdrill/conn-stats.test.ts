// The tcp_info counters the socket layer keeps from the packets it sees (socket/conn-stats.ts):
// segments and data segments each way, bytes sent and sent again, and the receive clock.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Packet } from '../../src/core/endpoint.js';
import { StatsTable, tupleKey } from '../../src/socket/conn-stats.js';
import { ACK, makeSegment, PSH, SYN } from '../../src/wire/segment.js';

const US = '198.51.100.201';
const PEER = '192.0.2.1';
const out = (seq: number, len: number, flags = ACK | PSH): Packet => ({
  src: US,
  dst: PEER,
  seg: makeSegment({ srcPort: 8080, dstPort: 4000, seq, ack: 1, flags, wnd: 100, payload: new Uint8Array(len) }),
});
const inn = (seq: number, len: number, flags = ACK): Packet => ({
  src: PEER,
  dst: US,
  seg: makeSegment({ srcPort: 4000, dstPort: 8080, seq, ack: 1, flags, wnd: 100, payload: new Uint8Array(len) }),
});
const key = tupleKey({ addr: US, port: 8080 }, { addr: PEER, port: 4000 });

test('bytes sent count retransmissions; bytes sent again count only what was sent before', () => {
  const t = new StatsTable();
  t.outbound(out(100, 0, SYN | ACK), 0);
  t.outbound(out(101, 1000), 10);
  t.outbound(out(1101, 1000), 10);
  // The second segment again, then a segment that overlaps the end of what was sent and goes on.
  t.outbound(out(1101, 1000), 300);
  t.outbound(out(1601, 1000), 600);
  const s = t.of(key);
  assert.equal(s.segsOut, 5);
  assert.equal(s.dataSegsOut, 4);
  assert.equal(s.bytesSent, 4000);
  assert.equal(s.bytesRetrans, 1000 + 500);
  assert.equal(s.lastDataSent, 600);
});

test('the receive clock starts with the handshake and moves with data; a new SYN starts over', () => {
  const t = new StatsTable();
  t.inbound(inn(0, 0, SYN), 5);
  assert.equal(t.of(key).lastDataRecv, 5);
  t.inbound(inn(1, 0, ACK), 100);
  assert.equal(t.of(key).lastDataRecv, 100, 'the final ACK makes the connection');
  t.inbound(inn(1, 0, ACK), 200);
  assert.equal(t.of(key).lastDataRecv, 100, 'a later bare ACK is no data');
  assert.equal(t.of(key).lastAckRecv, 200);
  t.inbound(inn(1, 700), 300);
  assert.deepEqual(
    [t.of(key).lastDataRecv, t.of(key).largestIn, t.of(key).dataSegsIn, t.of(key).segsIn],
    [300, 700, 1, 4],
  );
  t.inbound(inn(5000, 0, SYN), 400);
  assert.deepEqual([t.of(key).segsIn, t.of(key).dataSegsIn], [1, 0]);
});
