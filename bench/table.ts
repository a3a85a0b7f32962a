// The table `npm run bench` prints: one line per row, medians with min–max, the ratio to the
// reference, the issue's target and whether it is met; notes (extrapolations, caveats) below it.

import type { Row, Stat } from './common.js';

/** Three significant digits, grouped: 1,234 / 56.7 / 0.891. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function cell(s: Stat | undefined, unit: string): string {
  if (s === undefined) return '—';
  const range = s.n > 1 ? ` (${num(s.min)}–${num(s.max)})` : '';
  return `${num(s.median)} ${unit}${range}`;
}

function ratioText(r: Row): string {
  if (r.ratio === undefined) return '—';
  return `${r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio >= 10 ? r.ratio.toFixed(1) : r.ratio.toFixed(2)}×`;
}

export function renderTable(rows: Row[]): string {
  const head = ['workload', 'size', 'finack median (min–max)', 'reference median (min–max)', 'ratio', 'target', 'met'];
  const body = rows.map((r) => {
    if (r.status !== 'ok') {
      return [r.name, r.size, `${r.status}: ${r.reason ?? ''}`, '', '', r.target, '—'];
    }
    const ref = r.ref === undefined ? '—' : `${r.refLabel ?? 'kernel'}: ${cell(r.ref, r.unit)}`;
    const met = r.met === undefined ? '—' : r.met ? 'yes' : 'no';
    return [r.name, r.size, cell(r.finack, r.unit), ref, ratioText(r), r.target, met];
  });
  const lines = [head, ...body];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (l: string[]): string => `| ${l.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const out = [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(fmt)];
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `- ${r.name}: ${r.note}`);
  const legend =
    'ratio = finack median ÷ reference median; in MB/s and /s higher is better, in s, B, MiB, µs/seg and ns lower is better';
  return `${out.join('\n')}\n\n${legend}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}`;
}
