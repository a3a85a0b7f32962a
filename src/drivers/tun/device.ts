// A Linux TUN interface seen from Node: open, configure, read and write whole IP packets.
//
// Opening: /dev/net/tun is opened non-blocking, TUNSETIFF (native.ts) makes it the interface `name`
// with IFF_TUN | IFF_NO_PI (bare IP packets, no 4-byte packet-information prefix). Then `ip` gives
// the kernel side its MTU and addresses and brings the link up. If any step fails, everything done
// so far is undone before the error is thrown: an interface we created disappears with its fd (we
// never make it persistent), and on a persistent interface we only attached to, the addresses we
// added are deleted again and the link is left as we found it.
//
// Reading: the fd goes into a libuv pipe handle wrapped in a net.Socket, so libuv polls it in the
// event loop (epoll) and reads when it is readable; no thread-pool thread sits in a blocking read()
// and the process can exit while the device is idle. A TUN read returns exactly one packet, and each
// read becomes one 'data' chunk in flowing mode, so chunks are packets (the stream never merges them
// while it flows; we never pause it).
//
// Writing: one write() per packet. A TUN fd takes exactly one packet per write (writev would glue
// the pieces into one packet), so "batching" means no more than writing the packets of one core call
// back to back, synchronously, without a turn of the event loop between them.
//
// Offloads (on by default, offload.ts): IFF_VNET_HDR puts a 10-byte virtio_net_hdr in front of each
// packet both ways, and TUNSETOFFLOAD lets the kernel's TCP hand us segments of up to 64 KiB with a
// partial checksum, one read each. The header is stripped here; what it said about the checksum goes
// to onPacket. We write a zero header in front of each packet (writev: header and packet are one).

import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync, writevSync } from 'node:fs';
import { Socket } from 'node:net';
import { parseAddress } from '../../wire/ip.js';
import { TunError } from './errors.js';
import { IFF_NO_PI, IFF_TUN, IFNAMSIZ, tunSetIff, tunSetOffload } from './native.js';
import {
  IFF_VNET_HDR,
  type RxOffload,
  readVnetHeader,
  rxOffload,
  TUN_F_CSUM,
  TUN_F_TSO4,
  TUN_F_TSO6,
  TUNSETOFFLOAD,
  VNET_HDR_LEN,
  VNET_HDR_ZERO,
} from './offload.js';

export interface TunOpenOptions {
  /** Interface name (default 'finack%d': the kernel picks the number). */
  name?: string;
  /** Addresses with prefix for the kernel side, e.g. ['198.51.100.1/24', '2001:db8:9::1/64']. */
  kernelAddrs?: string[];
  /** Link MTU; default: leave the kernel's (1500). */
  mtu?: number;
  /** Bring the link up (default true). */
  up?: boolean;
  /** Path of the clone device (default /dev/net/tun; tests point it elsewhere). */
  devicePath?: string;
  /** The `ip` program (default 'ip'). */
  ipCommand?: string;
  /**
   * Checksum and segmentation offload (default true): the kernel hands TCP segments of up to 64 KiB
   * with a partial checksum (offload.ts). false: plain packets of at most the MTU, checksums filled.
   */
  offload?: boolean;
}

export interface TunStats {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  /** Writes the kernel refused (interface down, queue full). The packet is lost, as on a wire. */
  txErrors: number;
}

/** A parsed `addr/prefix`. */
export interface Cidr {
  addr: string;
  prefix: number;
  family: 4 | 6;
}

const BAD_NAME = /[\s/:]/;

/** Checks an interface name the way the kernel does (dev_valid_name), without touching anything. */
export function checkInterfaceName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name === '.' || name === '..') {
    throw new TunError('ERR_TUN_BAD_NAME', JSON.stringify(name));
  }
  if (new TextEncoder().encode(name).length >= IFNAMSIZ || BAD_NAME.test(name)) {
    throw new TunError('ERR_TUN_BAD_NAME', JSON.stringify(name));
  }
}

/** 'a.b.c.d/n' or 'x::y/n' -> Cidr; TunError ERR_TUN_BAD_ADDRESS otherwise. */
export function parseCidr(text: string): Cidr {
  const slash = typeof text === 'string' ? text.lastIndexOf('/') : -1;
  if (slash <= 0) throw new TunError('ERR_TUN_BAD_ADDRESS', `${JSON.stringify(text)} needs a /prefix`);
  const addr = text.slice(0, slash);
  const p = text.slice(slash + 1);
  const bytes = parseAddress(addr);
  if (!bytes) throw new TunError('ERR_TUN_BAD_ADDRESS', `${JSON.stringify(addr)} is not an IP address`);
  const max = bytes.length * 8;
  const prefix = /^\d{1,3}$/.test(p) ? Number(p) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) {
    throw new TunError('ERR_TUN_BAD_ADDRESS', `prefix ${JSON.stringify(p)} of ${addr} must be 0..${max}`);
  }
  return { addr, prefix, family: bytes.length === 16 ? 6 : 4 };
}

/** Checks a plain address (no prefix); returns its family. */
export function checkAddress(text: string): 4 | 6 {
  const bytes = typeof text === 'string' ? parseAddress(text) : undefined;
  if (!bytes) throw new TunError('ERR_TUN_BAD_ADDRESS', `${JSON.stringify(text)} is not an IP address`);
  return bytes.length === 16 ? 6 : 4;
}

function checkMtu(mtu: number, v6: boolean): void {
  const min = v6 ? 1280 : 68;
  if (!Number.isInteger(mtu) || mtu < min || mtu > 65535) throw new TunError('ERR_TUN_BAD_MTU', `mtu=${mtu}`);
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'unknown';
}

/** Internal Node binding for libuv pipe handles (the same one net and child_process use). */
interface PipeHandle {
  open(fd: number): number;
}
interface PipeWrapBinding {
  Pipe: new (type: number) => PipeHandle;
  constants: { SOCKET: number };
}

function pipeBinding(): PipeWrapBinding {
  // process.binding is deprecated in general but pipe_wrap is on Node's allow-list; there is no
  // public API that polls an arbitrary fd in the event loop.
  return (process as unknown as { binding(name: string): PipeWrapBinding }).binding('pipe_wrap');
}

export class TunDevice {
  /** The interface name the kernel gave. */
  readonly name: string;
  /** Link MTU in effect. */
  readonly mtu: number;
  /** The kernel side's addresses we configured. */
  readonly kernelAddrs: readonly Cidr[];
  readonly stats: TunStats = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, txErrors: 0 };
  /** Segmentation offload is on: a packet read may exceed the MTU (a TCP segment of up to 64 KiB). */
  readonly offloads: boolean;
  /**
   * Called with each packet read (a fresh buffer, owned by the callee) and, when the kernel vouched
   * for its TCP checksum, what the vnet header said (valid during the call only; offload.ts).
   */
  onPacket: (bytes: Uint8Array, info?: RxOffload) => void = () => {};
  /** Called when reading fails for good (the device went away). */
  onError: (err: Error) => void = () => {};

  readonly #fd: number;
  readonly #socket: Socket;
  readonly #undo: (() => void) | undefined;
  readonly #vnet: boolean;
  readonly #iov: Uint8Array[] = [VNET_HDR_ZERO, VNET_HDR_ZERO];
  readonly #rx: RxOffload = rxOffload();
  #closed = false;

  private constructor(
    name: string,
    fd: number,
    mtu: number,
    addrs: Cidr[],
    socket: Socket,
    undo: (() => void) | undefined,
    vnet: boolean,
    offloads: boolean,
  ) {
    this.name = name;
    this.#fd = fd;
    this.mtu = mtu;
    this.kernelAddrs = addrs;
    this.#socket = socket;
    this.#undo = undo;
    this.#vnet = vnet;
    this.offloads = offloads;
    socket.on(
      'data',
      vnet
        ? (chunk: Buffer) => {
            if (chunk.length <= VNET_HDR_LEN) return;
            const packet = chunk.subarray(VNET_HDR_LEN);
            this.stats.rxPackets++;
            this.stats.rxBytes += packet.length;
            this.onPacket(packet, readVnetHeader(chunk, this.#rx) ? this.#rx : undefined);
          }
        : (chunk: Buffer) => {
            this.stats.rxPackets++;
            this.stats.rxBytes += chunk.length;
            this.onPacket(chunk);
          },
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#closed) return;
      // EBADFD (77): the interface was deleted under us (`ip link del`); the fd is dead.
      const gone = err.errno === -77 || err.code === 'EBADFD';
      this.onError(
        gone
          ? new TunError('ERR_TUN_CLOSED', `interface ${name} was deleted`, { cause: err, syscallCode: 'EBADFD' })
          : err,
      );
    });
  }

  /**
   * Creates (or attaches to) a TUN interface and configures it. Throws TunError; on a throw nothing
   * is left behind.
   */
  static open(opts: TunOpenOptions = {}): TunDevice {
    const want = opts.name ?? 'finack%d';
    checkInterfaceName(want.replace('%d', '0'));
    const addrs = (opts.kernelAddrs ?? []).map(parseCidr);
    if (opts.mtu !== undefined)
      checkMtu(
        opts.mtu,
        addrs.some((a) => a.family === 6),
      );
    const ip = opts.ipCommand ?? 'ip';
    const devicePath = opts.devicePath ?? '/dev/net/tun';
    const pre = !want.includes('%d') && existsSync(`/sys/class/net/${want}`);

    let fd: number;
    try {
      fd = openSync(devicePath, constants.O_RDWR | constants.O_NONBLOCK); // libuv adds O_CLOEXEC
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENXIO') {
        throw new TunError('ERR_TUN_NO_DEVICE', `${devicePath}: ${code}`, { cause: err, syscallCode: code });
      }
      if (code === 'EACCES' || code === 'EPERM') {
        throw new TunError('ERR_TUN_PERMISSION', `${devicePath}: ${code}`, { cause: err, syscallCode: code });
      }
      throw new TunError('ERR_TUN_NO_DEVICE', `${devicePath}: ${code}`, { cause: err, syscallCode: code });
    }

    // From here on, failures must close fd (which removes an interface we created).
    let socket: Socket | undefined;
    const added: Cidr[] = [];
    let broughtUp = false;
    let name = want;
    const vnet = opts.offload ?? true;
    let offloads = false;
    const run = (args: string[]): void => {
      try {
        execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      } catch (err) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
        throw new TunError('ERR_TUN_CONFIG', `${ip} ${args.join(' ')}: ${stderr || errnoOf(err)}`, { cause: err });
      }
    };
    const undoConfig = (): void => {
      if (!pre) return; // our own interface vanishes with its fd, addresses and all
      for (const a of added) {
        try {
          run(['addr', 'del', `${a.addr}/${a.prefix}`, 'dev', name]);
        } catch {}
      }
      if (broughtUp) {
        try {
          run(['link', 'set', 'dev', name, 'down']);
        } catch {}
      }
    };
    try {
      const r = tunSetIff(fd, want, IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0));
      if (!r.ok) {
        if (r.errno === 'EPERM' || r.errno === 'EACCES') {
          throw new TunError('ERR_TUN_PERMISSION', `TUNSETIFF ${want}: ${r.errno}`, { syscallCode: r.errno });
        }
        if (r.errno === 'EBUSY' || r.errno === 'EINVAL' || r.errno === 'EEXIST') {
          throw new TunError('ERR_TUN_NAME_IN_USE', `TUNSETIFF ${want}: ${r.errno}`, { syscallCode: r.errno });
        }
        throw new TunError('ERR_TUN_CONFIG', `TUNSETIFF ${want}: ${r.errno}`, { syscallCode: r.errno });
      }
      name = r.name;
      // Without it the header stays (zero, as we write it) and the kernel just does not offload.
      if (vnet) offloads = tunSetOffload(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6).ok;
      if (opts.mtu !== undefined) run(['link', 'set', 'dev', name, 'mtu', String(opts.mtu)]);
      for (const a of addrs) {
        // nodad: the address is usable at once (no 1-2 s of duplicate address detection on IPv6).
        const args = ['addr', 'add', `${a.addr}/${a.prefix}`, 'dev', name];
        if (a.family === 6) args.push('nodad');
        run(args);
        added.push(a);
      }
      if (opts.up ?? true) {
        const wasUp = pre && isUp(name);
        run(['link', 'set', 'dev', name, 'up']);
        broughtUp = !wasUp;
      }
      const mtu = readMtu(name) ?? opts.mtu ?? 1500;
      const { Pipe, constants: pc } = pipeBinding();
      const handle = new Pipe(pc.SOCKET);
      const rc = handle.open(fd);
      if (rc !== 0) throw new TunError('ERR_TUN_CONFIG', `cannot poll the TUN fd (uv error ${rc})`);
      socket = new Socket({ handle, readable: true, writable: false } as ConstructorParameters<typeof Socket>[0]);
      return new TunDevice(name, fd, mtu, addrs, socket, pre ? undoConfig : undefined, vnet, offloads);
    } catch (err) {
      try {
        undoConfig();
      } finally {
        if (socket) socket.destroy();
        else closeQuietly(fd);
      }
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes one IP packet to the kernel. Returns false (and counts it) if the kernel refused it. */
  write(packet: Uint8Array): boolean {
    if (this.#closed) return false;
    try {
      if (this.#vnet) {
        const iov = this.#iov;
        iov[1] = packet;
        writevSync(this.#fd, iov);
        iov[1] = VNET_HDR_ZERO;
      } else writeSync(this.#fd, packet);
      this.stats.txPackets++;
      this.stats.txBytes += packet.length;
      return true;
    } catch {
      this.stats.txErrors++;
      return false;
    }
  }

  /**
   * Stops reading and closes the fd: an interface we created disappears; on one we attached to, our
   * addresses are removed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#undo?.();
    } finally {
      this.#socket.destroy(); // closes the handle, which closes the fd
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {}
}

function readMtu(name: string): number | undefined {
  try {
    const n = Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isUp(name: string): boolean {
  try {
    const flags = Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
    return (flags & 1) !== 0;
  } catch {
    return false;
  }
}
