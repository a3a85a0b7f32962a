// The playground in Firefox (Debian's firefox-esr, over WebDriver BiDi: test/web/firefox-bidi.mjs),
// as the Chromium tests run it: `?scenario=close&autoplay=1` plays the guided four-way close to its
// end, and the page's text then holds every state both sides passed through; no console error, and
// no request beyond the page's own files. Firefox runs in a network namespace with only loopback.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildWeb } from '../../tools/build-web.js';
import { requireSystem } from '../tun/netns.js';

const STATES = ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED'];

test('Firefox: the guided four-way close plays to its end from file://, every state in the page, no errors, no requests', async (t) => {
  if (!requireSystem(t, ['firefox-esr', 'unshare', 'ip'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'finack-web-ff-'));
  try {
    const site = join(dir, 'site');
    await buildWeb({ outDir: site });
    const url = `${pathToFileURL(join(site, 'index.html')).href}?scenario=close&autoplay=1`;
    const script = join(import.meta.dirname, 'firefox-bidi.mjs');
    const r = spawnSync(
      'unshare',
      [
        '-n',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" --experimental-websocket "$@"',
        process.execPath,
        script,
        url,
        '60000',
        ...STATES,
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
      error?: string;
      text?: string;
      consoleErrors?: string[];
      requests?: string[];
    };
    assert.equal(out.error, undefined, out.error);
    for (const s of STATES) assert.ok(out.text?.includes(s), `the page shows ${s}`);
    assert.deepEqual(out.consoleErrors, []);
    // data: URLs hold their bytes in themselves (Firefox loads a built-in font as one): no network.
    const foreign = (out.requests ?? []).filter(
      (u) => !u.startsWith(pathToFileURL(site).href) && !u.startsWith('data:'),
    );
    assert.deepEqual(foreign, [], 'no request beyond the page’s own files');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
