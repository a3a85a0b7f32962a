// The budgets of ACKs that answer unacceptable segments (RFC 5961 §7): one per connection
// (config.challengeAckLimit) and one per host, whose allowance changes every second (CVE-2016-5696).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { ChallengeBudget } from '../../src/core/challenge-budget.js';
import type { ConnId, Packet } from '../../src/core/endpoint.js';
import { IsnGenerator } from '../../src/core/isn.js';
import { ACK, SYN } from '../../src/wire/segment.js';
import { A_ADDR, B_ADDR, Pair, secret, seg } from './endpoint-pair.js';

describe('ChallengeBudget', () => {
  test('each second allows between half and one and a half times the limit, unpredictably', () => {
    const isn = new IsnGenerator(secret(3));
    const b = new ChallengeBudget(100, (w) => isn.challengeDraw(w));
    const allowances = new Set<number>();
    for (let second = 0; second < 50; second++) {
      let n = 0;
      while (b.take(second * 1000 + 500)) n++;
      assert.ok(n >= 50 && n < 150, `second ${second}: ${n}`);
      allowances.add(n);
    }
    assert.ok(allowances.size > 10, 'the allowance is not a constant');
    // The same secret gives the same allowances (the core is deterministic); another secret others.
    const sequence = (key: number): number[] => {
      const gen = new IsnGenerator(secret(key));
      const x = new ChallengeBudget(100, (w) => gen.challengeDraw(w));
      return Array.from({ length: 20 }, (_, second) => {
        let n = 0;
        while (x.take(second * 1000)) n++;
        return n;
      });
    };
    assert.deepEqual(sequence(3), sequence(3));
    assert.notDeepEqual(sequence(3), sequence(4));
  });

  test('limit 0 means no host-wide limit; a bad limit is a usage error', () => {
    const b = new ChallengeBudget(0, () => 0);
    for (let i = 0; i < 10_000; i++) assert.equal(b.take(0), true);
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => new ChallengeBudget(bad, () => 0),
        (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
      );
    }
  });
});

describe('ACKs to unacceptable segments', () => {
  function answers(p: Pair, pkt: Packet): number {
    return p.inject('b', pkt).packets.filter((x) => x.seg.flags === ACK).length;
  }

  function forgedSyn(port: number, seq: number): Packet {
    return { src: A_ADDR, dst: B_ADDR, seg: seg({ srcPort: port, dstPort: 80, seq, flags: SYN, wnd: 65535 }) };
  }

  test('forged SYNs and pure ACKs outside the window draw at most the per-connection budget', () => {
    const p = new Pair();
    const { ca } = p.establish(80, 40000);
    const info = p.a.connection(ca)?.info();
    assert.ok(info);
    let acks = 0;
    for (let i = 0; i < 100; i++) acks += answers(p, forgedSyn(40000, (info.sndNxt + 1_000_000 + i * 7919) >>> 0));
    // config.challengeAckLimit is 10 per second by default.
    assert.equal(acks, 10);
    p.now += 1000;
    let pure = 0;
    for (let i = 0; i < 100; i++) {
      const ack: Packet = {
        src: A_ADDR,
        dst: B_ADDR,
        seg: seg({
          srcPort: 40000,
          dstPort: 80,
          seq: (info.sndNxt + 2_000_000 + i) >>> 0,
          ack: info.rcvNxt,
          flags: ACK,
        }),
      };
      pure += answers(p, ack);
    }
    assert.equal(pure, 10);
    assert.ok((p.b.stats.drops['challenge-ack-limit'] ?? 0) >= 180);
  });

  test('duplicate data outside the window is always answered: the peer needs those ACKs', () => {
    const p = new Pair();
    const { ca, cb } = p.establish(80, 40000);
    p.take('a', p.a.send(ca, new TextEncoder().encode('hello'), p.now));
    p.flush();
    assert.equal(new TextDecoder().decode(p.take('b', p.b.read(cb, p.now)).data ?? new Uint8Array()), 'hello');
    const info = p.a.connection(ca)?.info();
    assert.ok(info);
    let acks = 0;
    for (let i = 0; i < 30; i++) {
      const dup: Packet = {
        src: A_ADDR,
        dst: B_ADDR,
        seg: seg({
          srcPort: 40000,
          dstPort: 80,
          seq: (info.sndNxt - 5) >>> 0,
          ack: info.rcvNxt,
          flags: ACK,
          payload: new TextEncoder().encode('hello'),
        }),
      };
      acks += answers(p, dup);
    }
    assert.equal(acks, 30);
  });

  test('one host-wide budget caps what forged SYNs at many connections draw', () => {
    const hostLimit = 20;
    const p = new Pair({}, { challengeAckHostLimit: hostLimit });
    const conns: { port: number; sndNxt: number }[] = [];
    p.b.listen({ port: 80 });
    for (let i = 0; i < 60; i++) {
      const port = 41000 + i;
      const { conn, out } = p.a.connect({ addr: B_ADDR, port: 80 }, p.now, { local: { port } });
      p.take('a', out);
      p.flush();
      const info = p.a.connection(conn as ConnId)?.info();
      assert.equal(info?.state, 'ESTABLISHED');
      conns.push({ port, sndNxt: info.sndNxt });
    }
    p.now = 10_500; // a fresh one-second window
    let acks = 0;
    for (const c of conns) acks += answers(p, forgedSyn(c.port, (c.sndNxt + 3_000_000) >>> 0));
    // Each connection alone would answer (10 per connection), the host allows [10, 30) this second.
    assert.ok(acks >= hostLimit / 2 && acks < hostLimit * 1.5, `${acks} ACKs`);
    assert.ok(acks < conns.length);
    // The next second brings a new allowance.
    p.now = 11_500;
    let next = 0;
    for (const c of conns) next += answers(p, forgedSyn(c.port, (c.sndNxt + 4_000_000) >>> 0));
    assert.ok(next >= hostLimit / 2 && next < hostLimit * 1.5, `${next} ACKs`);
  });
});
