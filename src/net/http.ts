// host.http: Node's own http module, with every connection on a finack host. Node's http.request
// takes a `createConnection` option, but ignores it when `agent: false` is given and then opens a
// kernel socket (net.createConnection): a snippet copied into a finack program can reach the real
// network that way without a word. What this module gives cannot:
//
//   Agent          an http.Agent whose createConnection always makes a finack Socket of this host;
//                  Node's pooling (keepAlive, maxSockets, maxFreeSockets, scheduling) is the Agent's own
//   request/get    http.request/get through this host's agent (globalAgent unless one of this host's
//                  agents is given); options that would bypass it are refused with a UsageError
//                  (ERR_INVALID_ARG_VALUE): agent false or foreign, createConnection, socketPath, lookup
//   createServer   an http.Server fed by a finack Server: its listen() listens on the finack host,
//                  never on the kernel, and close() and address() answer for that listener
//
//   const sim = new SimNetwork({ seed: 1 });
//   sim.host('192.0.2.1').http.createServer((req, res) => res.end('hi')).listen(80);
//   sim.host('192.0.2.2').http.get('http://192.0.2.1/', (res) => res.pipe(process.stdout));
//
// Names: a finack Socket resolves them among its host's own names (net/lookup.ts: 'localhost', a
// simulated network's hosts map and host names; never DNS); any other name fails with ENOTFOUND,
// as an 'error' of the request. A `lookup` function is refused rather than ignored, since the
// caller expects it to be used.

import http from 'node:http';
import { UsageError } from '../base/errors.js';
import type { ConnectionListener, Server, ServerOptions } from './server.js';
import type { Socket } from './socket.js';

/** What host.http needs of a host's net API (index.ts's FinackNet has it). */
export interface HttpNet {
  readonly host: object;
  connect(...args: unknown[]): Socket;
  createServer(options?: ServerOptions | ConnectionListener, listener?: ConnectionListener): Server;
}

type RequestCallback = (res: http.IncomingMessage) => void;

/** The connect() options an Agent passes on to a finack Socket (the rest are http's own). */
const CONNECT_KEYS = [
  'localAddress',
  'localPort',
  'family',
  'timeout',
  'noDelay',
  'keepAlive',
  'keepAliveInitialDelay',
] as const;

/**
 * An http.Agent whose connections are finack Sockets of one host. It works with Node's own
 * http.request too (`http.request({ agent })`), where Node ignores createConnection for an agent.
 */
export class FinackAgent extends http.Agent {
  /** The net API the connections are made with. */
  readonly net: HttpNet;
  /** Connections this agent made (pooled ones are counted once). */
  connectionsMade = 0;

  constructor(net: HttpNet, options?: http.AgentOptions) {
    super(options);
    this.net = net;
  }

  override createConnection(options: http.ClientRequestArgs): Socket {
    const o = connectOptions(options, this.defaultPort);
    this.connectionsMade++;
    return this.net.connect(o);
  }

  /** Node's default port for the protocol (80); typed here because @types/node does not declare it. */
  declare defaultPort: number;
}

/** A UsageError saying why an option of a request would take it off the finack host. */
export function bypass(name: string, value: unknown, why?: string): UsageError {
  const reasons: Record<string, string> = {
    agent:
      value === false
        ? "would make Node's http open a kernel socket (it ignores createConnection when agent is false)"
        : "is not an agent of this host: its connections would not go over finack (use this host's http.Agent or leave agent out)",
    createConnection: "is the host's own: this host's agent makes every connection over finack",
    socketPath: 'names a Unix domain socket, which only the kernel has',
    lookup: "is not used: a finack host resolves names itself ('localhost' only), never through the kernel's resolver",
  };
  const shown = typeof value === 'function' ? `function ${value.name || '(anonymous)'}` : String(value);
  return new UsageError('ERR_INVALID_ARG_VALUE', `options.${name}=${shown} ${why ?? reasons[name] ?? ''}`);
}

interface NetServerInternals {
  _handle: object | null;
  _connectionKey?: string;
  _connections: number;
  _emitCloseIfDrained(): void;
}

/**
 * The net.Server options Node's http.Server gives itself (allowHalfOpen, noDelay by default); an
 * https.Server is a tls.Server, which is not half-open.
 */
export function finackServerFor(net: HttpNet, options: http.ServerOptions, allowHalfOpen = true): Server {
  return net.createServer({
    allowHalfOpen,
    noDelay: options.noDelay ?? true,
    ...(options.keepAlive !== undefined ? { keepAlive: options.keepAlive } : {}),
    ...(options.keepAliveInitialDelay !== undefined ? { keepAliveInitialDelay: options.keepAliveInitialDelay } : {}),
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
  });
}

/**
 * Feeds a node:net Server (an http.Server, an https.Server) from a finack Server: each accepted
 * socket is emitted as 'connection' and counted as net.Server counts its own, so Node's close()
 * waits for them before 'close'; 'listening' and 'error' are passed on.
 */
export function feedFrom(server: import('node:net').Server, fin: Server): void {
  const self = server as unknown as NetServerInternals;
  fin.on('connection', (sock: Socket) => {
    self._connections++;
    sock.once('close', () => {
      self._connections--;
      self._emitCloseIfDrained();
    });
    server.emit('connection', sock);
  });
  fin.on('listening', () => server.emit('listening'));
  fin.on('error', (err: Error) => {
    self._handle = null;
    server.emit('error', err);
  });
}

/** listen(args) of a server fed by feedFrom(): on the finack listener, never on the kernel. */
export function listenOn(server: import('node:net').Server, fin: Server, args: unknown[]): void {
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    args = args.slice(0, -1);
    server.once('listening', last as () => void);
  }
  fin.listen(...args);
  const a = fin.address();
  if (a === null) return;
  // Stands in for the kernel handle net.Server keeps: Node's close(), address(), listening and
  // ref()/unref() then work on the finack listener.
  const self = server as unknown as NetServerInternals;
  self._handle = {
    close: () => fin.close(),
    ref: () => fin.ref(),
    unref: () => fin.unref(),
    getsockname: (out: object) => {
      Object.assign(out, fin.address() ?? a);
      return 0;
    },
  };
  self._connectionKey = `${a.family === 'IPv6' ? 6 : 4}:${a.address}:${a.port}`;
}

/**
 * An http.Server whose connections come from a finack Server (`finack`): listen() takes the
 * arguments of host.net's Server.listen and listens on the finack host. Everything else — request
 * handling, keep-alive, close(), closeIdleConnections(), getConnections(), 'close' once the last
 * connection is gone — is Node's http.Server, fed with server.emit('connection', socket).
 */
export class FinackHttpServer extends http.Server {
  /** The finack listener under this server. */
  readonly finack: Server;

  constructor(net: HttpNet, options: http.ServerOptions = {}, listener?: http.RequestListener) {
    super(options, listener);
    this.finack = finackServerFor(net, options);
    feedFrom(this, this.finack);
  }

  /**
   * listen(port[, host][, backlog][, cb]) or listen({ port, host, backlog }[, cb]) on the finack
   * host (port 0 or none: an ephemeral port). EADDRINUSE and EADDRNOTAVAIL arrive as 'error'.
   */
  override listen(...args: unknown[]): this {
    listenOn(this, this.finack, args);
    return this;
  }
}

/** host.http: node:http over one finack host. */
export interface FinackHttp {
  /** The net API (host.net) the connections are made with. */
  readonly net: HttpNet;
  /** new host.http.Agent(options): an http.Agent over this host (keepAlive etc. as Node's). */
  readonly Agent: new (
    options?: http.AgentOptions,
  ) => FinackAgent;
  /** The agent requests use unless given one of this host's: keepAlive, as Node's globalAgent. */
  readonly globalAgent: FinackAgent;
  /** new host.http.Server(options, handler): see createServer. */
  readonly Server: new (
    options?: http.ServerOptions | http.RequestListener,
    listener?: http.RequestListener,
  ) => FinackHttpServer;
  createServer(options?: http.ServerOptions | http.RequestListener, listener?: http.RequestListener): FinackHttpServer;
  /** http.request over this host; refuses options that would bypass it (UsageError). */
  request(url: string | URL | http.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  request(url: string | URL, options: http.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  /** http.get over this host (request() then end()). */
  get(url: string | URL | http.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  get(url: string | URL, options: http.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  readonly METHODS: readonly string[];
  readonly STATUS_CODES: Readonly<Record<number, string | undefined>>;
}

/** host.http for a net API. Prefer host.http (or httpOf in index.ts), which keeps one per host. */
export function createHttp(net: HttpNet): FinackHttp {
  class HostAgent extends FinackAgent {
    constructor(options?: http.AgentOptions) {
      super(net, options);
    }
  }
  class HostServer extends FinackHttpServer {
    constructor(options?: http.ServerOptions | http.RequestListener, listener?: http.RequestListener) {
      if (typeof options === 'function') super(net, {}, options);
      else super(net, options ?? {}, listener);
    }
  }
  // Node's globalAgent since v19: keepAlive, 'lifo', a 5 s idle timeout.
  const globalAgent = new HostAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

  const prepare = (args: unknown[]): unknown[] => prepareRequest(args, HostAgent, globalAgent);
  const request = (...args: unknown[]): http.ClientRequest =>
    (http.request as (...a: unknown[]) => http.ClientRequest)(...prepare(args));
  const get = (...args: unknown[]): http.ClientRequest => {
    const req = request(...args);
    req.end();
    return req;
  };
  return {
    net,
    Agent: HostAgent,
    globalAgent,
    Server: HostServer,
    createServer: (options, listener) => new HostServer(options, listener),
    request: request as FinackHttp['request'],
    get: get as FinackHttp['get'],
    METHODS: http.METHODS,
    STATUS_CODES: http.STATUS_CODES,
  };
}

/**
 * A request's arguments ([url,] [options,] [cb]) with the options object checked — nothing that
 * would bypass the host's agent (see bypass()) — and `agent` set: the one given if it is an
 * instance of `ownAgent` (this host's), else `defaultAgent`.
 */
export function prepareRequest(
  args: unknown[],
  ownAgent: abstract new (...a: never[]) => object,
  defaultAgent: object,
): unknown[] {
  let [a0, a1, a2] = args;
  let options: Record<string, unknown>;
  if (typeof a0 === 'string' || a0 instanceof URL) {
    if (typeof a1 === 'function') [a1, a2] = [{}, a1];
    options = { ...((a1 ?? {}) as Record<string, unknown>) };
    args = [a0, options, a2];
  } else {
    options = { ...((a0 ?? {}) as Record<string, unknown>) };
    args = [options, a1];
  }
  const { agent } = options;
  if (agent !== undefined && agent !== null && !(agent instanceof ownAgent)) throw bypass('agent', agent);
  for (const k of ['createConnection', 'socketPath', 'lookup'] as const) {
    if (options[k] !== undefined && options[k] !== null) throw bypass(k, options[k]);
  }
  options.agent = agent ?? defaultAgent;
  return args;
}

/** The connect() options of an Agent's createConnection call for a finack Socket. */
export function connectOptions(options: http.ClientRequestArgs, defaultPort: number): Record<string, unknown> {
  if (options.socketPath !== undefined && options.socketPath !== null) throw bypass('socketPath', options.socketPath);
  const o: Record<string, unknown> = { host: options.host ?? 'localhost', port: options.port ?? defaultPort };
  for (const k of CONNECT_KEYS) {
    const v = (options as Record<string, unknown>)[k];
    if (v !== undefined) o[k] = v;
  }
  return o;
}
