// Endpoint: bytes received but not yet read outlive the TCB. 'closed' comes when the connection
// reaches CLOSED; read() keeps returning the bytes after it, then null once, then the id is gone.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnId } from '../../src/core/endpoint.js';
import { ACK, FIN, RST, SYN } from '../../src/wire/segment.js';
import { A_ADDR, assertUsage, B_ADDR, MSL, Pair, type Sent, seg } from './endpoint-pair.js';

const HELLO = new Uint8Array([1, 2, 3, 4, 5]);

/** A half-closes; B sends HELLO and closes; A holds TIME-WAIT at t=0 with HELLO unread. */
function timeWaitWithUnread(p: Pair): { ca: ConnId; cb: ConnId } {
  const ids = p.establish(80, 40000);
  p.take('a', p.a.shutdown(ids.ca, 0));
  p.flush();
  p.take('b', p.b.send(ids.cb, HELLO, 0));
  p.take('b', p.b.close(ids.cb, 0));
  p.flush();
  assert.equal(p.a.connection(ids.ca)?.state, 'TIME-WAIT');
  return ids;
}

/** A sends HELLO and half-closes; B never reads, shuts down, and A's ACK of B's FIN closes B. */
function lastAckWithUnread(p: Pair): { ca: ConnId; cb: ConnId } {
  const ids = p.establish(80, 40000);
  p.take('a', p.a.send(ids.ca, HELLO, 0));
  p.take('a', p.a.shutdown(ids.ca, 0));
  p.flush();
  p.take('b', p.b.shutdown(ids.cb, 0));
  p.flush();
  return ids;
}

describe('Endpoint: unread data outlives CLOSED', () => {
  test('2MSL expiry: closed at 2MSL, then read() returns the bytes, then null, then the id is gone', () => {
    const p = new Pair();
    const { ca } = timeWaitWithUnread(p);
    assert.equal(p.a.nextDeadline(), 2 * MSL);
    p.at(2 * MSL);
    assert.deepEqual(p.connEvents('a', ca), ['connected', 'fin-acked', 'readable', 'peer-fin', 'time-wait', 'closed']);
    assert.equal(p.a.connection(ca)?.state, 'CLOSED');
    assert.deepEqual(p.a.connections(p.now), [
      {
        state: 'CLOSED',
        local: { addr: A_ADDR, port: 40000 },
        remote: { addr: B_ADDR, port: 80 },
        sendQ: 0,
        recvQ: 5,
        conn: ca,
      },
    ]);
    assert.equal(p.a.nextDeadline(), undefined);
    // Partial reads, as on a live connection; no segments, no events.
    assert.deepEqual(p.a.read(ca, 3000, 2), { packets: [], events: [], data: new Uint8Array([1, 2]) });
    assert.deepEqual(p.a.read(ca, 3000), { packets: [], events: [], data: new Uint8Array([3, 4, 5]) });
    assert.deepEqual(p.a.read(ca, 3000), { packets: [], events: [], data: null });
    assertUsage(() => p.a.read(ca, 3000), 'ERR_TCP_NOT_CONNECTED');
    assert.equal(p.a.connection(ca), undefined);
    assert.equal(p.a.addresses(ca), undefined);
    assert.deepEqual(p.a.connections(3000), []);
    assert.equal(p.connEvents('a', ca).filter((t) => t === 'closed').length, 1);
  });

  test('LAST-ACK -> CLOSED by the ACK of our FIN: the passive closer still reads what it never read', () => {
    const p = new Pair();
    const { ca, cb } = lastAckWithUnread(p);
    assert.deepEqual(p.connEvents('b', cb), ['connected', 'readable', 'peer-fin', 'fin-acked', 'closed']);
    assert.equal(p.b.connection(cb)?.state, 'CLOSED');
    assert.equal(p.connEvents('a', ca).at(-1), 'time-wait');
    assert.deepEqual(p.b.read(cb, 0).data, HELLO);
    assert.equal(p.b.read(cb, 0).data, null);
    assertUsage(() => p.b.read(cb, 0), 'ERR_TCP_NOT_CONNECTED');
  });

  test('the tuple is free for the network: a stray FIN meets a RST, not the kept object', () => {
    const p = new Pair();
    const { ca } = timeWaitWithUnread(p);
    p.at(2 * MSL);
    const fin = p.sent.filter((s) => s.from === 'b' && s.pkt.seg.flags & FIN).at(-1) as Sent;
    const out = p.inject('a', fin.pkt);
    assert.deepEqual(
      out.packets.map((x) => [x.src, x.dst, x.seg.flags, x.seg.seq]),
      [[A_ADDR, B_ADDR, RST, fin.pkt.seg.ack]],
    );
    assert.deepEqual(out.events, []);
    assert.equal(
      p.trace
        .filter((e) => e.type === 'drop' && e.endpoint === 'A')
        .map((e) => e.type === 'drop' && e.reason)
        .at(-1),
      'no-connection',
    );
    assert.deepEqual(p.a.read(ca, p.now).data, HELLO);
  });

  test('a new connection may take the tuple while the old one is still being read', () => {
    const p = new Pair();
    const { ca } = timeWaitWithUnread(p);
    p.at(2 * MSL);
    // Same local port, same peer: connect() sees the tuple as free.
    const { conn: ca2, out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port: 40000 } });
    p.take('a', out);
    p.flush();
    assert.notEqual(ca2, ca);
    assert.deepEqual(p.connEvents('a', ca2), ['connected']);
    // Data for the new connection goes to it, not to the old one's buffer.
    const acc = p.events.b.filter(({ ev }) => ev.type === 'accept').at(-1)?.ev;
    assert.ok(acc?.type === 'accept');
    p.take('b', p.b.send(acc.conn, new Uint8Array([9]), p.now));
    p.flush();
    assert.deepEqual(p.a.read(ca, p.now).data, HELLO);
    assert.deepEqual(p.a.read(ca2, p.now).data, new Uint8Array([9]));
    assert.equal(p.a.read(ca, p.now).data, null);
    assert.deepEqual(
      p.a.connections(p.now).map((r) => [r.conn, r.state]),
      [[ca2, 'ESTABLISHED']],
    );
  });

  test('a SYN at a listener for the tuple of a CLOSED passive connection makes a new one', () => {
    const p = new Pair();
    const { cb } = lastAckWithUnread(p);
    // A's TIME-WAIT is abandoned here: a new SYN from the same port reaches B's listener.
    const syn = seg({ srcPort: 40000, dstPort: 80, seq: 777, flags: SYN });
    const out = p.inject('b', { src: A_ADDR, dst: B_ADDR, seg: syn });
    assert.deepEqual(
      out.packets.map((x) => [x.seg.flags, x.seg.ack]),
      [[SYN | ACK, 778]],
    );
    assert.deepEqual(
      p.b.connections(p.now).map((r) => [r.state, r.conn === cb, r.recvQ]),
      [
        ['LISTEN', false, 1], // recvQ of a listener: its SYN queue
        ['CLOSED', true, 5],
        ['SYN-RECEIVED', false, 0],
      ],
    );
    assert.deepEqual(p.b.read(cb, p.now).data, HELLO);
  });

  test('close() or abort() discard the bytes left and forget the connection, without more events', () => {
    for (const how of ['close', 'abort'] as const) {
      const p = new Pair();
      const { ca } = timeWaitWithUnread(p);
      p.at(2 * MSL);
      const before = p.connEvents('a', ca).length;
      assert.deepEqual(p.a.read(ca, p.now, 1).data, new Uint8Array([1]));
      assert.deepEqual(p.a[how](ca, p.now), { packets: [], events: [] });
      assert.equal(p.connEvents('a', ca).length, before);
      assertUsage(() => p.a.read(ca, p.now), 'ERR_TCP_NOT_CONNECTED');
      assertUsage(() => p.a[how](ca, p.now), 'ERR_TCP_NOT_CONNECTED');
      assert.deepEqual(p.a.connections(p.now), []);
    }
  });

  test('other calls on a CLOSED connection kept for reading', () => {
    const p = new Pair();
    const { ca } = timeWaitWithUnread(p);
    p.at(2 * MSL);
    assertUsage(() => p.a.send(ca, new Uint8Array(1), p.now), 'ERR_TCP_NOT_CONNECTED');
    assertUsage(() => p.a.shutdown(ca, p.now), 'ERR_TCP_NOT_CONNECTED');
    assert.deepEqual(p.a.setKeepalive(ca, true, undefined, p.now), { packets: [], events: [] });
    p.a.setNoDelay(ca, true);
    assert.equal(p.a.nextDeadline(), undefined);
    assert.deepEqual(p.a.read(ca, p.now).data, HELLO);
  });

  test('abort() of a live connection discards unread bytes: no entry is kept', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    p.take('b', p.b.send(cb, HELLO, 0));
    p.flush();
    assert.equal(p.a.connections(0)[0]?.recvQ, 5);
    const out = p.a.abort(ca, 0);
    assert.deepEqual(out.events, [{ type: 'conn', conn: ca, event: { type: 'closed' } }]);
    assertUsage(() => p.a.read(ca, 0), 'ERR_TCP_NOT_CONNECTED');
    assert.deepEqual(p.a.connections(0), []);
  });

  test('a reset flushes the queue (RFC 9293 §3.10.7.4 second): no entry is kept', () => {
    const p = new Pair();
    const { ca, cb } = p.establish();
    p.take('b', p.b.send(cb, HELLO, 0));
    p.flush();
    p.take('b', p.b.abort(cb, 0));
    p.flush();
    assert.deepEqual(p.connEvents('a', ca), ['connected', 'readable', 'error', 'closed']);
    assertUsage(() => p.a.read(ca, 0), 'ERR_TCP_NOT_CONNECTED');
    assert.deepEqual(p.a.connections(0), []);
  });

  test('a TIME-WAIT object with unread bytes keeps them when a new SYN reuses its tuple', () => {
    const p = new Pair();
    // B closes first and holds TIME-WAIT, with bytes from A unread.
    const { ca, cb } = p.establish(80, 40000);
    p.take('a', p.a.send(ca, HELLO, 0));
    p.flush();
    p.take('b', p.b.shutdown(cb, 0));
    p.flush();
    p.take('a', p.a.close(ca, 0));
    p.flush();
    assert.equal(p.b.connection(cb)?.state, 'TIME-WAIT');
    p.at(500);
    const { out } = p.a.connect({ addr: B_ADDR, port: 80 }, 500, { local: { port: 40000 } });
    p.take('a', out);
    p.flush();
    assert.equal(p.connEvents('b', cb).at(-1), 'closed');
    assert.equal(p.events.b.filter(({ ev }) => ev.type === 'accept').length, 2);
    assert.equal(p.b.stats.timeWait.reused, 1);
    assert.deepEqual(p.b.read(cb, 500).data, HELLO);
    assert.equal(p.b.read(cb, 500).data, null);
    assert.deepEqual(
      p.b.connections(500).map((r) => r.state),
      ['LISTEN', 'ESTABLISHED'],
    );
    // ACK is the only flag on A's last segment: the new handshake completed.
    assert.equal(p.sent.at(-1)?.pkt.seg.flags, ACK);
  });
});
