// A host's receive() is where every delivery enters it; a program that replaces it (tools/soak.ts
// holds packets back while a host stalls) must see each one, however the network schedules them.

import assert from 'node:assert/strict';
import test from 'node:test';
import { SimNetwork } from '../../src/sim/index.js';

test('SimHost.receive replaced on the host: every packet the network delivers goes through it', () => {
  const sim = new SimNetwork({ seed: 1, link: { latency: 5 } });
  const a = sim.host('192.0.2.1');
  const b = sim.host('192.0.2.2');
  let seen = 0;
  const real = b.receive.bind(b);
  b.receive = (bytes: Uint8Array): void => {
    seen++;
    real(bytes);
  };
  let delivered = 0;
  sim.tap((p) => {
    if (p.to === b.name) delivered += p.arrive.length;
  });
  b.listen(80);
  const c = a.connect({ addr: '192.0.2.2', port: 80 });
  sim.runFor(100);
  c.write('hello');
  c.close();
  sim.run();
  assert.ok(delivered >= 4, `${delivered} packets delivered to b`);
  assert.equal(seen, delivered);
});
