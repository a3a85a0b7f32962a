// Runs a parsed packetdrill script against finack in virtual time (PACKETDRILL-SUBSET.md).
//
// The script plays the peer and the application. The stack is a SocketKernel (socket/kernel.ts)
// over one Endpoint. Inbound packets and syscalls happen exactly at their times; timers run up to
// each event; what the stack sends is queued with its time and compared with `>` lines. Blocking
// syscalls (`a...b`) wait as a thread would: they are retried after every change and must return
// inside their window. Backquoted commands are never executed: they select a profile and sysctl
// overrides. Nothing here knows any script by name.

import { unreachable } from '../base/unreachable.js';
import { AF_INET, AF_INET6, SYMBOLS, TCP_INFO_SYMBOLS } from '../socket/constants.js';
import { BLOCKED, type Blocked, SocketKernel, type SysResult } from '../socket/kernel.js';
import { applySysctls, PROFILES, type Profile } from '../socket/profiles.js';
import { TCP_INFO_UNFILLED } from '../socket/tcp-info.js';
import { decodePacket, encodePacket, type Packet } from '../wire/ip.js';
import { ACK, makeSegment, RST, type Segment, SYN, type TcpOptions } from '../wire/segment.js';
import { seqAdd } from '../wire/seq.js';
import {
  OPT_EOL,
  OPT_MSS,
  OPT_NOP,
  OPT_SACK,
  OPT_SACK_PERMITTED,
  OPT_TIMESTAMPS,
  OPT_WSCALE,
} from '../wire/tcp-header.js';
import { classifyCommand, commandLines } from './commands.js';
import { ScriptFailure, unsupported } from './failure.js';
import { compareOutbound, formatExpected, formatSegment, type MatchContext, tsoCount } from './matcher.js';
import { addOption, numberOption, OptionError, PACKETDRILL_OPTIONS } from './options.js';
import {
  type PacketEvent,
  parseScript,
  type Script,
  type ScriptEvent,
  ScriptSyntaxError,
  type SyscallEvent,
  type TimeSpec,
  type TimeValue,
} from './parser.js';
import { FdMap, prepareSyscall, type SyscallHost } from './syscalls.js';
import { evaluateAsserts } from './tcpinfo-assert.js';

export type { ScriptStatus } from './failure.js';

export const LOCAL_ADDRESS = '198.51.100.201';
export const REMOTE_ADDRESS = '192.0.2.1';
/** IPv6 runs (--ip_version=ipv6): documentation addresses (RFC 3849), the peer's as upstream's default. */
export const LOCAL_ADDRESS_V6 = '2001:db8:0:1::201';
export const REMOTE_ADDRESS_V6 = '2001:db8::1';
/** The peer's source port for inbound connections (packetdrill picks an ephemeral one). */
export const REMOTE_EPHEMERAL_PORT = 48_998;
export const DEFAULT_BIND_PORT = 8080;
/** How long an expected outbound packet may be late before the script fails (packetdrill: 2 s). */
const OUTBOUND_GRACE_US = 2_000_000;
/** How far `*` waits for a packet. */
const ANY_TIME_LIMIT_US = 600_000_000;

export interface ScriptResult {
  status: import('./failure.js').ScriptStatus;
  /** One line: why it failed (empty on pass). */
  reason: string;
  /** Script line of the failing event. */
  line?: number;
  /** A short ladder of the last packets, then the expected line and what was sent. */
  detail: string[];
  /** Profile the script ran with. */
  profile: string;
  /** Virtual time at the end, µs. */
  elapsedUs: number;
  /** For status 'unsupported': what the script needed (`syscall epoll_create`, `setsockopt TCP_CORK`). */
  unsupported?: string;
  /** Mismatches that --non_fatal turned into warnings. */
  warnings?: string[];
  /** Options the script or the caller gave that have no meaning here (accepted, ignored). */
  ignoredOptions?: string[];
}

export interface RunOptions {
  /** Profile for scripts that load none with a backquoted command. Default 'linux-3.11'. */
  defaultProfile?: string;
  /** Profile loaded by a `defaults.sh` command. Default 'linux'. */
  defaultsProfile?: string;
  /** Script options (`--name=value`) applied before the script's own (the script's win). */
  options?: ReadonlyMap<string, string>;
  /** Options that override the script's own. */
  overrides?: ReadonlyMap<string, string>;
  /** `--define NAME=VALUE` symbols. */
  defines?: ReadonlyMap<string, string>;
  /** Options the caller was given that have no meaning here (the script's own are added). */
  ignoredOptions?: readonly string[];
}

interface Pending {
  ev: SyscallEvent;
  startUs: number;
  /** undefined: a call written without `...` that waits for its own timeout (poll). */
  endUs: number | undefined;
  call: () => SysResult | Blocked;
  check: (r: SysResult) => void;
  wakeAtUs?: number;
}

interface LadderLine {
  atUs: number;
  dir: 'in' | 'out';
  text: string;
}

/** Parses and runs one script. Never throws: every problem is a result. */
export function runScriptText(text: string, opts: RunOptions = {}): ScriptResult {
  let script: Script;
  try {
    script = parseScript(text);
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      return { status: 'error', reason: `syntax: ${e.message}`, line: e.line, detail: [], profile: '', elapsedUs: 0 };
    }
    throw e;
  }
  return new Run(script, opts).run();
}

class Run implements SyscallHost {
  readonly script: Script;
  readonly options = new Map<string, string>();
  readonly defines = new Map<string, number>();
  readonly fds = new FdMap();
  readonly warnings: string[] = [];
  readonly ignored: string[] = [];
  profile!: Profile;
  kernel!: SocketKernel;

  toleranceUs = 4000;
  tolerancePct = 12.5;
  tsTickUsecs: number | undefined;
  bindPort = DEFAULT_BIND_PORT;
  connectPort = DEFAULT_BIND_PORT;
  localAddress = LOCAL_ADDRESS;
  remoteAddress = REMOTE_ADDRESS;
  socketDomain = AF_INET;
  strictSegments = false;
  nonFatal = { packet: false, syscall: false };
  dryRun = false;
  readonly #rawDefines = new Map<string, string>();
  /** The peer sent a SYN and nothing of ours has been matched since. */
  #synPending = false;
  /** Command events taken at setup (they configured the host); the run skips them. */
  readonly #setupCommands = new Set<ScriptEvent>();

  /** The connection the script is talking on. */
  localPort = DEFAULT_BIND_PORT;
  remotePort = REMOTE_EPHEMERAL_PORT;
  match: MatchContext = { ourIsn: 0, peerIsn: 0, tsToleranceTicks: 0 };
  /** Script TS val -> the TS val we really sent (for the peer's TS ecr). */
  readonly tsEcho = new Map<number, number>();
  lastTsVal: number | undefined;

  lastEventEndUs = 0;
  prevScheduledUs = 0;
  prevInbound = false;
  readonly pending: Pending[] = [];
  readonly ladder: LadderLine[] = [];
  /** Descriptor the last syscall used (the socket under test for tcp_info). */
  lastFd: number | undefined;
  readonly defaultProfile: string;
  readonly defaultsProfile: string;

  constructor(script: Script, opts: RunOptions) {
    this.script = script;
    for (const [k, v] of opts.options ?? []) this.options.set(k, v);
    for (const [k, v] of script.options) this.options.set(k, v);
    for (const [k, v] of opts.overrides ?? []) this.options.set(k, v);
    for (const [k, v] of opts.defines ?? []) this.#rawDefines.set(k, v);
    this.ignored.push(...(opts.ignoredOptions ?? []));
    this.defaultProfile = opts.defaultProfile ?? 'linux-3.11';
    this.defaultsProfile = opts.defaultsProfile ?? 'linux';
  }

  /** The live descriptor tcp_info snapshots read (SyscallHost). */
  socketUnderTest(liveFd: number): void {
    this.lastFd = liveFd;
  }

  #extras(): Pick<ScriptResult, 'warnings' | 'ignoredOptions'> {
    return {
      ...(this.warnings.length > 0 ? { warnings: [...this.warnings] } : {}),
      ...(this.ignored.length > 0 ? { ignoredOptions: [...new Set(this.ignored)] } : {}),
    };
  }

  run(): ScriptResult {
    try {
      this.#setup();
      if (!this.dryRun) for (const ev of this.script.events) this.#nonFatal(ev);
      if (this.pending.length > 0) {
        const p = this.pending[0] as Pending;
        const when = p.endUs !== undefined ? ` (expected at ${secs(p.endUs)})` : '';
        throw new ScriptFailure('fail', p.ev.line, `${p.ev.name}() never returned${when}`);
      }
      return {
        status: 'pass',
        reason: '',
        detail: this.warnings.map((w) => `warning: ${w}`),
        profile: this.profile.name,
        elapsedUs: this.kernel.now * 1000,
        ...this.#extras(),
      };
    } catch (e) {
      if (e instanceof ScriptFailure || e instanceof OptionError) {
        const f = e instanceof ScriptFailure ? e : new ScriptFailure('error', undefined, e.message);
        return {
          status: f.status,
          reason: f.line !== undefined ? `line ${f.line}: ${f.message}` : f.message,
          ...(f.line !== undefined ? { line: f.line } : {}),
          detail: [...this.#ladderText(), ...f.detail],
          profile: this.profile?.name ?? '',
          elapsedUs: (this.kernel?.now ?? 0) * 1000,
          ...(f.feature !== undefined ? { unsupported: f.feature } : {}),
          ...this.#extras(),
        };
      }
      const msg = e instanceof Error ? e.message : String(e);
      return {
        status: 'error',
        reason: `internal error: ${msg}`,
        detail: [...this.#ladderText(), ...(e instanceof Error && e.stack ? e.stack.split('\n').slice(0, 6) : [])],
        profile: this.profile?.name ?? '',
        elapsedUs: (this.kernel?.now ?? 0) * 1000,
      };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Setup: options and the profile commands

  #setup(): void {
    // Option lines and the caller's options, in upstream's names (options.ts).
    const parsed = { options: new Map<string, string>(), defines: this.#rawDefines, ignored: this.ignored };
    for (const [k, v] of this.options) {
      if (!PACKETDRILL_OPTIONS[k]) throw unsupported(undefined, `option --${k}`, 'not a packetdrill option');
      addOption(parsed, k, v);
    }
    const initCommands: string[] = [];
    for (const [k, v] of parsed.options) this.#option(k, v, initCommands);
    for (const [k, v] of this.#rawDefines) {
      const n = v.trim() === '' ? Number.NaN : Number(v);
      const value = Number.isFinite(n) ? n : SYMBOLS[v];
      if (value === undefined) throw new OptionError(`--define ${k}=${v}: not a number or a known symbol`);
      this.defines.set(k, value);
    }
    // Commands before anything else happens (untimed, or at time 0 before the first other
    // event) configure the host: they choose the profile and the sysctls.
    let profile: Profile | undefined;
    const sysctls = new Map<string, string>();
    for (const cmd of initCommands) {
      const r = this.#command(cmd, undefined, sysctls);
      if (r) profile = r;
    }
    for (const ev of this.script.events) {
      if (ev.kind === 'python' && ev.time === undefined) continue;
      if (ev.kind !== 'command') break;
      if (ev.time !== undefined && !(ev.time.kind === 'point' && ev.time.at.usecs === 0)) break;
      this.#setupCommands.add(ev);
      for (const cmd of commandLines(ev.command)) {
        const r = this.#command(cmd, ev.line, sysctls);
        if (r) profile = r;
      }
    }
    const named = this.options.get('finack_profile');
    const base = (named !== undefined ? PROFILES[named] : undefined) ?? profile ?? PROFILES[this.defaultProfile];
    if (!base) throw new ScriptFailure('unsupported', undefined, `unknown profile ${this.defaultProfile}`);
    const { profile: p, unknown } = applySysctls(base, sysctls);
    if (unknown.length > 0) {
      throw unsupported(
        undefined,
        `sysctl ${unknown[0]}`,
        unknown.length > 1 ? `also ${unknown.slice(1).join(', ')}` : '',
      );
    }
    this.profile = p;
    this.kernel = new SocketKernel({ addresses: [this.localAddress], profile: p, ephemeralPorts: [32768, 60999] });
    const tol = Math.max(this.toleranceUs, 0);
    this.match.tsToleranceTicks = this.tsTickUsecs ? Math.ceil(tol / this.tsTickUsecs) : 0;
    if (this.tsTickUsecs !== undefined) this.match.tsTickUsecs = this.tsTickUsecs;
  }

  /** One applied option (options.ts lists them all). */
  #option(k: string, v: string, initCommands: string[]): void {
    switch (k) {
      case 'tolerance_usecs':
        this.toleranceUs = numberOption(k, v, 0, 1e9);
        break;
      case 'tolerance_percent':
        this.tolerancePct = numberOption(k, v, 0, 100);
        break;
      case 'tcp_ts_tick_usecs':
        this.tsTickUsecs = numberOption(k, v, 0, 1e9) || undefined;
        break;
      case 'bind_port':
        this.bindPort = numberOption(k, v, 1, 65535);
        this.localPort = this.bindPort;
        break;
      case 'connect_port':
        this.connectPort = numberOption(k, v, 1, 65535);
        break;
      case 'ip_version':
        if (v === 'ipv6') {
          this.socketDomain = AF_INET6;
          if (!this.options.has('local_ip')) this.localAddress = LOCAL_ADDRESS_V6;
          if (!this.options.has('remote_ip')) this.remoteAddress = REMOTE_ADDRESS_V6;
        } else if (v === 'ipv4-mapped-ipv6') this.socketDomain = AF_INET6;
        else if (v !== 'ipv4') throw new OptionError(`bad --ip_version: ${v} (ipv4, ipv6, ipv4-mapped-ipv6)`);
        break;
      case 'local_ip':
        this.localAddress = v.replace(/\/\d+$/, '');
        break;
      case 'remote_ip':
        this.remoteAddress = v.replace(/\/\d+$/, '');
        break;
      case 'init_scripts':
        initCommands.push(...v.split(',').filter((x) => x !== ''));
        break;
      case 'non_fatal':
        for (const w of v.split(/[,\s]+/)) {
          if (w === 'packet') this.nonFatal.packet = true;
          else if (w === 'syscall') this.nonFatal.syscall = true;
          else if (w !== '') throw new OptionError(`bad --non_fatal: ${w} (packet, syscall)`);
        }
        break;
      case 'strict_segments':
        this.strictSegments = true;
        break;
      case 'dry_run':
        this.dryRun = true;
        break;
      case 'finack_profile':
        // finack's own scripts name their profile in the file (packetdrill has no such flag).
        if (!PROFILES[v]) throw new ScriptFailure('unsupported', undefined, `unknown profile ${v}`);
        break;
      case 'mss':
        numberOption(k, v, 1, 65535);
        break;
      case 'verbose':
        break;
      default:
        throw unsupported(undefined, `option --${k}`);
    }
  }

  /** One command line: a profile (returned), a sysctl override, or nothing. */
  #command(cmd: string, line: number | undefined, sysctls: Map<string, string>): Profile | undefined {
    const c = classifyCommand(cmd);
    switch (c.kind) {
      case 'defaults': {
        const p = PROFILES[this.defaultsProfile];
        if (!p) throw new ScriptFailure('unsupported', line, `unknown profile ${this.defaultsProfile}`);
        return p;
      }
      case 'sysctls':
        for (const [name, value] of c.values) sysctls.set(name, value);
        return undefined;
      case 'restore':
        return undefined;
      case 'bad-sysctl':
        throw unsupported(line, `sysctl argument ${c.arg}`);
      case 'other':
        throw unsupported(line, `shell command ${c.program}`, `\`${c.text}\`: commands are never executed`);
      default:
        return unreachable(c, 'command');
    }
  }

  /**
   * A command after the run has begun: the host cannot be configured again (a profile is fixed for
   * the run), so one that would change a setting is unsupported; the restore script does nothing.
   */
  #lateCommand(text: string, line: number): void {
    for (const cmd of commandLines(text)) {
      const sysctls = new Map<string, string>();
      const profile = this.#command(cmd, line, sysctls);
      if (profile || sysctls.size > 0) {
        throw unsupported(
          line,
          'settings changed during the run',
          `\`${cmd}\`: the profile is chosen before the first event`,
        );
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /** One event; with --non_fatal, a mismatch of that kind is kept as a warning and the run goes on. */
  #nonFatal(ev: ScriptEvent): void {
    try {
      this.#event(ev);
    } catch (e) {
      const kind = ev.kind === 'packet' ? 'packet' : ev.kind === 'syscall' ? 'syscall' : undefined;
      if (!(e instanceof ScriptFailure) || e.status !== 'fail' || kind === undefined || !this.nonFatal[kind]) throw e;
      this.warnings.push(e.line !== undefined ? `line ${e.line}: ${e.message}` : e.message);
      if (ev.kind === 'syscall' || ev.kind === 'packet') this.#finishAt(this.kernel.now * 1000, false);
    }
  }

  #event(ev: ScriptEvent): void {
    if (ev.time === undefined) {
      // A command without a time: the profile was taken at setup; cleanup commands do nothing.
      if (ev.kind === 'command') {
        if (!this.#setupCommands.has(ev)) this.#lateCommand(ev.command, ev.line);
        return;
      }
      if (ev.kind === 'python') {
        this.#python(ev.code, ev.line);
        return;
      }
      return;
    }
    const inbound = ev.kind === 'packet' && ev.direction === 'inbound';
    const baseUs = inbound && this.prevInbound ? this.prevScheduledUs : this.lastEventEndUs;
    const resolve = (t: TimeValue) => (t.relative ? baseUs + t.usecs : t.usecs);
    switch (ev.kind) {
      case 'packet':
        if (ev.direction === 'outbound') this.#outbound(ev, ev.time, resolve);
        else this.#inbound(ev, ev.time, resolve);
        break;
      case 'syscall':
        this.#syscallEvent(ev, ev.time, resolve);
        break;
      case 'command': {
        this.#runUntil(this.#pointOf(ev.time, resolve, ev.line));
        if (!this.#setupCommands.has(ev)) this.#lateCommand(ev.command, ev.line);
        this.#finishAt(this.#pointOf(ev.time, resolve, ev.line), false);
        break;
      }
      case 'python': {
        const t = this.#pointOf(ev.time, resolve, ev.line);
        this.#runUntil(t);
        this.#python(ev.code, ev.line);
        this.#finishAt(t, false);
        break;
      }
      default:
        unreachable(ev, 'script event');
    }
  }

  #pointOf(t: TimeSpec, resolve: (t: TimeValue) => number, line: number): number {
    if (t.kind === 'point') return resolve(t.at);
    throw new ScriptFailure('error', line, `a ${t.kind} time is only allowed on outbound packets and syscalls`);
  }

  #finishAt(us: number, inbound: boolean): void {
    this.prevScheduledUs = us;
    this.lastEventEndUs = Math.max(us, this.kernel.now * 1000);
    this.prevInbound = inbound;
  }

  /** Runs timers (and blocked calls) up to `us`; time never goes back. */
  #runUntil(us: number): void {
    const target = Math.max(Math.round(us / 1000), this.kernel.now);
    for (;;) {
      const d = this.#nextWake();
      if (d === undefined || d > target) break;
      this.kernel.advance(Math.max(d, this.kernel.now));
      this.#retryPending();
    }
    this.kernel.advance(target);
    this.#retryPending();
  }

  /** The next instant (ms) a timer or a waiting call (poll's timeout) is due. */
  #nextWake(): number | undefined {
    let d = this.kernel.nextDeadline();
    for (const p of this.pending) {
      if (p.wakeAtUs === undefined) continue;
      const w = Math.ceil(p.wakeAtUs / 1000);
      if (d === undefined || w < d) d = w;
    }
    return d;
  }

  #slack(expectedUs: number): number {
    return Math.max(this.toleranceUs, (this.tolerancePct / 100) * Math.max(0, expectedUs - this.lastEventEndUs));
  }

  // --- inbound

  /** IP-level parts of a packet line that finack does not model: named as unsupported. */
  #ipLevel(ev: PacketEvent): void {
    if (ev.modifiers !== undefined) {
      throw unsupported(ev.line, 'packet modifier', `{${ev.modifiers}}: finack injects packets as written`);
    }
    // finack sends Not-ECT and ignores the ECN field of what it receives: only [noecn] holds.
    if (ev.ecn !== undefined && ev.ecn !== 'noecn')
      throw unsupported(ev.line, `IP ECN field [${ev.ecn}]`, 'finack has no ECN');
  }

  #inbound(ev: PacketEvent, time: TimeSpec, resolve: (t: TimeValue) => number): void {
    this.#ipLevel(ev);
    const t = this.#pointOf(time, resolve, ev.line);
    this.#runUntil(t);
    const seg = this.#buildInbound(ev);
    if (ev.flags & SYN && !(ev.flags & ACK)) {
      // A new connection from the peer: numbering and the TS mapping start again.
      this.match.peerIsn = ev.seq >>> 0;
      this.match.ts = undefined;
      this.#synPending = true;
      this.localPort = this.bindPort;
      this.remotePort = REMOTE_EPHEMERAL_PORT;
      seg.dstPort = this.localPort;
      seg.srcPort = this.remotePort;
    }
    const pkt: Packet = { src: this.remoteAddress, dst: this.localAddress, seg };
    // Through the wire encoder and decoder, as a packet from the tun device would come.
    const decoded = decodePacket(encodePacket(pkt));
    if (!decoded.ok)
      throw new ScriptFailure('error', ev.line, `cannot encode the inbound packet: ${decoded.error.code}`);
    this.#log('in', formatSegment(seg, this.match.peerIsn, this.match.ourIsn));
    this.kernel.handlePacket(decoded.value);
    this.#retryPending();
    this.#finishAt(t, true);
  }

  #buildInbound(ev: PacketEvent): Segment {
    const options: TcpOptions = {};
    if (ev.options === undefined) {
      throw new ScriptFailure('error', ev.line, '<...> is only allowed on outbound packets');
    }
    const layout: number[] = [];
    for (const o of ev.options) {
      switch (o.kind) {
        case 'mss':
          options.mss = o.value;
          layout.push(OPT_MSS);
          break;
        case 'wscale':
          options.wscale = o.value;
          layout.push(OPT_WSCALE);
          break;
        case 'sackOK':
          options.sackPermitted = true;
          layout.push(OPT_SACK_PERMITTED);
          break;
        case 'nop':
          layout.push(OPT_NOP);
          break;
        case 'eol':
          layout.push(OPT_EOL);
          break;
        case 'ts':
          options.ts = { val: o.val >>> 0, ecr: this.#echo(o.ecr) };
          layout.push(OPT_TIMESTAMPS);
          break;
        case 'sack':
          options.sack = o.blocks.map((b) => ({
            left: seqAdd(this.match.ourIsn, b.left),
            right: seqAdd(this.match.ourIsn, b.right),
          }));
          layout.push(OPT_SACK);
          break;
        case 'other':
          throw unsupported(ev.line, `TCP option ${o.text.split(/\s/)[0]}`, `'${o.text}' on an inbound packet`);
      }
    }
    if (layout.length > 0) {
      // The options area must be whole 32-bit words; packetdrill pads with NOPs... but the
      // scripts write complete layouts. Pad with EOL-free NOPs when they do not.
      options.layout = layout;
    }
    return makeSegment({
      srcPort: this.remotePort,
      dstPort: this.localPort,
      seq: ev.seq >>> 0,
      ack: ev.ack === undefined ? 0 : seqAdd(this.match.ourIsn, ev.ack),
      flags: ev.flags,
      wnd: ev.win ?? 0,
      urp: ev.urg ?? 0,
      options,
      payload: new Uint8Array(ev.len),
    });
  }

  /** The peer's TS ecr: the TS val we really sent for that script number (§4.4). */
  #echo(scriptEcr: number): number {
    const known = this.tsEcho.get(scriptEcr);
    if (known !== undefined) return known;
    if (scriptEcr === 0) return 0;
    if (this.match.ts) return (this.match.ts.actual + (scriptEcr - this.match.ts.script)) >>> 0;
    return this.lastTsVal ?? 0;
  }

  // --- outbound

  #outbound(ev: PacketEvent, time: TimeSpec, resolve: (t: TimeValue) => number): void {
    this.#ipLevel(ev);
    let lo: number;
    let hi: number;
    switch (time.kind) {
      case 'any':
        lo = Number.NEGATIVE_INFINITY;
        hi = this.kernel.now * 1000 + ANY_TIME_LIMIT_US;
        break;
      case 'point':
        lo = hi = resolve(time.at);
        break;
      case 'window':
        lo = resolve(time.lo);
        hi = resolve(time.hi);
        break;
      case 'blocking':
        throw new ScriptFailure('error', ev.line, 'a blocking time (a...b) on a packet');
    }
    const slack = time.kind === 'any' ? 0 : this.#slack(hi);
    const giveUpUs = hi + slack + OUTBOUND_GRACE_US;
    const expected = `> ${formatExpected(ev)}`;
    const when =
      time.kind === 'any' ? 'at any time' : `at ${secs(lo)}${hi !== lo ? `~${secs(hi)}` : ''} (±${secs(slack)})`;
    // Wait for the first packet (or a TSO burst: the rest of it leaves at the same instant).
    const queue = this.kernel.outbox;
    while (queue.length === 0) {
      const d = this.#nextWake();
      if (d === undefined || d * 1000 > giveUpUs) break;
      this.#runUntil(d * 1000);
    }
    if (queue.length === 0) {
      this.#runUntil(Math.max(this.kernel.now * 1000, Math.min(giveUpUs, this.kernel.now * 1000)));
      throw new ScriptFailure('fail', ev.line, `expected ${expected} ${when}; finack sent nothing`, [
        `  expected: ${expected} ${when}`,
        '  actual:   (nothing)',
      ]);
    }
    const firstAt = (queue[0] as { at: number }).at;
    const burst: Segment[] = [];
    for (const q of queue) {
      if (q.at !== firstAt) break;
      const d = decodePacket(encodePacket(q.pkt));
      if (!d.ok) {
        throw new ScriptFailure('fail', ev.line, `finack sent a malformed packet: ${d.error.code}`);
      }
      burst.push(d.value.seg);
    }
    const first = burst[0] as Segment;
    if (this.#synPending && (first.flags & RST) !== 0 && (first.flags & ACK) !== 0 && first.seq === 0) {
      // The answer of a closed port to the peer's SYN (seq 0, ACK of the SYN): no connection of
      // ours exists, so there is no ISN to count from; upstream shows it as 0.
      this.match.ourIsn = 0;
    }
    this.#synPending = false;
    if ((first.flags & SYN) !== 0) {
      // Our SYN or SYN-ACK: our ISN; a SYN from us starts a connection of ours.
      this.match.ourIsn = first.seq;
      if ((first.flags & ACK) === 0) {
        this.localPort = first.srcPort;
        this.remotePort = first.dstPort;
        this.match.ts = undefined;
      }
    }
    const n = this.strictSegments ? 1 : Math.max(1, tsoCount(ev, burst));
    const segs = burst.slice(0, n);
    queue.splice(0, n);
    const atUs = firstAt * 1000;
    for (const s of segs) this.#log('out', formatSegment(s, this.match.ourIsn, this.match.peerIsn));
    const diffs: string[] = [];
    if (atUs < lo - slack) diffs.push(`sent at ${secs(atUs)}, too early (expected ${when})`);
    if (atUs > hi + slack) diffs.push(`sent at ${secs(atUs)}, too late (expected ${when})`);
    diffs.push(...compareOutbound(ev, segs, this.match));
    if (diffs.length > 0) {
      const actual = segs.map((s) => formatSegment(s, this.match.ourIsn, this.match.peerIsn)).join(' + ');
      throw new ScriptFailure('fail', ev.line, `expected ${expected}: ${diffs.join('; ')}`, [
        `  expected: ${expected} ${when}`,
        `  actual:   > ${actual} at ${secs(atUs)}`,
      ]);
    }
    // TS numbers for the peer's echo.
    const sentTs = first.options.ts?.val;
    if (sentTs !== undefined) {
      this.lastTsVal = sentTs;
      const want = ev.options?.find((o) => o.kind === 'ts');
      if (want?.kind === 'ts') {
        this.tsEcho.set(want.val, sentTs);
        if (!this.match.ts) this.match.ts = { actual: sentTs, script: want.val };
      }
    }
    this.prevScheduledUs = lo;
    this.lastEventEndUs = atUs;
    this.prevInbound = false;
  }

  // --- syscalls

  #syscallEvent(ev: SyscallEvent, time: TimeSpec, resolve: (t: TimeValue) => number): void {
    let startUs: number;
    let endUs: number | undefined;
    if (time.kind === 'point') startUs = resolve(time.at);
    else if (time.kind === 'blocking') {
      startUs = resolve(time.start);
      // The end of `+a...b` counts from the same base as its start (packetdrill's relative range).
      endUs = resolve({ relative: time.start.relative || time.end.relative, usecs: time.end.usecs });
    } else throw new ScriptFailure('error', ev.line, `a ${time.kind} time on a syscall`);
    this.#runUntil(startUs);
    const { call, check, wakeAtUs } = prepareSyscall(this, this.fds, ev);
    const r = call();
    if (r === BLOCKED && endUs === undefined && wakeAtUs !== undefined) {
      // Written without '...' but with a timeout of its own (poll): the script waits for it.
      this.pending.push({ ev, startUs, endUs: undefined, call, check, wakeAtUs });
      this.#runUntil(wakeAtUs);
      if (this.pending.some((p) => p.ev === ev))
        throw new ScriptFailure('error', ev.line, `${ev.name}() did not return at its timeout`);
      this.#finishAt(this.kernel.now * 1000, false);
      return;
    }
    if (r === BLOCKED) {
      if (endUs === undefined) {
        throw new ScriptFailure(
          'fail',
          ev.line,
          `${ev.name}() would block (a call written without '...' must return at once; packetdrill would hang)`,
        );
      }
      this.pending.push({ ev, startUs, endUs, call, check, ...(wakeAtUs !== undefined ? { wakeAtUs } : {}) });
    } else {
      check(r);
      if (endUs !== undefined) this.#checkReturnTime(ev, startUs, endUs, this.kernel.now * 1000);
    }
    this.#retryPending();
    this.#finishAt(startUs, false);
  }

  #retryPending(): void {
    for (let i = 0; i < this.pending.length; ) {
      const p = this.pending[i] as Pending;
      const r = p.call();
      if (r === BLOCKED) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      p.check(r);
      if (p.endUs !== undefined) this.#checkReturnTime(p.ev, p.startUs, p.endUs, this.kernel.now * 1000);
    }
  }

  #checkReturnTime(ev: SyscallEvent, startUs: number, endUs: number, atUs: number): void {
    const slack = Math.max(this.toleranceUs, (this.tolerancePct / 100) * Math.max(0, endUs - startUs));
    if (Math.abs(atUs - endUs) > slack) {
      throw new ScriptFailure(
        'fail',
        ev.line,
        `${ev.name}() returned at ${secs(atUs)}, expected at ${secs(endUs)} (±${secs(slack)})`,
      );
    }
  }

  // --- %{ }%

  #python(code: string, line: number): void {
    const fd = this.lastFd;
    const info = fd !== undefined ? this.kernel.tcpInfo(fd) : undefined;
    if (!info) throw new ScriptFailure('fail', line, 'no socket for the tcp_info snapshot');
    const r = evaluateAsserts(code, { ...TCP_INFO_SYMBOLS, ...(info as unknown as Record<string, number>) });
    if (r.ok) return;
    if ('unsupported' in r) {
      const name = /unknown name '([A-Za-z_0-9]+)'/.exec(r.unsupported)?.[1];
      if (name === undefined) throw unsupported(line, '%{ }% code', r.unsupported);
      const why = TCP_INFO_UNFILLED[name];
      if (why !== undefined) throw unsupported(line, `tcp_info ${name}`, `finack does not fill it: ${why}`);
      throw unsupported(line, `%{ }% name ${name}`, 'not a tcp_info field finack knows');
    }
    throw new ScriptFailure('fail', line, `tcp_info: ${r.failed}`);
  }

  // --- the ladder in failure reports

  #log(dir: 'in' | 'out', text: string): void {
    this.ladder.push({ atUs: this.kernel.now * 1000, dir, text });
    if (this.ladder.length > 64) this.ladder.shift();
  }

  #ladderText(): string[] {
    const last = this.ladder.slice(-8);
    if (last.length === 0) return [];
    return [
      '  script (peer)                          finack',
      ...last.map((l) =>
        l.dir === 'in'
          ? `  ${secs(l.atUs).padStart(8)}  ${`< ${l.text}`.padEnd(44)} -->`
          : `  ${secs(l.atUs).padStart(8)}  ${''.padEnd(10)}<-- > ${l.text}`,
      ),
    ];
  }
}

function secs(us: number): string {
  return (us / 1e6).toFixed(3);
}
