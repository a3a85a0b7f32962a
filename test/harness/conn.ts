// Connection-test helpers (STYLE §7): one Connection driven by hand-written peer segments in
// explicit virtual time, with partial matching of what it sends.
//
//   const t = inState('ESTABLISHED');
//   t.at(100).receive({ seq: R + 1, ack: L + 1, ctl: 'FIN,ACK' })
//    .expectSend({ seq: L + 1, ack: R + 2, ctl: 'ACK' })
//    .expectState('CLOSE-WAIT').expectEvent('peer-fin');
//
// `at(ms)` moves the clock, serving every timer that falls due on the way (each at its own
// deadline). Sent segments queue up; expectSend() takes the next one and compares only the fields
// given. Fixtures are built by driving a real Connection through the needed segments (smoltcp's
// socket_time_wait() style), with fixed ISNs: L (ours, just below the 2^32 wrap) and R (the peer's).

import assert from 'node:assert/strict';
import type { TcpConfig } from '../../src/core/config.js';
import { Connection, type ConnectionInfo, type Output } from '../../src/core/connection.js';
import type { ConnEvent, ConnEventType } from '../../src/core/events.js';
import type { TcpStateName } from '../../src/core/state.js';
import type { Instant } from '../../src/core/time.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { ctl, makeSegment, parseCtl, type Segment, type TcpOptions } from '../../src/wire/segment.js';
import { seqAdd } from '../../src/wire/seq.js';

/** Our ISS: 256 below the wrap, so a few hundred bytes of data cross 2^32. */
export const L = 0xffffff00;
/** The peer's ISS. */
export const R = 1000;
export const LOCAL_PORT = 40000;
export const REMOTE_PORT = 80;

/** a + n modulo 2^32 (for expected sequence numbers across the wrap). */
export const s = (a: number, n: number): number => seqAdd(a, n);

export type Bytes = Uint8Array | string | number;

/** A peer segment, partially given. `payload` as text, bytes, or a length (bytes 0, 1, 2, ...). */
export interface PeerSegment {
  seq?: number;
  ack?: number;
  ctl?: string;
  wnd?: number;
  payload?: Bytes;
  options?: TcpOptions;
  srcPort?: number;
  dstPort?: number;
}

/** Expected fields of a sent segment; only those given are compared. */
export interface SegmentExpectation {
  seq?: number;
  ack?: number;
  ctl?: string;
  wnd?: number;
  /** Payload length. */
  len?: number;
  payload?: Bytes;
  /** Each option given is compared (deepEqual); `{}` for "no options at all" use noOptions. */
  options?: Partial<TcpOptions>;
  noOptions?: boolean;
  srcPort?: number;
  dstPort?: number;
}

export function bytes(b: Bytes): Uint8Array {
  if (typeof b === 'string') return new TextEncoder().encode(b);
  if (typeof b === 'number') {
    const out = new Uint8Array(b);
    for (let i = 0; i < b; i++) out[i] = i & 0xff;
    return out;
  }
  return b;
}

export interface FixtureOptions {
  config?: Partial<TcpConfig>;
  /** Our ISS (default L). */
  iss?: number;
  /** Peer ISS (default R). */
  irs?: number;
  /** Options on the peer's SYN / SYN,ACK (default { mss: 1460 }). */
  peerOptions?: TcpOptions;
  /** Window the peer advertises (default 65535). */
  peerWnd?: number;
  /** Reach ESTABLISHED through LISTEN (passive open) instead of connect(). */
  passive?: boolean;
  tsOffset?: number;
}

export class ConnTest {
  readonly conn: Connection;
  now: Instant = 0;
  /** Sent segments not yet checked. */
  pending: Segment[] = [];
  /** Events not yet checked. */
  events: ConnEvent[] = [];
  /** Every event ever emitted, in order. */
  readonly allEvents: ConnEvent[] = [];
  readonly traces: TraceEvent[] = [];
  /** Defaults for receive(). */
  peerWnd = 65535;
  readonly iss: number;
  readonly irs: number;

  constructor(opts: FixtureOptions = {}) {
    this.iss = opts.iss ?? L;
    this.irs = opts.irs ?? R;
    this.peerWnd = opts.peerWnd ?? 65535;
    const cc: { localPort: number; remotePort: number; iss: number; config: Partial<TcpConfig>; tsOffset?: number } = {
      localPort: LOCAL_PORT,
      remotePort: opts.passive ? 0 : REMOTE_PORT,
      iss: this.iss,
      config: opts.config ?? {},
    };
    if (opts.tsOffset !== undefined) cc.tsOffset = opts.tsOffset;
    this.conn = new Connection({ ...cc, trace: (e) => this.traces.push(e), endpoint: 'local' });
  }

  #take(out: Output): void {
    this.pending.push(...out.segments);
    this.events.push(...out.events);
    this.allEvents.push(...out.events);
  }

  /** Moves the clock to `ms`, serving each due timer at its own deadline. */
  at(ms: Instant): this {
    assert.ok(ms >= this.now, `time must not go back (${ms} < ${this.now})`);
    for (let guard = 0; guard < 100_000; guard++) {
      const d = this.conn.nextDeadline();
      if (d === undefined || d > ms) break;
      this.now = Math.max(this.now, d);
      this.#take(this.conn.handleTimeout(this.now));
    }
    this.now = ms;
    return this;
  }

  /**
   * Moves the clock to `ms` and serves the timers only then, in one handleTimeout call: a driver
   * that wakes late (an event-loop stall), as opposed to at(), which serves each at its deadline.
   */
  late(ms: Instant): this {
    assert.ok(ms >= this.now, `time must not go back (${ms} < ${this.now})`);
    this.now = ms;
    return this.tick();
  }

  /** Runs due timers at the current time (without moving it). */
  tick(): this {
    this.#take(this.conn.handleTimeout(this.now));
    return this;
  }

  segment(p: PeerSegment): Segment {
    return makeSegment({
      srcPort: p.srcPort ?? REMOTE_PORT,
      dstPort: p.dstPort ?? LOCAL_PORT,
      seq: (p.seq ?? 0) >>> 0,
      ack: (p.ack ?? 0) >>> 0,
      flags: parseCtl(p.ctl ?? 'ACK'),
      wnd: p.wnd ?? this.peerWnd,
      options: p.options ?? {},
      payload: p.payload === undefined ? new Uint8Array(0) : bytes(p.payload),
    });
  }

  receive(p: PeerSegment): this {
    this.#take(this.conn.handleSegment(this.segment(p), this.now));
    return this;
  }

  // --- user calls ---
  connect(): this {
    this.#take(this.conn.connect(this.now));
    return this;
  }
  listen(): this {
    this.#take(this.conn.listen(this.now));
    return this;
  }
  send(data: Bytes, expectAccepted?: number): this {
    const b = bytes(data);
    const out = this.conn.send(b, this.now);
    this.#take(out);
    assert.equal(out.accepted, expectAccepted ?? b.length, 'bytes accepted by send()');
    return this;
  }
  /** Reads and returns the bytes (null when nothing is buffered). */
  read(max?: number): Uint8Array | null {
    const out = this.conn.read(this.now, max);
    this.#take(out);
    return out.data;
  }
  expectRead(expected: Bytes | null, max?: number): this {
    const data = this.read(max);
    if (expected === null) assert.equal(data, null);
    else assert.deepEqual(data === null ? null : Array.from(data), Array.from(bytes(expected)));
    return this;
  }
  shutdown(): this {
    this.#take(this.conn.shutdown(this.now));
    return this;
  }
  close(): this {
    this.#take(this.conn.close(this.now));
    return this;
  }
  abort(): this {
    this.#take(this.conn.abort(this.now));
    return this;
  }
  setKeepalive(enable: boolean, opts?: { idle?: number; interval?: number; count?: number }): this {
    this.#take(this.conn.setKeepalive(enable, opts, this.now));
    return this;
  }

  // --- expectations ---

  expectSend(e: SegmentExpectation): this {
    const seg = this.pending.shift();
    assert.ok(seg, `expected a segment ${JSON.stringify(e)} at t=${this.now}, nothing was sent`);
    matchSegment(seg, e, `t=${this.now}`);
    return this;
  }

  /** Several segments, in order. */
  expectSends(...es: SegmentExpectation[]): this {
    for (const e of es) this.expectSend(e);
    return this;
  }

  expectNothing(): this {
    assert.deepEqual(this.pending.map(show), [], `expected nothing sent at t=${this.now}`);
    return this;
  }

  expectState(state: TcpStateName): this {
    assert.equal(this.conn.state, state, `state at t=${this.now}`);
    return this;
  }

  /** Takes the first pending event of this type (and code); fails if there is none. */
  expectEvent(type: ConnEventType, code?: string): this {
    const i = this.events.findIndex(
      (ev) => ev.type === type && (code === undefined || ('code' in ev && ev.code === code)),
    );
    assert.ok(
      i >= 0,
      `expected event ${type}${code ? ` ${code}` : ''} at t=${this.now}; pending: ${JSON.stringify(this.events)}`,
    );
    this.events.splice(i, 1);
    return this;
  }

  /** The pending events are exactly these (types, in order); clears them. */
  expectEvents(...types: string[]): this {
    assert.deepEqual(
      this.events.map((e) => (e.type === 'error' ? `error ${e.code}` : e.type)),
      types,
      `events at t=${this.now}`,
    );
    this.events = [];
    return this;
  }

  expectNoEvents(): this {
    return this.expectEvents();
  }

  expectTimer(kind: string, deadline: Instant | undefined): this {
    const t = this.conn.timers().find((x) => x.kind === kind);
    assert.equal(t?.deadline, deadline, `${kind} timer deadline at t=${this.now}`);
    return this;
  }

  info(): ConnectionInfo {
    return this.conn.info();
  }

  drops(): string[] {
    return this.traces.filter((e) => e.type === 'drop').map((e) => (e.type === 'drop' ? e.reason : ''));
  }

  /** Forgets pending segments and events. */
  clear(): this {
    this.pending = [];
    this.events = [];
    return this;
  }
}

function show(seg: Segment): string {
  return `<SEQ=${seg.seq}><ACK=${seg.ack}><CTL=${ctl(seg.flags)}><LEN=${seg.payload.length}><WND=${seg.wnd}>`;
}

export function matchSegment(seg: Segment, e: SegmentExpectation, where = ''): void {
  const msg = (f: string) => `${f} of ${show(seg)} ${where}`;
  if (e.ctl !== undefined) assert.equal(ctl(seg.flags), ctl(parseCtl(e.ctl)), msg('ctl'));
  if (e.seq !== undefined) assert.equal(seg.seq, e.seq >>> 0, msg('seq'));
  if (e.ack !== undefined) assert.equal(seg.ack, e.ack >>> 0, msg('ack'));
  if (e.wnd !== undefined) assert.equal(seg.wnd, e.wnd, msg('wnd'));
  if (e.len !== undefined) assert.equal(seg.payload.length, e.len, msg('len'));
  if (e.payload !== undefined) assert.deepEqual(Array.from(seg.payload), Array.from(bytes(e.payload)), msg('payload'));
  if (e.srcPort !== undefined) assert.equal(seg.srcPort, e.srcPort, msg('srcPort'));
  if (e.dstPort !== undefined) assert.equal(seg.dstPort, e.dstPort, msg('dstPort'));
  if (e.noOptions) {
    const o = seg.options;
    assert.deepEqual(
      [o.mss, o.wscale, o.ts, o.sackPermitted],
      [undefined, undefined, undefined, undefined],
      msg('options'),
    );
  }
  if (e.options !== undefined) {
    for (const [k, v] of Object.entries(e.options)) {
      assert.deepEqual((seg.options as Record<string, unknown>)[k], v, msg(`option ${k}`));
    }
  }
}

/**
 * A connection driven into `state` at t=0 with fixed ISNs (ours L, the peer's R), pending
 * segments and events cleared. Active open unless `passive`. Sequence numbers afterwards:
 *   ESTABLISHED: SND.NXT = L+1, RCV.NXT = R+1
 *   FIN-WAIT-1: our FIN at L+1 (SND.NXT = L+2); FIN-WAIT-2: it is acknowledged
 *   CLOSE-WAIT: the peer's FIN at R+1 was acknowledged (RCV.NXT = R+2)
 *   LAST-ACK: CLOSE-WAIT + our FIN at L+1; CLOSING: FIN-WAIT-1 + the peer's FIN at R+1
 *   TIME-WAIT: FIN-WAIT-2 + the peer's FIN at R+1, acknowledged
 */
export function inState(state: TcpStateName, opts: FixtureOptions = {}): ConnTest {
  const t = new ConnTest(opts);
  const iss = t.iss;
  const irs = t.irs;
  const peerOptions = opts.peerOptions ?? { mss: 1460 };
  const ack = (n: number) => s(iss, n);
  const seq = (n: number) => s(irs, n);
  const establish = () => {
    if (opts.passive) {
      t.listen()
        .receive({ seq: irs, ctl: 'SYN', options: peerOptions })
        .expectSend({ seq: iss, ack: seq(1), ctl: 'SYN,ACK' })
        .receive({ seq: seq(1), ack: ack(1), ctl: 'ACK', options: tsEcho(peerOptions) });
    } else {
      t.connect()
        .expectSend({ seq: iss, ctl: 'SYN' })
        .receive({ seq: irs, ack: ack(1), ctl: 'SYN,ACK', options: peerOptions })
        .expectSend({ seq: ack(1), ack: seq(1), ctl: 'ACK' });
    }
  };
  switch (state) {
    case 'CLOSED':
      break;
    case 'LISTEN':
      t.listen();
      break;
    case 'SYN-SENT':
      t.connect().expectSend({ seq: iss, ctl: 'SYN' });
      break;
    case 'SYN-RECEIVED':
      t.listen()
        .receive({ seq: irs, ctl: 'SYN', options: peerOptions })
        .expectSend({ seq: iss, ack: seq(1), ctl: 'SYN,ACK' });
      break;
    case 'ESTABLISHED':
      establish();
      break;
    case 'FIN-WAIT-1':
      establish();
      t.close().expectSend({ seq: ack(1), ack: seq(1), ctl: 'FIN,ACK' });
      break;
    case 'FIN-WAIT-2':
      establish();
      t.close()
        .expectSend({ seq: ack(1), ctl: 'FIN,ACK' })
        .receive({ seq: seq(1), ack: ack(2), options: tsEcho(peerOptions) });
      break;
    case 'CLOSE-WAIT':
      establish();
      t.receive({ seq: seq(1), ack: ack(1), ctl: 'FIN,ACK', options: tsEcho(peerOptions) }).expectSend({
        seq: ack(1),
        ack: seq(2),
        ctl: 'ACK',
      });
      break;
    case 'LAST-ACK':
      establish();
      t.receive({ seq: seq(1), ack: ack(1), ctl: 'FIN,ACK', options: tsEcho(peerOptions) })
        .expectSend({ ack: seq(2), ctl: 'ACK' })
        .close()
        .expectSend({ seq: ack(1), ack: seq(2), ctl: 'FIN,ACK' });
      break;
    case 'CLOSING':
      establish();
      t.close()
        .expectSend({ seq: ack(1), ctl: 'FIN,ACK' })
        .receive({ seq: seq(1), ack: ack(1), ctl: 'FIN,ACK', options: tsEcho(peerOptions) })
        .expectSend({ seq: ack(2), ack: seq(2), ctl: 'ACK' });
      break;
    case 'TIME-WAIT':
      establish();
      t.close()
        .expectSend({ seq: ack(1), ctl: 'FIN,ACK' })
        .receive({ seq: seq(1), ack: ack(2), options: tsEcho(peerOptions) })
        .receive({ seq: seq(1), ack: ack(2), ctl: 'FIN,ACK', options: tsEcho(peerOptions) })
        .expectSend({ seq: ack(2), ack: seq(2), ctl: 'ACK' });
      break;
  }
  assert.equal(t.conn.state, state, 'fixture state');
  t.expectNothing();
  return t.clear();
}

/** On non-SYN fixture segments, keep sending a timestamp when the peer's SYN had one. */
function tsEcho(o: TcpOptions): TcpOptions {
  return o.ts ? { ts: o.ts } : {};
}
