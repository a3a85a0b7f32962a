// Every shell block of the README, run as written. Each block is recognised by its commands and has
// a runner here; a block nobody runs fails the first test, so a new block needs a runner too.
//
// How a block runs: continued lines (trailing `\`) are joined; each command goes to `sh -c` in a
// scratch directory, with three substitutions that keep its meaning: `sudo ` is dropped (the tests
// run as root, and sudo may not be installed), `npx finack` names this checkout's built CLI
// (dist/cli/main.js, what npx runs in a project that depends on finack), and the namespace
// `finack-lab` gets a name of its own for this run. A command ending in `&` is started in the
// background (its pid is what a later `$!` means) and, for `finack serve`, waited for until it
// listens. The kernel recipes need root, a TUN device and the tools they call; without them they
// are skipped with the reason (a failure in CI, see test/tun/netns.ts).

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { XMLValidator } from 'fast-xml-parser';
import { requireSystem } from './tun/netns.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const CLI = join(root, 'dist/cli/main.js');

interface Block {
  line: number;
  commands: string[];
}

/** The ```sh blocks of the README, each as its commands (continuations joined, blank lines and comment lines dropped). */
function shellBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const start = i + 1;
    const commands: string[] = [];
    let cur = '';
    for (i++; i < lines.length && lines[i] !== '```'; i++) {
      const l = lines[i] as string;
      if (cur === '' && (l.trim() === '' || /^\s*#/.test(l))) continue;
      if (l.endsWith('\\')) cur += `${l.slice(0, -1)} `;
      else {
        commands.push((cur + l).trim());
        cur = '';
      }
    }
    blocks.push({ line: start, commands });
  }
  return blocks;
}

/** A shell comment at the end of a command (two or more spaces, then #), removed. */
function withoutComment(cmd: string): string {
  return cmd.replace(/\s{2,}#.*$/, '').trim();
}

const KINDS = ['setup', 'demo', 'ss', 'kernel-serve', 'kernel-connect', 'tools', 'analyze'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(b: Block): Kind | undefined {
  const first = b.commands[0] ?? '';
  if (first.startsWith('npm install && npm start')) return 'setup';
  if (first.startsWith('npx finack demo') && b.commands.some((c) => c.startsWith('npx finack analyze'))) {
    return 'analyze';
  }
  if (first.startsWith('npx finack demo')) return 'demo';
  if (first.startsWith('npx finack ss')) return 'ss';
  if (first.startsWith('sudo ip netns add finack-lab')) return 'kernel-serve';
  if (first.includes('nc -l')) return 'kernel-connect';
  if (first.startsWith('npm run soak')) return 'tools';
  return undefined;
}

const blocks = shellBlocks(readme);

test('README: every shell block has a runner in this file', () => {
  assert.ok(blocks.length >= 6, `found ${blocks.length} blocks`);
  const unknown = blocks.filter((b) => kindOf(b) === undefined).map((b) => `line ${b.line}: ${b.commands[0]}`);
  assert.deepEqual(unknown, []);
  for (const kind of ['setup', 'demo', 'ss', 'kernel-serve', 'kernel-connect', 'tools', 'analyze'] as const) {
    assert.ok(
      blocks.some((b) => kindOf(b) === kind),
      `a ${kind} block`,
    );
  }
});

function blocksOf(kind: Kind): Block[] {
  return blocks.filter((b) => kindOf(b) === kind);
}

/** The command as this test runs it (see the top of the file). */
function rewrite(cmd: string, ns: string, lastPid: number | undefined): string {
  let c = withoutComment(cmd)
    .replace(/\bsudo /g, '')
    .replace(/\bnpx finack\b/g, CLI)
    .replace(/\bfinack-lab\b/g, ns);
  if (c.includes('$!')) {
    assert.ok(lastPid !== undefined, `${cmd}: $! with nothing started in the background`);
    c = c.replaceAll('$!', String(lastPid));
  }
  return c;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, cwd: string, timeout = 120_000): Ran {
  const r = spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function ok(cmd: string, r: Ran): void {
  assert.equal(
    r.status,
    0,
    `${cmd}\nexit ${r.status}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`,
  );
}

test('README: the set-up block: npm start shows the four-way close; npm test is this runner', () => {
  const [b] = blocksOf('setup');
  assert.ok(b);
  assert.deepEqual(b.commands.map(withoutComment), ['npm install && npm start', 'npm test']);
  // npm install is what CI's first step does on a fresh clone; here the checkout is installed.
  const r = sh('npm start --silent', root);
  ok('npm start', r);
  for (const s of ['FIN-WAIT-1', 'CLOSE-WAIT', 'FIN-WAIT-2', 'LAST-ACK', 'TIME-WAIT', 'CLOSED']) {
    assert.ok(r.stdout.includes(s), `npm start shows ${s}`);
  }
  // npm test runs tools/run-tests.mjs, the runner this very file is running under.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.test, 'node tools/run-tests.mjs');
});

test('README: the CLI block: every demo command runs and prints what its comment says', () => {
  for (const b of blocksOf('demo')) {
    for (const cmd of b.commands) {
      const r = sh(rewrite(cmd, 'unused', undefined), root);
      ok(cmd, r);
      if (cmd.includes('--list')) assert.ok(r.stdout.split('\n').includes('close'), cmd);
      else if (cmd.includes('--format json')) {
        const doc = JSON.parse(r.stdout) as { scenario: string; events: unknown[] };
        assert.equal(doc.scenario, 'close');
        assert.ok(doc.events.length > 0);
      } else if (cmd.includes('keepalive')) assert.match(r.stdout, /keepalive[\s\S]*ETIMEDOUT/, cmd);
      else assert.match(r.stdout, /FIN-WAIT-1[\s\S]*TIME-WAIT/, cmd);
    }
  }
});

test('README: the analyze block: a capture summarised, as JSON, and one connection drawn', () => {
  const [b] = blocksOf('analyze');
  assert.ok(b);
  const dir = mkdtempSync(join(tmpdir(), 'finack-readme-analyze-'));
  try {
    const outputs = b.commands.map((cmd) => {
      const r = sh(rewrite(cmd, 'unused', undefined), dir);
      ok(cmd, r);
      return r.stdout;
    });
    assert.match(outputs[1] ?? '', /final-ack-lost/);
    const doc = JSON.parse(outputs[2] ?? '') as { connections: { findings: string[]; closeKind: string }[] };
    assert.equal(doc.connections.length, 1);
    assert.ok(doc.connections[0]?.findings.includes('final-ack-lost'));
    const svg = readFileSync(join(dir, 'lost.svg'), 'utf8');
    assert.equal(XMLValidator.validate(svg), true);
    assert.match(svg, /TIME-WAIT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('README: the soak, fuzz and attack block: each full run ends with 0 failed', () => {
  const [b] = blocksOf('tools');
  assert.ok(b);
  for (const cmd of b.commands) {
    const r = sh(`${withoutComment(cmd)} --silent`, root, 20 * 60_000);
    ok(cmd, r);
    assert.match(r.stdout, /\d+ passed, 0 failed/, cmd);
  }
});

/** A background command of a block. */
class Background {
  readonly child: ChildProcess;
  out = '';
  readonly exited: Promise<number | null>;
  constructor(cmd: string, cwd: string) {
    this.child = spawn('sh', ['-c', `exec ${cmd}`], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    this.exited = new Promise((res) => this.child.on('close', (code) => res(code)));
  }
  async until(what: RegExp, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!what.test(this.out)) {
      if (this.child.exitCode !== null) throw new Error(`exited while waiting for ${what}: ${this.out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('README: the kernel recipes and the ss block, in a namespace of their own', async (t) => {
  if (!requireSystem(t, ['ip', 'curl', 'ss', 'tshark', 'nc'])) return;
  const ns = `finack-readme-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `${ns}-`));
  const runtime = mkdtempSync(join(tmpdir(), `${ns}-run-`));
  const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
  const background: Background[] = [];
  const [serveBlock] = blocksOf('kernel-serve');
  const [connectBlock] = blocksOf('kernel-connect');
  const [ssBlock] = blocksOf('ss');
  assert.ok(serveBlock && connectBlock && ssBlock);
  const savedRuntime = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = runtime;
  try {
    let lastPid: number | undefined;
    const out: string[] = [];
    const runBlock = async (b: Block, during?: () => Promise<void>): Promise<void> => {
      for (const cmd of b.commands) {
        const c = rewrite(cmd, ns, lastPid);
        if (c.endsWith('&')) {
          const bg = new Background(c.slice(0, -1).trim(), dir);
          background.push(bg);
          lastPid = bg.child.pid;
          if (c.includes(' serve ')) await bg.until(/listening on/, 30_000);
          await during?.();
          continue;
        }
        const r = spawnSync('sh', ['-c', c], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });
        ok(cmd, { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });
        out.push(`$ ${cmd}\n${r.stdout}`);
        if (c.startsWith('kill ')) await background.at(-1)?.exited;
      }
    };
    // The ss block needs a running instance: it runs while the recipe's serve is up.
    const ss = async (): Promise<void> => {
      for (const cmd of ssBlock.commands) {
        const serve = background.at(-1) as Background;
        const c = rewrite(cmd, ns, lastPid).replace('--pid 4242', `--pid ${serve.child.pid}`);
        if (c.includes('--watch')) {
          // Refreshes until interrupted: two tables, then Ctrl-C.
          const w = new Background(c, dir);
          await w.until(/(Netid|State)[\s\S]*(Netid|State)/, 20_000);
          w.child.kill('SIGINT');
          assert.equal(await w.exited, 0, `${cmd}: exit status after SIGINT`);
          continue;
        }
        const r = spawnSync('sh', ['-c', c], { cwd: dir, encoding: 'utf8', timeout: 30_000, env });
        ok(cmd, { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });
        if (c.includes('--json')) assert.ok(typeof JSON.parse(r.stdout) === 'object', cmd);
        else if (c.includes('--list')) assert.match(r.stdout, new RegExp(String(serve.child.pid)), cmd);
        else if (c.includes('--state time-wait')) {
          const states = r.stdout
            .split('\n')
            .slice(1)
            .flatMap((l) => /^\S+/.exec(l)?.[0] ?? []);
          assert.ok(
            states.every((x) => x === 'TIME-WAIT'),
            `${cmd}: only TIME-WAIT rows\n${r.stdout}`,
          );
        } else assert.match(r.stdout, /LISTEN/, cmd);
        out.push(`$ ${cmd}\n${r.stdout}`);
      }
    };
    await runBlock(serveBlock, ss);
    const all = out.join('\n');
    assert.match(all, /hello from finack/, 'curl got the page');
    assert.match(all, /TIME-WAIT/, "ss -tan shows the kernel's TIME-WAIT");
    assert.match(all, /HTTP/, 'tshark shows the conversation');
    await runBlock(connectBlock);
    const cat = out.find((o) => o.startsWith('$ cat got.txt')) ?? '';
    assert.match(cat, /^hello$/m, 'nc got what finack connect sent');
    assert.notEqual(spawnSync('ip', ['netns', 'pids', ns]).status, 0, 'the last command deleted the namespace');
  } finally {
    if (savedRuntime === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = savedRuntime;
    for (const b of background) b.child.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(runtime, { recursive: true, force: true });
  }
});
