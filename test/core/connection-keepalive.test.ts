// Keepalive (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4), timed exactly: first probe at idle (2 h), then
// every interval (75 s); after count (10) unanswered probes and one more interval, ETIMEDOUT + RST.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { has, RST } from '../../src/wire/segment.js';
import { inState, L, R, s } from '../harness/conn.js';
import { B_ADDR, Pair, TEST_CONFIG } from './endpoint-pair.js';

const IDLE = 7_200_000;
const INTERVAL = 75_000;

test('default timing: probes at 7,200,000 ms and every 75,000 ms; abort at 7,950,000 ms', () => {
  const t = inState('ESTABLISHED', { config: { keepalive: true } });
  t.expectTimer('keepalive', IDLE);
  t.at(IDLE - 1).expectNothing();
  for (let k = 0; k < 10; k++) {
    // Probe = <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>, no data. SND.NXT-1 = L here.
    t.at(IDLE + k * INTERVAL - 1).expectNothing();
    t.at(IDLE + k * INTERVAL).expectSend({ seq: L, ack: R + 1, ctl: 'ACK', len: 0 });
    assert.equal(t.info().keepaliveProbes, k + 1);
  }
  assert.equal(IDLE + 10 * INTERVAL, 7_950_000);
  t.at(7_949_999).expectNothing().expectState('ESTABLISHED').expectNoEvents();
  t.at(7_950_000)
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'RST,ACK' })
    .expectNothing()
    .expectState('CLOSED')
    .expectEvents('error ETIMEDOUT', 'closed');
});

test('the answer to a probe resets the idle clock and the count', () => {
  const t = inState('ESTABLISHED', { config: { keepalive: true } });
  t.at(IDLE).expectSend({ seq: L, ctl: 'ACK' });
  t.at(IDLE + INTERVAL).expectSend({ seq: L, ctl: 'ACK' });
  // The peer answers the second probe (an ACK at RCV.NXT).
  t.at(IDLE + INTERVAL + 40)
    .receive({ seq: R + 1, ack: s(L, 1) })
    .expectNothing();
  assert.equal(t.info().keepaliveProbes, 0);
  t.expectTimer('keepalive', IDLE + INTERVAL + 40 + IDLE);
  t.at(2 * IDLE + INTERVAL + 39).expectNothing();
  t.at(2 * IDLE + INTERVAL + 40).expectSend({ seq: L, ctl: 'ACK' });
});

test('any segment from the peer restarts the idle period', () => {
  const t = inState('ESTABLISHED', { config: { keepalive: true, delayedAck: false } });
  t.at(1_000_000)
    .receive({ seq: R + 1, ack: s(L, 1), payload: 'x' })
    .expectSend({ ack: R + 2 });
  t.expectTimer('keepalive', 1_000_000 + IDLE);
});

test('setKeepalive() turns it on later (idle counted from then) with custom timing', () => {
  const t = inState('ESTABLISHED');
  t.expectTimer('keepalive', undefined);
  t.at(500).setKeepalive(true, { idle: 10_000, interval: 1_000, count: 2 }).expectNothing();
  t.at(10_500).expectSend({ seq: L, ctl: 'ACK' });
  t.at(11_500).expectSend({ seq: L, ctl: 'ACK' });
  t.at(12_500).expectSend({ ctl: 'RST,ACK' }).expectState('CLOSED').expectEvents('error ETIMEDOUT', 'closed');
});

test('setKeepalive(false) stops probing', () => {
  const t = inState('ESTABLISHED', { config: { keepalive: true } });
  t.at(10).setKeepalive(false);
  t.expectTimer('keepalive', undefined);
  assert.equal(t.conn.nextDeadline(), undefined);
});

test('no keepalive while data is unacknowledged: retransmission governs', () => {
  const t = inState('ESTABLISHED', { config: { keepalive: true, retries2: 100, rtoMax: 10_000_000 } });
  t.send('x').expectSend({ len: 1 }).expectTimer('keepalive', undefined);
  t.at(100)
    .receive({ seq: R + 1, ack: s(L, 2) })
    .expectTimer('keepalive', 100 + IDLE);
});

test('keepalive runs in CLOSE-WAIT and in FIN-WAIT-2 (as Linux)', () => {
  const t = inState('CLOSE-WAIT', { config: { keepalive: true } });
  t.at(IDLE).expectSend({ seq: L, ack: R + 2, ctl: 'ACK' });
  const u = inState('FIN-WAIT-2', { config: { keepalive: true, finWait2Timeout: 0 } });
  u.expectTimer('keepalive', IDLE);
  u.at(IDLE).expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' }); // SND.NXT - 1: our FIN's number
});

test("the peer's keepalive probe (SEQ=RCV.NXT-1, no data) is answered with an ACK", () => {
  const t = inState('ESTABLISHED');
  t.at(5000)
    .receive({ seq: R, ack: s(L, 1) })
    .expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK' });
});

test('FIN-WAIT-2 after shutdown(): keepalive probes the peer and gives up when it is gone (Linux)', () => {
  const t = inState('ESTABLISHED', {
    config: { keepalive: true, keepaliveIdle: 1000, keepaliveInterval: 100, keepaliveCount: 2 },
  });
  t.shutdown().expectSend({ seq: s(L, 1), ctl: 'FIN,ACK' });
  t.at(10)
    .receive({ seq: R + 1, ack: s(L, 2) })
    .expectState('FIN-WAIT-2')
    .expectEvents('fin-acked');
  t.expectTimer('fin-wait-2', undefined); // no FIN-WAIT-2 timeout after a half-close
  t.expectTimer('keepalive', 1010);
  t.at(1010).expectSend({ seq: s(L, 1), ack: R + 1, ctl: 'ACK', len: 0 });
  t.at(1110).expectSend({ seq: s(L, 1), ctl: 'ACK' });
  t.at(1210)
    .expectSend({ seq: s(L, 2), ctl: 'RST,ACK' })
    .expectState('CLOSED')
    .expectEvents('error ETIMEDOUT', 'closed');
});

test('an endpoint of 300 connections made in one instant: every probe and abort exactly on time, in id order', () => {
  const n = 300;
  const p = new Pair({ config: { ...TEST_CONFIG, keepalive: true } });
  for (let i = 0; i < 3; i++) p.b.listen({ port: 80 + i }, { backlog: n });
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 + (i % 3) }, p.now);
    ids.push(conn);
    p.take('a', out);
  }
  p.flush();
  const ports = ids.map((id) => p.a.connection(id)?.localPort);
  p.sent.length = 0;
  p.filter = (x) => x.from !== 'a'; // the peer is gone: nothing A sends arrives
  p.at(IDLE + 11 * INTERVAL);
  const fromA = p.sent.filter((x) => x.from === 'a');
  const instants = [...new Set(fromA.map((x) => x.t))];
  assert.deepEqual(
    instants,
    Array.from({ length: 11 }, (_, k) => IDLE + k * INTERVAL),
  );
  for (const t of instants) {
    const at = fromA.filter((x) => x.t === t);
    assert.deepEqual(
      at.map((x) => x.pkt.seg.srcPort),
      ports,
      `at ${t}: one segment per connection, in id order`,
    );
    const abort = t === IDLE + 10 * INTERVAL;
    assert.ok(
      at.every((x) => has(x.pkt.seg, RST) === abort && x.pkt.seg.payload.length === 0),
      `at ${t}: ${abort ? 'RST' : 'probe'}`,
    );
  }
  for (const id of ids) {
    assert.deepEqual(p.connEvents('a', id).slice(-2), ['error', 'closed']);
    const err = p.events.a.find(
      ({ ev }) => ev.type === 'conn' && ev.conn === id && ev.event.type === 'error' && ev.event.code === 'ETIMEDOUT',
    );
    assert.equal(err?.t, IDLE + 10 * INTERVAL);
  }
  assert.equal(p.a.nextDeadline(), undefined);
});
