// Endpoint: the crash guard (a bug in the core must not crash the process, unless strict) and
// handleDatagram (raw IP bytes in, decode failures dropped, counted and traced in the core).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnId, Endpoint } from '../../src/core/endpoint.js';
import type { Instant } from '../../src/core/time.js';
import { DriverLoop } from '../../src/io/loop.js';
import { VirtualClock } from '../../src/sim/clock.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { encodePacket } from '../../src/wire/ip.js';
import { ACK, RST, SYN } from '../../src/wire/segment.js';
import { A_ADDR, assertUsage, B_ADDR, Pair, seg } from './endpoint-pair.js';

const BOOM = new Error('boom: a bug in the core');

/** Makes the Connection behind `conn` throw from `method` (what a bug in arrive.ts or a timer would do). */
function breakConn(ep: Endpoint, conn: ConnId, method: 'handleSegment' | 'handleTimeout'): void {
  const c = ep.connection(conn);
  assert.ok(c);
  Object.defineProperty(c, method, {
    value: () => {
      throw BOOM;
    },
  });
}

function traceOf(p: Pair, endpoint: string, t: number): string[] {
  return p.trace
    .filter((e) => e.endpoint === endpoint && e.t === t)
    .map((e) => {
      switch (e.type) {
        case 'drop':
          return `drop ${e.reason}${e.seg ? ' (with segment)' : ''}`;
        case 'state':
          return `${e.from}->${e.to} ${e.cause}`;
        case 'event':
          return `event ${e.event.type}${e.event.type === 'error' ? ` ${e.event.code}` : ''}`;
        case 'send':
        case 'recv':
          return `${e.type} ${e.seg.flags}`;
        default:
          return e.type;
      }
    });
}

describe('Endpoint: crash guard', () => {
  test('a Connection throwing on a packet: aborted with RST, ECONNABORTED, closed; counted and traced', () => {
    const p = new Pair();
    const { ca, cb } = p.establish(80, 40000);
    const sndNxt = p.a.connection(ca)?.info().sndNxt;
    breakConn(p.a, ca, 'handleSegment');
    p.at(10);
    p.take('b', p.b.send(cb, new Uint8Array([1, 2, 3]), 10));
    p.flush();
    // A answered B's data with a RST at its SND.NXT, told its user, and forgot the connection.
    const rst = p.sent.find((s) => s.from === 'a' && s.pkt.seg.flags & RST);
    assert.ok(rst);
    assert.deepEqual([rst.pkt.seg.flags, rst.pkt.seg.seq, rst.pkt.dst], [RST, sndNxt, B_ADDR]);
    assert.deepEqual(p.connEvents('a', ca), ['connected', 'error', 'closed']);
    assert.deepEqual(
      p.events.a.filter(({ ev }) => ev.type === 'conn' && ev.event.type === 'error').map(({ ev }) => ev),
      [{ type: 'conn', conn: ca, event: { type: 'error', code: 'ECONNABORTED' } }],
    );
    assert.deepEqual(p.a.connections(10), []);
    assert.equal(p.a.nextDeadline(), undefined);
    assert.deepEqual(traceOf(p, 'A', 10), [
      'drop internal-error (with segment)',
      `send ${RST}`,
      'ESTABLISHED->CLOSED internal error',
      'event error ECONNABORTED',
      'event closed',
    ]);
    const s = p.a.stats;
    assert.deepEqual([s.internalErrors, s.drops['internal-error'], s.failed.ECONNABORTED, s.rstsSent], [1, 1, 1, 1]);
    assert.equal(p.a.lastInternalError, BOOM);
    // The peer learns of it from the RST.
    assert.deepEqual(p.connEvents('b', cb), ['connected', 'error', 'closed']);
  });

  test('strict: the same exception escapes handlePacket', () => {
    const p = new Pair({ strict: true });
    const { ca, cb } = p.establish(80, 40000);
    breakConn(p.a, ca, 'handleSegment');
    const data = p.b.send(cb, new Uint8Array([1]), 0).packets[0];
    assert.ok(data);
    assert.throws(
      () => p.a.handlePacket(data, 0),
      (err) => err === BOOM,
    );
    assert.equal(p.a.stats.internalErrors, 0);
  });

  test('a Connection throwing on a timeout: only that one is aborted; the others are served', () => {
    const p = new Pair();
    p.filter = () => false; // nothing arrives: both SYNs will be retransmitted at t=1000
    const one = p.a.connect({ addr: B_ADDR, port: 80 }, 0).conn;
    const two = p.a.connect({ addr: B_ADDR, port: 81 }, 0).conn;
    const d = p.a.nextDeadline();
    assert.equal(d, 1000);
    breakConn(p.a, one, 'handleTimeout');
    const out = p.a.handleTimeout(d as Instant);
    // SYN-SENT is not synchronized: no RST for the broken one; the other retransmits its SYN.
    assert.deepEqual(
      out.packets.map((x) => [x.seg.dstPort, x.seg.flags]),
      [[81, SYN]],
    );
    assert.deepEqual(out.events, [
      { type: 'conn', conn: one, event: { type: 'error', code: 'ECONNABORTED' } },
      { type: 'conn', conn: one, event: { type: 'closed' } },
    ]);
    assert.equal(p.a.connection(one), undefined);
    assert.equal(p.a.connection(two)?.state, 'SYN-SENT');
    assert.equal(p.a.stats.internalErrors, 1);
    // No segment was being handled: the drop names none.
    assert.ok(p.trace.some((e) => e.type === 'drop' && e.reason === 'internal-error' && e.seg === undefined));
  });

  test('strict: the exception escapes handleTimeout', () => {
    const p = new Pair({ strict: true });
    p.filter = () => false;
    const { conn } = p.a.connect({ addr: B_ADDR, port: 80 }, 0);
    breakConn(p.a, conn, 'handleTimeout');
    assert.throws(
      () => p.a.handleTimeout(1000),
      (err) => err === BOOM,
    );
  });

  test('a half-open connection that breaks is reset quietly: its user never knew it', () => {
    const p = new Pair();
    p.b.listen({ port: 80 });
    const { conn: ca, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 0, { local: { port: 40000 } });
    const synAck = p.b.handlePacket(out.packets[0] as (typeof out.packets)[0], 0);
    const half = p.b.connections(0).find((r) => r.state === 'SYN-RECEIVED')?.conn;
    assert.ok(half !== undefined);
    breakConn(p.b, half, 'handleSegment');
    const ack = p.a.handlePacket(synAck.packets[0] as (typeof synAck.packets)[0], 0);
    assert.deepEqual(p.a.connection(ca)?.state, 'ESTABLISHED');
    const answer = p.b.handlePacket(ack.packets[0] as (typeof ack.packets)[0], 0);
    assert.deepEqual(answer.events, []);
    assert.deepEqual(
      answer.packets.map((x) => [x.seg.flags, x.seg.dstPort]),
      [[RST, 40000]],
    );
    assert.deepEqual(
      p.b.connections(0).map((r) => r.state),
      ['LISTEN'],
    );
    assert.deepEqual([p.b.stats.internalErrors, p.b.stats.failed.ECONNABORTED], [1, 1]);
  });

  test('a throw outside any connection (bad packet object) is caught too, unless strict', () => {
    const p = new Pair();
    const broken = { src: A_ADDR, dst: B_ADDR, seg: null } as unknown as Parameters<Endpoint['handlePacket']>[0];
    assert.deepEqual(p.b.handlePacket(broken, 0), { packets: [], events: [] });
    assert.equal(p.b.stats.internalErrors, 1);
    const q = new Pair({}, { strict: true });
    assert.throws(() => q.b.handlePacket(broken, 0), TypeError);
  });
});

describe('Endpoint: handleDatagram', () => {
  const synTo80 = seg({ srcPort: 40000, dstPort: 80, seq: 1000, flags: SYN });

  test('decodes IP bytes and handles the packet as handlePacket does', () => {
    const p = new Pair();
    p.b.listen({ port: 80 });
    const out = p.b.handleDatagram(encodePacket({ src: A_ADDR, dst: B_ADDR, seg: synTo80 }), 0);
    assert.deepEqual(
      out.packets.map((x) => [x.src, x.dst, x.seg.flags, x.seg.ack]),
      [[B_ADDR, A_ADDR, SYN | ACK, 1001]],
    );
    assert.equal(p.b.stats.segmentsReceived, 1);
  });

  test('bytes that do not decode are dropped, counted by reason and traced; nothing is answered', () => {
    const p = new Pair();
    p.b.listen({ port: 80 });
    const bytes = encodePacket({ src: A_ADDR, dst: B_ADDR, seg: synTo80 });
    const bad = bytes.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff; // breaks the TCP checksum
    assert.deepEqual(p.b.handleDatagram(bad, 5), { packets: [], events: [] });
    assert.deepEqual(p.b.handleDatagram(bytes.subarray(0, 10), 6), { packets: [], events: [] });
    assert.deepEqual(p.b.handleDatagram(new Uint8Array(0), 7), { packets: [], events: [] });
    const drops = p.trace.filter((e) => e.type === 'drop');
    assert.deepEqual(
      drops.map((e) => [e.t, e.endpoint, e.conn, e.type === 'drop' ? e.reason : '']),
      [
        [5, 'B', '', 'checksum'],
        [6, 'B', '', 'truncated'],
        [7, 'B', '', 'truncated'],
      ],
    );
    const s = p.b.stats;
    assert.deepEqual([s.drops.checksum, s.drops.truncated, s.segmentsReceived], [1, 2, 0]);
    assert.deepEqual(p.b.connections(7).length, 1); // the listener only
  });

  test('not bytes: a usage error', () => {
    const p = new Pair();
    assertUsage(() => p.b.handleDatagram([1, 2, 3] as unknown as Uint8Array, 0), 'ERR_INVALID_ARG_TYPE');
  });

  test("DriverLoop.handleBytes goes through the endpoint's handleDatagram: one drop, counted, traced once", () => {
    const p = new Pair();
    const clock = new VirtualClock();
    const loopTrace: TraceEvent[] = [];
    const sent: number[] = [];
    const loop = new DriverLoop({
      endpoint: p.b,
      clock,
      name: 'B',
      transmit: (pkt) => sent.push(pkt.seg.flags),
      trace: (e) => loopTrace.push(e),
    });
    p.b.listen({ port: 80 });
    const bytes = encodePacket({ src: A_ADDR, dst: B_ADDR, seg: synTo80 });
    loop.handleBytes(bytes.subarray(0, 20));
    loop.handleBytes(bytes);
    assert.deepEqual(sent, [SYN | ACK]);
    assert.deepEqual(loopTrace, []); // the loop traces nothing itself
    assert.deepEqual(
      p.trace.filter((e) => e.type === 'drop').map((e) => e.type === 'drop' && e.reason),
      ['truncated'],
    );
    assert.equal(p.b.stats.drops.truncated, 1);
    assert.equal(loop.armedAt, p.b.nextDeadline());
  });
});
