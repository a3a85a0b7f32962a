// host.https: Node's TLS layered on finack Sockets (tls.connect({ socket }) on the client, an
// https.Server fed the finack listener's sockets on the server), with a self-signed certificate
// made for the test by openssl (skipped with the reason when there is none; a failure when
// FINACK_REQUIRE_SYSTEM=1). node:net's kernel Socket.connect is spied on and must never be called.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { UsageError } from '../../src/base/errors.js';
import '../../src/net/index.js';
import { SimNetwork } from '../../src/sim/network.js';

/** A self-signed certificate for 192.0.2.1, or why there is none. */
function selfSigned(): { key: Buffer; cert: Buffer } | string {
  const dir = mkdtempSync(join(tmpdir(), 'finack-https-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=192.0.2.1',
        '-addext',
        'subjectAltName=IP:192.0.2.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (r.error !== undefined || r.status !== 0)
      return `openssl could not make a certificate (apt-get install openssl)`;
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('host.https: GET over TLS on finack sockets, one kept-alive connection, no kernel socket', async (t) => {
  const pair = selfSigned();
  if (typeof pair === 'string') {
    if (process.env.FINACK_REQUIRE_SYSTEM === '1') throw new Error(`FINACK_REQUIRE_SYSTEM=1 but ${pair}`);
    t.diagnostic(`skipped: ${pair}`);
    t.skip(pair);
    return;
  }
  let kernelConnects = 0;
  const realConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    kernelConnects++;
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof realConnect;
  try {
    const sim = new SimNetwork({ seed: 443 });
    const server = sim.host('192.0.2.1');
    const client = sim.host('192.0.2.2');
    const hs = server.https.createServer(pair, (req, res) => res.end(`secure ${req.url}`));
    await new Promise<void>((r) => hs.listen(443, () => r()));
    assert.deepEqual(hs.address(), { address: '0.0.0.0', family: 'IPv4', port: 443 });

    const get = (path: string, extra: Record<string, unknown> = {}) =>
      new Promise<{ body: string; protocol: string | null; authorized: boolean }>((resolve, reject) => {
        const req = client.https.get(
          { host: '192.0.2.1', path, ca: pair.cert, ...extra },
          (res: http.IncomingMessage) => {
            const sock = res.socket as TLSSocket;
            const protocol = sock.getProtocol();
            const authorized = sock.authorized;
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ body, protocol, authorized }));
          },
        );
        req.on('error', reject);
      });
    const a = await get('/a');
    const b = await get('/b');
    assert.equal(a.body, 'secure /a');
    assert.equal(b.body, 'secure /b');
    assert.match(String(a.protocol), /^TLSv1\.[23]$/);
    assert.equal(a.authorized, true);
    assert.equal(client.https.globalAgent.connectionsMade, 1, 'keep-alive: one TLS connection');
    // The bytes on the finack connection are TLS records, not the plain request.
    const rows = client.net.connections().filter((r) => r.remote?.port === 443);
    assert.deepEqual(
      rows.map((r) => r.state),
      ['ESTABLISHED'],
    );

    // Without the certificate as a CA, the client refuses the self-signed server: an 'error' event.
    const untrusting = new client.https.Agent({ keepAlive: false });
    const err = await get('/c', { ca: undefined, agent: untrusting }).then(
      () => assert.fail('a self-signed certificate was accepted'),
      (e: NodeJS.ErrnoException) => e,
    );
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');

    assert.throws(
      () => client.https.get({ host: '192.0.2.1', agent: false }),
      (e: unknown) => e instanceof UsageError && /agent=false .*kernel socket/.test(e.message),
    );
    assert.throws(
      () => client.https.get({ host: '192.0.2.1', agent: new client.http.Agent() }),
      (e: unknown) => e instanceof UsageError && /not an agent of this host/.test(e.message),
    );

    client.https.globalAgent.destroy();
    await new Promise<void>((r) => hs.close(() => r()));
    assert.equal(kernelConnects, 0, 'no kernel socket was opened');
  } finally {
    net.Socket.prototype.connect = realConnect;
  }
});
