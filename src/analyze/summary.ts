// The text summary of `finack analyze`: one block per connection (tuple, close kind, who closed
// first, who sits in TIME-WAIT, half-close, each side's states, findings in plain words), a header
// saying how to read the times and a footer with the totals. Pure: strings in, strings out.

import { formatDuration, formatMs } from '../trace/ladder.js';
import type { AnalysisReport, ConnectionReport, Evidence, StatePoint } from './report.js';

const CLOSE_TEXT: Record<ConnectionReport['closeKind'], string> = {
  'four-way': 'four-way close (FIN, ACK, FIN, ACK)',
  'three-way': "three-way close (the second side's ACK and FIN in one segment)",
  simultaneous: 'simultaneous close (the FINs crossed)',
  reset: 'reset (RST)',
  incomplete: 'not closed in the capture',
};

/** The lines printed before the first connection. */
export function summaryHeader(source: string): string {
  return [
    `finack analyze ${source}`,
    '  States are inferred from the segments seen. A change a side makes by sending is placed at its',
    "  segment's capture time; one it makes on receiving, at the capture time of the segment received:",
    "  a capture point cannot see when a segment arrived. Times are ms since the connection's first packet.",
    '',
    '',
  ].join('\n');
}

/** ms since `origin`, to the µs when there is a fraction: '0.017', '107.006', '60,413.109'. */
function when(t: number, origin: number): string {
  const us = Math.round((t - origin) * 1000);
  const frac = Math.abs(us % 1000);
  const whole = formatMs(Math.trunc(us / 1000));
  const sign = us < 0 && Math.trunc(us / 1000) === 0 ? '-' : '';
  return frac === 0 ? `${sign}${whole}` : `${sign}${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** A duration, fractions of a ms kept below 10 ms. */
function span(ms: number): string {
  return ms < 10 ? `${when(ms, 0)} ms` : formatDuration(Math.round(ms));
}

function timeline(points: readonly StatePoint[], origin: number): string {
  if (points.length === 0) return 'unknown (it sent nothing the capture shows)';
  return points.map((p) => `${p.state} ${when(p.t, origin)}`).join(' → ');
}

function isoTime(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? `${t} ms` : d.toISOString();
}

/** One connection's block, ending in a newline. */
export function connectionSummary(c: ConnectionReport): string {
  const o = c.first;
  const lines: string[] = [];
  lines.push(`Connection ${c.index}: ${c.client} → ${c.server}`);
  lines.push(
    `  ${c.packets} packet${c.packets === 1 ? '' : 's'} from ${isoTime(c.first)} over ${span(Math.max(0, c.last - c.first))}; ` +
      `bytes: client ${c.bytes.client}, server ${c.bytes.server}`,
  );
  const first = c.closedFirstBy ? `; closed first by the ${c.closedFirstBy}` : '';
  lines.push(`  close: ${CLOSE_TEXT[c.closeKind]}${first}`);
  const tw =
    c.timeWaitSide === null ? 'neither side' : c.timeWaitSide === 'both' ? 'both sides' : `the ${c.timeWaitSide}`;
  lines.push(`  TIME-WAIT: ${tw}`);
  if (c.halfClose) {
    const other = c.halfClose.by === 'client' ? 'server' : 'client';
    lines.push(
      `  half-close: the ${c.halfClose.by} closed its sending side; for ${span(c.halfClose.ms)} the ${other} still sent ${c.halfClose.bytes} bytes`,
    );
  }
  lines.push(`  client: ${timeline(c.states.client, o)}`);
  lines.push(`  server: ${timeline(c.states.server, o)}`);
  const found = c.evidence.filter((e) => e.finding !== 'uncertain');
  const unsure = c.evidence.filter((e) => e.finding === 'uncertain');
  if (found.length > 0) {
    lines.push('  findings:');
    for (const e of found) lines.push(`    ${evidenceLine(e, o)}`);
  }
  if (unsure.length > 0) {
    lines.push('  what the capture cannot show:');
    for (const e of unsure) lines.push(`    ${evidenceLine(e, o)}`);
  }
  return `${lines.join('\n')}\n`;
}

function evidenceLine(e: Evidence, origin: number): string {
  const tag = e.finding === 'uncertain' ? '' : `${e.finding}: `;
  return `${tag}${e.text} [${e.side}, ${when(e.t, origin)} ms]`;
}

/** The totals, after the last connection. */
export function summaryFooter(r: Omit<AnalysisReport, 'connections'>, connections: number): string {
  const over = r.start !== undefined && r.end !== undefined ? ` over ${span(r.end - r.start)}` : '';
  return (
    `${r.packets} packet${r.packets === 1 ? '' : 's'}${over}: ${connections} TCP connection${connections === 1 ? '' : 's'}, ` +
    `${r.nonTcp} not TCP, ${r.undecodable} undecodable\n`
  );
}

/** The whole summary of a report. */
export function textSummary(r: AnalysisReport, source: string): string {
  return (
    summaryHeader(source) +
    r.connections.map((c) => `${connectionSummary(c)}\n`).join('') +
    summaryFooter(r, r.connections.length)
  );
}
