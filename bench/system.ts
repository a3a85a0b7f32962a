// Child processes and network namespaces for the rows that need the real kernel elsewhere than in
// this process: peer.ts started on 127.0.0.1 or inside a namespace, and namespaces made with a
// unique name and always deleted (withNetns, in a finally block, killing what is left inside).
// Nothing here sends a packet anywhere but 127.0.0.1 or into a namespace this process made.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

const PEER = resolve(import.meta.dirname, 'peer.ts');

/** A running peer.ts: its first JSON line, and a kill that always works. */
export class Peer {
  readonly child: ChildProcess;
  readonly label: string;
  stderr = '';
  #lines: string[] = [];
  #waiters: (() => void)[] = [];
  #exited = false;
  readonly exited: Promise<number | null>;

  constructor(args: string[], label: string, netns?: string) {
    const node = [process.execPath, '--import', 'tsx', PEER, ...args];
    const cmd = netns === undefined ? node : ['ip', 'netns', 'exec', netns, ...node];
    this.label = label;
    this.child = spawn(cmd[0] as string, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.#lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      this.#wake();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    this.exited = new Promise((res) => {
      this.child.on('close', (code) => {
        this.#exited = true;
        this.#wake();
        res(code);
      });
      this.child.on('error', (e) => {
        this.stderr += String(e);
        this.#exited = true;
        this.#wake();
        res(-1);
      });
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The next JSON line on stdout; throws when the process exits first or after `ms`. */
  async line<T>(ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const l = this.#lines.shift();
      if (l !== undefined) return JSON.parse(l) as T;
      if (this.#exited) throw new Error(`${this.label} exited without a result: ${this.stderr.trim().slice(-600)}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        this.kill();
        throw new Error(`${this.label}: no result within ${ms} ms: ${this.stderr.trim().slice(-600)}`);
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Ends a server peer (its stdin closes), then kills it if it is still there after 3 s. */
  async stop(): Promise<void> {
    this.child.stdin?.end();
    const t = setTimeout(() => this.kill(), 3000);
    await this.exited;
    clearTimeout(t);
  }

  kill(): void {
    if (!this.#exited) this.child.kill('SIGKILL');
  }
}

/** Runs a client peer to completion: its one JSON line. */
export async function runPeer<T>(args: string[], label: string, ms: number, netns?: string): Promise<T> {
  const p = new Peer(args, label, netns);
  try {
    return await p.line<T>(ms);
  } finally {
    p.kill();
    await p.exited;
  }
}

/** Runs a command to completion (bounded); throws with its stderr when it fails. */
export function sh(cmd: string, args: string[], timeout = 15_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim()}`);
  }
  return r.stdout ?? '';
}

export function haveTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Namespaces not deleted yet: deleted on exit and on SIGINT/SIGTERM too, should a row be cut short. */
const live = new Set<Netns>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const ns of [...live]) ns.delete();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const ns of [...live]) ns.delete();
      process.exit(130);
    });
  }
}

/** A network namespace with a unique name (finack-bench-<tag>-<hex>), loopback up. */
export class Netns {
  readonly name: string;
  #deleted = false;

  constructor(tag: string) {
    this.name = `finack-bench-${tag}-${randomBytes(3).toString('hex')}`;
    hookExit();
    sh('ip', ['netns', 'add', this.name]);
    live.add(this);
    try {
      this.exec('ip', ['link', 'set', 'lo', 'up']);
    } catch (e) {
      this.delete();
      throw e;
    }
  }

  exec(cmd: string, args: string[], timeout?: number): string {
    return sh('ip', ['netns', 'exec', this.name, cmd, ...args], timeout);
  }

  /** Kills whatever still runs inside, then deletes the namespace (its interfaces go with it). */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    live.delete(this);
    const pids = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' }).stdout?.trim() ?? '';
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

/** Makes the namespaces, runs `fn`, and deletes them whatever happens (also on error). */
export async function withNetns<T>(tags: string[], fn: (ns: Netns[]) => Promise<T>): Promise<T> {
  const made: Netns[] = [];
  try {
    for (const t of tags) made.push(new Netns(t));
    return await fn(made);
  } finally {
    for (const ns of made) ns.delete();
  }
}
