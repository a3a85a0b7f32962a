// Builds the browser playground into a folder that works from any static host and from file://:
// index.html, style.css and app.js (one classic script: module scripts do not load from file://).
// The bundle is made by esbuild from web/src/main.ts, which imports finack's own src/ modules (core,
// sim, trace, wire): the page runs the very code the Node package runs. Prints the size, raw and
// gzipped.
//
//   node --import tsx tools/build-web.ts [--out DIR]

import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT = join(ROOT, 'dist-web');
/** The size the whole app should stay under, gzipped. */
export const GZIP_BUDGET = 150 * 1024;

export interface WebBuild {
  outDir: string;
  /** Each file written, with its size raw and gzipped. */
  files: { name: string; bytes: number; gzip: number }[];
  bytes: number;
  gzip: number;
  /** Source files in the bundle, relative to the repository root (from esbuild's metafile). */
  inputs: string[];
}

export async function buildWeb(opts: { outDir?: string; minify?: boolean } = {}): Promise<WebBuild> {
  const outDir = resolve(opts.outDir ?? DEFAULT_OUT);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'web/src/main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: opts.minify ?? true,
    sourcemap: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  copyFileSync(join(ROOT, 'web/index.html'), join(outDir, 'index.html'));
  copyFileSync(join(ROOT, 'web/style.css'), join(outDir, 'style.css'));
  const files = ['index.html', 'style.css', 'app.js'].map((name) => {
    const b = readFileSync(join(outDir, name));
    return { name, bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(ROOT, resolve(ROOT, p)).split('\\').join('/'));
  return {
    outDir,
    files,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    gzip: files.reduce((n, f) => n + f.gzip, 0),
    inputs,
  };
}

export function sizeReport(b: WebBuild): string {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const lines = b.files.map(
    (f) => `  ${f.name.padEnd(11)} ${kb(f.bytes).padStart(9)} raw ${kb(f.gzip).padStart(9)} gzipped`,
  );
  const core = b.inputs.filter((p) => p.startsWith('src/core/')).length;
  lines.push(
    `  ${'total'.padEnd(11)} ${kb(b.bytes).padStart(9)} raw ${kb(b.gzip).padStart(9)} gzipped (budget ${kb(GZIP_BUDGET)})`,
  );
  lines.push(`  ${b.inputs.length} source files bundled, ${core} of them from src/core/`);
  return `built ${b.outDir}\n${lines.join('\n')}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const outDir = i > 0 ? process.argv[i + 1] : undefined;
  buildWeb(outDir ? { outDir } : {}).then(
    (b) => {
      console.log(sizeReport(b));
      if (b.gzip > GZIP_BUDGET) {
        console.error(`over budget: ${b.gzip} bytes gzipped > ${GZIP_BUDGET}`);
        process.exitCode = 1;
      }
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
