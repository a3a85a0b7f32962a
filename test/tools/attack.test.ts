// The short attack run (tools/attack.ts --quick): 20,000 blind segments, a 10,000-SYN flood with 100
// real clients, 30 RSTs into TIME-WAIT, 3 rounds of an out-of-order flood on 50 connections; the full
// run is `npm run attack`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTool } from './run-tool.js';

test('attack --quick: no reset, no injected byte, no lockout; every client through the flood; TIME-WAIT kept', () => {
  const r = runTool('attack', ['--quick']);
  assert.equal(r.failed, 0, `${r.stdout}\n${r.stderr}`);
  assert.ok(r.passed >= 10, r.stdout);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /forged segments sent: 20,000/);
  assert.match(r.stdout, /connected \/ failed: 100 \/ 0/);
  assert.match(r.stdout, /ok +out-of-order: held bytes never exceed the host limit/);
  assert.match(r.stdout, /ok +out-of-order: every genuine message arrives whole \(50 of 50/);
});
