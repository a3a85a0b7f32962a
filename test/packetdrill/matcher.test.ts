import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareOutbound, formatSegment, type MatchContext, tsoCount } from '../../src/packetdrill/matcher.js';
import { type PacketEvent, parseScript } from '../../src/packetdrill/parser.js';
import { ACK, FIN, makeSegment, PSH, type Segment } from '../../src/wire/segment.js';
import { OPT_NOP, OPT_TIMESTAMPS } from '../../src/wire/tcp-header.js';

const ISN = 0xfffffff0; // near the wrap point
const line = (text: string) => parseScript(`0 ${text}\n`).events[0] as PacketEvent;
const ctx = (extra: Partial<MatchContext> = {}): MatchContext => ({
  ourIsn: ISN,
  peerIsn: 0,
  tsToleranceTicks: 4,
  ...extra,
});
const data = (rel: number, len: number, flags = ACK): Segment =>
  makeSegment({
    srcPort: 8080,
    dstPort: 4000,
    seq: (ISN + rel) >>> 0,
    ack: 1,
    flags,
    wnd: 100,
    payload: new Uint8Array(len),
  });

test('TSO: equal-sized segments that add up stand for one expected segment', () => {
  const ev = line('> P. 1:3001(3000) ack 1');
  const burst = [data(1, 1000), data(1001, 1000), data(2001, 1000, ACK | PSH)];
  assert.equal(tsoCount(ev, burst), 3);
  assert.deepEqual(compareOutbound(ev, burst, ctx()), []);
  assert.equal(tsoCount(ev, [data(1, 1000), data(1001, 500), data(1501, 1500)]), 0);
  assert.equal(tsoCount(ev, [data(1, 1000)]), 0);
});

test('every field: flags with PSH, relative seq across the wrap, ack without ACK flag, window', () => {
  assert.deepEqual(compareOutbound(line('> . 1:1001(1000) ack 1 win 100'), [data(1, 1000)], ctx()), []);
  assert.deepEqual(compareOutbound(line('> P. 1:1001(1000) ack 1'), [data(1, 1000)], ctx()), ['flags . (expected P.)']);
  assert.deepEqual(compareOutbound(line('> . 1:1001(1000) ack 1 win 99'), [data(1, 1000)], ctx()), [
    'win 100 (expected 99)',
  ]);
  const rst = makeSegment({ srcPort: 1, dstPort: 2, seq: (ISN + 1) >>> 0, ack: 5, flags: 0x04 });
  assert.deepEqual(compareOutbound(line('> R 1:1(0)'), [rst], ctx()), ['ack 5 (expected 0)']);
  const fin = makeSegment({ srcPort: 1, dstPort: 2, seq: (ISN + 2) >>> 0, ack: 1, flags: FIN | ACK });
  assert.deepEqual(compareOutbound(line('> F. 1:1(0) ack 1'), [fin], ctx()), ['seq 2 (expected 1)']);
});

test('options: none means none, <...> means any, TS val only with a tick, TS ecr never', () => {
  const ts = (val: number) =>
    makeSegment({
      srcPort: 1,
      dstPort: 2,
      seq: (ISN + 1) >>> 0,
      ack: 1,
      flags: ACK,
      options: { ts: { val, ecr: 999 }, layout: [OPT_NOP, OPT_NOP, OPT_TIMESTAMPS] },
    });
  assert.match(compareOutbound(line('> . 1:1(0) ack 1'), [ts(5)], ctx())[0] ?? '', /^options/);
  assert.deepEqual(compareOutbound(line('> . 1:1(0) ack 1 <...>'), [ts(5)], ctx()), []);
  assert.deepEqual(compareOutbound(line('> . 1:1(0) ack 1 <nop,nop,TS val 1 ecr 2>'), [ts(5)], ctx()), []);
  const c = ctx({ tsTickUsecs: 1000 });
  assert.deepEqual(compareOutbound(line('> . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 0>'), [ts(5000)], c), []);
  assert.deepEqual(compareOutbound(line('> . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 0>'), [ts(5103)], c), []);
  assert.deepEqual(compareOutbound(line('> . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 0>'), [ts(5110)], c), [
    'TS val 210 (expected 200 ± 4)',
  ]);
});

test('segments print in packetdrill syntax, relative to our ISN', () => {
  assert.equal(formatSegment(data(1, 10, ACK | PSH), ISN, 0), 'P. 1:11(10) ack 1 win 100');
});
