// npm run soak: many whole connection lifecycles on the simulated network, each checked.
//
// The run is made of independent batches. A batch is one small SimNetwork (its own seed, from the
// run's seed and the batch number): a server and a few clients on IPv4 or IPv6 documentation
// addresses, each client's links drawn at random (loss up to 30%, duplication, reordering, latency,
// jitter), short partitions, and stalls of the hosts (0-30 s) during which a host serves neither its
// packets nor its timers: when it wakes, the packets that queued up arrive at once and every timer
// that fell due in the meantime is served late, in one handleTimeout call. On that network a batch
// plays BATCH lifecycles at staggered times, each with random payload sizes in both directions,
// random write chunking and one of the close orders below, and random TCP settings per host.
//
//   client-first   both write; the client close()s once it has read all the server's data; the
//                  server close()s after 'peer-fin'.
//   server-first   the mirror image.
//   simultaneous   once both have read everything, both close() at the same instant.
//   half-close     the client writes and shutdown()s; after 'peer-fin' the server writes its data
//                  and close()s; the client reads on and never calls close().
//   client-abort   the client abort()s at a random time or after reading some bytes; the server
//                  close()s once it has written everything.
//   server-abort   the mirror image.
// An application watchdog aborts whatever is still open 6 virtual hours after the lifecycle
// started (a peer that timed out leaves the other side ESTABLISHED forever when it has nothing to
// send: that is TCP without keepalive). A watchdog firing where neither side failed and no data
// reached either application in the hour before is a violation (a hang); one that ends a transfer
// still moving (heavy loss with RTOs at their 120 s ceiling) is counted as slow.
//
// Checks, per lifecycle:
//   data      each side received a prefix of what the other wrote (exactly once, in order); all of it
//             unless a side failed (error event, abort); 'peer-fin' only after all of it; where a
//             direction came up short, the sender failed and so did the receiver (or it had closed);
//   errors    only ECONNRESET and ETIMEDOUT; none where no side aborted and the links lose nothing;
//   end       both handles CLOSED, one 'closed' event each and it is the last;
//   timers    a late timer is one expiry: no handleTimeout call raises a connection's backoff count
//             by more than one, however late it runs;
// and per batch, once the network is idle (virtual time past every 2MSL): no connection, TIME-WAIT
// record or deadline left on any host (the server keeps only its listener), nothing scheduled.
//
// Output: the figures, each violation with its batch seed (`npm run soak -- --replay SEED` plays that
// one batch again; FINACK_SOAK_DEBUG=1 adds the events of each failing lifecycle), and the closing
// line `N passed, N failed` over lifecycles plus one batch-level check per batch. --quick runs 2,000
// lifecycles (the test in test/tools/soak.test.ts); --count, --seed, --jobs and --time-limit adjust.

import type { ConnErrorCode } from '../src/base/errors.js';
import type { TcpConfig } from '../src/core/config.js';
import type { Instant } from '../src/core/time.js';
import type { Clock } from '../src/io/clock.js';
import { type LinkOptions, type SimConn, type SimHost, SimNetwork } from '../src/sim/index.js';
import { fmt, isEntry, Prng, parseArgs, Report, runBatches, serveBatches } from './report.js';

const BATCH = 50;
const FULL_COUNT = 100_000;
const QUICK_COUNT = 2_000;
const WATCHDOG = 6 * 3_600_000;
/** No data delivered for this long before the watchdog: a hang, not a slow transfer. */
const HANG_QUIET = 3_600_000;
const MAX_STEPS_PER_BATCH = 20_000_000;
const SERVER_PORT = 80;

const ORDERS = ['client-first', 'server-first', 'simultaneous', 'half-close', 'client-abort', 'server-abort'] as const;
type Order = (typeof ORDERS)[number];

/** What a batch sends back (plain data: it crosses a worker boundary). */
export interface BatchResult {
  seed: number;
  lifecycles: number;
  passed: number;
  violations: string[];
  /** Batch-level checks that failed (leftovers, no settling, exceptions). */
  batchFailures: string[];
  byOrder: Record<string, number>;
  outcomes: Record<string, number>;
  errors: Record<string, number>;
  bytes: number;
  packets: number;
  steps: number;
  virtualMs: number;
  stalls: number;
  lateTimeouts: number;
  maxLateness: number;
  partitions: number;
  watchdogs: number;
  /** Watchdogs that ended a lifecycle still delivering data (slow, not stuck). */
  slowWatchdogs: number;
  maxLoss: number;
}

interface Side {
  conn: SimConn | undefined;
  data: Uint8Array;
  wroteAll: boolean;
  closed: boolean;
  aborted: boolean;
  /** close() called before all the peer's data was read. */
  closedEarly: boolean;
  watchdog: boolean;
  /** Had the handle seen 'peer-fin' before this side's own close()? */
  host: SimHost;
}

interface Life {
  id: number;
  order: Order;
  c: Side;
  s: Side;
  abortAfterBytes: number | undefined;
  abortAt: number | undefined;
  bothReady: boolean;
  lossless: boolean;
  /** When the watchdog fired (undefined: it did not). */
  watchdogAt: number | undefined;
  /** When data last reached either application before the watchdog fired ('readable'). */
  progressAt: number | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Stalls: a host that serves neither packets nor timers until `until`.

interface Stall {
  until: Instant;
}

/**
 * Puts a host's wakeups and deliveries behind its stall: the host's driver loop gets a clock whose
 * scheduled calls, when due while the host is stalled, wait for the stall to end; packets that
 * arrive meanwhile are queued and delivered in order when it ends. (A tool-side wrapper: SimHost
 * has no stall of its own.)
 */
function makeStallable(sim: SimNetwork, host: SimHost, st: Stall): Clock {
  const real = sim.clock;
  const clock: Clock = {
    now: () => real.now(),
    schedule(at, fn) {
      let done = false;
      let cancel: () => void;
      const fire = (): void => {
        if (done) return;
        if (st.until > real.now()) {
          cancel = real.schedule(st.until, fire);
          return;
        }
        done = true;
        fn();
      };
      cancel = real.schedule(at, fire);
      return () => {
        if (done) return;
        done = true;
        cancel();
      };
    },
  };
  (host.loop as unknown as { clock: Clock }).clock = clock;
  const receive = host.receive.bind(host);
  host.receive = (bytes: Uint8Array): void => {
    if (st.until > real.now()) {
      real.schedule(st.until, () => host.receive(bytes));
      return;
    }
    receive(bytes);
  };
  return clock;
}

// ---------------------------------------------------------------------------------------------------
// One batch

function lossPick(r: Prng): number {
  return r.pick([0, 0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
}

function linkPick(r: Prng): LinkOptions {
  return {
    latency: r.range(1, 60),
    jitter: r.chance(0.5) ? 0 : r.range(1, 30),
    loss: lossPick(r),
    duplicate: r.chance(0.5) ? 0 : r.range(1, 50) / 1000,
    reorder: r.chance(0.5) ? 0 : r.range(1, 100) / 1000,
  };
}

function configPick(r: Prng): Partial<TcpConfig> {
  const c: Partial<TcpConfig> = {
    timestamps: r.chance(0.7),
    windowScaling: r.chance(0.7),
    sackPermitted: r.chance(0.5),
    nagle: r.chance(0.5),
    delayedAck: r.chance(0.7),
  };
  if (r.chance(0.2)) c.recvBuffer = r.range(2_000, 65_536);
  if (r.chance(0.2)) c.sendBuffer = r.range(2_000, 65_536);
  if (r.chance(0.2)) c.mss = r.range(200, 1460);
  return c;
}

function sizePick(r: Prng): number {
  const k = r.next();
  if (k < 0.15) return 0;
  if (k < 0.55) return r.range(1, 2_000);
  if (k < 0.9) return r.range(2_000, 20_000);
  return r.range(20_000, 100_000);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function isPrefix(got: Uint8Array, of: Uint8Array): number {
  if (got.length > of.length) return of.length;
  for (let i = 0; i < got.length; i++) if (got[i] !== of[i]) return i;
  return -1;
}

export function runBatch(_index: number, seed: number, lifecycles = BATCH): BatchResult {
  const r = new Prng(seed);
  const v6 = r.chance(0.2);
  const msl = r.pick([500, 2_000, 30_000]);
  const sim = new SimNetwork({ seed, config: { msl } });
  const serverAddr = v6 ? '2001:db8::1' : '198.51.100.1';
  const server = sim.host(serverAddr, { name: 'server', config: configPick(r) });
  const nClients = r.range(1, 5);
  const clients: SimHost[] = [];
  const res = emptyTotals(seed);
  const lossy = new Map<SimHost, boolean>();
  for (let i = 0; i < nClients; i++) {
    const addr = v6 ? `2001:db8:1::${i + 1}` : `192.0.2.${i + 1}`;
    const h = sim.host(addr, { name: `client${i}`, config: configPick(r) });
    clients.push(h);
    const up = linkPick(r);
    const down = r.chance(0.5) ? up : linkPick(r);
    sim.setLink(h.name, 'server', up);
    sim.setLink('server', h.name, down);
    res.maxLoss = Math.max(res.maxLoss, up.loss ?? 0, down.loss ?? 0);
    lossy.set(h, (up.loss ?? 0) > 0 || (down.loss ?? 0) > 0);
  }
  sim.tap(() => {
    res.packets++;
  });

  // Stalls and the late-timer check on every host.
  const clocks = new Map<SimHost, Clock>();
  const stalls = new Map<SimHost, Stall>();
  for (const h of [server, ...clients]) {
    const st: Stall = { until: 0 };
    stalls.set(h, st);
    clocks.set(h, makeStallable(sim, h, st));
    const n = r.int(4);
    for (let k = 0; k < n; k++) {
      const at = r.range(0, 60_000);
      const len = r.range(0, 30_000);
      res.stalls++;
      sim.clock.schedule(at, () => {
        st.until = Math.max(st.until, sim.now + len);
      });
    }
    const ep = h.endpoint;
    const handleTimeout = ep.handleTimeout.bind(ep);
    ep.handleTimeout = (now) => {
      const due = ep.nextDeadline();
      const late = due === undefined ? 0 : now - due;
      if (late <= 100) return handleTimeout(now);
      res.lateTimeouts++;
      res.maxLateness = Math.max(res.maxLateness, late);
      const before = new Map<number, number>();
      for (const c of h.conns()) {
        const conn = c.connection;
        if (conn !== undefined) before.set(c.id, conn.info().backoffs);
      }
      const out = handleTimeout(now);
      for (const c of h.conns()) {
        const b = before.get(c.id);
        const conn = c.connection;
        if (b === undefined || conn === undefined) continue;
        const after = conn.info().backoffs;
        if (after > b + 1) {
          res.violations.push(
            `seed ${seed}: ${h.name} conn ${c.id}: a timer served ${late} ms late counted ${after - b} expiries (backoffs ${b} -> ${after})`,
          );
        }
      }
      return out;
    };
  }
  // Partitions between a client and the server.
  for (const h of clients) {
    const n = r.int(3);
    for (let k = 0; k < n; k++) {
      const at = r.range(0, 60_000);
      const len = r.range(50, 5_000);
      res.partitions++;
      sim.clock.schedule(at, () => sim.partition(h.name, 'server'));
      sim.clock.schedule(at + len, () => sim.heal(h.name, 'server'));
    }
  }

  /** Runs fn at `at` on `host`, after any stall of the host (applications stall with their host). */
  const later = (host: SimHost, at: number, fn: () => void): void => {
    (clocks.get(host) as Clock).schedule(at, fn);
  };

  const lives: Life[] = [];
  const byRemote = new Map<string, Life>();
  const listener = server.listen(SERVER_PORT, { config: configPick(r) });

  const gotAll = (me: Side, peer: Side): boolean =>
    me.conn !== undefined && me.conn.receivedBytes().length >= peer.data.length;
  const doClose = (me: Side, peer: Side): void => {
    if (me.closed || me.aborted || me.conn === undefined || me.conn.state === 'CLOSED') return;
    me.closed = true;
    if (!gotAll(me, peer)) me.closedEarly = true;
    me.conn.close();
  };
  const doAbort = (me: Side): void => {
    if (me.aborted || me.conn === undefined || me.conn.state === 'CLOSED') return;
    me.aborted = true;
    me.conn.abort();
  };
  /** Writes `data` in 1-4 chunks with pauses, then runs `then`. */
  const writeAll = (me: Side, then: () => void): void => {
    const conn = me.conn;
    if (conn === undefined) return;
    const data = me.data;
    const pieces = data.length === 0 ? 0 : r.range(1, 4);
    const cuts = [0];
    for (let i = 1; i < pieces; i++) cuts.push(r.int(data.length + 1));
    cuts.push(data.length);
    cuts.sort((a, b) => a - b);
    let t = sim.now;
    for (let i = 0; i + 1 < cuts.length; i++) {
      const chunk = data.subarray(cuts[i], cuts[i + 1]);
      later(me.host, t, () => {
        if (me.aborted || me.closed || conn.state === 'CLOSED' || conn.saw('error')) return;
        if (chunk.length > 0) conn.write(chunk);
      });
      t += r.chance(0.5) ? 0 : r.range(1, 50);
    }
    later(me.host, t, () => {
      if (me.aborted || me.closed || conn.state === 'CLOSED' || conn.saw('error')) return;
      me.wroteAll = true;
      then();
    });
  };

  /** Progress of a lifecycle after any event: the applications' next moves. */
  const step = (L: Life): void => {
    const { c, s } = L;
    if (c.conn === undefined || s.conn === undefined) return;
    switch (L.order) {
      case 'client-first':
        if (c.wroteAll && gotAll(c, s)) doClose(c, s);
        if (s.wroteAll && s.conn.saw('peer-fin')) doClose(s, c);
        break;
      case 'server-first':
        if (s.wroteAll && gotAll(s, c)) doClose(s, c);
        if (c.wroteAll && c.conn.saw('peer-fin')) doClose(c, s);
        break;
      case 'simultaneous':
        if (!L.bothReady && c.wroteAll && s.wroteAll && gotAll(c, s) && gotAll(s, c)) {
          L.bothReady = true;
          const at = sim.now + r.range(0, 2);
          later(c.host, at, () => doClose(c, s));
          later(s.host, at, () => doClose(s, c));
        }
        break;
      case 'half-close':
        if (s.wroteAll) doClose(s, c);
        break;
      case 'client-abort':
        if (s.wroteAll) doClose(s, c);
        if (L.abortAfterBytes !== undefined && c.conn.receivedBytes().length >= L.abortAfterBytes) doAbort(c);
        break;
      case 'server-abort':
        if (c.wroteAll) doClose(c, s);
        if (L.abortAfterBytes !== undefined && s.conn.receivedBytes().length >= L.abortAfterBytes) doAbort(s);
        break;
    }
  };

  listener.onAccept = (conn) => {
    const remote = conn.remote;
    const L = remote === undefined ? undefined : byRemote.get(`${remote.addr}|${remote.port}`);
    if (L === undefined || L.s.conn !== undefined) return;
    L.s.conn = conn;
    const on = (): void => step(L);
    conn.on('readable', on).on('peer-fin', on).on('closed', on);
    if (L.order === 'half-close') {
      conn.on('peer-fin', () => writeAll(L.s, () => step(L)));
    } else {
      writeAll(L.s, () => step(L));
    }
    if (L.order === 'server-abort' && L.abortAt !== undefined) later(server, sim.now + L.abortAt, () => doAbort(L.s));
    step(L);
  };

  for (let i = 0; i < lifecycles; i++) {
    const client = r.pick(clients);
    const start = r.range(0, 20_000);
    const order = r.pick(ORDERS);
    res.byOrder[order] = (res.byOrder[order] ?? 0) + 1;
    const abortByBytes = r.chance(0.5);
    const mk = (host: SimHost): Side => ({
      conn: undefined,
      data: r.bytes(sizePick(r)),
      wroteAll: false,
      closed: false,
      aborted: false,
      closedEarly: false,
      watchdog: false,
      host,
    });
    const L: Life = {
      id: i,
      order,
      c: mk(client),
      s: mk(server),
      abortAfterBytes: undefined,
      abortAt: undefined,
      bothReady: false,
      watchdogAt: undefined,
      progressAt: undefined,
      lossless: !(lossy.get(client) ?? true),
    };
    if (order.endsWith('abort')) {
      const peerSize = order === 'client-abort' ? L.s.data.length : L.c.data.length;
      if (abortByBytes) L.abortAfterBytes = r.int(peerSize + 1);
      else L.abortAt = r.range(0, 3_000);
    }
    lives.push(L);
    later(client, start, () => {
      const conn = client.connect({ addr: serverAddr, port: SERVER_PORT });
      L.c.conn = conn;
      const local = conn.local;
      if (local !== undefined) byRemote.set(`${local.addr}|${local.port}`, L);
      const on = (): void => step(L);
      conn.on('readable', on).on('peer-fin', on).on('closed', on);
      conn.on('connected', () => {
        if (L.order === 'half-close') writeAll(L.c, () => L.c.conn?.shutdown());
        else writeAll(L.c, () => step(L));
      });
      if (L.order === 'client-abort' && L.abortAt !== undefined) later(client, sim.now + L.abortAt, () => doAbort(L.c));
      // The watchdog.
      later(client, sim.now + WATCHDOG, () => {
        for (const side of [L.c, L.s]) {
          for (const e of side.conn?.events ?? []) {
            if (e.event.type === 'readable') L.progressAt = Math.max(L.progressAt ?? 0, e.t);
          }
        }
        for (const side of [L.c, L.s]) {
          const st = side.conn?.state;
          if (side.conn === undefined || st === 'CLOSED' || st === 'TIME-WAIT') continue;
          side.watchdog = true;
          L.watchdogAt = sim.now;
          if (process.env.FINACK_SOAK_DEBUG) {
            const i = side.conn.connection?.info();
            if (i)
              console.log(
                'WD',
                seed,
                L.id,
                side === L.c ? 'client' : 'server',
                JSON.stringify({
                  ...i,
                  una: i.sndUna - i.iss,
                  nxt: i.sndNxt - i.iss,
                  max: i.sndMax - i.iss,
                  rn: i.rcvNxt - i.irs,
                }),
              );
          }
          res.watchdogs++;
          side.conn.abort();
        }
      });
    });
  }

  // Run to idle: every lifecycle over, every TIME-WAIT past its 2MSL, every timer gone.
  let settled = true;
  try {
    sim.run({ maxSteps: MAX_STEPS_PER_BATCH });
    settled = sim.clock.nextTime() === undefined;
  } catch (err) {
    settled = false;
    res.batchFailures.push(
      `seed ${seed}: exception at t=${sim.now}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
  }
  if (!settled && res.batchFailures.length === 0) {
    res.batchFailures.push(`seed ${seed}: the network did not settle within ${MAX_STEPS_PER_BATCH} steps`);
  }
  res.steps = sim.steps;
  res.virtualMs = sim.now;

  for (const L of lives) {
    res.lifecycles++;
    const before = res.violations.length;
    checkLife(L, seed, res);
    if (res.violations.length === before) res.passed++;
  }
  // Leftovers on the hosts.
  for (const h of [server, ...clients]) {
    const rows = h.connections().filter((row) => row.state !== 'LISTEN');
    if (rows.length > 0) {
      res.batchFailures.push(
        `seed ${seed}: ${h.name} holds ${rows.length} entries after the run: ${rows
          .slice(0, 3)
          .map((x) => `${x.state} ${x.remote?.addr}:${x.remote?.port}`)
          .join(', ')}`,
      );
    }
    const d = h.endpoint.nextDeadline();
    if (d !== undefined)
      res.batchFailures.push(`seed ${seed}: ${h.name} still has a deadline at ${d} (now ${sim.now})`);
    const ie = h.endpoint.stats.internalErrors;
    if (ie > 0) res.batchFailures.push(`seed ${seed}: ${h.name} counted ${ie} internal errors`);
  }
  return res;
}

function checkLife(L: Life, seed: number, res: BatchResult): void {
  const where = `seed ${seed} life ${L.id} (${L.order}, ${L.c.data.length}/${L.s.data.length} B)`;
  const bad = (msg: string): void => {
    res.violations.push(`${where}: ${msg}`);
    if (process.env.FINACK_SOAK_DEBUG) {
      for (const [n, x] of [
        ['client', L.c.conn],
        ['server', L.s.conn],
      ] as const)
        console.log(
          n,
          x?.id,
          JSON.stringify(x?.events.map((e) => `${e.t}:${e.event.type}${e.event.type === 'error' ? e.event.code : ''}`)),
        );
      console.log(
        JSON.stringify({
          abortAt: L.abortAt,
          abortAfter: L.abortAfterBytes,
          c: [L.c.aborted, L.c.closed, L.c.wroteAll],
          s: [L.s.aborted, L.s.closed, L.s.wroteAll],
        }),
      );
    }
  };
  const c = L.c.conn;
  const s = L.s.conn;
  if (c === undefined) {
    bad('the client never connected (no handle)');
    return;
  }
  const errs = (x: SimConn | undefined): ConnErrorCode[] =>
    (x?.events ?? []).flatMap((e) => (e.event.type === 'error' ? [e.event.code] : []));
  const cErr = errs(c);
  const sErr = errs(s);
  for (const e of [...cErr, ...sErr]) {
    res.errors[e] = (res.errors[e] ?? 0) + 1;
    if (e !== 'ECONNRESET' && e !== 'ETIMEDOUT') bad(`error ${e}`);
  }
  // A close() with the peer's data not all read resets the connection (rstOnCloseWithUnread, as
  // Linux does): for the data it is an abort.
  const cFailed = cErr.length > 0 || L.c.aborted || L.c.watchdog || L.c.closedEarly;
  const sFailed = s === undefined || sErr.length > 0 || L.s.aborted || L.s.watchdog || L.s.closedEarly;
  // Did a side fail on its own before the watchdog fired?
  const failedBefore = (x: SimConn | undefined, side: Side, t: number): boolean =>
    side.aborted || side.closedEarly || (x?.events ?? []).some((e) => e.event.type === 'error' && e.t < t);
  const outcome = L.c.watchdog || L.s.watchdog ? 'watchdog' : cFailed || sFailed ? 'failed' : 'clean';
  res.outcomes[outcome] = (res.outcomes[outcome] ?? 0) + 1;
  // The end.
  for (const [name, h] of [
    ['client', c],
    ['server', s],
  ] as const) {
    if (h === undefined) continue;
    if (h.state !== 'CLOSED') bad(`${name} ends in ${h.state}`);
    const closedAt = h.events.findIndex((e) => e.event.type === 'closed');
    const closedN = h.events.filter((e) => e.event.type === 'closed').length;
    if (closedN !== 1) bad(`${name} emitted ${closedN} 'closed' events`);
    else if (closedAt !== h.events.length - 1) bad(`${name}: 'closed' is not its last event`);
  }
  const wd = L.watchdogAt;
  if (wd !== undefined && s !== undefined && !failedBefore(c, L.c, wd) && !failedBefore(s, L.s, wd)) {
    // Still delivering data within the last hour: slow (heavy loss with RTOs near their 120 s
    // ceiling), not stuck. A lifecycle that delivered nothing for an hour is a hang.
    if (L.progressAt !== undefined && wd - L.progressAt < HANG_QUIET) res.slowWatchdogs++;
    else bad('the watchdog had to end a lifecycle where no side failed and no data moved for an hour (a hang)');
  }
  if (
    L.lossless &&
    !L.order.endsWith('abort') &&
    !L.c.watchdog &&
    !L.s.watchdog &&
    (cErr.length > 0 || sErr.length > 0)
  ) {
    // No loss: only a partition or a stall can explain an error. Counted, not a violation.
    res.outcomes['lossless-error'] = (res.outcomes['lossless-error'] ?? 0) + 1;
  }
  // Data, both directions.
  const dir = (
    what: string,
    recv: SimConn | undefined,
    sent: Side,
    rside: Side,
    senderFailed: boolean,
    receiverFailed: boolean,
  ): void => {
    const got = recv === undefined ? new Uint8Array(0) : concat(recv.received);
    res.bytes += got.length;
    const at = isPrefix(got, sent.data);
    if (at >= 0) {
      bad(
        `${what}: received ${got.length} of ${sent.data.length} bytes, differs at byte ${at} (duplicated, reordered or corrupted)`,
      );
      return;
    }
    const complete = got.length === sent.data.length;
    if (!senderFailed && !receiverFailed && !complete)
      bad(`${what}: no side failed, yet ${got.length} of ${sent.data.length} bytes arrived`);
    if (recv?.saw('peer-fin') && !complete && !rside.closedEarly)
      bad(`${what}: 'peer-fin' after ${got.length} of ${sent.data.length} bytes`);
    if (!complete) {
      if (!senderFailed)
        bad(`${what}: ${got.length} of ${sent.data.length} bytes arrived, but the sender saw no error`);
      if (!receiverFailed && !rside.closedEarly)
        bad(`${what}: ${got.length} of ${sent.data.length} bytes arrived, but the receiver saw no error`);
    }
  };
  dir('client->server', s, L.c, L.s, cFailed, sFailed);
  dir('server->client', c, L.s, L.c, sFailed, cFailed);
}

// ---------------------------------------------------------------------------------------------------
// Main

/** A result with every count at zero: a new batch's, or the totals' (seed 0). */
function emptyTotals(seed = 0): BatchResult {
  return {
    seed,
    lifecycles: 0,
    passed: 0,
    violations: [],
    batchFailures: [],
    byOrder: {},
    outcomes: {},
    errors: {},
    bytes: 0,
    packets: 0,
    steps: 0,
    virtualMs: 0,
    stalls: 0,
    lateTimeouts: 0,
    maxLateness: 0,
    partitions: 0,
    watchdogs: 0,
    slowWatchdogs: 0,
    maxLoss: 0,
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export async function main(argv: string[]): Promise<number> {
  const replay = argv.indexOf('--replay');
  let replaySeed: number | undefined;
  if (replay >= 0) {
    replaySeed = Number(argv[replay + 1]) >>> 0;
    argv = [...argv.slice(0, replay), ...argv.slice(replay + 2)];
  }
  const opts = parseArgs(argv, { seed: 0x50a4_2026, timeLimit: 600, quickTimeLimit: 60 });
  const count = opts.count ?? (opts.quick ? QUICK_COUNT : FULL_COUNT);
  const batches = Math.ceil(count / BATCH);
  const report = new Report(
    `soak: ${fmt(count)} lifecycles in ${fmt(batches)} batches of ${BATCH}, seed ${opts.seed}, ${opts.jobs} job(s)`,
  );
  const total = emptyTotals();
  const merge = (_i: number, b: BatchResult): void => {
    total.lifecycles += b.lifecycles;
    total.passed += b.passed;
    for (const v of b.violations) total.violations.push(v);
    for (const v of b.batchFailures) total.batchFailures.push(v);
    addCounts(total.byOrder, b.byOrder);
    addCounts(total.outcomes, b.outcomes);
    addCounts(total.errors, b.errors);
    total.bytes += b.bytes;
    total.packets += b.packets;
    total.steps += b.steps;
    total.virtualMs += b.virtualMs;
    total.stalls += b.stalls;
    total.lateTimeouts += b.lateTimeouts;
    total.maxLateness = Math.max(total.maxLateness, b.maxLateness);
    total.partitions += b.partitions;
    total.watchdogs += b.watchdogs;
    total.slowWatchdogs += b.slowWatchdogs;
    total.maxLoss = Math.max(total.maxLoss, b.maxLoss);
  };
  let ran: number;
  let timedOut = false;
  if (replaySeed !== undefined) {
    merge(0, runBatch(0, replaySeed));
    ran = 1;
  } else {
    const r = await runBatches({
      script: import.meta.url,
      count: batches,
      jobs: opts.jobs,
      baseSeed: opts.seed,
      deadline: report.started + opts.timeLimit * 1000,
      run: runBatch,
      merge,
    });
    ran = r.ran;
    timedOut = r.timedOut;
  }
  report.figure('batches run', ran);
  report.figure('lifecycles', total.lifecycles);
  report.figure('close orders', JSON.stringify(total.byOrder));
  report.figure('outcomes', JSON.stringify(total.outcomes));
  report.figure('errors seen', JSON.stringify(total.errors));
  report.figure('bytes delivered (checked)', total.bytes);
  report.figure('packets on the wire', total.packets);
  report.figure('simulation steps', total.steps);
  report.figure('virtual time simulated', `${fmt(Math.round(total.virtualMs / 1000))} s`);
  report.figure('max link loss', total.maxLoss);
  report.figure('host stalls', total.stalls);
  report.figure('timeouts served late (> 100 ms)', total.lateTimeouts);
  report.figure('latest timer service', `${fmt(total.maxLateness)} ms`);
  report.figure('partitions', total.partitions);
  report.figure('watchdog aborts', total.watchdogs);
  report.figure('of which still moving data in their last hour (slow, not hung)', total.slowWatchdogs);
  report.figure('lifecycle violations', total.violations.length);
  report.figure('batch-level failures', total.batchFailures.length);
  // Batch-level failures first: an exception there explains the violations of its lifecycles.
  const failedBatches = new Set(total.batchFailures.map((f) => f.split(':')[0])).size;
  report.tally(ran - failedBatches, total.batchFailures, failedBatches);
  report.tally(total.passed, total.violations, total.lifecycles - total.passed);
  if (timedOut)
    report.check('finished within the time limit', false, `${opts.timeLimit} s; ${ran} of ${batches} batches ran`);
  return report.print();
}

if (!serveBatches(runBatch) && isEntry(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
