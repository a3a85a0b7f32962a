// Scenario-test helper (STYLE.md §7): two hosts A (192.0.2.1) and B (192.0.2.2) on a simulated link,
// a trace recorder with marks, and a compact ladder of what happened since a mark.
//
//   const net = pair({ latency: 10 });
//   net.connect();                      // A connects to B:80; both see 'connected'
//   net.mark('close'); net.a.close(); net.b.close(); net.run();
//   assert.equal(net.ladder({ from: 'close' }), dedent`...`);

import assert from 'node:assert/strict';
import type { TcpConfig } from '../../src/core/config.js';
import type { Duration } from '../../src/core/time.js';
import { type SimConn, type SimHost, SimNetwork } from '../../src/sim/index.js';
import { compactLadder } from '../../src/trace/ladder.js';
import { TraceRecorder } from '../../src/trace/recorder.js';

export const A_ADDR = '192.0.2.1';
export const B_ADDR = '192.0.2.2';
export const B_PORT = 80;

export interface PairOptions {
  /** One-way latency of both directions (default 10 ms). */
  latency?: Duration;
  /** MSL for both hosts (default: the config default). */
  msl?: Duration;
  seed?: number;
  /** TCP settings for both hosts. */
  config?: Partial<TcpConfig>;
}

export interface Pair {
  readonly sim: SimNetwork;
  readonly rec: TraceRecorder;
  readonly hostA: SimHost;
  readonly hostB: SimHost;
  /** A's connection (after connect()). */
  readonly a: SimConn;
  /** B's accepted connection (after connect()). */
  readonly b: SimConn;
  /** B listens on port 80, A connects; runs until both are ESTABLISHED and asserts 'connected' on both. */
  connect(opts?: { localPort?: number }): void;
  /** A named point in the trace, at the current virtual time. */
  mark(name: string): void;
  /** Runs the network until nothing is scheduled. */
  run(opts?: { until?: number }): void;
  /** The compact ladder of the trace since the mark (all of it without one), times relative to the mark. */
  ladder(opts?: { from?: string; absolute?: boolean }): string;
}

export function pair(opts: PairOptions = {}): Pair {
  let sim: SimNetwork | undefined;
  const rec = new TraceRecorder({ now: () => sim?.now ?? 0 });
  const config: Partial<TcpConfig> = { ...opts.config };
  if (opts.msl !== undefined) config.msl = opts.msl;
  sim = new SimNetwork({ seed: opts.seed ?? 1, link: { latency: opts.latency ?? 10 }, config, trace: rec.sink });
  const net = sim;
  const hostA = net.host(A_ADDR, { name: 'A' });
  const hostB = net.host(B_ADDR, { name: 'B' });
  let a: SimConn | undefined;
  let b: SimConn | undefined;
  return {
    sim: net,
    rec,
    hostA,
    hostB,
    get a(): SimConn {
      if (!a) throw new Error('pair: call connect() first');
      return a;
    },
    get b(): SimConn {
      if (!b) throw new Error('pair: call connect() first');
      return b;
    },
    connect(c = {}) {
      const l = hostB.listen(B_PORT);
      const conn = hostA.connect(
        { addr: B_ADDR, port: B_PORT },
        c.localPort !== undefined ? { localPort: c.localPort } : {},
      );
      const ok = net.runUntil(() => conn.state === 'ESTABLISHED' && l.accepted.length > 0, { limit: 60_000 });
      assert.ok(ok, `handshake did not complete: A is ${conn.state}`);
      a = conn;
      b = l.accepted[0]!;
      net.runUntil(() => b!.state === 'ESTABLISHED', { limit: 60_000 });
      assert.ok(a.saw('connected'), "A saw no 'connected' event");
      assert.ok(b.saw('connected'), "B saw no 'connected' event");
    },
    mark(name) {
      rec.mark(name, net.now);
    },
    run(r = {}) {
      net.run(r.until !== undefined ? { until: r.until } : {});
    },
    ladder(l = {}) {
      const m = l.from === undefined ? undefined : rec.getMark(l.from);
      return compactLadder(rec.events, {
        since: m?.index ?? 0,
        origin: m?.t ?? 0,
        lanes: ['A', 'B'],
        absolute: l.absolute ?? false,
      });
    },
  };
}

/** Template tag: strips the common leading indentation and the first and last blank lines. */
export function dedent(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  text = text.replace(/^\n/, '').replace(/\n[ \t]*$/, '');
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
