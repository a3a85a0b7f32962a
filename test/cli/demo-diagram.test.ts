import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { main } from '../../src/cli/main.js';
import { runScenario } from '../../src/scenarios/index.js';

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) }) as number;
  return { code, out, err };
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'finack-diagram-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('finack demo --format svg --out writes the SVG to the file and nothing to stdout', () => {
  withDir((dir) => {
    const file = join(dir, 'close.svg');
    const r = run(['demo', 'close', '--format', 'svg', '--out', file]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    const svg = readFileSync(file, 'utf8');
    assert.equal(XMLValidator.validate(svg), true);
    for (const state of ['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED'])
      assert.match(svg, new RegExp(`>${state}</text></g>`));
    assert.match(svg, /client 192\.0\.2\.1/);
    assert.equal(run(['demo', 'close', '--format', 'svg']).out, svg, 'the same bytes on stdout');
  });
});

test('finack demo --format html --out writes one self-contained page with every run', () => {
  withDir((dir) => {
    const file = join(dir, 'old-duplicate.html');
    const r = run(['demo', 'old-duplicate', '--format', 'html', '--out', file]);
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /https?:|\ssrc=/);
    const runs = runScenario('old-duplicate').runs;
    assert.equal((html.match(/<svg /g) ?? []).length, runs.length);
    for (const x of runs) assert.ok(html.includes(x.label));
  });
});

test('finack demo --format svg draws every run of a multi-run scenario', () => {
  const r = run(['demo', 'old-duplicate', '--format', 'svg', '--absolute']);
  assert.equal(r.code, 0, r.err);
  assert.equal(XMLValidator.validate(r.out), true);
  assert.match(r.out, /Run 1 of 2: /);
  assert.match(r.out, /Run 2 of 2: /);
  assert.doesNotMatch(r.out, />SYN seq=0 /, '--absolute: raw sequence numbers');
});

test('finack demo --format text --out, and --ascii: only ASCII', () => {
  withDir((dir) => {
    const file = join(dir, 'lost-fin.txt');
    const r = run(['demo', 'lost-fin', '--ascii', '--out', file]);
    assert.equal(r.code, 0, r.err);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /FIN-WAIT-1/);
    assert.match(text, /^[\t\n -~]*$/, 'nothing but printable ASCII');
    assert.notEqual(text, run(['demo', 'lost-fin']).out);
  });
});

test('finack demo --out into a missing directory is a usage error, and --ascii wants the text format', () => {
  const r = run(['demo', '--format', 'svg', '--out', '/nonexistent-dir/x.svg']);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot write --out/);
  const a = run(['demo', '--format', 'html', '--ascii']);
  assert.equal(a.code, 2);
  assert.match(a.err, /--ascii/);
});
