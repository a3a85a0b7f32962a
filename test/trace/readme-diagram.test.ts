import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { diagramFiles, ROOT } from '../../tools/diagrams.js';

test('docs/close.svg and docs/close.html are current (regenerate: node --import tsx tools/diagrams.ts)', () => {
  const files = diagramFiles();
  assert.deepEqual(
    files.map((f) => f.path),
    ['docs/close.svg', 'docs/close.html'],
  );
  for (const f of files) {
    const committed = readFileSync(join(ROOT, f.path), 'utf8');
    assert.ok(committed === f.text, `${f.path} is stale: run node --import tsx tools/diagrams.ts`);
  }
  const svg = files[0]!.text;
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, /<title>finack demo close: four-way close/);
  for (const state of ['FIN-WAIT-1', 'CLOSE-WAIT', 'LAST-ACK', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED'])
    assert.match(svg, new RegExp(`>${state}</text></g>`));
});
