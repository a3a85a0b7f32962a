// Endpoint: two endpoints back to back, packets moved by hand in virtual time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnId, Endpoint, Packet } from '../../src/core/endpoint.js';
import { ACK, FIN, RST, type Segment, SYN } from '../../src/wire/segment.js';
import { seqAdd, seqGt } from '../../src/wire/seq.js';
import { A_ADDR, assertUsage, B_ADDR, drops, MSL, Pair, type Sent, seg } from './endpoint-pair.js';

describe('Endpoint: handshake and accept', () => {
  test('connect to a listener: accept event, then connected on both sides', () => {
    const p = new Pair();
    const listener = p.b.listen({ port: 80 });
    const { conn: ca, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 0);
    assert.equal(out.packets.length, 1);
    const syn = out.packets[0] as Packet;
    assert.equal(syn.src, A_ADDR);
    assert.equal(syn.dst, B_ADDR);
    assert.equal(syn.seg.flags, SYN);
    assert.equal(syn.seg.dstPort, 80);
    // random() = 0: the search starts at the bottom of the default range.
    assert.equal(syn.seg.srcPort, 49152);
    p.take('a', out);
    p.flush();

    assert.deepEqual(
      p.events.b.map(({ ev }) => ev),
      [
        {
          type: 'accept',
          listener,
          conn: 1,
          local: { addr: B_ADDR, port: 80 },
          remote: { addr: A_ADDR, port: 49152 },
        },
        { type: 'conn', conn: 1, event: { type: 'connected' } },
      ],
    );
    assert.deepEqual(p.connEvents('a', ca), ['connected']);
    assert.deepEqual(
      p.sent.map((s) => `${s.from} ${s.pkt.seg.flags}`),
      [`a ${SYN}`, `b ${SYN | ACK}`, `a ${ACK}`],
    );
    assert.equal(p.a.connection(ca)?.state, 'ESTABLISHED');
    assert.equal(p.b.connection(1)?.state, 'ESTABLISHED');
    assert.deepEqual(p.b.addresses(1), { local: { addr: B_ADDR, port: 80 }, remote: { addr: A_ADDR, port: 49152 } });
    assert.deepEqual(
      p.b.connections(0).map((r) => [r.state, r.local, r.remote, r.conn, r.listener]),
      [
        ['LISTEN', { addr: '*', port: 80 }, null, undefined, listener],
        ['ESTABLISHED', { addr: B_ADDR, port: 80 }, { addr: A_ADDR, port: 49152 }, 1, undefined],
      ],
    );
  });

  test('data flows through the endpoint user calls', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    const sent = p.take('a', p.a.send(ca, new TextEncoder().encode('hello'), 0));
    assert.equal(sent.accepted, 5);
    p.flush();
    assert.deepEqual(p.connEvents('b', cb), ['connected', 'readable']);
    const r = p.take('b', p.b.read(cb, 0));
    assert.equal(new TextDecoder().decode(r.data ?? new Uint8Array()), 'hello');
  });

  test('a listener on one address does not take SYNs for another address it does not own', () => {
    const p = new Pair({}, { addresses: [B_ADDR, '192.0.2.3'] });
    p.b.listen({ addr: '192.0.2.3', port: 80 });
    const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 0);
    p.take('a', out);
    p.flush();
    assert.deepEqual(p.connEvents('a', conn), ['error', 'closed']);
  });
});

describe('Endpoint: segments that match nothing (RFC 9293 §3.10.7.1)', () => {
  test('a SYN to a closed port is reset; the client sees ECONNREFUSED', () => {
    const p = new Pair();
    const { conn, out } = p.a.connect({ addr: B_ADDR, port: 81 }, 0);
    const syn = (out.packets[0] as Packet).seg;
    p.take('a', out);
    p.flush();
    const rst = p.sent[1] as Sent;
    assert.equal(rst.from, 'b');
    assert.equal(rst.pkt.src, B_ADDR);
    assert.equal(rst.pkt.dst, A_ADDR);
    assert.equal(rst.pkt.seg.flags, RST | ACK);
    assert.equal(rst.pkt.seg.seq, 0);
    assert.equal(rst.pkt.seg.ack, seqAdd(syn.seq, 1));
    assert.equal(rst.pkt.seg.srcPort, 81);
    assert.equal(rst.pkt.seg.dstPort, syn.srcPort);
    assert.deepEqual(
      p.events.a.map(({ ev }) => ev),
      [
        { type: 'conn', conn, event: { type: 'error', code: 'ECONNREFUSED' } },
        { type: 'conn', conn, event: { type: 'closed' } },
      ],
    );
    assert.equal(p.a.connection(conn), undefined);
    assert.deepEqual(p.a.connections(0), []);
    assert.deepEqual(drops(p.trace, 'B'), ['no-connection']);
    // The RST is traced as sent, relative to the SYN it answers.
    const sendTrace = p.trace.find((e) => e.type === 'send' && e.endpoint === 'B');
    assert.ok(sendTrace && sendTrace.type === 'send');
    assert.equal(sendTrace.conn, `${B_ADDR}:81>${A_ADDR}:${syn.srcPort}`);
    assert.equal(sendTrace.relAck, 1);
  });

  test('an ACK that matches nothing gets <SEQ=SEG.ACK><CTL=RST>', () => {
    const p = new Pair();
    const out = p.inject('b', {
      src: A_ADDR,
      dst: B_ADDR,
      seg: seg({ srcPort: 5000, dstPort: 80, seq: 100, ack: 7777, flags: ACK, payload: new Uint8Array(3) }),
    });
    assert.deepEqual(out.events, []);
    assert.equal(out.packets.length, 1);
    const rst = out.packets[0] as Packet;
    assert.deepEqual(
      { src: rst.src, dst: rst.dst, sp: rst.seg.srcPort, dp: rst.seg.dstPort, seq: rst.seg.seq, flags: rst.seg.flags },
      { src: B_ADDR, dst: A_ADDR, sp: 80, dp: 5000, seq: 7777, flags: RST },
    );
  });

  test('a segment without ACK gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (FIN and data count)', () => {
    const p = new Pair();
    const out = p.inject('b', {
      src: A_ADDR,
      dst: B_ADDR,
      seg: seg({ srcPort: 5000, dstPort: 80, seq: 0xffff_fffe, flags: FIN, payload: new Uint8Array(4) }),
    });
    const rst = (out.packets[0] as Packet).seg;
    assert.equal(rst.flags, RST | ACK);
    assert.equal(rst.seq, 0);
    assert.equal(rst.ack, 3); // 0xfffffffe + 4 + 1, wrapped
  });

  test('no RST in reply to a RST, to nothing or to a listener', () => {
    const p = new Pair();
    const rst = (dstPort: number): Packet => ({
      src: A_ADDR,
      dst: B_ADDR,
      seg: seg({ srcPort: 5000, dstPort, seq: 1, ack: 1, flags: RST | ACK }),
    });
    assert.deepEqual(p.inject('b', rst(80)), { packets: [], events: [] });
    p.b.listen({ port: 81 });
    assert.deepEqual(p.inject('b', rst(81)), { packets: [], events: [] });
    assert.deepEqual(drops(p.trace, 'B'), ['rst-to-nothing', 'rst-to-nothing']);
  });

  test('an ACK to a listener is reset (§3.10.7.2) and creates nothing', () => {
    const p = new Pair();
    p.b.listen({ port: 80 });
    const out = p.inject('b', {
      src: A_ADDR,
      dst: B_ADDR,
      seg: seg({ srcPort: 5000, dstPort: 80, seq: 10, ack: 1234, flags: ACK }),
    });
    assert.equal(out.packets.length, 1);
    assert.equal((out.packets[0] as Packet).seg.flags, RST);
    assert.equal((out.packets[0] as Packet).seg.seq, 1234);
    assert.equal(p.b.connections(0).length, 1); // the LISTEN row only
    // SYN,ACK at a listener: the ACK rule comes first.
    const out2 = p.inject('b', {
      src: A_ADDR,
      dst: B_ADDR,
      seg: seg({ srcPort: 5000, dstPort: 80, seq: 10, ack: 99, flags: SYN | ACK }),
    });
    assert.equal((out2.packets[0] as Packet).seg.flags, RST);
    assert.equal((out2.packets[0] as Packet).seg.seq, 99);
  });

  test('packets for an address that is not ours are dropped as not-local', () => {
    const p = new Pair();
    p.b.listen({ port: 80 });
    const out = p.inject('b', {
      src: A_ADDR,
      dst: '203.0.113.9',
      seg: seg({ srcPort: 5000, dstPort: 80, seq: 10, flags: SYN }),
    });
    assert.deepEqual(out, { packets: [], events: [] });
    assert.deepEqual(drops(p.trace, 'B'), ['not-local']);
  });

  test('port 0 in a segment is dropped without an answer', () => {
    const p = new Pair();
    const out = p.inject('b', { src: A_ADDR, dst: B_ADDR, seg: seg({ srcPort: 0, dstPort: 80, flags: SYN }) });
    assert.deepEqual(out, { packets: [], events: [] });
    assert.deepEqual(drops(p.trace, 'B'), ['bad-header']);
  });
});

describe('Endpoint: ports', () => {
  /** A closes first, so A holds TIME-WAIT; returns A's conn id. */
  function closeFromA(p: Pair, ca: ConnId, cb: ConnId): void {
    p.take('a', p.a.close(ca, p.now));
    p.flush();
    p.take('b', p.b.close(cb, p.now));
    p.flush();
  }

  test('ephemeral ports skip tuples in TIME-WAIT; a full range gives EADDRNOTAVAIL', () => {
    const p = new Pair({ ephemeralPorts: [50000, 50002] });
    const first = p.establish(80);
    assert.deepEqual(p.a.addresses(first.ca)?.local, { addr: A_ADDR, port: 50000 });
    closeFromA(p, first.ca, first.cb);
    assert.equal(p.a.connection(first.ca), undefined);
    assert.equal(p.a.connections(p.now)[0]?.state, 'TIME-WAIT');

    // random() = 0 starts at 50000, which is in TIME-WAIT towards B:80: the next free one is taken.
    const { conn: c2, out: o2 } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    p.take('a', o2);
    const { conn: c3, out: o3 } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    p.take('a', o3);
    p.flush();
    assert.equal(p.a.addresses(c2)?.local.port, 50001);
    assert.equal(p.a.addresses(c3)?.local.port, 50002);
    assertUsage(() => p.a.connect({ addr: B_ADDR, port: 80 }, p.now), 'EADDRNOTAVAIL');
    // The same local ports are free towards another peer port.
    const { conn: c4 } = p.a.connect({ addr: B_ADDR, port: 81 }, p.now);
    assert.equal(p.a.addresses(c4)?.local.port, 50000);

    // Once the record expires, its port can be used again for B:80.
    p.at(p.now + 2 * MSL);
    assert.deepEqual(p.connEvents('a', first.ca), ['connected', 'fin-acked', 'peer-fin', 'time-wait', 'closed']);
    const { conn: c5 } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    assert.equal(p.a.addresses(c5)?.local.port, 50000);
  });

  test('the search starts where random() points and wraps', () => {
    const p = new Pair({ ephemeralPorts: [50000, 50003], random: () => 0.99 });
    p.b.listen({ port: 80 });
    const ports = [0, 1, 2].map(() => {
      const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 0);
      p.take('a', out);
      return p.a.addresses(conn)?.local.port;
    });
    assert.deepEqual(ports, [50003, 50000, 50001]);
  });

  test('EADDRINUSE: explicit local port of a live tuple or a TIME-WAIT tuple; overlapping listeners', () => {
    const p = new Pair();
    const { ca, cb } = p.establish(80, 40000);
    assertUsage(() => p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port: 40000 } }), 'EADDRINUSE');
    // Another peer port from the same local port is a different tuple.
    assert.doesNotThrow(() => p.a.connect({ addr: B_ADDR, port: 81 }, p.now, { local: { port: 40000 } }));
    closeFromA(p, ca, cb);
    assert.equal(p.a.connections(p.now).find((r) => r.conn === ca)?.state, 'TIME-WAIT');
    assertUsage(() => p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port: 40000 } }), 'EADDRINUSE');

    assertUsage(() => p.b.listen({ port: 80 }), 'EADDRINUSE');
    assertUsage(() => p.b.listen({ addr: B_ADDR, port: 80 }), 'EADDRINUSE');
    p.b.listen({ addr: B_ADDR, port: 82 });
    assertUsage(() => p.b.listen({ port: 82 }), 'EADDRINUSE');
    // A listening port is not handed out for connect().
    const l = p.a.listen({ port: 7000 });
    assertUsage(() => p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port: 7000 } }), 'EADDRINUSE');
    p.take('a', p.a.unlisten(l, p.now));
    assert.doesNotThrow(() => p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port: 7000 } }));
  });

  test('EADDRNOTAVAIL: a local address we do not own', () => {
    const p = new Pair();
    assertUsage(() => p.a.connect({ addr: B_ADDR, port: 80 }, 0, { local: { addr: '192.0.2.9' } }), 'EADDRNOTAVAIL');
    assertUsage(() => p.a.listen({ addr: '192.0.2.9', port: 80 }), 'EADDRNOTAVAIL');
  });

  test('listen on port 0 picks a free port', () => {
    const p = new Pair({}, { ephemeralPorts: [60000, 60001], random: () => 0 });
    const l1 = p.b.listen({ port: 0 });
    const l2 = p.b.listen({ port: 0 });
    assert.deepEqual(p.b.listenerAddress(l1), { addr: '*', port: 60000 });
    assert.deepEqual(p.b.listenerAddress(l2), { addr: '*', port: 60001 });
    assertUsage(() => p.b.listen({ port: 0 }), 'EADDRNOTAVAIL');
  });
});

describe('Endpoint: TIME-WAIT records', () => {
  test('the record replaces the connection, answers a retransmitted FIN, and expires at exactly 2MSL', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    // A closes at t=100; B closes at t=200. B's FIN reaches A at 200: A enters TIME-WAIT then.
    p.at(100);
    p.take('a', p.a.close(ca, 100));
    p.at(200);
    // Lose A's last ACK, so B retransmits its FIN after an RTO.
    let lost = 0;
    p.filter = (s) => {
      if (s.from === 'a' && s.pkt.seg.flags === ACK && lost === 0) {
        lost++;
        return false;
      }
      return true;
    };
    p.take('b', p.b.close(cb, 200));
    p.flush();
    assert.equal(lost, 1);
    assert.equal(p.a.connection(ca), undefined);
    assert.deepEqual(p.a.addresses(ca), {
      local: { addr: A_ADDR, port: 49152 },
      remote: { addr: B_ADDR, port: 80 },
    });
    assert.deepEqual(p.a.connections(700), [
      {
        state: 'TIME-WAIT',
        local: { addr: A_ADDR, port: 49152 },
        remote: { addr: B_ADDR, port: 80 },
        sendQ: 0,
        recvQ: 0,
        timer: { kind: 'time-wait', remaining: 1500 },
        conn: ca,
      },
    ]);
    assert.equal(p.a.nextDeadline(), 2200);
    assert.equal(p.b.connection(cb)?.state, 'LAST-ACK');

    // B retransmits its FIN after the RTO (1 s, no RTT sample yet for the FIN... or a measured one).
    const finRetx = p.b.nextDeadline();
    assert.ok(finRetx !== undefined && finRetx < 2200);
    p.at(finRetx);
    const last2 = p.sent.slice(-2);
    assert.deepEqual(
      last2.map((s) => [s.from, s.pkt.seg.flags]),
      [
        ['b', FIN | ACK],
        ['a', ACK],
      ],
    );
    // The record's ACK acknowledges the FIN: B is done.
    assert.deepEqual(p.connEvents('b', cb).slice(-1), ['closed']);
    assert.equal(p.a.nextDeadline(), finRetx + 2 * MSL);
    assert.equal(p.a.connections(finRetx)[0]?.timer?.remaining, 2 * MSL);

    // Not a millisecond early.
    p.at(finRetx + 2 * MSL - 1);
    assert.deepEqual(p.connEvents('a', ca), ['connected', 'fin-acked', 'peer-fin', 'time-wait']);
    p.at(finRetx + 2 * MSL);
    assert.deepEqual(p.connEvents('a', ca), ['connected', 'fin-acked', 'peer-fin', 'time-wait', 'closed']);
    assert.equal(p.events.a.at(-1)?.t, finRetx + 2 * MSL);
    assert.deepEqual(p.a.connections(p.now), []);
    assert.equal(p.a.addresses(ca), undefined);
    assert.equal(p.a.nextDeadline(), undefined);

    // The trace reads as if the Connection held TIME-WAIT to the end.
    const tail = p.trace.filter((e) => e.endpoint === 'A' && e.t === finRetx + 2 * MSL);
    assert.deepEqual(
      tail.map((e) =>
        e.type === 'state' ? `${e.from}->${e.to} ${e.cause}` : e.type === 'timer' ? `${e.timer} ${e.action}` : e.type,
      ),
      ['time-wait fired', 'TIME-WAIT->CLOSED 2MSL timeout', 'event'],
    );
    const recAck = p.trace.find((e) => e.endpoint === 'A' && e.type === 'send' && e.t === finRetx);
    assert.ok(recAck && recAck.type === 'send');
    assert.deepEqual([recAck.relSeq, recAck.relAck], [2, 2]);
  });

  test('user calls on a record answer as the object in TIME-WAIT would; abort ends it', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    p.take('a', p.a.close(ca, 0));
    p.flush();
    p.take('b', p.b.close(cb, 0));
    p.flush();
    assert.equal(p.a.connection(ca), undefined);
    assertUsage(() => p.a.send(ca, new Uint8Array(1), 0), 'ERR_TCP_CLOSING');
    assertUsage(() => p.a.shutdown(ca, 0), 'ERR_TCP_CLOSING');
    assertUsage(() => p.a.close(ca, 0), 'ERR_TCP_CLOSING');
    assertUsage(() => p.a.read(ca, 0), 'ERR_TCP_CLOSING');
    assert.deepEqual(p.a.setKeepalive(ca, true, undefined, 0), { packets: [], events: [] });
    const out = p.a.abort(ca, 10);
    assert.deepEqual(out, { packets: [], events: [{ type: 'conn', conn: ca, event: { type: 'closed' } }] });
    assertUsage(() => p.a.read(ca, 10), 'ERR_TCP_NOT_CONNECTED');
    assert.equal(p.a.nextDeadline(), undefined);
  });

  test('after a half-close the record reads null and accepts one close()', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    p.take('a', p.a.shutdown(ca, 0));
    p.flush();
    p.take('b', p.b.close(cb, 0));
    p.flush();
    assert.equal(p.a.connection(ca), undefined);
    assert.equal(p.a.read(ca, 0).data, null);
    assert.deepEqual(p.a.close(ca, 0), { packets: [], events: [] });
    assertUsage(() => p.a.close(ca, 0), 'ERR_TCP_CLOSING');
  });

  test('unread data keeps the object in TIME-WAIT until it is read', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    p.take('a', p.a.shutdown(ca, 0));
    p.flush();
    p.take('b', p.b.send(cb, new Uint8Array([1, 2, 3]), 0));
    p.take('b', p.b.close(cb, 0));
    p.flush();
    assert.equal(p.a.connection(ca)?.state, 'TIME-WAIT');
    assert.equal(p.a.connections(0)[0]?.recvQ, 3);
    assert.deepEqual(p.a.read(ca, 0).data, new Uint8Array([1, 2, 3]));
    assert.equal(p.a.connection(ca), undefined);
    assert.deepEqual(
      p.a.connections(0).map((r) => [r.state, r.timer]),
      [['TIME-WAIT', { kind: 'time-wait', remaining: 2 * MSL }]],
    );
    p.at(2 * MSL);
    assert.deepEqual(p.connEvents('a', ca).at(-1), 'closed');
  });

  test('a stray segment to the record is answered with an ACK; a RST is ignored (RFC 1337)', () => {
    const p = new Pair();
    const { ca, cb } = p.establish(80, 40000);
    p.take('a', p.a.close(ca, 0));
    p.flush();
    p.take('b', p.b.close(cb, 0));
    p.flush();
    const rst = p.inject('a', {
      src: B_ADDR,
      dst: A_ADDR,
      seg: seg({ srcPort: 80, dstPort: 40000, seq: 5, flags: RST }),
    });
    assert.deepEqual(rst, { packets: [], events: [] });
    const old = p.inject('a', {
      src: B_ADDR,
      dst: A_ADDR,
      seg: seg({ srcPort: 80, dstPort: 40000, seq: 5, ack: 5, flags: ACK, payload: new Uint8Array(10) }),
    });
    assert.equal(old.packets.length, 1);
    assert.equal((old.packets[0] as Packet).seg.flags, ACK);
    assert.deepEqual(drops(p.trace, 'A'), ['time-wait-rst', 'time-wait-old']);
    assert.equal(p.a.connections(0)[0]?.state, 'TIME-WAIT');
  });

  test('a new SYN reopens a tuple in TIME-WAIT at a listener, with an ISN beyond the old one', () => {
    const p = new Pair();
    const first = p.establish(80, 40000);
    // The server closes first, so the server holds TIME-WAIT.
    p.at(10);
    p.take('b', p.b.close(first.cb, 10));
    p.flush();
    p.take('a', p.a.close(first.ca, 10));
    p.flush();
    assert.equal(p.b.connections(10).find((r) => r.conn === first.cb)?.state, 'TIME-WAIT');
    assert.deepEqual(p.connEvents('a', first.ca).at(-1), 'closed');
    const oldFin = p.sent.find((s) => s.from === 'b' && s.pkt.seg.flags & FIN) as Sent;

    p.at(500);
    const { conn: ca2, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 500, { local: { port: 40000 } });
    p.take('a', out);
    p.flush();
    assert.deepEqual(p.connEvents('b', first.cb), ['connected', 'fin-acked', 'peer-fin', 'time-wait', 'closed']);
    const accepts = p.events.b.filter(({ ev }) => ev.type === 'accept');
    assert.equal(accepts.length, 2);
    assert.deepEqual(p.connEvents('a', ca2), ['connected']);
    const synAck = p.sent.filter((s) => s.from === 'b' && s.pkt.seg.flags === (SYN | ACK)).at(-1) as Sent;
    assert.ok(seqGt(synAck.pkt.seg.seq, oldFin.pkt.seg.seq));
    assert.ok(
      p.trace.some(
        (e) => e.type === 'state' && e.endpoint === 'B' && e.from === 'TIME-WAIT' && e.cause === 'SYN reuses the tuple',
      ),
    );
  });
});

describe('Endpoint: reusing a tuple in TIME-WAIT', () => {
  /** B (the server) closes first and holds TIME-WAIT for A:40000 > B:80. */
  function serverTimeWait(p: Pair, payload = 0): { ca: ConnId; cb: ConnId; fin: Segment } {
    const { ca, cb } = p.establish(80, 40000);
    if (payload > 0) assert.equal(p.take('b', p.b.send(cb, new Uint8Array(payload), p.now)).accepted, payload);
    p.take('b', p.b.close(cb, p.now));
    p.flush();
    // A reads what it was sent before closing: a close() with unread data would reset (RFC 1122 §4.2.2.13).
    for (let r = p.a.read(ca, p.now); r.data !== null; r = p.a.read(ca, p.now)) p.take('a', r);
    p.flush();
    p.take('a', p.a.close(ca, p.now));
    p.flush();
    assert.equal(p.b.connections(p.now).find((r) => r.conn === cb)?.state, 'TIME-WAIT');
    const fin = p.sent.filter((s) => s.from === 'b' && s.pkt.seg.flags & FIN).at(-1)?.pkt.seg;
    assert.ok(fin);
    return { ca, cb, fin };
  }

  test('when the clock ISN is not past the old SND.NXT, the new ISN is SND.NXT + 65535 + 2', () => {
    const p = new Pair({ config: { msl: MSL, delayedAck: false } });
    // 100 kB at t=0: the old SND.NXT is far ahead of where the ISN clock (250 per ms) gets by t=1.
    const { cb, fin } = serverTimeWait(p, 100_000);
    const oldSndNxt = seqAdd(fin.seq, fin.payload.length + 1);
    p.at(1);
    const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 1, { local: { port: 40000 } });
    p.take('a', out);
    p.flush();
    assert.deepEqual(p.connEvents('b', cb).at(-1), 'closed');
    assert.deepEqual(p.connEvents('a', conn), ['connected']);
    const synAck = p.sent.filter((s) => s.from === 'b' && s.pkt.seg.flags === (SYN | ACK)).at(-1)?.pkt.seg;
    assert.equal(synAck?.seq, seqAdd(oldSndNxt, 65535 + 2));
  });

  test('without a listener a reopening SYN is answered with the TIME-WAIT ACK and the record stays', () => {
    const p = new Pair();
    const { cb, fin } = serverTimeWait(p);
    p.take('b', p.b.unlisten(1, p.now));
    p.at(500);
    const out = p.b.handlePacket(
      { src: A_ADDR, dst: B_ADDR, seg: seg({ srcPort: 40000, dstPort: 80, seq: 0x7000_0000, flags: SYN }) },
      500,
    );
    assert.equal(out.packets.length, 1);
    const ack = (out.packets[0] as Packet).seg;
    assert.equal(ack.flags, ACK);
    assert.equal(ack.seq, seqAdd(fin.seq, 1));
    assert.deepEqual(out.events, []);
    assert.equal(p.b.connections(500).find((r) => r.conn === cb)?.state, 'TIME-WAIT');
  });

  test('a reopening SYN while the object still holds TIME-WAIT (unread data) goes to the listener', () => {
    const p = new Pair();
    const { ca, cb } = p.establish(80, 40000);
    p.take('b', p.b.shutdown(cb, 0));
    p.flush();
    p.take('a', p.a.send(ca, new Uint8Array([9, 9]), 0));
    p.take('a', p.a.close(ca, 0));
    p.flush();
    assert.equal(p.b.connection(cb)?.state, 'TIME-WAIT');
    p.at(300);
    const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, 300, { local: { port: 40000 } });
    p.take('a', out);
    p.flush();
    assert.deepEqual(p.connEvents('b', cb), ['connected', 'fin-acked', 'readable', 'peer-fin', 'time-wait', 'closed']);
    assert.deepEqual(p.connEvents('a', conn), ['connected']);
    assert.equal(p.events.b.filter(({ ev }) => ev.type === 'accept').length, 2);
  });
});

describe('Endpoint: IPv6', () => {
  test('addresses are matched in canonical form and labelled in brackets', () => {
    const p = new Pair({ addresses: ['2001:db8::a'] }, { addresses: ['2001:DB8:0:0::b'] });
    p.b.listen({ port: 80 });
    const { conn, out } = p.a.connect({ addr: '2001:db8:0::B', port: 80 }, 0);
    p.take('a', out);
    p.flush();
    assert.deepEqual(p.connEvents('a', conn), ['connected']);
    assert.deepEqual(p.a.addresses(conn), {
      local: { addr: '2001:db8::a', port: 49152 },
      remote: { addr: '2001:db8::b', port: 80 },
    });
    const first = p.trace.find((e) => e.endpoint === 'A');
    assert.equal(first?.conn, '[2001:db8::a]:49152>[2001:db8::b]:80');
    // A packet to a non-canonical spelling of B's address is still B's.
    const stray = p.inject('b', {
      src: '2001:db8::a',
      dst: '2001:0DB8::000B',
      seg: seg({ srcPort: 1, dstPort: 9, seq: 1, flags: SYN }),
    });
    assert.equal(stray.packets[0]?.seg.flags, RST | ACK);
    assert.equal(stray.packets[0]?.src, '2001:db8::b');
  });
});

describe('Endpoint: listeners', () => {
  function synFrom(port: number, seq = 1000): Packet {
    return { src: A_ADDR, dst: B_ADDR, seg: seg({ srcPort: port, dstPort: 80, seq, flags: SYN, wnd: 65535 }) };
  }

  test('SYN queue overflow with SYN cookies off: further SYNs are dropped silently', () => {
    const p = new Pair();
    const l = p.b.listen({ port: 80 }, { backlog: 2, synCookies: false });
    assert.equal(p.inject('b', synFrom(5001)).packets[0]?.seg.flags, SYN | ACK);
    assert.equal(p.inject('b', synFrom(5002)).packets[0]?.seg.flags, SYN | ACK);
    assert.deepEqual(p.inject('b', synFrom(5003)), { packets: [], events: [] });
    assert.deepEqual(drops(p.trace, 'B'), ['listen-overflow']);
    const rows = p.b.connections(0);
    assert.deepEqual(
      rows.map((r) => [r.state, r.remote?.port, r.sendQ, r.recvQ]),
      [
        ['LISTEN', undefined, 2, 2],
        ['SYN-RECEIVED', 5001, 0, 0],
        ['SYN-RECEIVED', 5002, 0, 0],
      ],
    );
    assert.equal(rows[0]?.listener, l);
    // A retransmitted SYN of a queued connection goes to that connection, not to the listener.
    // (SYN-RECEIVED answers a duplicate SYN by sending its SYN,ACK again.)
    const again = p.inject('b', synFrom(5001));
    assert.equal(again.packets[0]?.seg.flags, SYN | ACK);
    assert.equal(drops(p.trace, 'B').filter((r) => r === 'listen-overflow').length, 1);
    assert.equal(p.b.connections(0).length, 3);
    // Half-open connections are not announced.
    assert.deepEqual(p.events.b, []);
  });

  test('a half-open connection that times out leaves the SYN queue quietly', () => {
    const p = new Pair({}, { config: { msl: MSL, synRetries: 1 } });
    p.b.listen({ port: 80 }, { backlog: 1, synCookies: false });
    p.inject('b', synFrom(5001));
    assert.deepEqual(p.inject('b', synFrom(5002)), { packets: [], events: [] });
    p.filter = () => false; // B's SYN,ACKs go nowhere
    p.at(60_000);
    assert.deepEqual(
      p.b.connections(p.now).map((r) => r.state),
      ['LISTEN'],
    );
    assert.deepEqual(p.events.b, []);
    assert.equal(p.inject('b', synFrom(5002)).packets[0]?.seg.flags, SYN | ACK);
  });

  test('unlisten drops half-open connections without a RST; a late ACK meets a closed port; accepted ones live on', () => {
    const p = new Pair();
    const { ca, cb, listener } = p.establish();
    // Injected straight into B: its SYN,ACK never reaches A (which would reset it).
    const half = p.b.handlePacket(synFrom(5001, 777), 0);
    const synAck = (half.packets[0] as Packet).seg;
    assert.deepEqual(
      p.b.connections(0).map((r) => r.state),
      ['LISTEN', 'ESTABLISHED', 'SYN-RECEIVED'],
    );
    // As Linux frees its request sockets (inet_csk_listen_stop resets only established children).
    const out = p.b.unlisten(listener, 0);
    assert.deepEqual(out, { packets: [], events: [] });
    assert.deepEqual(
      p.b.connections(0).map((r) => r.state),
      ['ESTABLISHED'],
    );
    // The handshake's ACK comes late: RFC 9293 §3.10.7.1, <SEQ=SEG.ACK><CTL=RST>, no ACK bit.
    const lateAck = seg({ srcPort: 5001, dstPort: 80, seq: 778, ack: seqAdd(synAck.seq, 1), flags: ACK, wnd: 65535 });
    const late = p.inject('b', { src: A_ADDR, dst: B_ADDR, seg: lateAck });
    assert.equal(late.packets.length, 1);
    const rst = late.packets[0] as Packet;
    assert.equal(rst.dst, A_ADDR);
    assert.equal(rst.seg.dstPort, 5001);
    assert.equal(rst.seg.flags, RST);
    assert.equal(rst.seg.seq, seqAdd(synAck.seq, 1));
    // The accepted connection still works.
    p.take('a', p.a.send(ca, new Uint8Array([1, 2, 3]), 0));
    p.flush();
    assert.deepEqual(p.connEvents('b', cb), ['connected', 'readable']);
    // No listener now: a new SYN is reset.
    assert.equal(p.inject('b', synFrom(5002)).packets[0]?.seg.flags, RST | ACK);
    assertUsage(() => p.b.unlisten(listener, 0), 'ERR_INVALID_ARG_VALUE');
  });
});

describe('Endpoint: deadlines and misuse', () => {
  test('2,000 connections: nextDeadline is the minimum over all of them at every step', () => {
    const p = new Pair();
    p.b.listen({ port: 80 });
    const ids: ConnId[] = [];
    for (let i = 0; i < 2000; i++) {
      p.at(i); // one new connection per millisecond
      const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
      p.take('a', out);
      ids.push(conn);
    }
    p.flush();
    const bruteForce = (ep: Endpoint): number | undefined => {
      let best: number | undefined;
      for (const row of ep.connections(p.now)) {
        if (row.conn === undefined) continue;
        const d = ep.connection(row.conn)?.nextDeadline();
        if (d !== undefined && (best === undefined || d < best)) best = d;
      }
      return best;
    };
    // Data on every third connection, dropped, so retransmission timers spread over time.
    p.filter = (s) => !(s.from === 'a' && s.pkt.seg.payload.length > 0);
    for (let i = 0; i < ids.length; i += 3) {
      p.at(2000 + i);
      p.take('a', p.a.send(ids[i] as ConnId, new Uint8Array([i & 0xff]), p.now));
    }
    p.flush();
    assert.equal(p.a.nextDeadline(), bruteForce(p.a));
    assert.equal(p.b.nextDeadline(), bruteForce(p.b));
    // Close half of them and walk time forward; check at each of the first 200 wake-ups.
    for (let i = 1; i < ids.length; i += 2) p.take('a', p.a.close(ids[i] as ConnId, p.now));
    p.flush();
    p.filter = () => true;
    for (let step = 0; step < 200; step++) {
      assert.equal(p.a.nextDeadline(), bruteForce(p.a));
      assert.equal(p.b.nextDeadline(), bruteForce(p.b));
      const d = Math.min(p.a.nextDeadline() ?? Infinity, p.b.nextDeadline() ?? Infinity);
      if (d === Infinity) break;
      p.at(d);
    }
    const live = p.a.connections(p.now).filter((r) => r.conn !== undefined).length;
    assert.ok(live > 1000);
  });

  test('unknown connection ids and time going backwards are usage errors', () => {
    const p = new Pair();
    assertUsage(() => p.a.send(42, new Uint8Array(1), 0), 'ERR_TCP_NOT_CONNECTED');
    assertUsage(() => p.a.close(42, 0), 'ERR_TCP_NOT_CONNECTED');
    p.a.handleTimeout(100);
    assertUsage(() => p.a.handleTimeout(99), 'ERR_TCP_TIME_BACKWARDS');
    assertUsage(() => p.a.connect({ addr: B_ADDR, port: 0 }, 100), 'ERR_INVALID_ARG_VALUE');
  });

  test('connection ids are never reused', () => {
    const p = new Pair();
    const seen = new Set<ConnId>();
    for (let i = 0; i < 5; i++) {
      const { conn, out } = p.a.connect({ addr: B_ADDR, port: 9 }, 0);
      p.take('a', out);
      p.flush(); // refused: the connection is gone again
      assert.equal(p.a.connection(conn), undefined);
      assert.ok(!seen.has(conn));
      seen.add(conn);
    }
  });
});
