// The analyzer against finack's own captures: each scenario runs on the simulated network, its
// segments are written as a pcap, and the states the analyzer infers from the capture alone are
// compared with the states the stacks actually went through (their trace's 'state' events).
//
// Two captures per scenario:
//   - as `finack demo --pcap` writes it: every segment at the time its sender put it on the wire,
//     lost ones included (a capture at each sender). Each side's own transitions are then exact,
//     those it makes on receiving come at most one one-way latency early: the sequence of states
//     must be equal, times within the latency.
//   - at one host, both directions (its sends at send time, what reaches it at arrival time): the
//     side the capture is taken at must match exactly, times included; the far side's sequence
//     exactly, its times within the one-way latency.
// The trace's LISTEN (finack traces a passive connection from its listener's state) is not a
// state of the tuple any segment shows: the analyzer starts a passive side at SYN-RECEIVED.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCaptureBytes } from '../../src/analyze/analyze.js';
import type { ConnectionReport } from '../../src/analyze/report.js';
import { findScenario, SCENARIO_NAMES, type ScenarioResult } from '../../src/scenarios/index.js';
import type { DropReason, TraceEvent } from '../../src/trace/events.js';
import { PcapWriter, parseConnLabel, pcapFromTrace } from '../../src/trace/pcap.js';
import { encodePacket } from '../../src/wire/ip.js';

type StateEvent = Extract<TraceEvent, { type: 'state' }>;

interface Run {
  result: ScenarioResult;
  /** Every event, the handshake before the scenario's start included, in virtual time. */
  all: TraceEvent[];
}

function run(name: string): Run {
  const all: TraceEvent[] = [];
  const result = findScenario(name)!.run({ trace: (e) => all.push(e) });
  // A scenario of several runs (old-duplicate) plays each on a new network from time 0: keep the
  // events of the run the result puts first (the one whose trace has as many sends).
  const chunks: TraceEvent[][] = [[]];
  all.forEach((e, i) => {
    if (i > 0 && e.t < all[i - 1]!.t) chunks.push([]);
    chunks.at(-1)!.push(e);
  });
  const sends = (es: readonly TraceEvent[]): number => es.filter((e) => e.type === 'send').length;
  const main = chunks.find((c) => sends(c) === sends(result.events)) ?? chunks[0]!;
  return { result, all: main };
}

function pcapBytes(write: (w: PcapWriter) => void): Uint8Array {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c));
  write(w);
  w.close();
  return Buffer.concat(chunks);
}

/** Losses on the way: the packet never reached the other host. */
const NETWORK_LOSS: ReadonlySet<DropReason> = new Set(['link-loss', 'fault', 'partition', 'mtu']);

/**
 * What a capture at `host` holds: every segment it sent, at the send time, and every segment that
 * reached it (taken by its stack or dropped there), at the arrival time.
 */
function hostCapture(events: readonly TraceEvent[], host: string): Uint8Array {
  const packets: { t: number; bytes: Uint8Array; sent: boolean }[] = [];
  let prev: TraceEvent | undefined;
  for (const e of events) {
    if (e.endpoint !== host) continue;
    const a = parseConnLabel(e.conn);
    if (a && e.type === 'send') {
      packets.push({ t: e.t, bytes: encodePacket({ src: a.local, dst: a.remote, seg: e.seg }), sent: true });
    } else if (a && e.type === 'recv') {
      packets.push({ t: e.t, bytes: encodePacket({ src: a.remote, dst: a.local, seg: e.seg }), sent: false });
    } else if (a && e.type === 'drop' && e.seg && !NETWORK_LOSS.has(e.reason)) {
      // A segment the stack discarded on arrival, unless its 'recv' was traced already. The stack
      // traces the drop after its answer (a RST from a host with no connection): the segment goes
      // before the answers sent at that instant.
      const seen =
        prev?.type === 'recv' && prev.t === e.t && prev.seg.seq === e.seg.seq && prev.seg.flags === e.seg.flags;
      if (!seen) {
        let i = packets.length;
        while (i > 0 && packets[i - 1]!.sent && packets[i - 1]!.t === e.t) i--;
        packets.splice(i, 0, { t: e.t, bytes: encodePacket({ src: a.remote, dst: a.local, seg: e.seg }), sent: false });
      }
    }
    prev = e;
  }
  return pcapBytes((w) => {
    for (const p of packets) w.write(p.t, p.bytes);
  });
}

interface Point {
  t: number | undefined;
  state: string;
}

/**
 * Each connection's actual states per endpoint, in order: the states entered (LISTEN left out), led
 * by the state it was in when the events begin if that is not CLOSED (t undefined: not observable).
 */
function actualTimelines(events: readonly TraceEvent[]): { client: Point[]; server: Point[] }[] {
  const out: { client: Point[]; server: Point[] }[] = [];
  const count: Record<string, number> = { client: 0, server: 0 };
  for (const e of events) {
    if (e.type !== 'state') continue;
    const ep = e.endpoint as 'client' | 'server';
    const s = e as StateEvent;
    // A new connection starts at a state change out of CLOSED once the previous one is over.
    let k = count[ep]! - 1;
    const cur = out[k]?.[ep];
    const ended = cur !== undefined && cur.length > 0 && cur.at(-1)!.state === 'CLOSED';
    if (k < 0 || (ended && s.from === 'CLOSED')) {
      k = count[ep]!++;
      out[k] ??= { client: [], server: [] };
      if (s.from !== 'CLOSED') out[k]![ep].push({ t: undefined, state: s.from });
    }
    if (s.to === 'LISTEN') continue;
    out[k]![ep].push({ t: s.t, state: s.to });
  }
  return out;
}

function compare(
  got: ConnectionReport,
  want: { client: Point[]; server: Point[] },
  exactSide: 'client' | 'server' | undefined,
  latency: number,
): void {
  for (const side of ['client', 'server'] as const) {
    const g = got.states[side];
    const w = want[side];
    const why = `${side}: inferred ${g.map((p) => `${p.state}@${p.t}`).join(' ')}; actual ${w.map((p) => `${p.state}@${p.t ?? '?'}`).join(' ')}`;
    assert.deepEqual(
      g.map((p) => p.state),
      w.map((p) => p.state),
      why,
    );
    w.forEach((p, i) => {
      if (p.t === undefined) return;
      const d = Math.abs(g[i]!.t - p.t);
      if (side === exactSide) assert.ok(d < 1e-6, `${why}: ${p.state} at ${g[i]!.t}, not ${p.t}`);
      else assert.ok(d <= latency + 1e-6, `${why}: ${p.state} at ${g[i]!.t}, more than ${latency} ms from ${p.t}`);
    });
  }
}

/** Where the one-host capture of each scenario is taken: the host whose view can be exact. */
const CAPTURE_HOST: Record<string, 'client' | 'server'> = { keepalive: 'server' };

/** What the analyzer must find, per scenario. */
const EXPECTED: Record<string, { closeKind?: string; findings: string[] }> = {
  close: { closeKind: 'four-way', findings: ['half-close-data'] },
  'half-close': { closeKind: 'four-way', findings: ['half-close-data'] },
  'simultaneous-close': { closeKind: 'simultaneous', findings: ['simultaneous-close'] },
  'lost-final-ack': { closeKind: 'four-way', findings: ['final-ack-lost', 'fin-retransmitted'] },
  'lost-fin': { closeKind: 'four-way', findings: ['fin-retransmitted'] },
  keepalive: { closeKind: 'reset', findings: ['keepalive-probes', 'keepalive-timeout'] },
  abort: { closeKind: 'reset', findings: ['rst-close'] },
  'fin-wait-2-timeout': { closeKind: 'reset', findings: ['fin-wait-2-timeout', 'rst-close'] },
  handshake: { closeKind: 'incomplete', findings: [] },
  'simultaneous-open': { closeKind: 'incomplete', findings: ['simultaneous-open'] },
  'old-duplicate': { findings: [] },
};

function checkFindings(name: string, c: ConnectionReport): void {
  const exp = EXPECTED[name]!;
  if (exp.closeKind) assert.equal(c.closeKind, exp.closeKind, JSON.stringify(c.evidence, null, 1));
  for (const f of exp.findings) {
    assert.ok(c.findings.includes(f), `${name}: ${f} missing from ${c.findings.join(', ')}`);
    assert.ok(
      c.evidence.some((e) => e.finding === f),
      `${name}: no evidence for ${f}`,
    );
  }
}

test('every scenario has its expectations here', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...SCENARIO_NAMES].sort());
});

for (const name of SCENARIO_NAMES) {
  test(`${name}: the demo's pcap (at each sender): state sequences exact, times within the one-way latency`, () => {
    const { result } = run(name);
    const bytes = pcapBytes((w) => pcapFromTrace(result.events, w));
    const report = analyzeCaptureBytes(bytes, { msl: result.runs[0]!.mslMs });
    const want = actualTimelines(result.events);
    assert.equal(report.connections.length, want.length);
    for (const [i, c] of report.connections.entries()) compare(c, want[i]!, undefined, result.latencyMs);
    checkFindings(name, report.connections[0]!);
  });

  const host = CAPTURE_HOST[name] ?? 'client';
  const far = host === 'client' ? 'server' : 'client';
  test(`${name}: a capture at the ${host} with the handshake: the ${host}'s states exact, the ${far}'s sequence exact and times within the one-way latency`, () => {
    const { result, all } = run(name);
    const report = analyzeCaptureBytes(hostCapture(all, host), { msl: result.runs[0]!.mslMs });
    const want = actualTimelines(all);
    assert.equal(report.connections.length, want.length);
    for (const [i, c] of report.connections.entries()) compare(c, want[i]!, host, result.latencyMs);
    checkFindings(name, report.connections[0]!);
  });
}
