// The package as users get it: `import ... from 'finack'` resolves through package.json "exports"
// (self-reference), and the `finack` binary is the compiled CLI. Both need the build that
// `npm install` runs (the "prepare" script).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, { default: string; types: string }>;
};

test('package: "finack" resolves to the built entry point and exports the main classes', async () => {
  const finack = await import('finack');
  assert.equal(typeof finack.SimNetwork, 'function');
  assert.equal(typeof finack.Connection, 'function');
  assert.equal(typeof finack.Endpoint, 'function');
  assert.equal(finack.TcpState.TimeWait, 'TIME-WAIT');
  assert.equal(finack.DEFAULT_CONFIG.msl, 30_000);
});

test('package: the exports map and the bin point at files the build made', () => {
  const main = pkg.exports['.'];
  assert.ok(main);
  assert.ok(existsSync(`${root}${main.default}`), main.default);
  assert.ok(existsSync(`${root}${main.types}`), main.types);
  const bin = pkg.bin.finack;
  assert.ok(bin);
  assert.match(readFileSync(`${root}${bin}`, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('package: the finack binary runs the demo', () => {
  const out = execFileSync(process.execPath, [`${root}${pkg.bin.finack}`, 'demo', 'handshake', '--format', 'json'], {
    encoding: 'utf8',
  });
  const doc = JSON.parse(out) as { scenario: string; events: { type: string; to?: string }[] };
  assert.equal(doc.scenario, 'handshake');
  assert.ok(doc.events.some((e) => e.type === 'state' && e.to === 'ESTABLISHED'));
});

test('package: finack/portable type-checks in a project without Node types (a browser build)', () => {
  // No @types/node, skipLibCheck off, DOM lib: the declarations of the portable entry must not
  // mention node:* modules, Buffer or NodeJS.
  const dir = mkdtempSync(join(tmpdir(), 'finack-portable-types-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'finack'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: false,
          types: [],
          lib: ['es2022', 'dom'],
          noEmit: true,
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "import { Connection, Endpoint, SimNetwork, formatStats } from 'finack/portable';",
        'const sim = new SimNetwork({ seed: 1 });',
        "const ep: Endpoint = sim.host('192.0.2.1').endpoint;",
        'const text: string = formatStats(ep.stats);',
        'export const parts = [Connection, text];',
        '',
      ].join('\n'),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
