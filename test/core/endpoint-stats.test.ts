// Endpoint counters (`stats`, like `netstat -s`).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Endpoint, type EndpointStats } from '../../src/core/endpoint.js';
import { formatStats, statsLines } from '../../src/core/stats.js';
import { ACK, FIN, RST, SYN } from '../../src/wire/segment.js';
import { seqAdd } from '../../src/wire/seq.js';
import { A_ADDR, B_ADDR, MSL, Pair, secret, seg } from './endpoint-pair.js';

/** The counters that are not zero (drops likewise), for compact exact comparisons. */
function nonZero(s: EndpointStats): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number') {
      if (v !== 0) out[k] = v;
    } else {
      const inner = Object.fromEntries(Object.entries(v as Record<string, number>).filter(([, n]) => n !== 0));
      if (Object.keys(inner).length > 0) out[k] = inner;
    }
  }
  return out;
}

describe('Endpoint: stats', () => {
  test('a fresh endpoint: every counter 0, one drop counter per DropReason', () => {
    const p = new Pair();
    const s = p.a.stats;
    assert.deepEqual(nonZero(s), {});
    for (const reason of ['truncated', 'checksum', 'no-connection', 'unacceptable', 'internal-error', 'link-loss']) {
      assert.equal(s.drops[reason as keyof EndpointStats['drops']], 0, reason);
    }
    assert.deepEqual(s.failed, { ECONNREFUSED: 0, ECONNRESET: 0, ETIMEDOUT: 0, EPIPE: 0, ECONNABORTED: 0 });
  });

  test('a clean lifecycle: segments in and out match the wire; opens, accept, TIME-WAIT created and expired', () => {
    const p = new Pair();
    const { ca, cb } = p.establish(80, 40000);
    p.take('a', p.a.send(ca, new Uint8Array(100), 0));
    p.flush();
    p.at(10);
    p.take('a', p.a.close(ca, 10));
    p.flush();
    // B reads the 100 bytes first: closing with unread data would reset instead (RFC 1122 §4.2.2.13).
    assert.equal(p.take('b', p.b.read(cb, 10)).data?.length, 100);
    p.take('b', p.b.close(cb, 10));
    p.flush();
    p.at(10 + 2 * MSL);
    const fromA = p.sent.filter((s) => s.from === 'a').length;
    const fromB = p.sent.filter((s) => s.from === 'b').length;
    assert.deepEqual([fromA, fromB], [5, 3]);
    assert.deepEqual(nonZero(p.a.stats), {
      segmentsReceived: fromB,
      segmentsSent: fromA,
      activeOpens: 1,
      timeWait: { created: 1, expired: 1 },
    });
    assert.deepEqual(nonZero(p.b.stats), {
      segmentsReceived: fromA,
      segmentsSent: fromB,
      passiveOpens: 1,
      accepted: 1,
    });
  });

  test('connection refused: RST counted on both sides, the failure by code, the drop by reason', () => {
    const p = new Pair();
    p.take('a', p.a.connect({ addr: B_ADDR, port: 9 }, 0).out);
    p.flush();
    assert.deepEqual(nonZero(p.a.stats), {
      segmentsReceived: 1,
      segmentsSent: 1,
      rstsReceived: 1,
      activeOpens: 1,
      failed: { ECONNREFUSED: 1 },
    });
    assert.deepEqual(nonZero(p.b.stats), {
      segmentsReceived: 1,
      segmentsSent: 1,
      rstsSent: 1,
      drops: { 'no-connection': 1 },
    });
  });

  test('SYN retransmissions and ETIMEDOUT; retransmissions stay counted once the connection is gone', () => {
    const p = new Pair({ config: { msl: MSL, synRetries: 2 } });
    p.filter = () => false; // a black hole
    const { conn } = p.a.connect({ addr: B_ADDR, port: 80 }, 0);
    p.at(1500);
    assert.equal(p.a.stats.retransmissions, 1); // live connection: summed on demand
    p.at(100_000);
    assert.deepEqual(p.connEvents('a', conn), ['error', 'closed']);
    assert.equal(p.a.connection(conn), undefined);
    assert.deepEqual(nonZero(p.a.stats), {
      segmentsSent: 3,
      retransmissions: 2,
      activeOpens: 1,
      failed: { ETIMEDOUT: 1 },
    });
  });

  test('drops traced by a Connection are counted, even with no trace sink', () => {
    const a = new Endpoint({ name: 'A', addresses: [A_ADDR], isnSecret: secret(1), random: () => 0 });
    const b = new Endpoint({ name: 'B', addresses: [B_ADDR], isnSecret: secret(2), random: () => 0 });
    b.listen({ port: 80 });
    const { out } = a.connect({ addr: B_ADDR, port: 80 }, 0, { local: { port: 40000 } });
    const synAck = b.handlePacket(out.packets[0] as (typeof out.packets)[0], 0).packets[0];
    assert.ok(synAck);
    const ack = a.handlePacket(synAck, 0).packets[0];
    assert.ok(ack);
    b.handlePacket(ack, 0);
    // A segment far outside B's window: the Connection drops it ('unacceptable') and ACKs.
    const stray = seg({
      srcPort: 40000,
      dstPort: 80,
      seq: (ack.seg.seq + 0x4000_0000) >>> 0,
      ack: ack.seg.ack,
      flags: ACK,
    });
    const answer = b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: stray }, 1);
    assert.equal(answer.packets.length, 1);
    assert.deepEqual(nonZero(b.stats).drops, { unacceptable: 1 });
    // And at the endpoint level: not for us.
    b.handlePacket({ src: A_ADDR, dst: '203.0.113.9', seg: stray }, 1);
    assert.deepEqual(nonZero(b.stats).drops, { unacceptable: 1, 'not-local': 1 });
    assert.equal(b.stats.segmentsReceived, 4);
  });

  test('with or without a trace sink: the same counters, drops included, and the same packets', () => {
    // Drops of the endpoint's own (strays, listeners, wire errors) and of a TIME-WAIT record, on
    // two pairs that differ only in having a sink. Traced drops must also equal counted ones.
    function run(traced: boolean): { p: Pair; wire: string[] } {
      const opts = traced ? {} : { trace: undefined };
      const p = new Pair(opts, opts);
      const { ca, cb } = p.establish(80, 40000);
      p.take('b', p.b.shutdown(cb, 0));
      p.flush();
      p.take('a', p.a.close(ca, 0));
      p.flush(); // B holds TIME-WAIT as a record
      const fin = p.sent.filter((x) => x.from === 'a' && x.pkt.seg.flags & FIN).at(-1)?.pkt.seg;
      assert.ok(fin);
      const toB = (fields: Parameters<typeof seg>[0], dst = B_ADDR): void => {
        p.b.handlePacket({ src: A_ADDR, dst, seg: seg(fields) }, p.now);
      };
      // A new SYN a quarter of the sequence space past the old FIN, whatever ISNs the addresses hash to.
      const reopen = seqAdd(fin.seq, 0x4000_0000);
      p.at(100);
      toB({ srcPort: 40000, dstPort: 80, seq: 0x7000_0000, ack: 0x7000_0000, flags: ACK }); // time-wait-old
      toB({ srcPort: 40000, dstPort: 80, seq: fin.seq + 1, flags: RST }); // RST: time-wait-rst (RFC 1337)
      p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: fin }, p.now); // FIN again: ACK, 2MSL again
      toB({ srcPort: 40001, dstPort: 81, seq: 1, ack: 1, flags: ACK }); // no-connection
      toB({ srcPort: 40001, dstPort: 81, seq: 1, flags: RST }); // rst-to-nothing
      toB({ srcPort: 40001, dstPort: 80, seq: 1, ack: 1, flags: ACK }); // listen-bad, with a RST
      toB({ srcPort: 40001, dstPort: 80, seq: 1, flags: FIN }); // listen-bad
      toB({ srcPort: 40001, dstPort: 80, seq: 1, flags: ACK }, '203.0.113.9'); // not-local
      toB({ srcPort: 0, dstPort: 80, seq: 1, flags: ACK }); // bad-header
      p.b.handleDatagram(new Uint8Array([0x45, 0]), p.now); // a wire error
      p.take('b', p.b.unlisten(1, p.now));
      p.b.listen({ port: 80 }, { synQueue: 0 });
      toB({ srcPort: 40000, dstPort: 80, seq: reopen, flags: SYN }); // listen-overflow at the record
      p.take('b', p.b.unlisten(2, p.now));
      toB({ srcPort: 40000, dstPort: 80, seq: reopen, flags: SYN }); // no listener: the record's ACK
      p.b.listen({ port: 80 });
      toB({ srcPort: 40000, dstPort: 80, seq: reopen, flags: SYN }); // reopen
      p.at(100 + 10 * MSL);
      const wire = p.sent.map((x) => `${x.from} ${x.pkt.seg.flags} ${x.pkt.seg.seq} ${x.pkt.seg.ack}`);
      return { p, wire };
    }
    const traced = run(true);
    const silent = run(false);
    assert.deepEqual(silent.p.b.stats, traced.p.b.stats);
    assert.deepEqual(silent.p.a.stats, traced.p.a.stats);
    assert.deepEqual(silent.wire, traced.wire);
    assert.equal(silent.p.trace.length, 0);
    const drops = traced.p.b.stats.drops;
    for (const reason of ['time-wait-old', 'time-wait-rst', 'no-connection', 'rst-to-nothing', 'listen-bad']) {
      assert.ok(drops[reason as keyof typeof drops] > 0, reason);
    }
    assert.deepEqual(
      [
        drops['not-local'],
        drops['bad-header'],
        drops['listen-overflow'],
        drops.reopen,
        traced.p.b.stats.timeWait.reused,
      ],
      [1, 1, 1, 1, 1],
    );
    const tracedDrops = traced.p.trace.filter((e) => e.type === 'drop' && e.endpoint === 'B').length;
    assert.equal(
      Object.values(drops).reduce((a, b) => a + b, 0),
      tracedDrops,
    );
  });

  test('a TIME-WAIT record reused by a new SYN is counted', () => {
    const p = new Pair();
    const first = p.establish(80, 40000);
    p.take('b', p.b.close(first.cb, 0)); // B closes first: B holds TIME-WAIT
    p.flush();
    p.take('a', p.a.close(first.ca, 0));
    p.flush();
    p.at(500);
    p.take('a', p.a.connect({ addr: B_ADDR, port: 80 }, 500, { local: { port: 40000 } }).out);
    p.flush();
    const tw = p.b.stats.timeWait;
    assert.deepEqual(tw, { created: 1, expired: 0, reused: 1 });
    assert.equal(p.b.stats.drops.reopen, 1);
    assert.equal(p.b.stats.accepted, 2);
  });

  test('stats is a snapshot: changing it changes nothing', () => {
    const p = new Pair();
    const s = p.a.stats;
    s.segmentsSent = 99;
    s.drops.checksum = 99;
    s.failed.ECONNRESET = 99;
    s.timeWait.created = 99;
    assert.deepEqual(nonZero(p.a.stats), {});
  });
});

test('statsLines / formatStats: every counter once, by the nstat name where Linux has one', () => {
  const p = new Pair();
  const { ca } = p.establish();
  p.take('a', p.a.send(ca, new Uint8Array(10), p.now));
  p.flush();
  const s = p.a.stats;
  const lines = statsLines(s);
  const names = lines.map(([k]) => k);
  assert.equal(new Set(names).size, names.length, 'names are unique');
  const value = (k: string): number | undefined => lines.find(([n]) => n === k)?.[1];
  assert.equal(value('TcpActiveOpens'), 1);
  assert.equal(value('TcpOutSegs'), s.segmentsSent);
  assert.equal(value('TcpInSegs'), s.segmentsReceived);
  assert.equal(value('TcpExtSyncookiesSent'), 0);
  // Every drop reason and every limit has its line.
  assert.equal(names.filter((n) => n.startsWith('FinackDrop')).length, Object.keys(s.drops).length);
  assert.equal(value('FinackDropRstOutOfWindow'), s.drops['rst-out-of-window']);
  assert.equal(names.filter((n) => n.startsWith('FinackLimit')).length, 4);
  assert.equal(value('FinackLimitReassembly'), 0);
  assert.equal(value('FinackOutOfOrderBytes'), 0);
  const text = formatStats(s);
  assert.equal(text.split('\n').length, lines.length + 1);
  assert.match(text, /^TcpActiveOpens +1$/m);
});
