// host.https: Node's https over a finack host, as host.http (http.ts) is Node's http. TLS is Node's
// own (node:tls): the client side is tls.connect({ socket }) layered on a finack Socket, the server
// side an https.Server fed the finack listener's sockets, which it wraps in TLSSocket itself. The same
// options are refused as by host.http, for the same reason: Node's https.request with agent: false
// opens a kernel socket.
//
//   const srv = a.https.createServer({ key, cert }, (req, res) => res.end('hi')).listen(443);
//   b.https.get({ host: '192.0.2.1', path: '/', ca: cert }, (res) => ...);

import type http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { connectOptions, feedFrom, finackServerFor, type HttpNet, listenOn, prepareRequest } from './http.js';
import type { Server } from './server.js';

type RequestCallback = (res: http.IncomingMessage) => void;

/**
 * An https.Agent whose connections are TLS sockets over finack Sockets of one host. Node's TLS
 * session cache is not used (each connection makes a full handshake); keep-alive pooling is.
 */
export class FinackHttpsAgent extends https.Agent {
  readonly net: HttpNet;
  /** Connections this agent made (pooled ones are counted once). */
  connectionsMade = 0;

  constructor(net: HttpNet, options?: https.AgentOptions) {
    super(options);
    this.net = net;
  }

  override createConnection(options: http.ClientRequestArgs): tls.TLSSocket {
    const socket = this.net.connect(connectOptions(options, 443));
    this.connectionsMade++;
    // tls.connect with a socket makes no connection of its own; the rest are TLS options
    // (servername, ca, rejectUnauthorized, ...) as Node's https.Agent passes them.
    const o = { ...(options as tls.ConnectionOptions), socket: socket as unknown as import('node:net').Socket };
    delete (o as { path?: unknown }).path;
    return tls.connect(o);
  }
}

/** An https.Server whose connections come from a finack Server; listen() as FinackHttpServer's. */
export class FinackHttpsServer extends https.Server {
  readonly finack: Server;

  constructor(net: HttpNet, options: https.ServerOptions = {}, listener?: http.RequestListener) {
    super(options, listener);
    this.finack = finackServerFor(net, options, false);
    feedFrom(this, this.finack);
  }

  override listen(...args: unknown[]): this {
    listenOn(this, this.finack, args);
    return this;
  }
}

/** host.https: node:https over one finack host. */
export interface FinackHttps {
  readonly net: HttpNet;
  readonly Agent: new (options?: https.AgentOptions) => FinackHttpsAgent;
  /** keepAlive, as Node's https.globalAgent. */
  readonly globalAgent: FinackHttpsAgent;
  readonly Server: new (
    options?: https.ServerOptions | http.RequestListener,
    listener?: http.RequestListener,
  ) => FinackHttpsServer;
  createServer(
    options?: https.ServerOptions | http.RequestListener,
    listener?: http.RequestListener,
  ): FinackHttpsServer;
  request(url: string | URL | https.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  request(url: string | URL, options: https.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  get(url: string | URL | https.RequestOptions, callback?: RequestCallback): http.ClientRequest;
  get(url: string | URL, options: https.RequestOptions, callback?: RequestCallback): http.ClientRequest;
}

/** host.https for a net API. Prefer host.https (httpsOf in index.ts), which keeps one per host. */
export function createHttps(net: HttpNet): FinackHttps {
  class HostAgent extends FinackHttpsAgent {
    constructor(options?: https.AgentOptions) {
      super(net, options);
    }
  }
  class HostServer extends FinackHttpsServer {
    constructor(options?: https.ServerOptions | http.RequestListener, listener?: http.RequestListener) {
      if (typeof options === 'function') super(net, {}, options);
      else super(net, options ?? {}, listener);
    }
  }
  const globalAgent = new HostAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
  const request = (...args: unknown[]): http.ClientRequest =>
    (https.request as (...a: unknown[]) => http.ClientRequest)(...prepareRequest(args, HostAgent, globalAgent));
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
    request: request as FinackHttps['request'],
    get: get as FinackHttps['get'],
  };
}
