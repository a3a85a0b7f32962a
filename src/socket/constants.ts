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
  EACCES: 13,
  EFAULT: 14,
  ENODEV: 19,
  EINVAL: 22,
  EPIPE: 32,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** Alias names that share a number with an entry of ERRNO (EWOULDBLOCK is EAGAIN on Linux). */
export const ERRNO_ALIASES: Readonly<Record<string, ErrnoName>> = { EWOULDBLOCK: 'EAGAIN', ENOTSUP: 'EOPNOTSUPP' };

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
export const SO_ZEROCOPY = 60;
export const SO_LINGER = 13;
export const SO_REUSEPORT = 15;

export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_CORK = 3;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_LINGER2 = 8;
export const TCP_DEFER_ACCEPT = 9;
export const TCP_WINDOW_CLAMP = 10;
export const TCP_INFO = 11;
export const TCP_QUICKACK = 12;
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

export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_ERRQUEUE = 0x2000;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
export const MSG_ZEROCOPY = 0x4000000;
export const MSG_FASTOPEN = 0x20000000;

/** poll(2) event bits (<poll.h>, <asm-generic/poll.h>). */
export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLRDBAND = 0x80;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
export const POLLRDHUP = 0x2000;

export const SIOCOUTQNSD = 0x894b;
export const SO_RCVLOWAT = 18;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const TCP_INQ = 36;
export const TCP_CM_INQ = TCP_INQ;

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

/**
 * Linux names that scripts use for things finack does not provide: known, so that a script using
 * one fails as unsupported with the name rather than as an unknown word.
 */
const LINUX_ONLY: Readonly<Record<string, number>> = {
  SOCK_DGRAM: 2,
  IPPROTO_UDP: 17,
  SOL_IPV6: 41,
  IPPROTO_IPV6: 41,
  SO_DEBUG: 1,
  SO_DONTROUTE: 5,
  SO_BROADCAST: 6,
  SO_OOBINLINE: 10,
  SO_PRIORITY: 12,
  SO_SNDLOWAT: 19,
  SO_RCVTIMEO: 20,
  SO_SNDTIMEO: 21,
  SO_BINDTODEVICE: 25,
  SO_TIMESTAMP: 29,
  SO_MARK: 36,
  SO_TIMESTAMPING: 37,
  SO_MAX_PACING_RATE: 47,
  SO_INCOMING_CPU: 49,
  SO_TXTIME: 61,
  TCP_SYNCNT: 7,
  TCP_CONGESTION: 13,
  TCP_MD5SIG: 14,
  TCP_THIN_LINEAR_TIMEOUTS: 16,
  TCP_THIN_DUPACK: 17,
  TCP_REPAIR: 19,
  TCP_FASTOPEN: 23,
  TCP_TIMESTAMP: 24,
  TCP_NOTSENT_LOWAT: 25,
  TCP_CC_INFO: 26,
  TCP_SAVE_SYN: 27,
  TCP_SAVED_SYN: 28,
  TCP_FASTOPEN_CONNECT: 30,
  TCP_ULP: 31,
  TCP_FASTOPEN_KEY: 33,
  TCP_FASTOPEN_NO_COOKIE: 34,
  TCP_ZEROCOPY_RECEIVE: 35,
  TCP_TX_DELAY: 37,
  IP_TOS: 1,
  IP_TTL: 2,
  IP_MTU_DISCOVER: 10,
  IP_RECVERR: 11,
  IP_MTU: 14,
  IPV6_TCLASS: 67,
  IPV6_MTU_DISCOVER: 23,
  F_GETFD: 1,
  F_SETFD: 2,
  FD_CLOEXEC: 1,
};

/** tcp_info constants that `%{ }%` asserts may name (linux/tcp.h, net/tcp_states.h). */
export const TCP_INFO_SYMBOLS: Readonly<Record<string, number>> = {
  TCPI_OPT_TIMESTAMPS: 1,
  TCPI_OPT_SACK: 2,
  TCPI_OPT_WSCALE: 4,
  TCPI_OPT_ECN: 8,
  TCPI_OPT_ECN_SEEN: 16,
  TCPI_OPT_SYN_DATA: 32,
  TCPI_OPT_USEC_TS: 64,
  TCP_CA_Open: 0,
  TCP_CA_Disorder: 1,
  TCP_CA_CWR: 2,
  TCP_CA_Recovery: 3,
  TCP_CA_Loss: 4,
  TCP_ESTABLISHED: 1,
  TCP_SYN_SENT: 2,
  TCP_SYN_RECV: 3,
  TCP_FIN_WAIT1: 4,
  TCP_FIN_WAIT2: 5,
  TCP_TIME_WAIT: 6,
  TCP_CLOSE: 7,
  TCP_CLOSE_WAIT: 8,
  TCP_LAST_ACK: 9,
  TCP_LISTEN: 10,
  TCP_CLOSING: 11,
};

/** Names the facade knows but does not implement (LINUX_ONLY), for messages. */
export function isLinuxOnlySymbol(name: string): boolean {
  return name in LINUX_ONLY;
}

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
  SO_ZEROCOPY,
  SO_LINGER,
  SO_REUSEPORT,
  TCP_NODELAY,
  TCP_MAXSEG,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_KEEPCNT,
  TCP_CORK,
  TCP_LINGER2,
  TCP_DEFER_ACCEPT,
  TCP_WINDOW_CLAMP,
  TCP_INFO,
  TCP_QUICKACK,
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
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_WAITALL,
  MSG_ERRQUEUE,
  MSG_NOSIGNAL,
  MSG_MORE,
  MSG_ZEROCOPY,
  MSG_FASTOPEN,
  POLLIN,
  POLLPRI,
  POLLOUT,
  POLLERR,
  POLLHUP,
  POLLNVAL,
  POLLRDNORM,
  POLLRDBAND,
  POLLWRNORM,
  POLLWRBAND,
  POLLRDHUP,
  SIOCOUTQNSD,
  SO_RCVLOWAT,
  SO_ACCEPTCONN,
  SO_PROTOCOL,
  SO_DOMAIN,
  TCP_INQ,
  TCP_CM_INQ,
  ...LINUX_ONLY,
};
