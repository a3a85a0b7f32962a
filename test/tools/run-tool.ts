// Runs one of the proof tools (tools/*.ts) in a child process, as `npm run <tool>` does, and reads its
// closing line `N passed, N failed`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
  passed: number;
  failed: number;
}

export function runTool(name: string, args: string[], timeoutMs = 120_000): ToolRun {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `tools/${name}.ts`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  const last = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(last);
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    passed: m ? Number(m[1]) : -1,
    failed: m ? Number(m[2]) : -1,
  };
}
