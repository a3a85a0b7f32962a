// Ladder diagrams as SVG (the layout is diagram.ts's). The output is a self-contained document: no
// external references (arrowheads are polygons, not markers, so nothing needs an id), generic font
// families only, and colours told apart by shape as well: a delivered segment is a solid blue arrow, a
// lost one a dashed orange line ending in a cross, a duplicate or an arrival whose sending was not
// traced a dotted arrow. Every arrow, state label, timer and break has a <title>. Coordinates are
// rounded to 0.1 px, so the same trace gives the same bytes.
//
// Hooks (also used by the HTML page): each segment is a <g data-seg="n">, each state change a
// <g data-state="n"> with the state's name as its text, the state each lane starts in a
// <text data-initial="lane">, timers <g data-timer="kind">, folded stretches <g data-fold="ms">.

import {
  type DiagramModel,
  type DiagramOptions,
  type DiagramSegment,
  diagramModel,
  foldText,
  ROW,
  round,
  TIMER_LABELS,
  TIMER_SHORT,
  timeText,
} from './diagram.js';
import type { TraceEvent } from './events.js';
import { wrapWords } from './ladder.js';

export type { DiagramOptions } from './diagram.js';

const BLUE = '#0072B2';
const ORANGE = '#D55E00';
const INK = '#222222';
const GREY = '#666666';
const BAR = '#56B4E9';
const SANS = 'sans-serif';
const MONO = 'monospace';
/** Average advance of a monospace character at 11 px (0.6 em), for placing labels. */
const CHAR_W = 6.6;

/** Renderer settings the HTML page needs and a standalone file does not. */
export interface SvgRenderOptions {
  /** Inline in an HTML page: no xmlns (the HTML parser supplies it), focusable elements, both numberings. */
  inline?: boolean;
  /** Numbers added to ids, so several diagrams on one page keep theirs distinct. */
  offsets?: { seg: number; state: number; mark: number; step: number };
}

/** One trace as an SVG document (see the top of this file). */
export function svgDiagram(events: readonly TraceEvent[], opts: DiagramOptions = {}): string {
  return svgOfModels([diagramModel(events, opts)], [], {});
}

export interface DiagramRun {
  label: string;
  events: readonly TraceEvent[];
  notes?: DiagramOptions['notes'];
}

/** Several traces of one scenario (its runs), one below the other in one document, each under its heading. */
export function svgDiagrams(runs: readonly DiagramRun[], opts: DiagramOptions = {}): string {
  return svgOfModels(runModels(runs, opts), runHeadings(runs), {});
}

export function runModels(runs: readonly DiagramRun[], opts: DiagramOptions): DiagramModel[] {
  return runs.map((r) => diagramModel(r.events, { ...opts, ...(r.notes ? { notes: r.notes } : {}) }));
}

export function runHeadings(runs: readonly DiagramRun[]): string[] {
  return runs.length > 1 ? runs.map((r, i) => `Run ${i + 1} of ${runs.length}: ${r.label}`) : [];
}

/** Models stacked vertically, with headings when given. */
export function svgOfModels(models: readonly DiagramModel[], headings: readonly string[], r: SvgRenderOptions): string {
  const parts: string[] = [];
  let y = 0;
  const width = Math.max(0, ...models.map((m) => m.width));
  const first = models[0];
  if (first?.titled && !r.inline) {
    // A long title (a capture's path and 4-tuple) wraps onto more lines rather than being cut.
    const max = Math.floor((width - 20) / 8.4);
    const lines = wrapWords(first.title, max);
    lines.forEach((line, i) => {
      parts.push(`<text x="10" y="${22 + 19 * i}" font-size="15" font-weight="bold" fill="${INK}">${esc(line)}</text>`);
    });
    y += 28 + 19 * (lines.length - 1);
  }
  const off = { ...(r.offsets ?? { seg: 0, state: 0, mark: 0, step: 0 }) };
  models.forEach((m, i) => {
    const heading = headings[i];
    if (heading) {
      y += 24;
      parts.push(
        `<text x="10" y="${y}" font-family="${SANS}" font-size="14" font-weight="bold" fill="${INK}">${esc(heading)}</text>`,
      );
      y += 4;
    }
    parts.push(`<g transform="translate(0 ${y})">${modelBody(m, r.inline ?? false, off)}</g>`);
    off.seg += m.segments.length;
    off.state += m.states.length;
    off.mark += m.marks.length;
    off.step += m.steps.length;
    y += m.height;
  });
  const title = first?.title ?? 'TCP ladder diagram';
  const desc = first?.description;
  // Inline in a page, the SVG holds focusable parts, so it is a group rather than one image.
  const ns = r.inline ? '' : ' xmlns="http://www.w3.org/2000/svg"';
  const role = r.inline ? 'group' : 'img';
  return [
    `<svg${ns} class="fk-diagram" width="${width}" height="${round(y)}" viewBox="0 0 ${width} ${round(y)}" role="${role}" font-family="${SANS}">`,
    `<title>${esc(title)}</title>`,
    desc ? `<desc>${esc(desc)}</desc>` : '',
    `<rect x="0" y="0" width="${width}" height="${round(y)}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
  ]
    .filter(Boolean)
    .join('\n');
}

function modelBody(
  m: DiagramModel,
  inline: boolean,
  off: { seg: number; state: number; mark: number; step: number },
): string {
  const out: string[] = [];
  const stepOf = new Map<string, number>();
  for (const [i, s] of m.steps.entries()) stepOf.set(`${s.kind}:${s.id}`, off.step + i);
  const focus = inline ? ' tabindex="0" role="button"' : '';
  const tt = (t: number): string => timeText(t - m.origin);
  const [xl, xr] = m.laneX;

  // Folds first, under everything.
  for (const f of m.folds) {
    const mid = round((f.y1 + f.y2) / 2);
    const zig = (x: number): string =>
      `<polyline points="${x - 7},${f.y1 + 10} ${x + 7},${f.y1 + 16} ${x - 7},${f.y2 - 16} ${x + 7},${f.y2 - 10}" fill="none" stroke="${INK}" stroke-width="1.5"/>`;
    out.push(
      `<g class="fk-fold" data-fold="${f.to - f.from}"><title>${esc(`Time axis folded: ${foldText(f)} between ${tt(f.from)} ms and ${tt(f.to)} ms`)}</title>` +
        `<rect x="0" y="${f.y1}" width="${m.width}" height="${round(f.y2 - f.y1)}" fill="#f1f1f1"/>` +
        zig(xl) +
        zig(xr) +
        `<text x="${round((xl + xr) / 2)}" y="${mid + 4}" text-anchor="middle" font-size="12" font-style="italic" fill="${GREY}">${esc(`… ${foldText(f)} …`)}</text></g>`,
    );
  }

  // Header: lane labels, the state each side starts in, the time column's title.
  out.push(
    `<text x="${TIME_X}" y="${m.top - 34}" font-family="${MONO}" font-size="10" fill="${GREY}" text-anchor="end">t (ms)</text>`,
  );
  m.laneLabels.forEach((label, i) => {
    out.push(
      `<text x="${m.laneX[i]}" y="${m.top - 34}" text-anchor="middle" font-size="13" font-weight="bold" fill="${INK}">${esc(label)}</text>`,
    );
    const init = m.initial[i];
    if (init) {
      out.push(
        `<text data-initial="${i}" x="${m.stateX[i]}" y="${m.top - 8}" text-anchor="${i === 0 ? 'end' : 'start'}" font-size="12" font-weight="bold" fill="${GREY}">${esc(init)}</text>`,
      );
    }
  });

  // Lanes, broken at the folds.
  for (const x of m.laneX) {
    let from = m.top;
    for (const f of m.folds) {
      out.push(lineEl(x, from, x, f.y1 + 8, INK, 2));
      from = f.y2 - 8;
    }
    out.push(lineEl(x, from, x, m.bottom, INK, 2));
  }

  // Time labels.
  for (const t of m.times) {
    out.push(
      `<text x="${TIME_X}" y="${t.y + 4}" text-anchor="end" font-family="${MONO}" font-size="10" fill="${GREY}">${esc(tt(t.t))}</text>`,
    );
  }

  // Timers.
  for (const b of m.timers) {
    const h = round(b.y2 - b.y1);
    const label = TIMER_LABELS[b.timer];
    const ended =
      b.how === 'running' ? 'still running at the end of the trace' : `${b.how} at ${tt(b.end ?? b.armed)} ms`;
    const again = b.rearmed.length ? `, re-armed at ${b.rearmed.map((t) => `${tt(t)} ms`).join(', ')}` : '';
    const due = b.deadline !== undefined ? ` (due at ${tt(b.deadline)} ms)` : '';
    const title = `${label}, ${b.endpoint}: armed at ${tt(b.armed)} ms${again}${due}, ${ended}`;
    const parts = [
      `<rect x="${b.x - 2}" y="${b.y1}" width="4" height="${Math.max(1, h)}" fill="${BAR}" stroke="${BLUE}" stroke-width="0.5"${b.how === 'running' ? ' stroke-dasharray="3 2"' : ''}/>`,
      lineEl(b.x - 4, b.y1, b.x + 4, b.y1, BLUE, 1.5),
    ];
    if (b.how === 'fired') parts.push(lineEl(b.x - 5, b.y2, b.x + 5, b.y2, BLUE, 2.5));
    if (b.how === 'cancelled')
      parts.push(`<circle cx="${b.x}" cy="${b.y2}" r="3" fill="#ffffff" stroke="${BLUE}" stroke-width="1.2"/>`);
    for (const ry of b.rearmedY) parts.push(lineEl(b.x - 4, ry, b.x + 4, ry, BLUE, 1));
    const short = TIMER_SHORT[b.timer];
    if (h >= short.length * 5.5 + 14) {
      // Turned a quarter clockwise, the text's tops face right: beside the bar, on the side away from the lane.
      const tx = b.lane === 0 ? b.x - 10 : b.x + 3;
      const ty = round(b.y1 + 6);
      parts.push(
        `<text x="${tx}" y="${ty}" transform="rotate(90 ${tx} ${ty})" font-size="9" fill="${BLUE}">${esc(short)}</text>`,
      );
    }
    out.push(`<g class="fk-timer" data-timer="${b.timer}"><title>${esc(title)}</title>${parts.join('')}</g>`);
  }

  // Notes.
  for (const n of m.notes) {
    const lines = n.lines
      .map(
        (l, i) =>
          `<text x="${m.notesX}" y="${n.y + 4 + i * ROW}" font-size="11" font-style="italic" fill="${GREY}">${esc(l)}</text>`,
      )
      .join('');
    out.push(`<g class="fk-note"><title>${esc(n.text)}</title>${lines}</g>`);
  }

  // Segments, remarks and state changes, written in step order, so Tab visits them in time order.
  const parts = new Map<string, string>();
  const crossed = crossingSegments(m.segments);
  for (const s of m.segments) {
    const step = stepOf.get(`seg:${s.id}`);
    const attrs = `class="fk-seg${s.lost !== undefined ? ' fk-lost' : ''}" data-seg="${off.seg + s.id}"${step !== undefined ? ` data-step="${step}"` : ''}${focus}`;
    parts.set(
      `seg:${s.id}`,
      `<g ${attrs}><title>${esc(segmentTitle(s, m.absolute, tt))}</title>${segmentShape(s, m.absolute, inline, crossed.has(s.id))}</g>`,
    );
  }
  for (const k of m.marks) {
    const step = stepOf.get(`mark:${k.id}`);
    const cross = crossEl(k.x + (k.lane === 0 ? -6 : 6), k.y, 3.5, ORANGE);
    parts.set(
      `mark:${k.id}`,
      `<g class="fk-mark" data-mark="${off.mark + k.id}"${step !== undefined ? ` data-step="${step}"` : ''}${focus}><title>${esc(`${tt(k.t)} ms: ${k.detail}`)}</title>${cross}` +
        `<text x="${m.stateX[k.lane]}" y="${k.y + 4}" text-anchor="${k.lane === 0 ? 'end' : 'start'}" font-size="11" fill="${ORANGE}">${esc(k.text)}</text></g>`,
    );
  }

  for (const s of m.states) {
    const step = stepOf.get(`state:${s.id}`);
    const x = m.stateX[s.lane];
    const title = `${s.endpoint}: ${s.from} → ${s.to} at ${tt(s.t)} ms (${s.cause})`;
    parts.set(
      `state:${s.id}`,
      `<g class="fk-state" data-state="${off.state + s.id}"${step !== undefined ? ` data-step="${step}"` : ''}${focus}><title>${esc(title)}</title>` +
        `<circle cx="${s.x}" cy="${s.y}" r="3.5" fill="${INK}"/>` +
        `<text x="${x}" y="${s.y + 4}" text-anchor="${s.lane === 0 ? 'end' : 'start'}" font-size="12" font-weight="bold" fill="${INK}">${esc(s.to)}</text></g>`,
    );
  }

  for (const st of m.steps) {
    const key = `${st.kind}:${st.id}`;
    const part = parts.get(key);
    if (part !== undefined) out.push(part);
    parts.delete(key);
  }
  out.push(...parts.values());

  out.push(legend(m));
  return out.join('\n');
}

const TIME_X = 70;

function segmentTitle(s: DiagramSegment, absolute: boolean, tt: (t: number) => string): string {
  const label = absolute ? s.labelAbs : s.labelRel;
  const kinds = [
    s.retransmit ? 'retransmission' : '',
    s.probe ? 'keepalive probe' : '',
    s.duplicate ? 'duplicate' : '',
  ].filter(Boolean);
  const head = `${s.from} → ${s.to}: ${label}${kinds.length ? ` (${kinds.join(', ')})` : ''}`;
  let fate: string;
  if (s.stray) fate = `arrived at ${tt(s.t)} ms; its sending is not in the trace`;
  else if (s.lost !== undefined) fate = `sent at ${tt(s.t)} ms, lost (${s.lost})`;
  else if (s.arrival !== undefined)
    fate = `sent at ${tt(s.t)} ms, arrived at ${tt(s.arrival)} ms${s.discarded ? `, discarded (${s.discarded})` : ''}`;
  else fate = `sent at ${tt(s.t)} ms; its arrival is not in the trace`;
  return `${head}; ${fate}`;
}

/**
 * Ids of the segments that cross another one (FINs of a simultaneous close, data passing an ACK).
 * Their labels start next to their sender instead of in the middle, where they would overwrite each
 * other. A sweep down the page: only segments whose vertical extents overlap are compared.
 */
function crossingSegments(segs: readonly DiagramSegment[]): Set<number> {
  const out = new Set<number>();
  const byTop = [...segs].sort((a, b) => Math.min(a.y1, a.y2) - Math.min(b.y1, b.y2) || a.id - b.id);
  for (let i = 0; i < byTop.length; i++) {
    const a = byTop[i]!;
    const bottom = Math.max(a.y1, a.y2);
    for (let j = i + 1; j < byTop.length; j++) {
      const b = byTop[j]!;
      if (Math.min(b.y1, b.y2) > bottom) break;
      if (a.lane !== b.lane && intersect(a, b)) {
        out.add(a.id);
        out.add(b.id);
      }
    }
  }
  return out;
}

/** Whether two segments cross at a point inside both (touching at an end does not count). */
function intersect(a: DiagramSegment, b: DiagramSegment): boolean {
  const side = (x1: number, y1: number, x2: number, y2: number, px: number, py: number): number =>
    Math.sign((x2 - x1) * (py - y1) - (y2 - y1) * (px - x1));
  const d1 = side(a.x1, a.y1, a.x2, a.y2, b.x1, b.y1);
  const d2 = side(a.x1, a.y1, a.x2, a.y2, b.x2, b.y2);
  const d3 = side(b.x1, b.y1, b.x2, b.y2, a.x1, a.y1);
  const d4 = side(b.x1, b.y1, b.x2, b.y2, a.x2, a.y2);
  return d1 * d2 < 0 && d3 * d4 < 0;
}

/** The arrow (or the lost line and its cross), the label along it, and a badge for retransmissions and the like. */
function segmentShape(s: DiagramSegment, absolute: boolean, inline: boolean, crossed: boolean): string {
  const lost = s.lost !== undefined;
  const colour = lost ? ORANGE : BLUE;
  // Dotted: a second copy. An arrival whose sending is not traced (the kernel's side of a TUN session)
  // is drawn like any delivered segment; its title says so.
  const dash = lost ? ' stroke-dasharray="7 4"' : s.duplicate ? ' stroke-dasharray="2 3"' : '';
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  const parts: string[] = [];
  // A wide transparent stroke under the arrow, so it is easy to point at.
  if (inline)
    parts.push(
      `<line x1="${s.x1}" y1="${s.y1}" x2="${s.x2}" y2="${s.y2}" stroke="#ffffff" stroke-opacity="0" stroke-width="12"/>`,
    );
  const endX = lost ? s.x2 : round(s.x2 - ux * 8);
  const endY = lost ? s.y2 : round(s.y2 - uy * 8);
  parts.push(
    `<line x1="${s.x1}" y1="${s.y1}" x2="${endX}" y2="${endY}" stroke="${colour}" stroke-width="${s.view.seg.flags & 0x04 ? 2.2 : 1.6}"${dash}/>`,
  );
  if (lost) parts.push(crossEl(s.x2, s.y2, 5, ORANGE));
  else {
    const bx = s.x2 - ux * 10;
    const by = s.y2 - uy * 10;
    const px = -uy * 4.5;
    const py = ux * 4.5;
    parts.push(
      `<polygon points="${round(s.x2)},${round(s.y2)} ${round(bx + px)},${round(by + py)} ${round(bx - px)},${round(by - py)}" fill="${colour}"/>`,
    );
  }
  // Label: along the arrow, above it, centred on the drawn part unless it is longer than that.
  const text = absolute ? s.labelAbs : s.labelRel;
  const textW = text.length * CHAR_W;
  const along =
    crossed && s.lost === undefined
      ? Math.min(len / 2, textW / 2 + 14)
      : Math.max(len / 2, Math.min(textW / 2 + 8, Math.abs(s.x2 - s.x1) * 2));
  const cx = round(s.x1 + ux * along);
  const cy = round(s.y1 + uy * along);
  let angle = (Math.atan2(dy, dx) * 180) / Math.PI;
  if (angle > 90) angle -= 180;
  if (angle < -90) angle += 180;
  const a = round(angle);
  const both = inline ? ` data-rel="${esc(s.labelRel)}" data-abs="${esc(s.labelAbs)}"` : '';
  parts.push(
    `<text class="fk-label" x="${cx}" y="${cy}" dy="-4" transform="rotate(${a} ${cx} ${cy})" text-anchor="middle" font-family="${MONO}" font-size="11" fill="${lost ? ORANGE : INK}"${both}>${esc(text)}</text>`,
  );
  const badge = s.retransmit ? 'R' : s.probe ? 'P' : s.duplicate ? 'D' : '';
  if (badge) {
    const bx = round(s.x1 + ux * 22);
    const by = round(s.y1 + uy * 22 + 9);
    parts.push(
      `<rect x="${round(bx - 6)}" y="${round(by - 6)}" width="12" height="12" rx="2" fill="#ffffff" stroke="${colour}" stroke-width="1"/>` +
        `<text x="${bx}" y="${round(by + 3.5)}" text-anchor="middle" font-size="9" font-weight="bold" fill="${colour}">${badge}</text>`,
    );
  }
  return parts.join('');
}

function legend(m: DiagramModel): string {
  const y = m.bottom + 26;
  const x0 = 10;
  const items: string[] = [];
  let x = x0;
  const add = (shape: string, text: string): void => {
    items.push(shape, `<text x="${x + 34}" y="${y + 4}" font-size="10" fill="${GREY}">${esc(text)}</text>`);
    x += 34 + text.length * 5.6 + 16;
  };
  add(
    `${lineEl(x, y, x + 22, y, BLUE, 1.6)}<polygon points="${x + 28},${y} ${x + 20},${y - 4} ${x + 20},${y + 4}" fill="${BLUE}"/>`,
    'delivered',
  );
  add(
    `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${ORANGE}" stroke-width="1.6" stroke-dasharray="7 4"/>${crossEl(x + 25, y, 4, ORANGE)}`,
    'lost',
  );
  add(
    `<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${BLUE}" stroke-width="1.6" stroke-dasharray="2 3"/>`,
    'duplicate (D)',
  );
  add(
    `<text x="${x + 14}" y="${y + 4}" text-anchor="middle" font-size="9" font-weight="bold" fill="${BLUE}">R / P</text>`,
    'retransmission / keepalive probe',
  );
  add(
    `<rect x="${x + 12}" y="${y - 7}" width="4" height="14" fill="${BAR}" stroke="${BLUE}" stroke-width="0.5"/>`,
    'timer running',
  );
  if (m.origin !== 0) {
    const since = new Date(m.origin).toISOString();
    items.push(
      `<text x="${x0}" y="${y + 22}" font-size="10" fill="${GREY}">${esc(`t: ms since ${since}, the first event`)}</text>`,
    );
  }
  return `<g class="fk-legend">${items.join('')}</g>`;
}

function lineEl(x1: number, y1: number, x2: number, y2: number, colour: string, w: number): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" stroke="${colour}" stroke-width="${w}"/>`;
}

function crossEl(x: number, y: number, r: number, colour: string): string {
  return `<path d="M${round(x - r)} ${round(y - r)} L${round(x + r)} ${round(y + r)} M${round(x - r)} ${round(y + r)} L${round(x + r)} ${round(y - r)}" stroke="${colour}" stroke-width="2.2" fill="none"/>`;
}

/** Text for XML and HTML: element content and attribute values alike. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
