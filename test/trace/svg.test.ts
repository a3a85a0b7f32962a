import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { runScenario, SCENARIO_NAMES } from '../../src/scenarios/index.js';
import { diagramModel } from '../../src/trace/diagram.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { svgDiagram, svgDiagrams } from '../../src/trace/svg.js';
import { ACK, FIN } from '../../src/wire/segment.js';
import { closeTrace, cs, lossTrace, ss } from './fixtures.js';

const NETWORK_LOSS = new Set(['link-loss', 'fault', 'partition', 'mtu']);

/** The states an endpoint went through, as the trace says: the first one left, then each entered. */
/**
 * The states one side goes through, as the diagram shows them: a listener's side (whose first change
 * is CLOSED -> LISTEN, made for the arriving SYN) starts in LISTEN.
 */
function traceStates(events: readonly TraceEvent[], endpoint: string): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type !== 'state' || e.endpoint !== endpoint) continue;
    if (out.length === 0 && e.from === 'CLOSED' && e.to === 'LISTEN') {
      out.push('LISTEN');
      continue;
    }
    if (out.length === 0) out.push(e.from);
    out.push(e.to);
  }
  return out;
}

interface Drawn {
  x: number;
  y: number;
  name: string;
}

/** Each state label in the SVG: its lane's x (the dot on the lane), its y and its text. */
function drawnStates(svg: string): Drawn[] {
  const re =
    /<g class="fk-state" data-state="\d+"[^>]*><title>[^<]*<\/title><circle cx="([\d.]+)" cy="([\d.]+)"[^>]*\/><text[^>]*>([^<]+)<\/text><\/g>/g;
  return [...svg.matchAll(re)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), name: m[3]! }));
}

/** The state each lane starts in, by lane index. */
function initialStates(svg: string): Map<number, string> {
  const re = /<text data-initial="(\d)"[^>]*>([^<]+)<\/text>/g;
  return new Map([...svg.matchAll(re)].map((m) => [Number(m[1]), m[2]!]));
}

for (const name of SCENARIO_NAMES) {
  test(`svgDiagram ${name}: valid XML, each side's states in trace order top to bottom, every send an arrow`, () => {
    const result = runScenario(name);
    for (const run of result.runs) {
      const svg = svgDiagram(run.events, { lanes: result.lanes, notes: run.notes, title: result.title });
      assert.equal(XMLValidator.validate(svg), true, `${name} (${run.label}) parses as XML`);
      const model = diagramModel(run.events, { lanes: result.lanes, notes: run.notes });
      const drawn = drawnStates(svg);
      assert.equal(drawn.length, model.states.length, 'every state change is drawn');
      const initial = initialStates(svg);
      result.lanes.forEach((lane, i) => {
        const expected = traceStates(run.events, lane);
        if (expected.length === 0) return;
        const onLane = drawn.filter((d) => d.x === model.laneX[i]);
        for (let j = 1; j < onLane.length; j++) {
          assert.ok(onLane[j]!.y > onLane[j - 1]!.y, `${lane}: ${onLane[j]!.name} is below ${onLane[j - 1]!.name}`);
        }
        assert.deepEqual([initial.get(i), ...onLane.map((d) => d.name)], expected, `${name} ${lane}`);
      });
      const sends = run.events.filter((e) => e.type === 'send').length;
      const arrows = [...svg.matchAll(/<g class="fk-seg[^"]*" data-seg="\d+"[^>]*><title>/g)].length;
      assert.ok(arrows >= sends, `${arrows} arrows, each with a title, for ${sends} sends`);
      const losses = run.events.filter((e) => e.type === 'drop' && e.seg && NETWORK_LOSS.has(e.reason)).length;
      const crossed = [...svg.matchAll(/<g class="fk-seg fk-lost"[^>]*>.*?<path d="M[^"]*"[^>]*\/>/g)].length;
      assert.equal(crossed, losses, 'each segment the network lost ends in a cross');
    }
  });
}

test('svgDiagram keepalive: the 2 h of idle before the first probe are folded into a break that names them', () => {
  const result = runScenario('keepalive');
  const svg = svgDiagram(result.events, { lanes: result.lanes });
  assert.match(svg, /<g class="fk-fold" data-fold="7200000"><title>[^<]*2 h[^<]*<\/title>/);
  assert.match(svg, /… 2 h idle …/);
  const model = diagramModel(result.events, { lanes: result.lanes });
  assert.ok(model.height < 2000, `folded, the 2 h 12 min trace is ${model.height} px tall`);
  // The probes are marked as such, not as retransmissions.
  const probes = model.segments.filter((s) => s.probe);
  assert.equal(probes.length, 10);
  assert.ok(!probes.some((s) => s.retransmit));
});

test('svgDiagram close: TIME-WAIT is a 2MSL bar on the client lane across the fold, from 140 ms to 60,140 ms', () => {
  const result = runScenario('close');
  const model = diagramModel(result.events, { lanes: result.lanes });
  const tw = model.timers.filter((b) => b.timer === 'time-wait');
  assert.equal(tw.length, 1);
  assert.deepEqual([tw[0]!.endpoint, tw[0]!.armed, tw[0]!.end, tw[0]!.how], ['client', 140, 60_140, 'fired']);
  assert.equal(model.folds.length, 1);
  assert.ok(tw[0]!.y1 < model.folds[0]!.y1 && tw[0]!.y2 > model.folds[0]!.y2);
  const svg = svgDiagram(result.events, { lanes: result.lanes });
  assert.match(svg, /<g class="fk-timer" data-timer="time-wait"><title>2MSL timer[^<]*client: armed at 140 ms/);
});

test('svgDiagram: each arrow runs from its send on the sender lane to its arrival on the other', () => {
  const model = diagramModel(closeTrace());
  const fin = model.segments[0]!;
  assert.deepEqual([fin.from, fin.to, fin.t, fin.arrival], ['client', 'server', 0, 50]);
  assert.equal(fin.x1, model.laneX[0]);
  assert.equal(fin.x2, model.laneX[1]);
  const finState = model.states.find((s) => s.to === 'CLOSE-WAIT')!;
  assert.equal(fin.y2, finState.y, 'the FIN arrives where the server enters CLOSE-WAIT');
  const ys = model.segments.map((s) => s.y1);
  assert.deepEqual(
    ys,
    [...ys].sort((a, b) => a - b),
    'sends go down the page in time order',
  );
});

test('svgDiagram: losses end half-way in a cross, drops written beside the lane', () => {
  const events = lossTrace();
  const svg = svgDiagram(events, { lanes: ['client', 'server'] });
  assert.equal(XMLValidator.validate(svg), true);
  const model = diagramModel(events, { lanes: ['client', 'server'] });
  const lost = model.segments.filter((s) => s.lost !== undefined);
  assert.ok(lost.length > 0);
  for (const s of lost) assert.equal(s.x2, (model.laneX[0] + model.laneX[1]) / 2);
  assert.match(svg, /stroke-dasharray="7 4"/, 'a lost segment is dashed as well as coloured');
  assert.ok(model.marks.some((m) => m.kind === 'drop'));
});

test('svgDiagram: relative numbers by default, absolute on demand', () => {
  const rel = svgDiagram(closeTrace());
  const abs = svgDiagram(closeTrace(), { absolute: true });
  assert.match(rel, />FIN,ACK seq=1 ack=1 len=1 win=502</);
  assert.match(abs, />FIN,ACK seq=1001 ack=5001 len=1 win=502</);
});

test('svgDiagram: self-contained (no references out, generic fonts only) and the same bytes every time', () => {
  const result = runScenario('lost-final-ack');
  const a = svgDiagram(result.events, { lanes: result.lanes, notes: result.notes });
  const b = svgDiagram(runScenario('lost-final-ack').events, { lanes: result.lanes, notes: result.notes });
  assert.equal(a, b);
  assert.doesNotMatch(a, /href|url\(|@import|<image|<script|<foreignObject/);
  const fonts = new Set([...a.matchAll(/font-family="([^"]+)"/g)].map((m) => m[1]));
  for (const f of fonts) assert.ok(['sans-serif', 'monospace', 'serif'].includes(f!), `generic family: ${f}`);
  // The one URL is the SVG namespace name, which is not fetched.
  assert.deepEqual(
    [...a.matchAll(/https?:\/\/[^"]*/g)].map((m) => m[0]),
    ['http://www.w3.org/2000/svg'],
  );
});

test('svgDiagram: text from the trace is escaped', () => {
  const events: TraceEvent[] = [
    { t: 0, endpoint: 'a<b>', conn: '', type: 'state', from: 'ESTABLISHED', to: 'FIN-WAIT-1', cause: '</title>"&\'' },
    { t: 0, endpoint: 'a<b>', conn: '', type: 'send', ...cs(1, 1, FIN | ACK) },
    { t: 5, endpoint: 'c&d', conn: '', type: 'recv', ...cs(1, 1, FIN | ACK) },
    { t: 5, endpoint: 'c&d', conn: '', type: 'send', ...ss(1, 2, ACK) },
  ];
  const svg = svgDiagram(events, { laneLabels: ['<script>', '&amp;'], title: ']]>' });
  assert.equal(XMLValidator.validate(svg), true);
  assert.doesNotMatch(svg, /<script>/);
  assert.match(svg, /&lt;script&gt;/);
  assert.match(svg, /&amp;amp;/);
});

test('svgDiagram: a trace from one tracer (a TUN session) gets its peer lane from the connection', () => {
  const events: TraceEvent[] = [
    { t: 0, endpoint: 'finack', conn: '198.51.100.2:80>198.51.100.1:40000', type: 'recv', ...cs(1, 1, FIN | ACK) },
    { t: 0, endpoint: 'finack', conn: '198.51.100.2:80>198.51.100.1:40000', type: 'send', ...ss(1, 2, ACK) },
  ];
  const model = diagramModel(events);
  assert.deepEqual(model.lanes, ['finack', '198.51.100.1:40000']);
  assert.equal(model.segments.length, 2);
  assert.equal(model.segments[0]!.stray, true, "the peer's FIN arrives; its sending is not in the trace");
  assert.equal(XMLValidator.validate(svgDiagram(events)), true);
});

test('svgDiagrams: every run of a multi-run scenario, each under its heading, in one document', () => {
  const result = runScenario('old-duplicate');
  assert.ok(result.runs.length > 1);
  const svg = svgDiagrams(result.runs, { lanes: result.lanes, title: result.title });
  assert.equal(XMLValidator.validate(svg), true);
  for (const [i, run] of result.runs.entries())
    assert.ok(svg.includes(`Run ${i + 1} of ${result.runs.length}: ${run.label}`));
  const ids = [...svg.matchAll(/data-seg="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(new Set(ids).size, ids.length, 'segment ids are distinct across runs');
});

test('svgDiagram simultaneous-close: the labels of the crossing FINs stay on their own halves', () => {
  const result = runScenario('simultaneous-close');
  const svg = svgDiagram(result.events, { lanes: result.lanes });
  const model = diagramModel(result.events, { lanes: result.lanes });
  const mid = (model.laneX[0] + model.laneX[1]) / 2;
  const fins = model.segments.filter((s) => s.labelRel.startsWith('FIN'));
  assert.equal(fins.length, 2);
  for (const f of fins) {
    const m = new RegExp(`data-seg="${f.id}"[^>]*>.*?<text class="fk-label" x="([\\d.]+)"[^>]*>([^<]+)</text>`).exec(
      svg,
    )!;
    const half = (m[2]!.length * 6.6) / 2;
    const x = Number(m[1]);
    if (f.lane === 0) assert.ok(x + half <= mid + 2, `client's FIN label ends by the middle (${x}+${half} vs ${mid})`);
    else assert.ok(x - half >= mid - 2, `server's FIN label starts after the middle (${x}-${half} vs ${mid})`);
  }
});

test('svgDiagram: a capture (sends only, Unix time, fractions of ms) is drawn from its first packet', () => {
  const t0 = Date.UTC(2026, 11, 4, 3, 0, 0);
  const events: TraceEvent[] = [
    { t: t0, endpoint: 'client', conn: '', type: 'send', ...cs(1, 1, FIN | ACK) },
    { t: t0, endpoint: 'client', conn: '', type: 'state', from: 'ESTABLISHED', to: 'FIN-WAIT-1', cause: 'FIN sent' },
    { t: t0 + 0.125, endpoint: 'server', conn: '', type: 'send', ...ss(1, 2, ACK) },
    {
      t: t0 + 0.125,
      endpoint: 'server',
      conn: '',
      type: 'state',
      from: 'ESTABLISHED',
      to: 'CLOSE-WAIT',
      cause: 'FIN seen',
    },
  ];
  const model = diagramModel(events);
  assert.equal(model.origin, t0);
  assert.equal(model.segments.length, 2);
  for (const s of model.segments) {
    assert.equal(s.arrival, undefined);
    assert.ok(s.y2 > s.y1, 'still an arrow down to the other lane');
  }
  const svg = svgDiagram(events);
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, />0\.125<\/text>/);
  assert.match(svg, /t: ms since 2026-12-04T03:00:00\.000Z, the first event/);
  assert.match(svg, /sent at 0\.125 ms; its arrival is not in the trace/);
});

test('svgDiagram: a title longer than the diagram is wide wraps onto more lines, nothing cut', () => {
  const result = runScenario('close');
  const title = `finack analyze /tmp/kernel-captures/final-ack-lost.pcap: connection 1, 198.51.100.1:34556 → 198.51.100.2:8012, ${'and more words '.repeat(8).trim()}`;
  const svg = svgDiagram(result.events, { lanes: result.lanes, title });
  assert.equal(XMLValidator.validate(svg), true);
  const lines = [...svg.matchAll(/<text x="10" y="\d+" font-size="15" font-weight="bold"[^>]*>([^<]*)<\/text>/g)].map(
    (m) => m[1],
  );
  assert.ok(lines.length > 1, `${lines.length} title lines`);
  assert.equal(lines.join(' '), title);
});
