// host.net: a node:net look-alike bound to one host — a simulated host or a TUN driver; the Socket
// and Server code is the same for both (host.ts says what they need of a host). createNet(host)
// makes a new one; netOf(host) keeps one per host, and is what SimHost.net and TunDriver.net return.
// Those two getters are this module's: sim/ and drivers/ sit below net/ and know nothing of it, so
// loading this module (finack's main entry does) adds `net` to both classes, to their types by
// declaration merging and to their prototypes below.
//
//   const sim = new SimNetwork({ seed: 1 });
//   const a = netOf(sim.host('192.0.2.1')), b = netOf(sim.host('192.0.2.2'));
//   a.createServer((s) => s.end('bye')).listen(80);
//   b.connect(80, '192.0.2.1').on('data', ...);
//
//   const tun = new TunDriver({ device: TunDevice.open({ ... }), addresses: ['198.51.100.2'] });
//   tun.net.createServer((s) => s.end('bye')).listen(80);   // the kernel connects to 198.51.100.2:80
//
// Time: a simulated host runs in its network's virtual time by default ('real' follows the wall
// clock); a TUN driver runs in real time on its NodeClock (or in virtual time when it was given a
// VirtualClock, as its in-memory tests do).

import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { ConnectionRow } from '../core/endpoint.js';
import { TunDriver } from '../drivers/tun/driver.js';
import { VirtualClock } from '../sim/clock.js';
import { SimHost } from '../sim/host.js';
import type { NetContext } from './context.js';
import { invalidArgValue } from './errors.js';
import { type NetHost, simNetHost, tunNetHost } from './host.js';
import { createHttp, type FinackHttp } from './http.js';
import { createHttps, type FinackHttps } from './https.js';
import { type LookupCallback, type LookupOptions, lookup } from './lookup.js';
import { ClockDriver, driverFor, type NetDriver, type SimDriver, type TimeMode } from './scheduler.js';
import { type ConnectionListener, Server, type ServerOptions } from './server.js';
import { kContext, normalizeConnectArgs, Socket, type SocketOptions } from './socket.js';

export { errnoOf, type NodeError, type SystemError, systemError } from './errors.js';
export {
  type NetConnectOptions,
  type NetHost,
  type NetListener,
  type NetListenOptions,
  simNetHost,
  tunNetHost,
} from './host.js';
export { createHttp, FinackAgent, type FinackHttp, FinackHttpServer, type HttpNet } from './http.js';
export { createHttps, type FinackHttps, FinackHttpsAgent, FinackHttpsServer } from './https.js';
export type { LookupAddress, LookupCallback, LookupOptions } from './lookup.js';
export { ClockDriver, driverFor, type NetDriver, SimDriver, type TimeMode } from './scheduler.js';
export { type ListenOptions, Server, type ServerOptions } from './server.js';
export {
  type AddressInfo,
  clientSocketChannel,
  Socket,
  type SocketOptions,
  serverSocketChannel,
  type TcpSocketConnectOpts,
} from './socket.js';

export interface NetOptions {
  /**
   * On a virtual clock — 'virtual' (default): the clock jumps when Node's event loop is idle; 'real':
   * it follows the wall clock. A TUN driver on a real clock runs in real time only.
   */
  time?: TimeMode;
}

/** The hosts a net API can be made for. */
export type NetHostLike = SimHost | TunDriver;

export interface FinackNet<H extends NetHostLike = SimHost, D extends NetDriver = SimDriver> {
  /** The SimHost or TunDriver this API runs on. */
  readonly host: H;
  /** What runs the host in time: a SimDriver on a virtual clock, a ClockDriver on a real one. */
  readonly driver: D;
  /** new net.Socket(options) on this host. */
  readonly Socket: new (
    options?: Omit<SocketOptions, symbol>,
  ) => Socket;
  /** new net.Server(options, listener) on this host. */
  readonly Server: new (
    options?: ServerOptions | ConnectionListener,
    listener?: ConnectionListener,
  ) => Server;
  createServer(options?: ServerOptions | ConnectionListener, listener?: ConnectionListener): Server;
  connect(...args: unknown[]): Socket;
  createConnection(...args: unknown[]): Socket;
  isIP: typeof isIP;
  isIPv4: typeof isIPv4;
  isIPv6: typeof isIPv6;
  /** Like `ss -tan` on this host: listeners, connections, TIME-WAIT records, timers. */
  connections(): ConnectionRow[];
  /**
   * dns.lookup over this host's names (lookup.ts): 'localhost', the simulated network's hosts map
   * and host names; never the system's resolver. Unknown names fail with ENOTFOUND.
   */
  lookup(hostname: string, callback: LookupCallback): void;
  lookup(hostname: string, options: number | LookupOptions, callback: LookupCallback): void;
}

declare module '../sim/host.js' {
  interface SimHost {
    /**
     * The node:net look-alike of this host: createServer, connect, Socket, Server, isIP,
     * connections(); the same object on every call (netOf(host)). Added by the net layer.
     */
    readonly net: FinackNet;
    /**
     * Node's http over this host (http.ts): an Agent, request/get that never bypass it, and
     * createServer listening on this host; the same object on every call (httpOf(host)).
     */
    readonly http: FinackHttp;
    /** Node's https over this host (https.ts): TLS sockets layered on finack Sockets. */
    readonly https: FinackHttps;
  }
}

declare module '../drivers/tun/driver.js' {
  interface TunDriver {
    /**
     * The node:net look-alike over this device (createServer, connect, Socket, Server, isIP,
     * connections()), in real time; the same object on every call (netOf(driver)). Added by the net layer.
     */
    readonly net: FinackNet<TunDriver, NetDriver>;
    /** Node's http over this device's net API, as SimHost.http (httpOf(driver)). */
    readonly http: FinackHttp;
    /** Node's https over this device's net API, as SimHost.https (httpsOf(driver)). */
    readonly https: FinackHttps;
  }
}

const nets = new WeakMap<NetHostLike, FinackNet<NetHostLike, NetDriver>>();

/** The net API of a simulated host or TUN driver (made on first call; later calls return the same object). */
export function netOf(host: SimHost, opts?: NetOptions): FinackNet;
export function netOf(host: TunDriver, opts?: NetOptions): FinackNet<TunDriver, NetDriver>;
export function netOf(host: NetHostLike, opts?: NetOptions): FinackNet<NetHostLike, NetDriver>;
export function netOf(host: NetHostLike, opts: NetOptions = {}): FinackNet<NetHostLike, NetDriver> {
  const existing = nets.get(host);
  if (existing !== undefined) {
    const d = existing.driver;
    if (opts.time !== undefined && opts.time !== d.mode) {
      if (d instanceof ClockDriver) throw invalidArgValue('options.time', opts.time, 'is not possible on a real clock');
      driverFor((d as SimDriver).clock, opts.time);
    }
    return existing;
  }
  const net = createNet(host, opts);
  nets.set(host, net);
  return net;
}

const httpApis = new WeakMap<NetHostLike, FinackHttp>();

/** host.http: node:http over the net API of a simulated host or TUN driver (one per host). */
export function httpOf(host: NetHostLike): FinackHttp {
  let h = httpApis.get(host);
  if (h === undefined) {
    h = createHttp(netOf(host));
    httpApis.set(host, h);
  }
  return h;
}

const httpsApis = new WeakMap<NetHostLike, FinackHttps>();

/** host.https: node:https over the net API of a simulated host or TUN driver (one per host). */
export function httpsOf(host: NetHostLike): FinackHttps {
  let h = httpsApis.get(host);
  if (h === undefined) {
    h = createHttps(netOf(host));
    httpsApis.set(host, h);
  }
  return h;
}

/** A new net API over `host`. Prefer netOf(), which keeps one per host. */
export function createNet(host: SimHost, opts?: NetOptions): FinackNet;
export function createNet(host: TunDriver, opts?: NetOptions): FinackNet<TunDriver, NetDriver>;
export function createNet(host: NetHostLike, opts?: NetOptions): FinackNet<NetHostLike, NetDriver>;
export function createNet(host: NetHostLike, opts: NetOptions = {}): FinackNet<NetHostLike, NetDriver> {
  let netHost: NetHost;
  let driver: NetDriver;
  if (host instanceof SimHost) {
    const clock = host.loop.clock;
    if (!(clock instanceof VirtualClock)) {
      throw invalidArgValue('host', host.name, 'must run on a simulated network clock');
    }
    netHost = simNetHost(host);
    driver = driverFor(clock, opts.time);
  } else {
    netHost = tunNetHost(host);
    const clock = host.clock;
    if (clock instanceof VirtualClock) driver = driverFor(clock, opts.time);
    else if (opts.time === 'virtual')
      throw invalidArgValue('options.time', opts.time, 'is not possible on a real clock');
    else driver = new ClockDriver(clock);
  }
  return makeNet(host, netHost, driver);
}

function makeNet<H extends NetHostLike>(host: H, netHost: NetHost, driver: NetDriver): FinackNet<H, NetDriver> {
  const ctx: NetContext = { host: netHost, driver };

  class HostSocket extends Socket {
    constructor(options: Omit<SocketOptions, symbol> = {}) {
      super({ ...options, [kContext]: ctx });
    }
  }
  class HostServer extends Server {
    constructor(options?: ServerOptions | ConnectionListener, listener?: ConnectionListener) {
      super(ctx, options, listener);
    }
  }
  const connect = (...args: unknown[]): Socket => {
    const [options] = normalizeConnectArgs(args);
    const sockOpts: Omit<SocketOptions, symbol> = {};
    for (const k of ['allowHalfOpen', 'readable', 'writable', 'highWaterMark', 'signal'] as const) {
      if (options[k] !== undefined) (sockOpts as Record<string, unknown>)[k] = options[k];
    }
    const s = new HostSocket(sockOpts);
    return s.connect(...args);
  };
  return {
    host,
    driver,
    Socket: HostSocket,
    Server: HostServer,
    createServer: (options, listener) => new HostServer(options, listener),
    connect,
    createConnection: connect,
    isIP,
    isIPv4,
    isIPv6,
    connections: () => netHost.connections(),
    lookup: (hostname: string, options: unknown, callback?: unknown) => lookup(ctx, hostname, options, callback),
  };
}

/** Renders connections() like `ss -tan` (State Recv-Q Send-Q Local Peer Timer). */
export function formatConnections(rows: ConnectionRow[]): string {
  const lines = ['State        Recv-Q Send-Q Local Address:Port     Peer Address:Port      Timer'];
  for (const r of rows) {
    const local = `${r.local.addr}:${r.local.port}`;
    const peer = r.remote === null ? '*:*' : `${r.remote.addr}:${r.remote.port}`;
    const timer = r.timer === undefined ? '' : `${r.timer.kind} ${r.timer.remaining}ms`;
    lines.push(
      `${r.state.padEnd(12)} ${String(r.recvQ).padStart(6)} ${String(r.sendQ).padStart(6)} ${local.padEnd(22)} ${peer.padEnd(22)} ${timer}`.trimEnd(),
    );
  }
  return lines.join('\n');
}

// The getters the declarations above promise (net, http and https). They replace the ones sim/host.ts and
// drivers/tun/driver.ts install, which throw to say that this layer is not loaded.
for (const cls of [SimHost, TunDriver]) {
  Object.defineProperty(cls.prototype, 'net', {
    configurable: true,
    get(this: NetHostLike) {
      return netOf(this);
    },
  });
  Object.defineProperty(cls.prototype, 'http', {
    configurable: true,
    get(this: NetHostLike) {
      return httpOf(this);
    },
  });
  Object.defineProperty(cls.prototype, 'https', {
    configurable: true,
    get(this: NetHostLike) {
      return httpsOf(this);
    },
  });
}
