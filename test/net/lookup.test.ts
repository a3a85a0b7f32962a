// Names on finack hosts (src/net/lookup.ts, SimNetwork's hosts map): host.net.lookup answers as
// dns.lookup does from the host's own names only, connect() by name resolves the same way or
// through its options' lookup function, and unknown names fail with ENOTFOUND. No resolver runs.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import test from 'node:test';
import { SimNetwork } from '../../src/index.js';
import type { LookupAddress, TcpSocketConnectOpts } from '../../src/net/index.js';

type LookupFn = NonNullable<TcpSocketConnectOpts['lookup']>;

function world() {
  const sim = new SimNetwork({
    seed: 1,
    hosts: {
      'www.example.test': '198.51.100.1',
      'Dual.Example.Test': ['2001:db8::1', '198.51.100.1'],
    },
  });
  const server = sim.host('198.51.100.1', { name: 'server' });
  sim.host('2001:db8::1', { name: 'server6' });
  const client = sim.host('192.0.2.1', { name: 'client' });
  return { sim, server, client };
}

function lookupP(
  net: { lookup(h: string, o: unknown, cb: (e: unknown, a: unknown, f?: number) => void): void },
  host: string,
  opts: unknown = {},
): Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family: number | undefined }> {
  return new Promise((resolve) => {
    net.lookup(host, opts, (err, address, family) =>
      resolve({ err: err as NodeJS.ErrnoException | null, address, family }),
    );
  });
}

test('host.net.lookup: localhost, the hosts map (case-insensitive), host names and IP literals', async () => {
  const { client } = world();
  const net = client.net;
  assert.deepEqual(await lookupP(net, 'localhost'), { err: null, address: '192.0.2.1', family: 4 });
  assert.deepEqual(await lookupP(net, 'WWW.example.test'), { err: null, address: '198.51.100.1', family: 4 });
  assert.deepEqual(await lookupP(net, 'server'), { err: null, address: '198.51.100.1', family: 4 });
  assert.deepEqual(await lookupP(net, '2001:DB8::1'), { err: null, address: '2001:db8::1', family: 6 });
  // Order as the map gives it; family filters; all gives every address.
  assert.deepEqual(await lookupP(net, 'dual.example.test'), { err: null, address: '2001:db8::1', family: 6 });
  assert.deepEqual(await lookupP(net, 'dual.example.test', 4), { err: null, address: '198.51.100.1', family: 4 });
  assert.deepEqual(await lookupP(net, 'dual.example.test', { family: 'IPv6' }), {
    err: null,
    address: '2001:db8::1',
    family: 6,
  });
  const all = await lookupP(net, 'dual.example.test', { all: true });
  assert.deepEqual(all.address as LookupAddress[], [
    { address: '2001:db8::1', family: 6 },
    { address: '198.51.100.1', family: 4 },
  ]);
});

test('host.net.lookup: an unknown name, or none of the family asked, is ENOTFOUND from getaddrinfo; bad arguments throw', async () => {
  const { client } = world();
  for (const [name, opts] of [
    ['nowhere.example.test', {}],
    ['www.example.test', { family: 6 }],
  ] as const) {
    const r = await lookupP(client.net, name, opts);
    assert.equal(r.err?.code, 'ENOTFOUND');
    assert.equal(r.err?.syscall, 'getaddrinfo');
    assert.equal((r.err as { hostname?: string }).hostname, name);
    assert.equal(r.address, undefined);
  }
  assert.throws(() => client.net.lookup('localhost', {}, undefined as never), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => client.net.lookup(42 as never, () => {}), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => client.net.lookup('localhost', { family: 5 }, () => {}), { code: 'ERR_INVALID_ARG_VALUE' });
  // The answer comes later, as dns.lookup's does.
  let sync = true;
  let calledSync = false;
  client.net.lookup('localhost', () => {
    calledSync = sync;
  });
  sync = false;
  await new Promise((r) => setImmediate(r));
  assert.equal(calledSync, false);
});

test('connect() by name: the hosts map and host names resolve, with a lookup event; an unknown name fails with ENOTFOUND', async () => {
  const { server, client } = world();
  server.net.createServer((s) => s.end('hi')).listen(80);
  for (const name of ['www.example.test', 'server']) {
    const c = client.net.connect(80, name);
    const [err, address, family, host] = (await once(c, 'lookup')) as [Error | null, string, number, string];
    assert.deepEqual([err, address, family, host], [null, '198.51.100.1', 4, name]);
    let got = '';
    c.on('data', (d) => (got += d));
    await once(c, 'close');
    assert.equal(got, 'hi');
  }
  const bad = client.net.connect(80, 'nowhere.example.test');
  const [err] = (await once(bad, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err.code, 'ENOTFOUND');
  // family 6 on a name with only an IPv4 address: nothing to connect to.
  const v6 = client.net.connect({ port: 80, host: 'www.example.test', family: 6 });
  const [err6] = (await once(v6, 'error')) as [NodeJS.ErrnoException];
  assert.equal(err6.code, 'ENOTFOUND');
});

test("connect() with the options' own lookup: called as node:net calls it, its answer used; errors pass through", async () => {
  const { server, client } = world();
  server.net.createServer((s) => s.end('hi')).listen(80);
  const calls: unknown[] = [];
  const c = client.net.connect({
    port: 80,
    host: 'anything.example.test',
    family: 4,
    hints: 0,
    lookup: ((h, o, cb) => {
      calls.push([h, o]);
      cb(null, '198.51.100.1', 4);
    }) satisfies LookupFn,
  });
  let got = '';
  c.on('data', (d) => (got += d));
  await once(c, 'close');
  assert.equal(got, 'hi');
  assert.deepEqual(calls, [['anything.example.test', { family: 4, hints: 0, all: false }]]);

  const failing = client.net.connect({
    port: 80,
    host: 'x.example.test',
    lookup: ((_h, _o, cb) => cb(Object.assign(new Error('no'), { code: 'EAI_AGAIN' }))) satisfies LookupFn,
  });
  const [e1] = (await once(failing, 'error')) as [NodeJS.ErrnoException];
  assert.equal(e1.code, 'EAI_AGAIN');
  const notIp = client.net.connect({
    port: 80,
    host: 'x.example.test',
    lookup: ((_h, _o, cb) => cb(null, 'nope', 4)) satisfies LookupFn,
  });
  const [e2] = (await once(notIp, 'error')) as [NodeJS.ErrnoException];
  assert.equal(e2.code, 'ERR_INVALID_IP_ADDRESS');
  assert.throws(() => client.net.connect({ port: 80, host: 'x', lookup: 'dns' as never }), {
    code: 'ERR_INVALID_ARG_TYPE',
  });
  assert.throws(() => client.net.connect({ port: 80, host: 'x', family: 5 }), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('http over names: a GET to a name of the hosts map goes to that host', async () => {
  const { server, client } = world();
  server.http.createServer((req, res) => res.end(`${req.headers.host} ${req.url}`)).listen(80);
  const body = await new Promise<string>((resolve, reject) => {
    client.http
      .get('http://www.example.test/page', (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      })
      .on('error', reject);
  });
  assert.equal(body, 'www.example.test /page');
});

test('SimNetwork hosts: each address is checked (ERR_INVALID_ADDRESS), and a name needs one', () => {
  assert.throws(() => new SimNetwork({ hosts: { a: '999.1.1.1' } }), { code: 'ERR_INVALID_ADDRESS' });
  assert.throws(() => new SimNetwork({ hosts: { a: [] } }), { code: 'ERR_INVALID_ARG_VALUE' });
  const sim = new SimNetwork({ hosts: { a: '192.0.2.9' } });
  assert.deepEqual(sim.lookup('A'), ['192.0.2.9']);
  assert.deepEqual(sim.lookup('b'), []);
  assert.deepEqual(sim.lookup('localhost'), [], 'localhost is a host of its own: the network has none');
  assert.deepEqual(sim.host('192.0.2.3').lookup('localhost'), ['192.0.2.3']);
});
