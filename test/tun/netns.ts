// Helpers for the TUN interop tests: a throw-away network namespace per test, finack's CLI and Linux
// peers started inside it, bounded waits, and readers for finack's trace and for tshark's view of a
// capture. Nothing here sends a packet outside the namespace: finack's TUN interface and every peer
// live in it, and it is deleted in a finally block (killing what is left inside first).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nativeAvailable } from '../../src/drivers/tun/native.js';
import { tsharkFields } from '../harness/tshark.js';

export const ROOT = resolve(import.meta.dirname, '../..');
// The real entry point, so the tests go through the same dispatch as the `finack` binary.
export const CLI = join(ROOT, 'src/cli/main.ts');
export const KERNEL = '198.51.100.1';
export const FINACK = '198.51.100.2';
export const KERNEL6 = '2001:db8:9::1';
export const FINACK6 = '2001:db8:9::2';
export const IFNAME = 'ft0';

const TOOL_PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  ss: 'iproute2',
  nc: 'netcat-openbsd',
  curl: 'curl',
  tshark: 'tshark',
  tcpdump: 'tcpdump',
  chromium: 'chromium',
  'firefox-esr': 'firefox-esr',
  nft: 'nftables',
  python3: 'python3',
  setpriv: 'util-linux',
};

function haveTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Why the system tests cannot run here, or undefined when they can. */
export function systemMissing(tools: string[]): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (the TUN tests need root to make namespaces and TUN devices)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  if (!nativeAvailable()) return 'koffi (optional dependency) is not installed';
  const missing = tools.filter((t) => !haveTool(t));
  if (missing.length > 0) {
    return `missing tools: ${missing.join(', ')} (apt-get install ${[...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? t))].join(' ')})`;
  }
  return undefined;
}

/**
 * Like requireSystem, for tests that need only some programs (a browser, tshark reading a file),
 * not root, namespaces or a TUN device.
 */
export function requireTools(t: { skip(msg?: string): void; diagnostic(msg: string): void }, tools: string[]): boolean {
  const missing = tools.filter((x) => !haveTool(x));
  if (missing.length === 0) return true;
  const why = `missing tools: ${missing.join(', ')} (apt-get install ${[...new Set(missing.map((x) => TOOL_PACKAGES[x] ?? x))].join(' ')})`;
  if (process.env.FINACK_REQUIRE_SYSTEM === '1') throw new Error(`FINACK_REQUIRE_SYSTEM=1 but ${why}`);
  t.diagnostic(`skipped: ${why}`);
  t.skip(why);
  return false;
}

/**
 * Skips the test with the reason printed, or fails it when FINACK_REQUIRE_SYSTEM=1 (CI). Returns
 * true when the test should go on.
 */
export function requireSystem(
  t: { skip(msg?: string): void; diagnostic(msg: string): void },
  tools: string[],
): boolean {
  const why = systemMissing(tools);
  if (why === undefined) return true;
  if (process.env.FINACK_REQUIRE_SYSTEM === '1') throw new Error(`FINACK_REQUIRE_SYSTEM=1 but ${why}`);
  t.diagnostic(`skipped: ${why}`);
  t.skip(why);
  return false;
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running process with captured output. */
export class Proc {
  readonly child: ChildProcess;
  readonly label: string;
  stdout = '';
  stderr = '';
  stdoutBytes: Buffer[] = [];
  readonly exited: Promise<Result>;
  #done = false;

  constructor(child: ChildProcess, label: string) {
    this.child = child;
    this.label = label;
    child.stdout?.on('data', (d: Buffer) => {
      this.stdoutBytes.push(d);
      this.stdout += d.toString('latin1');
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((res) => {
      child.on('close', (code, signal) => {
        this.#done = true;
        res({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
      child.on('error', (err) => {
        this.#done = true;
        this.stderr += String(err);
        res({ code: -1, signal: null, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get done(): boolean {
    return this.#done;
  }

  /** Waits for exit; kills it and throws when it takes longer than `ms`. */
  async wait(ms: number): Promise<Result> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        rej(
          new Error(
            `${this.label} did not exit within ${ms} ms\nstdout: ${this.stdout.slice(-2000)}\nstderr: ${this.stderr.slice(-4000)}`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when `pred` holds for stderr+stdout (checked on every chunk); throws after `ms`. */
  async until(pred: (p: Proc) => boolean, ms: number, what: string): Promise<void> {
    if (pred(this)) return;
    await new Promise<void>((res, rej) => {
      const check = (): void => {
        if (pred(this)) {
          cleanup();
          res();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        rej(
          new Error(`${this.label}: timed out after ${ms} ms waiting for ${what}\nstderr: ${this.stderr.slice(-4000)}`),
        );
      }, ms);
      const onClose = (): void => {
        cleanup();
        if (pred(this)) res();
        else rej(new Error(`${this.label} exited while waiting for ${what}\nstderr: ${this.stderr.slice(-4000)}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('close', onClose);
      };
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.on('close', onClose);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.#done) this.child.kill(signal);
  }
}

/** A network namespace for one test. */
export class Netns {
  readonly name: string;
  readonly dir: string;
  readonly #procs: Proc[] = [];

  private constructor(name: string, dir: string) {
    this.name = name;
    this.dir = dir;
  }

  static create(): Netns {
    const name = `finack-test-${randomBytes(4).toString('hex')}`;
    const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
    const ns = new Netns(name, mkdtempSync(join(tmpdir(), `${name}-`)));
    ns.run('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  /** Runs a command inside the namespace to completion (bounded). */
  run(cmd: string, args: string[], opts: { input?: string | Buffer; timeout?: number; check?: boolean } = {}): Result {
    const r = spawnSync('ip', ['netns', 'exec', this.name, cmd, ...args], {
      input: opts.input,
      timeout: opts.timeout ?? 15_000,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const res = { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    if ((opts.check ?? true) && r.status !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} in ${this.name}: exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    }
    return res;
  }

  /** Starts a command inside the namespace; it is killed when the namespace is deleted. */
  spawn(cmd: string, args: string[], label = cmd, stdin: 'pipe' | 'ignore' = 'pipe'): Proc {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], {
      cwd: ROOT,
      stdio: [stdin, 'pipe', 'pipe'],
    });
    const p = new Proc(child, label);
    this.#procs.push(p);
    return p;
  }

  /** finack's CLI (serve or connect) inside the namespace. */
  finack(cmd: 'serve' | 'connect', args: string[], label = `finack ${cmd}`): Proc {
    return this.spawn(process.execPath, ['--import', 'tsx', CLI, cmd, ...args], label);
  }

  /** A TypeScript module given as source text (imports may name files under src/), inside the namespace. */
  nodeTs(source: string, label = 'node (ts)'): Proc {
    return this.spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], label);
  }

  /** A node program given as source text, inside the namespace. */
  node(source: string, args: string[] = [], label = 'node peer'): Proc {
    return this.spawn(process.execPath, ['--input-type=module', '-e', source, '--', ...args], label);
  }

  /** TCP sockets in the namespace as `ss -tan` shows them: [state, local, peer]. */
  sockets(): { state: string; local: string; peer: string }[] {
    const r = this.run('ss', ['-tanH']);
    return r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const f = l.trim().split(/\s+/);
        return { state: f[0] ?? '', local: f[3] ?? '', peer: f[4] ?? '' };
      });
  }

  /** Kills what is still running, deletes the namespace and the temporary files. */
  async destroy(keepFiles = false): Promise<void> {
    for (const p of this.#procs) p.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#procs.map((p) => p.exited)),
      new Promise((r) => {
        timer = setTimeout(r, 5000);
      }),
    ]);
    clearTimeout(timer);
    // Anything else started inside (ip netns exec children that escaped): kill by namespace.
    const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout?.trim();
    for (const pid of (pids ?? '').split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
    spawnSync('ip', ['netns', 'del', this.name]);
    if (!keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh namespace, always deleted afterwards. */
export async function withNetns<T>(fn: (ns: Netns) => Promise<T>): Promise<T> {
  const ns = Netns.create();
  let ok = false;
  try {
    const r = await fn(ns);
    ok = true;
    return r;
  } finally {
    await ns.destroy(!ok && process.env.FINACK_KEEP_FILES === '1');
  }
}

/** Common CLI arguments: the interface, the kernel's and finack's addresses. */
export function tunArgs(v6 = false): string[] {
  return v6
    ? ['--tun', IFNAME, '--kernel-addr', `${KERNEL6}/64`, '--addr', FINACK6]
    : ['--tun', IFNAME, '--kernel-addr', `${KERNEL}/24`, '--addr', FINACK];
}

/** Starts `finack serve` and waits until it listens. */
export async function startServe(ns: Netns, args: string[], v6 = false): Promise<Proc> {
  const p = ns.finack('serve', [
    ...tunArgs(v6),
    '--verbose',
    '--trace',
    ns.file('serve.jsonl'),
    '--pcap',
    ns.file('serve.pcap'),
    ...args,
  ]);
  await p.until((x) => x.stderr.includes('listening on'), 20_000, 'finack serve to listen');
  return p;
}

export interface TraceLine {
  t: number;
  endpoint: string;
  conn: string;
  type: string;
  from?: string;
  to?: string;
  cause?: string;
  reason?: string;
  timer?: string;
  action?: string;
  event?: { type: string; code?: string };
  seg?: { flags: string[]; seq: number; ack: number; len: number; relSeq: number };
}

export function readTrace(path: string): TraceLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceLine);
}

/** The state changes of the (single) connection in a trace, as 'FROM>TO', listener creation left out. */
export function stateChanges(trace: TraceLine[]): string[] {
  return trace.filter((e) => e.type === 'state' && e.from !== 'CLOSED').map((e) => `${e.from}>${e.to}`);
}

export interface TsharkCheck {
  /** Number of TCP packets. */
  tcp: number;
  /** TCP packets sent by finack / sent to finack. */
  fromFinack: number;
  toFinack: number;
  badChecksums: number;
  /** Kernel packets whose checksum reads 0xffff for 0x0000 (see tsharkCheck). */
  kernelFfff: number;
  malformed: number;
  keepalives: number;
  /** Frames per TCP conversation (tshark's tcp.stream index), in order of appearance. */
  conversations: number[];
}

/** Reads a capture with tshark, TCP checksum validation on. */
export function tsharkCheck(path: string, finack: string = FINACK): TsharkCheck {
  const rows = tsharkFields(
    path,
    [
      'ip.src',
      'ipv6.src',
      'tcp.checksum.status',
      '_ws.malformed',
      'tcp.analysis.keep_alive',
      'ip.checksum.status',
      'tcp.stream',
      'tcp.checksum',
    ],
    { filter: 'tcp', checksums: true, timeout: 120_000, maxBuffer: 512 << 20 },
  );
  const streams = new Map<string, number>();
  const out: TsharkCheck = {
    tcp: 0,
    fromFinack: 0,
    toFinack: 0,
    badChecksums: 0,
    kernelFfff: 0,
    malformed: 0,
    keepalives: 0,
    conversations: [],
  };
  for (const [src4, src6, tcpSum, malformed, ka, ipSum, stream, sumField] of rows) {
    out.tcp++;
    streams.set(stream ?? '', (streams.get(stream ?? '') ?? 0) + 1);
    const src = src4 || src6;
    if (src === finack) out.fromFinack++;
    else out.toFinack++;
    // 0 bad, 1 good, 2 unverified: everything must be verified good. One exception, from the
    // kernel only: Linux's software checksum (skb_checksum_help) writes 0xffff where the sum comes
    // to 0x0000. Both mean zero in ones' complement and every receiver (finack included) accepts
    // it, but tshark flags it ("0xffff instead of 0x0000, see RFC 1624"). finack itself always
    // writes 0x0000, so its packets get no such allowance.
    if (tcpSum !== '1') {
      if (tcpSum === '0' && sumField === '0xffff' && src !== finack) out.kernelFfff++;
      else out.badChecksums++;
    }
    if (src4 && ipSum !== '1') out.badChecksums++;
    if (malformed) out.malformed++;
    if (ka) out.keepalives++;
  }
  out.conversations = [...streams.values()];
  return out;
}

/** Counts of finack's own trace, for comparison with tshark's. */
export function traceCounts(trace: TraceLine[]): { send: number; recv: number; drops: number } {
  let send = 0;
  let recv = 0;
  let drops = 0;
  for (const e of trace) {
    if (e.type === 'send') send++;
    else if (e.type === 'recv') recv++;
    else if (e.type === 'drop' && e.seg) drops++;
  }
  return { send, recv, drops };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 50 ms until it returns true; throws after `ms`. */
export async function eventually(fn: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (fn()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}
