// Runs the external packetdrill scripts (../shared/conformance/packetdrill, or FINACK_PACKETDRILL_DIR)
// through the same runner as `finack packetdrill`, one subtest per script.
//
// KNOWN_FAILURES lists every script that does not pass yet, with the reason. Those subtests are
// marked todo, so `npm test` stays green, but the list must stay exact: a listed script that
// starts passing fails its subtest ("remove it from KNOWN_FAILURES"), and an unlisted script that
// fails, fails. When the directory is absent the suite is skipped with the reason, or fails when
// FINACK_REQUIRE_SYSTEM=1 (CI).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectScripts, runScriptFile } from '../../src/cli/packetdrill.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = process.env.FINACK_PACKETDRILL_DIR ?? resolve(repoRoot, '../shared/conformance/packetdrill');

/** Path under the directory -> why it fails today. Must be exact (see the header). */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

const present = existsSync(dir);
const required = process.env.FINACK_REQUIRE_SYSTEM === '1';

if (!present) {
  const why = `packetdrill scripts not found at ${dir} (set FINACK_PACKETDRILL_DIR)`;
  test('packetdrill conformance scripts', { skip: required ? false : why }, () => {
    assert.fail(`${why}; FINACK_REQUIRE_SYSTEM=1 makes this a failure`);
  });
} else {
  const files = collectScripts(dir);
  const names = files.map((f) => relative(dir, f).split('\\').join('/'));

  test('packetdrill conformance: the directory holds the scripts KNOWN_FAILURES names', () => {
    assert.ok(files.length > 0, `no *.pkt under ${dir}`);
    for (const name of Object.keys(KNOWN_FAILURES))
      assert.ok(names.includes(name), `KNOWN_FAILURES names a missing script ${name}`);
  });

  for (const [i, file] of files.entries()) {
    const name = names[i] as string;
    const known = KNOWN_FAILURES[name];
    if (known === undefined) {
      test(`packetdrill ${name}`, () => {
        const r = runScriptFile(file);
        assert.equal(r.status, 'pass', `${r.reason}\n${r.detail.join('\n')}`);
      });
    } else {
      // Run now, so the subtest can be todo (not failing the run) only while the script really
      // fails: a listed script that passes is a plain failing subtest, so the list stays exact.
      const r = runScriptFile(file);
      if (r.status === 'pass') {
        test(`packetdrill ${name}`, () => {
          assert.fail(`${name} passes now: remove it from KNOWN_FAILURES`);
        });
      } else {
        test(`packetdrill ${name}`, { todo: `${known} [now: ${r.reason}]` }, () => {
          assert.notEqual(r.status, 'pass');
        });
      }
    }
  }
}
