// The TCP state diagram of RFC 9293 (§3.3.2, Figure 5), drawn as boxes and arrows: the current state
// filled and outlined thickly, the transition just taken as a thick dashed orange arrow, the rest
// grey. Shapes and line styles carry the meaning as well as colour. CLOSED appears twice, at the top
// (where connections begin) and at the bottom (where they end), as in the RFC's figure.

const W = 116;
const H = 26;

interface Box {
  id: string;
  state: string;
  x: number;
  y: number;
}

const BOXES: Box[] = [
  { id: 'closed-top', state: 'CLOSED', x: 170, y: 16 },
  { id: 'listen', state: 'LISTEN', x: 60, y: 86 },
  { id: 'syn-rcvd', state: 'SYN-RECEIVED', x: 60, y: 166 },
  { id: 'syn-sent', state: 'SYN-SENT', x: 290, y: 126 },
  { id: 'estab', state: 'ESTABLISHED', x: 170, y: 236 },
  { id: 'fw1', state: 'FIN-WAIT-1', x: 50, y: 306 },
  { id: 'cw', state: 'CLOSE-WAIT', x: 300, y: 306 },
  { id: 'fw2', state: 'FIN-WAIT-2', x: 10, y: 386 },
  { id: 'closing', state: 'CLOSING', x: 150, y: 386 },
  { id: 'la', state: 'LAST-ACK', x: 300, y: 386 },
  { id: 'tw', state: 'TIME-WAIT', x: 80, y: 456 },
  { id: 'closed-bottom', state: 'CLOSED', x: 300, y: 456 },
];

/** [from box, to box, label] as in the RFC's figure (plus FIN-WAIT-1 → TIME-WAIT, a FIN with the ACK). */
const EDGES: [string, string, string][] = [
  ['closed-top', 'listen', 'passive OPEN'],
  ['closed-top', 'syn-sent', 'active OPEN / snd SYN'],
  ['listen', 'syn-rcvd', 'rcv SYN / snd SYN,ACK'],
  ['listen', 'syn-sent', 'SEND / snd SYN'],
  ['syn-sent', 'syn-rcvd', 'rcv SYN / snd ACK'],
  ['syn-rcvd', 'estab', 'rcv ACK of SYN'],
  ['syn-sent', 'estab', 'rcv SYN,ACK / snd ACK'],
  ['syn-rcvd', 'fw1', 'CLOSE / snd FIN'],
  ['estab', 'fw1', 'CLOSE / snd FIN'],
  ['estab', 'cw', 'rcv FIN / snd ACK'],
  ['fw1', 'fw2', 'rcv ACK of FIN'],
  ['fw1', 'closing', 'rcv FIN / snd ACK'],
  ['fw1', 'tw', 'rcv FIN,ACK / snd ACK'],
  ['fw2', 'tw', 'rcv FIN / snd ACK'],
  ['closing', 'tw', 'rcv ACK of FIN'],
  ['cw', 'la', 'CLOSE / snd FIN'],
  ['la', 'closed-bottom', 'rcv ACK of FIN'],
  ['tw', 'closed-bottom', 'timeout = 2MSL'],
];

const BLUE = '#0072B2';
const ORANGE = '#D55E00';
const GREY = '#8a8a8a';

function box(id: string): Box {
  return BOXES.find((b) => b.id === id)!;
}

/** Where a line from the centre of `a` toward the centre of `b` leaves a's rectangle. */
function edgePoint(a: Box, b: Box): [number, number] {
  const cx = a.x + W / 2;
  const cy = a.y + H / 2;
  const dx = b.x + W / 2 - cx;
  const dy = b.y + H / 2 - cy;
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : W / 2 / Math.abs(dx);
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : H / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [cx + dx * s, cy + dy * s];
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The box a state is drawn in: CLOSED at the bottom once the connection has been used. */
function boxOf(state: string, ended: boolean): string | undefined {
  if (state === 'CLOSED') return ended ? 'closed-bottom' : 'closed-top';
  return BOXES.find((b) => b.state === state)?.id;
}

export interface StateDiagramInput {
  state: string;
  /** The transition just taken, if any. */
  last?: { from: string; to: string };
  /** Accessible name of the figure. */
  label: string;
}

/** The diagram as an SVG element's markup. */
export function stateDiagramSvg(inp: StateDiagramInput): string {
  const ended = inp.last !== undefined && inp.state === 'CLOSED' && inp.last.from !== 'CLOSED';
  const current = boxOf(inp.state, ended);
  let litEdge: string | undefined;
  if (inp.last) {
    // A change from CLOSED starts at the top box; a change to CLOSED ends at the bottom one.
    const f = boxOf(inp.last.from, false);
    const t = boxOf(inp.last.to, true);
    if (f && t) litEdge = `${f}>${t}`;
  }
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 430 490" role="img" aria-label="${esc(inp.label)}" class="state-diagram">`,
  );
  parts.push(`<title>${esc(inp.label)}</title>`);
  const drawEdge = (e: [string, string, string], lit: boolean): void => {
    const a = box(e[0]);
    const b = box(e[1]);
    const [x1, y1] = edgePoint(a, b);
    const [x2, y2] = edgePoint(b, a);
    const ang = Math.atan2(y2 - y1, x2 - x1);
    const len = lit ? 10 : 7;
    const p1 = [x2 - len * Math.cos(ang - 0.4), y2 - len * Math.sin(ang - 0.4)];
    const p2 = [x2 - len * Math.cos(ang + 0.4), y2 - len * Math.sin(ang + 0.4)];
    const colour = lit ? ORANGE : GREY;
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    parts.push(
      `<g class="edge${lit ? ' lit' : ''}" data-edge="${e[0]}>${e[1]}"><title>${esc(`${a.state} → ${b.state}: ${e[2]}`)}</title>` +
        `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${colour}" stroke-width="${lit ? 4 : 1.3}"${lit ? ' stroke-dasharray="8 4"' : ''}/>` +
        `<polygon points="${x2.toFixed(1)},${y2.toFixed(1)} ${p1[0]!.toFixed(1)},${p1[1]!.toFixed(1)} ${p2[0]!.toFixed(1)},${p2[1]!.toFixed(1)}" fill="${colour}"/>` +
        `<text x="${mx.toFixed(1)}" y="${(my - 3).toFixed(1)}" font-size="${lit ? 10 : 8.5}" text-anchor="middle" fill="${lit ? '#8a3200' : '#555'}"${lit ? ' font-weight="bold"' : ''} class="edge-label">${esc(e[2])}</text></g>`,
    );
  };
  for (const e of EDGES) if (`${e[0]}>${e[1]}` !== litEdge) drawEdge(e, false);
  for (const b of BOXES) {
    const on = b.id === current;
    parts.push(
      `<g class="state-box${on ? ' current' : ''}" data-box="${b.id}" data-state-name="${b.state}">` +
        `<rect x="${b.x}" y="${b.y}" width="${W}" height="${H}" rx="${on ? 0 : 5}" fill="${on ? BLUE : '#fff'}" stroke="${on ? '#00304d' : '#444'}" stroke-width="${on ? 3.5 : 1.2}"/>` +
        `<text x="${b.x + W / 2}" y="${b.y + 17.5}" font-size="12" text-anchor="middle" fill="${on ? '#fff' : '#222'}" font-weight="${on ? 'bold' : 'normal'}">${on ? '▶ ' : ''}${b.state}</text></g>`,
    );
  }
  // The lit edge last, over the boxes' neighbours.
  const lit = EDGES.find((e) => `${e[0]}>${e[1]}` === litEdge);
  if (lit) drawEdge(lit, true);
  parts.push('</svg>');
  return parts.join('');
}

/** Whether the diagram has an arrow for this change (resets and aborts go straight to CLOSED, unnamed). */
export function hasEdge(from: string, to: string): boolean {
  const f = boxOf(from, false);
  const t = boxOf(to, true);
  return EDGES.some((e) => e[0] === f && e[1] === t);
}
