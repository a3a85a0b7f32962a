// The TIME-WAIT table (time-wait-table.ts), through the Endpoint that uses it, traced step by
// step. A record must answer and trace as the Connection object in TIME-WAIT would; a SYN that may
// reuse the tuple meets a listener with room, a full SYN queue or no listener, whether a record or
// the object (kept for its unread bytes) holds TIME-WAIT.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnId } from '../../src/core/endpoint.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { ACK, ctl, FIN, RST, type Segment, SYN } from '../../src/wire/segment.js';
import { seqAdd } from '../../src/wire/seq.js';
import { A_ADDR, B_ADDR, MSL, Pair, seg } from './endpoint-pair.js';

const HELLO = new Uint8Array([1, 2, 3, 4, 5]);

/** B's trace events from index `from` on, one short line each. */
function traceOfB(p: Pair, from: number): string[] {
  return p.trace.slice(from).flatMap((e: TraceEvent) => {
    if (e.endpoint !== 'B') return [];
    switch (e.type) {
      case 'recv':
      case 'send':
        return [`${e.type} ${ctl(e.seg.flags)} ${e.relSeq}/${e.relAck}`];
      case 'drop':
        return [`drop ${e.reason}`];
      case 'state':
        return [`state ${e.from} > ${e.to} (${e.cause})`];
      case 'event':
        return [`event ${e.event.type}`];
      case 'timer':
        return [`timer ${e.timer} ${e.action} ${e.deadline ?? ''}`];
      default:
        return [];
    }
  });
}

/**
 * B (the server) closes first and holds TIME-WAIT for A:40000 > B:80, entered at t=0. With
 * `unread`, B has HELLO from A unread, so the Connection object holds TIME-WAIT; else a record.
 */
function serverTimeWait(p: Pair, unread: boolean): { ca: ConnId; cb: ConnId; fin: Segment } {
  const { ca, cb } = p.establish(80, 40000);
  if (unread) {
    p.take('a', p.a.send(ca, HELLO, 0));
    p.flush();
  }
  p.take('b', p.b.shutdown(cb, 0));
  p.flush();
  p.take('a', p.a.close(ca, 0));
  p.flush();
  assert.equal(p.b.connections(0).find((r) => r.conn === cb)?.state, 'TIME-WAIT');
  assert.equal(p.b.connection(cb) !== undefined, unread, unread ? 'the object holds TIME-WAIT' : 'a record does');
  const fin = p.sent.filter((s) => s.from === 'a' && s.pkt.seg.flags & FIN).at(-1)?.pkt.seg;
  assert.ok(fin);
  return { ca, cb, fin };
}

/**
 * A new SYN from A:40000, a quarter of the sequence space ahead of the old connection's last
 * number (its FIN), so it may reuse the tuple whatever ISNs the addresses hash to.
 */
function reopeningSyn(fin: Segment): Segment {
  return seg({ srcPort: 40000, dstPort: 80, seq: seqAdd(fin.seq, 0x4000_0000), flags: SYN });
}

describe('Endpoint: a TIME-WAIT record answers and traces as the object would', () => {
  test('a retransmitted FIN: recv, send ACK, 2MSL armed again; then expiry: fired, CLOSED, closed', () => {
    const p = new Pair();
    const { cb, fin } = serverTimeWait(p, false);
    p.at(700);
    const mark = p.trace.length;
    const sentBefore = p.b.stats.segmentsSent;
    const out = p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: fin }, p.now);
    assert.deepEqual(
      out.packets.map((k) => [k.src, k.dst, ctl(k.seg.flags), k.seg.seq, k.seg.ack]),
      [[B_ADDR, A_ADDR, 'ACK', fin.ack, seqAdd(fin.seq, 1)]],
    );
    assert.equal(p.b.stats.segmentsSent, sentBefore + 1);
    assert.deepEqual(traceOfB(p, mark), ['recv FIN,ACK 1/2', 'send ACK 2/2', `timer time-wait armed ${700 + 2 * MSL}`]);
    assert.equal(p.b.nextDeadline(), 700 + 2 * MSL);

    const mark2 = p.trace.length;
    p.at(700 + 2 * MSL);
    assert.deepEqual(traceOfB(p, mark2), [
      `timer time-wait fired ${700 + 2 * MSL}`,
      'state TIME-WAIT > CLOSED (2MSL timeout)',
      'event closed',
    ]);
    assert.equal(p.connEvents('b', cb).at(-1), 'closed');
    assert.equal(p.b.stats.timeWait.expired, 1);
    assert.deepEqual(p.b.addresses(cb), undefined);
  });

  test('an old duplicate: recv, drop, send ACK, and 2MSL is not restarted', () => {
    const p = new Pair();
    serverTimeWait(p, false);
    p.at(300);
    const mark = p.trace.length;
    const out = p.b.handlePacket(
      {
        src: A_ADDR,
        dst: B_ADDR,
        seg: seg({ srcPort: 40000, dstPort: 80, seq: 0x7000_0000, ack: 0x7000_0000, flags: ACK }),
      },
      p.now,
    );
    assert.equal(out.packets.length, 1);
    const lines = traceOfB(p, mark);
    assert.match(lines[0] as string, /^recv ACK /);
    assert.deepEqual(lines.slice(1), ['drop time-wait-old', 'send ACK 2/2']);
    assert.equal(p.b.nextDeadline(), 2 * MSL);
  });

  test('without RFC 1337 an exact RST ends the record: recv, CLOSED (RST in TIME-WAIT), closed', () => {
    const config = { msl: MSL, rfc1337: false };
    const p = new Pair({ config }, { config });
    const { cb, fin } = serverTimeWait(p, false);
    p.at(300);
    const mark = p.trace.length;
    const rst = seg({ srcPort: 40000, dstPort: 80, seq: seqAdd(fin.seq, 1), flags: RST });
    const out = p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: rst }, p.now);
    assert.deepEqual(out.packets, []);
    assert.deepEqual(out.events, [{ type: 'conn', conn: cb, event: { type: 'closed' } }]);
    assert.deepEqual(traceOfB(p, mark), [
      'recv RST 2/0',
      'state TIME-WAIT > CLOSED (RST in TIME-WAIT)',
      'event closed',
    ]);
    assert.equal(p.b.nextDeadline(), undefined);
    assert.equal(p.b.addresses(cb), undefined);
  });

  test('abort() of a record: CLOSED (ABORT), closed, nothing sent', () => {
    const p = new Pair();
    const { cb } = serverTimeWait(p, false);
    const mark = p.trace.length;
    const out = p.b.abort(cb, 100);
    assert.deepEqual(out, { packets: [], events: [{ type: 'conn', conn: cb, event: { type: 'closed' } }] });
    assert.deepEqual(traceOfB(p, mark), ['state TIME-WAIT > CLOSED (ABORT)', 'event closed']);
    assert.equal(p.b.nextDeadline(), undefined);
  });
});

describe('Endpoint: a SYN that may reuse a tuple in TIME-WAIT', () => {
  for (const unread of [false, true]) {
    const holder = unread ? 'the object (unread bytes)' : 'a record';

    test(`${holder}, no listener: answered with the TIME-WAIT ACK, TIME-WAIT stays`, () => {
      const p = new Pair();
      const { cb, fin } = serverTimeWait(p, unread);
      p.take('b', p.b.unlisten(1, 0));
      p.at(500);
      const mark = p.trace.length;
      const out = p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: reopeningSyn(fin) }, p.now);
      assert.deepEqual(
        out.packets.map((k) => [ctl(k.seg.flags), k.seg.seq, k.seg.ack]),
        [['ACK', fin.ack, seqAdd(fin.seq, 1)]],
      );
      assert.deepEqual(out.events, []);
      // The ACK acknowledges the FIN (and HELLO before it, when unread).
      assert.deepEqual(traceOfB(p, mark).slice(1), [unread ? 'send ACK 2/7' : 'send ACK 2/2']);
      assert.match(traceOfB(p, mark)[0] as string, /^recv SYN /);
      assert.equal(p.b.connections(500).find((r) => r.conn === cb)?.state, 'TIME-WAIT');
      assert.equal(p.b.stats.timeWait.reused, 0);
      assert.equal(p.b.nextDeadline(), 2 * MSL);
    });

    test(`${holder}, a full SYN queue: dropped (listen-overflow), TIME-WAIT stays`, () => {
      const p = new Pair();
      const { cb, fin } = serverTimeWait(p, unread);
      p.take('b', p.b.unlisten(1, 0));
      p.b.listen({ port: 80 }, { synQueue: 0 });
      p.at(500);
      const mark = p.trace.length;
      const out = p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: reopeningSyn(fin) }, p.now);
      assert.deepEqual(out, { packets: [], events: [] });
      assert.deepEqual(traceOfB(p, mark).slice(1), ['drop listen-overflow']);
      assert.match(traceOfB(p, mark)[0] as string, /^recv SYN /);
      assert.equal(p.b.connections(500).find((r) => r.conn === cb)?.state, 'TIME-WAIT');
      assert.equal(p.b.stats.timeWait.reused, 0);
      assert.equal(p.b.stats.drops['listen-overflow'], 1);
    });

    test(`${holder}, a listener with room: TIME-WAIT ends, the SYN makes a new connection`, () => {
      const p = new Pair();
      const { cb, fin } = serverTimeWait(p, unread);
      p.at(500);
      const mark = p.trace.length;
      const out = p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: reopeningSyn(fin) }, p.now);
      assert.deepEqual(
        out.packets.map((k) => ctl(k.seg.flags)),
        ['SYN,ACK'],
      );
      assert.deepEqual(out.events, [{ type: 'conn', conn: cb, event: { type: 'closed' } }]);
      const lines = traceOfB(p, mark);
      const reopened = lines.indexOf('state TIME-WAIT > CLOSED (SYN reuses the tuple)');
      assert.ok(reopened > 0, lines.join('\n'));
      assert.deepEqual(lines.slice(reopened - 1, reopened + 2), [
        'drop reopen',
        'state TIME-WAIT > CLOSED (SYN reuses the tuple)',
        'event closed',
      ]);
      assert.match(lines[0] as string, /^recv SYN /);
      assert.equal(p.b.stats.timeWait.reused, 1);
      assert.deepEqual(
        p.b.connections(500).map((r) => r.state),
        // The old connection stays listed while its bytes are unread: CLOSED, Recv-Q 5.
        unread ? ['LISTEN', 'CLOSED', 'SYN-RECEIVED'] : ['LISTEN', 'SYN-RECEIVED'],
      );
      if (unread) assert.deepEqual(p.b.read(cb, 500).data, HELLO);
      else assert.equal(p.b.addresses(cb), undefined);
    });
  }
});
