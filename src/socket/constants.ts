// Linux numbers for the BSD socket API: errno values, socket/option/fcntl/ioctl constants. Values
// are those of Linux on x86-64 and arm64 (asm-generic), as <errno.h>, <sys/socket.h>,
// <netinet/tcp.h>, <netinet/in.h>, <fcntl.h> and <linux/sockios.h> define them.

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EINVAL: 22,
  EPIPE: 32,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** Alias names that share a number with an entry of ERRNO (EWOULDBLOCK is EAGAIN on Linux). */
export const ERRNO_ALIASES: Readonly<Record<string, ErrnoName>> = { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EPERM' };

/** The errno number of a name (aliases included), or undefined. */
export function errnoNumber(name: string): number | undefined {
  const n = (ERRNO as Record<string, number>)[name];
  if (n !== undefined) return n;
  const alias = ERRNO_ALIASES[name];
  return alias === undefined ? undefined : ERRNO[alias];
}

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;

export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_TCP = 6;

export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_LINGER = 13;
export const SO_REUSEPORT = 15;

export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_LINGER2 = 8;
export const TCP_DEFER_ACCEPT = 9;
export const TCP_INFO = 11;
export const TCP_USER_TIMEOUT = 18;

export const IP_BIND_ADDRESS_NO_PORT = 24;
export const IP_LOCAL_PORT_RANGE = 51;

export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_NONBLOCK = 0o4000;

export const SIOCINQ = 0x541b;
export const FIONREAD = 0x541b;
export const SIOCOUTQ = 0x5411;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const MSG_PEEK = 0x2;
export const MSG_DONTWAIT = 0x40;

/** Linux TCP states as tcp_info.tcpi_state numbers them (include/net/tcp_states.h). */
export const TCP_STATE_NUMBER: Readonly<Record<string, number>> = {
  ESTABLISHED: 1,
  'SYN-SENT': 2,
  'SYN-RECEIVED': 3,
  'FIN-WAIT-1': 4,
  'FIN-WAIT-2': 5,
  'TIME-WAIT': 6,
  CLOSED: 7,
  'CLOSE-WAIT': 8,
  'LAST-ACK': 9,
  LISTEN: 10,
  CLOSING: 11,
};

/** Every symbolic constant a script may name, for the packetdrill interpreter. */
export const SYMBOLS: Readonly<Record<string, number>> = {
  AF_INET,
  AF_INET6,
  PF_INET: AF_INET,
  PF_INET6: AF_INET6,
  SOCK_STREAM,
  SOCK_NONBLOCK,
  SOCK_CLOEXEC,
  IPPROTO_IP,
  IPPROTO_TCP,
  SOL_SOCKET,
  SOL_IP,
  SOL_TCP,
  SO_REUSEADDR,
  SO_TYPE,
  SO_ERROR,
  SO_SNDBUF,
  SO_RCVBUF,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_REUSEPORT,
  TCP_NODELAY,
  TCP_MAXSEG,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_KEEPCNT,
  TCP_LINGER2,
  TCP_DEFER_ACCEPT,
  TCP_INFO,
  TCP_USER_TIMEOUT,
  IP_BIND_ADDRESS_NO_PORT,
  IP_LOCAL_PORT_RANGE,
  F_GETFL,
  F_SETFL,
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_NONBLOCK,
  SIOCINQ,
  FIONREAD,
  SIOCOUTQ,
  SHUT_RD,
  SHUT_WR,
  SHUT_RDWR,
  MSG_PEEK,
  MSG_DONTWAIT,
};
