// The layering rules of the README's architecture section, checked on the source of src/:
//  - the module graph has no cycle, counting every import: `import type`, re-exports, dynamic
//    import() and module augmentations (`declare module '…'`) included;
//  - each file imports only its own layer or the layers below it, in the order of LEVELS;
//  - only drivers/tun, drivers/pcap-file, drivers/capture-file, drivers/control, net/ and cli/ import Node modules or
//    packages, and the portable entry reaches none of them (so it runs in browsers);
//  - no file is over MAX_LINES lines;
//  - the main entry adds the net layer to SimHost and TunDriver; without it, host.net says so.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

/**
 * The layers from the bottom up. A file may import its own layer and any layer of a lower level;
 * within a level, layers do not import each other except as SAME_LEVEL allows. A layer is a
 * directory of src/ (drivers/tun/ is part of drivers/); the two entries are files of src/ itself.
 */
const LEVELS: readonly (readonly string[])[] = [
  ['base'], // errors, unreachable, the seeded Rng: imports nothing
  ['wire'], // bytes <-> values
  ['core'], // the sans-IO protocol
  ['trace'], // recorder, ladders, JSON, pcap
  // Clock and EventQueue, DriverLoop, the Link fault model: what sim/ and drivers/ share | reading
  // captures (pcap, pcapng) and inferring both endpoints' states from them, as bytes and values
  ['io', 'analyze'],
  ['drivers', 'sim'], // real time, TUN, pcap files | the simulated network
  ['socket', 'packetdrill'], // the BSD-socket facade | the packetdrill interpreter, which drives it
  ['net'], // the node:net look-alike over a simulated host or a TUN driver
  ['scenarios'], // the demo's named runs
  ['cli', 'index.ts', 'portable.ts'], // the `finack` command and the two entries
];

/** Imports between layers of the same level that the architecture has: importer -> imported. */
const SAME_LEVEL: readonly (readonly [string, string])[] = [
  ['packetdrill', 'socket'],
  ['index.ts', 'portable.ts'], // the main entry is the portable one plus the Node-only layers
];

/** Where Node modules and packages may be imported (a directory, or one file without .ts). */
const EXTERNAL_ALLOWED = [
  'drivers/tun/',
  'drivers/pcap-file',
  'drivers/capture-file',
  'drivers/control',
  'net/',
  'cli/',
];

/** Longest a source file may be. */
const MAX_LINES = 800;

const levelOf = new Map<string, number>();
for (const [i, level] of LEVELS.entries()) for (const layer of level) levelOf.set(layer, i);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    )
    .sort();
}

/** The layer of a file of src/: its top directory, or its own name for a file at the top. */
function layerOf(file: string): string {
  const rel = relative(src, file);
  const slash = rel.indexOf('/');
  return slash === -1 ? rel : rel.slice(0, slash);
}

/**
 * The text with comments blanked out (newlines kept), so that examples written in comments are not
 * taken for imports. Strings stay, since module specifiers are strings.
 */
function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && (c === '`' || text[j] !== '\n')) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface Import {
  spec: string;
  kind: 'static' | 'type' | 'dynamic' | 'augmentation' | 'require';
}

/** Every module specifier a file refers to. */
function importsOf(file: string): Import[] {
  const text = withoutComments(readFileSync(file, 'utf8'));
  const out: Import[] = [];
  const statics = /^[ \t]*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statics)) out.push({ spec: m[2] as string, kind: m[1] ? 'type' : 'static' });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push({ spec: m[1] as string, kind: 'dynamic' });
  for (const m of text.matchAll(/^[ \t]*declare\s+module\s+['"]([^'"]+)['"]/gm)) {
    out.push({ spec: m[1] as string, kind: 'augmentation' });
  }
  for (const m of text.matchAll(/\b(?:require|createRequire\([^)]*\))\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push({ spec: m[1] as string, kind: 'require' });
  }
  return out;
}

const isRelative = (spec: string): boolean => spec.startsWith('.');
const isNodeModule = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(spec);

function resolveTs(from: string, spec: string): string {
  return resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
}

const files = sourceFiles(src);
const rel = (file: string): string => relative(src, file);

/** The module graph of src/: each file and the files it refers to, in any way. */
const graph = new Map<string, string[]>();
for (const file of files) {
  graph.set(file, [
    ...new Set(
      importsOf(file)
        .filter((i) => isRelative(i.spec))
        .map((i) => resolveTs(file, i.spec)),
    ),
  ]);
}

test('layers: every relative import names a file of src/', () => {
  const missing: string[] = [];
  for (const [file, targets] of graph) {
    for (const t of targets) if (!existsSync(t)) missing.push(`${rel(file)} -> ${relative(src, t)}`);
  }
  assert.deepEqual(missing, []);
  assert.ok(files.length > 50, `only ${files.length} files found under src/`);
});

/** The strongly connected components of more than one file (or a file importing itself), Tarjan's way. */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** One cycle through `start` inside its component, as a path of files ending where it began. */
function cycleThrough(start: string, component: Set<string>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as string;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = prev.get(at) as string) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

test('layers: the module graph of src/ has no cycle (import type, import() and augmentations included)', () => {
  const found = cycles().map((scc) => {
    const first = [...scc].sort()[0] as string;
    const path = cycleThrough(first, new Set(scc)).map(rel);
    const more = scc.length > path.length - 1 ? `; ${scc.length} files are on cycles with one another` : '';
    return `${path.join(' -> ')}${more}`;
  });
  assert.deepEqual(found, [], `import cycles:\n  ${found.join('\n  ')}`);
});

test('layers: the level table names every layer of src/ once', () => {
  assert.equal(levelOf.size, LEVELS.flat().length, 'a layer appears twice in LEVELS');
  const unknown = [...new Set(files.map(layerOf))].filter((l) => !levelOf.has(l));
  assert.deepEqual(unknown, [], 'layers missing from LEVELS');
  for (const [a, b] of SAME_LEVEL) assert.equal(levelOf.get(a), levelOf.get(b), `${a} and ${b} are not on one level`);
});

test(`layers: each file imports only its own layer or lower ones (${LEVELS.map((l) => l.join(', ')).join(' < ')})`, () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const t of targets) {
      const to = layerOf(t);
      if (to === from) continue;
      const fromLevel = levelOf.get(from) as number;
      const toLevel = levelOf.get(to) as number;
      const sameLevelOk = SAME_LEVEL.some(([a, b]) => a === from && b === to);
      if (toLevel < fromLevel || (toLevel === fromLevel && sameLevelOk)) continue;
      bad.push(`${rel(file)} (${from}) imports ${rel(t)} (${to})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('layers: only drivers/tun, drivers/pcap-file, drivers/capture-file, drivers/control, net and cli import Node modules or packages', () => {
  const bad: string[] = [];
  for (const file of files) {
    const r = rel(file);
    if (EXTERNAL_ALLOWED.some((p) => (p.endsWith('/') ? r.startsWith(p) : r === `${p}.ts`))) continue;
    for (const i of importsOf(file)) if (!isRelative(i.spec)) bad.push(`${r} imports ${i.spec}`);
  }
  assert.deepEqual(bad, []);
});

test('layers: the portable entry reaches no node:* module and no package, even through import type', () => {
  const seen = new Set<string>();
  const external: string[] = [];
  const todo = [join(src, 'portable.ts')];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of importsOf(file)) {
      if (isRelative(i.spec)) todo.push(resolveTs(file, i.spec));
      else external.push(`${rel(file)} imports ${i.spec}${isNodeModule(i.spec) ? '' : ' (a package)'}`);
    }
  }
  assert.ok(seen.size > 20);
  assert.deepEqual(external, []);
});

test(`layers: no file in src/ is over ${MAX_LINES} lines`, () => {
  const long: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').replace(/\n$/, '').split('\n').length;
    if (lines > MAX_LINES) long.push(`${rel(file)}: ${lines} lines`);
  }
  assert.deepEqual(long, []);
});

test('layers: the main entry adds the net layer, which SimHost.net and TunDriver.net then offer', async () => {
  const finack = await import('../src/index.js');
  const sim = new finack.SimNetwork({ seed: 1 });
  const host = sim.host('192.0.2.1');
  const net = host.net;
  assert.equal(typeof net.createServer, 'function');
  assert.equal(net.isIP('192.0.2.1'), 4);
  assert.equal(host.net, finack.netOf(host), 'one net per host');

  const device = { name: 'mem0', mtu: 1500, onPacket: () => {}, write: () => true, close: () => {} };
  const driver = new finack.TunDriver({ device, addresses: ['192.0.2.2'], clock: new finack.VirtualClock(0) });
  assert.equal(driver.net.host, driver);
  assert.equal(driver.net, finack.netOf(driver));
  driver.close({ abort: true });
});

test('layers: under the portable entry, host.net throws a UsageError that names the main entry', () => {
  // In a process of its own: this one has loaded the main entry, and with it the net layer.
  const program = `
    const { SimNetwork } = await import(${JSON.stringify(join(src, 'portable.ts'))});
    const host = new SimNetwork({ seed: 1 }).host('192.0.2.1');
    try { host.net; console.log('no error'); } catch (e) { console.log(e.name, e.code, e.message); }
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    encoding: 'utf8',
  });
  assert.match(out, /^UsageError ERR_TCP_INVALID_STATE .*'finack'/);
});
