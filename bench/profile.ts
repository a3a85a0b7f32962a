// Summarises V8 CPU profiles (`node --cpu-prof`): self time by function and by file, top first.
//
//   node --cpu-prof --cpu-prof-dir=prof --expose-gc --import tsx bench/run.ts --only bulk
//   node --import tsx bench/profile.ts prof [top-n]
//
// tsx runs a loader thread of its own, which writes a profile too: of the files in the folder, the
// one with the most busy time (not idle) is read, and its name is printed.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(import.meta.dirname, '..');
const IDLE = new Set(['(idle)', '(program)']);

function selfTimes(p: Profile): Map<number, number> {
  const t = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    t.set(id, (t.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  return t;
}

function busy(p: Profile): number {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  let sum = 0;
  for (const [id, us] of selfTimes(p)) if (!IDLE.has(byId.get(id)?.functionName ?? '')) sum += us;
  return sum;
}

function fileOf(url: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

export function summarise(p: Profile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfTimes(p)) {
    const cf = byId.get(id);
    if (cf === undefined) continue;
    total += us;
    const f = fileOf(cf.url);
    const name = `${cf.functionName || '(anonymous)'}${f ? `  ${f}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const k = f || cf.functionName;
    file.set(k, (file.get(k) ?? 0) + us);
  }
  const lines = [
    `total ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy(p) / 1e6).toFixed(1)} s`,
    '',
    'self time by function:',
  ];
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  lines.push('', 'self time by file:');
  for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  return lines.join('\n');
}

const [dir, n] = process.argv.slice(2);
if (dir === undefined) {
  process.stderr.write('usage: node --import tsx bench/profile.ts <folder of .cpuprofile files> [top-n]\n');
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
if (files.length === 0) {
  process.stderr.write(`no .cpuprofile files in ${dir}\n`);
  process.exit(1);
}
const loaded = files.map((f) => ({ f, p: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile }));
loaded.sort((a, b) => busy(b.p) - busy(a.p));
const main = loaded[0] as { f: string; p: Profile };
process.stdout.write(`${main.f}\n${summarise(main.p, Number(n ?? 30))}\n`);
