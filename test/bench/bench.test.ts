// The benchmark runner's shape, never its speed: `bench/run.ts --quick --only churn,reassembly`
// prints one table row per measured row with a ratio, writes the same rows as JSON, and reports
// progress per workload on stderr. Both workloads run in this process only (the kernel over
// 127.0.0.1, finack in memory): no namespace, no root needed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

interface JsonRow {
  workload: string;
  name: string;
  status: string;
  ratio?: number;
  finack?: { median: number; min: number; max: number; n: number };
  ref?: { median: number };
  target: string;
}

test('bench --quick --only churn,reassembly: a table row with a ratio per row, JSON, progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-bench-test-'));
  try {
    const json = join(dir, 'out.json');
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick', '--only', 'churn,reassembly', '--json', json],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);

    const doc = JSON.parse(readFileSync(json, 'utf8')) as { quick: boolean; rows: JsonRow[] };
    assert.equal(doc.quick, true);
    const byWorkload = (w: string) => doc.rows.filter((x) => x.workload === w);
    // churn: net API and core alone, sequential and 64 concurrent; reassembly: SACK on and off.
    assert.equal(byWorkload('churn').length, 4);
    assert.equal(byWorkload('reassembly').length, 2);
    assert.equal(doc.rows.length, 6, 'only the selected workloads run');

    const lines = r.stdout.split('\n');
    for (const row of doc.rows) {
      assert.equal(row.status, 'ok', `${row.name}: ${row.status}`);
      assert.equal(typeof row.ratio, 'number', `${row.name} has a ratio`);
      assert.ok(Number.isFinite(row.ratio) && (row.ratio as number) > 0, `${row.name}: ratio ${row.ratio}`);
      assert.ok(row.finack !== undefined && row.finack.n >= 1);
      assert.ok(row.target.length > 0);
      // Its table line: starts with the name, shows a ratio like "0.42×" and the target.
      const line = lines.find((l) => l.startsWith(`| ${row.name} `));
      assert.ok(line !== undefined, `a table line for ${row.name}\n${r.stdout}`);
      assert.match(line, /\| \d+(\.\d+)?× \|/);
      assert.ok(line.includes(row.target));
    }
    assert.match(r.stdout, /^\| workload +\| size +\| finack median \(min–max\)/m);
    assert.match(r.stdout, /^total \d+ s/m);

    // Progress on stderr: a line per workload when it starts and when it is done.
    for (const w of ['churn', 'reassembly']) {
      assert.match(r.stderr, new RegExp(`^\\[bench\\] ${w}: `, 'm'));
      assert.match(r.stderr, new RegExp(`^\\[bench\\] ${w}: done in `, 'm'));
    }
    assert.doesNotMatch(r.stderr, /\[bench\] (bulk|memory|tun):/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --only with an unknown workload: exit 2 and the known names', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'nosuch'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown workload nosuch/);
  assert.match(r.stderr, /bulk, churn, concurrency, memory, timers, loss, reassembly, tun/);
});
