// The playground's build: one bundle made from finack's own src/ modules (no fork of the core), with
// no Node built-ins, within its size budget, and a folder that needs nothing but its three files.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildWeb, GZIP_BUDGET, sizeReport } from '../../tools/build-web.js';

test('build-web: the bundle holds src/core itself, no node: modules, and stays under 150 KB gzipped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'finack-web-'));
  try {
    const b = await buildWeb({ outDir: dir });
    assert.deepEqual(readdirSync(dir).sort(), ['app.js', 'index.html', 'style.css']);
    // The very modules the Node package runs: the core's connection, arrival and endpoint code,
    // the simulator and the trace renderers, from src/ (no copy under web/).
    for (const f of [
      'src/core/connection.ts',
      'src/core/arrive.ts',
      'src/core/endpoint.ts',
      'src/core/time-wait-table.ts',
      'src/sim/network.ts',
      'src/trace/svg.ts',
      'src/trace/pcap.ts',
      'src/wire/tcp-header.ts',
    ]) {
      assert.ok(b.inputs.includes(f), `${f} in the bundle`);
    }
    assert.ok(b.inputs.filter((p) => p.startsWith('src/core/')).length >= 20);
    // Only web/src and the portable layers.
    for (const p of b.inputs) {
      assert.match(p, /^(web\/src|src\/(base|wire|core|trace|io|sim))\//, p);
      assert.doesNotMatch(p, /^src\/(net|cli|drivers|socket|scenarios)\//, p);
    }
    const js = readFileSync(join(dir, 'app.js'), 'utf8');
    assert.doesNotMatch(js, /["']node:[a-z_/]+["']/);
    assert.doesNotMatch(js, /\brequire\(/);
    // A classic script (works from file://), loaded by the page with a relative URL.
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    assert.match(html, /<script src="app\.js" defer><\/script>/);
    assert.doesNotMatch(html, /https?:\/\//);
    // Sizes are measured and reported.
    assert.equal(b.files.length, 3);
    for (const f of b.files) assert.ok(f.bytes > 0 && f.gzip > 0 && f.gzip < f.bytes, f.name);
    assert.ok(b.gzip <= GZIP_BUDGET, `${b.gzip} bytes gzipped`);
    const report = sizeReport(b);
    assert.match(report, /total .* raw .* gzipped/);
    t.diagnostic(report);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
