// The benchmark's child processes: programs started by the workloads, inside a network namespace the
// benchmark made (loss, TUN) or on 127.0.0.1 (the kernel server of the 10,000-connection row, kept
// in a process of its own because both ends of 10,000 connections exceed one process's open-file
// limit). Each prints one JSON line on stdout: `{"ready":...}` for servers, the result for clients.
// Servers exit when their standard input closes (the parent's end) or after MAX_LIFE_MS; clients
// are bounded by the timeout they are given.
//
//   peer.ts echo-server HOST BACKLOG          node:net lifecycle echo (end(d))
//   peer.ts sink-server HOST                  node:net: reads everything, end() after the peer's FIN
//   peer.ts tun-server IFNAME KERNEL/PREFIX FINACK_ADDR
//                                             finack on a TUN device: sink and echo servers (net API)
//   peer.ts bulk-client HOST PORT BYTES TIMEOUT_MS
//   peer.ts churn-client HOST PORT COUNT PARALLEL TIMEOUT_MS
//   peer.ts loop-bulk BYTES TIMEOUT_MS        node:net over this namespace's loopback, hashing receiver

import * as nodeNet from 'node:net';
import { now } from './common.js';
import {
  bulk,
  churn,
  echoServer,
  expectedDigest,
  listen,
  type NetLike,
  type ServerLike,
  type SockLike,
} from './netload.js';

const MAX_LIFE_MS = 15 * 60_000;
const CHUNK = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 3) & 0xff);
const kernel = nodeNet as unknown as NetLike;

function out(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

/** A server that reads every byte and answers the peer's FIN with its own. */
function sinkServer(net: NetLike): ServerLike {
  return net.createServer({ allowHalfOpen: true }, (s: SockLike) => {
    s.on('data', () => {});
    s.on('end', () => s.end());
    s.on('error', () => {});
  });
}

/** Keeps a server process alive until stdin closes or MAX_LIFE_MS passes. */
function serveUntilParentGoes(onExit: () => void): void {
  const bye = (): void => {
    try {
      onExit();
    } finally {
      process.exit(0);
    }
  };
  process.stdin.on('end', bye);
  process.stdin.on('close', bye);
  process.stdin.resume();
  setTimeout(bye, MAX_LIFE_MS).unref();
}

/** A client that writes `total` bytes and waits for the server's FIN (so every byte arrived). */
function bulkClient(net: NetLike, host: string, port: number, total: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bulk-client: not done in ${timeoutMs} ms`)), timeoutMs);
    const t0 = now();
    const c = net.connect({ port, host }, () => {
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const n = Math.min(CHUNK.length, total - sent);
          sent += n;
          if (!c.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            c.once('drain', pump);
            return;
          }
        }
        c.end();
      };
      pump();
    });
    c.on('data', () => {});
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('end', () => {
      clearTimeout(timer);
      resolve(now() - t0);
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const [mode, ...a] = argv;
  switch (mode) {
    case 'echo-server': {
      const srv = echoServer(kernel);
      const port = await listen(srv, a[0] ?? '127.0.0.1', Number(a[1] ?? 511));
      out({ ready: true, port });
      serveUntilParentGoes(() => srv.close());
      return;
    }
    case 'sink-server': {
      const host = a[0] ?? '127.0.0.1';
      const sink = sinkServer(kernel);
      const echo = echoServer(kernel);
      const sinkPort = await listen(sink, host);
      const echoPort = await listen(echo, host, 1024);
      out({ ready: true, sinkPort, echoPort });
      serveUntilParentGoes(() => {});
      return;
    }
    case 'tun-server': {
      const { TunDevice, TunDriver } = await import('./finack.js');
      const [ifname, kernelCidr, addr] = a as [string, string, string];
      const device = TunDevice.open({ name: ifname, kernelAddrs: [kernelCidr] });
      const driver = new TunDriver({ device, addresses: [addr] });
      const net = driver.net as unknown as NetLike;
      const sink = sinkServer(net);
      const echo = echoServer(net);
      const sinkPort = await listen(sink, addr);
      const echoPort = await listen(echo, addr, 1024);
      out({ ready: true, sinkPort, echoPort });
      serveUntilParentGoes(() => driver.close());
      return;
    }
    case 'bulk-client': {
      const [host, port, bytes, timeout] = a as [string, string, string, string];
      const ms = await bulkClient(kernel, host, Number(port), Number(bytes), Number(timeout));
      out({ ms, bytes: Number(bytes) });
      process.exit(0);
      return;
    }
    case 'churn-client': {
      const [host, port, n, parallel, timeout] = a as [string, string, string, string, string];
      const ends = { server: kernel, serverHost: host, client: kernel };
      const ms = await churn(ends, Number(n), Number(parallel), Number(timeout), { port: Number(port) });
      out({ ms, count: Number(n) });
      process.exit(0);
      return;
    }
    case 'loop-bulk': {
      const [bytes, timeout] = a as [string, string];
      const total = Number(bytes);
      const r = await bulk({ server: kernel, serverHost: '127.0.0.1', client: kernel }, total, CHUNK, Number(timeout));
      if (r.digest !== expectedDigest(CHUNK, total)) throw new Error('loop-bulk: wrong SHA-256 at the receiver');
      out({ ms: r.ms, bytes: r.bytes });
      process.exit(0);
      return;
    }
    default:
      process.stderr.write(`peer.ts: unknown mode ${String(mode)}\n`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`peer.ts: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
