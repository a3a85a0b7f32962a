// The short soak (tools/soak.ts --quick): 2,000 lifecycles over lossy, partitioned, stalling
// simulated networks, every one checked; the full run is `npm run soak`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTool } from './run-tool.js';

test('soak --quick: every lifecycle delivers exactly once or fails on both sides, and leaves nothing behind', () => {
  const r = runTool('soak', ['--quick']);
  assert.equal(r.failed, 0, `${r.stdout}\n${r.stderr}`);
  assert.ok(r.passed >= 2_000, r.stdout);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /lifecycles: 2,000/);
});
