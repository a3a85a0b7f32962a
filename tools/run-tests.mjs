// `npm test`: every test/**/*.test.ts, in sorted order, through Node's own test runner with the TAP
// reporter (whose summary lines CI reads). Node 20's --test does not expand globs, and `$(find ...)`
// needs a POSIX shell; this runs wherever Node does. Arguments that name .test.ts files replace
// the full set (`npm test -- test/core/isn.test.ts`); any other argument goes to `node --test`.
// dist/ is built first (about a second): the CLI tests and the benchmark runner's test use it.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const chosen = args.filter((a) => a.endsWith('.test.ts'));
const passOn = args.filter((a) => !a.endsWith('.test.ts'));
const files =
  chosen.length > 0
    ? chosen
    : readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `test/${f.split(sep).join('/')}`)
        .sort();
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.error) throw build.error;
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...passOn, ...files], {
  cwd: root,
  stdio: 'inherit',
});
if (r.error) throw r.error;
process.exit(r.status ?? 1);
