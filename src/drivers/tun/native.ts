// The one system call Node cannot make: ioctl(fd, TUNSETIFF, &ifreq). It goes through koffi, an FFI
// package whose prebuilt binary ships inside the npm package (no compiler needed). koffi is an
// optional dependency, loaded on first use only, so everything else in finack works without it.
//
// struct ifreq (linux/if.h) is 40 bytes on 64-bit Linux: ifr_name[16], then a union whose first
// member we use is `short ifr_flags`.

import { createRequire } from 'node:module';
import { TunError } from './errors.js';

export const TUNSETIFF = 0x400454ca;
export const IFF_TUN = 0x0001;
export const IFF_NO_PI = 0x1000;
export const IFNAMSIZ = 16;
const IFREQ_SIZE = 40;

type IoctlFn = (fd: number, request: number, arg: Uint8Array) => number;
type IoctlValueFn = (fd: number, request: number, arg: number) => number;

interface Native {
  ioctl: IoctlFn;
  /** ioctl with an integer argument (TUNSETOFFLOAD). */
  ioctlValue: IoctlValueFn;
  errno: () => number;
}

let native: Native | undefined;

function load(): Native {
  if (native) return native;
  if (process.platform !== 'linux') throw new TunError('ERR_TUN_UNSUPPORTED', `platform ${process.platform}`);
  let koffi: {
    load(lib: string): { func(decl: string): IoctlFn & IoctlValueFn };
    errno(): number;
  };
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch (err) {
    throw new TunError('ERR_TUN_NATIVE_MISSING', err instanceof Error ? err.message : String(err), { cause: err });
  }
  try {
    const libc = koffi.load('libc.so.6');
    const ioctl = libc.func('int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)');
    const ioctlValue = libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)');
    native = { ioctl, ioctlValue, errno: () => koffi.errno() };
    return native;
  } catch (err) {
    throw new TunError('ERR_TUN_NATIVE_MISSING', `libc: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** True when the native piece loads (koffi installed, Linux). */
export function nativeAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  9: 'EBADF',
  13: 'EACCES',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  25: 'ENOTTY',
  77: 'EBADFD',
};

export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

/**
 * TUNSETIFF on an open /dev/net/tun fd: creates the interface `name` (or attaches to a persistent
 * one of that name). A name ending in '%d' lets the kernel pick a number. Returns the name the
 * kernel used, or the errno name on failure.
 */
export function tunSetIff(
  fd: number,
  name: string,
  flags: number,
): { ok: true; name: string } | { ok: false; errno: string } {
  const n = load();
  const ifr = new Uint8Array(IFREQ_SIZE);
  const encoded = new TextEncoder().encode(name);
  ifr.set(encoded.subarray(0, IFNAMSIZ - 1), 0);
  ifr[IFNAMSIZ] = flags & 0xff;
  ifr[IFNAMSIZ + 1] = (flags >>> 8) & 0xff;
  const r = n.ioctl(fd, TUNSETIFF, ifr);
  if (r < 0) return { ok: false, errno: errnoName(n.errno()) };
  const end = ifr.indexOf(0);
  return { ok: true, name: new TextDecoder().decode(ifr.subarray(0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end)) };
}

/** TUNSETOFFLOAD: the offloads (TUN_F_* bits, offload.ts) the kernel may use on this interface. */
export function tunSetOffload(fd: number, request: number, bits: number): { ok: true } | { ok: false; errno: string } {
  const n = load();
  return n.ioctlValue(fd, request, bits) < 0 ? { ok: false, errno: errnoName(n.errno()) } : { ok: true };
}
