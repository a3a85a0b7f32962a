// The system calls of a packetdrill script, turned into calls on the SocketKernel and checks of
// what they return.
//
// Descriptors: the numbers a script writes are its own. As upstream packetdrill does, the number a
// script gives as the result of socket() or accept() is bound to the descriptor the call really
// returned (any descriptor passes the result check), and every later argument naming that number
// goes to the live descriptor; close() ends the binding. So a script whose first socket() is `= 4`
// runs like one with `= 3`, and descriptor numbers are never compared literally.
//
// Arguments as upstream writes them: `...` for an address, a buffer or a length nobody checks;
// integers, symbols and `A|B`; `[N]` for an int passed by pointer; `{onoff=1, linger=0}`;
// iovec arrays `[{..., 10}, {iov_base=..., iov_len=20}]`; msghdr structs
// `{msg_name(...)=..., msg_iov(1)=[...], msg_flags=0, msg_control=[...]}`; pollfd arrays
// `[{fd=4, events=POLLIN, revents=POLLIN}]`. Anything else fails the script, naming what it was.

import {
  errnoNumber,
  F_GETFL,
  F_SETFL,
  isLinuxOnlySymbol,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_FASTOPEN,
  MSG_MORE,
  MSG_NOSIGNAL,
  MSG_PEEK,
  MSG_ZEROCOPY,
  SO_LINGER,
  SO_ZEROCOPY,
  SOL_SOCKET,
  SOL_TCP,
  SYMBOLS,
  TCP_CM_INQ,
} from '../socket/constants.js';
import {
  BLOCKED,
  type Blocked,
  type GetResult,
  type ReadResult,
  type SocketKernel,
  type SysResult,
} from '../socket/kernel.js';
import { ScriptFailure, unsupported } from './failure.js';
import type { Expr, StructField, SyscallEvent } from './parser.js';

/** What a syscall line becomes: the call (retried while it blocks) and the check of its result. */
export interface PreparedCall {
  call: () => SysResult | Blocked;
  check: (r: SysResult) => void;
  /** A blocking call that returns by itself at this virtual time (poll's timeout), in µs. */
  wakeAtUs?: number;
}

/** What the syscall layer needs from the run. */
export interface SyscallHost {
  readonly kernel: SocketKernel;
  readonly bindPort: number;
  readonly connectPort: number;
  readonly remoteAddress: string;
  /** The domain `socket(..., ...)` means: AF_INET, or AF_INET6 for --ip_version=ipv6 and ipv4-mapped-ipv6. */
  readonly socketDomain: number;
  /** `--define NAME=VALUE` symbols, looked up after the built-in ones. */
  readonly defines: ReadonlyMap<string, number>;
  /** The socket that tcp_info snapshots read (the last one a syscall named). */
  socketUnderTest(liveFd: number): void;
}

/** Script descriptor numbers bound to live ones. */
export class FdMap {
  readonly #live = new Map<number, number>();

  /** Binds `script` to `live`; a script number already bound is a script error, as upstream. */
  bind(script: number, live: number, line: number): void {
    if (this.#live.has(script)) {
      throw new ScriptFailure('error', line, `descriptor ${script} is already open in the script`);
    }
    this.#live.set(script, live);
  }

  live(script: number, line: number): number {
    const live = this.#live.get(script);
    if (live === undefined) {
      throw new ScriptFailure(
        'error',
        line,
        `no socket with script descriptor ${script} (open it with socket() or accept() first)`,
      );
    }
    return live;
  }

  release(script: number): void {
    const live = this.#live.get(script);
    if (live !== undefined) this.zerocopySent.delete(live);
    this.#live.delete(script);
  }

  /**
   * Live descriptors that sent with MSG_ZEROCOPY under SO_ZEROCOPY: Linux queues a completion on
   * their error queue (POLLERR, recvmsg MSG_ERRQUEUE), which finack does not model.
   */
  readonly zerocopySent = new Set<number>();

  /** The script number bound to a live descriptor (for messages). */
  scriptOf(live: number): number | undefined {
    for (const [s, l] of this.#live) if (l === live) return s;
    return undefined;
  }
}

/** The system calls this runner knows, for the README and the CLI's help. */
export const SUPPORTED_SYSCALLS = [
  'socket',
  'bind',
  'listen',
  'accept',
  'accept4',
  'connect',
  'read',
  'readv',
  'recv',
  'recvfrom',
  'recvmsg',
  'write',
  'writev',
  'send',
  'sendto',
  'sendmsg',
  'shutdown',
  'close',
  'fcntl',
  'poll',
  'setsockopt',
  'getsockopt',
  'ioctl',
] as const;

export function prepareSyscall(h: SyscallHost, fds: FdMap, ev: SyscallEvent): PreparedCall {
  const k = h.kernel;
  const a = ev.args;
  const arg = (i: number): Expr => a[i] ?? { kind: 'ellipsis' };
  const int = (i: number, what: string) => evalInt(h, arg(i), ev, what);
  const fd = (i = 0) => {
    const live = fds.live(int(i, 'a descriptor'), ev.line);
    h.socketUnderTest(live);
    return live;
  };
  const simple = (call: () => SysResult | Blocked): PreparedCall => ({ call, check: (r) => checkResult(h, ev, r) });
  /** socket() and accept(): any descriptor passes; the script's number is bound to it. */
  const opening = (call: () => SysResult | Blocked): PreparedCall => ({
    call,
    check: (r) => {
      const want = evalInt(h, ev.result, ev, 'a result');
      if (want >= 0 && r.ret >= 0) {
        fds.bind(want, r.ret, ev.line);
        h.socketUnderTest(r.ret);
        return;
      }
      checkResult(h, ev, r);
    },
  });
  const sendFlags = (flags: number, f: number, len: number): number => {
    if (flags & MSG_FASTOPEN) throw unsupported(ev.line, `${ev.name} MSG_FASTOPEN`, 'finack has no TCP Fast Open');
    // MSG_ZEROCOPY changes what is sent in no way; Linux ignores it without SO_ZEROCOPY and for an
    // empty send (tcp_sendmsg_locked). Otherwise a completion would follow, on the error queue.
    if (flags & MSG_ZEROCOPY && len > 0 && k.getsockopt(f, SOL_SOCKET, SO_ZEROCOPY).value === 1)
      fds.zerocopySent.add(f);
    if (flags & MSG_EOR)
      throw unsupported(ev.line, `${ev.name} MSG_EOR`, 'finack keeps no record boundaries in the send queue');
    const known = MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_ZEROCOPY;
    if (flags & ~known) throw unsupported(ev.line, `${ev.name} flags 0x${(flags & ~known).toString(16)}`);
    return flags & (MSG_DONTWAIT | MSG_MORE);
  };
  const recvFlags = (flags: number): number => {
    const known = MSG_DONTWAIT | MSG_PEEK | MSG_NOSIGNAL;
    if (flags & ~known) throw unsupported(ev.line, `${ev.name} flags 0x${(flags & ~known).toString(16)}`);
    return flags;
  };
  switch (ev.name) {
    case 'socket': {
      const domain = arg(0).kind === 'ellipsis' ? h.socketDomain : int(0, 'a domain');
      return opening(() => k.socket(domain, int(1, 'a type'), int(2, 'a protocol')));
    }
    case 'bind': {
      const f = fd();
      return simple(() => k.bind(f, { port: h.bindPort }));
    }
    case 'listen': {
      const f = fd();
      return simple(() => k.listen(f, int(1, 'a backlog')));
    }
    case 'accept': {
      const f = fd();
      return opening(() => k.accept(f));
    }
    case 'accept4': {
      const f = fd();
      const flags = int(3, 'flags');
      return opening(() => k.accept4(f, flags));
    }
    case 'connect': {
      const f = fd();
      if (arg(1).kind !== 'ellipsis') throw unsupported(ev.line, 'connect to an explicit address', 'write ...');
      return simple(() => k.connect(f, { addr: h.remoteAddress, port: h.connectPort }));
    }
    case 'read':
    case 'recv':
    case 'recvfrom': {
      const f = fd();
      const n = int(2, 'a length');
      const flags = ev.name === 'read' ? 0 : recvFlags(int(3, 'flags'));
      return simple(() => k.recv(f, n, flags) as ReadResult | Blocked);
    }
    case 'readv': {
      const f = fd();
      const n = iovTotal(h, ev, arg(1), int(2, 'an iovec count'));
      return simple(() => k.recv(f, n, 0) as ReadResult | Blocked);
    }
    case 'write':
    case 'send':
    case 'sendto': {
      const f = fd();
      const n = int(2, 'a length');
      const flags = ev.name === 'write' ? 0 : sendFlags(int(3, 'flags'), f, n);
      // One buffer per call: a blocking write that is retried goes on with the same one.
      const buf = new Uint8Array(n);
      return simple(() => k.send(f, buf, flags));
    }
    case 'writev': {
      const f = fd();
      const buf = new Uint8Array(iovTotal(h, ev, arg(1), int(2, 'an iovec count')));
      return simple(() => k.send(f, buf, 0));
    }
    case 'sendmsg': {
      const f = fd();
      const msg = msghdr(h, ev, arg(1));
      if (msg.control.length > 0) throw unsupported(ev.line, 'sendmsg msg_control');
      const flags = sendFlags(int(2, 'flags'), f, msg.iovLen);
      const buf = new Uint8Array(msg.iovLen);
      return simple(() => k.send(f, buf, flags));
    }
    case 'recvmsg': {
      const f = fd();
      const msg = msghdr(h, ev, arg(1));
      const flags = recvFlags(int(2, 'flags'));
      for (const c of msg.control) {
        if (c.level !== SOL_TCP || c.type !== TCP_CM_INQ) {
          throw unsupported(ev.line, `recvmsg control message ${c.level}/${c.type}`, 'only TCP_CM_INQ is known');
        }
      }
      return {
        call: () => k.recv(f, msg.iovLen, flags),
        check: (r) => {
          checkResult(h, ev, r);
          if (r.ret < 0) return;
          if (msg.flags !== undefined && msg.flags !== 0) {
            throw new ScriptFailure('fail', ev.line, `recvmsg(): msg_flags 0, expected ${msg.flags}`);
          }
          const hint = k.inqHint(f);
          if (msg.control.length === 0 && hint === undefined) return;
          const want = msg.control[0]?.data;
          if (hint === undefined)
            throw new ScriptFailure('fail', ev.line, 'recvmsg(): no TCP_CM_INQ control message (TCP_INQ is off)');
          if (want === undefined)
            throw new ScriptFailure(
              'fail',
              ev.line,
              `recvmsg(): a TCP_CM_INQ control message (${hint}) the script does not expect`,
            );
          if (want !== hint)
            throw new ScriptFailure('fail', ev.line, `recvmsg(): TCP_CM_INQ ${hint}, expected ${want}`);
        },
      };
    }
    case 'close': {
      const script = int(0, 'a descriptor');
      const f = fds.live(script, ev.line);
      h.socketUnderTest(f);
      // SO_LINGER {on, n > 0}: close() blocks at most n seconds (kernel.ts close).
      const linger = k.getsockopt(f, SOL_SOCKET, SO_LINGER).value;
      const lingerMs = typeof linger === 'object' && linger.onoff !== 0 ? linger.linger * 1000 : 0;
      return {
        call: () => k.close(f),
        check: (r) => {
          checkResult(h, ev, r);
          if (r.ret === 0) fds.release(script);
        },
        ...(lingerMs > 0 ? { wakeAtUs: (k.now + lingerMs) * 1000 } : {}),
      };
    }
    case 'shutdown': {
      const f = fd();
      return simple(() => k.shutdown(f, int(1, 'SHUT_*')));
    }
    case 'fcntl': {
      const f = fd();
      const cmd = int(1, 'a command');
      const v = a.length > 2 ? int(2, 'flags') : undefined;
      if (cmd !== F_GETFL && cmd !== F_SETFL) throw unsupported(ev.line, `fcntl ${symbolName(arg(1)) ?? cmd}`);
      return simple(() => k.fcntl(f, cmd, v));
    }
    case 'setsockopt': {
      const f = fd();
      const level = int(1, 'a level');
      const name = int(2, 'an option');
      const v = arg(3);
      const optName = symbolName(arg(2)) ?? String(name);
      let value: number | { onoff: number; linger: number };
      if (v.kind === 'struct') {
        const field = (...names: string[]) => {
          const e = v.fields.find((x) => names.includes(x.name))?.value;
          return e ? evalInt(h, e, ev, names[0] as string) : 0;
        };
        value = { onoff: field('onoff', 'l_onoff'), linger: field('linger', 'l_linger') };
      } else if (v.kind === 'string') {
        throw unsupported(ev.line, `setsockopt ${optName}`, `a string value ("${v.value}")`);
      } else value = evalInt(h, v, ev, 'an option value');
      return optionCall(h, ev, optName, () => k.setsockopt(f, level, name, value));
    }
    case 'getsockopt': {
      const f = fd();
      const level = int(1, 'a level');
      const name = int(2, 'an option');
      const want = arg(3);
      const optName = symbolName(arg(2)) ?? String(name);
      const inner = optionCall(h, ev, optName, () => k.getsockopt(f, level, name));
      return {
        call: inner.call,
        check: (r) => {
          inner.check(r);
          if (r.ret >= 0) checkValue(h, ev, want, (r as GetResult).value);
        },
      };
    }
    case 'ioctl': {
      const f = fd();
      const req = int(1, 'a request');
      const want = arg(2);
      return {
        call: () => {
          const r = k.ioctl(f, req);
          if (r.ret < 0 && r.errno === 'EINVAL' && ev.errno === undefined) {
            throw unsupported(ev.line, `ioctl ${symbolName(arg(1)) ?? `0x${req.toString(16)}`}`);
          }
          return r;
        },
        check: (r) => {
          checkResult(h, ev, r);
          if (r.ret >= 0) checkValue(h, ev, want, (r as GetResult).value);
        },
      };
    }
    case 'poll':
      return pollCall(h, fds, ev);
    default:
      throw unsupported(ev.line, `syscall ${ev.name}`);
  }
}

/**
 * setsockopt/getsockopt of an option the facade does not have (ENOPROTOOPT where the script expects
 * success) is unsupported, named; any other result is checked as usual.
 */
function optionCall(h: SyscallHost, ev: SyscallEvent, optName: string, call: () => SysResult): PreparedCall {
  return {
    call: () => {
      const r = call();
      if (r.ret < 0 && r.errno === 'ENOPROTOOPT' && ev.errno !== 'ENOPROTOOPT') {
        throw unsupported(ev.line, `${ev.name} ${optName}`, 'finack does not implement this option');
      }
      return r;
    },
    check: (r) => checkResult(h, ev, r),
  };
}

/** poll([{fd=N, events=E, revents=R}, ...], nfds, timeout): returns when an event is ready or at the timeout. */
function pollCall(h: SyscallHost, fds: FdMap, ev: SyscallEvent): PreparedCall {
  const list = ev.args[0];
  if (list?.kind !== 'array')
    throw new ScriptFailure('error', ev.line, 'poll(): expected an array of {fd, events, revents}');
  const entries = list.items.map((item) => {
    if (item.kind !== 'struct') throw new ScriptFailure('error', ev.line, 'poll(): expected {fd=..., events=...}');
    const field = (n: string) => item.fields.find((f) => f.name === n)?.value;
    const fdExpr = field('fd');
    if (!fdExpr) throw new ScriptFailure('error', ev.line, 'poll(): an entry without fd=');
    const scriptFd = evalInt(h, fdExpr, ev, 'a descriptor');
    const live = scriptFd < 0 ? -1 : fds.live(scriptFd, ev.line);
    if (fds.zerocopySent.has(live)) {
      throw unsupported(ev.line, 'poll after MSG_ZEROCOPY', 'finack queues no zerocopy completions (POLLERR)');
    }
    if (live >= 0) h.socketUnderTest(live);
    const eventsExpr = field('events');
    const reventsExpr = field('revents');
    return {
      scriptFd,
      live,
      events: eventsExpr ? evalInt(h, eventsExpr, ev, 'events') : 0,
      revents: reventsExpr ? evalInt(h, reventsExpr, ev, 'revents') : undefined,
    };
  });
  const nfds = evalInt(h, ev.args[1] ?? { kind: 'int', value: entries.length }, ev, 'nfds');
  if (nfds !== entries.length)
    throw new ScriptFailure('error', ev.line, `poll(): nfds ${nfds} but ${entries.length} entries`);
  const timeout = evalInt(h, ev.args[2] ?? { kind: 'int', value: 0 }, ev, 'a timeout');
  const k = h.kernel;
  const startMs = k.now;
  const got: number[] = [];
  const prepared: PreparedCall = {
    call: () => {
      got.length = 0;
      let ready = 0;
      for (const e of entries) {
        const r = e.live < 0 ? 0 : k.poll(e.live, e.events);
        got.push(r);
        if (r !== 0) ready++;
      }
      if (ready > 0 || timeout === 0 || (timeout > 0 && k.now >= startMs + timeout)) return { ret: ready };
      return BLOCKED;
    },
    check: (r) => {
      checkResult(h, ev, r);
      for (const [i, e] of entries.entries()) {
        if (e.revents === undefined) continue;
        const g = got[i] ?? 0;
        if (g !== e.revents) {
          throw new ScriptFailure(
            'fail',
            ev.line,
            `poll(): fd ${e.scriptFd} revents ${pollNames(g)}, expected ${pollNames(e.revents)}`,
          );
        }
      }
    },
  };
  if (timeout > 0) prepared.wakeAtUs = (startMs + timeout) * 1000;
  return prepared;
}

const POLL_BITS: readonly [string, number][] = [
  'POLLIN',
  'POLLPRI',
  'POLLOUT',
  'POLLERR',
  'POLLHUP',
  'POLLNVAL',
  'POLLRDNORM',
  'POLLRDBAND',
  'POLLWRNORM',
  'POLLWRBAND',
  'POLLRDHUP',
].map((n) => [n, SYMBOLS[n] as number]);

/** poll bits by name (`POLLIN|POLLOUT`), `0` for none. */
export function pollNames(mask: number): string {
  const names = POLL_BITS.filter(([, bit]) => mask & bit).map(([n]) => n);
  const rest = POLL_BITS.reduce((m, [, bit]) => m & ~bit, mask);
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.length === 0 ? '0' : names.join('|');
}

/** The total length of an iovec array (`[{..., 10}, {iov_base=..., iov_len=20}]`); `count` must match. */
function iovTotal(h: SyscallHost, ev: SyscallEvent, e: Expr, count: number | undefined): number {
  if (e.kind !== 'array') throw new ScriptFailure('error', ev.line, `${ev.name}(): expected an iovec array`);
  if (count !== undefined && count !== e.items.length) {
    throw new ScriptFailure(
      'error',
      ev.line,
      `${ev.name}(): iovec count ${count} does not match ${e.items.length} elements`,
    );
  }
  let total = 0;
  for (const item of e.items) {
    if (item.kind !== 'struct') throw new ScriptFailure('error', ev.line, `${ev.name}(): an iovec is {..., LEN}`);
    const len = item.fields.find((f) => f.name === 'iov_len')?.value ?? item.fields.find((f) => f.name === '#1')?.value;
    if (!len) throw new ScriptFailure('error', ev.line, `${ev.name}(): an iovec without a length`);
    total += evalInt(h, len, ev, 'an iovec length');
  }
  return total;
}

interface Msghdr {
  iovLen: number;
  flags: number | undefined;
  control: { level: number; type: number; data: number | undefined }[];
}

function msghdr(h: SyscallHost, ev: SyscallEvent, e: Expr): Msghdr {
  if (e.kind !== 'struct')
    throw new ScriptFailure(
      'error',
      ev.line,
      `${ev.name}(): expected a msghdr {msg_name(...)=..., msg_iov(N)=[...], msg_flags=0}`,
    );
  let iov: StructField | undefined;
  let flags: number | undefined;
  const control: Msghdr['control'] = [];
  for (const f of e.fields) {
    switch (f.name) {
      case 'msg_name':
      case 'msg_namelen':
        break;
      case 'msg_iov':
        iov = f;
        break;
      case 'msg_flags':
        flags = evalInt(h, f.value, ev, 'msg_flags');
        break;
      case 'msg_control': {
        if (f.value.kind !== 'array')
          throw new ScriptFailure('error', ev.line, `${ev.name}(): msg_control is an array of cmsg structs`);
        for (const c of f.value.items) {
          if (c.kind !== 'struct')
            throw new ScriptFailure('error', ev.line, `${ev.name}(): a cmsg is {cmsg_level, cmsg_type, cmsg_data}`);
          const field = (n: string) => c.fields.find((x) => x.name === n)?.value;
          const lv = field('cmsg_level');
          const ty = field('cmsg_type');
          const data = field('cmsg_data');
          control.push({
            level: lv ? evalInt(h, lv, ev, 'cmsg_level') : -1,
            type: ty ? evalInt(h, ty, ev, 'cmsg_type') : -1,
            data: data && data.kind !== 'ellipsis' ? evalInt(h, data, ev, 'cmsg_data') : undefined,
          });
        }
        break;
      }
      case 'msg_controllen':
        break;
      default:
        throw unsupported(ev.line, `${ev.name} field ${f.name}`);
    }
  }
  if (!iov) throw new ScriptFailure('error', ev.line, `${ev.name}(): a msghdr without msg_iov`);
  const count = iov.arg ? evalInt(h, iov.arg, ev, 'an iovec count') : undefined;
  return { iovLen: iovTotal(h, ev, iov.value, count), flags, control };
}

function symbolName(e: Expr): string | undefined {
  if (e.kind === 'symbol') return e.name;
  if (e.kind === 'or') return e.items.map((x) => symbolName(x) ?? '?').join('|');
  return undefined;
}

/** An integer argument: numbers, symbols, `A|B`, NULL (0), `[N]`, htons()/htonl() and the like. */
export function evalInt(h: Pick<SyscallHost, 'defines'>, e: Expr, ev: SyscallEvent, what: string): number {
  switch (e.kind) {
    case 'int':
      return e.value;
    case 'symbol': {
      const v = SYMBOLS[e.name] ?? h.defines.get(e.name);
      if (v === undefined) {
        throw isLinuxOnlySymbol(e.name)
          ? unsupported(ev.line, `symbol ${e.name}`)
          : unsupported(ev.line, `symbol ${e.name}`, 'unknown name');
      }
      return v;
    }
    case 'or':
      return e.items.reduce((acc, x) => (acc | evalInt(h, x, ev, what)) >>> 0, 0);
    case 'null':
      return 0;
    case 'array':
      if (e.items.length === 1) return evalInt(h, e.items[0] as Expr, ev, what);
      break;
    case 'call':
      // Byte-order helpers change nothing for values compared as numbers.
      if (['htons', 'htonl', 'ntohs', 'ntohl'].includes(e.name) && e.args.length === 1) {
        return evalInt(h, e.args[0] as Expr, ev, what);
      }
      throw unsupported(ev.line, `function ${e.name}()`);
    default:
      break;
  }
  throw new ScriptFailure('error', ev.line, `${ev.name}(): expected ${what}, got ${e.kind}`);
}

function checkValue(h: SyscallHost, ev: SyscallEvent, want: Expr, got: GetResult['value']): void {
  if (want.kind === 'ellipsis') return;
  if (want.kind === 'struct') {
    if (typeof got !== 'object' || got === undefined)
      throw new ScriptFailure('fail', ev.line, `${ev.name}(): no struct`);
    for (const f of want.fields) {
      const w = evalInt(h, f.value, ev, f.name);
      const key = f.name.replace(/^l_/, '');
      const g = (got as Record<string, number>)[key];
      if (g !== w) throw new ScriptFailure('fail', ev.line, `${ev.name}(): ${f.name} is ${g}, expected ${w}`);
    }
    return;
  }
  const w = want.kind === 'array' && want.items.length === 1 ? (want.items[0] as Expr) : want;
  const wv = evalInt(h, w, ev, 'a value');
  if (got !== wv) throw new ScriptFailure('fail', ev.line, `${ev.name}() gave [${String(got)}], expected [${wv}]`);
}

/** The result and errno as the script wrote them (`= -1 EAGAIN (text)`). */
export function checkResult(h: Pick<SyscallHost, 'defines'>, ev: SyscallEvent, r: SysResult): void {
  const want = evalInt(h, ev.result, ev, 'a result');
  const wantErrno = ev.errno;
  const got = r.ret < 0 ? `-1 ${r.errno ?? '?'}` : String(r.ret);
  const expected = wantErrno ? `${want} ${wantErrno}` : String(want);
  if (r.ret !== want) throw new ScriptFailure('fail', ev.line, `${ev.name}() = ${got}, expected ${expected}`);
  if (r.ret < 0 && wantErrno !== undefined) {
    const w = errnoNumber(wantErrno);
    if (w === undefined) throw unsupported(ev.line, `errno ${wantErrno}`);
    if (errnoNumber(r.errno ?? '') !== w)
      throw new ScriptFailure('fail', ev.line, `${ev.name}() = ${got}, expected ${expected}`);
  }
}
