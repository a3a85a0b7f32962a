// The document finack grew from (../shared/seed/, on TCP connection release) makes a series of
// claims. Each test here checks one of them on finack itself, in virtual time, with exact values.
// The document's letters are used throughout: the active closer's FIN has seq = u, the passive
// closer's ACK of it has seq = v, and the passive closer's FIN has seq = w.

import assert from 'node:assert/strict';
import test from 'node:test';
import { UsageError } from '../src/base/errors.js';
import { HOUR, SECOND } from '../src/core/time.js';
import { runScenario } from '../src/scenarios/index.js';
import { matchers, type SimConn, type SimHost, SimNetwork } from '../src/sim/index.js';
import type { TraceEvent } from '../src/trace/events.js';
import { ACK, FIN, flagNames, type Segment, SYN } from '../src/wire/segment.js';
import { seqAdd } from '../src/wire/seq.js';

const LATENCY = 10;
const MSL = 30 * SECOND; // the default: TIME-WAIT lasts 60 s

interface World {
  sim: SimNetwork;
  trace: TraceEvent[];
  client: SimHost;
  server: SimHost;
  c: SimConn;
  s: SimConn;
}

/** Client 192.0.2.1 connects to server 192.0.2.2:80; returns once both sides are ESTABLISHED. */
function established(opts: { seed?: number; msl?: number; serverKeepalive?: boolean } = {}): World {
  const trace: TraceEvent[] = [];
  const config = opts.msl === undefined ? {} : { msl: opts.msl };
  const sim = new SimNetwork({ seed: opts.seed ?? 7, link: { latency: LATENCY }, config, trace: (e) => trace.push(e) });
  const client = sim.host('192.0.2.1', { name: 'client' });
  const server = sim.host('192.0.2.2', { name: 'server', config: { keepalive: opts.serverKeepalive ?? false } });
  const listener = server.listen(80);
  const c = client.connect({ addr: '192.0.2.2', port: 80 });
  sim.runFor(3 * LATENCY);
  const s = listener.accepted[0];
  assert.ok(s, 'the server accepted the connection');
  assert.equal(c.state, 'ESTABLISHED');
  assert.equal(s.state, 'ESTABLISHED');
  return { sim, trace, client, server, c, s };
}

function states(trace: TraceEvent[], endpoint: string): string[] {
  const out: string[] = [];
  for (const e of trace) {
    if (e.type !== 'state' || e.endpoint !== endpoint) continue;
    if (out.length === 0) out.push(e.from);
    out.push(e.to);
  }
  return out;
}

function sent(trace: TraceEvent[], endpoint: string, since = 0): { t: number; seg: Segment }[] {
  return trace
    .filter((e) => e.type === 'send' && e.endpoint === endpoint && e.t >= since)
    .map((e) => ({ t: e.t, seg: (e as { seg: Segment }).seg }));
}

function stateAt(trace: TraceEvent[], endpoint: string, to: string): number | undefined {
  return trace.find((e) => e.type === 'state' && e.endpoint === endpoint && e.to === to)?.t;
}

function firstWith(list: { t: number; seg: Segment }[], flag: number) {
  const hit = list.find((x) => (x.seg.flags & flag) !== 0);
  assert.ok(hit, `a segment with ${flagNames(flag).join(',')} was sent`);
  return hit;
}

/**
 * The seed's figure: the client closes; the server acknowledges, sends its last data while in
 * CLOSE-WAIT, then closes. Returns the world and the seed's numbers u, v, w.
 */
function fourWayClose(opts: { msl?: number; lastWords?: string } = {}) {
  const w = established(opts);
  const { sim, trace, c, s } = w;
  c.write('request');
  sim.runFor(1000);
  const tClose = sim.now;
  // The client stops sending but, as the seed says, still receives the server's last data:
  // shutdown() sends the FIN and leaves the receiving direction open (close() would not).
  c.shutdown();
  sim.runFor(3 * LATENCY); // FIN and its ACK cross
  assert.equal(c.state, 'FIN-WAIT-2');
  assert.equal(s.state, 'CLOSE-WAIT');
  s.write(opts.lastWords ?? 'last words'); // half-close: the server may still send
  sim.runFor(1000);
  s.close();
  sim.run({ until: sim.now + 10 * MSL });
  const fin = firstWith(sent(trace, 'client', tClose), FIN);
  const serverAfter = sent(trace, 'server', tClose);
  const ackOfFin = serverAfter[0];
  assert.ok(ackOfFin);
  const serverFin = firstWith(serverAfter, FIN);
  return { ...w, tClose, u: fin.seg.seq, v: ackOfFin.seg.seq, w: serverFin.seg.seq, fin, ackOfFin, serverFin };
}

test('seed: the active closer goes ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED', () => {
  const { trace } = fourWayClose();
  assert.deepEqual(states(trace, 'client'), [
    'CLOSED',
    'SYN-SENT',
    'ESTABLISHED',
    'FIN-WAIT-1',
    'FIN-WAIT-2',
    'TIME-WAIT',
    'CLOSED',
  ]);
});

test('seed: the passive closer goes ESTABLISHED → CLOSE-WAIT → LAST-ACK → CLOSED', () => {
  const { trace } = fourWayClose();
  assert.deepEqual(states(trace, 'server'), [
    'CLOSED',
    'LISTEN',
    'SYN-RECEIVED',
    'ESTABLISHED',
    'CLOSE-WAIT',
    'LAST-ACK',
    'CLOSED',
  ]);
});

test('seed step 1: the FIN has seq = u, one past the last byte sent; the client enters FIN-WAIT-1', () => {
  const { trace, fin, u, tClose } = fourWayClose();
  const syn = firstWith(sent(trace, 'client'), SYN);
  // The client sent 'request' (7 bytes) after its SYN: u = ISS + 1 + 7.
  assert.equal(u, seqAdd(syn.seg.seq, 1 + 7));
  assert.equal(fin.seg.flags, FIN | ACK);
  assert.equal(fin.seg.payload.length, 0);
  assert.equal(fin.t, tClose);
  assert.equal(stateAt(trace, 'client', 'FIN-WAIT-1'), tClose);
});

test('seed step 1: after its FIN the client sends no more data (a send is refused)', () => {
  const { sim, c } = established();
  c.shutdown();
  sim.runFor(3 * LATENCY);
  const conn = c.connection;
  assert.ok(conn);
  assert.throws(
    () => conn.send(new Uint8Array([1]), sim.now),
    (e: unknown) => e instanceof UsageError && e.code === 'ERR_TCP_CLOSING',
  );
});

test('seed step 2: the server ACKs with ack = u + 1 and seq = v and enters CLOSE-WAIT; its application is told', () => {
  const { trace, s, ackOfFin, u, v, tClose } = fourWayClose();
  assert.equal(ackOfFin.seg.flags, ACK);
  assert.equal(ackOfFin.seg.ack, seqAdd(u, 1));
  assert.equal(ackOfFin.seg.seq, v);
  assert.equal(ackOfFin.t, tClose + LATENCY); // at once, not delayed: a FIN is acknowledged immediately
  assert.equal(stateAt(trace, 'server', 'CLOSE-WAIT'), tClose + LATENCY);
  assert.equal(s.timeOf('peer-fin'), tClose + LATENCY);
});

test('seed: a FIN consumes one sequence number even when it carries no data', () => {
  const { trace, u, fin, ackOfFin } = fourWayClose();
  assert.equal(fin.seg.payload.length, 0);
  assert.equal(ackOfFin.seg.ack, seqAdd(u, 1));
  // The client's next (and last) segment, the final ACK, has seq = u + 1.
  const after = sent(trace, 'client', fin.t + 1);
  assert.ok(after.length > 0);
  for (const x of after) assert.equal(x.seg.seq, seqAdd(u, 1));
});

test('seed step 2-3: half-close: the server goes on sending in CLOSE-WAIT and the client, in FIN-WAIT-2, receives it', () => {
  const { c, trace, v, serverFin } = fourWayClose({ lastWords: 'still talking after your FIN' });
  assert.equal(c.receivedText(), 'still talking after your FIN');
  const data = sent(trace, 'server').find((x) => x.seg.payload.length > 0);
  assert.ok(data);
  assert.equal(data.seg.seq, v);
  assert.equal(stateAt(trace, 'client', 'FIN-WAIT-2')! < data.t + LATENCY, true);
  // The server's FIN comes after its data: w = v + the data's length.
  assert.equal(serverFin.seg.seq, seqAdd(v, 'still talking after your FIN'.length));
});

test('seed step 3: the client enters FIN-WAIT-2 when the ACK of its FIN arrives', () => {
  const { trace, ackOfFin } = fourWayClose();
  assert.equal(stateAt(trace, 'client', 'FIN-WAIT-2'), ackOfFin.t + LATENCY);
});

test('seed step 4: the server FIN has ack = u + 1 and seq = w; the server enters LAST-ACK', () => {
  const { trace, serverFin, u, w } = fourWayClose();
  assert.equal(serverFin.seg.flags & (FIN | ACK), FIN | ACK);
  assert.equal(serverFin.seg.ack, seqAdd(u, 1));
  assert.equal(serverFin.seg.seq, w);
  assert.equal(stateAt(trace, 'server', 'LAST-ACK'), serverFin.t);
});

test('seed step 5: the client answers ACK with seq = u + 1, ack = w + 1 and enters TIME-WAIT', () => {
  const { trace, serverFin, u, w } = fourWayClose();
  const finalAck = sent(trace, 'client', serverFin.t + LATENCY)[0];
  assert.ok(finalAck);
  assert.equal(finalAck.t, serverFin.t + LATENCY);
  assert.equal(finalAck.seg.flags, ACK);
  assert.equal(finalAck.seg.seq, seqAdd(u, 1));
  assert.equal(finalAck.seg.ack, seqAdd(w, 1));
  assert.equal(stateAt(trace, 'client', 'TIME-WAIT'), serverFin.t + LATENCY);
});

test('seed step 5: the client reaches CLOSED exactly 2×MSL after entering TIME-WAIT (default MSL 30 s: 60 s)', () => {
  const { trace, c } = fourWayClose();
  const tw = stateAt(trace, 'client', 'TIME-WAIT');
  const closed = trace.findLast((e) => e.type === 'state' && e.endpoint === 'client' && e.to === 'CLOSED')?.t;
  assert.ok(tw !== undefined && closed !== undefined);
  assert.equal(closed - tw, 2 * MSL);
  assert.equal(closed - tw, 60_000);
  assert.equal(c.state, 'CLOSED');
});

test('seed step 5: TIME-WAIT follows the MSL setting (MSL 1 s: 2 s)', () => {
  const { trace } = fourWayClose({ msl: 1000 });
  const tw = stateAt(trace, 'client', 'TIME-WAIT')!;
  const closed = trace.findLast((e) => e.type === 'state' && e.endpoint === 'client' && e.to === 'CLOSED')!.t;
  assert.equal(closed - tw, 2000);
});

test('seed step 5: during TIME-WAIT the connection is not yet released (its 4-tuple is held)', () => {
  const { sim, client, trace } = closeThenRunFor(5000, 1000);
  const tw = stateAt(trace, 'client', 'TIME-WAIT');
  assert.ok(tw !== undefined);
  sim.run({ until: tw + 5000 }); // half-way through TIME-WAIT
  const row = client.connections().find((r) => r.state === 'TIME-WAIT');
  assert.ok(row, 'a TIME-WAIT entry is listed');
  assert.deepEqual(row.timer, { kind: 'time-wait', remaining: 5000 });
  sim.run({ until: tw + 10_000 });
  assert.deepEqual(client.connections(), []); // released after 2MSL
});

/** The seed's close with the given MSL; the clock stops `after` ms after the server's close(). */
function closeThenRunFor(msl: number, after: number) {
  const w = established({ msl });
  const { sim, c, s } = w;
  c.write('request');
  sim.runFor(1000);
  c.shutdown();
  sim.runFor(3 * LATENCY);
  s.write('last words');
  sim.runFor(1000);
  s.close();
  sim.runFor(after);
  return w;
}

test('seed step 6: the server reaches CLOSED on the final ACK, earlier than the client', () => {
  const { trace, serverFin } = fourWayClose();
  const serverClosed = stateAt(trace, 'server', 'CLOSED');
  const clientClosed = trace.findLast((e) => e.type === 'state' && e.endpoint === 'client' && e.to === 'CLOSED')?.t;
  assert.equal(serverClosed, serverFin.t + 2 * LATENCY);
  assert.ok(clientClosed !== undefined && serverClosed !== undefined);
  assert.ok(serverClosed < clientClosed);
  assert.equal(clientClosed - serverClosed, 2 * MSL - LATENCY);
});

test('seed: either side may close first (server first: the roles swap)', () => {
  const { sim, trace, c, s } = established();
  s.shutdown();
  sim.runFor(3 * LATENCY);
  assert.equal(c.state, 'CLOSE-WAIT');
  c.write('client goes on');
  sim.runFor(1000);
  c.close();
  sim.run({ until: sim.now + 10 * MSL });
  assert.equal(s.receivedText(), 'client goes on');
  assert.deepEqual(states(trace, 'server').slice(3), [
    'ESTABLISHED',
    'FIN-WAIT-1',
    'FIN-WAIT-2',
    'TIME-WAIT',
    'CLOSED',
  ]);
  assert.deepEqual(states(trace, 'client').slice(2), ['ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
});

test('seed, why 2MSL (1): a lost final ACK: the server retransmits its FIN, the client ACKs again and restarts 2MSL', () => {
  const w = established({ msl: 5000 });
  const { sim, trace, c, s } = w;
  c.close();
  sim.runFor(3 * LATENCY);
  // Drop the client's next pure ACK: the one that answers the server's FIN.
  sim.fault({ from: '192.0.2.1', to: '192.0.2.2', match: matchers.pureAck, nth: 1, action: 'drop' });
  s.close();
  sim.run({ until: sim.now + 60_000 });
  const serverFins = sent(trace, 'server').filter((x) => x.seg.flags & FIN);
  assert.equal(serverFins.length, 2, 'the server sent its FIN twice');
  const [first, again] = serverFins as [{ t: number; seg: Segment }, { t: number; seg: Segment }];
  assert.equal(again.seg.seq, first.seg.seq, 'the retransmission is the same FIN');
  assert.equal(again.t - first.t, 1000, 'after one initial RTO (1 s)');
  const clientAcks = sent(trace, 'client', first.t).filter((x) => x.seg.flags === ACK);
  assert.equal(clientAcks.length, 2);
  assert.equal(clientAcks[1]!.t, again.t + LATENCY, 'the client ACKs the retransmitted FIN at once');
  assert.equal(clientAcks[1]!.seg.ack, seqAdd(first.seg.seq, 1));
  // TIME-WAIT restarted when the retransmitted FIN arrived: CLOSED 2MSL after that moment.
  const closed = trace.findLast((e) => e.type === 'state' && e.endpoint === 'client' && e.to === 'CLOSED')!.t;
  assert.equal(closed, again.t + LATENCY + 2 * 5000);
  assert.equal(stateAt(trace, 'server', 'CLOSED'), again.t + 2 * LATENCY);
  assert.equal(c.state, 'CLOSED');
});

test('seed, why 2MSL (2): an old duplicate arriving in TIME-WAIT is not accepted', () => {
  const { sim, trace, c } = closeThenRunFor(5000, 1000);
  // In the middle of TIME-WAIT, replay a copy of the server's old data segment.
  assert.equal(c.state, 'TIME-WAIT');
  const received = c.receivedText();
  const old = sent(trace, 'server').find((x) => x.seg.payload.length > 0)!;
  const before = trace.length;
  sim.transmit({ src: '192.0.2.2', dst: '192.0.2.1', seg: old.seg });
  sim.runFor(3 * LATENCY);
  assert.equal(c.receivedText(), received, 'no byte of the old segment was delivered');
  const answers = trace.slice(before).filter((e) => e.type === 'send' && e.endpoint === 'client');
  assert.equal(answers.length, 1, 'TIME-WAIT answers the old segment with an ACK and nothing else');
  assert.equal((answers[0] as { seg: Segment }).seg.flags, ACK);
  assert.equal(c.state, 'TIME-WAIT');
});

test('seed, why 2MSL (2): the old-duplicate scenario: rejected under TIME-WAIT, accepted without it', () => {
  const r = runScenario('old-duplicate');
  assert.equal(r.runs.length, 2);
  const [protectedRun, unprotected] = r.runs as [(typeof r.runs)[0], (typeof r.runs)[0]];
  assert.equal(protectedRun.facts.extra.oldSegmentAccepted, false);
  assert.equal(unprotected.facts.extra.oldSegmentAccepted, true);
});

test('seed: keepalive: first probe after exactly 2 h idle, then every 75 s; 10 unanswered probes close the connection', () => {
  const { sim, trace, s } = established({ serverKeepalive: true });
  const idleFrom = s.timeOf('connected')!;
  sim.partition('192.0.2.1', '192.0.2.2'); // the client vanishes
  sim.run({ until: idleFrom + 3 * HOUR });
  const probes = sent(trace, 'server', idleFrom + 1).filter((x) => x.seg.flags === ACK);
  assert.equal(probes.length, 10);
  assert.equal(probes[0]!.t, idleFrom + 2 * HOUR);
  for (let i = 1; i < probes.length; i++) assert.equal(probes[i]!.t - probes[i - 1]!.t, 75 * SECOND);
  const errorAt = s.events.find((e) => e.event.type === 'error');
  assert.deepEqual(errorAt?.event, { type: 'error', code: 'ETIMEDOUT' });
  assert.equal(errorAt?.t, idleFrom + 2 * HOUR + 10 * 75 * SECOND);
  assert.equal(s.state, 'CLOSED');
});

test('seed: keepalive: every segment from the peer resets the 2-hour timer', () => {
  const { sim, trace, c, s } = established({ serverKeepalive: true });
  sim.runFor(1 * HOUR);
  c.write('still here'); // a request at t ≈ 1 h
  sim.runFor(3 * LATENCY);
  const lastHeard = trace.findLast((e) => e.type === 'recv' && e.endpoint === 'server')!.t;
  sim.partition('192.0.2.1', '192.0.2.2');
  sim.run({ until: lastHeard + 2 * HOUR + 1 });
  // (Count from an hour on, past the delayed ACK of the request.)
  const probes = sent(trace, 'server', lastHeard + HOUR).filter((x) => x.seg.flags === ACK);
  assert.equal(probes.length, 1);
  assert.equal(probes[0]!.t, lastHeard + 2 * HOUR);
  assert.equal(s.state, 'ESTABLISHED');
});

test('seed: keepalive: an answered probe keeps the connection open', () => {
  const { sim, trace, s } = established({ serverKeepalive: true });
  const idleFrom = s.timeOf('connected')!;
  sim.run({ until: idleFrom + 5 * HOUR });
  const probes = sent(trace, 'server', idleFrom + 1).filter((x) => x.seg.flags === ACK);
  // The client is alive and answers each probe, so each answer restarts the 2 h idle period.
  assert.equal(probes.length, 2);
  assert.equal(probes[0]!.t, idleFrom + 2 * HOUR);
  assert.equal(probes[1]!.t, idleFrom + 4 * HOUR + 2 * LATENCY);
  assert.equal(s.state, 'ESTABLISHED');
});
