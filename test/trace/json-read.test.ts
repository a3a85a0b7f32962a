import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoJson } from '../../src/cli/demo.js';
import { runScenario, SCENARIO_NAMES } from '../../src/scenarios/index.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { jsonEvent, jsonEvents } from '../../src/trace/json.js';
import { TraceReadError, traceEventsFromJson, traceRunsFromJson } from '../../src/trace/json-read.js';
import { compactLadder, RelativeNumbers } from '../../src/trace/ladder.js';
import { svgDiagram } from '../../src/trace/svg.js';
import { segLen } from '../../src/wire/segment.js';

/** What `finack serve|connect --trace` writes for these events (src/cli/tun.ts): one object per line, with conn. */
function jsonLines(events: readonly TraceEvent[]): string {
  const rel = new RelativeNumbers();
  const lines: string[] = [];
  for (const e of events) {
    const j =
      e.type === 'event' ? { t: e.t, endpoint: e.endpoint, type: 'event', event: e.event } : jsonEvent(e, 0, rel);
    if (j) lines.push(JSON.stringify({ ...j, conn: e.conn }));
  }
  return `${lines.join('\n')}\n`;
}

function throwsRead(text: string, code: string, line: number, index?: number): void {
  assert.throws(
    () => traceEventsFromJson(text),
    (err: unknown) => {
      assert.ok(err instanceof TraceReadError);
      assert.equal(err.code, code);
      assert.equal(err.line, line);
      assert.equal(err.index, index);
      return true;
    },
  );
}

for (const name of SCENARIO_NAMES) {
  test(`traceEventsFromJson ${name}: a demo document reads back to the same JSON and the same ladder`, () => {
    const result = runScenario(name);
    const runs = traceRunsFromJson(demoJson(result));
    assert.equal(runs.length, result.runs.length);
    for (const [i, run] of result.runs.entries()) {
      const back = runs[i]!.events;
      assert.deepEqual(jsonEvents(back), jsonEvents(run.events));
      assert.equal(compactLadder(back, { lanes: result.lanes }), compactLadder(run.events, { lanes: result.lanes }));
      if (result.runs.length > 1) assert.equal(runs[i]!.label, run.label);
    }
  });
}

test('traceEventsFromJson: --trace JSON Lines keep conn, take ports from it, and keep error events', () => {
  const result = runScenario('keepalive');
  const back = traceEventsFromJson(jsonLines(result.events));
  const expected = result.events;
  assert.equal(back.length, expected.length);
  back.forEach((e, i) => {
    const o = expected[i]!;
    assert.equal(e.type, o.type);
    assert.equal(e.conn, o.conn);
    if ((e.type === 'send' || e.type === 'recv') && (o.type === 'send' || o.type === 'recv')) {
      assert.equal(e.seg.srcPort, o.seg.srcPort);
      assert.equal(e.seg.dstPort, o.seg.dstPort);
      assert.equal(segLen(e.seg), segLen(o.seg));
    }
  });
  const errors = back.filter((e) => e.type === 'event' && e.event.type === 'error');
  assert.equal(errors.length, 1);
  assert.equal(compactLadder(back, { lanes: result.lanes }), compactLadder(result.events, { lanes: result.lanes }));
});

test('traceEventsFromJson: a line that is not JSON is ERR_TRACE_SYNTAX naming the line', () => {
  const good = '{"t":0,"endpoint":"a","type":"state","from":"CLOSED","to":"SYN-SENT","cause":"OPEN"}';
  throwsRead(`${good}\n\n{"t":1,\n${good}\n`, 'ERR_TRACE_SYNTAX', 3);
  throwsRead('not json', 'ERR_TRACE_SYNTAX', 1);
});

test('traceEventsFromJson: a wrong field is ERR_TRACE_INVALID naming the line, and the event in a document', () => {
  const good = '{"t":0,"endpoint":"a","type":"state","from":"CLOSED","to":"SYN-SENT","cause":"OPEN"}';
  throwsRead(`${good}\n{"t":1,"endpoint":"a","type":"state","from":"CLOSED","to":"OPEN"}\n`, 'ERR_TRACE_INVALID', 2);
  throwsRead(`${good}\n{"t":"soon","endpoint":"a","type":"state"}`, 'ERR_TRACE_INVALID', 2);
  throwsRead(
    `${good}\n${good}\n{"t":2,"endpoint":"a","type":"timer","timer":"egg","action":"armed"}`,
    'ERR_TRACE_INVALID',
    3,
  );
  throwsRead(
    '{"t":2,"endpoint":"a","type":"send","seg":{"flags":["SYN","BOGUS"],"seq":1,"ack":0,"len":1,"win":1}}',
    'ERR_TRACE_INVALID',
    1,
  );
  throwsRead(
    '{"t":2,"endpoint":"a","type":"send","seg":{"flags":["FIN"],"seq":1,"ack":0,"len":0,"win":1}}',
    'ERR_TRACE_INVALID',
    1,
  );
  throwsRead('{"t":2,"endpoint":"a","type":"wave"}', 'ERR_TRACE_INVALID', 1);
  const doc = JSON.stringify({ scenario: 'x', mslMs: 1, events: [JSON.parse(good), JSON.parse(good), { t: 1 }] });
  throwsRead(doc, 'ERR_TRACE_INVALID', 1, 2);
});

test('traceEventsFromJson: empty input is an empty trace', () => {
  assert.deepEqual(traceEventsFromJson(''), []);
  assert.deepEqual(traceEventsFromJson('\n\n'), []);
});

test('traceEventsFromJson: the close scenario read back from its JSON draws the same SVG', () => {
  const result = runScenario('close');
  const opts = { lanes: result.lanes, notes: result.notes };
  assert.equal(svgDiagram(traceEventsFromJson(demoJson(result)), opts), svgDiagram(result.events, opts));
});
