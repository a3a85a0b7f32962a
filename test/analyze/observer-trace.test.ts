// connectionTrace: a kept connection as trace events (what the ladder, SVG and HTML draw), and the
// observer's robustness: no packet, however broken, makes it throw.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptureAnalyzer } from '../../src/analyze/observer.js';
import { connectionTrace } from '../../src/analyze/to-trace.js';
import { Rng } from '../../src/base/rng.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { encodePacket } from '../../src/wire/ip.js';
import { makeSegment, parseCtl } from '../../src/wire/segment.js';

const CA = '192.0.2.1';
const SA = '192.0.2.2';

function pkt(fromClient: boolean, ctl: string, seq: number, ack: number, data = 0): Uint8Array {
  return encodePacket({
    src: fromClient ? CA : SA,
    dst: fromClient ? SA : CA,
    seg: makeSegment({
      srcPort: fromClient ? 40000 : 80,
      dstPort: fromClient ? 80 : 40000,
      seq,
      ack,
      flags: parseCtl(ctl),
      wnd: 500,
      payload: new Uint8Array(data),
    }),
  });
}

/** A close with a lost final ACK, captured at absolute times from 1000. */
const CLOSE: [number, boolean, string, number, number, number?][] = [
  [1000, true, 'SYN', 100, 0],
  [1010, false, 'SYN,ACK', 900, 101],
  [1020, true, 'ACK', 101, 901],
  [1030, true, 'PSH,ACK', 101, 901, 5],
  [1100, true, 'FIN,ACK', 106, 901],
  [1110, false, 'FIN,ACK', 901, 107],
  [1120, true, 'ACK', 107, 902],
  [1400, false, 'FIN,ACK', 901, 107],
  [1410, true, 'ACK', 107, 902],
];

function keptReport(keep = true) {
  const a = new CaptureAnalyzer({ msl: 500, keepSegments: () => keep });
  for (const [t, c, ctl, seq, ack, data] of CLOSE) a.packet(t, pkt(c, ctl, seq, ack, data));
  return a.finish().connections[0]!;
}

test('connectionTrace: sends and same-time arrivals with relative numbers, labels from each side', () => {
  const ev = connectionTrace(keptReport());
  const sends = ev.filter((e): e is Extract<TraceEvent, { type: 'send' | 'recv' }> => e.type === 'send');
  const recvs = ev.filter((e) => e.type === 'recv');
  assert.equal(sends.length, CLOSE.length);
  assert.equal(recvs.length, CLOSE.length);
  assert.deepEqual(
    sends.map((e) => [e.t, e.endpoint, e.relSeq, e.relAck]),
    [
      [0, 'client', 0, 0],
      [10, 'server', 0, 1],
      [20, 'client', 1, 1],
      [30, 'client', 1, 1],
      [100, 'client', 6, 1],
      [110, 'server', 1, 7],
      [120, 'client', 7, 2],
      [400, 'server', 1, 7],
      [410, 'client', 7, 2],
    ],
  );
  assert.equal(sends[0]!.conn, '192.0.2.1:40000>192.0.2.2:80');
  assert.equal(sends[1]!.conn, '192.0.2.2:80>192.0.2.1:40000');
  assert.equal(sends[3]!.seg.payload.length, 5);
  const times = ev.map((e) => e.t);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
});

test("connectionTrace: the inferred states as 'state' events, the 2MSL as timer events (re-armed by the FIN again)", () => {
  const ev = connectionTrace(keptReport());
  const states = (ep: string): string[] =>
    ev.flatMap((e) => (e.type === 'state' && e.endpoint === ep ? [`${e.from}>${e.to}@${e.t}`] : []));
  assert.deepEqual(states('client'), [
    'CLOSED>SYN-SENT@0',
    'SYN-SENT>ESTABLISHED@10',
    'ESTABLISHED>FIN-WAIT-1@100',
    'FIN-WAIT-1>FIN-WAIT-2@110',
    'FIN-WAIT-2>TIME-WAIT@110',
    'TIME-WAIT>CLOSED@1400',
  ]);
  assert.deepEqual(states('server'), [
    'LISTEN>SYN-RECEIVED@0',
    'SYN-RECEIVED>ESTABLISHED@20',
    'ESTABLISHED>CLOSE-WAIT@100',
    'CLOSE-WAIT>LAST-ACK@110',
    'LAST-ACK>CLOSED@410',
  ]);
  const timers = ev.flatMap((e) =>
    e.type === 'timer' ? [`${e.endpoint} ${e.timer} ${e.action}@${e.t}->${e.deadline}`] : [],
  );
  assert.deepEqual(timers, [
    'client time-wait armed@110->1110',
    'client time-wait armed@400->1400',
    'client time-wait fired@1400->1400',
  ]);
  // The state change a side makes by sending comes before its segment; one on receipt after it.
  const i = ev.findIndex((e) => e.type === 'state' && e.to === 'FIN-WAIT-1');
  const fin = ev.findIndex((e) => e.type === 'send' && e.relSeq === 6);
  assert.ok(i < fin);
  const cw = ev.findIndex((e) => e.type === 'state' && e.to === 'CLOSE-WAIT');
  assert.ok(cw > fin);
});

test('connectionTrace without kept segments: the states alone; origin 0 keeps capture time', () => {
  const c = keptReport(false);
  assert.equal(c.detail, undefined);
  const ev = connectionTrace(c, { origin: 0 });
  assert.ok(ev.every((e) => e.type === 'state'));
  assert.equal(ev[0]!.t, 1000);
  assert.equal(ev.filter((e) => e.endpoint === 'client').length, c.states.client.length);
});

test('no packet makes the observer throw: random and mutated packets are counted, not fatal', () => {
  const rng = new Rng(7);
  const a = new CaptureAnalyzer({ msl: 500, keepSegments: () => true });
  const good = CLOSE.map(([, c, ctl, seq, ack, data]) => pkt(c, ctl, seq, ack, data));
  for (let i = 0; i < 5000; i++) {
    const base = good[rng.int(good.length)]!;
    const p = rng.int(4) === 0 ? rng.bytes(rng.int(80)) : base.slice(0, rng.int(base.length + 1));
    for (let k = rng.int(4); k > 0 && p.length > 0; k--) p[rng.int(p.length)] = rng.int(256);
    a.packet(i, p);
  }
  const r = a.finish();
  assert.equal(r.packets, 5000);
  assert.ok(r.undecodable > 0 && r.nonTcp > 0);
  for (const c of r.connections) connectionTrace(c);
});
