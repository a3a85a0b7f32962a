import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { SCENARIO_NAMES } from '../../src/scenarios/index.js';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  assert.equal(typeof code, 'number', 'demo, help and version run synchronously');
  return { code: code as number, out, err };
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test('finack --help, --version, demo --help, demo --list', () => {
  const help = run('--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /finack demo \[scenario\]/);
  assert.equal(help.err, '');
  assert.deepEqual(run('--version'), { code: 0, out: `finack ${pkg.version}\n`, err: '' });
  const demoHelp = run('demo', '--help');
  assert.equal(demoHelp.code, 0);
  for (const name of SCENARIO_NAMES) assert.match(demoHelp.out, new RegExp(`^  ${name} `, 'm'));
  assert.match(demoHelp.out, /--msl <duration>/);
  assert.deepEqual(run('demo', '--list'), { code: 0, out: `${SCENARIO_NAMES.join('\n')}\n`, err: '' });
});

test('unknown scenario: exit 2, the valid names on stderr, nothing on stdout', () => {
  const r = run('demo', 'teardown');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.equal(r.err, `finack: unknown scenario "teardown"; valid scenarios: ${SCENARIO_NAMES.join(', ')}\n`);
});

test('bad options: exit 2 with a message', () => {
  for (const argv of [
    ['demo', '--msl', 'later'],
    ['demo', '--format', 'yaml'],
    ['demo', '--seed', 'x'],
    ['demo', '--nope'],
    ['launch'],
  ]) {
    const r = run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, /^finack: /);
  }
});

test('demo (default close): header, ladder in 100 columns, footer with the TIME-WAIT figure', () => {
  const r = run('demo');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^finack demo close — four-way close/);
  assert.match(r.out, /client 192\.0\.2\.1 ⇄ server 192\.0\.2\.2:80/);
  assert.match(r.out, /FIN-WAIT-1 │── FIN,ACK seq=1 ack=1 len=1 /);
  assert.match(r.out, /server CLOSED at 190 ms, client CLOSED at 60,140 ms: TIME-WAIT lasted 60 s = 2×MSL/);
  assert.ok(!r.out.includes('\x1b['));
  for (const line of r.out.split('\n')) assert.ok([...line].length <= 100, line);
});

test('demo --absolute --msl 500ms --color', () => {
  const r = run('demo', 'close', '--absolute', '--msl', '500ms', '--color');
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.includes('\x1b['));
  assert.match(r.out, /TIME-WAIT lasted 1 s = 2×MSL \(MSL 500 ms\)/);
  assert.doesNotMatch(r.out, /FIN,ACK seq=1 ack=1 /);
});

test('demo --format json: one document { scenario, mslMs, events }', () => {
  const r = run('demo', 'close', '--format', 'json', '--msl', '2s');
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.endsWith('\n'));
  assert.equal(r.out.trimEnd().split('\n').length, 1);
  const doc = JSON.parse(r.out) as { scenario: string; mslMs: number; events: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(doc), ['scenario', 'mslMs', 'events']);
  assert.equal(doc.scenario, 'close');
  assert.equal(doc.mslMs, 2000);
  assert.deepEqual(doc.events[0], {
    t: 0,
    endpoint: 'client',
    type: 'state',
    from: 'ESTABLISHED',
    to: 'FIN-WAIT-1',
    cause: doc.events[0]?.cause,
  });
  const fin = doc.events.find((e) => e.type === 'send');
  assert.deepEqual(Object.keys(fin ?? {}), ['t', 'endpoint', 'type', 'seg']);
  assert.deepEqual(Object.keys((fin?.seg as object) ?? {}), ['flags', 'seq', 'ack', 'relSeq', 'relAck', 'len', 'win']);
  const last = doc.events.filter((e) => e.type === 'state').at(-1);
  assert.deepEqual([last?.endpoint, last?.to, last?.t], ['client', 'CLOSED', 140 + 4000]);
});

test('demo old-duplicate --format json carries both runs', () => {
  const r = run('demo', 'old-duplicate', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { runs: { label: string; mslMs: number }[] };
  assert.deepEqual(
    doc.runs.map((x) => x.mslMs),
    [30_000, 0],
  );
});

test('the compiled-or-tsx entry point runs as a program (shebang first, exit code passed on)', () => {
  const file = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  assert.ok(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'));
  const out = execFileSync(process.execPath, ['--import', 'tsx', file, '--version'], { encoding: 'utf8' });
  assert.equal(out, `finack ${pkg.version}\n`);
  assert.throws(
    () => execFileSync(process.execPath, ['--import', 'tsx', file, 'demo', 'nope'], { stdio: 'pipe' }),
    (err: { status?: number }) => err.status === 2,
  );
});

test('every scenario renders within 100 columns (and 80 with --width 80)', () => {
  for (const name of SCENARIO_NAMES) {
    for (const width of [100, 80]) {
      const r = run('demo', name, '--width', String(width));
      assert.equal(r.code, 0, r.err);
      for (const line of r.out.split('\n')) assert.ok([...line].length <= width, `${name}: ${line}`);
    }
  }
});
