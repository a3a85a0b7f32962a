// `npm run bench`: every workload of the suite, finack against the kernel in the same run.
//
//   npm run bench                          the full suite (under 10 minutes on a 2-core machine)
//   npm run bench -- --quick               a small version of every row (seconds; what the test runs)
//   npm run bench -- --only bulk,churn     some workloads only
//   npm run bench -- --json results.json   also write the rows as JSON
//   npm run bench -- --finack-only         skip the kernel's samples (no ratios): for CPU profiles
//
// Progress goes to stderr (one line per workload and round), the table to stdout. See
// bench/README.md for what each row measures.

import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bulkWorkload } from './bulk.js';
import { churnWorkload } from './churn.js';
import { errorText, hasGc, now, type Row, setFinackOnly, type Workload } from './common.js';
import { concurrencyWorkload } from './concurrency.js';
import { lossWorkload } from './loss.js';
import { memoryWorkload } from './memory.js';
import { reassemblyWorkload } from './reassembly.js';
import { renderTable } from './table.js';
import { timersWorkload } from './timers.js';
import { tunWorkload } from './tun.js';

const WORKLOADS: Workload[] = [
  bulkWorkload,
  churnWorkload,
  concurrencyWorkload,
  memoryWorkload,
  timersWorkload,
  lossWorkload,
  reassemblyWorkload,
  tunWorkload,
];

/** Wall-clock budget of each workload in the full run (ms); rounds after the first stop when it is spent. */
const BUDGET_MS: Record<string, number> = {
  bulk: 75_000,
  churn: 60_000,
  concurrency: 40_000,
  memory: 170_000,
  timers: 40_000,
  loss: 60_000,
  reassembly: 25_000,
  tun: 60_000,
};

interface Args {
  quick: boolean;
  only: string[] | undefined;
  json: string | undefined;
  finackOnly: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, only: undefined, json: undefined, finackOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--finack-only') a.finackOnly = true;
    else if (x === '--only') a.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (x?.startsWith('--only=')) a.only = x.slice(7).split(',').filter(Boolean);
    else if (x === '--json') a.json = argv[++i];
    else if (x?.startsWith('--json=')) a.json = x.slice(7);
    else if (x === '--help' || x === '-h') {
      process.stdout.write(
        `usage: npm run bench -- [--quick] [--only ${WORKLOADS.map((w) => w.name).join(',')}] [--json FILE] [--finack-only]\n`,
      );
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument ${x}\n`);
      process.exit(2);
    }
  }
  if (a.only !== undefined) {
    const names = new Set(WORKLOADS.map((w) => w.name));
    const bad = a.only.filter((n) => !names.has(n));
    if (bad.length > 0) {
      process.stderr.write(`bench: unknown workload ${bad.join(', ')}; known: ${[...names].join(', ')}\n`);
      process.exit(2);
    }
  }
  return a;
}

const ROOT = resolve(import.meta.dirname, '..');

/** The newest modification time of a .ts file under `dir` (ms since the epoch). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The benchmarks measure dist/ (bench/finack.ts). A dist/ older than a file of src/ would measure
 * code that is not the checkout's: refuse it, naming the fix.
 */
function requireFreshBuild(): void {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist/index.js')).mtimeMs;
  } catch {
    process.stderr.write('bench: dist/ is missing: run npm run build first (npm run bench does)\n');
    process.exit(2);
  }
  if (newestSource(join(ROOT, 'src')) > built) {
    process.stderr.write('bench: dist/ is older than src/: run npm run build first (npm run bench does)\n');
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  requireFreshBuild();
  setFinackOnly(args.finackOnly);
  const selected = WORKLOADS.filter((w) => args.only === undefined || args.only.includes(w.name));
  const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
  if (!hasGc()) log('warning: run with node --expose-gc (npm run bench does): heap rows are less exact without it');
  const t0 = now();
  const rows: Row[] = [];
  for (const w of selected) {
    const started = now();
    log(`${w.name}: ${w.describe}${args.quick ? ' (quick)' : ''}`);
    try {
      const got = await w.run({
        quick: args.quick,
        budgetMs: args.quick ? 5_000 : (BUDGET_MS[w.name] ?? 60_000),
        progress: (m) => log(`${w.name}: ${m}`),
      });
      rows.push(...got);
    } catch (e) {
      log(`${w.name}: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      rows.push({
        workload: w.name,
        name: w.name,
        size: '-',
        unit: '',
        better: 'higher',
        status: 'failed',
        reason: errorText(e),
        target: '-',
      });
    }
    log(`${w.name}: done in ${((now() - started) / 1000).toFixed(1)} s`);
  }
  const seconds = (now() - t0) / 1000;
  process.stdout.write(renderTable(rows));
  process.stdout.write(`\ntotal ${seconds.toFixed(0)} s, node ${process.version}${args.quick ? ', --quick' : ''}\n`);
  if (args.json !== undefined) {
    const doc = {
      date: new Date().toISOString(),
      node: process.version,
      quick: args.quick,
      seconds,
      rows,
    };
    writeFileSync(args.json, `${JSON.stringify(doc, null, 2)}\n`);
    log(`wrote ${args.json}`);
  }
  // Sockets of the kernel rows may linger in TIME-WAIT inside the kernel, not in this process; the
  // simulated networks are stopped. Exit explicitly so that no leftover timer keeps the run alive.
  process.exit(rows.some((r) => r.status === 'failed') ? 1 : 0);
}

await main();
