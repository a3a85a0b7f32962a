// The named scenarios of `finack demo`, as library code shared by the CLI and the tests.

import { abortScenario } from './abort.js';
import { closeScenario } from './close.js';
import { finWait2TimeoutScenario } from './fin-wait-2-timeout.js';
import { halfCloseScenario } from './half-close.js';
import { handshakeScenario } from './handshake.js';
import { keepaliveScenario } from './keepalive.js';
import { lostFinScenario } from './lost-fin.js';
import { lostFinalAckScenario } from './lost-final-ack.js';
import { oldDuplicateScenario } from './old-duplicate.js';
import { simultaneousCloseScenario } from './simultaneous-close.js';
import { simultaneousOpenScenario } from './simultaneous-open.js';
import type { ScenarioDef, ScenarioOptions, ScenarioResult } from './world.js';

export type { ScenarioDef, ScenarioFacts, ScenarioOptions, ScenarioResult, ScenarioRun } from './world.js';
export { CLIENT, CLIENT_ADDR, DEFAULT_LATENCY, SERVER, SERVER_ADDR, SERVER_PORT } from './world.js';

/** Every scenario, in the order `finack demo --help` lists them. */
export const SCENARIOS: readonly ScenarioDef[] = [
  closeScenario,
  halfCloseScenario,
  simultaneousCloseScenario,
  lostFinalAckScenario,
  lostFinScenario,
  oldDuplicateScenario,
  keepaliveScenario,
  abortScenario,
  finWait2TimeoutScenario,
  handshakeScenario,
  simultaneousOpenScenario,
];

export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);

export function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** Runs a scenario by name; throws RangeError naming the valid ones for an unknown name. */
export function runScenario(name: string, opts: ScenarioOptions = {}): ScenarioResult {
  const def = findScenario(name);
  if (!def) throw new RangeError(`unknown scenario ${JSON.stringify(name)}; valid: ${SCENARIO_NAMES.join(', ')}`);
  return def.run(opts);
}

/** Each scenario as a plain function of its options, by name: `scenarios.close({ msl: 1000 })`. */
export const scenarios: Readonly<Record<string, (opts?: ScenarioOptions) => ScenarioResult>> = Object.fromEntries(
  SCENARIOS.map((s) => [s.name, (opts?: ScenarioOptions) => s.run(opts)]),
);
