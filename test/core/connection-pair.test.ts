// Two Connections wired back to back through a tiny seeded lossy "network" (loss, duplication,
// reordering): both directions transfer data, half-close, close. Invariants: every byte arrives
// once and in order, both sides end CLOSED (via TIME-WAIT on at least one side), 'closed' is the
// last event and appears once, nothing throws. Seeds are fixed and printed on failure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TcpConfig } from '../../src/core/config.js';
import { Connection, type Output } from '../../src/core/connection.js';
import type { ConnEvent } from '../../src/core/events.js';
import type { Segment } from '../../src/wire/segment.js';
import { seqAdd, seqDiff, seqGt, seqLt } from '../../src/wire/seq.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PairOptions {
  loss: number;
  dup: number;
  reorder: number;
  bytesA: number;
  bytesB: number;
  config?: Partial<TcpConfig>;
  /** B closes only after A's FIN (passive close) — else both close when done writing. */
  simultaneous?: boolean;
  /**
   * Decide the loss of a data segment from (seed, direction, sequence number, how many times it
   * was sent) instead of the shared random stream, so two runs with different settings lose the
   * same original transmissions (pure ACKs still use the stream).
   */
  lossBySeq?: boolean;
}

/** A number in [0, 1) from the integers given (FNV-1a, then one mulberry32 step). */
function hashUnit(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h ^= x >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mulberry32(h)();
}

interface Side {
  name: 'A' | 'B';
  conn: Connection;
  data: Uint8Array;
  written: number;
  received: number[];
  events: ConnEvent[];
  closedCalled: boolean;
  peerFin: boolean;
  /** Highest sequence number sent + 1 (undefined before the first segment). */
  sentEnd: number | undefined;
  /** Payload bytes sent again (below sentEnd). */
  resentBytes: number;
}

function pattern(n: number, salt: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + salt) & 0xff;
  return out;
}

function runPair(seed: number, o: PairOptions): { a: Side; b: Side; now: number } {
  const rng = mulberry32(seed);
  const config: Partial<TcpConfig> = { msl: 2_000, recvBuffer: 8192, sendBuffer: 8192, ...o.config };
  const mk = (name: 'A' | 'B', local: number, remote: number, iss: number, n: number, salt: number): Side => ({
    name,
    conn: new Connection({ localPort: local, remotePort: remote, iss, config, tsOffset: iss & 0xffff }),
    data: pattern(n, salt),
    written: 0,
    received: [],
    events: [],
    closedCalled: false,
    peerFin: false,
    sentEnd: undefined,
    resentBytes: 0,
  });
  const a = mk('A', 5000, 80, 0xfffff000, o.bytesA, 7);
  const b = mk('B', 80, 5000, 0x7ffffff0, o.bytesB, 11);
  const wire: { t: number; to: Side; seg: Segment; n: number }[] = [];
  let now = 0;
  let serial = 0;
  const sent = new Map<string, number>();
  const lost = (from: Side, seg: Segment): boolean => {
    if (!o.lossBySeq || seg.payload.length === 0) return rng() < o.loss;
    const key = `${from.name}:${seg.seq}`;
    const n = sent.get(key) ?? 0;
    sent.set(key, n + 1);
    return hashUnit(seed, from === a ? 1 : 2, seg.seq, n) < o.loss;
  };
  const route = (from: Side, out: Output) => {
    const to = from === a ? b : a;
    for (const seg of out.segments) {
      const end = seqAdd(seg.seq, seg.payload.length);
      if (from.sentEnd !== undefined && seg.payload.length > 0 && seqLt(seg.seq, from.sentEnd)) {
        from.resentBytes += Math.min(seg.payload.length, seqDiff(from.sentEnd, seg.seq));
      }
      if (from.sentEnd === undefined || seqGt(end, from.sentEnd)) from.sentEnd = end;
      if (lost(from, seg)) continue;
      const copies = rng() < o.dup ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const delay = 10 + (rng() < o.reorder ? Math.floor(rng() * 40) : 0);
        wire.push({ t: now + delay, to, seg, n: serial++ });
      }
    }
    for (const ev of out.events) {
      assert.ok(!from.events.some((e) => e.type === 'closed'), `${from.name}: event ${ev.type} after closed`);
      from.events.push(ev);
      if (ev.type === 'peer-fin') from.peerFin = true;
    }
  };
  const drive = (s: Side) => {
    // the application: write what fits, read everything, close when done
    const st = s.conn.state;
    if (st === 'CLOSED' || st === 'LISTEN' || st === 'SYN-SENT' || st === 'SYN-RECEIVED') return;
    for (;;) {
      const r = s.conn.read(now);
      route(s, r);
      if (r.data === null) break;
      for (const x of r.data) s.received.push(x);
    }
    while (s.written < s.data.length && s.conn.sendSpace > 0 && !s.closedCalled) {
      const out = s.conn.send(s.data.subarray(s.written), now);
      s.written += out.accepted;
      route(s, out);
    }
    const mayClose = o.simultaneous || s === a || s.peerFin;
    if (s.written === s.data.length && !s.closedCalled && mayClose) {
      s.closedCalled = true;
      route(s, s.conn.shutdown(now));
    }
  };
  route(b, b.conn.listen(0));
  route(a, a.conn.connect(0));
  for (let steps = 0; steps < 200_000; steps++) {
    drive(a);
    drive(b);
    let next = Number.POSITIVE_INFINITY;
    for (const w of wire) next = Math.min(next, w.t);
    for (const s of [a, b]) next = Math.min(next, s.conn.nextDeadline() ?? Number.POSITIVE_INFINITY);
    if (next === Number.POSITIVE_INFINITY) break;
    now = Math.max(now, next);
    wire.sort((x, y) => x.t - y.t || x.n - y.n);
    while (wire.length > 0 && (wire[0]?.t ?? 0) <= now) {
      const w = wire.shift();
      if (w === undefined) break;
      route(w.to, w.to.conn.handleSegment(w.seg, now));
    }
    for (const s of [a, b]) route(s, s.conn.handleTimeout(now));
  }
  return { a, b, now };
}

function check(seed: number, o: PairOptions): { a: Side; b: Side } {
  const { a, b } = runPair(seed, o);
  const ctx = `seed=${seed} ${JSON.stringify(o)}`;
  assert.equal(a.conn.state, 'CLOSED', `A state, ${ctx}`);
  assert.equal(b.conn.state, 'CLOSED', `B state, ${ctx}`);
  for (const [s, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    const types = s.events.map((e) => e.type);
    assert.equal(types.filter((x) => x === 'closed').length, 1, `${s.name} closed once, ${ctx}`);
    assert.equal(types.at(-1), 'closed', `${s.name} closed last, ${ctx}`);
    assert.ok(!types.includes('error'), `${s.name} no error (${types.join(',')}), ${ctx}`);
    assert.equal(s.received.length, peer.data.length, `${s.name} received all bytes, ${ctx}`);
    assert.ok(
      s.received.every((x, i) => x === peer.data[i]),
      `${s.name} received the bytes in order, ${ctx}`,
    );
  }
  // An active closer went through TIME-WAIT (A always closes first unless `simultaneous`).
  const tw = (x: Side) => x.events.some((e) => e.type === 'time-wait');
  if (o.simultaneous) assert.ok(tw(a) || tw(b), `someone in TIME-WAIT, ${ctx}`);
  else assert.ok(tw(a) && !tw(b), `A (only) in TIME-WAIT, ${ctx}`);
  return { a, b };
}

test('pair: clean network, both directions, passive close', () => {
  check(1, { loss: 0, dup: 0, reorder: 0, bytesA: 50_000, bytesB: 20_000 });
});

test('pair: simultaneous close on a clean network', () => {
  check(2, { loss: 0, dup: 0, reorder: 0, bytesA: 3000, bytesB: 3000, simultaneous: true });
});

test('pair: seeded loss, duplication, reordering (20 seeds each)', () => {
  for (let seed = 100; seed < 120; seed++) {
    check(seed, { loss: 0.1, dup: 0.05, reorder: 0.2, bytesA: 30_000, bytesB: 10_000 });
  }
  for (let seed = 200; seed < 220; seed++) {
    check(seed, { loss: 0.15, dup: 0.1, reorder: 0.3, bytesA: 5000, bytesB: 5000, simultaneous: true });
  }
});

test('pair: without timestamps and window scaling, Nagle off, no delayed ACK', () => {
  for (let seed = 300; seed < 310; seed++) {
    check(seed, {
      loss: 0.1,
      dup: 0.05,
      reorder: 0.2,
      bytesA: 20_000,
      bytesB: 7_000,
      config: { timestamps: false, windowScaling: false, nagle: false, delayedAck: false },
    });
  }
});

test('pair: SACK (RFC 2018, RFC 6675) delivers everything under loss and resends fewer bytes than NewReno', () => {
  // Same seeds, same loss pattern generator, a window large enough for several losses per
  // flight. SACK lets the sender resend only the holes; NewReno resends one segment per RTT and
  // falls back to go-back-N after a timeout.
  const base = { loss: 0.05, dup: 0, reorder: 0, bytesA: 200_000, bytesB: 2_000, lossBySeq: true };
  const config = { recvBuffer: 65_536, sendBuffer: 65_536, rtoMin: 200, delayedAckTimeout: 40 };
  let withSack = 0;
  let without = 0;
  for (let seed = 500; seed < 520; seed++) {
    const s1 = check(seed, { ...base, config: { ...config, sackPermitted: true } });
    const s0 = check(seed, { ...base, config: { ...config, sackPermitted: false } });
    withSack += s1.a.resentBytes;
    without += s0.a.resentBytes;
  }
  assert.ok(withSack < without, `resent with SACK ${withSack} >= without ${without} (seeds 500-519)`);
});

test('pair: SACK on both sides under loss, duplication and reordering (20 seeds)', () => {
  for (let seed = 600; seed < 620; seed++) {
    check(seed, {
      loss: 0.1,
      dup: 0.05,
      reorder: 0.2,
      bytesA: 30_000,
      bytesB: 10_000,
      config: { sackPermitted: true, recvBuffer: 16_384 },
    });
  }
  for (let seed = 620; seed < 630; seed++) {
    check(seed, {
      loss: 0.1,
      dup: 0.05,
      reorder: 0.2,
      bytesA: 20_000,
      bytesB: 7_000,
      config: { sackPermitted: true, timestamps: false, nagle: false },
    });
  }
});
