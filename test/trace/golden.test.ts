// Golden files of the text diagram of every scenario: test/trace/golden/<scenario>.txt (Unicode, width
// 100) and <scenario>.ascii.txt (--ascii). A change to the ladder or to a scenario shows up here as
// a diff to read; after checking it by eye, FINACK_UPDATE_GOLDEN=1 rewrites the files:
//   FINACK_UPDATE_GOLDEN=1 node --import tsx --test test/trace/golden.test.ts

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoText } from '../../src/cli/demo.js';
import { findScenario, SCENARIO_NAMES, type ScenarioResult } from '../../src/scenarios/index.js';
import { terminalLadder, toAscii } from '../../src/trace/ladder.js';

const DIR = new URL('./golden/', import.meta.url).pathname;
const UPDATE = process.env.FINACK_UPDATE_GOLDEN === '1';
const WIDTH = 100;

/** The ladder of one run, drawn as `finack demo` draws it. */
function ladder(result: ScenarioResult, i: number, ascii: boolean): string {
  const run = result.runs[i]!;
  return terminalLadder(run.events, {
    lanes: result.lanes,
    laneLabels: [result.lanes[0], result.lanes[1]],
    width: WIDTH,
    notes: run.notes,
    ascii,
  });
}

/** Every run's ladder; a scenario of several runs heads each with its label. */
function golden(result: ScenarioResult, ascii: boolean): string {
  const parts = result.runs.map((run, i) => {
    const body = ladder(result, i, ascii);
    if (result.runs.length === 1) return body;
    const head = `Run ${i + 1} of ${result.runs.length}: ${run.label}`;
    return `${ascii ? toAscii(head) : head}\n\n${body}`;
  });
  return `${parts.join('\n\n')}\n`;
}

function check(file: string, actual: string): void {
  const path = join(DIR, file);
  if (UPDATE) {
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${path} is missing: run with FINACK_UPDATE_GOLDEN=1 and check it by eye`);
  const expected = readFileSync(path, 'utf8');
  if (actual !== expected) {
    const a = actual.split('\n');
    const e = expected.split('\n');
    const at = a.findIndex((l, i) => l !== e[i]);
    assert.fail(
      `${file} differs from line ${at + 1}:\n  expected: ${e[at] ?? '(end)'}\n  actual:   ${a[at] ?? '(end)'}\n` +
        'If the change is right, rewrite the golden files with FINACK_UPDATE_GOLDEN=1 and read the diff.',
    );
  }
}

for (const name of SCENARIO_NAMES) {
  test(`golden text diagram: ${name}`, () => {
    const result = findScenario(name)!.run({});
    const plain = golden(result, false);
    const ascii = golden(result, true);
    check(`${name}.txt`, plain);
    check(`${name}.ascii.txt`, ascii);
    assert.match(ascii, /^[\x20-\x7e\n]*$/, `${name}.ascii.txt: only printable ASCII`);
    for (const text of [plain, ascii]) {
      for (const line of text.split('\n'))
        assert.ok([...line].length <= WIDTH, `${name}: wider than ${WIDTH}: ${line}`);
    }
    // The golden ladders are what `finack demo` and `finack demo --ascii` print.
    const demo = demoText(result, { width: WIDTH });
    const demoAscii = demoText(result, { width: WIDTH, ascii: true });
    for (let i = 0; i < result.runs.length; i++) {
      assert.ok(demo.includes(ladder(result, i, false)), `${name} run ${i + 1}`);
      assert.ok(demoAscii.includes(ladder(result, i, true)), `${name} run ${i + 1}, --ascii`);
    }
  });
}

test('golden files: one pair per scenario, none left over', () => {
  const expected = SCENARIO_NAMES.flatMap((n) => [`${n}.txt`, `${n}.ascii.txt`]).sort();
  assert.deepEqual(readdirSync(DIR).sort(), expected);
});
