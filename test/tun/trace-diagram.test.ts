// `finack serve --trace FILE.svg|FILE.html` (src/cli/trace-output.ts): the kernel talks to finack
// through a TUN device in a namespace of the test's own, and when serve ends it writes the ladder
// diagram of each connection, with finack's real states and the kernel's segments.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { FINACK, requireSystem, tunArgs, withNetns } from './netns.js';

for (const format of ['svg', 'html'] as const) {
  test(`serve --trace x.${format}: a diagram of each connection, with the states finack went through`, async (t) => {
    if (!requireSystem(t, ['ip', 'nc'])) return;
    await withNetns(async (ns) => {
      const file = ns.file(`serve.${format}`);
      const serve = ns.finack('serve', [...tunArgs(), '--port', '7', '--mode', 'echo', '--trace', file]);
      await serve.until((x) => x.stderr.includes('listening on'), 20_000, 'finack serve to listen');
      // Two connections from the kernel: each sends a line, half-closes, reads the echo.
      for (const line of ['one', 'two']) {
        const r = ns.run('nc', ['-N', '-w', '5', FINACK, '7'], { input: `${line}\n` });
        assert.equal(r.stdout, `${line}\n`);
      }
      serve.kill('SIGTERM');
      const r = await serve.wait(10_000);
      assert.equal(r.code, 0, r.stderr);
      const text = readFileSync(file, 'utf8');
      if (format === 'svg') assert.equal(XMLValidator.validate(text), true);
      else {
        assert.match(text, /^<!DOCTYPE html>/i);
        assert.doesNotMatch(text, /\b(src|href)="(https?:)?\/\//);
      }
      assert.match(text, /Connection 1: /);
      assert.match(text, /Connection 2: /);
      // The kernel closed first (nc -N): finack went through CLOSE-WAIT and LAST-ACK.
      for (const s of ['SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']) {
        assert.ok(text.includes(s), `${format} shows ${s}`);
      }
    });
  });
}
