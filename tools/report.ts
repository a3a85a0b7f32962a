// What the proof tools (soak.ts, fuzz.ts, attack.ts) share: command-line options, a seeded random
// stream, the figures they print and the closing line `N passed, N failed` (exit code 1 on any
// failure), and a pool of worker threads for runs made of independent seeded batches.
//
//   node --import tsx tools/soak.ts [--quick] [--seed N] [--count N] [--jobs N] [--time-limit S]
//
// Every loop of the tools is bounded twice: by a count and by wall time (--time-limit). A run that
// stops at the time limit says so and counts as a failure, so a slow machine cannot pass quietly.

import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface ToolOptions {
  quick: boolean;
  seed: number;
  /** Units of work (lifecycles, inputs, segments): the tool's own default when undefined. */
  count: number | undefined;
  jobs: number;
  /** Wall-clock budget in seconds. */
  timeLimit: number;
  verbose: boolean;
}

export function parseArgs(argv: string[], defaults: { seed: number; timeLimit: number; quickTimeLimit: number }) {
  const opts: ToolOptions = {
    quick: false,
    seed: defaults.seed,
    count: undefined,
    jobs: Math.max(1, Math.min(8, availableParallelism())),
    timeLimit: defaults.timeLimit,
    verbose: false,
  };
  let timeLimit: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--seed') opts.seed = num() >>> 0;
    else if (a === '--count') opts.count = Math.floor(num());
    else if (a === '--jobs') opts.jobs = Math.max(1, Math.floor(num()));
    else if (a === '--time-limit') timeLimit = num();
    else if (a === '--verbose') opts.verbose = true;
    else throw new Error(`unknown option ${a}`);
  }
  opts.timeLimit = timeLimit ?? (opts.quick ? defaults.quickTimeLimit : defaults.timeLimit);
  return opts;
}

/** xorshift-free small PRNG (mulberry32): cheap, seeded, deterministic; for the tools' own choices. */
export class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  u32(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** Mixes a base seed and an index into a batch seed (so batch i's seed does not depend on the others). */
export function batchSeed(base: number, i: number): number {
  let h = (base ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The figures and checks of one run, printed as `name: value` lines and a closing count. */
export class Report {
  readonly title: string;
  readonly started = performance.now();
  passed = 0;
  failed = 0;
  readonly #lines: string[] = [];
  readonly #failures: string[] = [];

  constructor(title: string) {
    this.title = title;
  }

  /** One figure. */
  figure(name: string, value: unknown): void {
    this.#lines.push(`  ${name}: ${typeof value === 'number' ? fmt(value) : String(value)}`);
  }

  /** A named check: passes or fails with a detail. */
  check(name: string, ok: boolean, detail = ''): boolean {
    if (ok) this.passed++;
    else {
      this.failed++;
      this.#failures.push(`${name}${detail ? `: ${detail}` : ''}`);
    }
    this.#lines.push(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
    return ok;
  }

  /** Adds passes and failures counted elsewhere (units of work), with up to `shown` failure texts. */
  tally(passed: number, failures: string[], total = failures.length): void {
    this.passed += passed;
    this.failed += total;
    for (const f of failures) this.#failures.push(f);
  }

  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Prints everything and the closing line; returns the exit code. */
  print(): number {
    const out: string[] = [`${this.title}`, ...this.#lines];
    out.push(`  elapsed: ${this.elapsed().toFixed(1)} s`);
    if (this.#failures.length > 0) {
      out.push(`  failures (${fmt(this.failed)}, first ${Math.min(this.#failures.length, 50)} shown):`);
      for (const f of this.#failures.slice(0, 50)) out.push(`    ${f}`);
    }
    out.push(`${this.passed} passed, ${this.failed} failed`);
    process.stdout.write(`${out.join('\n')}\n`);
    return this.failed > 0 ? 1 : 0;
  }
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

// ---------------------------------------------------------------------------------------------------
// Batches over worker threads

/** A batch's result: any JSON value the tool merges. */
export type BatchRunner<R> = (index: number, seed: number) => R;

interface WorkerJob {
  script: string;
  baseSeed: number;
}

/**
 * Runs batches 0..count-1 (each seeded with batchSeed(baseSeed, i)) on `jobs` threads, handing each
 * result to `merge` in completion order, until all are done or `deadline` (performance.now() ms)
 * passes. Returns how many batches ran. The same script is the worker: call serveBatches(run) at
 * its top level, before anything else runs (it returns true in a worker).
 */
export async function runBatches<R>(opts: {
  script: string;
  count: number;
  jobs: number;
  baseSeed: number;
  deadline: number;
  run: BatchRunner<R>;
  merge: (index: number, result: R) => void;
}): Promise<{ ran: number; timedOut: boolean }> {
  const { count, baseSeed, deadline } = opts;
  let next = 0;
  let ran = 0;
  let timedOut = false;
  const take = (): number | undefined => {
    if (next >= count) return undefined;
    if (performance.now() > deadline) {
      timedOut = true;
      return undefined;
    }
    return next++;
  };
  if (opts.jobs <= 1) {
    for (let i = take(); i !== undefined; i = take()) {
      opts.merge(i, opts.run(i, batchSeed(baseSeed, i)));
      ran++;
    }
    return { ran, timedOut };
  }
  const job: WorkerJob = { script: opts.script, baseSeed };
  const workers = Array.from(
    { length: Math.min(opts.jobs, count) },
    () => new Worker(workerBoot(opts.script), { eval: true, workerData: job }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const give = (): void => {
            const i = take();
            if (i === undefined) {
              void w.terminate().then(() => resolve());
              return;
            }
            w.postMessage(i);
          };
          w.on('message', (m: { index: number; result: R }) => {
            opts.merge(m.index, m.result);
            ran++;
            give();
          });
          w.on('error', reject);
          give();
        }),
    ),
  );
  return { ran, timedOut };
}

/**
 * The worker's first code: loads the tool's TypeScript through tsx's API (a worker does not inherit
 * the `--import tsx` hooks of the main thread under Node 20).
 */
function workerBoot(script: string): string {
  const url = JSON.stringify(script);
  return `import('tsx/esm/api').then((m) => m.tsImport(${url}, ${url}))`;
}

/** In a worker started by runBatches: serves batch indices with `run`. Returns true in a worker. */
export function serveBatches<R>(run: BatchRunner<R>): boolean {
  if (isMainThread || parentPort === null) return false;
  const job = workerData as WorkerJob;
  const port = parentPort;
  port.on('message', (index: number) => {
    port.postMessage({ index, result: run(index, batchSeed(job.baseSeed, index)) });
  });
  return true;
}

/** Is the module at `url` the script node was started with (not imported by another)? */
export function isEntry(url: string): boolean {
  const script = process.argv[1];
  return isMainThread && script !== undefined && pathToFileURL(script).href === url;
}
