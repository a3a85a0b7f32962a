// finack's own packetdrill scripts (test/packetdrill/scripts): behaviours the external scripts do
// not cover (CLOSING, keepalive, RFC 5961 challenge ACKs, TIME-WAIT restart, FIN-WAIT-2 timeout),
// written from the RFCs. They run on finack's default profile and must all pass. Those under
// scripts/linux/ pin a Linux behaviour each (named at its top, from the kernel source) and run on
// the linux profile, which their defaults.sh line loads as upstream's scripts do.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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

const linuxDir = `${dir}linux/`;
const linuxFiles = readdirSync(linuxDir)
  .filter((f) => f.endsWith('.pkt'))
  .sort();

test('Linux-behaviour scripts of our own, each naming what it pins', () => {
  assert.ok(linuxFiles.length >= 7, `only ${linuxFiles.length}`);
  for (const f of linuxFiles) {
    const head = readFileSync(`${linuxDir}${f}`, 'utf8').split('\n')[0] ?? '';
    assert.match(head, /^\/\/ \S/, `${f} starts with a comment saying what it pins`);
  }
});

for (const f of linuxFiles) {
  test(`own Linux script linux/${f}`, () => {
    const r = runScriptFile(`${linuxDir}${f}`);
    assert.equal(r.status, 'pass', `${r.reason}\n${r.detail.join('\n')}`);
    assert.equal(r.profile, 'linux');
  });
}
