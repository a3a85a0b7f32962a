// tools/playground.ts's server: the folder's own files on 127.0.0.1, nothing outside it.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { servePlayground } from '../../tools/playground.js';

function get(url: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((ok, fail) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('playground server: serves the folder on 127.0.0.1 and refuses paths outside it', async () => {
  const base = mkdtempSync(join(tmpdir(), 'finack-serve-'));
  const site = join(base, 'site');
  try {
    writeFileSync(join(base, 'secret.txt'), 'outside');
    mkdirSync(site);
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(site, 'app.js'), 'void 0;');
    const pg = await servePlayground({ dir: site });
    try {
      assert.match(pg.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await get(pg.url, '/');
      assert.equal(index.status, 200);
      assert.match(index.type, /^text\/html/);
      const js = await get(pg.url, '/app.js?v=1');
      assert.equal(js.status, 200);
      assert.match(js.type, /^text\/javascript/);
      assert.equal((await get(pg.url, '/missing.js')).status, 404);
      const out = await get(pg.url, '/../secret.txt');
      assert.equal(out.status, 403);
      assert.doesNotMatch(out.body, /outside/);
      assert.equal((await get(pg.url, '/%2e%2e/secret.txt')).status, 403);
      assert.equal((await get(pg.url, '/%')).status, 400);
      assert.equal((await get(pg.url, '/')).status, 200); // still serving
    } finally {
      await pg.close();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
