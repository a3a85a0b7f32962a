// Timers, through the core alone (two Endpoints back to back, core-pair.ts; virtual time is just the
// `now` handed in, so the wall time measured is the core's own work):
// - 100,000 idle established connections with keepalive on (2 h idle, 75 s interval, 10 probes) whose
//   peer has gone silent: virtual time runs through the 2 h of idle, the ten probes of every
//   connection and the abort (ETIMEDOUT) one interval later. Wall time of that run, set-up excluded.
// - The cost of Endpoint.handleTimeout(now) when nothing is due (100,000 connections held), and of
//   Connection.handleTimeout on one idle connection: ns per call.
// The kernel has no counterpart in virtual time, so these rows have no reference.

import { alternate, compared, count, now, type Row, type RunOptions, SERVER_ADDR, type Workload } from './common.js';
import { CorePair } from './core-pair.js';

const HOUR = 3_600_000;
const SERVER_PORTS = 8;

/** A CorePair with `n` established client connections with keepalive on. */
function keepalivePair(n: number): { p: CorePair; ids: number[] } {
  const p = new CorePair({}, { keepalive: true });
  for (let i = 0; i < SERVER_PORTS; i++) p.server.listen({ port: 80 + i }, { backlog: n });
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = p.client.connect({ addr: SERVER_ADDR, port: 80 + (i % SERVER_PORTS) }, p.now);
    ids.push(r.conn);
    p.absorb(p.client, r.out);
  }
  const connected = p.clientEvents.filter((e) => e.type === 'conn' && e.event.type === 'connected').length;
  if (connected !== n) throw new Error(`keepalive set-up: ${connected} of ${n} connected`);
  p.clearEvents();
  return { p, ids };
}

/** ns per Endpoint.handleTimeout call with nothing due, and per Connection.handleTimeout. */
function idleTimeoutCost(p: CorePair, ids: number[], calls: number): { endpointNs: number; connectionNs: number } {
  const ep = p.client;
  const first = ep.nextDeadline();
  if (first === undefined || first <= calls + p.now) throw new Error('idle timeout: a deadline is due too soon');
  const base = p.now;
  let t0 = now();
  for (let i = 1; i <= calls; i++) {
    const out = ep.handleTimeout(base + i);
    if (out.packets.length !== 0) throw new Error('idle timeout: something was due');
  }
  const endpointNs = ((now() - t0) * 1e6) / calls;
  const conn = ep.connection(ids[0] as number);
  if (conn === undefined) throw new Error('idle timeout: no connection');
  t0 = now();
  for (let i = 1; i <= calls; i++) conn.handleTimeout(base + calls + i);
  const connectionNs = ((now() - t0) * 1e6) / calls;
  p.now = base + 2 * calls;
  return { endpointNs, connectionNs };
}

/** Wall ms to run virtual time through 2 h idle, 10 unanswered probes and the abort of every connection. */
function keepaliveRun(p: CorePair, n: number): number {
  p.deliverToServer = false; // the peer is silent from now on
  const end = 2 * HOUR + 11 * 75_000 + 1_000;
  const t0 = now();
  p.runUntil(end);
  const ms = now() - t0;
  const timedOut = p.clientEvents.filter(
    (e) => e.type === 'conn' && e.event.type === 'error' && e.event.code === 'ETIMEDOUT',
  ).length;
  if (timedOut !== n) throw new Error(`keepalive: ${timedOut} of ${n} connections timed out`);
  return ms;
}

export const timersWorkload: Workload = {
  name: 'timers',
  describe: '100,000 keepalive connections through 2 h idle and 10 probes; handleTimeout with nothing due',
  async run(opts: RunOptions): Promise<Row[]> {
    const n = opts.quick ? 5_000 : 100_000;
    const calls = opts.quick ? 100_000 : 1_000_000;
    const rounds = opts.quick ? 1 : 2;
    const endpointNs: number[] = [];
    const connectionNs: number[] = [];
    let setupMs = 0;
    opts.progress(`${count(n)} keepalive connections × ${rounds} rounds (set-up not timed)`);
    const r = await alternate(
      rounds,
      opts.budgetMs,
      async () => {
        const t0 = now();
        const { p, ids } = keepalivePair(n);
        setupMs = now() - t0;
        const c = idleTimeoutCost(p, ids, calls);
        endpointNs.push(c.endpointNs);
        connectionNs.push(c.connectionNs);
        return keepaliveRun(p, n);
      },
      undefined,
      (i) => opts.progress(`  round ${i + 1}/${rounds} done`),
    );
    const ka = compared(
      {
        workload: 'timers',
        name: `${count(n)} keepalive connections, 2 h idle + 10 probes + abort`,
        size: `${count(n)} conns × ${r.a.length}`,
        unit: 's',
        better: 'lower',
        target: n === 100_000 ? '< 2 s wall' : '—',
        note: `core alone; ${count(n)} handshakes of set-up took ${(setupMs / 1000).toFixed(1)} s (not timed); every connection sent 10 probes and ended in ETIMEDOUT`,
      },
      r.a.map((ms) => ms / 1000),
      undefined,
      (f) => f.median < 2,
    );
    if (n !== 100_000) delete ka.met;
    const idleEp = compared(
      {
        workload: 'timers',
        name: `Endpoint.handleTimeout, nothing due (${count(n)} conns)`,
        size: `${count(calls)} calls × ${endpointNs.length}`,
        unit: 'ns',
        better: 'lower',
        target: 'well under 1 µs',
      },
      endpointNs,
      undefined,
      (f) => f.median < 1000,
    );
    const idleConn = compared(
      {
        workload: 'timers',
        name: 'Connection.handleTimeout, nothing due',
        size: `${count(calls)} calls × ${connectionNs.length}`,
        unit: 'ns',
        better: 'lower',
        target: 'well under 1 µs',
      },
      connectionNs,
      undefined,
      (f) => f.median < 1000,
    );
    return [ka, idleEp, idleConn];
  },
};
