// `finack serve` and `finack connect`: finack on a TUN device, talking to the kernel's TCP.
//
//   finack serve   --tun <ifname> --kernel-addr <ip/prefix> --addr <ip> --port <port> [--mode ...]
//   finack connect --tun <ifname> --kernel-addr <ip/prefix> --addr <ip> <host> <port>
//
// The kernel owns --kernel-addr on the interface; finack owns --addr, an address the kernel routes
// into the interface (inside the prefix). Both commands take --trace <file.jsonl> (one trace event
// per line; .svg or .html: the ladder diagrams, cli/trace-output.ts), --pcap <file> (every packet crossing the device), --verbose (state changes on
// stderr; a line per connection opened and one when it closes are printed always), and the fault
// options of the TUN driver. Each listens on a control socket
// (drivers/control.ts) from which `finack ss` reads its connection table and counters; the line
// printed when it is ready names the socket.
//
// runServe / runConnect return a promise of the exit code: 0 ok, 1 failure (a TunError, a reset or
// timeout on connect), 2 usage error. src/cli/main.ts loads this file only for these commands.

import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { TcpError } from '../base/errors.js';
import type { TcpConfig } from '../core/config.js';
import { type ControlHandle, serveControl } from '../drivers/control.js';
import { PcapFileWriter } from '../drivers/pcap-file.js';
import { checkAddress, parseCidr, TunDevice } from '../drivers/tun/device.js';
import { type TunConnection, TunDriver, type TunFaults } from '../drivers/tun/driver.js';
import { TunError } from '../drivers/tun/errors.js';
import type { LinkOptions } from '../io/link.js';
import { parseAddress } from '../wire/ip.js';
import { CliUsageError, parseDuration } from './args.js';
import { TraceOutput } from './trace-output.js';

export interface TunCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Bytes for `connect` to send (default process.stdin). */
  stdin?: Readable;
  /** Where `connect` writes what arrives (default process.stdout). */
  output?: Writable;
  /** Aborting it stops the command as SIGTERM does (tests). */
  signal?: AbortSignal;
  /** Handle SIGINT/SIGTERM (default true when io is the process's). */
  signals?: boolean;
}

export const SERVE_MODES = ['echo', 'discard', 'source', 'http', 'abort'] as const;
export type ServeMode = (typeof SERVE_MODES)[number];

export const SERVE_HELP = `Usage: finack serve --tun <ifname> --kernel-addr <ip/prefix> --addr <ip> --port <port> [options]

A finack server on --addr:--port, reachable from the kernel, which owns --kernel-addr on the TUN
interface <ifname> (created if missing, removed on exit).

Modes (--mode, default echo):
  echo      send back what arrives; half-close when the peer does
  discard   read and drop; half-close when the peer does
  source    send --bytes of a fixed pattern, then half-close (reads and drops what arrives)
  http      answer one HTTP/1.1 request with a small 200 response, then close
  abort     reset the connection (RST) when the first data arrives

${commonHelp()}
  --once                 exit when the first connection is closed (TIME-WAIT included)
  --bytes <n>            bytes for --mode source (default 1048576; suffixes k, M, G)`;

export const CONNECT_HELP = `Usage: finack connect --tun <ifname> --kernel-addr <ip/prefix> --addr <ip> <host> <port> [options]

A finack client from --addr to a kernel-side server at <host>:<port>. Stdin is sent; what arrives
goes to stdout. EOF on stdin half-closes (FIN); the program exits once the peer's FIN has arrived and
our FIN is acknowledged (or, with --linger, once TIME-WAIT is over).

${commonHelp()}
  --linger               stay until TIME-WAIT ends (the connection is CLOSED)
  --local-port <port>    source port (default: ephemeral)`;

function commonHelp(): string {
  return `Options:
  --tun <ifname>         TUN interface (e.g. finack0)
  --kernel-addr <ip/n>   the kernel side's address and prefix (e.g. 198.51.100.1/24)
  --addr <ip>            finack's own address, inside that prefix (e.g. 198.51.100.2)
  --mtu <n>              link MTU (default 1500); MSS = MTU - 40 (IPv4) / - 60 (IPv6)
  --trace <file>         every trace event: <file>.jsonl one JSON object per line, or the ladder
                         diagram of each connection when it ends in .svg or .html (written at exit)
  --pcap <file>          every packet crossing the device (LINKTYPE_RAW), flushed each event-loop turn
  --verbose              state changes on stderr (a line per connection opened and closed comes always)
  --hash                 in the closing line of each connection: SHA-256 of the bytes each way
  --msl <duration>       Maximum Segment Lifetime (TIME-WAIT = 2 x MSL), e.g. 500ms (default 30s)
  --rto-min <duration>   lower bound of the retransmission timeout (default 1s; Linux uses 200ms)
  --keepalive <i,n,c>    keepalive: idle, interval (durations), count, e.g. 1s,500ms,3
  --nodelay              disable Nagle
  --loss <p>  --delay <ms>  --jitter <ms>  --reorder <p>  --duplicate <p>  --fault-seed <n>
                         faults on finack's side of the device, both directions (p in [0, 1])
  -h, --help             this help`;
}

interface CommonOptions {
  tun: string;
  kernelAddr: string;
  addr: string;
  mtu: number | undefined;
  trace: string | undefined;
  pcap: string | undefined;
  verbose: boolean;
  hash: boolean;
  config: Partial<TcpConfig>;
  keepalive: { idle: number; interval: number; count: number } | undefined;
  noDelay: boolean;
  faults: TunFaults | undefined;
}

const COMMON_ARGS = {
  tun: { type: 'string' },
  'kernel-addr': { type: 'string' },
  addr: { type: 'string' },
  mtu: { type: 'string' },
  trace: { type: 'string' },
  pcap: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  hash: { type: 'boolean' },
  msl: { type: 'string' },
  'rto-min': { type: 'string' },
  keepalive: { type: 'string' },
  nodelay: { type: 'boolean' },
  loss: { type: 'string' },
  delay: { type: 'string' },
  jitter: { type: 'string' },
  reorder: { type: 'string' },
  duplicate: { type: 'string' },
  'fault-seed': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function intOption(name: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) throw new CliUsageError(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

function probability(name: string, text: string): number {
  const p = Number(text);
  if (!(text.trim() !== '' && p >= 0 && p <= 1)) throw new CliUsageError(`--${name} must be a probability in [0, 1]`);
  return p;
}

/** '64M', '1k', '1048576' -> bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text.trim());
  if (!m) throw new CliUsageError(`invalid size ${JSON.stringify(text)}: use e.g. 1048576, 64k, 64M`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliUsageError(`--${name} is required`);
  return v;
}

function parseCommon(values: Record<string, string | boolean | undefined>): CommonOptions {
  const tun = required(values, 'tun');
  const kernelAddr = required(values, 'kernel-addr');
  const addr = required(values, 'addr');
  const config: Partial<TcpConfig> = {};
  if (typeof values.msl === 'string') config.msl = parseDuration(values.msl);
  if (typeof values['rto-min'] === 'string') {
    config.rtoMin = parseDuration(values['rto-min']);
    if (config.rtoMin < 1) throw new CliUsageError('--rto-min must be at least 1ms');
  }
  let keepalive: CommonOptions['keepalive'];
  if (typeof values.keepalive === 'string') {
    const parts = values.keepalive.split(',');
    if (parts.length !== 3) throw new CliUsageError('--keepalive takes idle,interval,count (e.g. 1s,500ms,3)');
    keepalive = {
      idle: parseDuration(parts[0] as string),
      interval: parseDuration(parts[1] as string),
      count: intOption('keepalive count', parts[2] as string, 1, 1000),
    };
    if (keepalive.interval === 0) throw new CliUsageError('--keepalive interval must be > 0');
  }
  const link: LinkOptions = {};
  if (typeof values.loss === 'string') link.loss = probability('loss', values.loss);
  if (typeof values.reorder === 'string') link.reorder = probability('reorder', values.reorder);
  if (typeof values.duplicate === 'string') link.duplicate = probability('duplicate', values.duplicate);
  if (typeof values.delay === 'string') link.latency = parseDuration(values.delay);
  if (typeof values.jitter === 'string') link.jitter = parseDuration(values.jitter);
  if (link.reorder !== undefined && link.reorder > 0) link.reorderDelay = Math.max(link.latency ?? 0, 1) * 2;
  const faults: TunFaults | undefined =
    Object.keys(link).length > 0
      ? {
          out: link,
          in: link,
          seed:
            typeof values['fault-seed'] === 'string'
              ? intOption('fault-seed', values['fault-seed'], 0, 2 ** 32 - 1)
              : 1,
        }
      : undefined;
  return {
    tun,
    kernelAddr,
    addr,
    mtu: typeof values.mtu === 'string' ? intOption('mtu', values.mtu, 68, 65535) : undefined,
    trace: typeof values.trace === 'string' ? values.trace : undefined,
    pcap: typeof values.pcap === 'string' ? values.pcap : undefined,
    verbose: values.verbose === true,
    hash: values.hash === true,
    config,
    keepalive,
    noDelay: values.nodelay === true,
    faults,
  };
}

/** Checks the addresses before anything is created (TunError ERR_TUN_BAD_ADDRESS). */
function checkAddresses(o: CommonOptions): void {
  const k = parseCidr(o.kernelAddr);
  const fam = checkAddress(o.addr);
  if (fam !== k.family) {
    throw new TunError(
      'ERR_TUN_BAD_ADDRESS',
      `--addr ${o.addr} and --kernel-addr ${o.kernelAddr} are of different families`,
    );
  }
  if (o.addr === k.addr) {
    throw new TunError('ERR_TUN_BAD_ADDRESS', `--addr must differ from the kernel's address ${k.addr}`);
  }
  // The kernel routes only its own prefix into the interface: an --addr outside it is unreachable.
  if (!samePrefix(parseAddress(o.addr) as Uint8Array, parseAddress(k.addr) as Uint8Array, k.prefix)) {
    throw new TunError(
      'ERR_TUN_BAD_ADDRESS',
      `--addr ${o.addr} is outside --kernel-addr ${o.kernelAddr}: the kernel would not route it to the interface`,
    );
  }
}

/** Do the first `prefix` bits of a and b agree? */
function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const n = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if ((a[bit / 8]! & mask) !== (b[bit / 8]! & mask)) return false;
  }
  return true;
}

/** Everything a command holds; close() undoes it in reverse order. Never throws. */
interface Stack {
  driver: TunDriver;
  trace: TraceOutput;
  pcap: PcapFileWriter | undefined;
  /** Set when reading the device failed for good (the interface was deleted under us). */
  failed: Error | undefined;
  /** Called once on such a failure. */
  onFailure: () => void;
  /** The control socket `finack ss` reads (undefined if it could not be made: a warning was printed). */
  control: ControlHandle | undefined;
  close(): void;
}

function openStack(o: CommonOptions, io: TunCliIo, command: 'serve' | 'connect'): Stack {
  checkAddresses(o);
  const trace = new TraceOutput(o.trace, io, o.verbose, `finack ${command} on ${o.tun}`);
  let pcap: PcapFileWriter | undefined;
  let device: TunDevice | undefined;
  try {
    if (o.pcap !== undefined) pcap = new PcapFileWriter(o.pcap);
    device = TunDevice.open({
      name: o.tun,
      kernelAddrs: [o.kernelAddr],
      ...(o.mtu !== undefined ? { mtu: o.mtu } : {}),
    });
    const config: Partial<TcpConfig> = { ...o.config };
    if (o.keepalive) {
      config.keepalive = true;
      config.keepaliveIdle = o.keepalive.idle;
      config.keepaliveInterval = o.keepalive.interval;
      config.keepaliveCount = o.keepalive.count;
    }
    if (o.noDelay) config.nagle = false;
    const driver = new TunDriver({
      device,
      addresses: [o.addr],
      name: 'finack',
      config,
      ...(trace.active ? { trace: trace.sink } : {}),
      ...(pcap ? { pcap } : {}),
      ...(o.faults ? { faults: o.faults } : {}),
    });
    if (o.verbose) {
      io.stderr(
        `finack: ${device.name} up, mtu ${device.mtu}; kernel ${o.kernelAddr}, finack ${o.addr} (mss ${driver.configFor(checkAddress(o.addr)).mss})\n`,
      );
    }
    let control: ControlHandle | undefined;
    try {
      control = serveControl(driver, { name: `finack ${command}`, signals: false });
    } catch (err) {
      io.stderr(`finack: no control socket (finack ss will not see this process): ${controlFailure(err)}\n`);
    }
    let closed = false;
    const stack: Stack = {
      driver,
      trace,
      pcap,
      failed: undefined,
      onFailure: () => {},
      control,
      close() {
        if (closed) return;
        closed = true;
        const steps = [
          () => control?.close(),
          () => driver.close({ abort: true }),
          () => pcap?.close(),
          () => trace.close(),
        ];
        for (const step of steps) {
          try {
            step();
          } catch (err) {
            io.stderr(`finack: while closing: ${err instanceof Error ? err.message : String(err)}\n`);
          }
        }
      },
    };
    device.onError = (err) => {
      if (stack.failed) return;
      stack.failed = err;
      io.stderr(`finack: reading ${device?.name} failed: ${err.message}\n`);
      stack.onFailure();
    };
    return stack;
  } catch (err) {
    device?.close();
    pcap?.close();
    trace.close();
    throw err;
  }
}

/** Bytes of the fixed `source` pattern: a 32-bit mix of each word's index, so no two 4 KiB blocks match. */
export function sourcePattern(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const pos = offset + i;
    let w = Math.floor(pos / 4) >>> 0;
    w = Math.imul(w ^ (w >>> 16), 0x45d9f3b) >>> 0;
    w = Math.imul(w ^ (w >>> 16), 0x45d9f3b) >>> 0;
    w = (w ^ (w >>> 16)) >>> 0;
    out[i] = (w >>> ((pos & 3) * 8)) & 0xff;
  }
  return out;
}

interface Tally {
  rx: number;
  tx: number;
  rxHash: ReturnType<typeof createHash> | undefined;
  txHash: ReturnType<typeof createHash> | undefined;
}

function tally(hash: boolean): Tally {
  return {
    rx: 0,
    tx: 0,
    rxHash: hash ? createHash('sha256') : undefined,
    txHash: hash ? createHash('sha256') : undefined,
  };
}

function summary(label: string, t: Tally, outcome: string): string {
  const rx = t.rxHash ? ` sha256 ${t.rxHash.digest('hex')}` : '';
  const tx = t.txHash ? ` sha256 ${t.txHash.digest('hex')}` : '';
  return `finack: ${label} ${outcome}: received ${t.rx} bytes${rx}; sent ${t.tx} bytes${tx}\n`;
}

function label(c: TunConnection): string {
  const a = c.addresses;
  return a ? `${a.local.addr}:${a.local.port}<>${a.remote.addr}:${a.remote.port}` : `conn ${c.id}`;
}

function processIo(): TunCliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: process.stdin,
    output: process.stdout,
    signals: true,
  };
}

/** Runs until a stop request; resolves with the exit code. */
function lifetime(io: TunCliIo, stack: Stack, onStop: () => void): { stopped: Promise<void>; done: () => void } {
  let resolve!: () => void;
  const stopped = new Promise<void>((r) => {
    resolve = r;
  });
  const stop = (): void => {
    onStop();
    resolve();
  };
  stack.onFailure = stop;
  const handleSignals = io.signals ?? false;
  if (handleSignals) {
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  io.signal?.addEventListener('abort', stop, { once: true });
  const done = (): void => {
    if (handleSignals) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    io.signal?.removeEventListener('abort', stop);
    resolve();
  };
  return { stopped, done };
}

function controlFailure(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** 'control <path>' once the control socket listens; on failure a warning and 'no control socket'. */
async function controlNote(s: Stack, io: TunCliIo): Promise<string> {
  if (s.control === undefined) return 'no control socket';
  try {
    await s.control.ready;
    return `control ${s.control.path}`;
  } catch (err) {
    io.stderr(`finack: no control socket (finack ss will not see this process): ${controlFailure(err)}\n`);
    return 'no control socket';
  }
}

function failure(err: unknown, io: TunCliIo): number {
  if (err instanceof CliUsageError) {
    io.stderr(`finack: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof TunError || err instanceof TcpError) {
    io.stderr(`finack: ${err.code}: ${err.message}\n`);
    return 1;
  }
  io.stderr(`finack: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

const HTTP_BODY = 'hello from finack\n';

/** `finack serve`. */
export async function runServe(argv: readonly string[], io: TunCliIo = processIo()): Promise<number> {
  let stack: Stack | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        ...COMMON_ARGS,
        port: { type: 'string' },
        mode: { type: 'string' },
        once: { type: 'boolean' },
        bytes: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(`${SERVE_HELP}\n`);
      return 0;
    }
    const o = parseCommon(values);
    const port = intOption('port', required(values, 'port'), 1, 65535);
    const mode = (values.mode ?? 'echo') as ServeMode;
    if (!SERVE_MODES.includes(mode)) throw new CliUsageError(`--mode must be one of ${SERVE_MODES.join(', ')}`);
    const sourceBytes = typeof values.bytes === 'string' ? parseSize(values.bytes) : 1 << 20;
    const once = values.once === true;

    stack = openStack(o, io, 'serve');
    const s = stack;
    const exitCode = 0;
    const life = lifetime(io, s, () => {});
    s.driver.listen(
      port,
      (c) => {
        const t = tally(o.hash);
        const name = label(c);
        if (o.keepalive) c.setKeepalive(true, o.keepalive);
        if (o.noDelay) c.setNoDelay(true);
        io.stderr(`finack: accepted ${name}\n`);
        let outcome = 'closed';
        const send = (data: Uint8Array): boolean => {
          t.tx += data.length;
          t.txHash?.update(data);
          return c.write(data);
        };
        c.on('error', (e) => {
          outcome = e.code;
        });
        c.on('close', () => {
          io.stderr(summary(name, t, outcome));
          if (once) life.done();
        });
        switch (mode) {
          case 'echo':
            c.on('data', (d) => {
              t.rx += d.length;
              t.rxHash?.update(d);
              send(new Uint8Array(d));
            });
            c.on('end', () => c.end());
            break;
          case 'discard':
            c.on('data', (d) => {
              t.rx += d.length;
              t.rxHash?.update(d);
            });
            c.on('end', () => c.end());
            break;
          case 'source': {
            let off = 0;
            const pump = (): void => {
              while (off < sourceBytes) {
                const n = Math.min(65536, sourceBytes - off);
                const ok = send(sourcePattern(off, n));
                off += n;
                if (!ok) return;
              }
              c.end();
            };
            c.on('data', (d) => {
              t.rx += d.length;
              t.rxHash?.update(d);
            });
            c.on('drain', pump);
            pump();
            break;
          }
          case 'http': {
            let head = '';
            let answered = false;
            c.on('data', (d) => {
              t.rx += d.length;
              t.rxHash?.update(d);
              if (answered) return;
              head += new TextDecoder().decode(d);
              if (!head.includes('\r\n\r\n')) return;
              answered = true;
              const body = HTTP_BODY;
              send(
                new TextEncoder().encode(
                  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\nServer: finack\r\n\r\n${body}`,
                ),
              );
              c.close();
            });
            c.on('end', () => {
              if (!answered) c.close();
            });
            break;
          }
          case 'abort':
            c.on('data', (d) => {
              t.rx += d.length;
              t.rxHash?.update(d);
              outcome = 'aborted';
              c.abort();
            });
            c.on('end', () => c.end());
            break;
        }
      },
      { addr: o.addr },
    );
    io.stderr(`finack: listening on ${o.addr}:${port} (${mode}), pid ${process.pid}, ${await controlNote(s, io)}\n`);
    await life.stopped;
    life.done();
    return s.failed ? 1 : exitCode;
  } catch (err) {
    return failure(err, io);
  } finally {
    stack?.close();
  }
}

/** `finack connect`. */
export async function runConnect(argv: readonly string[], io: TunCliIo = processIo()): Promise<number> {
  let stack: Stack | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...COMMON_ARGS, linger: { type: 'boolean' }, 'local-port': { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      io.stdout(`${CONNECT_HELP}\n`);
      return 0;
    }
    const o = parseCommon(values);
    if (positionals.length !== 2) throw new CliUsageError('connect takes <host> <port>');
    const host = positionals[0] as string;
    const port = intOption('port', positionals[1] as string, 1, 65535);
    if (checkAddress(host) !== checkAddress(o.addr)) {
      throw new TunError('ERR_TUN_BAD_ADDRESS', `<host> ${host} and --addr ${o.addr} are of different families`);
    }
    const localPort =
      typeof values['local-port'] === 'string' ? intOption('local-port', values['local-port'], 1, 65535) : undefined;
    const linger = values.linger === true;

    stack = openStack(o, io, 'connect');
    const s = stack;
    io.stderr(`finack: connecting ${o.addr} -> ${host}:${port}, pid ${process.pid}, ${await controlNote(s, io)}\n`);
    const input = io.stdin;
    const output = io.output;
    const t = tally(o.hash);
    let exitCode = 0;
    let outcome = 'closed';
    const c = s.driver.connect(host, port, {
      localAddr: o.addr,
      ...(localPort !== undefined ? { localPort } : {}),
    });
    const life = lifetime(io, s, () => {
      if (!c.closed) c.abort();
    });
    if (o.keepalive) c.setKeepalive(true, o.keepalive);
    if (o.noDelay) c.setNoDelay(true);
    let sentFin = false;
    let gotFin = false;
    let finAcked = false;
    const maybeDone = (): void => {
      if (!linger && sentFin && gotFin && finAcked) life.done();
    };
    let name = label(c);
    c.on('connect', () => {
      name = label(c);
      io.stderr(`finack: connected ${name}\n`);
      if (!input) {
        sentFin = true;
        c.end();
        return;
      }
      input.on('data', (d: Buffer) => {
        t.tx += d.length;
        t.txHash?.update(d);
        if (!c.write(new Uint8Array(d.buffer, d.byteOffset, d.length))) input.pause();
      });
      input.on('end', () => {
        sentFin = true;
        c.end();
      });
      input.resume();
    });
    c.on('drain', () => input?.resume());
    c.on('data', (d) => {
      t.rx += d.length;
      t.rxHash?.update(d);
      if (output && !output.write(d)) {
        c.pause();
        output.once('drain', () => c.resume());
      }
    });
    c.on('end', () => {
      gotFin = true;
      maybeDone();
    });
    c.on('finish', () => {
      finAcked = true;
      maybeDone();
    });
    c.on('error', (e) => {
      outcome = e.code;
      io.stderr(`finack: ${e.code}: ${new TcpError(e.code).message}\n`);
      exitCode = 1;
    });
    c.on('close', () => life.done());
    await life.stopped;
    input?.pause();
    io.stderr(summary(name, t, outcome));
    if (output && output !== process.stdout) await new Promise<void>((r) => output.end(r));
    return s.failed ? 1 : exitCode;
  } catch (err) {
    return failure(err, io);
  } finally {
    stack?.close();
  }
}
