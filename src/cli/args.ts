// Command-line parsing for `finack`. Pure: takes argv, returns what to do or throws CliUsageError
// (exit code 2) with a message meant for the user.

import { parseArgs } from 'node:util';

export class CliUsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export type OutputFormat = 'text' | 'json' | 'svg' | 'html';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'svg', 'html'];

export interface DemoOptions {
  scenario: string;
  format: OutputFormat;
  absolute: boolean;
  color: boolean;
  /** MSL in ms, when given. */
  msl?: number;
  seed?: number;
  /** Terminal width for the ladder (default 100). */
  width?: number;
  /** Also write the scenario's segments to this pcap file. */
  pcap?: string;
  /** Write the output to this file instead of standard output. */
  out?: string;
  /** The text ladder in plain ASCII (no box drawing, no colour). */
  ascii?: boolean;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'demo-help' }
  | { kind: 'demo-list' }
  | { kind: 'demo'; options: DemoOptions };

export const DEFAULT_SCENARIO = 'close';

export const MAIN_HELP = `finack — a user-space TCP stack in TypeScript with an observable connection lifecycle

Usage:
  finack demo [scenario] [options]   run a scenario on the simulated network and draw its ladder
  finack packetdrill <file|dir>...   run packetdrill scripts against finack in virtual time
  finack serve --tun <if> ...        a finack server on a TUN device, reachable from the kernel
  finack connect --tun <if> ...      a finack client on a TUN device: stdin out, what arrives to stdout
  finack ss [--pid <pid>] ...        connection tables of running finack instances, like ss -tanoi
                                     (alias: connections; finack ss --help for filters, --json, --watch)
  finack analyze <capture|trace>     each TCP connection of a pcap/pcapng (or a finack trace): both
                                     sides' states, how it closed, findings; diagrams (--format svg|html)
  finack --help                      this help
  finack --version                   the version

Run \`finack demo --help\` for the scenarios and options.`;

export function demoHelp(scenarios: readonly { name: string; title: string }[]): string {
  const w = Math.max(...scenarios.map((s) => s.name.length));
  const list = scenarios.map((s) => `  ${s.name.padEnd(w)}  ${s.title}`).join('\n');
  return `Usage: finack demo [scenario] [options]

Runs a scenario between "client" (192.0.2.1) and "server" (192.0.2.2, port 80) on the simulated
network, in virtual time, and prints a ladder diagram of every segment, state change and timer.

Scenarios (default: ${DEFAULT_SCENARIO}):
${list}

Options:
  --format <fmt>        text: the ladder (default); json: { scenario, mslMs, events } on one line
                        (t: ms of virtual time since the scenario's start); svg: the ladder as
                        an SVG image; html: one self-contained page with the SVG, details on
                        hover, relative/absolute numbers, explained states and step-through
  --out <file>          write the output to a file instead of standard output
  --ascii               the text ladder in plain ASCII (no box drawing, no colour)
  --absolute            absolute sequence numbers (default: relative to each side's ISN)
  --msl <duration>      Maximum Segment Lifetime: 30s (default), 500ms, 2m, or plain ms (1500)
  --seed <n>            seed of the simulated network (integer, default 1)
  --color               ANSI colours in the ladder
  --width <columns>     ladder width (default 100, at least 80)
  --pcap <file>         also write every segment sent to a pcap file (raw IP, virtual time)
  --list                list the scenario names, one per line
  -h, --help            this help`;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** '30s', '500ms', '2m', '1h', '1.5s' or plain milliseconds ('1500') → integer ms. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new CliUsageError(`invalid duration ${JSON.stringify(text)}: use e.g. 30s, 500ms, 2m or plain ms`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  if (!Number.isSafeInteger(Math.round(ms)) || Math.abs(ms - Math.round(ms)) > 1e-9) {
    throw new CliUsageError(`invalid duration ${JSON.stringify(text)}: not a whole number of milliseconds`);
  }
  return Math.round(ms);
}

function parseIntOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new CliUsageError(`--${name} wants an integer, got ${JSON.stringify(text)}`);
  const n = Number(text.trim());
  if (n < min || n > max) throw new CliUsageError(`--${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

/**
 * argv without the node and script paths. `scenarios`: the valid names, for the error on an unknown one.
 * Throws CliUsageError for anything it cannot accept.
 */
export function parseCli(argv: readonly string[], scenarios: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first !== undefined && rest.length > 0 && first === 'help' && rest[0] === 'demo') return { kind: 'demo-help' };
    return { kind: 'help' };
  }
  if (first === '--version' || first === '-v' || first === 'version') return { kind: 'version' };
  if (first !== 'demo') {
    if (first.startsWith('-')) throw new CliUsageError(`unknown option ${first} (try finack --help)`);
    throw new CliUsageError(
      `unknown command ${JSON.stringify(first)} (commands: demo, packetdrill, serve, connect, ss, connections; try finack --help)`,
    );
  }
  return parseDemo(rest, scenarios);
}

function parseDemo(argv: readonly string[], scenarios: readonly string[]): Command {
  let parsed: ReturnType<typeof parseDemoArgs>;
  try {
    parsed = parseDemoArgs(argv);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CliUsageError(`${msg.replace(/\. To specify a positional argument.*$/s, '')} (try finack demo --help)`);
  }
  const v = parsed.values;
  if (v.help) return { kind: 'demo-help' };
  if (v.list) return { kind: 'demo-list' };
  if (parsed.positionals.length > 1) {
    throw new CliUsageError(
      `one scenario at a time, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`,
    );
  }
  const scenario = parsed.positionals[0] ?? DEFAULT_SCENARIO;
  if (!scenarios.includes(scenario)) {
    throw new CliUsageError(`unknown scenario ${JSON.stringify(scenario)}; valid scenarios: ${scenarios.join(', ')}`);
  }
  const format = (v.format ?? 'text') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new CliUsageError(`--format must be text, json, svg or html, got ${JSON.stringify(v.format)}`);
  }
  if (v.ascii && format !== 'text') {
    throw new CliUsageError(`--ascii is for the text ladder, not --format ${format}`);
  }
  if (v.out !== undefined && v.out === '') throw new CliUsageError('--out wants a file name');
  const options: DemoOptions = {
    scenario,
    format,
    absolute: v.absolute ?? false,
    color: v.color ?? false,
  };
  if (v.msl !== undefined) options.msl = parseDuration(v.msl);
  if (v.seed !== undefined) options.seed = parseIntOption('seed', v.seed, 0, 0xffff_ffff);
  if (v.width !== undefined) options.width = parseIntOption('width', v.width, 80, 1000);
  if (v.pcap !== undefined) options.pcap = v.pcap;
  if (v.out !== undefined) options.out = v.out;
  if (v.ascii) options.ascii = true;
  return { kind: 'demo', options };
}

function parseDemoArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      absolute: { type: 'boolean' },
      color: { type: 'boolean' },
      msl: { type: 'string' },
      seed: { type: 'string' },
      width: { type: 'string' },
      pcap: { type: 'string' },
      out: { type: 'string' },
      ascii: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/**
 * What a command's argument parser gives, or the exit code when nothing more is to be done: its
 * help printed on stdout (0), or a usage error said on stderr (the error's code, 2). Other errors
 * propagate.
 */
export function optionsOrExit<T>(
  parse: () => T | 'help',
  help: string,
  io: { stdout(text: string): void; stderr(text: string): void },
): T | { exit: number } {
  let o: T | 'help';
  try {
    o = parse();
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.stderr(`finack: ${err.message}\n`);
      return { exit: err.exitCode };
    }
    throw err;
  }
  if (o === 'help') {
    io.stdout(`${help}\n`);
    return { exit: 0 };
  }
  return o;
}
