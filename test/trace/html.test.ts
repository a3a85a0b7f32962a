import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenario, SCENARIO_NAMES } from '../../src/scenarios/index.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { htmlDiagram, htmlDiagrams, jsonForScript } from '../../src/trace/html.js';
import { HTML_SCRIPT } from '../../src/trace/html-script.js';
import { ACK, FIN } from '../../src/wire/segment.js';
import { closeTrace, cs, ss } from './fixtures.js';

interface PageData {
  absolute: boolean;
  segments: { id: number; seq: number; relSeq: number; labelRel: string; labelAbs: string }[];
  states: {
    id: number;
    endpoint: string;
    from: string;
    to: string;
    cause: string;
    explain: { title: string; text: string; rfc: { section: string; title: string }[]; reasons?: string[] };
  }[];
  marks: { id: number }[];
  steps: { kind: string; id: number }[];
}

function dataOf(html: string): PageData {
  const m = /<script type="application\/json" id="finack-data">([^<]*)<\/script>/.exec(html);
  assert.ok(m, 'the page embeds its data as JSON');
  return JSON.parse(m[1]!) as PageData;
}

function scriptsOf(html: string): string[] {
  return [...html.matchAll(/<script(?: [^>]*)?>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}

/** Nothing the page would fetch: no URLs, no src=, only #fragment links, no @import or url(). */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /https?:/i);
  assert.ok(!html.includes('//'), 'no protocol-relative or other // URLs');
  assert.doesNotMatch(html, /\ssrc\s*=/i);
  assert.doesNotMatch(html, /<iframe|<img|<object|<embed|@import|url\(/i);
  // The one <link> is an empty icon, so a browser does not ask a server for /favicon.ico.
  assert.deepEqual(
    [...html.matchAll(/<link[^>]*>/gi)].map((m) => m[0]),
    ['<link rel="icon" href="data:,">'],
  );
  for (const m of html.matchAll(/href\s*=\s*["']([^"']*)["']/gi)) assert.match(m[1]!, /^(#|data:,$)/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none';/);
}

for (const name of SCENARIO_NAMES) {
  test(`htmlDiagrams ${name}: self-contained, hooks in place, data matching the drawing`, () => {
    const result = runScenario(name);
    const html = htmlDiagrams(result.runs, {
      lanes: result.lanes,
      title: result.title,
      description: result.description,
    });
    assertSelfContained(html);
    assert.equal(scriptsOf(html).length, 2, 'the data and the inline script, nothing else');
    for (const id of ['details', 'numbers', 'prev', 'next', 'step', 'finack-data'])
      assert.match(html, new RegExp(` id="${id}"`));
    const data = dataOf(html);
    const segs = [...html.matchAll(/<g class="fk-seg[^"]*" data-seg="(\d+)"[^>]*tabindex="0"/g)].map((m) =>
      Number(m[1]),
    );
    assert.deepEqual(
      [...segs].sort((a, b) => a - b),
      data.segments.map((s) => s.id),
      'each segment in the data is a focusable [data-seg]',
    );
    const states = [...html.matchAll(/<g class="fk-state" data-state="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(
      [...states].sort((a, b) => a - b),
      data.states.map((s) => s.id),
    );
    const order = [...html.matchAll(/data-step="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'Tab visits the events in step (time) order',
    );
    const steps = new Set(order);
    assert.equal(steps.size, data.steps.length, 'every step has its element');
    assert.match(html, new RegExp(`<span id="step"[^>]*>Step 0 of ${data.steps.length} `));
    for (const s of data.states) {
      assert.ok(s.explain.title && s.explain.text, `${s.from} -> ${s.to} is explained`);
      assert.ok(s.explain.rfc.length > 0);
      assert.match(html, new RegExp(`<li id="state-${s.id}">`));
    }
  });
}

test('htmlDiagram: TIME-WAIT is explained with both reasons, in the data and in the list below the diagram', () => {
  const html = htmlDiagram(closeTrace());
  const tw = dataOf(html).states.find((s) => s.to === 'TIME-WAIT')!;
  assert.equal(tw.explain.reasons?.length, 2);
  const item = new RegExp(`<li id="state-${tw.id}">[\\s\\S]*?</p></li>`).exec(html)![0];
  assert.match(item, /Why wait:<\/p><ul><li>.+<\/li><li>.+<\/li><\/ul>/);
  assert.match(item, /RFC 9293: §/);
});

test('htmlDiagram: each label carries both numberings for the toggle; the data has absolute and relative', () => {
  const html = htmlDiagram(closeTrace());
  assert.match(html, /data-rel="FIN,ACK seq=1 ack=1 len=1 win=502" data-abs="FIN,ACK seq=1001 ack=5001 len=1 win=502"/);
  const fin = dataOf(html).segments[0]!;
  assert.deepEqual([fin.seq, fin.relSeq], [1001, 1]);
  assert.match(html, /<button id="numbers" type="button" aria-pressed="false">Numbers: relative<\/button>/);
  const abs = htmlDiagram(closeTrace(), { absolute: true });
  assert.equal(dataOf(abs).absolute, true);
  assert.match(abs, /aria-pressed="true">Numbers: absolute/);
});

test('htmlDiagram: text from the trace cannot end the script element or add markup', () => {
  const evil = '</script><script>alert(1)</script><!--';
  const events: TraceEvent[] = [
    { t: 0, endpoint: '<img onerror=x>', conn: '', type: 'state', from: 'ESTABLISHED', to: 'FIN-WAIT-1', cause: evil },
    { t: 0, endpoint: '<img onerror=x>', conn: evil, type: 'send', ...cs(1, 1, FIN | ACK) },
    { t: 5, endpoint: 'b&"', conn: '', type: 'recv', ...cs(1, 1, FIN | ACK) },
    { t: 5, endpoint: 'b&"', conn: '', type: 'state', from: 'ESTABLISHED', to: 'CLOSE-WAIT', cause: 'FIN' },
    { t: 5, endpoint: 'b&"', conn: '', type: 'send', ...ss(1, 2, ACK) },
  ];
  const html = htmlDiagram(events, { title: evil, description: evil, laneLabels: [evil, '<b>'] });
  assert.equal((html.match(/<script/g) ?? []).length, 2, 'no script element from the data');
  assert.ok(!html.includes('<img'), 'no element from the data');
  assert.ok(!html.includes('<b>'));
  assert.ok(!html.includes('alert(1)</script>'));
  assert.equal(scriptsOf(html).length, 2);
  const data = dataOf(html);
  assert.equal(data.states[0]!.cause, evil, 'the data still says exactly what the trace said');
  assert.equal(data.states[0]!.endpoint, '<img onerror=x>');
  assertSelfContained(html);
  assert.equal(jsonForScript({ s: '</script>\u2028&' }), '{"s":"\\u003c/script\\u003e\\u2028\\u0026"}');
});

test('the inline script compiles, and has nothing that would end its element', () => {
  assert.doesNotMatch(HTML_SCRIPT, /<\/script|<!--/i);
  assert.doesNotThrow(() => new Function(HTML_SCRIPT));
});

test('htmlDiagrams: the runs of old-duplicate on one page, ids distinct across them, one step-through', () => {
  const result = runScenario('old-duplicate');
  const html = htmlDiagrams(result.runs, { lanes: result.lanes });
  assert.equal((html.match(/<svg /g) ?? []).length, result.runs.length);
  for (const [i, run] of result.runs.entries())
    assert.ok(html.includes(`<h2>Run ${i + 1} of ${result.runs.length}: ${run.label}</h2>`));
  const data = dataOf(html);
  assert.deepEqual(
    data.segments.map((s) => s.id),
    data.segments.map((_, i) => i),
  );
  const ids = [...html.matchAll(/data-seg="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(new Set(ids).size, ids.length);
  const sends = result.runs.reduce((n, r) => n + r.events.filter((e) => e.type === 'send').length, 0);
  assert.ok(data.segments.length >= sends);
});

test('htmlDiagram: the same trace gives the same page', () => {
  const a = runScenario('lost-fin');
  assert.equal(
    htmlDiagram(a.events, { lanes: a.lanes }),
    htmlDiagram(runScenario('lost-fin').events, { lanes: a.lanes }),
  );
});
