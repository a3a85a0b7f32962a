// SACK (RFC 2018) and SACK-based loss recovery (RFC 6675): negotiation on the SYNs, the blocks a
// receiver reports while it holds out-of-order data, and a sender that resends only the holes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcpHeaderLength } from '../../src/wire/tcp-header.js';
import { inState, L, R, s } from '../harness/conn.js';

const SACK_ON = { sackPermitted: true };

test('SACK-permitted goes on our SYN when configured, and is in use when the SYN,ACK has it', () => {
  const t = inState('SYN-SENT', { config: SACK_ON });
  assert.equal(t.info().sack, false);
  const on = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460, sackPermitted: true } });
  assert.equal(on.info().sack, true);
  const off = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460 } });
  assert.equal(off.info().sack, false);
});

test('our SYN carries SACK-permitted only when configured', () => {
  const t = inState('CLOSED', { config: SACK_ON });
  t.connect().expectSend({ seq: L, ctl: 'SYN', options: { sackPermitted: true } });
  const d = inState('CLOSED');
  d.connect();
  const syn = d.pending.shift();
  assert.equal(syn?.options.sackPermitted, undefined);
});

test('SYN,ACK echoes SACK-permitted only when the peer offered it', () => {
  const t = inState('LISTEN', { config: SACK_ON });
  t.receive({ seq: R, ctl: 'SYN', options: { mss: 1460, sackPermitted: true } }).expectSend({
    ctl: 'SYN,ACK',
    options: { sackPermitted: true },
  });
  const u = inState('LISTEN', { config: SACK_ON });
  u.receive({ seq: R, ctl: 'SYN', options: { mss: 1460 } });
  const synAck = u.pending.shift();
  assert.equal(synAck?.options.sackPermitted, undefined);
  u.receive({ seq: R + 1, ack: s(L, 1) });
  assert.equal(u.info().sack, false);
});

test('receiver: ACKs report held out-of-order ranges, the most recent arrival first', () => {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460, sackPermitted: true } });
  t.receive({ seq: R + 101, ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 1,
    options: { sack: [{ left: R + 101, right: R + 201 }] },
  });
  t.receive({ seq: R + 301, ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 1,
    options: {
      sack: [
        { left: R + 301, right: R + 401 },
        { left: R + 101, right: R + 201 },
      ],
    },
  });
  // Extending the older range makes it the most recent one again.
  t.receive({ seq: R + 201, ack: s(L, 1), payload: 50 }).expectSend({
    ack: R + 1,
    options: {
      sack: [
        { left: R + 101, right: R + 251 },
        { left: R + 301, right: R + 401 },
      ],
    },
  });
  // The hole at RCV.NXT fills: the cumulative ACK moves, the remaining range is still reported.
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 251,
    options: { sack: [{ left: R + 301, right: R + 401 }] },
  });
  t.receive({ seq: R + 251, ack: s(L, 1), payload: 50 }).expectSend({ ack: R + 401, noOptions: true });
});

test('receiver: at most 3 blocks with timestamps, 4 without (40 bytes of options)', () => {
  for (const [ts, max] of [
    [true, 3],
    [false, 4],
  ] as const) {
    const peerOptions = ts
      ? { mss: 1460, sackPermitted: true, ts: { val: 1, ecr: 0 } }
      : { mss: 1460, sackPermitted: true };
    const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions });
    const options = ts ? { ts: { val: 1, ecr: 0 } } : {};
    for (let k = 1; k <= 5; k++) t.receive({ seq: R + 1 + 200 * k, ack: s(L, 1), payload: 100, options });
    const last = t.pending.at(-1);
    assert.equal(last?.options.sack?.length, max, `ts=${ts}`);
    assert.deepEqual(last?.options.sack?.[0], { left: R + 1001, right: R + 1101 });
    assert.deepEqual(last?.options.sack?.[1], { left: R + 801, right: R + 901 });
  }
});

test('receiver: segments arriving last first are one block growing downward, then delivered at once', () => {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460, sackPermitted: true } });
  for (let k = 8; k >= 1; k--) {
    t.receive({ seq: R + 1 + 100 * k, ack: s(L, 1), payload: 100 }).expectSend({
      ack: R + 1,
      options: { sack: [{ left: R + 1 + 100 * k, right: R + 901 }] },
    });
  }
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 100 }).expectSend({ ack: R + 901, noOptions: true });
  assert.equal(t.info().reassemblyBytes, 0);
});

test('receiver: more held ranges than fit: the newest arrivals first, then the highest others (RFC 2018 §4)', () => {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460, sackPermitted: true } });
  const at = (k: number) => R + 1 + 100 * k;
  const block = (from: number, to: number) => ({ left: at(from), right: at(to) });
  for (const k of [2, 4, 6, 8, 10, 12]) t.receive({ seq: at(k), ack: s(L, 1), payload: 100 });
  t.pending.length = 0;
  // [5] joins [4] and [6]: that range first, then the ranges of the arrivals before it.
  t.receive({ seq: at(5), ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 1,
    options: { sack: [block(4, 7), block(12, 13), block(10, 11), block(8, 9)] },
  });
  t.receive({ seq: at(1), ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 1,
    options: { sack: [block(1, 3), block(4, 7), block(12, 13), block(10, 11)] },
  });
  // A duplicate is a recent arrival too.
  t.receive({ seq: at(12), ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 1,
    options: { sack: [block(12, 13), block(1, 3), block(4, 7), block(10, 11)] },
  });
  // The hole at RCV.NXT fills and [1, 3) is delivered: its arrival names nothing held any more, so
  // the highest range not yet reported takes the last place.
  t.receive({ seq: at(0), ack: s(L, 1), payload: 100 }).expectSend({
    ack: at(3),
    options: { sack: [block(12, 13), block(4, 7), block(10, 11), block(8, 9)] },
  });
});

/** ESTABLISHED with SACK, peer MSS 1000, no timestamps; five segments L+1 .. L+5001 in flight. */
function fiveInFlight() {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1000, sackPermitted: true } });
  t.send(5000);
  for (let k = 0; k < 5; k++) t.expectSend({ seq: s(L, 1 + 1000 * k), len: 1000 });
  t.expectNothing();
  return t;
}

test('sender: three duplicate ACKs with SACK blocks resend only the hole (RFC 6675 §5)', () => {
  const t = fiveInFlight();
  const sack = (right: number) => ({ sack: [{ left: s(L, 2001), right: s(L, right) }] });
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 1001) })
    .receive({ seq: R + 1, ack: s(L, 1001), options: sack(3001) })
    .receive({ seq: R + 1, ack: s(L, 1001), options: sack(4001) })
    .expectNothing();
  t.receive({ seq: R + 1, ack: s(L, 1001), options: sack(5001) })
    .expectSend({ seq: s(L, 1001), len: 1000 })
    .expectNothing();
  const i = t.info();
  assert.equal(i.inRecovery, true);
  assert.equal(i.sackedBytes, 3000);
  // RFC 6675 §5 step 4.2: cwnd = ssthresh = FlightSize / 2 (4000 bytes outstanding) .
  assert.equal(i.ssthresh, 2000);
  assert.equal(i.cwnd, 2000);
  // The cumulative ACK covers the recovery point: recovery ends, nothing is resent.
  t.at(40)
    .receive({ seq: R + 1, ack: s(L, 5001) })
    .expectNothing();
  assert.equal(t.info().inRecovery, false);
  assert.equal(t.info().sackedBytes, 0);
  assert.equal(t.info().retransmits, 1);
});

test('sender: one ACK SACKing more than 2 MSS above SND.UNA starts recovery at once (IsLost)', () => {
  const t = fiveInFlight();
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 1), options: { sack: [{ left: s(L, 1001), right: s(L, 5001) }] } })
    .expectSend({ seq: s(L, 1), len: 1000 })
    .expectNothing();
  assert.equal(t.info().inRecovery, true);
});

test('sender: several holes are resent as cwnd - pipe allows, SACKed data never', () => {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1000, sackPermitted: true } });
  t.send(8000);
  for (let k = 0; k < 8; k++) t.expectSend({ seq: s(L, 1 + 1000 * k), len: 1000 });
  // Segments 1 and 3 are lost; 2 and 4-8 arrive.
  const blocks = [
    { left: s(L, 3001), right: s(L, 8001) },
    { left: s(L, 1001), right: s(L, 2001) },
  ];
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 1), options: { sack: blocks } })
    // cwnd = ssthresh = 4000; pipe counts only the retransmissions (both holes are lost).
    .expectSend({ seq: s(L, 1), len: 1000 })
    .expectSend({ seq: s(L, 2001), len: 1000 })
    .expectNothing();
  t.at(40).receive({ seq: R + 1, ack: s(L, 2001), options: { sack: [blocks[0] as { left: number; right: number }] } });
  t.expectNothing();
  t.receive({ seq: R + 1, ack: s(L, 8001) }).expectNothing();
  assert.equal(t.info().retransmits, 2);
});

test('sender: after a timeout, going back from SND.UNA skips what the peer SACKed', () => {
  const t = fiveInFlight();
  // Segments 1 and 2 are lost; the peer holds segment 3 (too little to call anything lost).
  t.at(20)
    .receive({ seq: R + 1, ack: s(L, 1), options: { sack: [{ left: s(L, 2001), right: s(L, 3001) }] } })
    .expectNothing();
  const rto = t.conn.nextDeadline() ?? 0;
  t.at(rto)
    .expectSend({ seq: s(L, 1), len: 1000 })
    .expectNothing();
  // cwnd 1 MSS -> 2 MSS: segment 2, then segment 4 (segment 3 is SACKed).
  t.at(rto + 20)
    .receive({ seq: R + 1, ack: s(L, 1001), options: { sack: [{ left: s(L, 2001), right: s(L, 3001) }] } })
    .expectSend({ seq: s(L, 1001), len: 1000 })
    .expectSend({ seq: s(L, 3001), len: 1000 })
    .expectNothing();
});

// Found by the lifecycle property with SACK on (duplication and reordering, no loss): both sides held
// out-of-order data, so every data segment carried SACK blocks on top of a full MSS of data; the
// packets exceeded the 1500-byte MTU, were dropped on every retransmission, and both sides timed out.
test('sender: a data segment that carries SACK blocks has that much less data (the MSS counts options)', () => {
  for (const ts of [false, true]) {
    const peerOptions = ts
      ? { mss: 1460, sackPermitted: true, ts: { val: 1, ecr: 0 } }
      : { mss: 1460, sackPermitted: true };
    const options = ts ? { ts: { val: 1, ecr: 0 } } : {};
    const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions });
    const full = ts ? 1448 : 1460; // SND.MSS: timestamps are on every segment
    const max = ts ? 3 : 4;
    let seq = s(L, 1);
    for (let n = 1; n <= max; n++) {
      // One more held range: the ACK of it carries n blocks.
      t.receive({ seq: R + 1 + 200 * n, ack: seq, payload: 100, options });
      assert.equal(t.pending.shift()?.options.sack?.length, n, `ts=${ts}`);
      // Two full segments: each shorter by the SACK option (2 NOPs, kind, length, 8 bytes a block).
      const room = full - (4 + 8 * n);
      t.send(2 * room);
      for (let k = 0; k < 2; k++) {
        const seg = t.pending.shift();
        assert.equal(seg?.seq, s(seq, k * room), `ts=${ts} n=${n}`);
        assert.equal(seg?.payload.length, room, `ts=${ts} n=${n}`);
        assert.equal(seg?.options.sack?.length, n, `ts=${ts} n=${n}`);
        // What goes into the IP packet fits the peer's MSS plus a 20-byte header.
        assert.equal(tcpHeaderLength(seg) + seg.payload.length, 1460 + 20, `ts=${ts} n=${n}`);
      }
      t.expectNothing();
      seq = s(seq, 2 * room);
      t.receive({ seq: R + 1, ack: seq, options }).expectNothing();
    }
    // The hole at RCV.NXT fills: no more blocks, full segments again.
    t.receive({ seq: R + 1, ack: seq, payload: 200 * max + 100, options });
    const ack = t.pending.shift();
    assert.equal(ack?.ack, R + 1 + 200 * max + 100);
    assert.equal(ack?.options.sack, undefined);
    t.send(full).expectSend({ seq, len: full });
    t.expectNothing();
  }
});

test('sender: a retransmission that carries SACK blocks is cut to the room they leave', () => {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460, sackPermitted: true } });
  t.send(1460)
    .expectSend({ seq: s(L, 1), len: 1460 })
    .expectNothing();
  // The peer's data arrives out of order: our ACK holds one block.
  t.at(10).receive({ seq: R + 101, ack: s(L, 1), payload: 100 });
  t.expectSend({ ack: R + 1, options: { sack: [{ left: R + 101, right: R + 201 }] } }).expectNothing();
  // The timeout resends what fits next to the block, then the rest (cwnd is one MSS: 1460 bytes).
  const rto = t.conn.nextDeadline() ?? 0;
  const block = { sack: [{ left: R + 101, right: R + 201 }] };
  t.at(rto)
    .expectSend({ seq: s(L, 1), len: 1448, options: block })
    .expectSend({ seq: s(L, 1449), len: 12, options: block })
    .expectNothing();
  t.at(rto + 20)
    .receive({ seq: R + 1, ack: s(L, 1461) })
    .expectNothing();
  assert.equal(t.info().retransmits, 2);
});

test('receiver: data at RCV.NXT while later data is held is ACKed at once (RFC 5681 §4.2)', () => {
  const t = inState('ESTABLISHED', { config: SACK_ON, peerOptions: { mss: 1460, sackPermitted: true } });
  t.receive({ seq: R + 201, ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 1,
    options: { sack: [{ left: R + 201, right: R + 301 }] },
  });
  // Part of the hole: still one block, but the ACK goes now rather than after the delayed-ACK timeout.
  t.receive({ seq: R + 1, ack: s(L, 1), payload: 100 }).expectSend({
    ack: R + 101,
    options: { sack: [{ left: R + 201, right: R + 301 }] },
  });
  // A segment that covers the held bytes itself: the queue empties without handing anything over.
  t.receive({ seq: R + 101, ack: s(L, 1), payload: 200 }).expectSend({ ack: R + 301, noOptions: true });
  t.expectNothing();
});
