// The TIME-WAIT table (time-wait-table.ts), through the Endpoint that uses it, traced step by
// step. A record must answer and trace as the Connection object in TIME-WAIT would; a SYN that may
// reuse the tuple meets a listener with room, a full SYN queue or no listener, whether a record or
// the object (kept for its unread bytes) holds TIME-WAIT.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveConfig, type TcpConfig } from '../../src/core/config.js';
import type { ConnId } from '../../src/core/endpoint.js';
import { Counters } from '../../src/core/stats.js';
import type { Instant } from '../../src/core/time.js';
import type { TimeWaitRecord } from '../../src/core/time-wait.js';
import { type TimeWaitEntry, TimeWaitTable } from '../../src/core/time-wait-table.js';
import { NO_TRACE } from '../../src/core/trace.js';
import { tupleKey, tupleLabel } from '../../src/core/tuple.js';
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

  for (const unread of [false, true]) {
    test(`ACKs to old duplicates come out of the host's budget; the retransmitted FIN is always answered (${unread ? 'object' : 'record'})`, () => {
      const LIMIT = 50;
      const p = new Pair({}, { challengeAckHostLimit: LIMIT });
      const { fin } = serverTimeWait(p, unread);
      p.at(300);
      let acks = 0;
      const N = 1000;
      for (let i = 0; i < N; i++) {
        const old = seg({ srcPort: 40000, dstPort: 80, seq: 0x7000_0000 + i, ack: 0x7000_0000, flags: ACK });
        acks += p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: old }, p.now).packets.length;
      }
      // Within one second the host allows about LIMIT (drawn per second, at most 1.5 LIMIT).
      assert.ok(acks > 0 && acks <= 1.5 * LIMIT, `${acks} ACKs to ${N} old duplicates`);
      assert.equal(p.b.stats.drops['challenge-ack-limit'], N - acks);
      // The budget is spent, yet the peer's FIN again gets its ACK and restarts 2MSL.
      const out = p.b.handlePacket({ src: A_ADDR, dst: B_ADDR, seg: fin }, p.now);
      assert.deepEqual(
        out.packets.map((k) => [ctl(k.seg.flags), k.seg.ack]),
        [['ACK', seqAdd(fin.seq, 1)]],
      );
      assert.equal(p.b.nextDeadline(), 300 + 2 * MSL);
    });
  }

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

describe('TimeWaitTable: records as rows (lookups, expiry order, reuse of rows) against a plain model', () => {
  type Model = {
    id: number;
    laddr: string;
    raddr: string;
    lport: number;
    rport: number;
    rec: TimeWaitRecord;
    cfg: TcpConfig;
    userClosed: boolean;
  };
  const cfgA = resolveConfig({ msl: 1000 });
  const cfgB = resolveConfig({ msl: 250, rfc1337: false });
  const LOCALS = ['192.0.2.1', '2001:db8::1'];
  const REMOTES = ['192.0.2.7', '198.51.100.3', '203.0.113.9', '2001:db8::2'];

  /** Seeded 32-bit LCG, as the simulator's tests use: the same run every time. */
  function rng(seed: number): (n: number) => number {
    let x = seed >>> 0;
    return (n) => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return Math.floor((x / 2 ** 32) * n);
    };
  }

  function same(tw: TimeWaitEntry | undefined, m: Model): void {
    assert.ok(tw, `record ${m.id}`);
    assert.equal(tw.kind, 'time-wait');
    assert.equal(tw.id, m.id);
    assert.deepEqual(tw.local, { addr: m.laddr, port: m.lport });
    assert.deepEqual(tw.remote, { addr: m.raddr, port: m.rport });
    assert.equal(tw.key, tupleKey(m.laddr, m.lport, m.raddr, m.rport));
    assert.equal(tw.label, tupleLabel({ addr: m.laddr, port: m.lport }, { addr: m.raddr, port: m.rport }));
    assert.equal(tw.cfg, m.cfg);
    assert.equal(tw.userClosed, m.userClosed);
    const r = tw.rec;
    assert.deepEqual(
      [r.localPort, r.remotePort, r.iss, r.irs, r.sndNxt, r.rcvNxt, r.rcvWndField, r.tsOffset, r.tsRecent, r.expires],
      [
        m.rec.localPort,
        m.rec.remotePort,
        m.rec.iss,
        m.rec.irs,
        m.rec.sndNxt,
        m.rec.rcvNxt,
        m.rec.rcvWndField,
        m.rec.tsOffset,
        m.rec.tsRecent,
        m.rec.expires,
      ],
    );
  }

  test('seeded: 20,000 operations; every field kept exactly, expiry in (deadline, id) order', () => {
    const t = new TimeWaitTable('B', NO_TRACE, new Counters());
    const rnd = rng(0x5eed);
    const model = new Map<number, Model>();
    const byTuple = new Map<string, Model>();
    let nextId = 1;
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      const op = rnd(100);
      if (op < 45 || model.size === 0) {
        const laddr = LOCALS[rnd(LOCALS.length)] as string;
        const raddr = REMOTES[rnd(REMOTES.length)] as string;
        const lport = 1 + rnd(4);
        const rport = 1 + rnd(65535);
        const key = tupleKey(laddr, lport, raddr, rport);
        if (byTuple.has(key)) continue;
        const cfg = rnd(2) ? cfgA : cfgB;
        const rec: TimeWaitRecord = {
          localPort: lport,
          remotePort: rport,
          iss: rnd(2 ** 32),
          irs: rnd(2) ? 0xffff_ffff : rnd(2 ** 32),
          sndNxt: rnd(2 ** 32),
          rcvNxt: rnd(2 ** 32),
          rcvWndField: rnd(2) ? 0xffff : rnd(0x10000),
          tsOffset: rnd(2 ** 32),
          expires: (now + 2 * cfg.msl) as Instant,
        };
        if (rnd(2)) rec.tsRecent = rnd(2) ? 0 : rnd(2 ** 32);
        // Ids grow by more than one at times: live connections take ids too.
        const id = nextId;
        nextId += 1 + rnd(3);
        const m: Model = { id, laddr, raddr, lport, rport, rec: { ...rec }, cfg, userClosed: rnd(4) === 0 };
        const local = { addr: laddr, port: lport };
        const remote = { addr: raddr, port: rport };
        const from = { id, key, local, remote, label: tupleLabel(local, remote), cfg, userClosed: m.userClosed };
        same(t.enter(from, rec), m);
        model.set(id, m);
        byTuple.set(key, m);
      } else if (op < 60) {
        const m = [...model.values()][rnd(model.size)] as Model;
        const tw = t.byId(m.id);
        same(tw, m);
        t.delete(tw as TimeWaitEntry);
        model.delete(m.id);
        byTuple.delete(tupleKey(m.laddr, m.lport, m.raddr, m.rport));
      } else if (op < 75) {
        // A retransmitted FIN: TS.Recent may move and 2MSL restarts (the row moves in the heap).
        const m = [...model.values()][rnd(model.size)] as Model;
        const tw = t.find(m.laddr, m.lport, m.raddr, m.rport) as TimeWaitEntry;
        same(tw, m);
        if (m.rec.tsRecent !== undefined) tw.rec.tsRecent = m.rec.tsRecent = rnd(2 ** 32);
        tw.rec.expires = m.rec.expires = (now + 2 * m.cfg.msl) as Instant;
        tw.userClosed = m.userClosed = true;
        same(t.get(tupleKey(m.laddr, m.lport, m.raddr, m.rport)), m);
      } else if (op < 90) {
        now += rnd(20);
        const due = [...model.values()]
          .filter((m) => m.rec.expires <= now)
          .sort((x, y) => x.rec.expires - y.rec.expires || x.id - y.id);
        const taken = t.takeDue(now as Instant);
        assert.deepEqual(
          taken.map((tw) => tw.id),
          due.map((m) => m.id),
        );
        for (const tw of taken) {
          assert.equal(tw.deadline, undefined);
          assert.ok(t.expired(tw, now as Instant));
          t.end(tw, now as Instant, '2MSL timeout');
          // After the end the view still reads the record (the endpoint hands a reopening SYN on).
          same(tw, model.get(tw.id) as Model);
          assert.equal(t.holds(tw), false);
          assert.equal(t.byId(tw.id), undefined);
          const m = model.get(tw.id) as Model;
          model.delete(tw.id);
          byTuple.delete(tupleKey(m.laddr, m.lport, m.raddr, m.rport));
        }
      } else {
        // Lookups that miss: a free tuple, an id never given or gone.
        assert.equal(t.find('192.0.2.1', 9, '192.0.2.7', 1), undefined);
        assert.equal(t.has(tupleKey('192.0.2.99', 1, '192.0.2.7', 1)), false);
        assert.equal(t.byId(nextId), undefined);
      }
      assert.equal(t.size, model.size);
      const earliest = Math.min(...[...model.values()].map((m) => m.rec.expires));
      assert.equal(t.nextExpiry(), model.size === 0 ? undefined : earliest);
    }
    assert.ok(model.size > 100, `${model.size} records at the end`);
    assert.deepEqual(
      t.values().map((tw) => tw.id),
      [...model.keys()].sort((x, y) => x - y),
    );
    for (const m of model.values()) {
      same(t.find(m.laddr, m.lport, m.raddr, m.rport), m);
      same(t.get(tupleKey(m.laddr, m.lport, m.raddr, m.rport)), m);
      assert.equal(t.has(tupleKey(m.laddr, m.lport, m.raddr, m.rport)), true);
      same(t.byId(m.id), m);
    }
    for (const port of [1, 2, 3, 4, 5]) {
      for (const addr of [undefined, ...LOCALS, '192.0.2.200']) {
        const uses = [...model.values()].some((m) => m.lport === port && (addr === undefined || m.laddr === addr));
        assert.equal(t.usesPort(addr, port), uses, `${addr}:${port}`);
      }
    }
  });

  test('a view used after its record ended through another view throws (a bug, never silent)', () => {
    const t = new TimeWaitTable('B', NO_TRACE, new Counters());
    const local = { addr: '192.0.2.1', port: 80 };
    const remote = { addr: '192.0.2.7', port: 40000 };
    const from = { id: 5, key: '', local, remote, label: '', cfg: cfgA, userClosed: false };
    const rec = { localPort: 80, remotePort: 40000, iss: 1, irs: 2, sndNxt: 3, rcvNxt: 4, rcvWndField: 5, tsOffset: 6 };
    t.enter(from, { ...rec, expires: 2000 as Instant });
    const a = t.byId(5) as TimeWaitEntry;
    const b = t.find('192.0.2.1', 80, '192.0.2.7', 40000) as TimeWaitEntry;
    t.delete(a);
    assert.equal(a.rec.sndNxt, 3);
    assert.throws(() => b.rec.sndNxt, /TIME-WAIT record 5 is gone/);
    // The row is reused by the next record; the stale view does not read it.
    t.enter({ ...from, id: 6 }, { ...rec, sndNxt: 9, expires: 3000 as Instant });
    assert.throws(() => b.rec.sndNxt, /gone/);
    assert.equal(t.byId(6)?.rec.sndNxt, 9);
  });
});

describe('Endpoint: TIME-WAIT records beside live connections', () => {
  test('records and a live connection due at one instant are served by id, as the connections were made', () => {
    const p = new Pair();
    // B closes first on three connections at t=0; the middle one has HELLO unread, so its
    // Connection object holds TIME-WAIT (a live entry), the other two are records. All three end at
    // 2MSL, in the order they were made, as one heap of both would serve them.
    const made: ConnId[] = [];
    for (const port of [80, 81, 82]) {
      const { ca, cb } = p.establish(port, 40000);
      made.push(cb);
      if (port === 81) {
        p.take('a', p.a.send(ca, HELLO, 0));
        p.flush();
      }
      p.take('b', p.b.shutdown(cb, 0));
      p.flush();
      p.take('a', p.a.close(ca, 0));
      p.flush();
    }
    assert.deepEqual(
      p.b
        .connections(0)
        .filter((r) => r.conn !== undefined)
        .map((r) => [r.conn, r.state, r.recvQ]),
      [
        [made[0], 'TIME-WAIT', 0],
        [made[1], 'TIME-WAIT', HELLO.length],
        [made[2], 'TIME-WAIT', 0],
      ],
    );
    assert.equal(p.b.connection(made[0] as ConnId), undefined, 'a record');
    assert.ok(p.b.connection(made[1] as ConnId), 'the object');
    assert.equal(p.b.nextDeadline(), 2 * MSL);
    const mark = p.trace.length;
    p.at(2 * MSL);
    const closed = p.trace
      .slice(mark)
      .flatMap((e) => (e.endpoint === 'B' && e.type === 'event' && e.event.type === 'closed' ? [e.conn] : []));
    assert.deepEqual(closed, [
      '192.0.2.2:80>192.0.2.1:40000',
      '192.0.2.2:81>192.0.2.1:40000',
      '192.0.2.2:82>192.0.2.1:40000',
    ]);
    assert.deepEqual(
      made.map((c) => p.connEvents('b', c).at(-1)),
      ['closed', 'closed', 'closed'],
    );
    assert.equal(p.b.stats.timeWait.expired, 3);
    assert.equal(p.b.nextDeadline(), undefined);
  });
});
