// finack's own packetdrill scripts (test/packetdrill/scripts): behaviours the external scripts do
// not cover (CLOSING, keepalive, RFC 5961 challenge ACKs, TIME-WAIT restart, FIN-WAIT-2 timeout),
// written from the RFCs. They run on finack's default profile and must all pass.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScriptFile } from '../../src/cli/packetdrill.js';

const dir = fileURLToPath(new URL('./scripts/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.pkt'))
  .sort();

test('at least 15 scripts of our own', () => {
  assert.ok(files.length >= 15, `only ${files.length}`);
});

for (const f of files) {
  test(`own script ${f}`, () => {
    const r = runScriptFile(`${dir}${f}`);
    assert.equal(r.status, 'pass', `${r.reason}\n${r.detail.join('\n')}`);
    assert.equal(r.profile, 'finack');
  });
}
