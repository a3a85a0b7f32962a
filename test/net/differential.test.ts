// Differential tests: every scenario in scenarios/index.ts runs on node:net over 127.0.0.1 and on
// finack's simulated network; the per-socket event sequences (with readyState), error codes, bytes
// received and notes must be identical. See scenarios/harness.ts for what is and is not compared.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKernel, runSim } from './scenarios/harness.js';
import { scenarios } from './scenarios/index.js';

test('at least 25 differential scenarios', () => {
  assert.ok(scenarios.length >= 25, `only ${scenarios.length}`);
});

for (const s of scenarios) {
  test(`differential: ${s.name}${s.note ? ` (${s.note})` : ''}`, async () => {
    const kernel = await runKernel(s);
    const sim = await runSim(s);
    assert.deepEqual(sim, kernel);
  });
}
