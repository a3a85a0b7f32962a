#!/usr/bin/env node
// The `finack` command. `main(argv, io)` does everything and returns the exit code, so tests call it
// directly; the last lines run it when this file is the program (node dist/cli/main.js, or tsx).

import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCENARIO_NAMES, SCENARIOS } from '../scenarios/index.js';
import { CliUsageError, demoHelp, MAIN_HELP, parseCli } from './args.js';
import { runDemo } from './demo.js';
import { runPacketdrillCli } from './packetdrill.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The package version, read from package.json next to src/ or dist/. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Runs the command line `argv` (without node and script). Exit codes: 0 ok, 1 failure, 2 usage error.
 * Commands that talk to a real network (serve, connect) or to running instances (ss) are asynchronous
 * and loaded only when used, so the demo and the conformance runner never touch the TUN driver's native piece.
 */
export function main(argv: readonly string[], io?: CliIo): number | Promise<number> {
  const [first, ...rest] = argv;
  switch (first) {
    case 'serve':
    case 'connect':
      // Without an explicit io these use the process's own streams and signals (connect reads stdin).
      return runTunCommand(first, rest, io);
    case 'ss':
    case 'connections':
      return import('./ss.js').then((ss) => ss.runSs(rest, io));
    case 'analyze':
      return import('./analyze.js').then((a) => a.runAnalyze(rest, io));
    case 'packetdrill':
      return runPacketdrillCli(rest, io ?? processIo());
  }
  return runSync(argv, io ?? processIo());
}

async function runTunCommand(cmd: 'serve' | 'connect', argv: string[], io?: CliIo): Promise<number> {
  const tun = await import('./tun.js');
  if (cmd === 'serve') return tun.runServe(argv, io);
  const code = await tun.runConnect(argv, io);
  // An open standard input (a terminal, a pipe still open) must not keep the finished program alive.
  if (io === undefined) process.stdin.destroy();
  return code;
}

function runSync(argv: readonly string[], io: CliIo): number {
  try {
    const cmd = parseCli(argv, SCENARIO_NAMES);
    switch (cmd.kind) {
      case 'help':
        io.stdout(`${MAIN_HELP}\n`);
        return 0;
      case 'version':
        io.stdout(`finack ${version()}\n`);
        return 0;
      case 'demo-help':
        io.stdout(`${demoHelp(SCENARIOS)}\n`);
        return 0;
      case 'demo-list':
        io.stdout(`${SCENARIO_NAMES.join('\n')}\n`);
        return 0;
      case 'demo':
        io.stdout(runDemo(cmd.options));
        return 0;
    }
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr(`finack: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`finack: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  };
}

function isProgram(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isProgram()) {
  // A closed pipe (`finack demo | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  Promise.resolve(main(process.argv.slice(2))).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`finack: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
