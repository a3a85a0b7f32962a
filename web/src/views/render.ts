// The live views as markup, built from the playground's world: the ladder with segments in flight,
// timers as countdown bars, the sequence spaces, the ss-style table. Strings in, strings out (no
// DOM), so the page only swaps them in.

import type { DiagramModel } from '../../../src/trace/diagram.js';
import { diagramModel, TIMER_LABELS } from '../../../src/trace/diagram.js';
import { formatDuration } from '../../../src/trace/ladder.js';
import { svgOfModels } from '../../../src/trace/svg.js';
import { fill, type Lang, UI, ZH_TIMERS } from '../i18n.js';
import { CLIENT_ADDR, type InFlight, type Playground, SERVER_ADDR, SERVER_PORT } from '../model/playground.js';
import type { Side } from '../model/settings.js';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const LANE_LABELS: [string, string] = [`client ${CLIENT_ADDR}`, `server ${SERVER_ADDR}:${SERVER_PORT}`];

/** The ladder of everything so far, and its layout (for placing segments in flight). */
export function ladder(pg: Playground): { svg: string; model: DiagramModel } {
  const model = diagramModel(pg.events, {
    lanes: ['client', 'server'],
    laneLabels: LANE_LABELS,
    notes: pg.notes,
    idleGap: 1500,
  });
  return { svg: svgOfModels([model], [], {}), model };
}

/** The ladder as a standalone SVG file (for export). */
export function ladderFile(pg: Playground): string {
  return ladder(pg).svg;
}

export interface FlightMark {
  /** data-seg id of the segment's arrow in the ladder. */
  seg: number;
  x: number;
  y: number;
  label: string;
}

/**
 * Where each segment in flight is now: along its arrow, at the fraction of its trip done. With
 * reduced motion, at the middle of the arrow (it is marked, not moved).
 */
export function flightMarks(
  model: DiagramModel,
  flying: readonly InFlight[],
  now: number,
  still: boolean,
): FlightMark[] {
  const out: FlightMark[] = [];
  for (const f of flying) {
    const s = model.segments.find(
      (d) =>
        d.from === f.from &&
        d.t === f.t &&
        d.view.seg.seq === f.packet.seg.seq &&
        d.view.seg.flags === f.packet.seg.flags &&
        d.lost === undefined,
    );
    if (!s) continue;
    const p = still ? 0.5 : Math.min(1, Math.max(0, (now - f.t) / Math.max(1, f.arrive - f.t)));
    out.push({ seg: s.id, x: s.x1 + (s.x2 - s.x1) * p, y: s.y1 + (s.y2 - s.y1) * p, label: s.labelRel });
  }
  return out;
}

/** Countdown bars for a side's running timers. */
export function timersHtml(pg: Playground, side: Side, lang: Lang): string {
  const ui = UI[lang];
  const list = pg.timers(side);
  if (list.length === 0) return `<p class="muted">${esc(ui.noTimers)}</p>`;
  const now = pg.now;
  return `<ul class="timers">${list
    .map((t) => {
      const total = Math.max(1, t.deadline - t.armedAt);
      const left = Math.max(0, t.deadline - now);
      const pct = Math.round((left / total) * 1000) / 10;
      const restart = t.restarts > 0 ? ` · ${fill(ui.restarted, { n: t.restarts })}` : '';
      const name = lang === 'zh' ? (ZH_TIMERS[t.kind] ?? TIMER_LABELS[t.kind]) : TIMER_LABELS[t.kind];
      const text = `${name}: ${fill(ui.left, { ms: formatDuration(Math.round(left)) })}${restart}`;
      return (
        `<li data-timer="${t.kind}" data-remaining="${Math.round(left)}" data-total="${total}" data-restarts="${t.restarts}">` +
        `<span class="timer-text">${esc(text)}</span>` +
        `<span class="bar" role="meter" aria-label="${esc(name)}" aria-valuemin="0" aria-valuemax="${total}" aria-valuenow="${Math.round(left)}">` +
        `<span class="fill kind-${t.kind}" style="width:${pct}%"></span></span></li>`
      );
    })
    .join('')}</ul>`;
}

/** SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND as text and as two strips. */
export function seqHtml(pg: Playground, side: Side, lang: Lang): string {
  const sp = pg.seqSpace(side);
  if (!sp) {
    const key = pg.state(side) === 'TIME-WAIT' ? 'twRecord' : 'noTcb';
    return `<p class="muted">${esc(UI[lang][key])}</p>`;
  }
  const inflight = (sp.sndNxt - sp.sndUna) >>> 0;
  const wnd = Math.max(1, sp.sndWnd);
  const flightPct = Math.min(100, (inflight / wnd) * 100);
  const strip = (label: string, parts: string): string =>
    `<div class="strip"><span class="strip-label">${label}</span><span class="strip-bar">${parts}</span></div>`;
  return (
    `<dl class="seq" data-side="${side}">` +
    `<div><dt>SND.UNA</dt><dd data-field="snd-una">${sp.sndUna}</dd></div>` +
    `<div><dt>SND.NXT</dt><dd data-field="snd-nxt">${sp.sndNxt}</dd></div>` +
    `<div><dt>SND.WND</dt><dd data-field="snd-wnd">${sp.sndWnd}</dd></div>` +
    `<div><dt>RCV.NXT</dt><dd data-field="rcv-nxt">${sp.rcvNxt}</dd></div>` +
    `<div><dt>RCV.WND</dt><dd data-field="rcv-wnd">${sp.rcvWnd}</dd></div>` +
    `</dl>` +
    strip(
      'send',
      `<span class="sent-unacked" style="width:${Math.max(flightPct, inflight > 0 ? 2 : 0)}%" title="SND.UNA..SND.NXT: ${inflight} sent, unacknowledged"></span>` +
        `<span class="usable" style="width:${100 - flightPct}%" title="SND.NXT..SND.UNA+SND.WND: usable window"></span>`,
    ) +
    strip(
      'recv',
      `<span class="usable recv" style="width:100%" title="RCV.NXT..RCV.NXT+RCV.WND: ${sp.rcvWnd} bytes may arrive"></span>`,
    )
  );
}

/** The ss-style table of both hosts. */
export function ssHtml(pg: Playground, lang: Lang): string {
  const ui = UI[lang];
  const rows = pg.rows();
  const addr = (a: { addr: string; port: number } | null): string => (a === null ? '*:*' : `${a.addr}:${a.port}`);
  const body = rows
    .map(
      ({ side, row }) =>
        `<tr data-host="${side}" data-state="${row.state}"><td>${side}</td><td>${row.state}</td><td>${row.recvQ}</td><td>${row.sendQ}</td>` +
        `<td>${esc(addr(row.local))}</td><td>${esc(addr(row.remote))}</td>` +
        `<td>${row.timer ? esc(`${row.timer.kind} ${formatDuration(Math.round(row.timer.remaining))}`) : ''}</td></tr>`,
    )
    .join('');
  return (
    `<table class="ss"><caption>${esc(ui.ss)}</caption><thead><tr>` +
    [ui.ssHost, ui.ssState, ui.ssRecvQ, ui.ssSendQ, ui.ssLocal, ui.ssPeer, ui.ssTimer]
      .map((h) => `<th scope="col">${esc(h)}</th>`)
      .join('') +
    `</tr></thead><tbody>${body}</tbody></table>`
  );
}

/** What the side's connection read, as text with control bytes shown, and a count of O and n bytes. */
export function receivedText(b: Uint8Array): string {
  if (b.length === 0) return '—';
  let o = 0;
  let n = 0;
  for (const x of b) {
    if (x === 0x4f) o++;
    else if (x === 0x6e) n++;
  }
  if (o + n === b.length && b.length > 64) return `${b.length} bytes: ${o} × "O", ${n} × "n"`;
  const text = new TextDecoder().decode(b.length > 200 ? b.subarray(0, 200) : b).replace(/\n/g, '⏎');
  return `${b.length} bytes: "${text}${b.length > 200 ? '…' : ''}"`;
}
