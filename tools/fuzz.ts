// npm run fuzz: generated and mutated inputs through the whole receive path of an Endpoint
// (handlePacket for generated segments, handleDatagram for raw bytes), against connections built
// into every state, with the invariants checked after every input.
//
// A fixture is two Endpoints on a hand-driven wire (a client on 192.0.2.1, a server listening on
// 198.51.100.1:80 or their 2001:db8:: twins), random TCP settings, driven with real segments into
// one of SYN-SENT, SYN-RECEIVED, ESTABLISHED (with data in flight or held out of order, sometimes),
// FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK or TIME-WAIT. Then INPUTS inputs go to the
// endpoint holding that state ("the target"), made from what it is (RCV.NXT, SND.UNA, SND.MAX,
// TS.Recent, the window), so most of them reach deep into the checks:
//   segment   the peer's tuple (or a stranger's), seq and ack near the edges or anywhere, any
//             flags, window, urgent pointer, payload 0-1400 bytes, options (MSS, window scale,
//             SACK-permitted, SACK blocks around the flight, timestamps near or far from TS.Recent,
//             unknown kinds) -> handlePacket;
//   mutated   such a segment encoded to IP bytes, then bit flips, byte overwrites, truncation,
//             extension, a bad data offset or option bytes, with the checksum made right again
//             most of the time -> handleDatagram;
//   random    random bytes (a plausible IP header, sometimes) -> handleDatagram;
//   time      the clock moves 0 ms to 2 min and handleTimeout runs once, late (as a stalled driver);
//   user      a small send() or a read() on the target's connections.
// After every input:
//   no exception (the endpoint runs strict, so a bug in the core throws instead of being guarded);
//   no internal error counted;
//   nextDeadline() >= now for the endpoint and each connection (after a late handleTimeout too);
//   each connection, unless CLOSED or LISTEN: SND.UNA <= SND.NXT <= SND.MAX (mod 2^32); SACKed
//   bytes <= bytes in flight (SND.MAX - SND.UNA); send window <= 65535 << 14; receive window
//   <= the receive buffer; queued + out-of-order bytes <= the receive buffer; send queue <= the send
//   buffer; cwnd > 0; rtoMin <= RTO <= rtoMax;
//   every 'state' trace event follows the previous one of its connection and is an edge of
//   isLegalTransition (src/core/state.ts).
// A failing case is replayed from its seed and shrunk: first to the last input alone on a fresh
// fixture if that still fails, then by dropping earlier inputs, then byte by byte; it is printed as
// the fixture, the inputs' times and hex bytes (ready for a regression test).

import type { TcpConfig } from '../src/core/config.js';
import { type ConnId, Endpoint, type EndpointOutput, type Packet } from '../src/core/endpoint.js';
import { isLegalTransition, TcpState } from '../src/core/state.js';
import type { TraceEvent } from '../src/trace/events.js';
import { tcpChecksum } from '../src/wire/checksum.js';
import { decodePacket, encodePacket, parseAddress } from '../src/wire/ip.js';
import { ACK, CWR, ECE, FIN, makeSegment, PSH, RST, SYN, type TcpOptions, URG } from '../src/wire/segment.js';
import { seqAdd, seqDiff, seqLe } from '../src/wire/seq.js';
import { batchSeed, fmt, hex, isEntry, Prng, parseArgs, Report, runBatches, serveBatches } from './report.js';

const INPUTS = 250;
const FIXTURES_PER_BATCH = 20;
const FULL_COUNT = 1_000_000;
const QUICK_COUNT = 20_000;
const MAX_SHRINK_REPLAYS = 400;
/** Failures printed in full per batch (all are counted). */
const SHOWN_PER_BATCH = 2;

export const STATES = [
  'SYN-SENT',
  'SYN-RECEIVED',
  'ESTABLISHED',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'CLOSE-WAIT',
  'CLOSING',
  'LAST-ACK',
  'TIME-WAIT',
] as const;
type FixtureState = (typeof STATES)[number];

// ---------------------------------------------------------------------------------------------------
// Fixtures

type Side = 'a' | 'b';

class Fixture {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly aAddr: string;
  readonly bAddr: string;
  readonly cfg: Partial<TcpConfig>;
  now = 0;
  readonly q: Record<Side, Packet[]> = { a: [], b: [] }; // packets sent by a / by b, in flight
  readonly traceErrors: string[] = [];
  transitions = 0;
  readonly #last = new Map<string, string>();
  aConn: ConnId | undefined;
  bConn: ConnId | undefined;
  port = 80;

  constructor(seed: number, r: Prng) {
    const v6 = r.chance(0.25);
    this.aAddr = v6 ? '2001:db8::a' : '192.0.2.1';
    this.bAddr = v6 ? '2001:db8::b' : '198.51.100.1';
    const cfg: Partial<TcpConfig> = {
      msl: r.pick([200, 1_000, 30_000]),
      timestamps: r.chance(0.7),
      windowScaling: r.chance(0.7),
      sackPermitted: r.chance(0.6),
      nagle: r.chance(0.5),
      delayedAck: r.chance(0.5),
      rfc1337: r.chance(0.5),
      tailLossProbe: r.chance(0.3),
    };
    if (r.chance(0.3)) cfg.recvBuffer = r.range(1_000, 65_536);
    if (r.chance(0.3)) cfg.sendBuffer = r.range(1_000, 65_536);
    if (r.chance(0.3)) cfg.mss = r.range(100, 1460);
    this.cfg = cfg;
    const sink = (ev: TraceEvent): void => this.#onTrace(ev);
    const mk = (name: string, addr: string, k: number): Endpoint => {
      const rr = new Prng(batchSeed(seed, k));
      return new Endpoint({
        name,
        addresses: [addr],
        isnSecret: rr.bytes(16),
        random: () => rr.next(),
        config: cfg,
        trace: sink,
        strict: true,
      });
    };
    this.a = mk('A', this.aAddr, 1);
    this.b = mk('B', this.bAddr, 2);
  }

  #onTrace(ev: TraceEvent): void {
    if (ev.type !== 'state') return;
    this.transitions++;
    const key = `${ev.endpoint}|${ev.conn}`;
    const last = this.#last.get(key);
    if (!isLegalTransition(ev.from as TcpState, ev.to as TcpState)) {
      this.traceErrors.push(`illegal transition ${ev.from} -> ${ev.to} (${ev.cause}) on ${key}`);
    } else if (ev.from !== 'CLOSED' && last !== undefined && last !== ev.from) {
      // (A change from CLOSED starts a new Connection object, which may reuse a tuple whose last
      // object was dropped in LISTEN, a SYN that made nothing.)
      this.traceErrors.push(`state ${ev.from} -> ${ev.to} on ${key}, but it was ${last}`);
    }
    this.#last.set(key, ev.to);
  }

  ep(s: Side): Endpoint {
    return s === 'a' ? this.a : this.b;
  }

  take(s: Side, out: EndpointOutput): void {
    for (const p of out.packets) this.q[s].push(p);
    for (const ev of out.events) {
      if (s === 'b' && ev.type === 'accept') this.bConn = ev.conn;
    }
  }

  /** Delivers what `from` has in flight (and the answers, both ways) until the wire is quiet. */
  flush(): void {
    for (let guard = 0; guard < 10_000 && (this.q.a.length > 0 || this.q.b.length > 0); guard++) {
      const from: Side = this.q.a.length > 0 ? 'a' : 'b';
      const p = this.q[from].shift() as Packet;
      const to: Side = from === 'a' ? 'b' : 'a';
      this.take(to, this.ep(to).handlePacket(p, this.now));
    }
  }

  /** Delivers only what is in flight now from `from`; answers stay queued. */
  deliver(from: Side): void {
    const ps = this.q[from].splice(0);
    const to: Side = from === 'a' ? 'b' : 'a';
    for (const p of ps) this.take(to, this.ep(to).handlePacket(p, this.now));
  }

  /** Delivers what both sides have in flight now, crossing on the wire; answers stay queued. */
  cross(): void {
    const pa = this.q.a.splice(0);
    const pb = this.q.b.splice(0);
    for (const p of pa) this.take('b', this.b.handlePacket(p, this.now));
    for (const p of pb) this.take('a', this.a.handlePacket(p, this.now));
  }

  readAll(s: Side): void {
    const id = s === 'a' ? this.aConn : this.bConn;
    if (id === undefined || this.ep(s).connection(id) === undefined) return;
    for (let guard = 0; guard < 1_000; guard++) {
      const out = this.ep(s).read(id, this.now);
      this.take(s, out);
      if (out.data === null || out.data.length === 0) return;
    }
  }

  drop(from: Side): void {
    this.q[from].length = 0;
  }

  /** Moves time by `ms`, serving deadlines on the way, delivering as it goes. */
  wait(ms: number): void {
    const until = this.now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      this.flush();
      const d = Math.min(this.a.nextDeadline() ?? Infinity, this.b.nextDeadline() ?? Infinity);
      if (d > until) break;
      this.now = Math.max(this.now, d);
      this.take('a', this.a.handleTimeout(this.now));
      this.take('b', this.b.handleTimeout(this.now));
    }
    this.now = Math.max(this.now, until);
  }

  connect(): void {
    this.take('b', { packets: [], events: [] });
    this.b.listen({ port: this.port });
    const r = this.a.connect({ addr: this.bAddr, port: this.port }, this.now);
    this.aConn = r.conn;
    this.take('a', r.out);
  }

  establish(r: Prng): void {
    this.connect();
    this.flush();
    this.wait(r.range(0, 300));
  }

  send(s: Side, n: number, r: Prng): void {
    const id = s === 'a' ? this.aConn : this.bConn;
    if (id === undefined || n === 0 || this.ep(s).connection(id) === undefined) return;
    this.take(s, this.ep(s).send(id, r.bytes(n), this.now));
  }

  close(s: Side): void {
    const id = s === 'a' ? this.aConn : this.bConn;
    if (id !== undefined && this.ep(s).connection(id) !== undefined) this.take(s, this.ep(s).close(id, this.now));
  }

  stateOf(s: Side): string | undefined {
    const id = s === 'a' ? this.aConn : this.bConn;
    if (id === undefined) return undefined;
    return this.ep(s)
      .connections(this.now)
      .find((row) => row.conn === id)?.state;
  }
}

/** Builds a fixture in `state`; returns it with the side that holds the state. */
export function build(seed: number, state: FixtureState): { f: Fixture; target: Side; r: Prng } {
  const r = new Prng(seed);
  const f = new Fixture(seed, r);
  let target: Side = 'a';
  /** Some data each way, part of it left in flight or held out of order. */
  const data = (): void => {
    if (r.chance(0.5)) return;
    f.send('a', r.range(1, 5_000), r);
    f.send('b', r.range(1, 5_000), r);
    // Lose a few packets so that the receiver holds data out of order and the sender has a flight.
    for (const s of ['a', 'b'] as const) f.q[s] = f.q[s].filter(() => !r.chance(0.3));
    f.flush();
    // Read what arrived: a close() with unread data would reset instead (rstOnCloseWithUnread).
    f.readAll('a');
    f.readAll('b');
  };
  switch (state) {
    case 'SYN-SENT':
      f.connect();
      f.drop('a');
      break;
    case 'SYN-RECEIVED':
      f.connect();
      f.deliver('a');
      f.drop('b');
      target = 'b';
      break;
    case 'ESTABLISHED':
      f.establish(r);
      data();
      target = r.chance(0.5) ? 'a' : 'b';
      break;
    case 'FIN-WAIT-1':
      f.establish(r);
      data();
      f.close('a');
      f.drop('a');
      break;
    case 'FIN-WAIT-2':
    case 'CLOSE-WAIT':
      f.establish(r);
      data();
      f.wait(5_000);
      f.readAll('a');
      f.readAll('b');
      f.close('a');
      f.flush();
      target = state === 'FIN-WAIT-2' ? 'a' : 'b';
      break;
    case 'CLOSING':
      f.establish(r);
      data();
      f.wait(5_000);
      f.readAll('a');
      f.readAll('b');
      f.close('a');
      f.close('b');
      f.cross();
      target = r.chance(0.5) ? 'a' : 'b';
      break;
    case 'LAST-ACK':
      f.establish(r);
      data();
      f.wait(5_000);
      f.readAll('a');
      f.readAll('b');
      f.close('a');
      f.flush();
      f.readAll('b');
      f.close('b');
      f.drop('b');
      target = 'b';
      break;
    case 'TIME-WAIT':
      f.establish(r);
      data();
      f.wait(5_000);
      f.readAll('a');
      f.readAll('b');
      f.close('a');
      f.flush();
      f.readAll('b');
      f.close('b');
      f.deliver('b');
      f.drop('a');
      break;
  }
  f.drop('a');
  f.drop('b');
  if (f.bConn === undefined) {
    // A half-open connection has no 'accept' event yet: take it from the table.
    f.bConn = f.b.connections(f.now).find((row) => row.conn !== undefined && row.state !== 'LISTEN')?.conn;
  }
  return { f, target, r };
}

// ---------------------------------------------------------------------------------------------------
// Inputs

type Input =
  | { t: number; kind: 'pkt'; pkt: Packet }
  | { t: number; kind: 'dgram'; bytes: Uint8Array }
  | { t: number; kind: 'timeout' }
  | { t: number; kind: 'send'; n: number }
  | { t: number; kind: 'read' };

interface View {
  rcvNxt: number;
  rcvWnd: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  tsRecent: number;
  iss: number;
  irs: number;
}

function viewOf(f: Fixture, target: Side): View {
  const ep = f.ep(target);
  const id = target === 'a' ? f.aConn : f.bConn;
  const c = id === undefined ? undefined : ep.connection(id);
  if (c === undefined) return { rcvNxt: 0, rcvWnd: 0, sndUna: 0, sndNxt: 0, sndMax: 0, tsRecent: 0, iss: 0, irs: 0 };
  const i = c.info();
  return {
    rcvNxt: i.rcvNxt,
    rcvWnd: i.rcvWnd,
    sndUna: i.sndUna,
    sndNxt: i.sndNxt,
    sndMax: i.sndMax,
    tsRecent: i.tsRecent,
    iss: i.iss,
    irs: i.irs,
  };
}

const FLAG_SETS = [
  ACK,
  ACK,
  ACK,
  PSH | ACK,
  FIN | ACK,
  RST,
  RST | ACK,
  SYN,
  SYN | ACK,
  FIN,
  0,
  SYN | FIN,
  SYN | RST,
  FIN | RST | ACK,
  URG | ACK,
  ECE | CWR | ACK,
  SYN | ECE | CWR,
  0xff,
];

function near(r: Prng, base: number, spread: number): number {
  const k = r.int(8);
  if (k === 0) return r.u32();
  if (k === 1) return base >>> 0;
  if (k === 2) return seqAdd(base, r.chance(0.5) ? -1 : 1);
  if (k === 3) return seqAdd(base, spread);
  if (k === 4) return seqAdd(base, -spread);
  if (k === 5) return seqAdd(base, 0x8000_0000);
  return seqAdd(base, r.range(-3000, 3000));
}

function genOptions(r: Prng, v: View): TcpOptions {
  const o: TcpOptions = {};
  if (r.chance(0.6)) {
    const val = r.pick([
      v.tsRecent,
      seqAdd(v.tsRecent, r.range(1, 100)),
      seqAdd(v.tsRecent, 2 ** 30),
      seqAdd(v.tsRecent, -r.range(1, 100)),
      seqAdd(v.tsRecent, 0x8000_0000),
      r.u32(),
      0,
    ]);
    o.ts = { val: val >>> 0, ecr: r.chance(0.5) ? r.u32() : 0 };
  }
  if (r.chance(0.25)) {
    const n = r.range(1, 4);
    o.sack = [];
    for (let i = 0; i < n; i++) {
      const left = near(r, v.sndUna, Math.max(1, seqDiff(v.sndMax, v.sndUna)));
      const right = r.chance(0.8) ? seqAdd(left, r.range(0, 3000)) : r.u32();
      o.sack.push({ left, right });
    }
  }
  if (r.chance(0.1)) o.mss = r.pick([0, 1, 536, 1460, 65535, r.int(65536)]);
  if (r.chance(0.1)) o.wscale = r.range(0, 20);
  if (r.chance(0.1)) o.sackPermitted = true;
  if (r.chance(0.05)) o.unknown = [{ kind: r.range(9, 254), data: r.bytes(r.range(0, 6)) }];
  return o;
}

function genPacket(r: Prng, f: Fixture, target: Side, v: View): Packet {
  const peerAddr = target === 'a' ? f.bAddr : f.aAddr;
  const myAddr = target === 'a' ? f.aAddr : f.bAddr;
  const id = target === 'a' ? f.aConn : f.bConn;
  const ad = id === undefined ? undefined : f.ep(target).addresses(id);
  const myPort = ad?.local.port ?? f.port;
  const peerPort = ad?.remote.port ?? 40_000;
  const k = r.next();
  const src =
    k < 0.95 ? peerAddr : f.aAddr.includes(':') ? `2001:db8:ff::${r.range(1, 9)}` : `203.0.113.${r.range(1, 254)}`;
  const srcPort = r.chance(0.93) ? peerPort : r.range(0, 65535);
  const dstPort = r.chance(0.95) ? myPort : r.range(0, 65535);
  const payloadLen = r.chance(0.5) ? 0 : r.chance(0.7) ? r.range(1, 200) : r.range(200, 1400);
  const seg = makeSegment({
    srcPort,
    dstPort,
    seq: near(r, v.rcvNxt, Math.max(1, v.rcvWnd)),
    ack: near(r, r.chance(0.5) ? v.sndUna : v.sndMax, Math.max(1, seqDiff(v.sndMax, v.sndUna))),
    flags: r.chance(0.85) ? r.pick(FLAG_SETS) : r.int(256),
    wnd: r.chance(0.2) ? 0 : r.chance(0.5) ? 65535 : r.int(65536),
    urp: r.chance(0.05) ? r.int(65536) : 0,
    options: genOptions(r, v),
    payload: r.bytes(payloadLen),
  });
  return { src, dst: r.chance(0.99) ? myAddr : peerAddr, seg };
}

function ipHeaderLength(b: Uint8Array): number {
  return (b[0] ?? 0) >> 4 === 6 ? 40 : ((b[0] ?? 0x45) & 0x0f) * 4;
}

/** Makes the TCP checksum right again (when the IP header still says where TCP starts). */
function fixChecksum(b: Uint8Array): void {
  const ihl = ipHeaderLength(b);
  if (b.length < ihl + 18) return;
  const v6 = ihl === 40 && (b[0] ?? 0) >> 4 === 6;
  const src = b.subarray(v6 ? 8 : 12, v6 ? 24 : 16);
  const dst = b.subarray(v6 ? 24 : 16, v6 ? 40 : 20);
  const tcp = b.subarray(ihl);
  let sum: number;
  try {
    sum = tcpChecksum(src, dst, tcp);
  } catch {
    return; // a mutated version nibble: no checksum to make right
  }
  b[ihl + 16] = sum >> 8;
  b[ihl + 17] = sum & 0xff;
}

/** Sets the IP length fields to the buffer's length (so truncation and extension reach TCP). */
function fixLength(b: Uint8Array): void {
  if ((b[0] ?? 0) >> 4 === 6) {
    if (b.length < 40) return;
    const n = b.length - 40;
    b[4] = (n >> 8) & 0xff;
    b[5] = n & 0xff;
  } else if (b.length >= 20) {
    b[2] = (b.length >> 8) & 0xff;
    b[3] = b.length & 0xff;
    // IPv4 header checksum over the header as it is now.
    const ihl = ipHeaderLength(b);
    if (b.length < ihl) return;
    b[10] = 0;
    b[11] = 0;
    let s = 0;
    for (let i = 0; i < ihl; i += 2) s += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    const c = ~s & 0xffff;
    b[10] = c >> 8;
    b[11] = c & 0xff;
  }
}

function mutate(r: Prng, bytes: Uint8Array): Uint8Array {
  let b = bytes.slice();
  const ihl = ipHeaderLength(b);
  const n = r.range(1, 4);
  let lengthChanged = false;
  for (let i = 0; i < n; i++) {
    const k = r.int(7);
    if (k === 0 && b.length > 0) {
      const at = r.int(b.length * 8);
      b[at >> 3] = (b[at >> 3] ?? 0) ^ (1 << (at & 7));
    } else if (k === 1 && b.length > ihl) {
      // A byte of the TCP header.
      const at = ihl + r.int(Math.min(60, b.length - ihl));
      b[at] = r.int(256);
    } else if (k === 2) {
      b = b.slice(0, r.int(b.length + 1));
      lengthChanged = true;
    } else if (k === 3) {
      const extra = r.bytes(r.range(1, 64));
      const nb = new Uint8Array(b.length + extra.length);
      nb.set(b);
      nb.set(extra, b.length);
      b = nb;
      lengthChanged = true;
    } else if (k === 4 && b.length > ihl + 12) {
      // Data offset: anything from 0 to 15 words.
      b[ihl + 12] = (r.int(16) << 4) | ((b[ihl + 12] ?? 0) & 0x0f);
    } else if (k === 5 && b.length > ihl + 20) {
      // Option bytes: kinds and lengths that lie.
      const at = ihl + 20 + r.int(Math.max(1, Math.min(40, b.length - ihl - 20)));
      b[at] = r.pick([0, 1, 2, 3, 4, 5, 8, 255, r.int(256)]);
      if (at + 1 < b.length) b[at + 1] = r.pick([0, 1, 2, 3, 10, 40, 255, r.int(256)]);
    } else if (k === 6 && b.length > 0) {
      b[r.int(b.length)] = r.int(256);
    }
  }
  if (lengthChanged && r.chance(0.8)) fixLength(b);
  if (r.chance(0.8)) fixChecksum(b);
  return b;
}

function randomBytes(r: Prng, f: Fixture): Uint8Array {
  const b = r.bytes(r.range(0, 120));
  if (r.chance(0.7) && b.length >= 40) {
    // A plausible IPv4 header to one of our addresses.
    const dst = parseAddress(f.aAddr.includes(':') ? '192.0.2.1' : r.chance(0.5) ? f.aAddr : f.bAddr);
    b[0] = 0x45;
    b[9] = 6;
    if (dst) b.set(dst.subarray(0, 4), 16);
    fixLength(b);
    fixChecksum(b);
  }
  return b;
}

/** Encodes a generated packet; options that do not fit in 40 bytes lose their SACK blocks first. */
function encodeSome(pkt: Packet): Uint8Array {
  try {
    return encodePacket(pkt);
  } catch {
    const { sack: _sack, unknown: _unknown, ...rest } = pkt.seg.options;
    return encodePacket({ ...pkt, seg: { ...pkt.seg, options: rest } });
  }
}

function genInput(r: Prng, f: Fixture, target: Side, t: number): Input {
  const k = r.next();
  if (k < 0.07) return { t, kind: 'timeout' };
  if (k < 0.09) return { t, kind: 'send', n: r.range(1, 3000) };
  if (k < 0.11) return { t, kind: 'read' };
  const v = viewOf(f, target);
  if (k < 0.6) return { t, kind: 'pkt', pkt: genPacket(r, f, target, v) };
  if (k < 0.95) return { t, kind: 'dgram', bytes: mutate(r, encodeSome(genPacket(r, f, target, v))) };
  return { t, kind: 'dgram', bytes: randomBytes(r, f) };
}

/** Applies one input to the target endpoint at f.now (already moved to input.t). */
function apply(f: Fixture, target: Side, input: Input): void {
  const ep = f.ep(target);
  switch (input.kind) {
    case 'pkt':
      ep.handlePacket(input.pkt, f.now);
      break;
    case 'dgram':
      ep.handleDatagram(input.bytes, f.now);
      break;
    case 'timeout':
      ep.handleTimeout(f.now);
      break;
    case 'send':
    case 'read':
      for (const row of ep.connections(f.now)) {
        const id = row.conn;
        if (id === undefined) continue;
        const c = ep.connection(id);
        if (c === undefined) continue;
        try {
          if (input.kind === 'send') ep.send(id, new Uint8Array(input.n).fill(0x5a), f.now);
          else ep.read(id, f.now);
        } catch {
          // API misuse errors (send after close, a closed connection): the user's, not the network's.
        }
      }
      break;
  }
}

// ---------------------------------------------------------------------------------------------------
// Invariants

function check(f: Fixture, target: Side): string | undefined {
  if (f.traceErrors.length > 0) return f.traceErrors[0];
  for (const side of ['a', 'b'] as const) {
    const ep = f.ep(side);
    if (ep.stats.internalErrors > 0) return `${side}: ${ep.stats.internalErrors} internal errors`;
    if (side !== target) continue;
    const d = ep.nextDeadline();
    if (d !== undefined && d < f.now) return `endpoint nextDeadline ${d} < now ${f.now}`;
    for (const row of ep.connections(f.now)) {
      if (row.conn === undefined) continue;
      const c = ep.connection(row.conn);
      if (c === undefined) continue;
      const i = c.info();
      if (i.state === TcpState.Closed || i.state === TcpState.Listen) continue;
      const cd = c.nextDeadline();
      if (cd !== undefined && cd < f.now) return `conn ${row.conn} (${i.state}): nextDeadline ${cd} < now ${f.now}`;
      const at = `conn ${row.conn} (${i.state})`;
      if (!seqLe(i.sndUna, i.sndNxt)) return `${at}: SND.UNA ${i.sndUna} > SND.NXT ${i.sndNxt}`;
      if (!seqLe(i.sndNxt, i.sndMax)) return `${at}: SND.NXT ${i.sndNxt} > SND.MAX ${i.sndMax}`;
      const flight = seqDiff(i.sndMax, i.sndUna);
      if (i.sackedBytes < 0 || i.sackedBytes > flight) return `${at}: SACKed ${i.sackedBytes} > in flight ${flight}`;
      if (i.sndWnd < 0 || i.sndWnd > 65535 * 2 ** 14) return `${at}: SND.WND ${i.sndWnd}`;
      const recvBuffer = f.cfg.recvBuffer ?? 256 * 1024;
      const sendBuffer = f.cfg.sendBuffer ?? 256 * 1024;
      if (i.rcvWnd < 0 || i.rcvWnd > recvBuffer) return `${at}: RCV.WND ${i.rcvWnd} (buffer ${recvBuffer})`;
      if (i.recvQueued < 0 || i.reassemblyBytes < 0 || i.recvQueued + i.reassemblyBytes > recvBuffer) {
        return `${at}: ${i.recvQueued} queued + ${i.reassemblyBytes} out of order > buffer ${recvBuffer}`;
      }
      if (i.sendQueued < 0 || i.sendQueued > sendBuffer) return `${at}: send queue ${i.sendQueued} > ${sendBuffer}`;
      if (!(i.cwnd > 0)) return `${at}: cwnd ${i.cwnd}`;
      if (!(i.rto >= 1_000 && i.rto <= 120_000)) return `${at}: RTO ${i.rto}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Running, replaying, shrinking

interface CaseResult {
  inputs: number;
  /** Index of the failing input and what failed, if one did. */
  failure?: { at: number; what: string };
  actualState: string;
  recorded: Input[];
  /** The target's drops by reason, and state changes seen, over the whole case. */
  drops: Record<string, number>;
  transitions: number;
}

/** Plays a fixture: generated inputs (count), or the given ones. Records what it played. */
function play(seed: number, state: FixtureState, count: number, given?: Input[]): CaseResult {
  const { f, target, r } = build(seed, state);
  const before = { ...f.ep(target).stats.drops } as Record<string, number>;
  const t0 = f.transitions;
  const res = playOn(f, target, r, count, given);
  const drops: Record<string, number> = {};
  for (const [k, v] of Object.entries(f.ep(target).stats.drops)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) drops[k] = d;
  }
  return { ...res, drops, transitions: f.transitions - t0 };
}

function playOn(
  f: Fixture,
  target: Side,
  r: Prng,
  count: number,
  given: Input[] | undefined,
): Omit<CaseResult, 'drops' | 'transitions'> {
  const actualState = f.stateOf(target) ?? 'gone';
  const recorded: Input[] = [];
  const start = f.now;
  const n = given === undefined ? count : given.length;
  for (let k = 0; k < n; k++) {
    let input: Input;
    if (given !== undefined) input = given[k] as Input;
    else {
      // Time: mostly stays, sometimes moves a little, rarely far (and then the timers run late).
      const dt = r.chance(0.8) ? 0 : r.chance(0.8) ? r.range(1, 500) : r.range(500, 120_000);
      input = genInput(r, f, target, f.now + dt - start);
      if (dt > 0 && input.kind !== 'timeout' && r.chance(0.5)) input = { t: input.t, kind: 'timeout' };
    }
    recorded.push(input);
    f.now = Math.max(f.now, start + input.t);
    try {
      apply(f, target, input);
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { inputs: k + 1, failure: { at: k, what: `exception ${what}` }, actualState, recorded };
    }
    // A driver serves due timers before it sleeps: after a late wakeup nothing may stay overdue.
    if (input.kind !== 'timeout' && (f.ep(target).nextDeadline() ?? Infinity) < f.now) {
      try {
        f.ep(target).handleTimeout(f.now);
      } catch (err) {
        const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        return { inputs: k + 1, failure: { at: k, what: `exception in handleTimeout ${what}` }, actualState, recorded };
      }
    }
    const bad = check(f, target);
    if (bad !== undefined) return { inputs: k + 1, failure: { at: k, what: bad }, actualState, recorded };
    // Once the target holds no connection any more, a fresh fixture makes better use of the inputs.
    if (
      given === undefined &&
      f
        .ep(target)
        .connections(f.now)
        .every((row) => row.state === 'LISTEN')
    ) {
      return { inputs: k + 1, actualState, recorded };
    }
  }
  return { inputs: n, actualState, recorded };
}

function fails(seed: number, state: FixtureState, inputs: Input[]): boolean {
  return play(seed, state, 0, inputs).failure !== undefined;
}

function asBytes(input: Input): Uint8Array | undefined {
  if (input.kind === 'dgram') return input.bytes;
  if (input.kind === 'pkt') return encodeSome(input.pkt);
  return undefined;
}

/** Shrinks a failing input list: fewer inputs, then fewer bytes in the last one. */
function shrink(seed: number, state: FixtureState, inputs: Input[]): Input[] {
  let budget = MAX_SHRINK_REPLAYS;
  const tryIt = (xs: Input[]): boolean => budget-- > 0 && fails(seed, state, xs);
  let cur = inputs.slice();
  // 1. The last input alone (at its time), as bytes if it fails that way too.
  const last = cur[cur.length - 1] as Input;
  const lastBytes = asBytes(last);
  if (lastBytes !== undefined && tryIt([{ t: last.t, kind: 'dgram', bytes: lastBytes }])) {
    cur = [{ t: last.t, kind: 'dgram', bytes: lastBytes }];
  } else if (tryIt([last])) cur = [last];
  else {
    // 2. Drop earlier inputs, in halves then one by one.
    for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && budget > 0; chunk >>= 1) {
      for (let i = 0; i + chunk < cur.length && budget > 0; ) {
        const next = [...cur.slice(0, i), ...cur.slice(i + chunk)];
        if (tryIt(next)) cur = next;
        else i += chunk;
      }
    }
  }
  // 3. Bytes of the last input: delete runs, halving their length.
  const tail = cur[cur.length - 1] as Input;
  if (tail.kind === 'dgram') {
    let b = tail.bytes;
    for (let run = Math.max(1, b.length >> 1); run >= 1 && budget > 0; run >>= 1) {
      for (let i = 0; i + run <= b.length && budget > 0; ) {
        const nb = new Uint8Array(b.length - run);
        nb.set(b.subarray(0, i));
        nb.set(b.subarray(i + run), i);
        if (tryIt([...cur.slice(0, -1), { t: tail.t, kind: 'dgram', bytes: nb }])) b = nb;
        else i += run;
      }
    }
    cur = [...cur.slice(0, -1), { t: tail.t, kind: 'dgram', bytes: b }];
  }
  return cur;
}

function describe(input: Input): string {
  const b = asBytes(input);
  if (input.kind === 'pkt') {
    const d = decodePacket(encodeSome(input.pkt));
    const same = d.ok ? '' : ' (does not round-trip)';
    return `t=${input.t} pkt ${hex(b as Uint8Array)}${same}`;
  }
  if (input.kind === 'dgram') return `t=${input.t} dgram ${hex(input.bytes)}`;
  if (input.kind === 'send') return `t=${input.t} send ${input.n}`;
  return `t=${input.t} ${input.kind}`;
}

export interface FuzzBatch {
  inputs: number;
  fixtures: number;
  byState: Record<string, number>;
  drops: Record<string, number>;
  transitions: number;
  /** Fixtures whose target was not in the state asked for (the input still counts). */
  missed: Record<string, number>;
  failed: number;
  failures: string[];
}

export function runBatch(index: number, seed: number, perFixture = INPUTS, fixtures = FIXTURES_PER_BATCH): FuzzBatch {
  const res: FuzzBatch = {
    inputs: 0,
    fixtures: 0,
    byState: {},
    drops: {},
    transitions: 0,
    missed: {},
    failed: 0,
    failures: [],
  };
  // Fixtures until the batch's inputs are spent (a fixture ends early when its target is gone).
  const quota = perFixture * fixtures;
  for (let i = 0; res.inputs < quota; i++) {
    const fseed = batchSeed(seed, i);
    const state = STATES[(index * fixtures + i) % STATES.length] as FixtureState;
    const run = play(fseed, state, Math.min(perFixture, quota - res.inputs));
    res.fixtures++;
    res.inputs += run.inputs;
    res.transitions += run.transitions;
    for (const [k, v] of Object.entries(run.drops)) res.drops[k] = (res.drops[k] ?? 0) + v;
    res.byState[run.actualState] = (res.byState[run.actualState] ?? 0) + run.inputs;
    if (run.actualState !== state) res.missed[state] = (res.missed[state] ?? 0) + 1;
    if (run.failure !== undefined) {
      res.failed++;
      if (res.failures.length < SHOWN_PER_BATCH) {
        const small = shrink(fseed, state, run.recorded);
        const again = play(fseed, state, 0, small).failure;
        res.failures.push(
          [
            `fixture seed ${fseed} state ${state} (target in ${run.actualState}), input ${run.failure.at}: ${run.failure.what}`,
            `      shrunk to ${small.length} input(s)${again ? `: ${again.what}` : ' (does not fail any more: flaky?)'}`,
            ...small.slice(-5).map((x) => `      ${describe(x)}`),
          ].join('\n'),
        );
      }
    }
  }
  return res;
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv, { seed: 0xf022_2026, timeLimit: 600, quickTimeLimit: 60 });
  const count = opts.count ?? (opts.quick ? QUICK_COUNT : FULL_COUNT);
  const perBatch = INPUTS * FIXTURES_PER_BATCH;
  const batches = Math.ceil(count / perBatch);
  const report = new Report(
    `fuzz: ${fmt(batches * perBatch)} inputs, fixtures of up to ${INPUTS}, seed ${opts.seed}, ${opts.jobs} job(s)`,
  );
  const total: FuzzBatch = {
    inputs: 0,
    fixtures: 0,
    byState: {},
    drops: {},
    transitions: 0,
    missed: {},
    failed: 0,
    failures: [],
  };
  const r = await runBatches({
    script: import.meta.url,
    count: batches,
    jobs: opts.jobs,
    baseSeed: opts.seed,
    deadline: report.started + opts.timeLimit * 1000,
    run: (i, s) => runBatch(i, s),
    merge: (_i, b: FuzzBatch) => {
      total.inputs += b.inputs;
      total.fixtures += b.fixtures;
      total.transitions += b.transitions;
      for (const [k, v] of Object.entries(b.drops)) total.drops[k] = (total.drops[k] ?? 0) + v;
      for (const [k, v] of Object.entries(b.byState)) total.byState[k] = (total.byState[k] ?? 0) + v;
      for (const [k, v] of Object.entries(b.missed)) total.missed[k] = (total.missed[k] ?? 0) + v;
      total.failed += b.failed;
      for (const f of b.failures) total.failures.push(f);
    },
  });
  report.figure('batches run', r.ran);
  report.figure('fixtures', total.fixtures);
  report.figure('inputs', total.inputs);
  report.figure('inputs/s', Math.round(total.inputs / report.elapsed()));
  for (const st of STATES) report.figure(`inputs starting in ${st}`, total.byState[st] ?? 0);
  const others = Object.entries(total.byState).filter(([k]) => !(STATES as readonly string[]).includes(k));
  if (others.length > 0) report.figure('inputs starting elsewhere', JSON.stringify(Object.fromEntries(others)));
  report.figure('fixtures not in the state asked for', JSON.stringify(total.missed));
  report.figure('state changes checked', total.transitions);
  const drops = Object.entries(total.drops).sort((x, y) => y[1] - x[1]);
  report.figure('inputs dropped by the target, by reason', drops.map(([k, v]) => `${k} ${fmt(v)}`).join(', '));
  report.figure('failing fixtures', total.failed);
  for (const st of STATES) {
    if ((total.byState[st] ?? 0) === 0) report.check(`inputs reached ${st}`, false, 'no fixture got there');
  }
  // Every input checked passes or fails (a fixture stops at its first failing input).
  report.tally(total.inputs - total.failed, total.failures, total.failed);
  if (r.timedOut)
    report.check('finished within the time limit', false, `${opts.timeLimit} s; ${r.ran} of ${batches} batches ran`);
  return report.print();
}

if (!serveBatches((i, s) => runBatch(i, s)) && isEntry(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
