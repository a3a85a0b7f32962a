// What the net layer needs of a host, and the two hosts that offer it.
//
// A Socket or Server never touches a SimHost or a TunDriver directly: it talks to a NetHost, which
// is an Endpoint plus the calls around it that differ between drivers — how a user call reaches the
// endpoint (the host's DriverLoop), what time it is, how a connection is opened or accepted, and how
// the events of one connection reach the socket that owns it. The timing of those events relative
// to the application (virtual or real time) is the NetDriver's business (scheduler.ts), not the
// host's.
//
//   simNetHost(simHost)   SimHost: handles (SimConn, SimListener) with autoRead off; virtual clock
//   tunNetHost(tunDriver) TunDriver: its raw listen/connect/watch (no TunConnection); real clock

import { isIP } from 'node:net';
import type { Connection } from '../core/connection.js';
import type { ConnectionRow, ConnId, Endpoint, EndpointOutput, ListenerId } from '../core/endpoint.js';
import type { ConnEvent } from '../core/events.js';
import type { TcpStateName } from '../core/state.js';
import type { Instant } from '../core/time.js';
import type { Address } from '../core/tuple.js';
import type { TunDriver } from '../drivers/tun/driver.js';
import type { SimHost } from '../sim/host.js';

/** A listener as the net layer holds it. */
export interface NetListener {
  readonly id: ListenerId;
  /** Stops listening (connections already accepted live on). */
  close(): void;
}

export interface NetListenOptions {
  /** Listen on this one local address; every address when undefined. */
  addr?: string;
  backlog: number;
}

export interface NetConnectOptions {
  /** One of the host's addresses; the host picks one of the remote's family when undefined. */
  localAddr?: string;
  localPort?: number;
}

export interface NetHost {
  /** Trace name of the host. */
  readonly name: string;
  /** The host's own addresses; the first is what 'localhost' means and the default family. */
  readonly addresses: readonly string[];
  /** The addresses a name stands for on this host (lookup.ts); empty when it knows no such name. */
  lookup(name: string): string[];
  readonly endpoint: Endpoint;
  /** Runs one user call against the endpoint now, then transmits and dispatches what it produced. */
  call<T extends EndpointOutput>(fn: (now: Instant) => T): T;
  /** endpoint.read(id, now, max) as a call(). */
  read(id: ConnId, max: number): EndpointOutput & { data: Uint8Array | null };
  /** endpoint.send(id, data, now) as a call(). */
  send(id: ConnId, data: Uint8Array): EndpointOutput & { accepted: number };
  /** endpoint.shutdown(id, now) as a call() (our FIN). */
  shutdown(id: ConnId): EndpointOutput;
  /** endpoint.close(id, now), or endpoint.abort(id, now) when `reset`, as a call(). */
  close(id: ConnId, reset: boolean): EndpointOutput;
  /** Re-arms the host's wakeup after a change that produced no output. */
  poll(): void;
  /** The host's time (what the endpoint sees), in ms. */
  now(): Instant;
  /** Passive open. `onAccept` gets each connection whose handshake completed; watch() it at once. */
  listen(port: number, opts: NetListenOptions, onAccept: (id: ConnId) => void): NetListener;
  /** Active open: the SYN is on the wire when this returns. Throws the endpoint's UsageError. */
  connect(remote: Address, opts: NetConnectOptions): ConnId;
  /** From now on, every event of connection `id` goes to `fn` (in order, after the core call returned). */
  watch(id: ConnId, fn: (ev: ConnEvent) => void): void;
  /** The RFC state of a connection: TIME-WAIT while a record is held, CLOSED once it is gone. */
  state(id: ConnId): TcpStateName;
  /** The host's own handle for a connection (a SimConn on a simulated host), for inspection. */
  handle(id: ConnId): object | undefined;
  /** Like `ss -tan` on this host. */
  connections(): ConnectionRow[];
}

type ConnCalls = Pick<NetHost, 'read' | 'send' | 'shutdown' | 'close'>;

const NO_DATA = new Uint8Array(0);

/**
 * NetHost's calls on one connection, each through `call`, with the function it runs made once per
 * host instead of once per call (a socket makes several per connection): the arguments wait in
 * variables until call() runs the function, which it does at once, before it transmits or
 * dispatches anything that could lead to another call.
 */
function connCalls(endpoint: Endpoint, call: NetHost['call']): ConnCalls {
  let conn: ConnId = 0;
  let max = 0;
  let bytes: Uint8Array = NO_DATA;
  let reset = false;
  const read = (now: Instant) => endpoint.read(conn, now, max);
  const send = (now: Instant) => {
    const d = bytes;
    bytes = NO_DATA; // not kept alive by the host after the call
    return endpoint.send(conn, d, now);
  };
  const shutdown = (now: Instant) => endpoint.shutdown(conn, now);
  const close = (now: Instant) => (reset ? endpoint.abort(conn, now) : endpoint.close(conn, now));
  return {
    read(id, n) {
      conn = id;
      max = n;
      return call(read);
    },
    send(id, data) {
      conn = id;
      bytes = data;
      return call(send);
    },
    shutdown(id) {
      conn = id;
      return call(shutdown);
    },
    close(id, abort) {
      conn = id;
      reset = abort;
      return call(close);
    },
  };
}

/**
 * A simulated host as a NetHost. Its handles are kept (so host.conns() and SimConn.events still
 * show the net layer's connections) but never read for the application: autoRead is off.
 */
export function simNetHost(host: SimHost): NetHost {
  const call: NetHost['call'] = (fn) => host.loop.call(fn);
  return {
    name: host.name,
    addresses: [host.addr],
    lookup: (n) => host.lookup(n),
    endpoint: host.endpoint,
    call,
    ...connCalls(host.endpoint, call),
    poll: () => host.loop.poll(),
    now: () => host.now,
    listen(port, opts, onAccept) {
      // A SimHost listens on its one address whatever opts.addr says (the Server checked it).
      const l = host.listen(port, { backlog: opts.backlog, autoRead: false });
      l.onAccept = (c) => {
        c.autoRead = false;
        onAccept(c.id);
      };
      return { id: l.id, close: () => l.close() };
    },
    connect(remote, opts) {
      const o: { localPort?: number; autoRead: boolean } = { autoRead: false };
      if (opts.localPort !== undefined) o.localPort = opts.localPort;
      return host.connect(remote, o).id;
    },
    watch(id, fn) {
      const c = host.conn(id);
      if (c === undefined) return;
      c.autoRead = false;
      c.watch(fn);
    },
    state: (id) => host.conn(id)?.state ?? 'CLOSED',
    handle: (id) => host.conn(id),
    connections: () => host.connections(),
  };
}

/** A TUN driver as a NetHost: connections opened through its raw calls, so no TunConnection reads them. */
export function tunNetHost(driver: TunDriver): NetHost {
  const call: NetHost['call'] = (fn) => driver.loop.call(fn);
  return {
    name: driver.name,
    addresses: driver.addresses,
    // A TUN driver has no names of its own but 'localhost' (its first address).
    lookup: (n) => (isIP(n) !== 0 ? [n] : n.toLowerCase() === 'localhost' ? driver.addresses.slice(0, 1) : []),
    endpoint: driver.endpoint,
    call,
    ...connCalls(driver.endpoint, call),
    poll: () => driver.loop.poll(),
    now: () => driver.clock.now(),
    listen(port, opts, onAccept) {
      const id = driver.listenRaw(port, onAccept, {
        backlog: opts.backlog,
        ...(opts.addr !== undefined ? { addr: opts.addr } : {}),
      });
      return { id, close: () => driver.unlisten(id) };
    },
    connect(remote, opts) {
      return driver.connectRaw(remote.addr, remote.port, {
        ...(opts.localAddr !== undefined ? { localAddr: opts.localAddr } : {}),
        ...(opts.localPort !== undefined ? { localPort: opts.localPort } : {}),
      });
    },
    watch: (id, fn) => driver.watch(id, fn),
    state(id) {
      const live: Connection | undefined = driver.endpoint.connection(id);
      if (live !== undefined) return live.state;
      return driver.connections().find((r) => r.conn === id)?.state ?? 'CLOSED';
    },
    handle: () => undefined,
    connections: () => driver.connections(),
  };
}
