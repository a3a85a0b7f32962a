// packetdrill's options, as upstream spells them (its config.c: getopt_long names, `--name=value`
// or `--name value`, `-v`, `-D name=value`). The same names work as option lines in a script and on
// the command line. Each is either applied, or accepted and ignored because it has no meaning for a
// user-space stack in virtual time (a tun device, a wire server, a shared object, the Python
// command); unknown names are errors, as they are upstream.

export type OptionKind = 'applied' | 'ignored';

interface OptionSpec {
  kind: OptionKind;
  /** getopt's has_arg. */
  hasArg: boolean;
  /** What finack does with it (applied) or why it does nothing (ignored). */
  note: string;
}

/** upstream packetdrill's long options (config.c) and finack's own `finack_profile`. */
export const PACKETDRILL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ip_version: { kind: 'applied', hasArg: true, note: 'ipv4, ipv6 or ipv4-mapped-ipv6' },
  bind_port: { kind: 'applied', hasArg: true, note: 'the port bind(..., ...) uses (default 8080)' },
  connect_port: { kind: 'applied', hasArg: true, note: 'the port connect(..., ...) goes to (default 8080)' },
  remote_ip: { kind: 'applied', hasArg: true, note: "the peer's address (a /prefix is dropped)" },
  local_ip: { kind: 'applied', hasArg: true, note: "finack's address" },
  tolerance_usecs: { kind: 'applied', hasArg: true, note: 'timing slack in µs (default 4000)' },
  tolerance_percent: {
    kind: 'applied',
    hasArg: true,
    note: 'timing slack as a percentage of the interval (default 12.5)',
  },
  tcp_ts_tick_usecs: { kind: 'applied', hasArg: true, note: 'checks our TS val at this clock rate' },
  init_scripts: {
    kind: 'applied',
    hasArg: true,
    note: 'commands read before the script (defaults.sh selects the profile)',
  },
  non_fatal: { kind: 'applied', hasArg: true, note: 'packet,syscall: such mismatches are warnings' },
  strict_segments: { kind: 'applied', hasArg: false, note: 'one sent segment per expected line (no TSO merging)' },
  define: { kind: 'applied', hasArg: true, note: 'NAME=VALUE: a symbol for the script' },
  dry_run: { kind: 'applied', hasArg: false, note: 'parse only' },
  verbose: { kind: 'applied', hasArg: false, note: 'the ladder of each failure' },
  mss: {
    kind: 'applied',
    hasArg: true,
    note: 'inbound segments larger than this are delivered whole, as the GSO packets upstream injects',
  },
  finack_profile: { kind: 'applied', hasArg: true, note: "finack's own: the profile a script runs under" },
  mtu: { kind: 'ignored', hasArg: true, note: "finack's MSS comes from the profile, not a device MTU" },
  speed: { kind: 'ignored', hasArg: true, note: 'no tun device' },
  gateway_ip: { kind: 'ignored', hasArg: true, note: 'no routing' },
  netmask_ip: { kind: 'ignored', hasArg: true, note: 'no routing' },
  code_command: { kind: 'ignored', hasArg: true, note: '%{ }% blocks are evaluated in-process, not by Python' },
  code_format: { kind: 'ignored', hasArg: true, note: '%{ }% blocks are evaluated in-process' },
  code_sockopt: { kind: 'ignored', hasArg: true, note: 'tcp_info comes from the socket facade' },
  wire_client: { kind: 'ignored', hasArg: false, note: 'no wire mode' },
  wire_server: { kind: 'ignored', hasArg: false, note: 'no wire mode' },
  wire_server_ip: { kind: 'ignored', hasArg: true, note: 'no wire mode' },
  wire_server_at: { kind: 'ignored', hasArg: true, note: 'no wire mode' },
  wire_server_port: { kind: 'ignored', hasArg: true, note: 'no wire mode' },
  wire_client_dev: { kind: 'ignored', hasArg: true, note: 'no wire mode' },
  wire_server_dev: { kind: 'ignored', hasArg: true, note: 'no wire mode' },
  so_filename: { kind: 'ignored', hasArg: true, note: 'finack is the stack; no shared object is loaded' },
  so_flags: { kind: 'ignored', hasArg: true, note: 'no shared object' },
  tcp_ts_ecr_scaled: { kind: 'ignored', hasArg: false, note: 'our TS ecr is never checked' },
  is_anyip: { kind: 'ignored', hasArg: false, note: 'no tun device' },
  send_omit_free: { kind: 'ignored', hasArg: false, note: 'send buffers are not reused' },
  debug: { kind: 'ignored', hasArg: false, note: 'no debug log' },
};

/** `-v` and `-D` as upstream's short forms. */
const SHORT: Readonly<Record<string, string>> = { v: 'verbose', D: 'define' };

export class OptionError extends Error {
  readonly code = 'ERR_PACKETDRILL_OPTION';
}

export interface ParsedOptions {
  /** name -> value ('' for a flag). `define` may repeat: its values are in `defines`. */
  options: Map<string, string>;
  defines: Map<string, string>;
  /** Options given that finack accepts and ignores, in order, without repeats. */
  ignored: string[];
  /** Operands (script paths). */
  positionals: string[];
}

/**
 * Parses arguments in upstream's spelling: `--name=value`, `--name value` (for options that take
 * one), `--flag`, `-v`, `-D NAME=VALUE` / `-DNAME=VALUE`. Throws OptionError for an unknown name or
 * a missing value.
 */
export function parseUpstreamArgs(argv: readonly string[]): ParsedOptions {
  const out: ParsedOptions = { options: new Map(), defines: new Map(), ignored: [], positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      value = eq < 0 ? undefined : a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length > 1) {
      const long = SHORT[a[1] as string];
      if (!long) throw new OptionError(`unknown option ${a}`);
      name = long;
      value = a.length > 2 ? a.slice(2) : undefined;
    } else {
      out.positionals.push(a);
      continue;
    }
    const spec = PACKETDRILL_OPTIONS[name];
    if (!spec) throw new OptionError(`unknown option --${name}`);
    if (spec.hasArg && value === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw new OptionError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (!spec.hasArg && value !== undefined && a.startsWith('--')) throw new OptionError(`--${name} takes no value`);
    addOption(out, name, value ?? '');
  }
  return out;
}

/** Records one option (shared by the command line and a script's option lines). */
export function addOption(
  out: Pick<ParsedOptions, 'options' | 'defines' | 'ignored'>,
  name: string,
  value: string,
): void {
  const spec = PACKETDRILL_OPTIONS[name];
  if (!spec) throw new OptionError(`unknown option --${name}`);
  if (spec.kind === 'ignored') {
    if (!out.ignored.includes(name)) out.ignored.push(name);
    return;
  }
  if (name === 'define') {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new OptionError(`--define needs NAME=VALUE, got '${value}'`);
    out.defines.set(value.slice(0, eq), value.slice(eq + 1));
    return;
  }
  out.options.set(name, value);
}

/** A number option's value, or an OptionError naming it. */
export function numberOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new OptionError(`bad --${name}: ${JSON.stringify(value)}`);
  }
  return n;
}
