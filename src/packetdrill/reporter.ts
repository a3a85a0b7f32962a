// Output of a packetdrill run: one line per script (PASS / FAIL with the reason), optional detail
// (the short ladder of a failure), a closing `N passed, N failed` line; or JSON for machines.

import type { ScriptResult } from './interpreter.js';

export interface NamedResult extends ScriptResult {
  /** The script's path as given (or found under a directory). */
  path: string;
}

export interface Summary {
  passed: number;
  failed: number;
  total: number;
}

export function summarize(results: readonly NamedResult[]): Summary {
  const passed = results.filter((r) => r.status === 'pass').length;
  return { passed, failed: results.length - passed, total: results.length };
}

/** The label of a result: PASS, FAIL, ERROR (script or runner problem), UNSUPPORTED (outside finack). */
export function label(r: ScriptResult): string {
  return r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : r.status === 'error' ? 'ERROR' : 'UNSUPPORTED';
}

/** What the scripts that ran as unsupported needed, with how many needed each, most needed first. */
export function unsupportedCounts(results: readonly ScriptResult[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of results)
    if (r.unsupported !== undefined) counts.set(r.unsupported, (counts.get(r.unsupported) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function formatText(results: readonly NamedResult[], opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(r.status === 'pass' ? `PASS ${r.path}` : `${label(r)} ${r.path}: ${r.reason}`);
    if (opts.verbose && (r.status !== 'pass' || r.warnings)) for (const d of r.detail) lines.push(`    ${d}`);
  }
  const missing = unsupportedCounts(results);
  if (missing.length > 0) lines.push(`unsupported: ${missing.map(([name, n]) => `${name} (${n})`).join(', ')}`);
  const s = summarize(results);
  lines.push(`${s.passed} passed, ${s.failed} failed`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(results: readonly NamedResult[]): string {
  const s = summarize(results);
  return `${JSON.stringify(
    {
      passed: s.passed,
      failed: s.failed,
      unsupported: Object.fromEntries(unsupportedCounts(results)),
      scripts: results.map((r) => ({
        path: r.path,
        status: r.status,
        reason: r.reason,
        ...(r.line !== undefined ? { line: r.line } : {}),
        profile: r.profile,
        ...(r.unsupported !== undefined ? { needs: r.unsupported } : {}),
        ...(r.warnings ? { warnings: r.warnings } : {}),
        detail: r.detail,
      })),
    },
    null,
    2,
  )}\n`;
}
