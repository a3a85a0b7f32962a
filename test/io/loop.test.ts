import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import type { EndpointEvent, EndpointOutput, Packet } from '../../src/core/endpoint.js';
import type { Instant } from '../../src/core/time.js';
import { DriverLoop, type LoopEndpoint } from '../../src/io/loop.js';
import { VirtualClock } from '../../src/sim/clock.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { encodePacket } from '../../src/wire/ip.js';
import { makeSegment, parseCtl } from '../../src/wire/segment.js';

const pkt = (n: number): Packet => ({
  src: '192.0.2.1',
  dst: '192.0.2.2',
  seg: makeSegment({ srcPort: 1000, dstPort: 80, seq: n, flags: parseCtl('ACK') }),
});
const conn = (id: number, type: 'readable' | 'writable' | 'closed'): EndpointEvent => ({
  type: 'conn',
  conn: id,
  event: { type },
});
const out = (packets: Packet[] = [], events: EndpointEvent[] = []): EndpointOutput => ({ packets, events });

/** A stand-in endpoint: records its inputs, returns scripted outputs, reports a settable deadline. */
class FakeEndpoint implements LoopEndpoint {
  deadline: Instant | undefined;
  calls: string[] = [];
  onTimeout: (now: Instant) => EndpointOutput = () => out();
  handlePacket(p: Packet, now: Instant): EndpointOutput {
    this.calls.push(`packet seq=${p.seg.seq} @${now}`);
    return out();
  }
  handleTimeout(now: Instant): EndpointOutput {
    this.calls.push(`timeout @${now}`);
    return this.onTimeout(now);
  }
  nextDeadline(): Instant | undefined {
    return this.deadline;
  }
}

function setup() {
  const clock = new VirtualClock();
  const ep = new FakeEndpoint();
  const log: string[] = [];
  const trace: TraceEvent[] = [];
  const loop = new DriverLoop({
    endpoint: ep,
    clock,
    name: 'h',
    trace: (e) => trace.push(e),
    transmit: (p) => log.push(`tx ${p.seg.seq}`),
    dispatch: (e) => log.push(`ev ${e.type === 'conn' ? `${e.conn}:${e.event.type}` : e.type}`),
  });
  return { clock, ep, log, loop, trace };
}

test('output packets go out in order, then events are dispatched after the core call returns', () => {
  const { loop, log } = setup();
  let inside = true;
  const r = loop.call(() => {
    log.push('core');
    inside = false;
    return { ...out([pkt(1), pkt(2)], [conn(1, 'readable'), conn(1, 'writable')]), extra: 42 };
  });
  assert.equal(inside, false);
  assert.equal(r.extra, 42);
  assert.deepEqual(log, ['core', 'tx 1', 'tx 2', 'ev 1:readable', 'ev 1:writable']);
});

test('exactly one wakeup is armed, at nextDeadline(), and moved when the deadline changes', () => {
  const { clock, ep, loop } = setup();
  ep.deadline = 100;
  loop.call(() => out());
  assert.equal(loop.armedAt, 100);
  assert.equal(clock.pending, 1);
  ep.deadline = 50;
  loop.call(() => out());
  assert.equal(loop.armedAt, 50);
  assert.equal(clock.pending, 1);
  loop.call(() => out()); // unchanged: not re-scheduled
  assert.equal(clock.pending, 1);
  ep.deadline = undefined;
  loop.call(() => out());
  assert.equal(loop.armedAt, undefined);
  assert.equal(clock.pending, 0);
});

test('the wakeup calls handleTimeout at the deadline and re-arms at the next one', () => {
  const { clock, ep, loop, log } = setup();
  ep.deadline = 200;
  ep.onTimeout = (now) => {
    ep.deadline = now < 1000 ? 1000 : undefined;
    return out([pkt(now)]);
  };
  loop.poll();
  while (clock.step()) {}
  assert.deepEqual(ep.calls, ['timeout @200', 'timeout @1000']);
  assert.deepEqual(log, ['tx 200', 'tx 1000']);
  assert.equal(clock.now(), 1000);
  assert.equal(loop.armedAt, undefined);
});

test('events produced by a call made from an event handler queue behind the pending ones', () => {
  const clock = new VirtualClock();
  const ep = new FakeEndpoint();
  const seen: string[] = [];
  const loop: DriverLoop = new DriverLoop({
    endpoint: ep,
    clock,
    transmit: (p) => seen.push(`tx ${p.seg.seq}`),
    dispatch: (e) => {
      if (e.type !== 'conn') return;
      seen.push(`${e.conn}:${e.event.type}`);
      if (e.event.type === 'writable' && e.conn === 1) {
        loop.call(() => out([pkt(9)], [conn(2, 'writable')]));
      }
    },
  });
  loop.call(() => out([], [conn(1, 'writable'), conn(1, 'closed')]));
  assert.deepEqual(seen, ['1:writable', 'tx 9', '1:closed', '2:writable']);
});

test('a throwing core call transmits nothing and dispatches nothing', () => {
  const { loop, log } = setup();
  assert.throws(
    () =>
      loop.call(() => {
        throw new UsageError('ERR_TCP_NOT_CONNECTED');
      }),
    (e: unknown) => e instanceof UsageError && e.code === 'ERR_TCP_NOT_CONNECTED',
  );
  assert.deepEqual(log, []);
});

test('if an event handler throws, the events it did not see are delivered with the next call', () => {
  const clock = new VirtualClock();
  const ep = new FakeEndpoint();
  const seen: string[] = [];
  let boom = true;
  const loop = new DriverLoop({
    endpoint: ep,
    clock,
    transmit: () => {},
    dispatch: (e) => {
      if (e.type !== 'conn') return;
      seen.push(e.event.type);
      if (boom && e.event.type === 'readable') {
        boom = false;
        throw new Error('handler failed');
      }
    },
  });
  assert.throws(() => loop.call(() => out([], [conn(1, 'readable'), conn(1, 'writable')])), /handler failed/);
  assert.deepEqual(seen, ['readable']);
  loop.call(() => out([], [conn(1, 'closed')]));
  assert.deepEqual(seen, ['readable', 'writable', 'closed']);
});

test('handleBytes decodes real IP bytes; a corrupted packet is traced as a drop and not handled', () => {
  const { clock, ep, loop, trace } = setup();
  const bytes = encodePacket(pkt(7));
  loop.handleBytes(bytes);
  assert.deepEqual(ep.calls, ['packet seq=7 @0']);
  const bad = bytes.slice();
  bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff; // breaks the TCP checksum (the last header byte)
  clock.advanceTo(5);
  loop.handleBytes(bad);
  loop.handleBytes(bytes.subarray(0, 10));
  assert.deepEqual(ep.calls, ['packet seq=7 @0']);
  assert.deepEqual(
    trace.map((e) => [e.t, e.endpoint, e.type, e.type === 'drop' ? e.reason : '']),
    [
      [5, 'h', 'drop', 'checksum'],
      [5, 'h', 'drop', 'truncated'],
    ],
  );
});

test('stop() cancels the wakeup and later deadlines are not armed', () => {
  const { clock, ep, loop } = setup();
  ep.deadline = 10;
  loop.poll();
  loop.stop();
  assert.equal(clock.pending, 0);
  loop.call(() => out());
  assert.equal(clock.pending, 0);
  assert.equal(clock.step(), false);
});
