// Two Linux hosts for the analyzer's capture tests: two network namespaces the test makes, joined by
// a veth pair, each running a small node:net peer (peers/peer.mjs) that the test drives line by
// line, and tcpdump recording on the client's end of the pair. Nothing leaves the namespaces: both
// are deleted in a finally block, after whatever is still running inside them is killed.
//
// Offloads: there is no ethtool here, so segmentation offload is turned off by the link's own knob
// instead (`ip link set veth0 gso_max_segs 1` on both ends: TCP then builds one-MSS packets, and
// tcpdump sees the frames as they would be on a wire). Checksum offload stays on: the kernel hands
// veth packets with a partial checksum, so tshark calls most TCP checksums wrong. The analyzer does
// not check them, and neither does anything in these tests.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsharkFields } from '../harness/tshark.js';
import { Netns, type Proc, ROOT } from '../tun/netns.js';

export const CLIENT = '198.51.100.1';
export const SERVER = '198.51.100.2';
export const CLIENT6 = '2001:db8:12::1';
export const SERVER6 = '2001:db8:12::2';
export const PORT = 8012;
/** Where every recording is copied, so a failing case can be read again with tshark. */
export const CAPTURE_DIR = '/tmp/kernel-captures';
const PEER = join(ROOT, 'test/analyze/peers/peer.mjs');

export type Side = 'client' | 'server';

/** One peer program: commands in, event lines out. */
export class Peer {
  readonly proc: Proc;

  constructor(proc: Proc) {
    this.proc = proc;
  }

  /** The event lines printed so far. */
  get events(): string[] {
    return this.proc.stdout.split('\n').filter((l) => l !== '');
  }

  send(command: string): void {
    this.proc.child.stdin?.write(`${command}\n`);
  }

  /** Waits (bounded) until an event line satisfies `pred`. */
  async until(what: string, pred: (line: string) => boolean = (l) => l === what, ms = 10_000): Promise<void> {
    await this.proc.until((p) => p.stdout.split('\n').some(pred), ms, `"${what}" from ${this.proc.label}`);
  }

  /** Waits until the peer has received at least `n` bytes in all. */
  async received(n: number, ms = 10_000): Promise<void> {
    await this.until(`data ${n}`, (l) => l.startsWith('data ') && Number(l.slice(5)) >= n, ms);
  }
}

/** The two namespaces, the veth pair between them and the capture on the client's end. */
export class KernelPair {
  readonly client: Netns;
  readonly server: Netns;
  readonly v6: boolean;
  #tcpdump: Proc | undefined;
  #captureFile: string | undefined;

  private constructor(client: Netns, server: Netns, v6: boolean) {
    this.client = client;
    this.server = server;
    this.v6 = v6;
  }

  /** Makes both namespaces and the veth pair; the caller must destroy() it (see withKernelPair). */
  static create(v6 = false): KernelPair {
    const client = Netns.create();
    let server: Netns | undefined;
    try {
      server = Netns.create();
      const pair = new KernelPair(client, server, v6);
      pair.#link();
      return pair;
    } catch (err) {
      void client.destroy();
      void server?.destroy();
      throw err;
    }
  }

  #link(): void {
    const r = spawnSync(
      'ip',
      [
        '-n',
        this.client.name,
        'link',
        'add',
        'veth0',
        'type',
        'veth',
        'peer',
        'name',
        'veth0',
        'netns',
        this.server.name,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`ip link add veth0 in ${this.client.name}: ${r.stderr}`);
    for (const [ns, addr] of [
      [this.client, this.v6 ? `${CLIENT6}/64` : `${CLIENT}/24`],
      [this.server, this.v6 ? `${SERVER6}/64` : `${SERVER}/24`],
    ] as const) {
      ns.run('ip', ['link', 'set', 'veth0', 'gso_max_segs', '1']);
      // nodad: the address is usable at once instead of after duplicate address detection.
      ns.run('ip', ['addr', 'add', addr, 'dev', 'veth0', ...(this.v6 ? ['nodad'] : [])]);
      ns.run('ip', ['link', 'set', 'veth0', 'up']);
    }
  }

  ns(side: Side): Netns {
    return side === 'client' ? this.client : this.server;
  }

  get serverAddr(): string {
    return this.v6 ? SERVER6 : SERVER;
  }

  get clientAddr(): string {
    return this.v6 ? CLIENT6 : CLIENT;
  }

  /** Loads an nftables ruleset (nft -f syntax) into one namespace. */
  nft(side: Side, ruleset: string): void {
    this.ns(side).run('nft', ['-f', '-'], { input: ruleset });
  }

  /** The counter values (packets) of the named counters in one namespace's ruleset. */
  nftCounters(side: Side): Record<string, number> {
    const r = this.ns(side).run('nft', ['-j', 'list', 'counters']);
    const out: Record<string, number> = {};
    const doc = JSON.parse(r.stdout) as { nftables: { counter?: { name: string; packets: number } }[] };
    for (const e of doc.nftables) if (e.counter) out[e.counter.name] = e.counter.packets;
    return out;
  }

  /** Starts tcpdump on the client's veth end and waits until it is listening. */
  async startCapture(): Promise<void> {
    const file = this.client.file('capture.pcap');
    this.#captureFile = file;
    this.#tcpdump = this.client.spawn(
      'tcpdump',
      ['-i', 'veth0', '-n', '-w', file, '-Z', 'root', '--immediate-mode', '-U'],
      'tcpdump',
      'ignore',
    );
    await this.#tcpdump.until((p) => p.stderr.includes('listening on'), 10_000, 'tcpdump to listen');
  }

  /**
   * Stops tcpdump with SIGINT (so it flushes and closes the file), waits for it to exit and returns
   * the capture, also copied to CAPTURE_DIR/<name>.pcap.
   */
  async stopCapture(name: string): Promise<Uint8Array> {
    const dump = this.#tcpdump;
    const file = this.#captureFile;
    if (dump === undefined || file === undefined) throw new Error('no capture running');
    dump.kill('SIGINT');
    const r = await dump.wait(10_000);
    if (r.code !== 0) throw new Error(`tcpdump exited ${r.code} ${r.signal ?? ''}: ${r.stderr}`);
    mkdirSync(CAPTURE_DIR, { recursive: true });
    copyFileSync(file, join(CAPTURE_DIR, `${name}.pcap`));
    return new Uint8Array(readFileSync(file));
  }

  /** Starts the server peer and waits until it listens. */
  async startServer(port = PORT): Promise<Peer> {
    const p = new Peer(this.server.spawn(process.execPath, [PEER, 'server', this.serverAddr, String(port)], 'server'));
    await p.until('listening');
    return p;
  }

  /** Starts the client peer, waits until it is connected and the server has accepted. */
  async connect(server: Peer, port = PORT): Promise<Peer> {
    const p = new Peer(this.client.spawn(process.execPath, [PEER, 'client', this.serverAddr, String(port)], 'client'));
    await p.until('connected');
    await server.until('accepted');
    return p;
  }

  /** Kills what is left in both namespaces and deletes them (which deletes the veth pair too). */
  async destroy(): Promise<void> {
    await Promise.all([this.client.destroy(), this.server.destroy()]);
  }
}

/** Runs `fn` with a fresh pair of namespaces, always deleted afterwards. */
export async function withKernelPair<T>(fn: (pair: KernelPair) => Promise<T>, v6 = false): Promise<T> {
  const pair = KernelPair.create(v6);
  try {
    return await fn(pair);
  } finally {
    await pair.destroy();
  }
}

export interface TsharkRow {
  /** Seconds since the first packet. */
  t: number;
  /** Capture time, ms since the Unix epoch. */
  ms: number;
  from: Side;
  flags: string;
  /** Relative sequence and acknowledgment numbers, as tshark computes them. */
  seq: number;
  ack: number;
  len: number;
}

/** tshark's reading of the TCP packets of a capture, as an independent check of what happened. */
export function tsharkRows(file: string, clientAddr: string): TsharkRow[] {
  return tsharkFields(
    file,
    ['frame.time_relative', 'frame.time_epoch', 'ip.src', 'ipv6.src', 'tcp.flags', 'tcp.seq', 'tcp.ack', 'tcp.len'],
    { filter: 'tcp' },
  ).map((row) => {
    const [t, epoch, src4, src6, flags, seq, ack, len] = row;
    return {
      t: Number(t),
      ms: epochMs(epoch ?? ''),
      from: (src4 || src6) === clientAddr ? 'client' : 'server',
      flags: flagNames(Number.parseInt(flags ?? '0', 16)),
      seq: Number(seq),
      ack: Number(ack),
      len: Number(len),
    } satisfies TsharkRow;
  });
}

/** '1764818283.123456789' (seconds) as ms, without losing the microseconds to a float product. */
function epochMs(text: string): number {
  const [sec = '0', frac = ''] = text.split('.');
  return Number(sec) * 1000 + Number(`${frac.padEnd(9, '0').slice(0, 3)}.${frac.padEnd(9, '0').slice(3)}`);
}

const FLAG_NAMES: [number, string][] = [
  [0x02, 'SYN'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
];

function flagNames(bits: number): string {
  return FLAG_NAMES.filter(([b]) => (bits & b) !== 0)
    .map(([, n]) => n)
    .join(',');
}

/** One row per TCP packet, 'client FIN,ACK 5:1+0' style, for assertion messages and comparisons. */
export function rowText(r: TsharkRow): string {
  return `${r.from} ${r.flags} ${r.seq}:${r.ack}+${r.len}`;
}

/** The rows as text, without PSH (whether a data segment carries PSH is no part of a close). */
export function shape(rows: readonly TsharkRow[]): string[] {
  return rows.map((r) =>
    rowText({
      ...r,
      flags: r.flags
        .split(',')
        .filter((f) => f !== 'PSH')
        .join(','),
    }),
  );
}

export const captureFile = (name: string): string => join(CAPTURE_DIR, `${name}.pcap`);
