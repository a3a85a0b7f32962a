// The differential scenarios: each runs on node:net (kernel, 127.0.0.1) and on finack's simulated
// network; harness.ts says what is compared. A scenario ends when every socket it watches closed.

import { closeServer, type Env, listen, type Scenario, type SockLike, turns } from './harness.js';

const MiB = 1024 * 1024;

/** Deterministic payload: byte i = (i * 31 + seed) & 255. */
export function payload(n: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 255;
  return b;
}

/** Writes `data` in `chunk`-byte writes, waiting for 'drain' whenever write() returns false. */
function writeAll(s: SockLike, data: Buffer, chunk: number, onFalse?: () => void): Promise<void> {
  return new Promise((resolve) => {
    let at = 0;
    const pump = (): void => {
      while (at < data.length) {
        const piece = data.subarray(at, at + chunk);
        at += piece.length;
        if (!s.write(piece)) {
          onFalse?.();
          s.once('drain', pump);
          return;
        }
      }
      resolve();
    };
    pump();
  });
}

/** A server with one watched accepted socket ('server'), plus a watched client ('client'). */
async function pair(
  env: Env,
  opts: {
    server?: object;
    client?: object;
    clientWatch?: { data?: boolean };
    onServer?: (s: SockLike) => void;
    onClient?: (c: SockLike) => void;
  },
): Promise<{ port: number; done: Promise<void> }> {
  const { rec } = env;
  const srv = rec.watchServer(
    env.serverNet.createServer(opts.server ?? {}, (s) => {
      rec.watch(s, 'server');
      opts.onServer?.(s);
    }),
    'listener',
  );
  const port = await listen(env, srv);
  const c = rec.watch(
    env.clientNet.connect({ port, host: env.host, ...(opts.client ?? {}) }),
    'client',
    opts.clientWatch,
  );
  opts.onClient?.(c);
  const done = rec.closed('client').then(async () => {
    await rec.closed('server');
    await closeServer(srv);
  });
  return { port, done };
}

export const scenarios: Scenario[] = [
  {
    name: 'client ends first, allowHalfOpen false on both sides',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.on('data', (d) => s.write(d)),
        onClient: (c) => c.on('connect', () => c.end('ping')),
      });
      await done;
    },
  },
  {
    name: 'server ends first, allowHalfOpen false on both sides',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.end('hello from server'),
      });
      await done;
    },
  },
  {
    name: 'client ends first, server allowHalfOpen true sends data after the client FIN',
    async run(env) {
      const { done } = await pair(env, {
        server: { allowHalfOpen: true },
        onServer: (s) => {
          s.resume();
          s.on('end', () => {
            env.rec.note('server readyState after end', s.readyState);
            s.write('late data 1 ');
            s.end('late data 2');
          });
        },
        onClient: (c) => c.on('connect', () => c.end('request')),
      });
      await done;
    },
  },
  {
    name: 'server ends first, client allowHalfOpen true answers after the server FIN',
    async run(env) {
      const { done } = await pair(env, {
        client: { allowHalfOpen: true },
        onServer: (s) => {
          s.on('data', () => {});
          s.end('bye');
        },
        onClient: (c) => {
          c.resume();
          c.on('end', () => {
            env.rec.note('client readyState after end', c.readyState);
            c.end('reply after FIN');
          });
        },
      });
      await done;
    },
  },
  {
    name: 'allowHalfOpen true on both sides: client ends, server answers and ends',
    async run(env) {
      const { done } = await pair(env, {
        server: { allowHalfOpen: true },
        client: { allowHalfOpen: true },
        onServer: (s) => {
          s.resume();
          s.on('end', () => s.end('answer'));
        },
        onClient: (c) => {
          c.resume();
          c.on('connect', () => c.end('question'));
        },
      });
      await done;
    },
  },
  {
    name: 'allowHalfOpen true on both sides: server ends first, client ends on end',
    async run(env) {
      const { done } = await pair(env, {
        server: { allowHalfOpen: true },
        client: { allowHalfOpen: true },
        onServer: (s) => {
          s.resume();
          s.end('first');
        },
        onClient: (c) => {
          c.resume();
          c.on('end', () => c.end('second'));
        },
      });
      await done;
    },
  },
  {
    name: 'end(data) delivers the data before the FIN',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.resume(),
        onClient: (c) => c.end(payload(100_000)),
      });
      await done;
    },
  },
  {
    name: 'destroy() while data is queued: the peer gets a prefix and an orderly end',
    note: 'how much of the 8 MiB reaches the peer depends on the kernel buffer: bytes received are not compared',
    ignoreBytes: ['server'],
    async run(env) {
      const sent = payload(8 * MiB);
      const { done } = await pair(env, {
        onServer: (s) => {
          const got: Buffer[] = [];
          s.on('data', (d) => got.push(d));
          s.on('end', () => {
            const all = Buffer.concat(got);
            env.rec.note(
              'received a prefix of what was sent',
              all.length <= sent.length && sent.subarray(0, all.length).equals(all),
            );
          });
        },
        onClient: (c) =>
          c.on('connect', () => {
            c.write(sent);
            c.destroy();
            env.rec.note('client readyState after destroy', c.readyState);
            env.rec.note('client destroyed', c.destroyed);
          }),
      });
      await done;
    },
  },
  {
    name: 'resetAndDestroy() on the client: server read fails with ECONNRESET',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.resume(),
        onClient: (c) => c.on('connect', () => c.resetAndDestroy()),
      });
      await done;
    },
  },
  {
    name: 'resetAndDestroy() on the server after data: client read fails with ECONNRESET',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.on('data', () => s.resetAndDestroy()),
        onClient: (c) => c.on('connect', () => c.write('hi')),
      });
      await done;
    },
  },
  {
    name: 'connect to a port with no listener: ECONNREFUSED',
    async run(env) {
      const { rec } = env;
      const srv = env.serverNet.createServer();
      const port = await listen(env, srv);
      await closeServer(srv);
      const c = rec.watch(env.clientNet.connect(port, env.host), 'client');
      rec.note('pending while connecting', c.pending);
      rec.note('connecting', c.connecting);
      await rec.closed('client');
      rec.note('pending after', c.pending);
    },
  },
  {
    name: 'server.close() with an open connection: it lives on, new connections are refused',
    async run(env) {
      const { rec } = env;
      let closedAt = '';
      let accepted!: () => void;
      const acceptedP = new Promise<void>((r) => (accepted = r));
      const srv = rec.watchServer(
        env.serverNet.createServer((s) => {
          rec.watch(s, 'server');
          s.on('data', (d) => s.write(d));
          accepted();
        }),
        'listener',
      );
      const port = await listen(env, srv);
      const c = rec.watch(env.clientNet.connect(port, env.host), 'client');
      await new Promise<void>((r) => c.once('connect', () => r()));
      await acceptedP;
      const serverClosed = new Promise<void>((r) =>
        srv.close(() => {
          closedAt = `client ${c.readyState}`;
          r();
        }),
      );
      rec.note('listening after close()', srv.listening);
      const late = rec.watch(env.clientNet.connect(port, env.host), 'late client');
      await rec.closed('late client');
      c.write('still here');
      await new Promise<void>((r) => c.once('data', () => r()));
      c.end();
      await rec.closed('client', 'server');
      await serverClosed;
      rec.note('server close came when', closedAt);
      rec.note('late client readyState', late.readyState);
    },
  },
  {
    name: 'write after end(): ERR_STREAM_WRITE_AFTER_END',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.resume(),
        onClient: (c) =>
          c.on('connect', () => {
            c.end('last');
            const r = c.write('too late', (err) => env.rec.note('write callback', env.rec.error(err)));
            env.rec.note('write returned', r);
          }),
      });
      await done;
    },
  },
  {
    name: 'write after the peer reset (peer FIN read first): EPIPE on write',
    note: 'the server writes on an idle timeout of 50 ms, long after the RST on either network',
    async run(env) {
      const { done } = await pair(env, {
        server: { allowHalfOpen: true },
        onServer: (s) => {
          s.resume();
          s.on('end', () => s.write('go'));
          s.setTimeout(50, () => {
            env.rec.note('server tcp write returned', s.write('x'));
          });
        },
        onClient: (c) => {
          c.on('connect', () => c.end());
          c.on('data', () => c.resetAndDestroy());
        },
      });
      await done;
    },
  },
  {
    name: 'write after the peer ended, allowHalfOpen false: EPIPE "ended by the other party"',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => {
          s.resume();
          s.end('done');
        },
        onClient: (c) => {
          c.resume();
          c.on('end', () =>
            setImmediate(() => {
              const r = c.write('x', (err) => env.rec.note('write callback', env.rec.error(err)));
              env.rec.note('write returned', r);
            }),
          );
        },
      });
      await done;
    },
  },
  {
    name: 'large transfer client to server (4 MiB) with backpressure',
    async run(env) {
      const data = payload(4 * MiB, 1);
      let falses = 0;
      let drains = 0;
      const { done } = await pair(env, {
        onServer: (s) => s.resume(),
        onClient: (c) => {
          c.on('drain', () => drains++);
          c.on('connect', () =>
            writeAll(c, data, 64 * 1024, () => falses++).then(() => {
              c.end();
            }),
          );
        },
      });
      await done;
      // How often write() returns false depends on the send buffer's size: only the pairing is compared.
      env.rec.note('every false write() was followed by drain', falses === drains);
    },
  },
  {
    name: 'large transfer server to client (4 MiB) with backpressure, server ends',
    async run(env) {
      const data = payload(4 * MiB, 2);
      const { done } = await pair(env, {
        onServer: (s) => {
          s.resume();
          void writeAll(s, data, 100_000).then(() => s.end());
        },
        onClient: (c) => c.resume(),
      });
      await done;
    },
  },
  {
    name: 'large transfers both ways at once (echo via pipe, 3 MiB)',
    note: "whether the echo starts arriving before the client's 'finish' depends on buffer sizes: client data events are not logged",
    async run(env) {
      const data = payload(3 * MiB, 3);
      const { done } = await pair(env, {
        clientWatch: { data: false },
        onServer: (s) => s.pipe(s),
        onClient: (c) => {
          c.on('connect', () => void writeAll(c, data, 32 * 1024).then(() => c.end()));
        },
      });
      await done;
    },
  },
  {
    name: 'slow reader: pause() fills the buffers, resume() drains them',
    note: 'compares events and bytes; where the writer first sees write() === false depends on buffer sizes',
    async run(env) {
      const data = payload(2 * MiB, 4);
      const { done } = await pair(env, {
        onServer: (s) => {
          s.pause();
          s.on('data', () => {});
          s.once('readable', () => {});
          setTimeout(() => s.resume(), 20);
        },
        onClient: (c) => c.on('connect', () => void writeAll(c, data, 64 * 1024).then(() => c.end())),
      });
      await done;
    },
  },
  {
    name: 'many concurrent connections (20), each echoed upper-cased',
    async run(env) {
      const { rec } = env;
      const N = 20;
      const srv = rec.watchServer(
        env.serverNet.createServer((s) => {
          s.once('data', (d) => {
            rec.watch(s, `server ${d.toString()}`);
            s.end(d.toString().toUpperCase());
          });
        }),
        'listener',
      );
      const port = await listen(env, srv);
      const labels: string[] = [];
      const replies: string[] = [];
      for (let i = 0; i < N; i++) {
        const c = rec.watch(env.clientNet.connect(port, env.host), `client ${i}`);
        labels.push(`client ${i}`);
        c.on('connect', () => c.write(`hello ${i}`));
        c.on('data', (d) => replies.push(d.toString()));
      }
      await rec.closed(...labels);
      await closeServer(srv);
      rec.note('replies', replies.sort());
      // Connection order differs between the runs, so the listener log is compared as a count.
      rec.note('connections', (rec.logs.listener ?? []).filter((e) => e === 'connection').length);
      delete rec.logs.listener;
    },
  },
  {
    name: 'setTimeout fires once per idle period: without activity, no second timeout',
    async run(env) {
      let timeouts = 0;
      const { done } = await pair(env, {
        // The server ends the connection after 300 ms idle; the client's 30 ms timer (armed once
        // connected, so a slow handshake on a loaded machine cannot move it) fired once by then.
        onServer: (s) => {
          s.resume();
          s.setTimeout(300, () => s.end());
        },
        onClient: (c) => {
          c.resume();
          c.on('connect', () => c.setTimeout(30));
          c.on('timeout', () => timeouts++);
        },
      });
      await done;
      env.rec.note('client timeouts', timeouts);
    },
  },
  {
    name: 'setTimeout fires on an idle socket; destroy() in the handler',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.resume(),
        onClient: (c) => {
          c.setTimeout(100, () => {
            env.rec.note('timeout property', (c as unknown as { timeout?: number }).timeout);
            c.destroy();
          });
        },
      });
      await done;
    },
  },
  {
    name: 'destroy(err) on the client: error then close(true); server sees an orderly end',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.resume(),
        onClient: (c) => c.on('connect', () => c.destroy(new Error('boom'))),
      });
      await done;
    },
  },
  {
    name: 'server destroy() on connection: client sees end, finish, close',
    async run(env) {
      const { done } = await pair(env, {
        onServer: (s) => s.destroy(),
        onClient: (c) => c.resume(),
      });
      await done;
    },
  },
  {
    name: 'destroy() while connecting: only close(false)',
    async run(env) {
      const { rec } = env;
      const srv = env.serverNet.createServer();
      const port = await listen(env, srv);
      const c = rec.watch(env.clientNet.connect(port, env.host), 'client');
      rec.note('readyState before', c.readyState);
      c.destroy();
      rec.note('readyState after', c.readyState);
      await rec.closed('client');
      await closeServer(srv);
    },
  },
  {
    name: 'addresses, ports, families and byte counters',
    async run(env) {
      const { rec } = env;
      let srvSock: SockLike | undefined;
      const { port, done } = await pair(env, {
        onServer: (s) => {
          srvSock = s;
          s.on('data', () => s.end('0123456789'));
        },
        onClient: (c) => c.on('connect', () => c.write('abcdef')),
      });
      await done;
      rec.note('server socket local port is the listen port', srvSock?.localPort === port);
      rec.note('server socket remote family', srvSock?.remoteFamily);
      rec.note('server bytesRead/bytesWritten', `${srvSock?.bytesRead}/${srvSock?.bytesWritten}`);
    },
  },
  {
    name: 'client counters and remote address after close',
    async run(env) {
      const { rec } = env;
      let client: SockLike | undefined;
      const { port, done } = await pair(env, {
        onServer: (s) => s.on('data', (d) => s.end(d)),
        onClient: (c) => {
          client = c;
          c.on('connect', () => {
            rec.note('remote is the server', c.remoteAddress === env.host && c.remotePort === port);
            rec.note('remoteFamily', c.remoteFamily);
            c.write('0123456789abcdef');
          });
        },
      });
      await done;
      rec.note('after close: bytesRead/bytesWritten', `${client?.bytesRead}/${client?.bytesWritten}`);
      rec.note('after close: remotePort kept', client?.remotePort === port);
    },
  },
  {
    name: 'pauseOnConnect: data waits until resume()',
    async run(env) {
      const { done } = await pair(env, {
        server: { pauseOnConnect: true },
        onServer: (s) => {
          env.rec.note('server isPaused at connection', s.isPaused());
          setTimeout(() => s.resume(), 20);
        },
        onClient: (c) => c.on('connect', () => c.end('held')),
      });
      await done;
    },
  },
  {
    name: 'listen on a port in use: EADDRINUSE',
    async run(env) {
      const { rec } = env;
      const a = env.serverNet.createServer();
      const port = await listen(env, a);
      const b = rec.watchServer(env.serverNet.createServer(), 'second');
      await new Promise<void>((r) => {
        b.once('error', () => r());
        b.listen(port, env.host);
      });
      rec.note('second listening', b.listening);
      await closeServer(a);
    },
  },
  {
    name: 'invalid arguments throw as Node does',
    async run(env) {
      const { rec } = env;
      const codeOf = (f: () => unknown): string => {
        try {
          f();
          return 'no throw';
        } catch (e) {
          return `${(e as Error).name}:${String((e as { code?: string }).code)}`;
        }
      };
      rec.note(
        'port -1',
        codeOf(() => env.clientNet.connect({ port: -1, host: env.host })),
      );
      rec.note(
        'port 65536',
        codeOf(() => env.clientNet.connect(65536, env.host)),
      );
      rec.note(
        'port true',
        codeOf(() => env.clientNet.connect({ port: true, host: env.host })),
      );
      rec.note(
        'no port',
        codeOf(() => env.clientNet.connect({ host: env.host })),
      );
      rec.note(
        'host 5',
        codeOf(() => env.clientNet.connect({ port: 80, host: 5 })),
      );
      rec.note(
        'listen port 70000',
        codeOf(() => env.serverNet.createServer().listen(70000, env.host)),
      );
      rec.note(
        'listen {}',
        codeOf(() => env.serverNet.createServer().listen({})),
      );
      rec.note(
        'createServer(5)',
        codeOf(() => env.serverNet.createServer(5 as unknown as object)),
      );
      const s = env.clientNet.connect({ port: 1, host: env.host });
      s.on('error', () => {});
      rec.note(
        'setTimeout("x")',
        codeOf(() => s.setTimeout('x' as unknown as number)),
      );
      rec.note(
        'setTimeout(-1)',
        codeOf(() => s.setTimeout(-1)),
      );
      s.destroy();
      await turns(2);
    },
  },
  {
    name: 'maxConnections: the extra connection is dropped',
    async run(env) {
      const { rec } = env;
      const held: SockLike[] = [];
      const srv = rec.watchServer(
        env.serverNet.createServer((s) => {
          held.push(s);
          s.resume();
        }),
        'listener',
      );
      srv.maxConnections = 1;
      const port = await listen(env, srv);
      const first = rec.watch(env.clientNet.connect(port, env.host), 'first');
      await new Promise<void>((r) => first.once('connect', () => r()));
      await new Promise<void>((r) => (held.length > 0 ? r() : srv.once('connection', () => r())));
      const second = rec.watch(env.clientNet.connect(port, env.host), 'second');
      second.resume();
      await rec.closed('second');
      await new Promise<void>((r) =>
        srv.getConnections((_e, n) => {
          rec.note('getConnections', n);
          r();
        }),
      );
      first.end();
      await rec.closed('first');
      await closeServer(srv);
    },
  },
  {
    name: 'destroy() with received data never read (pauseOnConnect): RST, the peer gets ECONNRESET',
    note: 'Linux resets a connection closed with unread data (RFC 2525 §2.17); the server closes on a 200 ms idle timeout',
    async run(env) {
      const { done } = await pair(env, {
        server: { pauseOnConnect: true },
        onServer: (s) => s.setTimeout(200, () => s.destroy()),
        onClient: (c) => c.on('connect', () => c.write('never read')),
      });
      await done;
    },
  },
  {
    name: 'activity defers the idle timeout: data every 30 ms keeps a 400 ms timeout from firing',
    async run(env) {
      let ticks = 0;
      let timeouts = 0;
      const { done } = await pair(env, {
        onServer: (s) => {
          s.resume();
          // The server's own idle timeout is its ticker: each write is activity that re-arms it.
          // (A listener given to setTimeout() is a once-listener, hence on('timeout').) Small
          // writes must not wait for a delayed ACK (Nagle), as an interactive server would say.
          s.setNoDelay(true);
          s.setTimeout(30);
          s.on('timeout', () => {
            ticks++;
            if (ticks < 4) s.write(`tick ${ticks}`);
            else s.end();
          });
        },
        onClient: (c) => {
          // 400 ms, not 80: generous, so the kernel run passes even on a loaded machine.
          c.setTimeout(400);
          c.on('timeout', () => timeouts++);
          c.resume();
        },
      });
      await done;
      env.rec.note('ticks / client timeouts', `${ticks}/${timeouts}`);
    },
  },
];
