// The short fuzz (tools/fuzz.ts --quick): 20,000 generated and mutated inputs against connections
// in every state, the invariants checked after each; the full run is `npm run fuzz`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTool } from './run-tool.js';

test('fuzz --quick: no input breaks an invariant, in any state', () => {
  const r = runTool('fuzz', ['--quick']);
  assert.equal(r.failed, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.passed, 20_000, r.stdout);
  assert.equal(r.status, 0, r.stderr);
  for (const st of [
    'SYN-SENT',
    'SYN-RECEIVED',
    'ESTABLISHED',
    'FIN-WAIT-1',
    'FIN-WAIT-2',
    'CLOSE-WAIT',
    'CLOSING',
    'LAST-ACK',
    'TIME-WAIT',
  ]) {
    assert.match(r.stdout, new RegExp(`inputs starting in ${st}: [1-9]`), st);
  }
});
