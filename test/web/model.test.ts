// The playground's world without a page: every guided scenario played step by step in Node, as the
// page plays it, with what each step is there to show.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceEvent } from '../../src/trace/events.js';
import { findGuide, GUIDES, type Guide, oldNewCounts } from '../../web/src/model/guides.js';
import { Playground } from '../../web/src/model/playground.js';
import { DEFAULT_SETTINGS, formatUrlState, parseUrlState } from '../../web/src/model/settings.js';

/** Plays a guide; after each step, hands the step's id and the playground to `check`. */
function play(g: Guide, check: (id: string, pg: Playground) => void = () => {}): Playground {
  const pg = new Playground(g.settings);
  for (const step of g.steps) {
    const r = step.action?.(pg);
    assert.ok(r === undefined || r.ok, `${g.id}/${step.id}: ${r && !r.ok ? r.message : ''}`);
    assert.ok(
      pg.runUntil(() => step.until(pg), step.limit),
      `${g.id}/${step.id} did not reach its end`,
    );
    check(step.id, pg);
  }
  return pg;
}

const states = (pg: Playground): string => `${pg.state('client')} / ${pg.state('server')}`;

test('four-way close: the states of both sides after each step, and the seed letters u, v, w', () => {
  const seen: Record<string, string> = {};
  const pg = play(findGuide('close')!, (id, p) => {
    seen[id] = states(p);
  });
  assert.deepEqual(seen, {
    connect: 'ESTABLISHED / ESTABLISHED',
    'client-fin': 'FIN-WAIT-1 / CLOSE-WAIT',
    'fin-wait-2': 'FIN-WAIT-2 / CLOSE-WAIT',
    'last-data': 'FIN-WAIT-2 / CLOSE-WAIT',
    'server-fin': 'TIME-WAIT / LAST-ACK',
    'server-closed': 'TIME-WAIT / CLOSED',
    'time-wait': 'CLOSED / CLOSED',
  });
  assert.deepEqual(pg.history('client'), [
    'CLOSED',
    'SYN-SENT',
    'ESTABLISHED',
    'FIN-WAIT-1',
    'FIN-WAIT-2',
    'TIME-WAIT',
    'CLOSED',
  ]);
  assert.deepEqual(pg.history('server'), [
    'CLOSED',
    'LISTEN',
    'SYN-RECEIVED',
    'ESTABLISHED',
    'CLOSE-WAIT',
    'LAST-ACK',
    'CLOSED',
  ]);
  // The seed's letters: the client's FIN has seq = u; the server ACKs it with ack = u+1; the server's
  // FIN has seq = w; the last ACK carries seq = u+1, ack = w+1.
  const sends = pg.events.filter((e): e is Extract<TraceEvent, { type: 'send' | 'recv' }> => e.type === 'send');
  const cFin = sends.find((e) => e.endpoint === 'client' && e.seg.flags & 1)!;
  const sAck = sends.find((e) => e.endpoint === 'server' && e.seg.flags === 0x10)!;
  const sFin = sends.find((e) => e.endpoint === 'server' && e.seg.flags & 1)!;
  const last = sends.findLast((e) => e.endpoint === 'client')!;
  const u = cFin.relSeq;
  const w = sFin.relSeq;
  assert.deepEqual([u, sAck.relAck, w, last.relSeq, last.relAck], [1, u + 1, 1 + 16, u + 1, w + 1]);
  // TIME-WAIT lasted 2×MSL.
  const tw = pg.rec.enteredAt('client', 'TIME-WAIT')!;
  const end = pg.events.findLast((e) => e.type === 'state' && e.endpoint === 'client' && e.to === 'CLOSED')!.t;
  assert.equal(end - tw, 2 * DEFAULT_SETTINGS.msl);
});

test('lost final ACK: the server retransmits its FIN, the client ACKs it again and 2MSL restarts', () => {
  let restartsAtRetransmit = -1;
  const pg = play(findGuide('time-wait')!, (id, p) => {
    if (id === 'lost-ack') {
      assert.equal(states(p), 'TIME-WAIT / LAST-ACK');
      assert.equal(p.timers('client')[0]?.kind, 'time-wait');
      assert.equal(p.timers('client')[0]?.restarts, 0);
    }
    if (id === 'retransmit') {
      assert.equal(states(p), 'TIME-WAIT / CLOSED');
      restartsAtRetransmit = p.timers('client').find((t) => t.kind === 'time-wait')?.restarts ?? -1;
    }
  });
  assert.equal(restartsAtRetransmit, 1);
  const fins = pg.wire.filter((p) => p.from === 'server' && p.packet && p.packet.seg.flags & 1);
  assert.equal(fins.length, 2, 'the FIN and its retransmission');
  assert.equal(pg.wire.filter((p) => p.fate === 'fault-dropped').length, 1);
});

test('old duplicate without TIME-WAIT: bytes of the first connection are read as data of the second', () => {
  const pg = play(findGuide('old-duplicate')!, (id, p) => {
    if (id === 'reconnect') assert.equal(p.conn('client')?.local?.port, 5000);
  });
  const { old, fresh } = oldNewCounts(pg);
  assert.ok(old > 0, 'old bytes accepted');
  assert.equal(old + fresh, pg.received('client').length);
});

test('half-close: the server ACKs the FIN, sends more data, and only then its own FIN', () => {
  const pg = play(findGuide('half-close')!);
  const server = pg.wire.filter((p) => p.from === 'server' && p.packet).map((p) => p.packet!.seg);
  const firstFin = server.findIndex((s) => s.flags & 1);
  const dataBefore = server.slice(0, firstFin).filter((s) => s.payload.length > 0).length;
  assert.equal(dataBefore, 2);
  assert.equal(new TextDecoder().decode(pg.received('client')), 'the rest of the reply, part 1\npart 2, the last\n');
});

test('keepalive: the vanished client is declared dead after idle + count × interval', () => {
  const pg = play(findGuide('keepalive')!);
  assert.deepEqual(pg.errors('server'), ['ETIMEDOUT']);
  const lost = pg.wire.filter((p) => p.from === 'server' && p.fate === 'partitioned').map((p) => p.packet!.seg.flags);
  // Three probes (pure ACKs), then the RST with which the server gives up.
  assert.deepEqual(lost, [0x10, 0x10, 0x10, 0x14]);
});

test('every guide plays to its end', () => {
  for (const g of GUIDES) play(g);
});

test('user calls that the stack refuses come back as errors, not exceptions', () => {
  const pg = new Playground(DEFAULT_SETTINGS);
  const r = pg.send('client', 'x');
  assert.equal(r.ok, false);
  pg.connect();
  pg.advance(200);
  assert.equal(pg.end('client').ok, true);
  const again = pg.send('client', 'after end');
  assert.ok(!again.ok && again.code === 'ERR_TCP_CLOSING');
  assert.equal(pg.setDirection('c2s', { loss: 2 }).ok, false);
});

test('URL state round-trips and ignores values out of range', () => {
  const st = parseUrlState('?scenario=close&autoplay=1&msl=500&closs=0.25&kas=1&speed=10&lang=zh');
  assert.equal(st.scenario, 'close');
  assert.equal(st.autoplay, true);
  assert.equal(st.settings.msl, 500);
  assert.equal(st.settings.c2s.loss, 0.25);
  assert.equal(st.settings.keepalive.server, true);
  assert.deepEqual(parseUrlState(formatUrlState(st)), st);
  const bad = parseUrlState('?msl=-1&closs=7&seed=x&scenario=<b>');
  assert.equal(bad.settings.msl, DEFAULT_SETTINGS.msl);
  assert.equal(bad.settings.c2s.loss, 0);
  assert.equal(bad.scenario, undefined);
});

test('abort sends a RST: the peer reports ECONNRESET and both sides are CLOSED', () => {
  const pg = new Playground(DEFAULT_SETTINGS);
  pg.connect();
  pg.advance(200);
  assert.equal(pg.abort('client').ok, true);
  pg.advance(100);
  assert.equal(states(pg), 'CLOSED / CLOSED');
  assert.deepEqual(pg.errors('server'), ['ECONNRESET']);
});

test('"drop the next FIN": the FIN is lost once and retransmitted after the RTO', () => {
  const pg = new Playground(DEFAULT_SETTINGS);
  pg.connect();
  pg.advance(200);
  pg.dropNext('client', 'fin');
  pg.end('client');
  pg.advance(500);
  assert.equal(states(pg), 'FIN-WAIT-1 / ESTABLISHED');
  assert.equal(pg.timers('client')[0]?.kind, 'retransmit');
  pg.advance(1000);
  assert.equal(states(pg), 'FIN-WAIT-2 / CLOSE-WAIT');
  const fins = pg.wire.filter((p) => p.from === 'client' && p.packet && p.packet.seg.flags & 1);
  assert.deepEqual(
    fins.map((p) => p.fate),
    ['fault-dropped', 'delivered'],
  );
});

test('per-direction loss, delay and keepalive settings apply to the running connection', () => {
  const pg = new Playground(DEFAULT_SETTINGS);
  assert.equal(pg.setDirection('s2c', { latency: 200 }).ok, true);
  pg.connect();
  pg.advance(240);
  assert.equal(pg.state('client'), 'SYN-SENT'); // SYN 50 ms out, SYN,ACK 200 ms back
  pg.advance(20);
  assert.equal(pg.state('client'), 'ESTABLISHED');
  assert.equal(pg.setKeepalive({ client: true, idle: 1000 }).ok, true);
  assert.ok(pg.timers('client').some((t) => t.kind === 'keepalive'));
});
