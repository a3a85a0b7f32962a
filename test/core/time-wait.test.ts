// The TIME-WAIT verdict function (RFC 9293 §3.10.7.4 TIME-WAIT rows, RFC 1337, RFC 6191), pure:
// a record, a segment, the config -> ack / drop / close / reopen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../src/core/config.js';
import { type TimeWaitRecord, timeWaitAck, timeWaitVerdict } from '../../src/core/time-wait.js';
import { ctl, makeSegment, parseCtl, type Segment, type TcpOptions } from '../../src/wire/segment.js';

const REC: TimeWaitRecord = {
  localPort: 40000,
  remotePort: 80,
  iss: 0xffffff00,
  irs: 0xfffffff0,
  sndNxt: 0xffffff02,
  rcvNxt: 0xfffffffa, // the peer's FIN was at 0xfffffff9
  rcvWndField: 8192,
  tsOffset: 500,
  expires: 60_000,
};
const TS_REC: TimeWaitRecord = { ...REC, tsRecent: 0xfffffff0 };
const cfg = resolveConfig();
const cfgNo1337 = resolveConfig({ rfc1337: false });

function seg(
  seq: number,
  flags: string,
  extra: { ack?: number; payload?: number; options?: TcpOptions } = {},
): Segment {
  return makeSegment({
    srcPort: 80,
    dstPort: 40000,
    seq: seq >>> 0,
    ack: (extra.ack ?? REC.sndNxt) >>> 0,
    flags: parseCtl(flags),
    wnd: 1000,
    options: extra.options ?? {},
    payload: new Uint8Array(extra.payload ?? 0),
  });
}

test('retransmitted FIN (ending at RCV.NXT): ACK and restart 2MSL', () => {
  assert.deepEqual(timeWaitVerdict(REC, seg(0xfffffff9, 'FIN,ACK'), 1000, cfg), { action: 'ack', restart: true });
  // FIN with the last data bytes again, still ending at RCV.NXT
  assert.deepEqual(timeWaitVerdict(REC, seg(0xfffffff7, 'FIN,ACK', { payload: 2 }), 1000, cfg), {
    action: 'ack',
    restart: true,
  });
});

test('RST: dropped under RFC 1337; closes when exact and rfc1337 is off', () => {
  assert.deepEqual(timeWaitVerdict(REC, seg(REC.rcvNxt, 'RST'), 0, cfg), { action: 'drop', reason: 'time-wait-rst' });
  assert.deepEqual(timeWaitVerdict(REC, seg(REC.rcvNxt, 'RST'), 0, cfgNo1337), { action: 'close' });
  assert.deepEqual(timeWaitVerdict(REC, seg(REC.rcvNxt + 5, 'RST'), 0, cfgNo1337), {
    action: 'drop',
    reason: 'rst-out-of-window',
  });
});

test('new SYN: reopen when its sequence number is beyond RCV.NXT (across the wrap), else ACK', () => {
  assert.deepEqual(timeWaitVerdict(REC, seg(5, 'SYN'), 0, cfg), { action: 'reopen' });
  assert.deepEqual(timeWaitVerdict(REC, seg(0xfffffff0, 'SYN'), 0, cfg), {
    action: 'ack',
    restart: false,
    reason: 'time-wait-old',
  });
});

test('new SYN with timestamps: RFC 6191 decides by TSval, not by sequence number', () => {
  const newer = { ts: { val: 0x00000010, ecr: 0 } }; // after 0xfffffff0 across the wrap
  const older = { ts: { val: 0xffffff00, ecr: 0 } };
  assert.deepEqual(timeWaitVerdict(TS_REC, seg(0xfffffff0, 'SYN', { options: newer }), 0, cfg), { action: 'reopen' });
  assert.deepEqual(timeWaitVerdict(TS_REC, seg(5, 'SYN', { options: older }), 0, cfg), {
    action: 'ack',
    restart: false,
    reason: 'time-wait-old',
  });
});

test('PAWS: an older TSval gets an ACK and no restart', () => {
  assert.deepEqual(
    timeWaitVerdict(TS_REC, seg(0xfffffff9, 'FIN,ACK', { options: { ts: { val: 0xffffffe0, ecr: 1 } } }), 0, cfg),
    { action: 'ack', restart: false, reason: 'paws' },
  );
});

test('pure ACK at RCV.NXT: dropped without answer (no ACK ping-pong between two TIME-WAITs)', () => {
  assert.deepEqual(timeWaitVerdict(REC, seg(REC.rcvNxt, 'ACK'), 0, cfg), { action: 'drop', reason: 'time-wait-old' });
});

test('old duplicates and data after the FIN: ACK', () => {
  for (const s of [seg(0xfffffff0, 'ACK', { payload: 3 }), seg(REC.rcvNxt, 'PSH,ACK', { payload: 3 }), seg(1, 'ACK')]) {
    assert.deepEqual(timeWaitVerdict(REC, s, 0, cfg), { action: 'ack', restart: false, reason: 'time-wait-old' });
  }
});

test('timeWaitAck: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, window field, timestamps when negotiated', () => {
  const a = timeWaitAck(REC, 1234);
  assert.deepEqual(
    [a.srcPort, a.dstPort, a.seq, a.ack, ctl(a.flags), a.wnd, a.options.ts],
    [40000, 80, 0xffffff02, 0xfffffffa, 'ACK', 8192, undefined],
  );
  const b = timeWaitAck(TS_REC, 1234);
  assert.deepEqual(b.options.ts, { val: 1734, ecr: 0xfffffff0 });
});

test('a retransmitted FIN that passes PAWS moves rec.tsRecent (RFC 7323 §4.3); a PAWS failure does not', () => {
  const rec: TimeWaitRecord = { ...TS_REC };
  const fin = (val: number) => seg(0xfffffff9, 'FIN,ACK', { options: { ts: { val, ecr: 1 } } });
  assert.deepEqual(timeWaitVerdict(rec, fin(0x00000005), 0, cfg), { action: 'ack', restart: true }); // newer across the wrap
  assert.equal(rec.tsRecent, 0x00000005);
  assert.deepEqual(timeWaitAck(rec, 0).options.ts, { val: 500, ecr: 0x00000005 });
  assert.deepEqual(timeWaitVerdict(rec, fin(0xfffffff8), 0, cfg), { action: 'ack', restart: false, reason: 'paws' });
  assert.equal(rec.tsRecent, 0x00000005);
  // A bare ACK at RCV.NXT records its TSval too, and gets no answer.
  const ack = seg(REC.rcvNxt, 'ACK', { options: { ts: { val: 0x00000009, ecr: 1 } } });
  assert.deepEqual(timeWaitVerdict(rec, ack, 0, cfg), { action: 'drop', reason: 'time-wait-old' });
  assert.equal(rec.tsRecent, 0x00000009);
  // Without timestamps in use the record has no TS.Recent and gets none.
  const plain: TimeWaitRecord = { ...REC };
  timeWaitVerdict(plain, fin(0x00000005), 0, cfg);
  assert.equal(plain.tsRecent, undefined);
});
