// Test helper for the Endpoint tests: two endpoints back to back, packets moved by hand in virtual time.

import assert from 'node:assert/strict';
import { UsageError } from '../../src/base/errors.js';
import type { TcpConfig } from '../../src/core/config.js';
import {
  type ConnId,
  Endpoint,
  type EndpointEvent,
  type EndpointOptions,
  type EndpointOutput,
  type Packet,
} from '../../src/core/endpoint.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { makeSegment, type Segment } from '../../src/wire/segment.js';

export const A_ADDR = '192.0.2.1';
export const B_ADDR = '192.0.2.2';
export const MSL = 1_000; // TIME-WAIT lasts 2_000 ms in these tests

export const TEST_CONFIG: Partial<TcpConfig> = { msl: MSL };

export function secret(seed: number): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

export type Side = 'a' | 'b';

export interface Sent {
  t: number;
  from: Side;
  pkt: Packet;
}

/**
 * Two endpoints joined by a zero-latency wire. Packets are delivered in the order sent; `filter`
 * may swallow one (returns false). Time only moves through at(t), which serves every deadline of
 * either side up to t, in order.
 */
export class Pair {
  readonly a: Endpoint;
  readonly b: Endpoint;
  now = 0;
  readonly sent: Sent[] = [];
  readonly events: Record<Side, { t: number; ev: EndpointEvent }[]> = { a: [], b: [] };
  readonly trace: TraceEvent[] = [];
  filter: (s: Sent) => boolean = () => true;
  readonly #wire: Sent[] = [];

  constructor(aOpts: Partial<EndpointOptions> = {}, bOpts: Partial<EndpointOptions> = {}) {
    const sink = (ev: TraceEvent): void => {
      this.trace.push(ev);
    };
    this.a = new Endpoint({
      name: 'A',
      addresses: [A_ADDR],
      isnSecret: secret(1),
      random: () => 0,
      config: TEST_CONFIG,
      trace: sink,
      ...aOpts,
    });
    this.b = new Endpoint({
      name: 'B',
      addresses: [B_ADDR],
      isnSecret: secret(2),
      random: () => 0,
      config: TEST_CONFIG,
      trace: sink,
      ...bOpts,
    });
  }

  ep(side: Side): Endpoint {
    return side === 'a' ? this.a : this.b;
  }

  /** Takes an Output of `side` onto the wire and into the event log; returns it. */
  take<T extends EndpointOutput>(side: Side, out: T): T {
    for (const pkt of out.packets) this.#wire.push({ t: this.now, from: side, pkt });
    for (const ev of out.events) this.events[side].push({ t: this.now, ev });
    return out;
  }

  /** Delivers everything in flight (and what the deliveries cause) at the current time. */
  flush(): void {
    for (let guard = 0; this.#wire.length > 0; guard++) {
      assert.ok(guard < 100_000, 'packet storm');
      const s = this.#wire.shift() as Sent;
      this.sent.push(s);
      if (!this.filter(s)) continue;
      const to: Side = s.from === 'a' ? 'b' : 'a';
      this.take(to, this.ep(to).handlePacket(s.pkt, this.now));
    }
  }

  /** Advances to `t`, serving every deadline on the way, delivering at once. */
  at(t: number): this {
    this.flush();
    for (;;) {
      const da = this.a.nextDeadline();
      const db = this.b.nextDeadline();
      const d = Math.min(da ?? Number.POSITIVE_INFINITY, db ?? Number.POSITIVE_INFINITY);
      if (d > t) break;
      this.now = Math.max(this.now, d);
      this.take('a', this.a.handleTimeout(this.now));
      this.take('b', this.b.handleTimeout(this.now));
      this.flush();
    }
    this.now = Math.max(this.now, t);
    return this;
  }

  /** Injects a packet to `to` as if it came off the wire now; returns what `to` answered. */
  inject(to: Side, pkt: Packet): EndpointOutput {
    return this.take(to, this.ep(to).handlePacket(pkt, this.now));
  }

  connEvents(side: Side, conn: ConnId): string[] {
    return this.events[side].flatMap(({ ev }) => (ev.type === 'conn' && ev.conn === conn ? [ev.event.type] : []));
  }

  /** Establishes A -> B:port with B listening; returns both ids. */
  establish(port = 80, from?: number): { ca: ConnId; cb: ConnId; listener: number } {
    const listener = this.b.listen({ port });
    const { conn: ca, out } = this.a.connect(
      { addr: B_ADDR, port },
      this.now,
      from ? { local: { port: from } } : undefined,
    );
    this.take('a', out);
    this.flush();
    const acc = this.events.b.filter(({ ev }) => ev.type === 'accept').at(-1)?.ev;
    assert.ok(acc && acc.type === 'accept');
    return { ca, cb: acc.conn, listener };
  }
}

export function seg(fields: Partial<Segment> & Pick<Segment, 'srcPort' | 'dstPort'>): Segment {
  return makeSegment({ wnd: 1000, ...fields });
}

export function assertUsage(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof UsageError && err.code === code);
}

export function drops(trace: TraceEvent[], endpoint: string): string[] {
  return trace.flatMap((e) => (e.type === 'drop' && e.endpoint === endpoint ? [e.reason] : []));
}
