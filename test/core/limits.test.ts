// Host limits (EndpointOptions.limits): connections, TIME-WAIT records, orphans, out-of-order bytes.
// Each keeps what the endpoint holds bounded and counts its hits in stats.limits.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { type ConnId, Endpoint } from '../../src/core/endpoint.js';
import { FIN, RST, SYN } from '../../src/wire/segment.js';
import { A_ADDR, B_ADDR, MSL, Pair, secret } from './endpoint-pair.js';

function states(ep: Endpoint, now: number): string[] {
  return ep.connections(now).map((r) => r.state);
}

function connectFromA(p: Pair, port: number): ConnId {
  const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port } });
  p.take('a', out);
  p.flush();
  return conn;
}

function acceptedAtB(p: Pair): ConnId[] {
  return p.events.b.flatMap(({ ev }) => (ev.type === 'accept' ? [ev.conn] : []));
}

describe('host limits', () => {
  test('connections: connect() throws ENOBUFS and a listener drops SYNs at the limit', () => {
    const p = new Pair({ limits: { connections: 2 } }, { limits: { connections: 3 } });
    p.b.listen({ port: 80 });
    connectFromA(p, 40001);
    connectFromA(p, 40002);
    assert.throws(
      () => p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port: 40003 } }),
      (e: unknown) => e instanceof UsageError && e.code === 'ENOBUFS',
    );
    assert.equal(p.a.stats.limits.connections, 1);
    // B has room for one more: the listener is not a connection.
    const c = new Endpoint({ name: 'C', addresses: [A_ADDR], isnSecret: secret(5), random: () => 0.5 });
    const syns = [40010, 40011].map((port) => {
      const out = c.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port } }).out;
      return out.packets[0];
    });
    const first = p.b.handlePacket(syns[0]!, p.now);
    assert.equal(first.packets[0]?.seg.flags, SYN | 0x10);
    const second = p.b.handlePacket(syns[1]!, p.now);
    assert.deepEqual(second.packets, [], 'the fourth connection is refused without an answer');
    assert.equal(p.b.stats.limits.connections, 1);
    assert.equal(p.b.stats.drops['connection-limit'], 1);
    assert.deepEqual(states(p.b, p.now), ['LISTEN', 'ESTABLISHED', 'ESTABLISHED', 'SYN-RECEIVED']);
  });

  test('TIME-WAIT: at the limit the oldest record is reclaimed for the new one; with 0 none is kept', () => {
    const p = new Pair({}, { limits: { timeWait: 2 } });
    p.b.listen({ port: 80 });
    for (const port of [40001, 40002, 40003, 40004]) connectFromA(p, port);
    const ids = acceptedAtB(p);
    assert.equal(ids.length, 4);
    // B closes first, one connection per millisecond: B holds the TIME-WAIT records.
    for (const id of ids) {
      p.at(p.now + 1);
      p.take('b', p.b.close(id, p.now));
      p.flush();
      const a = p.a.connections(p.now).find((r) => r.local?.port && r.state === 'CLOSE-WAIT');
      if (a?.conn !== undefined) p.take('a', p.a.close(a.conn, p.now));
      p.flush();
    }
    const tw = p.b.connections(p.now).filter((r) => r.state === 'TIME-WAIT');
    assert.deepEqual(
      tw.map((r) => r.remote?.port),
      [40003, 40004],
      'the two newest records are kept',
    );
    assert.equal(p.b.stats.limits.timeWait, 2);
    // The reclaimed ones were reported closed to their user.
    for (const id of ids.slice(0, 2)) assert.ok(p.connEvents('b', id).includes('closed'));
    for (const id of ids.slice(2)) assert.ok(!p.connEvents('b', id).includes('closed'));

    const q = new Pair({}, { limits: { timeWait: 0 } });
    q.b.listen({ port: 80 });
    connectFromA(q, 40001);
    const [id] = acceptedAtB(q);
    q.take('b', q.b.close(id!, q.now));
    q.flush();
    const aConn = q.a.connections(q.now).find((r) => r.state === 'CLOSE-WAIT')?.conn;
    q.take('a', q.a.close(aConn!, q.now));
    q.flush();
    assert.deepEqual(states(q.b, q.now), ['LISTEN']);
    assert.ok(q.connEvents('b', id!).includes('closed'));
    assert.equal(q.b.stats.limits.timeWait, 1);
  });

  test('orphans: past the limit close() sends its FIN and then a RST', () => {
    const p = new Pair({ limits: { orphans: 1 }, config: { msl: MSL } });
    p.b.listen({ port: 80 });
    const c1 = connectFromA(p, 40001);
    const c2 = connectFromA(p, 40002);
    const c3 = connectFromA(p, 40003);
    // B hears nothing more from A for now, so A's closes stay unfinished (FIN-WAIT-1).
    p.filter = (s) => s.from !== 'a';
    p.take('a', p.a.close(c1, p.now));
    p.flush();
    assert.equal(p.a.connection(c1)?.state, 'FIN-WAIT-1');
    const out = p.take('a', p.a.close(c2, p.now));
    assert.deepEqual(
      out.packets.map((x) => x.seg.flags & (FIN | RST)),
      [FIN, RST],
    );
    assert.equal(p.a.connection(c2), undefined, 'the second orphan is gone at once');
    assert.ok(p.connEvents('a', c2).includes('closed'));
    assert.equal(p.a.stats.limits.orphans, 1);
    // Once the first close completes (TIME-WAIT is not an orphan), there is room again.
    p.filter = () => true;
    p.at(p.now + 5_000); // A's FIN again, ACKed: FIN-WAIT-2, still an orphan
    assert.equal(p.a.connection(c1)?.state, 'FIN-WAIT-2');
    p.take('b', p.b.close(acceptedAtB(p)[0]!, p.now));
    p.flush();
    assert.equal(states(p.a, p.now).filter((x) => x === 'TIME-WAIT').length, 1);
    const third = p.take('a', p.a.close(c3, p.now));
    assert.deepEqual(
      third.packets.map((x) => x.seg.flags & (FIN | RST)),
      [FIN],
    );
    assert.equal(p.a.stats.limits.orphans, 1);
  });

  test('reassembly: out-of-order bytes of all connections together stay within the limit; every transfer still completes', () => {
    const LIMIT = 3000;
    const p = new Pair({}, { limits: { reassembly: LIMIT } });
    const conns = [40001, 40002, 40003].map((port) => p.establish(80 + port - 40000, port));
    // Lose the first data segment of each connection once: what follows it is out of order at B.
    const lost = new Set<number>();
    p.filter = (s) => {
      const g = s.pkt.seg;
      if (s.from !== 'a' || g.payload.length === 0 || lost.has(g.srcPort)) return true;
      lost.add(g.srcPort);
      return false;
    };
    const data = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    let peak = 0;
    for (const { ca } of conns) {
      p.take('a', p.a.send(ca, data, p.now));
      p.flush();
      peak = Math.max(peak, p.b.stats.outOfOrderBytes);
    }
    assert.ok(peak > 0 && peak <= LIMIT, `held ${peak} out-of-order bytes, limit ${LIMIT}`);
    assert.ok(p.b.stats.limits.reassembly > 0, 'some out-of-order data was refused');
    assert.equal(p.b.stats.drops['reassembly-limit'], p.b.stats.limits.reassembly);
    // Retransmission fills each hole; the refused data is sent again; every byte arrives in order.
    for (let t = p.now + 100; t <= 20_000; t += 100) {
      p.at(t);
      peak = Math.max(peak, p.b.stats.outOfOrderBytes);
    }
    assert.ok(peak <= LIMIT);
    for (const { cb } of conns) {
      const got = p.b.read(cb, p.now).data;
      assert.deepEqual(got, data);
    }
    assert.equal(p.b.stats.outOfOrderBytes, 0);
  });

  test('reassembly: a connection that ends while holding out-of-order data gives its bytes back', () => {
    const p = new Pair({}, { limits: { reassembly: 1 << 20 } });
    const { ca, cb } = p.establish(80, 40001);
    const second = p.establish(81, 40002);
    let first = true;
    p.filter = (s) => {
      if (s.from !== 'a' || s.pkt.seg.payload.length === 0 || !first) return true;
      first = false;
      return false;
    };
    p.take('a', p.a.send(ca, new Uint8Array(4000), p.now));
    p.flush();
    const held = p.b.stats.outOfOrderBytes;
    assert.ok(held > 0, 'B holds the data after the hole');
    p.filter = () => true;
    // B aborts the connection (RST): the held bytes are let go.
    p.take('b', p.b.abort(cb, p.now));
    p.flush();
    assert.equal(p.b.stats.outOfOrderBytes, 0);
    // The other connection is untouched: its in-order data is taken and nothing stays counted.
    p.take('a', p.a.send(second.ca, new Uint8Array(100), p.now));
    p.flush();
    assert.equal(p.b.stats.outOfOrderBytes, 0);
    assert.equal(p.b.read(second.cb, p.now).data?.length, 100);
  });

  test('a limit must be a non-negative integer or Infinity', () => {
    for (const bad of [-1, 1.5, Number.NaN, '10']) {
      assert.throws(
        () =>
          new Endpoint({
            name: 'X',
            addresses: [A_ADDR],
            isnSecret: secret(1),
            random: () => 0,
            limits: { connections: bad as number },
          }),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
      );
    }
    const ok = new Endpoint({
      name: 'Y',
      addresses: [A_ADDR],
      isnSecret: secret(1),
      random: () => 0,
      limits: { timeWait: Number.POSITIVE_INFINITY },
    });
    assert.equal(ok.stats.limits.timeWait, 0);
  });
});
