// Typed errors of the TUN driver. Each says what went wrong and what to do about it; tests check the
// code and the class, never the text.

export type TunErrorCode =
  /** /dev/net/tun is missing (no tun module, or a container without the device node). */
  | 'ERR_TUN_NO_DEVICE'
  /** Opening the device or creating the interface was refused (not root / no CAP_NET_ADMIN). */
  | 'ERR_TUN_PERMISSION'
  /** The interface name is held by another process or by a device that is not a TUN. */
  | 'ERR_TUN_NAME_IN_USE'
  /** An interface name the kernel will not take (empty, too long, '/', whitespace). */
  | 'ERR_TUN_BAD_NAME'
  /** An address or prefix that is not one (checked before anything is created). */
  | 'ERR_TUN_BAD_ADDRESS'
  /** An MTU outside what IPv4 / IPv6 allow. */
  | 'ERR_TUN_BAD_MTU'
  /** The FFI package (koffi) is not installed or cannot load here. */
  | 'ERR_TUN_NATIVE_MISSING'
  /** Not Linux. */
  | 'ERR_TUN_UNSUPPORTED'
  /** `ip` failed to configure the interface (the interface was removed again). */
  | 'ERR_TUN_CONFIG'
  /** The device was closed. */
  | 'ERR_TUN_CLOSED';

const HINTS: Record<TunErrorCode, string> = {
  ERR_TUN_NO_DEVICE:
    '/dev/net/tun does not exist: load the tun module (modprobe tun) or, in a container, pass the device (docker run --device /dev/net/tun)',
  ERR_TUN_PERMISSION:
    'not allowed to create a TUN interface: run as root or give node CAP_NET_ADMIN (setcap cap_net_admin+ep $(which node)), or use an interface made for you with `ip tuntap add mode tun user <you> name <ifname>`',
  ERR_TUN_NAME_IN_USE:
    'the interface name is in use (another process holds that TUN, or it is not a TUN device): pick another --tun name or stop the other user',
  ERR_TUN_BAD_NAME: 'bad interface name: 1 to 15 characters, no "/", ":" or whitespace',
  ERR_TUN_BAD_ADDRESS: 'bad address: give an IPv4 or IPv6 address, with /prefix where a prefix is asked for',
  ERR_TUN_BAD_MTU: 'bad MTU: 68..65535 for IPv4 (1280.. for IPv6)',
  ERR_TUN_NATIVE_MISSING:
    'the optional package koffi (used for the TUNSETIFF ioctl) is not installed or cannot load: run `npm install koffi`',
  ERR_TUN_UNSUPPORTED: 'TUN devices are supported on Linux only',
  ERR_TUN_CONFIG: 'configuring the interface with `ip` failed (is iproute2 installed?)',
  ERR_TUN_CLOSED: 'the TUN device is closed',
};

export class TunError extends Error {
  readonly code: TunErrorCode;
  /** errno name from the failing system call, when there was one. */
  readonly syscallCode: string | undefined;
  constructor(code: TunErrorCode, detail?: string, options?: { cause?: unknown; syscallCode?: string }) {
    super(detail ? `${HINTS[code]} (${detail})` : HINTS[code], options);
    this.code = code;
    this.syscallCode = options?.syscallCode;
    this.name = 'TunError';
  }
}
