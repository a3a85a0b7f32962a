// TUN device errors and clean-up. The first tests need nothing (argument checks fail before any
// system call); the rest run in a namespace made by the test, as root.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runConnect, runServe, type TunCliIo } from '../../src/cli/tun.js';
import { checkAddress, checkInterfaceName, parseCidr, TunDevice } from '../../src/drivers/tun/device.js';
import { mssForMtu } from '../../src/drivers/tun/driver.js';
import { TunError } from '../../src/drivers/tun/errors.js';
import { readPcap } from '../../src/trace/pcap.js';
import {
  CLI,
  FINACK,
  IFNAME,
  KERNEL,
  ROOT,
  requireSystem,
  startServe,
  tsharkCheck,
  tunArgs,
  withNetns,
} from './netns.js';

function tunCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TunError, String(err));
    return err.code;
  }
  return 'no error';
}

test('addresses, prefixes and names are checked before anything is created', () => {
  assert.deepEqual(parseCidr('198.51.100.1/24'), { addr: '198.51.100.1', prefix: 24, family: 4 });
  assert.deepEqual(parseCidr('2001:db8::1/64'), { addr: '2001:db8::1', prefix: 64, family: 6 });
  for (const bad of [
    '198.51.100.1',
    '198.51.100.1/33',
    '198.51.100.300/24',
    '2001:db8::1/129',
    'x/8',
    '/8',
    '198.51.100.1/',
    '198.51.100.1/-1',
  ]) {
    assert.equal(
      tunCode(() => parseCidr(bad)),
      'ERR_TUN_BAD_ADDRESS',
      bad,
    );
  }
  assert.equal(checkAddress('2001:db8::2'), 6);
  assert.equal(
    tunCode(() => checkAddress('10.9.0')),
    'ERR_TUN_BAD_ADDRESS',
  );
  checkInterfaceName('finack0');
  for (const bad of ['', 'a/b', 'a b', 'x:1', 'sixteen-chars-xx', '..']) {
    assert.equal(
      tunCode(() => checkInterfaceName(bad)),
      'ERR_TUN_BAD_NAME',
      bad,
    );
  }
  assert.equal(
    tunCode(() => TunDevice.open({ name: 'ok0', kernelAddrs: ['192.0.2.1/40'] })),
    'ERR_TUN_BAD_ADDRESS',
  );
  assert.equal(
    tunCode(() => TunDevice.open({ name: 'ok0', mtu: 1000, kernelAddrs: ['2001:db8::1/64'] })),
    'ERR_TUN_BAD_MTU',
  );
});

test('no clone device: ERR_TUN_NO_DEVICE, with what to do', () => {
  let err: unknown;
  try {
    TunDevice.open({ name: 'nodev0', devicePath: '/nonexistent/net/tun' });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TunError);
  assert.equal(err.code, 'ERR_TUN_NO_DEVICE');
  assert.equal(err.syscallCode, 'ENOENT');
  assert.match(err.message, /modprobe tun/);
});

test('MSS from the MTU: minus 40 on IPv4, minus 60 on IPv6', () => {
  assert.equal(mssForMtu(1500, 4), 1460);
  assert.equal(mssForMtu(1500, 6), 1440);
  assert.equal(mssForMtu(1280, 6), 1220);
});

function captureIo(): TunCliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    signals: false,
  };
  return io;
}

test('CLI: usage errors exit 2, bad addresses exit 1 before any interface exists', async () => {
  let io = captureIo();
  assert.equal(await runServe(['--tun', 'x0'], io), 2);
  assert.match(io.err, /--kernel-addr is required/);
  io = captureIo();
  assert.equal(await runServe([...tunArgs(), '--port', '7', '--mode', 'bogus'], io), 2);
  io = captureIo();
  assert.equal(
    await runServe(['--tun', 'x0', '--kernel-addr', '198.51.100.1', '--addr', FINACK, '--port', '7'], io),
    1,
  );
  assert.match(io.err, /ERR_TUN_BAD_ADDRESS/);
  io = captureIo();
  assert.equal(
    await runServe(['--tun', 'x0', '--kernel-addr', '198.51.100.1/24', '--addr', '2001:db8::2', '--port', '7'], io),
    1,
  );
  assert.match(io.err, /different families/);
  io = captureIo();
  assert.equal(await runConnect([...tunArgs(), '2001:db8::1', '80'], io), 1);
  assert.match(io.err, /ERR_TUN_BAD_ADDRESS/);
  io = captureIo();
  assert.equal(await runConnect([...tunArgs(), KERNEL], io), 2);
  io = captureIo();
  assert.equal(await runServe(['--help'], io), 0);
  assert.match(io.out, /--mode/);
});

test('name in use (another finack holds it, or a non-TUN device has it): ERR_TUN_NAME_IN_USE; not root: ERR_TUN_PERMISSION', async (t) => {
  if (!requireSystem(t, ['ip', 'setpriv'])) return;
  await withNetns(async (ns) => {
    const first = await startServe(ns, ['--port', '7']);
    const second = ns.finack('serve', [...tunArgs(), '--port', '8']);
    const r2 = await second.wait(20_000);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /ERR_TUN_NAME_IN_USE/);
    const lo = ns.finack('serve', [
      '--tun',
      'lo',
      '--kernel-addr',
      '203.0.113.1/24',
      '--addr',
      '203.0.113.2',
      '--port',
      '8',
    ]);
    const r3 = await lo.wait(20_000);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /ERR_TUN_NAME_IN_USE/);
    // The refused attempts changed nothing: lo has no new address, the first server still works.
    assert.doesNotMatch(ns.run('ip', ['addr', 'show', 'dev', 'lo']).stdout, /203\.0\.113\.1/);
    assert.equal(first.done, false);
    first.kill('SIGTERM');
    const r1 = await first.wait(10_000);
    assert.equal(r1.code, 0, r1.stderr);
    // finack's interface went away with it.
    assert.notEqual(ns.run('ip', ['link', 'show', IFNAME], { check: false }).code, 0);

    const nobody = ns.spawn('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      process.execPath,
      '--import',
      'tsx',
      CLI,
      'serve',
      ...tunArgs(),
      '--port',
      '7',
    ]);
    const r4 = await nobody.wait(20_000);
    assert.equal(r4.code, 1, r4.stderr);
    assert.match(r4.stderr, /ERR_TUN_PERMISSION/);
    assert.notEqual(ns.run('ip', ['link', 'show', IFNAME], { check: false }).code, 0);
  });
});

test('a failing configuration step leaves nothing behind: our interface vanishes; on a persistent one our addresses are removed', async (t) => {
  if (!requireSystem(t, ['ip'])) return;
  await withNetns(async (ns) => {
    const script = (name: string) => `
import { TunDevice } from ${JSON.stringify(`${ROOT}/src/drivers/tun/device.ts`)};
try {
  // The same address twice: the second 'ip addr add' fails.
  TunDevice.open({ name: ${JSON.stringify(name)}, kernelAddrs: ['203.0.113.51/24', '2001:db8:5::1/64', '203.0.113.51/24'] });
  console.log('OPENED');
} catch (e) { console.log(e.code); }
`;
    const own = ns.nodeTs(script('ftown0'));
    const r = await own.wait(20_000);
    assert.equal(r.stdout.trim(), 'ERR_TUN_CONFIG', r.stderr);
    assert.notEqual(ns.run('ip', ['link', 'show', 'ftown0'], { check: false }).code, 0);

    ns.run('ip', ['tuntap', 'add', 'mode', 'tun', 'name', 'ftkeep0']);
    const attach = ns.nodeTs(script('ftkeep0'));
    const r2 = await attach.wait(20_000);
    assert.equal(r2.stdout.trim(), 'ERR_TUN_CONFIG', r2.stderr);
    const show = ns.run('ip', ['addr', 'show', 'dev', 'ftkeep0']).stdout;
    assert.doesNotMatch(show, /203\.0\.113\.51|2001:db8:5::1/);
    assert.doesNotMatch(show.split('\n')[0] ?? '', /[<,]UP[,>]/);
  });
});

test('an interrupted run (SIGKILL mid-transfer) leaves a pcap that tshark and readPcap read whole', async (t) => {
  if (!requireSystem(t, ['ip', 'tshark'])) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '7', '--mode', 'source', '--bytes', '1G']);
    const client = ns.node(
      `
import net from 'node:net';
let n = 0;
const s = net.connect({ host: process.argv.at(-2), port: Number(process.argv.at(-1)) });
s.on('data', (d) => { n += d.length; if (n > 4e6) { console.log('GOT', n); s.pause(); } });
s.on('error', () => {});
setTimeout(() => process.exit(0), 15000).unref();
`,
      [FINACK, '7'],
      'node client',
    );
    await client.until((p) => p.stdout.includes('GOT'), 15_000, '4 MB to arrive');
    serve.kill('SIGKILL');
    await serve.wait(10_000);
    const f = readPcap(new Uint8Array(readFileSync(ns.file('serve.pcap'))));
    assert.equal(f.trailing, 0);
    assert.ok(f.packets.length > 1000, `${f.packets.length} packets`);
    const ts = tsharkCheck(ns.file('serve.pcap'));
    assert.equal(ts.badChecksums, 0);
    assert.equal(ts.malformed, 0);
    client.kill();
  });
});

test('the interface deleted under a running serve: it reports ERR_TUN_CLOSED and exits 1', async (t) => {
  if (!requireSystem(t, ['ip'])) return;
  await withNetns(async (ns) => {
    const serve = await startServe(ns, ['--port', '7']);
    ns.run('ip', ['link', 'del', IFNAME]);
    const r = await serve.wait(10_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /interface ft0 was deleted/);
  });
});
