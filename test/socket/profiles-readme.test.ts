// The README lists every difference between finack's default profile and the linux profile; this
// test computes the differences from the code and checks that each one has its row.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { FINACK_PROFILE, LINUX_PROFILE } from '../../src/socket/profiles.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf("### finack's default profile and the `linux` profile");
const table = readme.slice(start, readme.indexOf('\n## ', start));

test('README: every setting in which the linux profile differs from the default has a row', () => {
  assert.ok(start > 0, 'the README has the profile section');
  const differing = [
    ...Object.entries(LINUX_PROFILE.config)
      .filter(([k, v]) => (DEFAULT_CONFIG as unknown as Record<string, unknown>)[k] !== v)
      .map(([k]) => k),
    ...Object.entries(LINUX_PROFILE.behaviour)
      .filter(([k, v]) => (FINACK_PROFILE.behaviour as unknown as Record<string, unknown>)[k] !== v)
      .map(([k]) => k),
  ];
  assert.ok(differing.length >= 10);
  for (const key of differing) assert.match(table, new RegExp(`^\\| \`${key}\` \\|`, 'm'), `${key} has a row`);
  // And no row names a setting that does not differ.
  const rows = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(rows.sort(), differing.sort());
});
