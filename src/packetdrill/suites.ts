// How upstream harnesses run their scripts, as data. Some suites are run by their own harness with
// command-line flags the scripts do not carry (gVisor passes --tolerance_usecs=100000 and uses
// 2 MiB buffers). These rules apply per suite, recognised by the folder layout the suite has
// upstream; they never name a single script. `finack packetdrill --no-suite-rules` turns them off.

import type { RunOptions } from './interpreter.js';

export interface SuiteRule {
  /** A path fragment (with '/' separators) that identifies the suite's folder. */
  pathContains: string;
  why: string;
  options: RunOptions;
}

export const SUITE_RULES: readonly SuiteRule[] = [
  {
    pathContains: '/gvisor/test/packetdrill/',
    why: "gVisor's packetdrill_test.sh runs every script with --tolerance_usecs=100000 and 2 MiB socket buffers",
    options: { defaultProfile: 'gvisor', options: new Map([['tolerance_usecs', '100000']]) },
  },
  {
    pathContains: '/gtests/net/tcp/',
    why:
      "packetdrill's gtests/net/tcp tree is written for current Linux defaults (wscale 8 from a 15 MiB tcp_rmem); " +
      'older copies of some files have their defaults.sh line commented out, which a run on a current kernel does not need',
    options: { defaultProfile: 'linux' },
  },
];

/** The run options for a script at `path` (absolute or relative; '/' or '\\' separators). */
export function suiteOptions(path: string, base: RunOptions = {}): RunOptions {
  const p = `/${path.replace(/\\/g, '/')}`;
  for (const r of SUITE_RULES) {
    if (p.includes(r.pathContains)) {
      const options = new Map(base.options ?? []);
      for (const [k, v] of r.options.options ?? []) if (!options.has(k)) options.set(k, v);
      return {
        ...base,
        ...r.options,
        ...(base.defaultProfile ? { defaultProfile: base.defaultProfile } : {}),
        options,
      };
    }
  }
  return base;
}
