// serve/connect refuse addresses the kernel could not route to finack, before anything is opened
// (no TUN device, no root needed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runServe } from '../../src/cli/tun.js';

async function serve(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runServe(argv, { stdout: () => {}, stderr: (s) => (err += s), signals: false });
  return { code, err };
}

test('serve: --addr outside --kernel-addr prefix is ERR_TUN_BAD_ADDRESS, as is a mixed family', async () => {
  const common = ['--tun', 'finack-none0', '--port', '9'];
  const outside = await serve([...common, '--kernel-addr', '198.51.100.1/24', '--addr', '203.0.113.5']);
  assert.equal(outside.code, 1);
  assert.match(
    outside.err,
    /ERR_TUN_BAD_ADDRESS: .*--addr 203\.0\.113\.5 is outside --kernel-addr 198\.51\.100\.1\/24/,
  );
  const partial = await serve([...common, '--kernel-addr', '198.51.100.1/25', '--addr', '198.51.100.200']);
  assert.equal(partial.code, 1);
  assert.match(partial.err, /is outside/);
  const v6 = await serve([...common, '--kernel-addr', '2001:db8:1::1/64', '--addr', '2001:db8:2::2']);
  assert.equal(v6.code, 1);
  assert.match(v6.err, /is outside/);
  const mixed = await serve([...common, '--kernel-addr', '198.51.100.1/24', '--addr', '2001:db8::2']);
  assert.equal(mixed.code, 1);
  assert.match(mixed.err, /different families/);
});
