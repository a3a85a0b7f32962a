// `finack packetdrill <file.pkt | dir>... [--json] [--verbose] [--profile NAME] [--defaults-profile NAME]
//  [--option name=value]... [--no-suite-rules]`: runs packetdrill scripts against finack in virtual
// time. One line per script, a line counting what the unsupported scripts needed, a closing
// `N passed, N failed` line; exit status 1 when any fails, 2 on a usage error.
//
// `finack packetdrill --linux-compat [upstream packetdrill options] <file.pkt | dir>...` takes
// upstream's own options verbatim (`--tolerance_usecs=N`, `--bind_port N`, `-v`, `-D NAME=VALUE`,
// ...; packetdrill/options.ts lists them), so an existing suite's command line can point at finack.
// Options that mean nothing for a user-space stack in virtual time are accepted and named, in one
// line on stderr.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type RunOptions, runScriptText } from '../packetdrill/interpreter.js';
import { OptionError, PACKETDRILL_OPTIONS, parseUpstreamArgs } from '../packetdrill/options.js';
import { formatJson, formatText, type NamedResult, summarize } from '../packetdrill/reporter.js';
import { suiteOptions } from '../packetdrill/suites.js';
import { PROFILES } from '../socket/profiles.js';

export interface PacketdrillIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const PACKETDRILL_HELP = `Usage: finack packetdrill <file.pkt | dir>... [options]

Runs packetdrill scripts against finack in virtual time (directories are searched for *.pkt).

Options:
  --json                    machine-readable output
  --verbose, -v             print the ladder and the expected/actual lines of each failure
  --profile NAME            profile for scripts that load none (default: linux-3.11)
  --defaults-profile NAME   profile that a defaults.sh command loads (default: linux)
  --option NAME=VALUE       a script option (as --NAME=VALUE in a script), the script's own win
  --no-suite-rules          do not apply the per-suite harness settings (suites.ts)
  --linux-compat            take upstream packetdrill's options verbatim instead of these
  -h, --help                this text

With --linux-compat, upstream's options:
${Object.entries(PACKETDRILL_OPTIONS)
  .filter(([name]) => name !== 'finack_profile')
  .map(
    ([name, o]) =>
      `  --${name}${o.hasArg ? '=VALUE' : ''}`.padEnd(28) + (o.kind === 'ignored' ? `ignored: ${o.note}` : o.note),
  )
  .join('\n')}

Profiles: ${Object.keys(PROFILES).join(', ')}`;

/** Every *.pkt file under `path` (sorted), or `path` itself when it is a file. */
export function collectScripts(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...collectScripts(p));
    else if (name.endsWith('.pkt')) out.push(p);
  }
  return out;
}

/** Runs one script file with the suite rules (unless disabled). */
export function runScriptFile(path: string, base: RunOptions = {}, suiteRules = true): NamedResult {
  const text = readFileSync(path, 'utf8');
  const opts = suiteRules ? suiteOptions(path, base) : base;
  return { path, ...runScriptText(text, opts) };
}

export function runPacketdrillCli(argv: readonly string[], io: PacketdrillIo): number {
  if (argv.includes('--linux-compat'))
    return runLinuxCompat(
      argv.filter((a) => a !== '--linux-compat'),
      io,
    );
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.stderr(`finack packetdrill: ${e instanceof Error ? e.message : String(e)}\n${PACKETDRILL_HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${PACKETDRILL_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr(`finack packetdrill: no script or directory given\n${PACKETDRILL_HELP}\n`);
    return 2;
  }
  for (const name of [values.profile, values['defaults-profile']]) {
    if (name !== undefined && !PROFILES[name]) {
      io.stderr(`finack packetdrill: unknown profile '${name}' (known: ${Object.keys(PROFILES).join(', ')})\n`);
      return 2;
    }
  }
  const options = new Map<string, string>();
  for (const o of values.option ?? []) {
    const eq = o.indexOf('=');
    options.set((eq < 0 ? o : o.slice(0, eq)).replace(/^--/, ''), eq < 0 ? '' : o.slice(eq + 1));
  }
  const base: RunOptions = {
    ...(values.profile ? { defaultProfile: values.profile } : {}),
    ...(values['defaults-profile'] ? { defaultsProfile: values['defaults-profile'] } : {}),
    ...(options.size > 0 ? { options } : {}),
  };
  return runFiles(positionals, base, io, {
    suiteRules: !values['no-suite-rules'],
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  });
}

/** `--linux-compat`: upstream's options verbatim; the scripts' own option lines still win, as upstream. */
function runLinuxCompat(argv: readonly string[], io: PacketdrillIo): number {
  let parsed: ReturnType<typeof parseUpstreamArgs>;
  try {
    parsed = parseUpstreamArgs(argv);
  } catch (e) {
    const msg = e instanceof OptionError ? e.message : String(e);
    io.stderr(`finack packetdrill --linux-compat: ${msg}\n`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    io.stderr('finack packetdrill --linux-compat: no script or directory given\n');
    return 2;
  }
  if (parsed.ignored.length > 0) {
    io.stderr(
      `finack packetdrill: ignored (no meaning for a user-space stack in virtual time): ${parsed.ignored.map((n) => `--${n}`).join(', ')}\n`,
    );
  }
  const verbose = parsed.options.has('verbose');
  const base: RunOptions = {
    ...(parsed.options.size > 0 ? { options: parsed.options } : {}),
    ...(parsed.defines.size > 0 ? { defines: parsed.defines } : {}),
  };
  return runFiles(parsed.positionals, base, io, { suiteRules: true, json: false, verbose });
}

function runFiles(
  paths: readonly string[],
  base: RunOptions,
  io: PacketdrillIo,
  how: { suiteRules: boolean; json: boolean; verbose: boolean },
): number {
  const files: string[] = [];
  for (const p of paths) {
    let found: string[];
    try {
      found = collectScripts(p);
    } catch {
      io.stderr(`finack packetdrill: cannot read ${p}\n`);
      return 2;
    }
    if (found.length === 0) {
      io.stderr(`finack packetdrill: no .pkt scripts under ${p}\n`);
      return 2;
    }
    files.push(...found);
  }
  // A script with nothing but comments and blank lines tests nothing: it is not a PASS.
  const empty = files.filter((f) => isEmptyScript(readFileSync(f, 'utf8')));
  if (empty.length > 0) {
    for (const f of empty) io.stderr(`finack packetdrill: ${f} is empty (no statements): nothing to run\n`);
    return 1;
  }
  const results = files.map((f) => runScriptFile(f, base, how.suiteRules));
  io.stdout(how.json ? formatJson(results) : formatText(results, { verbose: how.verbose }));
  const s = summarize(results);
  return s.failed > 0 || s.total === 0 ? 1 : 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      profile: { type: 'string' },
      'defaults-profile': { type: 'string' },
      option: { type: 'string', multiple: true },
      'no-suite-rules': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** True for a script of only whitespace and comments (// to the end of a line, or /* ... *\/). */
export function isEmptyScript(text: string): boolean {
  return (
    text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/[^\n]*/g, '')
      .trim() === ''
  );
}
