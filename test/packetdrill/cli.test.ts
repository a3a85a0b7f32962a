import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runPacketdrillCli } from '../../src/cli/packetdrill.js';

const scripts = fileURLToPath(new URL('./scripts', import.meta.url));

function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = runPacketdrillCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

test('a directory of passing scripts: one PASS line each, summary, exit 0', () => {
  const r = cli([scripts]);
  assert.equal(r.code, 0, r.out);
  const lines = r.out.trimEnd().split('\n');
  const last = lines.at(-1) ?? '';
  assert.match(last, /^\d+ passed, 0 failed$/);
  assert.ok(lines.slice(0, -1).every((l) => l.startsWith('PASS ')));
});

test('--json and a failure give exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-pd-'));
  const file = join(dir, 'fails.pkt');
  // Nothing answers a listener that got no SYN: the expected SYN-ACK never comes.
  writeFileSync(
    file,
    '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 > S. 0:0(0) ack 1 <...>\n',
  );
  try {
    const r = cli([file, '--json']);
    assert.equal(r.code, 1);
    const j = JSON.parse(r.out) as {
      passed: number;
      failed: number;
      scripts: { status: string; line?: number; reason: string }[];
    };
    assert.equal(j.passed, 0);
    assert.equal(j.failed, 1);
    assert.equal(j.scripts[0]?.status, 'fail');
    assert.equal(j.scripts[0]?.line, 4);
    const text = cli([file]);
    assert.equal(text.code, 1);
    assert.match(
      text.out,
      /^FAIL .*fails\.pkt: line 4: expected > S\. 0:0\(0\) ack 1 <\.\.\.> .*finack sent nothing\n0 passed, 1 failed\n$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2', () => {
  assert.equal(cli([]).code, 2);
  assert.equal(cli([scripts, '--profile', 'nope']).code, 2);
  assert.equal(cli(['/nonexistent/dir']).code, 2);
});

test('an empty script, one of only comments, or a directory with no scripts is not a PASS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-pd-empty-'));
  try {
    const empty = join(dir, 'empty.pkt');
    const comments = join(dir, 'comments.pkt');
    writeFileSync(empty, '');
    writeFileSync(comments, '// a title\n\n/* and a\n   block */\n   \n');
    for (const f of [empty, comments]) {
      const r = cli([f]);
      assert.equal(r.code, 1, f);
      assert.equal(r.out, '');
      assert.match(r.err, /is empty \(no statements\): nothing to run/);
    }
    const none = mkdtempSync(join(dir, 'none-'));
    writeFileSync(join(none, 'README.txt'), 'not a script\n');
    const r = cli([none]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no \.pkt scripts under/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
