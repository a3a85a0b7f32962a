// Each named scenario runs on the simulator and its key facts hold.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenario, SCENARIO_NAMES, SCENARIOS, type ScenarioResult } from '../../src/scenarios/index.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { jsonEvents } from '../../src/trace/json.js';
import { ACK, FIN, RST, SYN } from '../../src/wire/segment.js';

type Sent = Extract<TraceEvent, { type: 'send' | 'recv' }>;
const sends = (r: { events: TraceEvent[] }, ep: string): Sent[] =>
  r.events.filter((e): e is Sent => e.type === 'send' && e.endpoint === ep);
const drops = (r: { events: TraceEvent[] }, ep: string) =>
  r.events.filter((e) => e.type === 'drop' && e.endpoint === ep);
const timers = (r: { events: TraceEvent[] }, ep: string, timer: string) =>
  r.events.filter((e) => e.type === 'timer' && e.endpoint === ep && e.timer === timer);

test('the scenario list: every name of the issue, close first', () => {
  assert.deepEqual(SCENARIO_NAMES, [
    'close',
    'half-close',
    'simultaneous-close',
    'lost-final-ack',
    'lost-fin',
    'old-duplicate',
    'keepalive',
    'abort',
    'fin-wait-2-timeout',
    'handshake',
    'simultaneous-open',
  ]);
  assert.throws(() => runScenario('nope'), /valid: close, half-close/);
});

test('close (the seed figure): states, order of closing, TIME-WAIT = 2×MSL, data in CLOSE-WAIT', () => {
  const r = runScenario('close');
  assert.equal(r.mslMs, 30_000);
  assert.deepEqual(r.facts.states.client, ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  assert.deepEqual(r.facts.states.server, ['ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
  const serverClosed = r.facts.closedAt.server!;
  const clientClosed = r.facts.closedAt.client!;
  assert.ok(serverClosed < clientClosed, 'server CLOSED before the client');
  assert.equal(clientClosed - r.facts.timeWaitAt.client!, 2 * r.mslMs);
  assert.equal(serverClosed, 190);
  assert.equal(clientClosed, 60_140);
  // The seed's figure: FIN seq=u; ACK ack=u+1; data and FIN from the server with ack=u+1; final ACK seq=u+1, ack=w+1.
  const c = sends(r, 'client');
  const s = sends(r, 'server');
  assert.deepEqual(
    c.map((e) => [e.t, e.seg.flags, e.relSeq, e.relAck]),
    [
      [0, FIN | ACK, 1, 1],
      [140, ACK, 2, 18],
    ],
  );
  assert.deepEqual(
    s.map((e) => [e.t, e.seg.flags & ~0x08, e.relSeq, e.relAck, e.seg.payload.length]),
    [
      [50, ACK, 1, 2, 0],
      [70, ACK, 1, 2, 16],
      [90, FIN | ACK, 17, 2, 0],
    ],
  );
  assert.equal(r.facts.extra.clientReceived, 'bye from server\n');
  assert.match(r.summary[0]!, /^server CLOSED at 190 ms, client CLOSED at 60,140 ms: TIME-WAIT lasted 60 s = 2×MSL/);
});

test('close with --msl 500: TIME-WAIT lasts exactly 1 s', () => {
  const r = runScenario('close', { msl: 500 });
  assert.equal(r.mslMs, 500);
  assert.equal(r.facts.closedAt.client! - r.facts.timeWaitAt.client!, 1000);
  const tw = timers(r, 'client', 'time-wait');
  assert.deepEqual(
    tw.map((e) => (e.type === 'timer' ? [e.t, e.action] : [])),
    [
      [140, 'armed'],
      [1140, 'fired'],
    ],
  );
});

test('half-close: the client keeps receiving after its FIN', () => {
  const r = runScenario('half-close');
  assert.deepEqual(r.facts.states.client, ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  assert.equal(r.facts.extra.clientReceivedBytes, 4000);
  assert.equal(r.facts.extra.serverReceived, 'GET /');
  const clientFin = sends(r, 'client').find((e) => e.seg.flags & FIN)!;
  const dataAfter = sends(r, 'server').filter((e) => e.t > clientFin.t && e.seg.payload.length > 0);
  assert.equal(
    dataAfter.reduce((n, e) => n + e.seg.payload.length, 0),
    4000,
  );
  assert.ok(r.facts.closedAt.server! < r.facts.closedAt.client!);
});

test('simultaneous-close: both sides through CLOSING, both wait 2×MSL', () => {
  const r = runScenario('simultaneous-close');
  for (const ep of ['client', 'server']) {
    assert.deepEqual(r.facts.states[ep], ['ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT', 'CLOSED']);
    assert.equal(r.facts.timeWaitAt[ep], 100);
    assert.equal(r.facts.closedAt[ep], 100 + 2 * r.mslMs);
  }
});

test('lost-final-ack: FIN retransmitted, re-ACKed, 2MSL restarted from the second ACK', () => {
  const r = runScenario('lost-final-ack');
  const lost = drops(r, 'client');
  assert.equal(lost.length, 1);
  assert.equal(lost[0]?.type === 'drop' && lost[0].reason, 'fault');
  const fins = sends(r, 'server').filter((e) => e.seg.flags & FIN);
  assert.deepEqual(
    fins.map((e) => [e.t, e.relSeq]),
    [
      [50, 1],
      [1050, 1],
    ],
  );
  const acks = sends(r, 'client').filter((e) => e.seg.flags === ACK);
  assert.deepEqual(
    acks.map((e) => [e.t, e.relAck]),
    [
      [100, 2],
      [1100, 2],
    ],
  );
  assert.equal(r.facts.closedAt.server, 1150);
  assert.equal(r.facts.timeWaitAt.client, 100);
  assert.equal(r.facts.closedAt.client, 1100 + 2 * r.mslMs);
  const armed = timers(r, 'client', 'time-wait').filter((e) => e.type === 'timer' && e.action === 'armed');
  assert.deepEqual(
    armed.map((e) => (e.type === 'timer' ? e.deadline : 0)),
    [100 + 60_000, 1100 + 60_000],
  );
});

test('lost-final-ack with MSL 0: TIME-WAIT is over when the FIN comes back, so it meets a RST', () => {
  const r = runScenario('lost-final-ack', { msl: 0 });
  assert.equal(r.facts.closedAt.client, 100);
  assert.equal(r.facts.extra.timeWaitRestartedAt, -1);
  const rst = sends(r, 'client').find((e) => e.seg.flags & RST);
  assert.equal(rst?.t, 1100);
  assert.equal(r.facts.closedAt.server, 1150);
  assert.match(r.summary[1]!, /answered with a RST at 1,100 ms/);
});

test("lost-fin: the client's FIN is lost, retransmitted after the RTO", () => {
  const r = runScenario('lost-fin');
  const fins = sends(r, 'client').filter((e) => e.seg.flags & FIN);
  assert.deepEqual(
    fins.map((e) => [e.t, e.relSeq]),
    [
      [0, 1],
      [1000, 1],
    ],
  );
  assert.equal(drops(r, 'client').length, 1);
  assert.deepEqual(r.facts.states.client, ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED']);
  assert.equal(r.facts.closedAt.client, 1100 + 2 * r.mslMs);
});

test('old-duplicate: rejected under TIME-WAIT, accepted as new data without it', () => {
  const r = runScenario('old-duplicate');
  assert.equal(r.runs.length, 2);
  const [guarded, open] = r.runs as [ScenarioResult['runs'][0], ScenarioResult['runs'][0]];
  assert.equal(guarded.mslMs, 30_000);
  assert.equal(open.mslMs, 0);
  // Protected: reuse refused, the copy answered by TIME-WAIT and not accepted, no old byte read.
  assert.equal(guarded.facts.extra.reconnectRefused, 'EADDRINUSE');
  assert.ok(guarded.events.some((e) => e.type === 'drop' && e.endpoint === 'client' && e.reason === 'time-wait-old'));
  assert.equal(guarded.facts.extra.oldBytesAccepted, 0);
  assert.equal(guarded.facts.extra.oldSegmentAccepted, false);
  assert.equal(guarded.facts.extra.receivedBytes, 8000);
  assert.equal(guarded.facts.closedAt.client! - guarded.facts.timeWaitAt.client!, 60_000);
  // Unprotected: the client reopened at once and read incarnation-1 bytes in incarnation 2.
  assert.equal(open.facts.closedAt.client, open.facts.timeWaitAt.client);
  assert.ok((open.facts.extra.oldBytesAccepted as number) > 0);
  // 1420 (was 920): incarnation 1 now ends 200 ms sooner (reads no longer force an ACK per
  // segment and Minshall's Nagle sends the 700-byte tail at once), so incarnation 2's ISN lies
  // closer and the old copy lands further into the new window.
  assert.equal(open.facts.extra.oldBytesAccepted, 1420);
  assert.equal(open.facts.extra.oldSegmentAccepted, true);
  assert.deepEqual(open.facts.states.client?.slice(-3), ['CLOSED', 'SYN-SENT', 'ESTABLISHED']);
});

test('keepalive: 2 h idle, 10 probes 75 s apart, then ETIMEDOUT', () => {
  const r = runScenario('keepalive');
  const idleFrom = r.facts.extra.idleFrom as number;
  assert.equal(idleFrom, 150);
  const probes = sends(r, 'server').filter((e) => e.t > idleFrom && e.seg.flags === ACK);
  assert.deepEqual(
    probes.map((e) => e.t),
    Array.from({ length: 10 }, (_, k) => idleFrom + 2 * 3_600_000 + k * 75_000),
  );
  for (const p of probes) assert.equal(p.relSeq, 0); // SND.NXT - 1
  assert.ok(drops(r, 'server').every((e) => e.type === 'drop' && e.reason === 'partition'));
  assert.deepEqual(r.facts.errors.server, ['ETIMEDOUT']);
  assert.equal(r.facts.closedAt.server, idleFrom + 2 * 3_600_000 + 10 * 75_000);
  assert.deepEqual(r.facts.states.client, ['CLOSED', 'SYN-SENT', 'ESTABLISHED']);
});

test('abort: RST, no TIME-WAIT, ECONNRESET at the server', () => {
  const r = runScenario('abort');
  const rst = sends(r, 'client').find((e) => e.seg.flags & RST);
  assert.equal(rst?.t, 20);
  assert.deepEqual(r.facts.states.client, ['ESTABLISHED', 'CLOSED']);
  assert.equal(r.facts.closedAt.client, 20);
  assert.equal(r.facts.timeWaitAt.client, undefined);
  assert.deepEqual(r.facts.errors.server, ['ECONNRESET']);
  assert.equal(r.facts.closedAt.server, 70);
});

test('fin-wait-2-timeout: the client leaves FIN-WAIT-2 after 60 s; the late FIN gets a RST', () => {
  const r = runScenario('fin-wait-2-timeout');
  assert.deepEqual(r.facts.states.client, ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSED']);
  assert.equal(r.facts.closedAt.client, 100 + 60_000);
  const late = sends(r, 'server').find((e) => e.seg.flags & FIN);
  assert.equal(late?.t, 90_000);
  const reset = sends(r, 'client').find((e) => e.seg.flags & RST);
  assert.equal(reset?.t, 90_050);
  assert.equal(r.facts.closedAt.server, 90_100);
});

test('handshake: SYN, SYN-ACK, ACK; ESTABLISHED after one and one and a half round trips', () => {
  const r = runScenario('handshake');
  const c = sends(r, 'client');
  const s = sends(r, 'server');
  assert.deepEqual([c[0]?.t, c[0]?.seg.flags, c[0]?.relSeq], [0, SYN, 0]);
  assert.deepEqual([s[0]?.t, s[0]?.seg.flags, s[0]?.relSeq, s[0]?.relAck], [50, SYN | ACK, 0, 1]);
  assert.deepEqual([c[1]?.t, c[1]?.seg.flags, c[1]?.relSeq, c[1]?.relAck], [100, ACK, 1, 1]);
  assert.deepEqual(r.facts.states.client, ['CLOSED', 'SYN-SENT', 'ESTABLISHED']);
  assert.deepEqual(r.facts.states.server?.slice(-2), ['SYN-RECEIVED', 'ESTABLISHED']);
});

test('simultaneous-open: crossing SYNs, SYN-RECEIVED on both sides, one connection', () => {
  const r = runScenario('simultaneous-open');
  for (const ep of ['client', 'server']) {
    assert.deepEqual(r.facts.states[ep], ['CLOSED', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED']);
    assert.deepEqual(
      sends(r, ep).map((e) => [e.t, e.seg.flags]),
      [
        [0, SYN],
        [50, SYN | ACK],
      ],
    );
  }
});

test('every scenario is deterministic for a seed and has a description and a summary', () => {
  for (const def of SCENARIOS) {
    const a = def.run({ seed: 3 });
    const b = def.run({ seed: 3 });
    assert.deepEqual(jsonEvents(a.events), jsonEvents(b.events), def.name);
    assert.ok(a.description.length > 40, def.name);
    assert.ok(a.summary.length > 0, def.name);
    assert.equal(a.name, def.name);
    assert.deepEqual(a.lanes, ['client', 'server']);
  }
});

test('opts.trace receives every event as it happens', () => {
  const seen: TraceEvent[] = [];
  const r = runScenario('close', { trace: (e) => seen.push(e) });
  assert.ok(seen.length > r.events.length); // the handshake is seen too
  assert.deepEqual(
    seen.slice(-r.events.length).map((e) => e.type),
    r.events.map((e) => e.type),
  );
});
