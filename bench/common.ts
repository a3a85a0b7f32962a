// What every workload shares: the row a workload reports, statistics over rounds, the alternation
// of finack and reference rounds, heap measurement, and the documentation addresses the simulated
// hosts use.

import { performance } from 'node:perf_hooks';

/** Simulated hosts and namespace addresses: documentation ranges only (RFC 5737). */
export const SERVER_ADDR = '192.0.2.1';
export const CLIENT_ADDR = '192.0.2.2';

export interface Stat {
  median: number;
  min: number;
  max: number;
  /** Samples taken. */
  n: number;
}

export type Better = 'higher' | 'lower';

/** One line of the table. */
export interface Row {
  /** The workload (what --only selects): bulk, churn, concurrency, memory, timers, loss, reassembly, tun. */
  workload: string;
  /** What the row measures, short. */
  name: string;
  /** Sizes and round counts, e.g. '256 MiB × 3'. */
  size: string;
  unit: string;
  better: Better;
  status: 'ok' | 'n/a' | 'skipped' | 'failed';
  /** Why the row is n/a, skipped or failed. */
  reason?: string;
  finack?: Stat;
  /** The reference the ratio is taken against: 'kernel', 'veth', 'in-order', ... */
  refLabel?: string;
  ref?: Stat;
  /** finack median / reference median. */
  ratio?: number;
  /** The target in words, e.g. '≥ 1.0× kernel'. */
  target: string;
  /** undefined when the row has no target or could not be measured. */
  met?: boolean;
  /** Extra facts (extrapolations, counts, caveats). */
  note?: string;
}

export interface RunOptions {
  quick: boolean;
  /** Wall-clock budget for this workload, ms: rounds stop early (after the first) when it is used up. */
  budgetMs: number;
  /** Progress on stderr. */
  progress: (msg: string) => void;
}

export interface Workload {
  name: string;
  /** One sentence: what the workload measures. */
  describe: string;
  run(opts: RunOptions): Promise<Row[]>;
}

export function stat(xs: number[]): Stat {
  if (xs.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number, n: s.length };
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
}

export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

/**
 * Memory in use after a full collection (bytes): the JS heap plus the ArrayBuffer backing stores,
 * which live outside it (typed arrays such as the TIME-WAIT table's columns, and Buffers).
 */
export function heapUsed(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export const now = (): number => performance.now();

/** Lets pending I/O, timers and immediates run. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lets the previous sample's leftovers (closing sockets, pending immediates) finish before the next. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
  await sleep(20);
}

/** Rejects after `ms` with a message naming `what`; the bound every wait in the suite has. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`${what}: no result within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the samplers in turn, one sample each per round, the order rotating from round to round
 * (A B C, B C A, C A B, ...), for `rounds` rounds. After the first round, stops when `budgetMs` is
 * spent. A settle comes before every sample, so the previous one's closing sockets and pending
 * immediates are done. No forced GC: a full collection between two samples, when the previous
 * sample's objects are all dead, deoptimizes about 700 of finack's optimized functions (V8's reason:
 * 'weak objects', objects their code had embedded died; see `--trace-deopt`), and the next sample
 * then ran at half speed or less while they were compiled again (core churn: 7k/s against 16k/s
 * without the collection), which a process in steady state does not see. Each sampler's
 * garbage is collected during the samples as it would be in an application. The memory rows collect
 * before each of their readings (heapUsed()). Returns one list of numbers per sampler.
 */
export async function rotate(
  rounds: number,
  budgetMs: number,
  samplers: ((() => Promise<number>) | undefined)[],
  onRound?: (r: number) => void,
): Promise<number[][]> {
  const out = samplers.map(() => [] as number[]);
  const start = now();
  for (let r = 0; r < rounds; r++) {
    if (r > 0 && now() - start > budgetMs) break;
    for (let k = 0; k < samplers.length; k++) {
      const i = (r + k) % samplers.length;
      const fn = samplers[i];
      if (fn === undefined) continue;
      await settle();
      out[i]?.push(await fn());
    }
    onRound?.(r);
  }
  return out;
}

let finackOnly = false;

/** --finack-only (for profiling): reference samplers are skipped, so a profile shows finack alone. */
export function setFinackOnly(on: boolean): void {
  finackOnly = on;
}

/** A reference (kernel) sampler, or undefined under --finack-only. */
export function reference<T>(fn: T): T | undefined {
  return finackOnly ? undefined : fn;
}

/** rotate() for a finack sampler and an optional reference sampler. */
export async function alternate(
  rounds: number,
  budgetMs: number,
  a: () => Promise<number>,
  b: (() => Promise<number>) | undefined,
  onRound?: (r: number) => void,
): Promise<{ a: number[]; b: number[] }> {
  const got = await rotate(rounds, budgetMs, [a, reference(b)], onRound);
  return { a: got[0] ?? [], b: got[1] ?? [] };
}

/** A row for two stats, ratio and target check filled in. */
export function compared(
  base: Omit<Row, 'status' | 'finack' | 'ref' | 'ratio' | 'met'>,
  finack: number[],
  ref: number[] | undefined,
  check?: (finack: Stat, ratio: number | undefined, ref: Stat | undefined) => boolean,
): Row {
  const f = stat(finack);
  const r = ref === undefined || ref.length === 0 ? undefined : stat(ref);
  const ratio = r === undefined ? undefined : f.median / r.median;
  const row: Row = { ...base, status: 'ok', finack: f };
  if (r !== undefined) row.ref = r;
  if (ratio !== undefined) row.ratio = ratio;
  // A reference that took no samples (--finack-only) leaves the target unjudged.
  if (check !== undefined && !(ref !== undefined && r === undefined)) row.met = check(f, ratio, r);
  return row;
}

export function notMeasured(
  base: Omit<Row, 'status' | 'finack' | 'ref' | 'ratio' | 'met'>,
  status: 'n/a' | 'skipped' | 'failed',
  reason: string,
): Row {
  return { ...base, status, reason };
}

export const MiB = 1024 * 1024;

/** MB/s (10^6 bytes per second) from bytes and milliseconds. */
export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** '256 MiB', '64 KiB', '1,000,000'. */
export function bytesLabel(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function errorText(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? String(e)) : String(e);
}

/** Why the system rows (namespaces, nftables, TUN) cannot run here, or undefined when they can. */
export function notRoot(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  return undefined;
}
