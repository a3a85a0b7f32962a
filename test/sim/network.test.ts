import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import type { Packet } from '../../src/core/endpoint.js';
import { HOUR } from '../../src/core/time.js';
import { matchers } from '../../src/sim/faults.js';
import { SimNetwork, type SimNetworkOptions, type WirePacket } from '../../src/sim/network.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { decodePacket, encodePacket } from '../../src/wire/ip.js';
import { ctl, makeSegment, parseCtl } from '../../src/wire/segment.js';

const A = '192.0.2.1';
const B = '192.0.2.2';
const X = '192.0.2.9'; // an address no host owns

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** A raw TCP/IP packet whose IP total length is exactly `size` bytes (20 IP + 20 TCP + payload). */
function rawPacket(src: string, dst: string, size: number, seq = 0): Packet {
  return {
    src,
    dst,
    seg: makeSegment({ srcPort: 5000, dstPort: 6000, seq, flags: parseCtl('ACK'), payload: new Uint8Array(size - 40) }),
  };
}

function setup(opts: SimNetworkOptions = {}) {
  const rec = new TraceRecorder();
  const sim = new SimNetwork({ trace: rec.sink, ...opts });
  const taps: WirePacket[] = [];
  sim.tap((p) => taps.push(p));
  return { sim, rec, taps };
}

// -------------------------------------------------------------------------------------------------
// Links in the network (raw packets, no TCP involved)

test('every packet is real IP bytes with valid checksums; the tap sees it with its fate and arrival', () => {
  const { sim, taps } = setup();
  sim.host(B, { name: 'server' });
  const p = rawPacket(A, B, 100);
  const wp = sim.transmit(p);
  assert.equal(taps.length, 1);
  assert.equal(taps[0], wp);
  assert.deepEqual(
    { t: wp.t, from: wp.from, to: wp.to, fate: wp.fate, arrive: wp.arrive, injected: wp.injected },
    { t: 0, from: A, to: 'server', fate: 'delivered', arrive: [10], injected: false },
  );
  assert.equal(wp.bytes.length, 100);
  assert.equal(hex(wp.bytes), hex(encodePacket(p)));
  const back = decodePacket(wp.bytes);
  assert.ok(back.ok);
  assert.equal(back.value.dst, B);
});

test('bandwidth: 1000-byte packets at 1 MB/s arrive 1 ms apart after the latency', () => {
  const { sim, taps } = setup();
  sim.host(B);
  sim.setLink(A, B, { bandwidth: 1_000_000 });
  for (let i = 0; i < 3; i++) sim.transmit(rawPacket(A, B, 1000, i));
  assert.deepEqual(
    taps.map((p) => p.arrive),
    [[11], [12], [13]],
  );
  // the other direction is untouched (default link)
  sim.host(A);
  const back = sim.transmit(rawPacket(B, A, 1000));
  assert.deepEqual(back.arrive, [10]);
  assert.equal(back.fate, 'delivered');
  // toward an address no host owns: nothing to deliver to
  const lost = sim.transmit(rawPacket(A, X, 1000));
  assert.deepEqual([lost.fate, lost.arrive], ['no-host', []]);
});

test('MTU: an oversized packet is dropped and traced as a drop of the sender', () => {
  const { sim, rec } = setup({ link: { mtu: 1000 } });
  sim.host(A, { name: 'a' });
  sim.host(B, { name: 'b' });
  assert.equal(sim.transmit(rawPacket(A, B, 1001)).fate, 'mtu');
  assert.equal(sim.transmit(rawPacket(A, B, 1000)).fate, 'delivered');
  const drops = rec.byType('drop').filter((d) => d.reason === 'mtu');
  assert.equal(drops.length, 1);
  assert.equal(drops[0]?.endpoint, 'a');
  assert.equal(drops[0]?.conn, '192.0.2.1:5000>192.0.2.2:6000');
});

test('loss: about p of 10k packets, an exact count for the seed', () => {
  const { sim, taps, rec } = setup({ seed: 42, link: { loss: 0.1 } });
  for (let i = 0; i < 10_000; i++) sim.transmit(rawPacket(X, B, 60, i));
  const lost = taps.filter((p) => p.fate === 'lost').length;
  assert.equal(lost, 1031);
  assert.ok(lost > 900 && lost < 1100);
  assert.equal(rec.byType('drop').filter((d) => d.reason === 'link-loss').length, lost);
});

test('determinism of links: same seed, same pattern; another seed, another; other links do not interfere', () => {
  const pattern = (seed: number, extraLinkFirst: boolean) => {
    const sim = new SimNetwork({ seed, link: { loss: 0.3 } });
    if (extraLinkFirst) for (let i = 0; i < 50; i++) sim.transmit(rawPacket(B, X, 60, i));
    return Array.from({ length: 64 }, (_, i) =>
      sim.transmit(rawPacket(A, X, 60, i)).fate === 'lost' ? 'x' : '.',
    ).join('');
  };
  assert.equal(pattern(1, false), pattern(1, false));
  assert.equal(pattern(1, false), pattern(1, true));
  assert.notEqual(pattern(1, false), pattern(2, false));
});

test('duplication and reordering on a link', () => {
  const { sim, taps } = setup();
  sim.host(B);
  sim.setLink(A, B, { duplicate: 1 });
  assert.deepEqual(sim.transmit(rawPacket(A, B, 60)).arrive, [10, 10]);
  assert.equal(taps[0]?.fate, 'duplicated');
  sim.setLink(A, B, { reorder: 1, reorderDelay: 25 });
  assert.deepEqual(sim.transmit(rawPacket(A, B, 60)).arrive, [35]);
});

test('faults: the nth match in one direction; duplicate and delay actions', () => {
  const { sim, taps, rec } = setup();
  sim.host(A, { name: 'a' });
  sim.host(B, { name: 'b' });
  const h = sim.fault({ from: 'a', to: 'b', match: matchers.data, nth: 2, action: 'drop' });
  sim.fault({ from: 'b', nth: 1, action: 'duplicate' });
  sim.fault({ from: 'b', nth: 2, action: { delay: 100 } });
  const fates = [
    sim.transmit(rawPacket(A, B, 60)).fate,
    sim.transmit(rawPacket(B, A, 60)).fate,
    sim.transmit(rawPacket(A, B, 60)).fate,
    sim.transmit(rawPacket(B, A, 60)).fate,
    sim.transmit(rawPacket(A, B, 60)).fate,
  ];
  assert.deepEqual(fates, ['delivered', 'duplicated', 'fault-dropped', 'delivered', 'delivered']);
  assert.deepEqual(taps[3]?.arrive, [110]);
  assert.equal(h.fired, 1);
  assert.deepEqual(
    rec.byType('drop').map((d) => [d.endpoint, d.reason]),
    [['a', 'fault']],
  );
});

test('partition and heal', () => {
  const { sim, rec } = setup();
  sim.host(A, { name: 'a' });
  sim.host(B, { name: 'b' });
  sim.partition('a', B);
  assert.equal(sim.isPartitioned(B, 'a'), true);
  assert.equal(sim.transmit(rawPacket(A, B, 60)).fate, 'partitioned');
  assert.equal(sim.transmit(rawPacket(B, A, 60)).fate, 'partitioned');
  sim.heal(B, A);
  assert.equal(sim.transmit(rawPacket(A, B, 60)).fate, 'delivered');
  assert.deepEqual(
    rec.byType('drop').map((d) => [d.endpoint, d.reason]),
    [
      ['a', 'partition'],
      ['b', 'partition'],
    ],
  );
});

test('hosts: duplicate addresses or names are refused', () => {
  const sim = new SimNetwork();
  sim.host(A, { name: 'a' });
  assert.throws(
    () => sim.host(A),
    (e: unknown) => e instanceof UsageError && e.code === 'EADDRINUSE',
  );
  assert.throws(
    () => sim.host(B, { name: 'a' }),
    (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
  );
  assert.equal(sim.getHost('a')?.addr, A);
  assert.equal(sim.getHost(A)?.name, 'a');
  assert.equal(sim.host(B).name, B);
});

// -------------------------------------------------------------------------------------------------
// Inject: an off-path sender

test('inject: a crafted SYN reaches a listening host, which answers SYN,ACK', () => {
  const { sim, taps } = setup();
  const server = sim.host(B, { name: 'server' });
  server.listen(80);
  const syn = encodePacket({
    src: '192.0.2.66',
    dst: B,
    seg: makeSegment({ srcPort: 31337, dstPort: 80, seq: 1000, flags: parseCtl('SYN'), wnd: 1024 }),
  });
  sim.inject(syn, 5);
  sim.run({ until: 100 });
  assert.equal(taps[0]?.injected, true);
  assert.equal(taps[0]?.t, 5);
  assert.equal(taps[0]?.from, '192.0.2.66');
  const answer = taps[1]?.packet;
  assert.ok(answer);
  assert.equal(taps[1]?.t, 5);
  assert.equal(taps[1]?.from, 'server');
  assert.equal(ctl(answer.seg.flags), 'SYN,ACK');
  assert.equal(answer.seg.ack, 1001);
  assert.equal(answer.dst, '192.0.2.66');
  assert.equal(taps[1]?.fate, 'no-host');
});

test('inject: a segment for a closed port is answered with RST; bad bytes are dropped by the receiver', () => {
  const { sim, taps, rec } = setup();
  sim.host(B, { name: 'server' });
  const ack = encodePacket({
    src: A,
    dst: B,
    seg: makeSegment({ srcPort: 4000, dstPort: 81, seq: 7, ack: 500, flags: parseCtl('ACK') }),
  });
  sim.inject(ack);
  sim.run();
  const rst = taps[1]?.packet?.seg;
  assert.ok(rst);
  assert.equal(ctl(rst.flags), 'RST');
  assert.equal(rst.seq, 500); // RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST>

  const bad = ack.slice();
  bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0x55;
  sim.inject(bad);
  sim.run();
  assert.equal(taps.length, 3); // no answer to a corrupted packet
  const last = rec.events[rec.events.length - 1] as TraceEvent;
  assert.deepEqual([last.endpoint, last.type, last.type === 'drop' ? last.reason : ''], ['server', 'drop', 'checksum']);
  assert.throws(
    () => sim.inject(new Uint8Array([0x10, 1, 2])),
    (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ARG_VALUE',
  );
});

// -------------------------------------------------------------------------------------------------
// Running

test('runFor(2 hours) of an idle connection costs a few steps; time ends exactly 2 h later', () => {
  const sim = new SimNetwork({ seed: 3 });
  const a = sim.host(A);
  const b = sim.host(B);
  b.listen(80);
  const c = a.connect({ addr: B, port: 80 });
  sim.runFor(1000);
  assert.equal(c.state, 'ESTABLISHED');
  const before = sim.steps;
  sim.runFor(2 * HOUR);
  assert.equal(sim.now, 1000 + 2 * HOUR);
  assert.ok(sim.steps - before < 10, `took ${sim.steps - before} steps`);
  assert.equal(c.state, 'ESTABLISHED');
});

test('run() stops when idle; runUntil stops when the predicate holds or at the limit', () => {
  const sim = new SimNetwork();
  sim.host(B);
  sim.transmit(rawPacket(A, B, 60));
  sim.transmit(rawPacket(A, B, 60));
  assert.equal(
    sim.runUntil(() => sim.now >= 10),
    true,
  );
  assert.equal(sim.now, 10);
  sim.run();
  assert.equal(sim.step(), false);
  assert.equal(
    sim.runUntil(() => false, { limit: 500 }),
    false,
  );
  assert.equal(sim.now, 510);
  sim.transmit(rawPacket(A, B, 60));
  sim.transmit(rawPacket(A, B, 60));
  sim.run({ maxSteps: 1 });
  assert.equal(sim.clock.pending, 1);
});

test('a host address must be IPv4 or IPv6 text: anything else is ERR_INVALID_ADDRESS', () => {
  const sim = new SimNetwork();
  for (const bad of ['999.1.1.1', '192.0.2', 'server', '', '2001:db8::g', '192.0.2.01']) {
    assert.throws(
      () => sim.host(bad),
      (e: unknown) => e instanceof UsageError && e.code === 'ERR_INVALID_ADDRESS',
      bad,
    );
  }
  assert.equal(sim.host('2001:DB8::1').addr, '2001:db8::1');
  assert.equal(sim.host('192.0.2.7').addr, '192.0.2.7');
});
