// The observer on hand-built packet sequences: each case of the close (and the rest of a
// connection's life) with the state timelines asserted exactly. Times are ms; the client is
// 192.0.2.1:40000, the server 192.0.2.2:80, ISNs C and S (the server's near the 32-bit wrap).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCaptureBytes } from '../../src/analyze/analyze.js';
import { CaptureAnalyzer } from '../../src/analyze/observer.js';
import type { AnalyzeOptions, ConnectionReport } from '../../src/analyze/report.js';
import { PcapWriter } from '../../src/trace/pcap.js';
import { encodePacket } from '../../src/wire/ip.js';
import { makeSegment, parseCtl } from '../../src/wire/segment.js';

const CA = '192.0.2.1';
const SA = '192.0.2.2';
const CP = 40000;
const SP = 80;
const C = 1000;
const S = 0xffffff00;
const MSL = 1000;

/** [t, sender, ctl, seq relative to the sender's ISN, ack relative to the receiver's ISN, data bytes]. */
type Step = [number, 'c' | 's', string, number, number, number?];

function packet([, who, ctlText, rseq, rack, data = 0]: Step): Uint8Array {
  const fromClient = who === 'c';
  const flags = parseCtl(ctlText);
  const seg = makeSegment({
    srcPort: fromClient ? CP : SP,
    dstPort: fromClient ? SP : CP,
    seq: ((fromClient ? C : S) + rseq) >>> 0,
    ack: flags & 0x10 ? ((fromClient ? S : C) + rack) >>> 0 : 0,
    flags,
    wnd: 1000,
    payload: new Uint8Array(data).fill(0x61),
  });
  return encodePacket({ src: fromClient ? CA : SA, dst: fromClient ? SA : CA, seg });
}

function analyze(steps: readonly Step[], opts: AnalyzeOptions = {}): ConnectionReport[] {
  const a = new CaptureAnalyzer({ msl: MSL, ...opts });
  for (const s of steps) a.packet(s[0], packet(s));
  return a.finish().connections;
}

function one(steps: readonly Step[]): ConnectionReport {
  const conns = analyze(steps);
  assert.equal(conns.length, 1);
  return conns[0]!;
}

/** 'SYN-SENT@0 ESTABLISHED@10 ...' */
function tl(c: ConnectionReport, side: 'client' | 'server'): string {
  return c.states[side].map((p) => `${p.state}@${p.t}`).join(' ');
}

const HANDSHAKE: Step[] = [
  [0, 'c', 'SYN', 0, 0],
  [10, 's', 'SYN,ACK', 0, 1],
  [20, 'c', 'ACK', 1, 1],
];

test('four-way close, client first: TIME-WAIT on the client for 2MSL after the FIN it received', () => {
  const c = one([
    ...HANDSHAKE,
    [30, 'c', 'PSH,ACK', 1, 1, 100],
    [40, 's', 'ACK', 1, 101],
    [100, 'c', 'FIN,ACK', 101, 1],
    [110, 's', 'ACK', 1, 102],
    [200, 's', 'FIN,ACK', 1, 102],
    [210, 'c', 'ACK', 102, 2],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@200 CLOSED@2200');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@200 CLOSED@210');
  assert.deepEqual(
    { kind: c.closeKind, first: c.closedFirstBy, tw: c.timeWaitSide, bytes: c.bytes, half: c.halfClose },
    { kind: 'four-way', first: 'client', tw: 'client', bytes: { client: 100, server: 0 }, half: undefined },
  );
  assert.deepEqual(c.findings, []);
  assert.equal(c.client, '192.0.2.1:40000');
  assert.equal(c.server, '192.0.2.2:80');
});

test('server closes first: the roles swap, TIME-WAIT on the server', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 's', 'FIN,ACK', 1, 1],
    [110, 'c', 'ACK', 1, 2],
    [120, 'c', 'FIN,ACK', 1, 2],
    [130, 's', 'ACK', 2, 2],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 CLOSE-WAIT@100 LAST-ACK@120 CLOSED@130');
  assert.equal(
    tl(c, 'server'),
    'SYN-RECEIVED@0 ESTABLISHED@20 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@120 CLOSED@2120',
  );
  assert.deepEqual([c.closeKind, c.closedFirstBy, c.timeWaitSide], ['four-way', 'server', 'server']);
});

test('three-way close: the passive side ACKs the FIN and sends its own in one segment', () => {
  const c = one([...HANDSHAKE, [100, 'c', 'FIN,ACK', 1, 1], [110, 's', 'FIN,ACK', 1, 2], [120, 'c', 'ACK', 2, 2]]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@110 CLOSED@2110');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@110 CLOSED@120');
  assert.deepEqual([c.closeKind, c.closedFirstBy, c.timeWaitSide], ['three-way', 'client', 'client']);
});

test('FIN with data: the bytes count, the FIN is the sequence number after them', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,PSH,ACK', 1, 1, 50],
    [110, 's', 'ACK', 1, 52],
    [120, 's', 'FIN,ACK', 1, 52],
    [130, 'c', 'ACK', 52, 2],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@120 CLOSED@2120');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@120 CLOSED@130');
  assert.deepEqual(c.bytes, { client: 50, server: 0 });
  assert.equal(c.closeKind, 'four-way');
});

test('an ACK of data only (not of the FIN) leaves the closer in FIN-WAIT-1', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,PSH,ACK', 1, 1, 50],
    [110, 's', 'ACK', 1, 51],
    [120, 's', 'ACK', 1, 52],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@120');
  assert.ok(c.findings.includes('fin-wait-2-at-end') && c.findings.includes('close-wait-at-end'));
});

test('simultaneous close: the FINs cross, both go through CLOSING to TIME-WAIT', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [101, 's', 'FIN,ACK', 1, 1],
    [110, 'c', 'ACK', 2, 2],
    [111, 's', 'ACK', 2, 2],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 CLOSING@101 TIME-WAIT@111 CLOSED@2111');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 FIN-WAIT-1@101 CLOSING@101 TIME-WAIT@110 CLOSED@2110');
  assert.deepEqual([c.closeKind, c.closedFirstBy, c.timeWaitSide], ['simultaneous', 'client', 'both']);
  assert.ok(c.findings.includes('simultaneous-close'));
  assert.equal(c.halfClose, undefined);
});

test('simultaneous open: both SYNs cross, SYN-SENT -> SYN-RECEIVED -> ESTABLISHED on both sides', () => {
  const c = one([
    [0, 'c', 'SYN', 0, 0],
    [1, 's', 'SYN', 0, 0],
    [10, 'c', 'SYN,ACK', 0, 1],
    [11, 's', 'SYN,ACK', 0, 1],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 SYN-RECEIVED@1 ESTABLISHED@11');
  assert.equal(tl(c, 'server'), 'SYN-SENT@1 SYN-RECEIVED@1 ESTABLISHED@10');
  assert.ok(c.findings.includes('simultaneous-open'));
  assert.equal(c.closeKind, 'incomplete');
});

test('half-close: the server sends 3000 bytes after the client FIN; duration and bytes', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'ACK', 1, 2],
    [120, 's', 'ACK', 1, 2, 1000],
    [121, 's', 'ACK', 1001, 2, 1000],
    [130, 'c', 'ACK', 2, 2001],
    [140, 's', 'PSH,ACK', 2001, 2, 1000],
    [150, 'c', 'ACK', 2, 3001],
    [400, 's', 'FIN,ACK', 3001, 2],
    [410, 'c', 'ACK', 2, 3002],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@400 CLOSED@2400');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@400 CLOSED@410');
  assert.deepEqual(c.halfClose, { by: 'client', ms: 300, bytes: 3000 });
  assert.deepEqual(c.findings, ['half-close-data']);
  assert.deepEqual(c.bytes, { client: 0, server: 3000 });
  const e = c.evidence.find((x) => x.finding === 'half-close-data');
  assert.deepEqual([e?.side, e?.t], ['server', 100]);
});

// RST in every state: who sends it, in which state, and what each side goes through.
const RST_CASES: { name: string; steps: Step[]; client: string; server: string; kind: string }[] = [
  {
    name: 'SYN-SENT (connection refused)',
    steps: [
      [0, 'c', 'SYN', 0, 0],
      [10, 's', 'RST,ACK', 0, 1],
    ],
    client: 'SYN-SENT@0 CLOSED@10',
    server: '',
    kind: 'reset',
  },
  {
    // A bare RST answering the SYN,ACK: the client's host has no connection any more.
    name: 'SYN-RECEIVED (the client answers the SYN,ACK with a RST)',
    steps: [
      [0, 'c', 'SYN', 0, 0],
      [10, 's', 'SYN,ACK', 0, 1],
      [20, 'c', 'RST', 1, 0],
    ],
    client: 'SYN-SENT@0 CLOSED@20',
    server: 'SYN-RECEIVED@0 CLOSED@20',
    kind: 'reset',
  },
  {
    name: 'ESTABLISHED',
    steps: [...HANDSHAKE, [100, 's', 'RST,ACK', 1, 1]],
    client: 'SYN-SENT@0 ESTABLISHED@10 CLOSED@100',
    server: 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSED@100',
    kind: 'reset',
  },
  {
    name: 'FIN-WAIT-1 and CLOSE-WAIT',
    steps: [...HANDSHAKE, [100, 'c', 'FIN,ACK', 1, 1], [110, 's', 'RST,ACK', 1, 2]],
    client: 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 CLOSED@110',
    server: 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 CLOSED@110',
    kind: 'reset',
  },
  {
    name: 'FIN-WAIT-2 (the closer aborts)',
    steps: [...HANDSHAKE, [100, 'c', 'FIN,ACK', 1, 1], [110, 's', 'ACK', 1, 2], [200, 'c', 'RST,ACK', 2, 1]],
    client: 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 CLOSED@200',
    server: 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 CLOSED@200',
    kind: 'reset',
  },
  {
    // The client's host answers the FIN with a bare RST: its connection was gone.
    name: 'LAST-ACK',
    steps: [
      ...HANDSHAKE,
      [100, 'c', 'FIN,ACK', 1, 1],
      [105, 's', 'ACK', 1, 2],
      [110, 's', 'FIN,ACK', 1, 2],
      [120, 'c', 'RST', 2, 0],
    ],
    client: 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@105 CLOSED@110',
    server: 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@110 CLOSED@120',
    kind: 'reset',
  },
  {
    name: 'CLOSING',
    steps: [...HANDSHAKE, [100, 'c', 'FIN,ACK', 1, 1], [101, 's', 'FIN,ACK', 1, 1], [110, 's', 'RST,ACK', 2, 2]],
    client: 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 CLOSING@101 CLOSED@110',
    server: 'SYN-RECEIVED@0 ESTABLISHED@20 FIN-WAIT-1@101 CLOSING@101 CLOSED@110',
    kind: 'reset',
  },
];

for (const k of RST_CASES) {
  test(`RST in ${k.name}`, () => {
    const c = one(k.steps);
    assert.equal(tl(c, 'client'), k.client);
    assert.equal(tl(c, 'server'), k.server);
    assert.equal(c.closeKind, k.kind);
    if (k.kind === 'reset') assert.ok(c.findings.includes(k.server === '' ? 'connection-refused' : 'rst-close'));
    assert.equal(c.timeWaitSide, null);
  });
}

test('RST in TIME-WAIT: kept in TIME-WAIT (RFC 1337), said so', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'FIN,ACK', 1, 2],
    [120, 'c', 'ACK', 2, 2],
    [130, 's', 'RST', 2, 0],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@110 CLOSED@2110');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@110 CLOSED@120');
  assert.ok(c.findings.includes('rst-in-time-wait'));
  assert.equal(c.closeKind, 'three-way');
});

test('retransmitted SYN: received at the copy the SYN,ACK answers', () => {
  const c = one([
    [0, 'c', 'SYN', 0, 0],
    [1000, 'c', 'SYN', 0, 0],
    [1010, 's', 'SYN,ACK', 0, 1],
    [1020, 'c', 'ACK', 1, 1],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@1010');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@1000 ESTABLISHED@1020');
  assert.ok(c.findings.includes('syn-retransmitted'));
});

test('lost FIN: retransmitted, received at the copy the ACK answers', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [400, 'c', 'FIN,ACK', 1, 1],
    [410, 's', 'ACK', 1, 2],
    [420, 's', 'FIN,ACK', 1, 2],
    [430, 'c', 'ACK', 2, 2],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@410 TIME-WAIT@420 CLOSED@2420');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@400 LAST-ACK@420 CLOSED@430');
  assert.deepEqual(c.findings, ['fin-retransmitted']);
  assert.ok(c.evidence.some((e) => e.finding === 'uncertain' && /copy 2/.test(e.text)));
});

test('lost final ACK: the LAST-ACK side sends its FIN again, the TIME-WAIT side ACKs again and restarts 2MSL', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'ACK', 1, 2],
    [200, 's', 'FIN,ACK', 1, 2],
    [210, 'c', 'ACK', 2, 2],
    [500, 's', 'FIN,ACK', 1, 2],
    [510, 'c', 'ACK', 2, 2],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@200 CLOSED@2500');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@200 CLOSED@510');
  assert.deepEqual(c.findings.sort(), ['fin-retransmitted', 'final-ack-lost']);
  const lost = c.evidence.find((e) => e.finding === 'final-ack-lost');
  assert.deepEqual([lost?.side, lost?.t], ['client', 210]);
  assert.equal(c.closeKind, 'four-way');
});

test('keepalive probes after an idle stretch, each answered: probes found, no timeout', () => {
  const c = one([
    ...HANDSHAKE,
    [2000, 'c', 'ACK', 0, 1],
    [2001, 's', 'ACK', 1, 1],
    [3000, 'c', 'ACK', 0, 1],
    [3001, 's', 'ACK', 1, 1],
    [3500, 'c', 'FIN,ACK', 1, 1],
    [3510, 's', 'FIN,ACK', 1, 2],
    [3520, 'c', 'ACK', 2, 2],
  ]);
  assert.deepEqual(c.findings, ['keepalive-probes']);
  const e = c.evidence.find((x) => x.finding === 'keepalive-probes');
  assert.deepEqual([e?.side, e?.t], ['client', 2000]);
  assert.match(e!.text, /2 keepalive probes.*2 answered/);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@3500 FIN-WAIT-2@3510 TIME-WAIT@3510 CLOSED@5510');
  assert.deepEqual(c.bytes, { client: 0, server: 0 });
});

test('a probe carrying one old byte is a probe, and its byte is not counted again', () => {
  const c = one([
    ...HANDSHAKE,
    [30, 'c', 'ACK', 1, 1, 10],
    [40, 's', 'ACK', 1, 11],
    [2000, 'c', 'ACK', 10, 1, 1],
    [2001, 's', 'ACK', 1, 11],
  ]);
  assert.deepEqual(c.findings, ['keepalive-probes']);
  assert.deepEqual(c.bytes, { client: 10, server: 0 });
});

test('the same segment into a zero window is a window probe, not keepalive', () => {
  const zero = packet([40, 's', 'ACK', 1, 11]);
  zero[20 + 14] = 0;
  zero[20 + 15] = 0;
  const a = new CaptureAnalyzer({ msl: MSL });
  for (const s of [...HANDSHAKE, [30, 'c', 'ACK', 1, 1, 10] as Step]) a.packet(s[0], packet(s));
  a.packet(40, zero);
  a.packet(2000, packet([2000, 'c', 'ACK', 10, 11]));
  const [c] = a.finish().connections;
  assert.ok(!c!.findings.includes('keepalive-probes'), c!.findings.join(', '));
});

test('keepalive timeout: unanswered probes, then the prober resets; the silent peer is left as it was', () => {
  const steps: Step[] = [...HANDSHAKE];
  for (let i = 0; i < 4; i++) steps.push([2000 + i * 1000, 's', 'ACK', 0, 1]);
  steps.push([6000, 's', 'RST,ACK', 1, 1]);
  const c = one(steps);
  assert.deepEqual(c.findings.sort(), ['keepalive-probes', 'keepalive-timeout', 'rst-close']);
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSED@6000');
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10');
  assert.ok(c.evidence.some((e) => e.finding === 'uncertain' && e.side === 'client' && /never receive/.test(e.text)));
  assert.equal(c.closeKind, 'reset');
});

test('keepalive timeout at the end of the capture: probes unanswered, no RST yet', () => {
  const steps: Step[] = [...HANDSHAKE];
  for (let i = 0; i < 3; i++) steps.push([2000 + i * 1000, 'c', 'ACK', 0, 1]);
  const c = one(steps);
  assert.deepEqual(c.findings.sort(), ['keepalive-probes', 'keepalive-timeout']);
  assert.equal(c.closeKind, 'incomplete');
});

test('states at the end of the capture: CLOSE-WAIT and FIN-WAIT-2', () => {
  const c = one([...HANDSHAKE, [100, 'c', 'FIN,ACK', 1, 1], [110, 's', 'ACK', 1, 2]]);
  assert.deepEqual(c.findings.sort(), ['close-wait-at-end', 'fin-wait-2-at-end']);
  assert.equal(c.evidence.find((e) => e.finding === 'close-wait-at-end')?.side, 'server');
  assert.equal(c.evidence.find((e) => e.finding === 'fin-wait-2-at-end')?.side, 'client');
  assert.equal(c.closeKind, 'incomplete');
});

test('a FIN-WAIT-2 side that answers the late FIN with a bare RST had timed out (60 s)', () => {
  const c = one([
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'ACK', 1, 2],
    [90_000, 's', 'FIN,ACK', 1, 2],
    [90_010, 'c', 'RST', 2, 0],
  ]);
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 CLOSED@60110');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20 CLOSE-WAIT@100 LAST-ACK@90000 CLOSED@90010');
  assert.ok(c.findings.includes('fin-wait-2-timeout'));
  assert.equal(c.closeKind, 'reset');
});

test('no handshake in the capture: ESTABLISHED inferred, the higher port is the client, said so', () => {
  const a = new CaptureAnalyzer({ msl: MSL });
  // The "server" of this capture sends first; the client is still the side with the higher port.
  a.packet(5, packet([5, 's', 'ACK', 1, 1, 10]));
  a.packet(6, packet([6, 'c', 'ACK', 1, 11]));
  a.packet(7, packet([7, 'c', 'FIN,ACK', 1, 11]));
  a.packet(8, packet([8, 's', 'FIN,ACK', 11, 2]));
  a.packet(9, packet([9, 'c', 'ACK', 2, 12]));
  const [c] = a.finish().connections;
  assert.equal(c!.client, '192.0.2.1:40000');
  assert.equal(tl(c!, 'client'), 'ESTABLISHED@5 FIN-WAIT-1@7 FIN-WAIT-2@8 TIME-WAIT@8 CLOSED@2008');
  assert.equal(tl(c!, 'server'), 'ESTABLISHED@5 CLOSE-WAIT@7 LAST-ACK@8 CLOSED@9');
  assert.ok(c!.findings.includes('no-handshake'));
  assert.equal(c!.closeKind, 'three-way');
  assert.deepEqual(c!.bytes, { client: 0, server: 10 });
});

test('a missing segment: the peer acknowledges data never captured', () => {
  const c = one([...HANDSHAKE, [30, 'c', 'ACK', 1, 1, 100], [40, 's', 'ACK', 1, 301]]);
  assert.ok(c.findings.includes('capture-gap'));
  assert.equal(c.evidence.find((e) => e.finding === 'capture-gap')?.side, 'client');
});

test('a new SYN on a finished tuple starts a new connection', () => {
  const first: Step[] = [
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'FIN,ACK', 1, 2],
    [120, 'c', 'ACK', 2, 2],
  ];
  const conns = analyze([
    ...first,
    [200, 'c', 'SYN', 5000, 0],
    [210, 's', 'SYN,ACK', 7000, 5001],
    [220, 'c', 'ACK', 5001, 7001],
  ]);
  assert.equal(conns.length, 2);
  assert.equal(conns[0]!.closeKind, 'three-way');
  // The client's TIME-WAIT ends where the new incarnation begins, not 2MSL later.
  assert.equal(
    tl(conns[0]!, 'client'),
    'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@110 CLOSED@200',
  );
  assert.equal(tl(conns[1]!, 'client'), 'SYN-SENT@200 ESTABLISHED@210');
  assert.deepEqual(
    conns.map((c) => c.index),
    [1, 2],
  );
});

test('streaming: a finished connection is reported once 2MSL has passed, held and maxHeld count what is kept', () => {
  const seen: number[] = [];
  const a = new CaptureAnalyzer({ msl: MSL, onConnection: (c) => seen.push(c.index) });
  const close: Step[] = [
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'FIN,ACK', 1, 2],
    [120, 'c', 'ACK', 2, 2],
  ];
  for (const s of close) a.packet(s[0], packet(s));
  assert.deepEqual([a.held, a.lingering, seen.length], [1, 1, 0]);
  // A packet of another connection after 2MSL lets the first go.
  const other = encodePacket({
    src: '192.0.2.3',
    dst: SA,
    seg: makeSegment({ srcPort: 41000, dstPort: SP, seq: 1, flags: parseCtl('SYN') }),
  });
  a.packet(2121, other);
  assert.deepEqual(seen, [1]);
  assert.deepEqual([a.held, a.lingering, a.maxHeld], [1, 0, 1]);
  const r = a.finish();
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(
    r.connections.map((c) => c.index),
    [2],
  );
});

test('streaming: maxLingering bounds the finished connections waiting for 2MSL', () => {
  const seen: number[] = [];
  const a = new CaptureAnalyzer({ msl: MSL, maxLingering: 2, onConnection: (c) => seen.push(c.index) });
  for (let i = 0; i < 10; i++) {
    const port = 42000 + i;
    const t = i * 10;
    const p = (ctl: string, fromClient: boolean, seq: number, ack: number): Uint8Array =>
      encodePacket({
        src: fromClient ? CA : SA,
        dst: fromClient ? SA : CA,
        seg: makeSegment({
          srcPort: fromClient ? port : SP,
          dstPort: fromClient ? SP : port,
          seq,
          ack,
          flags: parseCtl(ctl),
        }),
      });
    a.packet(t, p('SYN', true, 100, 0));
    a.packet(t + 1, p('SYN,ACK', false, 500, 101));
    a.packet(t + 2, p('RST', true, 101, 0));
    assert.ok(a.held <= 3, `held ${a.held}`);
  }
  assert.ok(a.maxHeld <= 3);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
  a.finish();
  assert.equal(seen.length, 10);
});

test('checksums are not verified (offload), IPv6 works, non-TCP and broken packets are counted', () => {
  const a = new CaptureAnalyzer({ msl: MSL });
  const syn = packet([0, 'c', 'SYN', 0, 0]);
  syn[20 + 16] = (syn[20 + 16]! + 1) & 0xff; // TCP checksum wrong, as a sending host captures it
  a.packet(0, syn);
  const v6 = encodePacket({
    src: '2001:db8::1',
    dst: '2001:db8::2',
    seg: makeSegment({ srcPort: 50000, dstPort: 443, seq: 7, flags: parseCtl('SYN') }),
  });
  a.packet(1, v6);
  const udp = packet([2, 'c', 'ACK', 0, 0]);
  udp[9] = 17;
  a.packet(2, udp);
  a.packet(3, new Uint8Array([0x45, 0, 0]));
  const r = a.finish();
  assert.deepEqual([r.packets, r.nonTcp, r.undecodable, r.start, r.end], [4, 1, 1, 0, 3]);
  assert.deepEqual(
    r.connections.map((c) => [c.client, c.server, tl(c, 'client')]),
    [
      ['192.0.2.1:40000', '192.0.2.2:80', 'SYN-SENT@0'],
      ['[2001:db8::1]:50000', '[2001:db8::2]:443', 'SYN-SENT@1'],
    ],
  );
});

test('streaming: a FIN retransmitted while a finished connection lingers lands in it and extends the wait', () => {
  const seen: ConnectionReport[] = [];
  const a = new CaptureAnalyzer({ msl: MSL, onConnection: (c) => seen.push(c) });
  const steps: Step[] = [
    ...HANDSHAKE,
    [100, 'c', 'FIN,ACK', 1, 1],
    [110, 's', 'FIN,ACK', 1, 2],
    [120, 'c', 'ACK', 2, 2],
    [1500, 's', 'FIN,ACK', 1, 2],
    [1510, 'c', 'ACK', 2, 2],
  ];
  const other = (t: number, port: number): void =>
    a.packet(
      t,
      encodePacket({
        src: '192.0.2.3',
        dst: SA,
        seg: makeSegment({ srcPort: port, dstPort: SP, seq: 1, flags: parseCtl('SYN') }),
      }),
    );
  for (const s of steps) a.packet(s[0], packet(s));
  other(2200, 41001);
  assert.equal(seen.length, 0);
  other(3600, 41002);
  assert.deepEqual(
    seen.map((c) => c.index),
    [1],
  );
  assert.ok(seen[0]!.findings.includes('final-ack-lost'));
  assert.equal(
    tl(seen[0]!, 'client'),
    'SYN-SENT@0 ESTABLISHED@10 FIN-WAIT-1@100 FIN-WAIT-2@110 TIME-WAIT@110 CLOSED@3500',
  );
});

test('a tuple with only RST segments: no state is made up for it', () => {
  const c = one([[500, 'c', 'RST', 7, 0]]);
  assert.deepEqual(c.states, { client: [], server: [] });
  assert.deepEqual([c.closeKind, c.closedFirstBy, c.timeWaitSide], ['incomplete', null, null]);
  assert.ok(c.evidence.some((e) => e.finding === 'uncertain' && /only RST/.test(e.text)));
});

test('data retransmitted is counted once and changes no state', () => {
  const c = one([
    ...HANDSHAKE,
    [30, 'c', 'PSH,ACK', 1, 1, 100],
    [330, 'c', 'PSH,ACK', 1, 1, 100],
    [340, 's', 'ACK', 1, 101],
    [350, 's', 'PSH,ACK', 1, 101, 20],
    [360, 'c', 'ACK', 101, 21],
  ]);
  assert.deepEqual(c.bytes, { client: 100, server: 20 });
  assert.equal(tl(c, 'client'), 'SYN-SENT@0 ESTABLISHED@10');
  assert.equal(tl(c, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@20');
  assert.deepEqual(c.findings, []);
});

test('analyzeCaptureBytes: an IPv6 close in a raw-IP pcap', () => {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((b) => chunks.push(b));
  const seg = (fromClient: boolean, ctl: string, seq: number, ack: number) =>
    encodePacket({
      src: fromClient ? '2001:db8::1' : '2001:db8::2',
      dst: fromClient ? '2001:db8::2' : '2001:db8::1',
      seg: makeSegment({
        srcPort: fromClient ? 50000 : 443,
        dstPort: fromClient ? 443 : 50000,
        seq,
        ack,
        flags: parseCtl(ctl),
      }),
    });
  w.write(0, seg(true, 'SYN', 10, 0));
  w.write(1, seg(false, 'SYN,ACK', 90, 11));
  w.write(2, seg(true, 'ACK', 11, 91));
  w.write(3, seg(false, 'FIN,ACK', 91, 11));
  w.write(4, seg(true, 'FIN,ACK', 11, 92));
  w.write(5, seg(false, 'ACK', 92, 12));
  const r = analyzeCaptureBytes(Buffer.concat(chunks), { msl: MSL });
  assert.equal(r.error, undefined);
  const [c] = r.connections;
  assert.deepEqual(
    [c!.client, c!.server, c!.closeKind, c!.closedFirstBy, c!.timeWaitSide],
    ['[2001:db8::1]:50000', '[2001:db8::2]:443', 'three-way', 'server', 'server'],
  );
  assert.equal(tl(c!, 'server'), 'SYN-RECEIVED@0 ESTABLISHED@2 FIN-WAIT-1@3 FIN-WAIT-2@4 TIME-WAIT@4 CLOSED@2004');
});

test('analyzeCaptureBytes: frames without an IP packet (ARP on Ethernet) count as not TCP', () => {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((b) => chunks.push(b), { linktype: 1 });
  const arp = new Uint8Array(42);
  arp[12] = 0x08;
  arp[13] = 0x06;
  w.write(0, arp);
  const eth = new Uint8Array(14 + 40);
  eth[12] = 0x08;
  eth[13] = 0x00;
  eth.set(packet([1, 'c', 'SYN', 0, 0]), 14);
  w.write(1, eth);
  const r = analyzeCaptureBytes(Buffer.concat(chunks), { msl: MSL });
  assert.deepEqual([r.packets, r.nonTcp, r.undecodable, r.connections.length], [2, 1, 0, 1]);
  assert.equal(tl(r.connections[0]!, 'client'), 'SYN-SENT@1');
});
