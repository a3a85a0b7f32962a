// The MSS over IPv6: the IPv6 header is 20 bytes longer than IPv4's, so with the same settings a
// connection over IPv6 announces and sends 20 bytes less (1440 against 1460 by default), and full
// segments fit the same 1500-byte MTU. Before, both ends announced 1460 over IPv6 and every full
// data packet (1,520 bytes) was dropped by the simulated link.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv6Config, resolveConfig } from '../../src/core/config.js';
import { SimNetwork, type SimNetworkOptions, type WirePacket } from '../../src/sim/network.js';
import { has, SYN } from '../../src/wire/segment.js';

function run(a: string, b: string, opts: SimNetworkOptions = {}) {
  const sim = new SimNetwork(opts);
  const ha = sim.host(a, { name: 'a' });
  const hb = sim.host(b, { name: 'b' });
  const taps: WirePacket[] = [];
  sim.tap((p) => taps.push(p));
  let got = 0;
  hb.listen(80).onAccept = (c) => {
    c.on('peer-fin', () => {
      got = c.receivedBytes().length;
      c.close();
    });
  };
  const c = ha.connect({ addr: b, port: 80 });
  c.on('connected', () => {
    c.write(new Uint8Array(200_000).fill(7));
    c.close();
  });
  sim.run();
  const syns = taps.filter((p) => p.packet !== null && has(p.packet.seg, SYN));
  const mss = syns.map((p) => p.packet?.seg.options.mss);
  const largest = Math.max(...taps.map((p) => p.bytes.length));
  const dropped = taps.filter((p) => p.fate !== 'delivered').length;
  return { got, mss, largest, dropped, state: c.state };
}

test('IPv6 with the default settings: both ends announce MSS 1440, full segments fit MTU 1500, all data arrives', () => {
  const r = run('2001:db8::1', '2001:db8::2');
  assert.deepEqual(r.mss, [1440, 1440]);
  assert.equal(r.got, 200_000);
  assert.equal(r.largest, 1500, 'IPv6 40 + TCP 20 + timestamps 12 + 1428 bytes of data: the MTU exactly');
  assert.equal(r.dropped, 0);
});

test('IPv4 with the default settings is unchanged: MSS 1460', () => {
  const r = run('192.0.2.1', '192.0.2.2');
  assert.deepEqual(r.mss, [1460, 1460]);
  assert.equal(r.got, 200_000);
  assert.equal(r.dropped, 0);
});

test('an mss setting is the IPv4 figure: IPv6 connections of that endpoint use 20 bytes less', () => {
  const r = run('2001:db8::1', '2001:db8::2', { config: { mss: 1200 } });
  assert.deepEqual(r.mss, [1180, 1180]);
  assert.equal(r.got, 200_000);
});

test('ipv6Config: made once per config, frozen, 20 bytes off mss and nothing else; never below 88', () => {
  const cfg = resolveConfig({ mss: 1000, msl: 5_000 });
  const v6 = ipv6Config(cfg);
  assert.equal(v6, ipv6Config(cfg));
  assert.ok(Object.isFrozen(v6));
  assert.equal(v6.mss, 980);
  assert.deepEqual({ ...v6, mss: cfg.mss }, { ...cfg });
  assert.equal(ipv6Config(resolveConfig({ mss: 90 })).mss, 88);
});
