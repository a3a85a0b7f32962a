// The layering rules of the README's architecture section, checked on the source: the portable entry
// reaches no node:* module (so it runs in browsers), and wire/ and core/ import only wire/ and core/.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** Module specifiers a file imports or re-exports at run time (type-only imports are erased). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gms;
  for (const m of text.matchAll(re)) if (!m[1]) out.push(m[2] as string);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

function resolveTs(from: string, spec: string): string {
  return resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
}

/** Every file reachable from `entry` through run-time imports, and every bare module reached. */
function closure(entry: string): { files: Set<string>; external: Map<string, string> } {
  const files = new Set<string>();
  const external = new Map<string, string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) todo.push(resolveTs(file, spec));
      else if (!external.has(spec)) external.set(spec, relative(src, file));
    }
  }
  return { files, external };
}

test('layers: the portable entry reaches no node:* module and no package', () => {
  const { files, external } = closure(join(src, 'portable.ts'));
  assert.ok(files.size > 20);
  assert.deepEqual([...external.entries()], []);
});

for (const layer of ['wire', 'core']) {
  test(`layers: ${layer}/ imports only base/, wire/ and core/`, () => {
    const dir = join(src, layer);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const file = join(dir, name);
      for (const spec of runtimeImports(file)) {
        assert.ok(spec.startsWith('.'), `${layer}/${name} imports ${spec}`);
        const target = relative(src, resolveTs(file, spec));
        const ok = target.startsWith('base/') || target.startsWith('wire/') || target.startsWith('core/');
        assert.ok(ok, `${layer}/${name} imports ${target}`);
        if (layer === 'wire') assert.ok(!target.startsWith('core/'), `wire/${name} imports ${target}`);
      }
    }
  });
}

test('layers: the main entry adds the net layer, which SimHost.net then offers', async () => {
  const finack = await import('../src/index.js');
  const sim = new finack.SimNetwork({ seed: 1 });
  const net = sim.host('10.0.0.1').net;
  assert.equal(typeof net.createServer, 'function');
  assert.equal(net.isIP('10.0.0.1'), 4);
});
