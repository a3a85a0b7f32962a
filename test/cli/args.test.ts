import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliUsageError, parseCli, parseDuration } from '../../src/cli/args.js';

const NAMES = ['close', 'half-close', 'keepalive'];

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CliUsageError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, pattern);
    return true;
  });
}

test('parseDuration: units and plain milliseconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('2min'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('1500'), 1500);
  assert.equal(parseDuration('0'), 0);
  usageError(() => parseDuration('fast'), /invalid duration "fast"/);
  usageError(() => parseDuration('-1s'), /invalid duration/);
  usageError(() => parseDuration('0.5ms'), /whole number of milliseconds/);
  usageError(() => parseDuration(''), /invalid duration/);
});

test('parseCli: help and version', () => {
  assert.deepEqual(parseCli([], NAMES), { kind: 'help' });
  assert.deepEqual(parseCli(['--help'], NAMES), { kind: 'help' });
  assert.deepEqual(parseCli(['-h'], NAMES), { kind: 'help' });
  assert.deepEqual(parseCli(['--version'], NAMES), { kind: 'version' });
  assert.deepEqual(parseCli(['demo', '--help'], NAMES), { kind: 'demo-help' });
  assert.deepEqual(parseCli(['demo', 'close', '-h'], NAMES), { kind: 'demo-help' });
  assert.deepEqual(parseCli(['demo', '--list'], NAMES), { kind: 'demo-list' });
});

test('parseCli: demo defaults to the close scenario, text, relative numbers, no colour', () => {
  assert.deepEqual(parseCli(['demo'], NAMES), {
    kind: 'demo',
    options: { scenario: 'close', format: 'text', absolute: false, color: false },
  });
});

test('parseCli: demo with every option', () => {
  assert.deepEqual(
    parseCli(
      ['demo', 'keepalive', '--format', 'json', '--absolute', '--color', '--msl', '2m', '--seed=7', '--width', '120'],
      NAMES,
    ),
    {
      kind: 'demo',
      options: {
        scenario: 'keepalive',
        format: 'json',
        absolute: true,
        color: true,
        msl: 120_000,
        seed: 7,
        width: 120,
      },
    },
  );
  assert.equal(parseCli(['demo', '--msl', '500'], NAMES).kind, 'demo');
});

test('parseCli: errors name the problem (exit code 2)', () => {
  usageError(
    () => parseCli(['demo', 'nope'], NAMES),
    /unknown scenario "nope"; valid scenarios: close, half-close, keepalive/,
  );
  usageError(() => parseCli(['demo', 'close', 'keepalive'], NAMES), /one scenario at a time/);
  usageError(() => parseCli(['demo', '--format', 'xml'], NAMES), /--format must be text, json, svg or html, got "xml"/);
  usageError(() => parseCli(['demo', '--msl', 'soon'], NAMES), /invalid duration "soon"/);
  usageError(() => parseCli(['demo', '--seed', '-3'], NAMES), /--seed/);
  usageError(() => parseCli(['demo', '--seed', '1.5'], NAMES), /--seed wants an integer/);
  usageError(() => parseCli(['demo', '--width', '40'], NAMES), /--width must be in \[80, 1000\]/);
  usageError(() => parseCli(['demo', '--bogus'], NAMES), /bogus.*finack demo --help/);
  usageError(() => parseCli(['demo', '--msl'], NAMES), /--msl/);
  usageError(() => parseCli(['serve'], NAMES), /unknown command "serve"/);
  usageError(() => parseCli(['--frobnicate'], NAMES), /unknown option --frobnicate/);
});

test('parseCli: demo --format svg|html, --out and --ascii', () => {
  for (const format of ['svg', 'html'] as const) {
    assert.deepEqual(parseCli(['demo', 'close', '--format', format, '--out', `x.${format}`], NAMES), {
      kind: 'demo',
      options: { scenario: 'close', format, absolute: false, color: false, out: `x.${format}` },
    });
  }
  assert.deepEqual(parseCli(['demo', 'keepalive', '--ascii'], NAMES), {
    kind: 'demo',
    options: { scenario: 'keepalive', format: 'text', absolute: false, color: false, ascii: true },
  });
  usageError(() => parseCli(['demo', '--format', 'svg', '--ascii'], NAMES), /--ascii is for the text ladder/);
  usageError(() => parseCli(['demo', '--out'], NAMES), /--out/);
  usageError(() => parseCli(['demo', '--out='], NAMES), /--out wants a file name/);
});
