// Regenerates the diagrams committed under docs/: the `close` scenario's ladder as docs/close.svg (the
// README shows it) and as the interactive page docs/close.html. Each file is exactly what
// `finack demo close --format svg|html` prints, so test/trace/readme-diagram.test.ts can rebuild them in
// memory and fail when a committed one is stale.
//
//   node --import tsx tools/diagrams.ts          write the files
//   node --import tsx tools/diagrams.ts --check  exit 1 (naming them) if any committed file differs

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo } from '../src/cli/demo.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface DiagramFile {
  /** Path from the repository root. */
  path: string;
  text: string;
}

/** The files, as they should be. */
export function diagramFiles(): DiagramFile[] {
  const demo = (format: 'svg' | 'html'): string =>
    runDemo({ scenario: 'close', format, absolute: false, color: false });
  return [
    { path: 'docs/close.svg', text: demo('svg') },
    { path: 'docs/close.html', text: demo('html') },
  ];
}

/** The committed files that differ from what they should be. */
export function staleDiagrams(): string[] {
  return diagramFiles()
    .filter((f) => {
      try {
        return readFileSync(join(ROOT, f.path), 'utf8') !== f.text;
      } catch {
        return true;
      }
    })
    .map((f) => f.path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const stale = staleDiagrams();
    if (stale.length > 0) {
      process.stderr.write(`stale: ${stale.join(', ')} (run node --import tsx tools/diagrams.ts)\n`);
      process.exitCode = 1;
    } else process.stdout.write('diagrams are current\n');
  } else {
    for (const f of diagramFiles()) {
      writeFileSync(join(ROOT, f.path), f.text);
      process.stdout.write(`wrote ${f.path} (${Buffer.byteLength(f.text)} bytes)\n`);
    }
  }
}
