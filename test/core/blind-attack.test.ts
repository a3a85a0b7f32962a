// A blind attacker knows the 4-tuple, not the sequence numbers. Forged segments must not move
// TS.Recent (PAWS would then drop every genuine segment: a lock-out), reset the connection or
// put bytes in the stream. RFC 7323 §4.3 and §5.3; RFC 5961.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inState, L, R, s } from '../harness/conn.js';

const PEER_TS = 5000;
const opts = {
  config: { delayedAck: false },
  peerOptions: { mss: 1460, ts: { val: PEER_TS, ecr: 0 } },
};

test('a forged duplicate far behind RCV.NXT with a TSval 2^30 ahead does not move TS.Recent', () => {
  const t = inState('ESTABLISHED', opts);
  t.at(10).receive({ seq: R + 1, ack: s(L, 1), payload: 'data', options: { ts: { val: PEER_TS + 10, ecr: 0 } } });
  t.expectSend({ ack: R + 5 });
  const before = t.info().tsRecent;
  // Plausible ACK (SND.UNA), 1 byte, anywhere behind RCV.NXT: answered with a duplicate ACK, no more.
  for (const back of [1_000, 70_000, 1_000_000, 2 ** 30]) {
    t.receive({
      seq: s(R, -back),
      ack: s(L, 1),
      payload: 'x',
      options: { ts: { val: (PEER_TS + 2 ** 30) >>> 0, ecr: 0 } },
    });
    assert.equal(t.info().tsRecent, before, `${back} bytes back`);
  }
  t.clear();
  // The genuine peer goes on and is heard.
  t.at(20).receive({ seq: R + 5, ack: s(L, 1), payload: 'more', options: { ts: { val: PEER_TS + 20, ecr: 0 } } });
  t.expectSend({ ack: R + 9 });
  assert.equal(t.info().tsRecent, PEER_TS + 20);
  assert.deepEqual(
    t.drops().filter((d) => d === 'paws'),
    [],
  );
  assert.equal(t.read()?.length, 8);
});

test('a retransmission ending exactly at our last ACK still refreshes TS.Recent; one ending short of it does not', () => {
  const t = inState('ESTABLISHED', opts);
  t.at(10).receive({ seq: R + 1, ack: s(L, 1), payload: 'abcdefgh', options: { ts: { val: 5010, ecr: 0 } } });
  t.expectSend({ ack: R + 9 });
  // Ends at R+5, short of Last.ACK.sent (R+9): not the segment a lost ACK draws.
  t.at(20).receive({ seq: R + 1, ack: s(L, 1), payload: 'abcd', options: { ts: { val: 6000, ecr: 0 } } });
  assert.equal(t.info().tsRecent, 5010);
  // The whole segment again, ending at R+9.
  t.at(30).receive({ seq: R + 1, ack: s(L, 1), payload: 'abcdefgh', options: { ts: { val: 6010, ecr: 0 } } });
  assert.equal(t.info().tsRecent, 6010);
});

test('seeded: 100,000 blind segments (random seq, plausible ACK, TSval + 2^30, random flags) lock nothing out', () => {
  const t = inState('ESTABLISHED', opts);
  let x = 0x9e3779b9;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const flags = ['ACK', 'ACK', 'PSH,ACK', 'RST', 'RST,ACK', 'SYN', 'FIN,ACK'] as const;
  let now = 10;
  for (let i = 0; i < 100_000; i++) {
    if (i % 1000 === 0) now++;
    t.at(now).receive({
      seq: rnd(),
      ack: s(L, 1),
      ctl: flags[rnd() % flags.length] as string,
      payload: rnd() % 2 === 0 ? 'x' : '',
      options: { ts: { val: (PEER_TS + 2 ** 30 + (rnd() % 1000)) >>> 0, ecr: 0 } },
    });
  }
  t.clear();
  assert.equal(t.conn.state, 'ESTABLISHED');
  assert.equal(t.info().tsRecent, PEER_TS);
  assert.equal(t.conn.recvQueued, 0, 'no byte injected');
  now += 10;
  t.at(now).receive({ seq: R + 1, ack: s(L, 1), payload: 'real', options: { ts: { val: PEER_TS + 200, ecr: 0 } } });
  t.expectSend({ ack: R + 5 });
  assert.equal(t.conn.recvQueued, 4);
});
