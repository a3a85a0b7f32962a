// Addresses in the project's code, tests, examples, benchmarks and docs come from the documentation
// ranges only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), or are loopback,
// unspecified or broadcast: anything else may be a real network on the machine that runs them.
// This test reads every text file of those trees and reports each other address it finds.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TREES = ['src', 'test', 'examples', 'bench', 'docs', 'web', 'README.md', 'CHANGELOG.md'];
const TEXT = new Set(['.ts', '.js', '.mjs', '.md', '.pkt', '.json', '.html', '.sh', '']);

function* files(path: string): Generator<string> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return; // a tree the repository does not have (yet)
  }
  if (st.isFile()) {
    if (TEXT.has(extname(path))) yield path;
    return;
  }
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    yield* files(join(path, name));
  }
}

// A dotted quad not inside a longer dotted number and not a section reference (§3.10.7.4).
const V4 = /(?<![\w.§])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w.])/g;
// The IPv6 prefixes most often borrowed from real networks: unique local (the fc and fd /8s of
// RFC 4193) and 6to4 (RFC 3056).
const V6 = /(?<![\w:])(f[cd][0-9a-f]{2}|2002):[0-9a-f:]*/gi;

/** An IPv4 address the rule allows, or undefined when the text is not a valid address at all. */
export function allowedV4(octets: readonly string[]): boolean | undefined {
  if (octets.some((o) => (o.length > 1 && o.startsWith('0')) || Number(o) > 255)) return undefined;
  const [a, b, c] = octets.map(Number) as [number, number, number, number];
  const text = octets.join('.');
  if (a === 192 && b === 0 && c === 2) return true;
  if (a === 198 && b === 51 && c === 100) return true;
  if (a === 203 && b === 0 && c === 113) return true;
  if (a === 127) return true; // loopback
  return text === '0.0.0.0' || text === '255.255.255.255' || a === 255; // unspecified, broadcast, masks
}

export function offenders(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(V4)) {
    // A section number written as data: `section: '3.10.7.4'`, `"section":"3.10.7.4"`, "Section 3.10.7.4".
    if (/section\W{0,4}$/i.test(text.slice(Math.max(0, m.index - 16), m.index))) continue;
    if (allowedV4(m.slice(1, 5)) === false) found.push(m[0]);
  }
  for (const m of text.matchAll(V6)) found.push(m[0]);
  return found;
}

test('the scanner: documentation ranges, loopback and section numbers pass; others do not', () => {
  assert.deepEqual(offenders('192.0.2.1 198.51.100.7 203.0.113.254 127.0.0.1 0.0.0.0 255.255.255.0'), []);
  assert.deepEqual(offenders('RFC 9293 §3.10.7.4 and §4.2.3.6; version 1.2.3; 256.0.0.1; 01.2.3.4'), []);
  assert.deepEqual(offenders(`{ section: '3.10.7.4' } {"section":"3.10.7.2"} Section 3.10.7.3`), []);
  assert.deepEqual(offenders('2001:db8::1 and ::1 and fe80::1'), []);
  // What must be refused is put together here, so that not even this file holds such an address.
  const v4 = (...parts: number[]): string => parts.join('.');
  const refused = [v4(10, 0, 0, 1), v4(192, 168, 1, 1), v4(172, 16, 0, 1), v4(8, 8, 8, 8)];
  assert.deepEqual(offenders(`'${refused[0]}', ${refused.slice(1).join(', ')}`), refused);
  const v6 = [
    ['fd00', '', '2'],
    ['FD12', '3456', '', '1'],
    ['2002', 'c000', '201', '', '1'],
  ].map((g) => g.join(':'));
  assert.deepEqual(offenders(v6.join(' ')), v6);
});

test('every address in the repository is from a documentation range (or loopback)', () => {
  const bad: string[] = [];
  let scanned = 0;
  for (const tree of TREES) {
    for (const file of files(join(root, tree))) {
      scanned++;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const a of offenders(line)) bad.push(`${relative(root, file)}:${i + 1}: ${a}`);
      });
    }
  }
  assert.ok(scanned > 100, `scanned ${scanned} files`);
  assert.deepEqual(bad, []);
});
