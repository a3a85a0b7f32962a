// The model behind the lifecycle property tests: a scenario (links, sizes, write chunking, close
// order), an arbitrary that generates it, a driver that plays it on the simulated network with two
// hosts, and the record of what happened (trace, wire, handles) for the checks in lifecycle.test.ts.
//
// Applications in a scenario act only on what they observe through SimConn events, like real code:
//   client-first   both write; the client close()s once it has read all the server's data; the server
//                  close()s after 'peer-fin', once it has written everything and read all the client's.
//   server-first   the mirror image.
//   simultaneous   both close() at the same instant, once each has read everything from the other.
//   half-close     the client writes and shutdown()s; the server writes part of its data, the rest after
//                  'peer-fin', then close()s (having read everything). The client keeps reading and never
//                  calls close().
//   client-abort   the client abort()s after reading k bytes or at a given time; the server close()s
//                  once it has written everything (so it always ends, even if the RST is lost).
//   server-abort   the mirror image.
// Each host also gets random TCP settings (buffers, MSS, Nagle, delayed ACKs, timestamps, window
// scaling) and its application may read late (readDelay), so windows fill and persist probes run.
// The applications read for themselves (SimConn autoRead off) and stop reading once they called
// close() or abort(), as real code does.

import fc from 'fast-check';
import type { TcpConfig } from '../../src/core/config.js';
import type { ConnEvent } from '../../src/core/events.js';
import type { TcpStateName } from '../../src/core/state.js';
import type { Instant } from '../../src/core/time.js';
import { type LinkOptions, type SimConn, type SimHost, SimNetwork, type WirePacket } from '../../src/sim/index.js';
import { compactLadder } from '../../src/trace/ladder.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { RST } from '../../src/wire/segment.js';

export const CLIENT = 'client';
export const SERVER = 'server';
export const CLIENT_ADDR = '192.0.2.1';
export const SERVER_ADDR = '192.0.2.2';
export const SERVER_PORT = 80;

export const CLOSE_ORDERS = [
  'client-first',
  'server-first',
  'simultaneous',
  'half-close',
  'client-abort',
  'server-abort',
] as const;
export type CloseOrder = (typeof CLOSE_ORDERS)[number];

/** When the aborting side calls abort(): after reading a fraction of the peer's data, or at a time. */
export type AbortTrigger = { kind: 'bytes'; percent: number } | { kind: 'time'; at: number };

/** How one side writes its data: sizes and pauses come from a small PRNG seeded with `seed`. */
export interface WritePlan {
  size: number;
  /** Largest write() call (the plan never makes more than MAX_WRITES calls). */
  maxChunk: number;
  /** Largest pause between two write() calls, ms (0: all at once). */
  maxGap: number;
  seed: number;
}

/** TCP settings of one host (undefined: the default) and how its application reads. */
export interface HostTcp {
  sendBuffer: number | undefined;
  recvBuffer: number | undefined;
  mss: number | undefined;
  nagle: boolean;
  delayedAck: boolean;
  timestamps: boolean;
  windowScaling: boolean;
  /** Offer SACK (RFC 2018) on the SYN; it is used when both hosts offer it. */
  sackPermitted: boolean;
  /** ms between 'readable' and the application's read (0: at once). */
  readDelay: number;
  /** Keepalive settings (undefined: off, the default). */
  keepalive: { idle: number; interval: number; count: number } | undefined;
}

export interface Scenario {
  /** SimNetwork seed (links, ISN secrets, ephemeral ports). */
  seed: number;
  /** Payload bytes derive from this. */
  dataSeed: number;
  msl: number;
  c2s: LinkOptions;
  s2c: LinkOptions;
  order: CloseOrder;
  client: WritePlan;
  server: WritePlan;
  clientTcp: HostTcp;
  serverTcp: HostTcp;
  /** Used by client-abort and server-abort. */
  abort: AbortTrigger;
  /** half-close: percent of the server's data written before the client's FIN arrives. */
  splitPercent: number;
  /**
   * An application-level timeout: at this time each side abort()s its connection if it is still
   * open (undefined: none). Only the black-hole property uses it (see lifecycle.test.ts).
   */
  watchdog: number | undefined;
}

/** At most this many write() calls per side and phase. */
export const MAX_WRITES = 256;
export const MAX_SIZE = 200 * 1024;

// ---------------------------------------------------------------------------------------------------
// Arbitraries

const perMille = (max: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max }).map((n) => n / 1000),
  );

export const linkArb: fc.Arbitrary<LinkOptions> = fc.record({
  latency: fc.integer({ min: 1, max: 100 }),
  jitter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
  loss: perMille(200),
  duplicate: perMille(100),
  reorder: perMille(200),
});

const sizeArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 3000 }),
  fc.integer({ min: 3000, max: MAX_SIZE }),
  fc.constant(MAX_SIZE),
);

export const writePlanArb: fc.Arbitrary<WritePlan> = fc.record({
  size: sizeArb,
  maxChunk: fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1500, max: 65536 })),
  maxGap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 })),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

const bufferArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 65536 }) },
);

/**
 * SACK on a host: random, or forced for both hosts by FINACK_PROPERTY_SACK=on|off (to search the
 * SACK paths alone).
 */
const FORCE_SACK = process.env.FINACK_PROPERTY_SACK;
const sackArb: fc.Arbitrary<boolean> =
  FORCE_SACK === 'on' ? fc.constant(true) : FORCE_SACK === 'off' ? fc.constant(false) : fc.boolean();

export const hostTcpArb: fc.Arbitrary<HostTcp> = fc.record({
  sendBuffer: bufferArb,
  recvBuffer: bufferArb,
  mss: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.integer({ min: 536, max: 1460 })),
  nagle: fc.boolean(),
  delayedAck: fc.boolean(),
  timestamps: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
  windowScaling: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
  sackPermitted: sackArb,
  readDelay: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 300 })),
  keepalive: fc.constant(undefined),
});

/** The Partial<TcpConfig> of a host. */
export function hostConfig(h: HostTcp): Partial<TcpConfig> {
  const cfg: Partial<TcpConfig> = {
    nagle: h.nagle,
    delayedAck: h.delayedAck,
    timestamps: h.timestamps,
    windowScaling: h.windowScaling,
    sackPermitted: h.sackPermitted,
  };
  if (h.sendBuffer !== undefined) cfg.sendBuffer = h.sendBuffer;
  if (h.recvBuffer !== undefined) cfg.recvBuffer = h.recvBuffer;
  if (h.mss !== undefined) cfg.mss = h.mss;
  if (h.keepalive !== undefined) {
    cfg.keepalive = true;
    cfg.keepaliveIdle = h.keepalive.idle;
    cfg.keepaliveInterval = h.keepalive.interval;
    cfg.keepaliveCount = h.keepalive.count;
  }
  return cfg;
}

export const abortArb: fc.Arbitrary<AbortTrigger> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), percent: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ kind: fc.constant('time' as const), at: fc.integer({ min: 0, max: 3000 }) }),
);

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  dataSeed: fc.integer({ min: 0, max: 0x7fffffff }),
  msl: fc.integer({ min: 100, max: 2000 }),
  c2s: linkArb,
  s2c: linkArb,
  order: fc.constantFrom(...CLOSE_ORDERS),
  client: writePlanArb,
  server: writePlanArb,
  clientTcp: hostTcpArb,
  serverTcp: hostTcpArb,
  abort: abortArb,
  splitPercent: fc.integer({ min: 0, max: 100 }),
  watchdog: fc.constant(undefined),
});

/**
 * Black holes: a link whose MTU is below the full-sized packets of the flow drops them all (no path
 * MTU discovery), so the sender times out. Keepalive is on for both hosts and each application has a
 * watchdog, as real ones do, so that the survivor of a dead connection finds out too.
 */
export const blackHoleArb: fc.Arbitrary<Scenario> = fc
  .record({
    sc: scenarioArb,
    c2sMtu: fc.oneof(fc.constant(1500), fc.integer({ min: 300, max: 1400 })),
    s2cMtu: fc.oneof(fc.constant(1500), fc.integer({ min: 300, max: 1400 })),
    keepalive: fc.record({
      idle: fc.integer({ min: 1000, max: 20_000 }),
      interval: fc.integer({ min: 500, max: 5000 }),
      count: fc.integer({ min: 1, max: 5 }),
    }),
  })
  .map(({ sc, c2sMtu, s2cMtu, keepalive }) => ({
    ...sc,
    c2s: { ...sc.c2s, mtu: c2sMtu },
    s2c: { ...sc.s2c, mtu: s2cMtu },
    clientTcp: { ...sc.clientTcp, keepalive },
    serverTcp: { ...sc.serverTcp, keepalive },
    watchdog: WATCHDOG,
  }));

/** The applications' own timeout in black-hole runs: 2 hours (retries give up within about 30 min). */
export const WATCHDOG = 2 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------
// Deterministic helpers

/** mulberry32: a tiny PRNG for payloads and write plans (independent of the simulator's streams). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Payload of one direction: pseudo-random bytes, so a reordered or shifted block never looks right. */
export function payload(size: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) {
    let x = (r() * 0x1_0000_0000) >>> 0;
    for (let j = i; j < i + 4 && j < size; j++) {
      out[j] = x & 0xff;
      x >>>= 8;
    }
  }
  return out;
}

/** Chunk sizes (summing to `size`) and the pause before each chunk (the first pause is 0). */
export function chunking(size: number, plan: WritePlan): { sizes: number[]; gaps: number[] } {
  const r = prng(plan.seed ^ 0x5bd1e995);
  const min = Math.max(1, Math.ceil(size / MAX_WRITES));
  const max = Math.max(min, plan.maxChunk);
  const sizes: number[] = [];
  const gaps: number[] = [];
  let left = size;
  while (left > 0) {
    const n = Math.min(left, min + Math.floor(r() * (max - min + 1)));
    gaps.push(sizes.length === 0 ? 0 : Math.floor(r() * (plan.maxGap + 1)));
    sizes.push(n);
    left -= n;
  }
  return { sizes, gaps };
}

// ---------------------------------------------------------------------------------------------------
// Driver

/** Feeds a byte range to a SimConn in chunks, pausing between them on the network's clock. */
class Writer {
  readonly #net: SimNetwork;
  readonly #conn: SimConn;
  readonly #data: Uint8Array;
  readonly #sizes: number[];
  readonly #gaps: number[];
  readonly #onProgress: () => void;
  #next = 0;
  #at = 0;
  started = false;
  stopped = false;
  /** Bytes handed to SimConn.write() so far. */
  written = 0;

  constructor(net: SimNetwork, conn: SimConn, data: Uint8Array, plan: WritePlan, onProgress: () => void) {
    this.#net = net;
    this.#conn = conn;
    this.#data = data;
    const c = chunking(data.length, plan);
    this.#sizes = c.sizes;
    this.#gaps = c.gaps;
    this.#onProgress = onProgress;
  }

  get done(): boolean {
    return this.started && this.#next >= this.#sizes.length;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.#run();
  }

  stop(): void {
    this.stopped = true;
  }

  #run(): void {
    while (this.#next < this.#sizes.length) {
      if (this.stopped || dead(this.#conn)) {
        this.stopped = true;
        return;
      }
      const n = this.#sizes[this.#next] as number;
      const chunk = this.#data.subarray(this.#at, this.#at + n);
      this.#at += n;
      this.written += n;
      // Counted as done only once write() has returned: its events may run tick(), which must not
      // close the connection while this chunk is still being handed over.
      this.#conn.write(chunk);
      this.#next++;
      const gap = this.#gaps[this.#next];
      if (gap !== undefined && gap > 0) {
        this.#net.clock.schedule(this.#net.now + gap, () => this.#run());
        this.#onProgress();
        return;
      }
    }
    this.#onProgress();
  }
}

/** The connection failed or ended: no user call may be made on it any more. */
export function dead(c: SimConn): boolean {
  return c.saw('error') || c.saw('closed');
}

export interface AppAction {
  t: Instant;
  who: string;
  what: string;
}

export interface Run {
  sc: Scenario;
  net: SimNetwork;
  rec: TraceRecorder;
  wire: WirePacket[];
  clientHost: SimHost;
  serverHost: SimHost;
  client: SimConn;
  /** The accepted connection (undefined if the handshake never completed at the server). */
  server: SimConn | undefined;
  accepted: number;
  clientData: Uint8Array;
  serverData: Uint8Array;
  /** Bytes each side handed to write(). */
  clientWritten: number;
  serverWritten: number;
  /** Who called abort() (undefined: nobody), in which state and when. */
  aborted: 'client' | 'server' | undefined;
  abortState: TcpStateName | undefined;
  abortAt: Instant | undefined;
  abortRst: boolean;
  /** Bytes each side had read when its 'peer-fin' event was dispatched (undefined: no such event). */
  peerFinRead: { client: number | undefined; server: number | undefined };
  /** What the applications did, in order. */
  actions: AppAction[];
  /** run() ended with nothing scheduled (false: the time or step bound was hit). */
  idle: boolean;
  /** Connections the watchdog had to abort, and their state then. */
  watchdogFired: { who: 'client' | 'server'; state: TcpStateName }[];
}

/**
 * Virtual time allowed for a run. Most runs end within seconds; with 20 % loss both ways the RTO can
 * sit at rtoMax (2 min) for a while (an ACK echoing the timestamp of a long-lost ACK's segment gives a
 * huge but valid RTT sample, RFC 7323 §4.1), and a 200 KiB transfer can then take an hour or more.
 * Virtual time is cheap: only steps cost.
 */
export const TIME_BOUND: Instant = 12 * 60 * 60 * 1000;
export const STEP_BOUND = 400_000;

const EVENT_TYPES: ConnEvent['type'][] = [
  'connected',
  'readable',
  'writable',
  'peer-fin',
  'fin-acked',
  'error',
  'time-wait',
  'closed',
];

/** Received-byte counter that does not re-sum every chunk on each event. */
class Counter {
  #idx = 0;
  #sum = 0;
  of(c: SimConn): number {
    const r = c.received;
    while (this.#idx < r.length) this.#sum += (r[this.#idx++] as Uint8Array).length;
    return this.#sum;
  }
}

/** Plays a scenario to the end (or to the bounds) and returns everything observed. */
export function play(sc: Scenario): Run {
  const rec = new TraceRecorder();
  const net = new SimNetwork({ seed: sc.seed, config: { msl: sc.msl }, trace: rec.sink });
  const clientHost = net.host(CLIENT_ADDR, { name: CLIENT, config: hostConfig(sc.clientTcp) });
  const serverHost = net.host(SERVER_ADDR, { name: SERVER, config: hostConfig(sc.serverTcp) });
  net.setLink(CLIENT_ADDR, SERVER_ADDR, sc.c2s);
  net.setLink(SERVER_ADDR, CLIENT_ADDR, sc.s2c);
  const wire: WirePacket[] = [];
  net.tap((p) => wire.push(p));

  const clientData = payload(sc.client.size, sc.dataSeed);
  const serverData = payload(sc.server.size, sc.dataSeed ^ 0x2545f491);
  const actions: AppAction[] = [];
  const act = (who: string, what: string): void => {
    actions.push({ t: net.now, who, what });
  };

  const listener = serverHost.listen(SERVER_PORT, { autoRead: false });
  const st = {
    server: undefined as SimConn | undefined,
    cWriter: undefined as Writer | undefined,
    sWriter: undefined as Writer | undefined,
    sWriter2: undefined as Writer | undefined,
    cDone: false, // client made its final call (close/shutdown/abort)
    sDone: false,
    aborted: undefined as 'client' | 'server' | undefined,
    abortDue: false, // a time-triggered server abort came before the accept
    cReadStop: false, // the client called close() or abort(): it reads no more
    sReadStop: false,
    abortState: undefined as TcpStateName | undefined,
    abortAt: undefined as Instant | undefined,
    abortRst: false, // abort() put a RST on the wire
    cPeerFin: undefined as number | undefined, // bytes read when 'peer-fin' was dispatched
    sPeerFin: undefined as number | undefined,
  };
  const cCount = new Counter();
  const sCount = new Counter();

  const splitAt = Math.floor((sc.server.size * sc.splitPercent) / 100);

  const doClose = (who: 'client' | 'server', c: SimConn): void => {
    if (who === 'client') st.cDone = st.cReadStop = true;
    else st.sDone = st.sReadStop = true;
    if (dead(c)) return;
    act(who, 'close');
    c.close();
  };
  const doAbort = (who: 'client' | 'server', c: SimConn): void => {
    if (who === 'client') {
      st.cDone = st.cReadStop = true;
      st.cWriter?.stop();
    } else {
      st.sDone = st.sReadStop = true;
      st.sWriter?.stop();
    }
    if (dead(c)) return;
    st.aborted = who;
    st.abortState = c.state;
    st.abortAt = net.now;
    act(who, `abort (${c.state})`);
    const before = wire.length;
    c.abort();
    st.abortRst = wire.slice(before).some((p) => p.packet !== null && (p.packet.seg.flags & RST) !== 0);
  };
  const abortDueByBytes = (c: SimConn, count: Counter, peerSize: number): boolean =>
    sc.abort.kind === 'bytes' && c.saw('connected') && count.of(c) >= Math.floor((peerSize * sc.abort.percent) / 100);

  // Every application decision, re-evaluated after each event and each write.
  const tick = (): void => {
    const c = client;
    const s = st.server;
    const cw = st.cWriter;
    const sw = st.sWriter;
    switch (sc.order) {
      case 'client-first':
        if (!st.cDone && cw?.done && c.saw('connected') && cCount.of(c) >= sc.server.size) doClose('client', c);
        if (s && !st.sDone && sw?.done && s.saw('peer-fin') && sCount.of(s) >= sc.client.size) doClose('server', s);
        break;
      case 'server-first':
        if (s && !st.sDone && sw?.done && sCount.of(s) >= sc.client.size) doClose('server', s);
        if (!st.cDone && cw?.done && c.saw('peer-fin') && cCount.of(c) >= sc.server.size) doClose('client', c);
        break;
      case 'simultaneous':
        if (
          s &&
          !st.cDone &&
          !st.sDone &&
          cw?.done &&
          sw?.done &&
          cCount.of(c) >= sc.server.size &&
          sCount.of(s) >= sc.client.size
        ) {
          doClose('client', c);
          doClose('server', s);
        }
        break;
      case 'half-close':
        if (!st.cDone && cw?.done) {
          st.cDone = true;
          if (!dead(c)) {
            act('client', 'shutdown');
            c.shutdown();
          }
        }
        if (s && sw?.done && s.saw('peer-fin') && st.sWriter2 && !st.sWriter2.started && !dead(s)) {
          act('server', 'write the rest');
          st.sWriter2.start();
        }
        if (s && !st.sDone && st.sWriter2?.done && sCount.of(s) >= sc.client.size) doClose('server', s);
        break;
      case 'client-abort':
        if (s && !st.sDone && sw?.done) doClose('server', s);
        if (!st.cDone && abortDueByBytes(c, cCount, sc.server.size)) doAbort('client', c);
        break;
      case 'server-abort':
        if (!st.cDone && cw?.done && c.saw('connected')) doClose('client', c);
        if (s && !st.sDone && (st.abortDue || abortDueByBytes(s, sCount, sc.client.size))) doAbort('server', s);
        break;
    }
  };

  // A slow reader (readDelay > 0) reads that long after 'readable', so its window fills and closes.
  const watch = (c: SimConn, who: 'client' | 'server'): void => {
    const delay = who === 'client' ? sc.clientTcp.readDelay : sc.serverTcp.readDelay;
    let pending = false;
    // Bytes received before the connection closed stay readable after 'closed' (the endpoint keeps
    // them until a read() returns null); a connection the endpoint no longer holds has nothing left.
    const drain = (): void => {
      if ((who === 'client' ? st.cReadStop : st.sReadStop) || c.local === undefined) return;
      while (c.read() !== null) {}
    };
    c.on('readable', () => {
      if (delay === 0) drain();
      else if (!pending) {
        pending = true;
        net.clock.schedule(net.now + delay, () => {
          pending = false;
          drain();
          tick();
        });
      }
    });
    c.on('peer-fin', () => {
      if (who === 'client') st.cPeerFin = cCount.of(c);
      else st.sPeerFin = sCount.of(c);
    });
    for (const type of EVENT_TYPES) c.on(type, tick);
  };

  listener.onAccept = (s) => {
    if (st.server !== undefined) return; // a second connection: reported by the checks
    st.server = s;
    watch(s, 'server');
    const first = sc.order === 'half-close' ? serverData.subarray(0, splitAt) : serverData;
    st.sWriter = new Writer(net, s, first, sc.server, tick);
    if (sc.order === 'half-close') {
      st.sWriter2 = new Writer(net, s, serverData.subarray(splitAt), { ...sc.server, seed: sc.server.seed + 1 }, tick);
    }
    st.sWriter.start();
  };

  const client = clientHost.connect({ addr: SERVER_ADDR, port: SERVER_PORT }, { autoRead: false });
  watch(client, 'client');
  st.cWriter = new Writer(net, client, clientData, sc.client, tick);
  st.cWriter.start();

  if (sc.abort.kind === 'time' && (sc.order === 'client-abort' || sc.order === 'server-abort')) {
    net.clock.schedule(sc.abort.at, () => {
      if (sc.order === 'client-abort') {
        if (!st.cDone) doAbort('client', client);
      } else if (st.server) {
        if (!st.sDone) doAbort('server', st.server);
      } else {
        st.abortDue = true;
      }
    });
  }
  const watchdogFired: { who: 'client' | 'server'; state: TcpStateName }[] = [];
  if (sc.watchdog !== undefined) {
    net.clock.schedule(sc.watchdog, () => {
      for (const [who, c] of [
        ['client', client],
        ['server', st.server],
      ] as const) {
        if (c === undefined || c.saw('closed')) continue;
        watchdogFired.push({ who, state: c.state });
        act(who, `watchdog abort (${c.state})`);
        if (who === 'client') st.cDone = st.cReadStop = true;
        else st.sDone = st.sReadStop = true;
        c.abort();
      }
    });
  }
  tick();

  net.run({ until: TIME_BOUND, maxSteps: STEP_BOUND });
  const idle = net.clock.nextTime() === undefined;

  const sw1 = st.sWriter as Writer | undefined;
  const sw2 = st.sWriter2 as Writer | undefined;
  return {
    sc,
    net,
    rec,
    wire,
    clientHost,
    serverHost,
    client,
    server: st.server,
    accepted: listener.accepted.length,
    clientData,
    serverData,
    clientWritten: st.cWriter.written,
    serverWritten: (sw1?.written ?? 0) + (sw2?.written ?? 0),
    aborted: st.aborted,
    abortState: st.abortState,
    abortAt: st.abortAt,
    abortRst: st.abortRst,
    peerFinRead: { client: st.cPeerFin, server: st.sPeerFin },
    actions,
    watchdogFired,
    idle,
  };
}

// ---------------------------------------------------------------------------------------------------
// Reporting

/** What to print when a check fails: the applications' calls and the end of the ladder. */
export function explain(run: Run, lines = 80): string {
  const ladder = compactLadder(run.rec.events).split('\n');
  const tail =
    ladder.length > lines ? [`... (${ladder.length - lines} earlier lines)`, ...ladder.slice(-lines)] : ladder;
  const evs = (c: SimConn | undefined): string =>
    c === undefined
      ? '(none)'
      : c.events.map((e) => `${e.t}:${e.event.type}${e.event.type === 'error' ? `(${e.event.code})` : ''}`).join(' ');
  return [
    `scenario: ${JSON.stringify(run.sc)}`,
    `t=${run.net.now} steps=${run.net.steps} idle=${run.idle} aborted=${run.aborted ?? '-'}`,
    `written: client ${run.clientWritten}/${run.clientData.length}, server ${run.serverWritten}/${run.serverData.length}`,
    `received: client ${run.client.receivedBytes().length}, server ${run.server?.receivedBytes().length ?? '-'}`,
    `client state ${run.client.state}, events: ${evs(run.client)}`,
    `server state ${run.server?.state ?? '-'}, events: ${evs(run.server)}`,
    `actions: ${run.actions.map((a) => `${a.t} ${a.who} ${a.what}`).join('; ')}`,
    'ladder (tail):',
    ...tail,
  ].join('\n');
}

/** JSON of the trace with payloads replaced by their length and a hash (for determinism checks). */
export function traceJson(run: Run): string {
  const replacer = (_k: string, v: unknown): unknown => (v instanceof Uint8Array ? `u8:${v.length}:${fnv(v)}` : v);
  const wire = run.wire.map((p) => ({
    t: p.t,
    from: p.from,
    to: p.to,
    fate: p.fate,
    arrive: p.arrive,
    bytes: p.bytes,
  }));
  return JSON.stringify({ trace: run.rec.events, wire, actions: run.actions }, replacer);
}

function fnv(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h >>> 0;
}
