// Memory: JS heap and ArrayBuffer backing stores (heapUsed + arrayBuffers of process.memoryUsage()
// after global.gc()) held per idle established
// connection, in the core alone (two Endpoints back to back, core-pair.ts) and with a net Socket on a
// simulated host (SimNetwork + host.net, both ends); per TIME-WAIT record; and in total with
// 1,000,000 TIME-WAIT records (or as many as the time budget allows, extrapolated and said so).
// Per-connection figures count each end: heap delta / (2 × connection pairs).
//
// References: node:net sockets over 127.0.0.1, measured the same way (JS heap only: the kernel's own
// memory is not in it), and the kernel's slab object sizes from /proc/slabinfo (`TCP` for a full
// socket, `tw_sock_TCP` for a TIME-WAIT mini-socket) where it is readable: the kernel's counterpart of
// the core's connection object and TIME-WAIT record, without buffers.

import { readFileSync } from 'node:fs';
import {
  alternate,
  compared,
  count,
  heapUsed,
  MiB,
  now,
  type Row,
  type RunOptions,
  SERVER_ADDR,
  type Stat,
  tick,
  type Workload,
  within,
} from './common.js';
import { CorePair } from './core-pair.js';
import { listen, type NetLike, type ServerLike, type SockLike } from './netload.js';
import { kernelEnds, onSim } from './stacks.js';

const ONE = new Uint8Array([0x2a]);

/** Object size in bytes of a kernel slab cache, or undefined when /proc/slabinfo is not readable. */
export function slabObjSize(name: string): number | undefined {
  try {
    for (const line of readFileSync('/proc/slabinfo', 'utf8').split('\n')) {
      const f = line.split(/\s+/);
      if (f[0] === name) return Number(f[3]);
    }
  } catch {}
  return undefined;
}

function fixed(x: number): Stat {
  return { median: x, min: x, max: x, n: 1 };
}

/** Bytes of heap per idle established connection end, core alone: `pairs` connections, both ends. */
export function coreIdleBytes(pairs: number): number {
  const p = new CorePair();
  p.server.listen({ port: 80 }, { backlog: pairs });
  const before = heapUsed();
  for (let i = 0; i < pairs; i++) {
    const r = p.client.connect({ addr: SERVER_ADDR, port: 80 }, p.now);
    p.absorb(p.client, r.out);
  }
  p.clearEvents();
  const after = heapUsed();
  const established = p.client.connections(p.now).filter((r) => r.state === 'ESTABLISHED').length;
  if (established !== pairs) throw new Error(`core idle: ${established} of ${pairs} established`);
  return (after - before) / (2 * pairs);
}

/** Bytes of heap per idle established connection end through a net API (both ends in this process). */
async function netIdleBytes(ends: { server: NetLike; serverHost: string; client: NetLike }, pairs: number) {
  const accepted: SockLike[] = [];
  const srv: ServerLike = ends.server.createServer({}, (s) => {
    s.on('error', () => {});
    accepted.push(s);
  });
  const port = await listen(srv, ends.serverHost, pairs);
  const clients: SockLike[] = [];
  try {
    const before = heapUsed();
    let connected = 0;
    const all = new Promise<void>((res, rej) => {
      for (let i = 0; i < pairs; i++) {
        const c = ends.client.connect({ port, host: ends.serverHost }, () => {
          connected++;
          if (connected === pairs) res();
        });
        c.on('error', rej);
        clients.push(c);
      }
    });
    await within(all, 120_000, `idle connections (${connected} of ${pairs})`);
    const t0 = now();
    while (accepted.length < pairs && now() - t0 < 30_000) await tick();
    if (accepted.length < pairs) throw new Error(`idle connections: ${accepted.length} of ${pairs} accepted`);
    // Let both stacks settle (the last ACKs, immediates) before the heap is read.
    for (let i = 0; i < 20; i++) await tick();
    const after = heapUsed();
    return (after - before) / (2 * pairs);
  } finally {
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    await new Promise<void>((r) => {
      const t = setTimeout(r, 10_000);
      srv.close(() => {
        clearTimeout(t);
        r();
      });
    });
  }
}

/**
 * Fills one endpoint with TIME-WAIT records: lifecycles (connect, 1 B, echo, server closes first,
 * client closes) through a CorePair at one instant, so no record expires. Distinct tuples: 16 server
 * ports × client ports from 1024 up. Stops at `target` records or when `budgetMs` is spent.
 * Returns the heap delta at `checkpoint` records and at the end.
 */
export function fillTimeWait(
  target: number,
  checkpoint: number,
  budgetMs: number,
  progress: (m: string) => void,
): { at: number; bytesAtCheckpoint: number; records: number; bytes: number; ms: number } {
  const p = new CorePair();
  const ports = Array.from({ length: 16 }, (_, i) => 1000 + i);
  for (const port of ports) p.server.listen({ port });
  const before = heapUsed();
  let bytesAtCheckpoint = Number.NaN;
  let made = 0;
  const t0 = now();
  outer: for (let cp = 1024; cp <= 65535; cp++) {
    for (const sp of ports) {
      if (made >= target) break outer;
      if ((made & 0x3fff) === 0 && made > 0) {
        if (now() - t0 > budgetMs) break outer;
        if ((made & 0x1ffff) === 0)
          progress(`  ${count(made)} TIME-WAIT records, ${((now() - t0) / 1000).toFixed(0)} s`);
      }
      lifecycleToTimeWait(p, sp, cp);
      made++;
      if (made === checkpoint) {
        bytesAtCheckpoint = heapUsed() - before;
      }
    }
  }
  const ms = now() - t0;
  const bytes = heapUsed() - before;
  const tw = p.server.stats.timeWait.created;
  if (tw !== made) throw new Error(`TIME-WAIT: ${tw} records for ${made} lifecycles`);
  return { at: checkpoint, bytesAtCheckpoint, records: made, bytes, ms };
}

function lifecycleToTimeWait(p: CorePair, sp: number, cp: number): void {
  const c = p.client;
  const s = p.server;
  const r = c.connect({ addr: SERVER_ADDR, port: sp }, p.now, { local: { port: cp } });
  p.absorb(c, r.out);
  const acc = p.serverEvents.find((e) => e.type === 'accept');
  if (acc === undefined || acc.type !== 'accept') throw new Error('TIME-WAIT fill: no accept');
  const sid = acc.conn;
  p.clearEvents();
  p.absorb(c, c.send(r.conn, ONE, p.now));
  const rd = s.read(sid, p.now);
  p.absorb(s, rd);
  if (rd.data === null) throw new Error('TIME-WAIT fill: the server read nothing');
  p.absorb(s, s.send(sid, rd.data, p.now));
  p.absorb(s, s.close(sid, p.now));
  p.absorb(c, c.read(r.conn, p.now));
  p.absorb(c, c.close(r.conn, p.now));
  p.clearEvents();
}

export const memoryWorkload: Workload = {
  name: 'memory',
  describe: 'heap per idle connection (core, net Socket), per TIME-WAIT record, total with 1,000,000 records',
  async run(opts: RunOptions): Promise<Row[]> {
    const rows: Row[] = [];
    const corePairs = opts.quick ? 1_000 : 10_000;
    const netPairs = opts.quick ? 500 : 5_000;
    const rounds = opts.quick ? 1 : 3;
    const slabTcp = slabObjSize('TCP');
    const slabTw = slabObjSize('tw_sock_TCP');

    opts.progress(`idle established, core alone: ${count(corePairs)} connections × ${rounds}`);
    const core = await alternate(rounds, opts.budgetMs / 8, async () => coreIdleBytes(corePairs), undefined);
    const coreRow = compared(
      {
        workload: 'memory',
        name: 'heap per idle established connection, core alone',
        size: `${count(corePairs)} pairs × ${core.a.length}`,
        unit: 'B',
        better: 'lower',
        target: '≤ 1,024 B',
      },
      core.a,
      undefined,
      (f) => f.median <= 1024,
    );
    if (slabTcp !== undefined) {
      coreRow.refLabel = 'kernel TCP slab object';
      coreRow.ref = fixed(slabTcp);
      coreRow.ratio = (coreRow.finack as Stat).median / slabTcp;
    }
    rows.push(coreRow);

    opts.progress(`idle established, net Socket: ${count(netPairs)} connections × ${rounds} rounds each`);
    const net = await alternate(
      rounds,
      opts.budgetMs / 8,
      () => onSim({}, (ends) => netIdleBytes(ends, netPairs)),
      () => netIdleBytes(kernelEnds, netPairs),
      (i) => opts.progress(`  net Socket: round ${i + 1}/${rounds} done`),
    );
    rows.push(
      compared(
        {
          workload: 'memory',
          name: 'heap per idle established connection, net Socket',
          size: `${count(netPairs)} pairs × ${net.a.length}`,
          unit: 'B',
          better: 'lower',
          refLabel: 'node:net JS heap',
          target: '≤ 3,072 B',
          note: 'the kernel figure is JS heap only (node:net Socket and its handle); kernel memory comes on top',
        },
        net.a,
        net.b,
        (f) => f.median <= 3072,
      ),
    );

    const target = opts.quick ? 20_000 : 1_000_000;
    const checkpoint = opts.quick ? 10_000 : 100_000;
    const budget = opts.quick ? 10_000 : opts.budgetMs * 0.75;
    opts.progress(`TIME-WAIT records: up to ${count(target)} (time budget ${(budget / 1000).toFixed(0)} s)`);
    const tw = fillTimeWait(target, checkpoint, budget, opts.progress);
    const perRecord = tw.records >= checkpoint ? tw.bytesAtCheckpoint / checkpoint : tw.bytes / tw.records;
    const twRow = compared(
      {
        workload: 'memory',
        name: 'heap per TIME-WAIT record',
        size: `${count(Math.min(checkpoint, tw.records))} records`,
        unit: 'B',
        better: 'lower',
        target: '≤ 128 B',
      },
      [perRecord],
      undefined,
      (f) => f.median <= 128,
    );
    if (slabTw !== undefined) {
      twRow.refLabel = 'kernel tw_sock_TCP slab object';
      twRow.ref = fixed(slabTw);
      twRow.ratio = perRecord / slabTw;
    }
    rows.push(twRow);

    const reached = tw.records >= target;
    const totalMiB = reached ? tw.bytes / MiB : (tw.bytes / tw.records) * (target / MiB);
    const totalRow = compared(
      {
        workload: 'memory',
        name: `heap with ${count(target)} TIME-WAIT records${reached ? '' : ' (extrapolated)'}`,
        size: reached
          ? `${count(tw.records)} records`
          : `${count(tw.records)} made, ×${(target / tw.records).toFixed(2)}`,
        unit: 'MiB',
        better: 'lower',
        target: `≤ ${opts.quick ? '4' : '200'} MiB`,
        note: `${count(tw.records)} records made in ${(tw.ms / 1000).toFixed(1)} s (${((tw.ms * 1000) / tw.records).toFixed(1)} µs per lifecycle to TIME-WAIT, core alone)${reached ? '' : `; EXTRAPOLATED linearly from ${count(tw.records)} records to ${count(target)}: the time budget ended first`}`,
      },
      [totalMiB],
      undefined,
      (f) => f.median <= (opts.quick ? 4 : 200),
    );
    if (slabTw !== undefined) {
      totalRow.refLabel = 'kernel tw_sock_TCP × count';
      totalRow.ref = fixed((slabTw * target) / MiB);
      totalRow.ratio = totalMiB / totalRow.ref.median;
    }
    rows.push(totalRow);
    return rows;
  },
};
