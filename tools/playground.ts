// Serves the browser playground: builds dist-web/ (tools/build-web.ts), then serves it on 127.0.0.1
// on a free port (or --port N) and prints the URL. Only the folder's own files are served.
//
//   node --import tsx tools/playground.ts [--port N]

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb, DEFAULT_OUT, sizeReport } from './build-web.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export interface Playground {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1:`port` (0: a free port). Resolves once listening. */
export async function servePlayground(opts: { dir?: string; port?: number } = {}): Promise<Playground> {
  const root = resolve(opts.dir ?? DEFAULT_OUT);
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    } catch {
      res.writeHead(400).end(); // a malformed %-escape
      return;
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

function portArg(argv: readonly string[]): number | undefined {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : process.env.PORT;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`--port: not a port number: ${raw}`);
  return n;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  (async () => {
    const port = portArg(process.argv);
    const built = await buildWeb();
    console.log(sizeReport(built));
    const pg = await servePlayground({ dir: built.outDir, ...(port !== undefined ? { port } : {}) });
    console.log(`finack playground: ${pg.url}`);
    console.log(`guided four-way close: ${pg.url}?scenario=close&autoplay=1`);
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
