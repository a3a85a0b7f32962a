// Ladder diagrams as one self-contained HTML page: the SVG of svg.ts inline, with its style and script
// in the page (html-style.ts, html-script.ts) and its data as JSON in a <script type="application/json">.
// Nothing is fetched: no external scripts, style sheets, fonts or images, and a Content-Security-Policy
// that allows none. Every string from the trace is escaped for where it goes (element text, attribute,
// or JSON inside a script element, where `<`, `>`, `&` and U+2028/2029 are written as \u escapes so no
// `</script>` in the data can end the element).
//
// Stable hooks, for people and for browser tests:
//   [data-seg="n"]     a segment (an SVG <g>, focusable); data.segments[n] has all its fields
//   [data-state="n"]   a state change (an SVG <g>, focusable; its text is the state entered)
//   [data-mark="n"]    a remark beside a lane: a receiver's drop, an error reported
//   [data-step="k"]    the element shown at step k of the step-through
//   #details           the panel that shows what is pointed at, focused or selected
//   #numbers           button: relative / absolute sequence numbers (aria-pressed="true" = absolute)
//   #prev, #next       buttons: previous / next event (keys: ArrowLeft / ArrowRight, p / n, Home, End, Escape)
//   #step              the step counter ("Step 3 of 25"; "Step 0 of 25 (all shown)" before the first)
//   #state-n           the explanation of state change n, in the list below the diagram
//   #finack-data       the JSON: { absolute, runs, segments, states, marks, steps }
// Classes the script sets: .fk-selected (clicked or focused), .fk-current and .fk-later (stepping),
// .fk-stepping on <html> while stepping.

import type { TcpStateName } from '../core/state.js';
import { flagNames, segLen } from '../wire/segment.js';
import { type DiagramModel, type DiagramOptions, timeText } from './diagram.js';
import type { TraceEvent } from './events.js';
import { explainTransition, type StateExplanation } from './explain.js';
import { HTML_SCRIPT } from './html-script.js';
import { HTML_STYLE } from './html-style.js';
import { type DiagramRun, esc, runModels, svgOfModels } from './svg.js';

export type { DiagramOptions } from './diagram.js';

/** One trace as a self-contained HTML page (see the top of this file). */
export function htmlDiagram(events: readonly TraceEvent[], opts: DiagramOptions = {}): string {
  return htmlDiagrams([{ label: '', events, ...(opts.notes ? { notes: opts.notes } : {}) }], opts);
}

/** Every run of a scenario on one page, each under its heading; one step-through across all of them. */
export function htmlDiagrams(runs: readonly DiagramRun[], opts: DiagramOptions = {}): string {
  const models = runModels(runs, opts);
  const title = models[0]?.title ?? 'TCP ladder diagram';
  const data = pageData(models);
  const figures: string[] = [];
  const off = { seg: 0, state: 0, mark: 0, step: 0 };
  models.forEach((m, i) => {
    if (runs.length > 1) figures.push(`<h2>${esc(`Run ${i + 1} of ${runs.length}: ${runs[i]!.label}`)}</h2>`);
    figures.push(svgOfModels([m], [], { inline: true, offsets: { ...off } }));
    off.seg += m.segments.length;
    off.state += m.states.length;
    off.mark += m.marks.length;
    off.step += m.steps.length;
  });
  const total = data.steps.length;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${HTML_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
${models[0]?.description ? `<p>${esc(models[0].description)}</p>\n` : ''}<div class="fk-controls" role="toolbar" aria-label="Diagram controls">
<button id="prev" type="button" aria-keyshortcuts="ArrowLeft">◀ Previous</button>
<span id="step" aria-live="polite">Step 0 of ${total} (all shown)</span>
<button id="next" type="button" aria-keyshortcuts="ArrowRight">Next ▶</button>
<button id="numbers" type="button" aria-pressed="${models[0]?.absolute ? 'true' : 'false'}">Numbers: ${models[0]?.absolute ? 'absolute' : 'relative'}</button>
<span class="fk-hint">Point at, click or tab to a segment or a state for its details. ← and → step through the events.</span>
</div>
</header>
<main>
<div class="fk-figure">
${figures.join('\n')}
</div>
<aside id="details" aria-live="polite"><p class="fk-hint">Point at a segment, a state or a remark (or tab to it) to see everything about it here. Click to keep it.</p></aside>
</main>
${explanationList(data.states)}
<script type="application/json" id="finack-data">${jsonForScript(data)}</script>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}

interface PageSegment {
  id: number;
  run: number;
  from: string;
  to: string;
  t: number;
  arrival?: number;
  lost?: string;
  discarded?: string;
  stray?: true;
  retransmit?: true;
  probe?: true;
  duplicate?: true;
  conn: string;
  flags: string[];
  seq: number;
  ack: number;
  relSeq: number;
  relAck: number;
  len: number;
  payload: number;
  win: number;
  urp: number;
  options: {
    mss?: number;
    wscale?: number;
    sackPermitted?: boolean;
    sack?: [number, number][];
    ts?: { val: number; ecr: number };
  };
  labelRel: string;
  labelAbs: string;
}

interface PageState {
  id: number;
  run: number;
  endpoint: string;
  t: number;
  from: TcpStateName;
  to: TcpStateName;
  cause: string;
  explain: StateExplanation;
}

interface PageData {
  absolute: boolean;
  runs: number;
  segments: PageSegment[];
  states: PageState[];
  marks: { id: number; run: number; endpoint: string; t: number; kind: string; text: string; detail: string }[];
  steps: { kind: 'seg' | 'state' | 'mark'; id: number; t: number }[];
}

/** What the script needs, with ids numbered across all runs as the SVGs number them. */
function pageData(models: readonly DiagramModel[]): PageData {
  const data: PageData = {
    absolute: models[0]?.absolute ?? false,
    runs: models.length,
    segments: [],
    states: [],
    marks: [],
    steps: [],
  };
  for (const [run, m] of models.entries()) {
    const base = { seg: data.segments.length, state: data.states.length, mark: data.marks.length };
    // Times as the diagram shows them (a capture's from its first event).
    const at = (t: number): number => t - m.origin;
    for (const s of m.segments) {
      const seg = s.view.seg;
      const o = seg.options;
      data.segments.push({
        id: base.seg + s.id,
        run,
        from: s.from,
        to: s.to,
        t: at(s.t),
        ...(s.arrival !== undefined ? { arrival: at(s.arrival) } : {}),
        ...(s.lost !== undefined ? { lost: s.lost } : {}),
        ...(s.discarded !== undefined ? { discarded: s.discarded } : {}),
        ...(s.stray ? { stray: true as const } : {}),
        ...(s.retransmit ? { retransmit: true as const } : {}),
        ...(s.probe ? { probe: true as const } : {}),
        ...(s.duplicate ? { duplicate: true as const } : {}),
        conn: s.conn,
        flags: flagNames(seg.flags),
        seq: seg.seq,
        ack: seg.ack,
        relSeq: s.view.relSeq,
        relAck: s.view.relAck,
        len: segLen(seg),
        payload: seg.payload.length,
        win: seg.wnd,
        urp: seg.urp,
        options: {
          ...(o.mss !== undefined ? { mss: o.mss } : {}),
          ...(o.wscale !== undefined ? { wscale: o.wscale } : {}),
          ...(o.sackPermitted ? { sackPermitted: true } : {}),
          ...(o.sack?.length ? { sack: o.sack.map((b): [number, number] => [b.left, b.right]) } : {}),
          ...(o.ts ? { ts: { val: o.ts.val, ecr: o.ts.ecr } } : {}),
        },
        labelRel: s.labelRel,
        labelAbs: s.labelAbs,
      });
    }
    for (const s of m.states) {
      data.states.push({
        id: base.state + s.id,
        run,
        endpoint: s.endpoint,
        t: at(s.t),
        from: s.from,
        to: s.to,
        cause: s.cause,
        explain: explainTransition(s.from, s.to, s.cause),
      });
    }
    for (const k of m.marks) {
      data.marks.push({
        id: base.mark + k.id,
        run,
        endpoint: m.lanes[k.lane],
        t: at(k.t),
        kind: k.kind,
        text: k.text,
        detail: k.detail,
      });
    }
    for (const st of m.steps) {
      const id = st.kind === 'seg' ? base.seg + st.id : st.kind === 'state' ? base.state + st.id : base.mark + st.id;
      data.steps.push({ kind: st.kind, id, t: at(st.t) });
    }
  }
  return data;
}

/** The list of state changes below the diagram, each with its explanation, readable without the script. */
function explanationList(states: readonly PageState[]): string {
  if (states.length === 0) return '';
  const items = states.map((s) => {
    const x = s.explain;
    const reasons = x.reasons?.length
      ? `<p>Why wait:</p><ul>${x.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`
      : '';
    const rfc = x.rfc.map((r) => `§${r.section} ${r.title}`).join('; ');
    return (
      `<li id="state-${s.id}"><strong>${esc(`${timeText(s.t)} ms · ${s.endpoint}: ${s.from} → ${s.to}`)}</strong> (${esc(s.cause || 'no cause given')})` +
      `<p><strong>${esc(x.title)}</strong> ${esc(x.text)}</p>${reasons}<p>RFC 9293: ${esc(rfc)}</p></li>`
    );
  });
  return `<section id="explanations">\n<h2>State changes, explained</h2>\n<ol>\n${items.join('\n')}\n</ol>\n</section>`;
}

/** JSON safe inside a <script> element: no `<`, `>` or `&` (so no `</script>` or `<!--`), no line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
