import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnId, Packet } from '../../src/core/endpoint.js';
import { IsnGenerator } from '../../src/core/isn.js';
import {
  COOKIE_MSS,
  COOKIE_STEP_MS,
  checkCookie,
  encodeTsOptions,
  makeCookie,
  mssIndex,
  rebuildSyn,
} from '../../src/core/syn-cookie.js';
import { ACK, RST, SYN } from '../../src/wire/segment.js';
import { A_ADDR, B_ADDR, Pair, type Sent, secret, seg } from './endpoint-pair.js';

const local = { addr: '192.0.2.2', port: 80 };
const remote = { addr: '192.0.2.1', port: 40000 };

describe('SYN cookie numbers', () => {
  const isn = new IsnGenerator(secret(9));

  test('a cookie checks out for its tuple and peer ISN, in its own time step and the next only', () => {
    const t = 5 * COOKIE_STEP_MS + 100;
    const c = makeCookie(isn, local, remote, 12345, 1460, t);
    assert.equal(checkCookie(isn, local, remote, 12345, c, t), 1460);
    assert.equal(checkCookie(isn, local, remote, 12345, c, t + COOKIE_STEP_MS), 1460);
    assert.equal(checkCookie(isn, local, remote, 12345, c, t + 2 * COOKIE_STEP_MS), undefined);
    assert.equal(checkCookie(isn, local, remote, 12346, c, t), undefined, 'another peer ISN');
    assert.equal(checkCookie(isn, local, { ...remote, port: 40001 }, 12345, c, t), undefined, 'another port');
    assert.equal(checkCookie(isn, { ...local, addr: '192.0.2.3' }, remote, 12345, c, t), undefined);
    assert.equal(checkCookie(new IsnGenerator(secret(10)), local, remote, 12345, c, t), undefined, 'another secret');
    // The MSS bits are covered by the hash: changing them spoils the cookie.
    for (let i = 0; i < 8; i++) {
      const forged = ((c & ~(7 << 24)) | (i << 24)) >>> 0;
      if (forged !== c) assert.equal(checkCookie(isn, local, remote, 12345, forged, t), undefined);
    }
  });

  test('the MSS is the largest table entry not above the offer', () => {
    assert.equal(COOKIE_MSS[mssIndex(1460)], 1460);
    assert.equal(COOKIE_MSS[mssIndex(1400)], 1360);
    assert.equal(COOKIE_MSS[mssIndex(65495)], 8960);
    assert.equal(COOKIE_MSS[mssIndex(536)], 536);
    assert.equal(COOKIE_MSS[mssIndex(100)], 536);
    const t = 0;
    for (const mss of [536, 1220, 1400, 1460, 9000]) {
      const c = makeCookie(isn, local, remote, 7, mss, t);
      assert.equal(checkCookie(isn, local, remote, 7, c, t), COOKIE_MSS[mssIndex(mss)]);
    }
  });

  test('options folded into TSval never move it forward and come back from TSecr', () => {
    for (const tsval of [0, 1, 63, 64, 1000, 0xffffffff, 0x80000000]) {
      for (const wscale of [undefined, 0, 7, 14, 20]) {
        for (const sack of [false, true]) {
          const v = encodeTsOptions(tsval, { wscale, sackPermitted: sack }, true);
          // Not later than tsval, by at most 127 earlier (modulo 2^32).
          const back = (tsval - v) >>> 0;
          assert.ok(back < 128, `tsval ${tsval} -> ${v}`);
          const ack = seg({
            srcPort: 40000,
            dstPort: 80,
            seq: 1001,
            ack: 1,
            flags: ACK,
            options: { ts: { val: 77, ecr: v } },
          });
          const syn = rebuildSyn(ack, 1460);
          assert.equal(syn.seq, 1000);
          assert.equal(syn.flags, SYN);
          assert.equal(syn.options.wscale, wscale === undefined ? undefined : Math.min(wscale, 14));
          assert.equal(syn.options.sackPermitted, sack ? true : undefined);
          assert.deepEqual(syn.options.ts, { val: 77, ecr: 0 });
        }
      }
    }
    // SACK not allowed by our configuration: the bit is not set.
    assert.equal(encodeTsOptions(1000, { wscale: 7, sackPermitted: true }, false) & 0x10, 0);
    // Without timestamps the ACK gives back only the MSS.
    const bare = rebuildSyn(seg({ srcPort: 1, dstPort: 80, seq: 0, ack: 1, flags: ACK }), 536);
    assert.deepEqual(bare.options, { mss: 536 });
    assert.equal(bare.seq, 0xffffffff);
  });
});

describe('SYN cookies at a listener', () => {
  /** B listens with room for one half-open connection, which a spoofed SYN takes. Both allow SACK. */
  function flooded(): Pair {
    const config = { msl: 1000, sackPermitted: true };
    const p = new Pair({ config }, { config });
    p.b.listen({ port: 80 }, { backlog: 1 });
    // The spoofed SYN's SYN,ACK goes nowhere (its "sender" never sees it).
    p.filter = (s: Sent) => !(s.from === 'b' && s.pkt.seg.dstPort === 5001);
    const spoofed: Packet = {
      src: A_ADDR,
      dst: B_ADDR,
      seg: seg({ srcPort: 5001, dstPort: 80, seq: 7, flags: SYN, wnd: 65535 }),
    };
    p.inject('b', spoofed);
    p.flush();
    assert.equal(p.b.connections(0).length, 2); // LISTEN and the spoofed SYN-RECEIVED
    return p;
  }

  function accepted(p: Pair): ConnId {
    const acc = p.events.b.filter(({ ev }) => ev.type === 'accept').at(-1)?.ev;
    assert.ok(acc && acc.type === 'accept', 'B accepted the connection');
    return acc.conn;
  }

  test('with the SYN queue full a client still connects, options intact, and data flows both ways', () => {
    const p = flooded();
    let held: Sent | undefined;
    const pass = p.filter;
    p.filter = (s) => {
      // Hold the ACK that completes A's handshake, to look at B in between.
      if (held === undefined && s.from === 'a' && s.pkt.seg.flags === ACK && s.pkt.seg.payload.length === 0) {
        held = s;
        return false;
      }
      return pass(s);
    };
    const { conn: ca, out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    p.take('a', out);
    p.flush();
    const synAck = p.sent.find((s) => s.from === 'b' && s.pkt.seg.flags === (SYN | ACK) && s.pkt.seg.dstPort !== 5001);
    assert.ok(synAck, 'B answered with a SYN,ACK');
    assert.deepEqual(p.b.stats.synCookies, { sent: 1, valid: 0, invalid: 0 });
    // B keeps nothing for it: still LISTEN and the spoofed half-open connection only.
    assert.deepEqual(
      p.b.connections(p.now).map((r) => r.state),
      ['LISTEN', 'SYN-RECEIVED'],
    );
    assert.ok(held, 'A sent the third segment');
    const aSyn = p.sent.find((s) => s.from === 'a' && s.pkt.seg.flags === SYN)?.pkt.seg;
    const ts = synAck.pkt.seg.options.ts;
    assert.ok(aSyn?.options.wscale !== undefined && ts !== undefined);
    assert.equal(ts.val & 0x3f, aSyn.options.wscale | 0x10, 'window scale and SACK ride in TSval');

    p.inject('b', held.pkt);
    p.flush();
    const cb = accepted(p);
    assert.deepEqual(p.b.stats.synCookies, { sent: 1, valid: 1, invalid: 0 });
    const info = p.b.connection(cb)?.info();
    assert.ok(info);
    assert.equal(info.state, 'ESTABLISHED');
    assert.equal(info.iss, synAck.pkt.seg.seq);
    assert.equal(info.irs, aSyn.seq);
    assert.equal(info.windowScaling, true);
    assert.equal(info.sack, true);
    assert.equal(info.timestamps, true);
    assert.equal(info.sndWscale, aSyn.options.wscale);
    assert.equal(info.peerMss, COOKIE_MSS[mssIndex(aSyn.options.mss ?? 536)]);
    const aInfo = p.a.connection(ca)?.info();
    assert.equal(aInfo?.sndWscale, info.rcvWscale, 'both ends scale by the same shifts');

    const toB = new Uint8Array(100_000).map((_, i) => i & 0xff);
    p.take('a', p.a.send(ca, toB, p.now));
    p.take('b', p.b.send(cb, new TextEncoder().encode('hello'), p.now));
    const gotB: Uint8Array[] = [];
    for (let i = 0; i < 200 && gotB.reduce((n, c) => n + c.length, 0) < toB.length; i++) {
      p.at(p.now + 10);
      for (;;) {
        const r = p.take('b', p.b.read(cb, p.now));
        if (r.data === null || r.data.length === 0) break;
        gotB.push(r.data);
      }
    }
    assert.deepEqual(Buffer.concat(gotB), Buffer.from(toB));
    const gotA = p.take('a', p.a.read(ca, p.now)).data;
    assert.equal(new TextDecoder().decode(gotA ?? new Uint8Array()), 'hello');
  });

  test('forged ACKs at a listener that sent cookies are reset and make nothing', () => {
    const p = flooded();
    const { out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    p.take('a', out);
    p.flush();
    accepted(p);
    const before = p.b.connections(p.now).length;
    let x = 12345;
    const next = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x;
    };
    for (let i = 0; i < 2000; i++) {
      const forged: Packet = {
        src: A_ADDR,
        dst: B_ADDR,
        seg: seg({ srcPort: 1024 + (next() % 60000), dstPort: 80, seq: next(), ack: next(), flags: ACK }),
      };
      const answer = p.inject('b', forged);
      assert.equal(answer.packets[0]?.seg.flags, RST);
    }
    assert.equal(p.b.connections(p.now).length, before);
    assert.equal(p.b.stats.synCookies.valid, 1);
    assert.equal(p.b.stats.synCookies.invalid, 2000);
  });

  test('a cookie returned after its time is reset; a listener that never sent one does not look', () => {
    const p = flooded();
    let held: Sent | undefined;
    const pass = p.filter;
    p.filter = (s) => {
      if (held === undefined && s.from === 'a' && s.pkt.seg.flags === ACK) {
        held = s;
        return false;
      }
      return pass(s);
    };
    const { out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    p.take('a', out);
    p.flush();
    assert.ok(held);
    p.now += 3 * COOKIE_STEP_MS;
    const answer = p.inject('b', held.pkt);
    assert.equal(answer.packets[0]?.seg.flags, RST);
    assert.deepEqual(p.b.stats.synCookies, { sent: 1, valid: 0, invalid: 0 });

    // A listener with room never sends cookies, so it never checks ACKs for them.
    const q = new Pair();
    q.b.listen({ port: 80 });
    q.inject('b', { src: A_ADDR, dst: B_ADDR, seg: seg({ srcPort: 9, dstPort: 80, seq: 1, ack: 2, flags: ACK }) });
    assert.deepEqual(q.b.stats.synCookies, { sent: 0, valid: 0, invalid: 0 });
  });

  test('a peer without timestamps gets a cookie connection without window scaling or SACK', () => {
    const p = new Pair({ config: { msl: 1000, timestamps: false } });
    p.b.listen({ port: 80 }, { backlog: 1 });
    p.filter = (s: Sent) => !(s.from === 'b' && s.pkt.seg.dstPort === 5001);
    p.inject('b', { src: A_ADDR, dst: B_ADDR, seg: seg({ srcPort: 5001, dstPort: 80, seq: 7, flags: SYN }) });
    const { conn: ca, out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now);
    p.take('a', out);
    p.flush();
    const cb = accepted(p);
    const info = p.b.connection(cb)?.info();
    assert.equal(info?.state, 'ESTABLISHED');
    assert.equal(info?.timestamps, false);
    assert.equal(info?.windowScaling, false);
    assert.equal(info?.sack, false);
    // A offered window scaling, but B's SYN,ACK could not promise it: A does not scale either.
    assert.equal(p.a.connection(ca)?.info().windowScaling, false);
  });
});
