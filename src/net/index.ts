// host.net: a node:net look-alike bound to one simulated host. createNet(host) makes a new one;
// netOf(host) keeps one per host, and is what SimHost.net returns once this module is loaded.
//
//   const sim = new SimNetwork({ seed: 1 });
//   const a = netOf(sim.host('10.0.0.1')), b = netOf(sim.host('10.0.0.2'));
//   a.createServer((s) => s.end('bye')).listen(80);
//   b.connect(80, '10.0.0.1').on('data', ...);

import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { ConnectionRow } from '../core/endpoint.js';
import { VirtualClock } from '../sim/clock.js';
import { registerNet, type SimHost } from '../sim/host.js';
import type { NetContext } from './context.js';
import { invalidArgValue } from './errors.js';
import { driverFor, type SimDriver, type TimeMode } from './scheduler.js';
import { type ConnectionListener, Server, type ServerOptions } from './server.js';
import { kContext, normalizeConnectArgs, Socket, type SocketOptions } from './socket.js';

export { errnoOf, type NodeError, type SystemError, systemError } from './errors.js';
export { driverFor, SimDriver, type TimeMode } from './scheduler.js';
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
  /** 'virtual' (default): the network's clock jumps when Node's event loop is idle. 'real': it follows the wall clock. */
  time?: TimeMode;
}

export interface FinackNet {
  readonly host: SimHost;
  readonly driver: SimDriver;
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
}

const nets = new WeakMap<SimHost, FinackNet>();

/** The net API of a simulated host (made on first call; later calls return the same object). */
export function netOf(host: SimHost, opts: NetOptions = {}): FinackNet {
  const existing = nets.get(host);
  if (existing !== undefined) {
    if (opts.time !== undefined && opts.time !== existing.driver.mode) driverFor(existing.driver.clock, opts.time);
    return existing;
  }
  const net = createNet(host, opts);
  nets.set(host, net);
  return net;
}

/** A new net API over `host`. Prefer netOf(), which keeps one per host. */
export function createNet(host: SimHost, opts: NetOptions = {}): FinackNet {
  const clock = host.loop.clock;
  if (!(clock instanceof VirtualClock)) {
    throw invalidArgValue('host', host.name, 'must run on a simulated network clock');
  }
  const driver = driverFor(clock, opts.time);
  const ctx: NetContext = { host, driver };

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
    connections: () => host.connections(),
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

registerNet((host) => netOf(host));
