import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import type { Packet } from '../../src/core/endpoint.js';
import { FaultTable, matchers } from '../../src/sim/faults.js';
import { makeSegment, parseCtl } from '../../src/wire/segment.js';

const C = '192.0.2.1';
const S = '192.0.2.2';
const names: Record<string, string> = { client: C, server: S };
const table = () => new FaultTable((s) => names[s] ?? s);

function pkt(
  src: string,
  dst: string,
  ctl: string,
  fields: { seq?: number; ack?: number; data?: string } = {},
): Packet {
  return {
    src,
    dst,
    seg: makeSegment({
      srcPort: src === C ? 40000 : 80,
      dstPort: src === C ? 80 : 40000,
      flags: parseCtl(ctl),
      seq: fields.seq ?? 0,
      ack: fields.ack ?? 0,
      payload: new TextEncoder().encode(fields.data ?? ''),
    }),
  };
}

test('nth: drop the 2nd pure ACK from the client, and only it', () => {
  const t = table();
  const h = t.add({ from: 'client', match: matchers.pureAck, nth: 2, action: 'drop' });
  const seq = [
    pkt(C, S, 'SYN'),
    pkt(S, C, 'SYN,ACK'),
    pkt(C, S, 'ACK'), // 1st pure ACK from the client
    pkt(S, C, 'ACK'), // from the server: not counted
    pkt(C, S, 'PSH,ACK', { data: 'hi' }),
    pkt(C, S, 'ACK'), // 2nd: dropped
    pkt(C, S, 'ACK'), // 3rd: passes (the fault is done)
  ];
  const drops = seq.map((p) => t.apply(p)?.drop ?? false);
  assert.deepEqual(drops, [false, false, false, false, false, true, false]);
  assert.equal(h.matched, 2);
  assert.equal(h.fired, 1);
  assert.equal(h.done, true);
});

test('default nth = 1: the first FIN from the server', () => {
  const t = table();
  t.add({ from: S, to: C, match: matchers.fin, action: 'drop' });
  assert.equal(t.apply(pkt(C, S, 'FIN,ACK')), undefined);
  assert.equal(t.apply(pkt(S, C, 'ACK')), undefined);
  assert.deepEqual(t.apply(pkt(S, C, 'FIN,ACK')), { drop: true, duplicate: false, delay: 0 });
  assert.equal(t.apply(pkt(S, C, 'FIN,ACK')), undefined);
});

test('nth = 0 acts on every match; effects of several faults combine; remove() stops a fault', () => {
  const t = table();
  const dup = t.add({ match: matchers.data, nth: 0, action: 'duplicate' });
  t.add({ match: matchers.data, nth: 0, action: { delay: 5 } });
  t.add({ match: matchers.data, nth: 0, action: { delay: 7 } });
  const d = pkt(C, S, 'PSH,ACK', { data: 'x' });
  assert.deepEqual(t.apply(d), { drop: false, duplicate: true, delay: 12 });
  assert.deepEqual(t.apply(d), { drop: false, duplicate: true, delay: 12 });
  dup.remove();
  assert.deepEqual(t.apply(d), { drop: false, duplicate: false, delay: 12 });
  assert.equal(dup.fired, 2);
  assert.equal(t.apply(pkt(C, S, 'ACK')), undefined);
});

test('bad fault options throw UsageError', () => {
  const t = table();
  const isUsage = (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE';
  assert.throws(() => t.add({ nth: -1, action: 'drop' }), isUsage);
  assert.throws(() => t.add({ nth: 1.5, action: 'drop' }), isUsage);
  assert.throws(() => t.add({ action: { delay: -3 } }), isUsage);
  assert.throws(() => t.add({ action: 'explode' as 'drop' }), isUsage);
});

test('matchers classify segments', () => {
  const cases: [string, string | undefined, string[]][] = [
    ['SYN', undefined, ['syn']],
    ['SYN,ACK', undefined, ['synAck']],
    ['ACK', undefined, ['pureAck']],
    ['PSH,ACK', 'data', ['data']],
    ['FIN,ACK', undefined, ['fin']],
    ['FIN,PSH,ACK', 'bye', ['fin', 'data']],
    ['RST', undefined, ['rst']],
    ['RST,ACK', undefined, ['rst']],
  ];
  const all = ['syn', 'synAck', 'fin', 'rst', 'pureAck', 'data'] as const;
  for (const [ctl, data, want] of cases) {
    const p = pkt(C, S, ctl, data === undefined ? {} : { data });
    const got = all.filter((m) => matchers[m](p));
    assert.deepEqual(got, want, ctl);
  }
  assert.equal(matchers.ctl('FIN,ACK')(pkt(C, S, 'FIN,ACK')), true);
  assert.equal(matchers.ctl('FIN,ACK')(pkt(C, S, 'FIN,PSH,ACK')), false);
  assert.equal(matchers.port(80)(pkt(C, S, 'ACK')), true);
  assert.equal(matchers.port(81)(pkt(C, S, 'ACK')), false);
  const finOrRst = matchers.any(matchers.fin, matchers.rst);
  assert.equal(finOrRst(pkt(C, S, 'RST')), true);
  assert.equal(matchers.all(matchers.fin, matchers.data)(pkt(C, S, 'FIN,ACK')), false);
  assert.equal(matchers.not(matchers.fin)(pkt(C, S, 'ACK')), true);
});

test('keepaliveProbe recognises SEG.SEQ = SND.NXT - 1 after the sender has been seen', () => {
  const probe = matchers.keepaliveProbe();
  assert.equal(probe(pkt(C, S, 'SYN', { seq: 999 })), false); // SND.NXT becomes 1000
  assert.equal(probe(pkt(C, S, 'PSH,ACK', { seq: 1000, data: 'abcd' })), false); // 1004
  assert.equal(probe(pkt(C, S, 'ACK', { seq: 1004 })), false); // ordinary ACK
  assert.equal(probe(pkt(C, S, 'ACK', { seq: 1003 })), true); // probe with no data
  assert.equal(probe(pkt(C, S, 'ACK', { seq: 1003, data: 'x' })), true); // probe with one garbage byte
  assert.equal(probe(pkt(S, C, 'ACK', { seq: 1003 })), false); // other direction: nothing known
  assert.equal(probe(pkt(C, S, 'FIN,ACK', { seq: 1003 })), false);
  // across the 2^32 wrap
  const p2 = matchers.keepaliveProbe();
  p2(pkt(C, S, 'SYN', { seq: 0xffff_ffff })); // SND.NXT = 0
  assert.equal(p2(pkt(C, S, 'ACK', { seq: 0xffff_ffff })), true);
});
