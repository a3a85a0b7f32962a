// A SYN flood on the simulated network: spoofed SYNs from addresses no host owns fill the server's
// SYN queue, while real clients keep connecting. With SYN cookies (the default) every client
// connects and the server holds no more than its SYN queue for the flood; without them, clients
// are shut out while the flood lasts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/base/rng.js';
import { SimNetwork } from '../../src/sim/network.js';
import { encodePacket } from '../../src/wire/ip.js';
import { makeSegment, SYN } from '../../src/wire/segment.js';

const SERVER = '198.51.100.1';
const SYN_QUEUE = 16;

function flood(synCookies: boolean): { connected: number; failed: number; maxHeld: number; cookies: number } {
  const sim = new SimNetwork({ seed: 7, link: { latency: 5 } });
  const server = sim.host(SERVER, { name: 'server' });
  server.listen(80, { backlog: SYN_QUEUE, synCookies });
  const clients = Array.from({ length: 10 }, (_, i) => sim.host(`192.0.2.${i + 1}`, { name: `client${i}` }));
  // 20,000 spoofed SYNs over 2 s (10 per ms) from 203.0.113.0/24, which no host owns: their
  // SYN,ACKs go nowhere and the half-open connections wait out their retransmissions.
  const rng = new Rng(99);
  for (let i = 0; i < 20_000; i++) {
    const src = `203.0.113.${1 + rng.int(254)}`;
    const seg = makeSegment({
      srcPort: 1024 + rng.int(60_000),
      dstPort: 80,
      seq: rng.int(2 ** 32),
      flags: SYN,
      wnd: 65535,
    });
    sim.inject(encodePacket({ src, dst: SERVER, seg }), Math.floor(i / 10));
  }
  // 100 real connections during the flood, 10 per client, one every 20 ms.
  let connected = 0;
  let failed = 0;
  for (let i = 0; i < 100; i++) {
    sim.runFor(i === 0 ? 0 : 20);
    const c = clients[i % clients.length]!.connect({ addr: SERVER, port: 80 });
    c.on('connected', () => connected++);
    c.on('error', () => failed++);
  }
  let maxHeld = 0;
  for (let t = 0; t < 3_000; t += 10) {
    sim.runFor(10);
    maxHeld = Math.max(maxHeld, server.connections().length);
  }
  return { connected, failed, maxHeld, cookies: server.endpoint.stats.synCookies.valid };
}

test('SYN flood: with SYN cookies every client connects and the server holds only its SYN queue', () => {
  const r = flood(true);
  assert.equal(r.connected, 100);
  assert.equal(r.failed, 0);
  assert.ok(r.cookies > 0, 'clients came in through cookies');
  // The listener, its SYN queue (spoofed half-open connections) and the real connections.
  assert.ok(r.maxHeld <= 1 + SYN_QUEUE + 100, `server held ${r.maxHeld} entries`);
});

test('SYN flood: without SYN cookies clients are shut out while it lasts', () => {
  const r = flood(false);
  // Spoofed half-open connections keep the SYN queue full for the whole run: no SYN gets in.
  assert.equal(r.connected, 0);
  assert.equal(r.maxHeld, 1 + SYN_QUEUE);
});
