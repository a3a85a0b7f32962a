// What a connection holds: the shared resolved config and its copy-on-write (config.ts, tcb.ts,
// user.ts), the byte queue's growing chunks (byte-queue.ts), and sequence numbers kept as 32-bit
// integers whatever their top bit (tcb.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteQueue, CHUNK_SIZE, FIRST_CHUNK } from '../../src/core/byte-queue.js';
import { DEFAULT_CONFIG, isSharedConfig, resolveConfig } from '../../src/core/config.js';
import { Connection } from '../../src/core/connection.js';
import { Endpoint } from '../../src/core/endpoint.js';

function conn(cfg: Parameters<typeof resolveConfig>[0], iss = 1000): Connection {
  return new Connection({ localPort: 1000, remotePort: 80, iss, config: cfg });
}

test('resolveConfig: frozen and validated once; resolving a resolved config returns it', () => {
  const cfg = resolveConfig({ mss: 1200 });
  assert.ok(Object.isFrozen(cfg));
  assert.ok(isSharedConfig(cfg));
  assert.equal(resolveConfig(cfg), cfg);
  assert.equal(cfg.mss, 1200);
  // A plain partial is still copied and validated, and never taken as resolved.
  const partial = { mss: 1300 };
  const r = resolveConfig(partial);
  assert.notEqual(r as object, partial);
  assert.equal(r.mss, 1300);
  assert.ok(isSharedConfig(r));
  assert.throws(() => resolveConfig({ mss: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.equal(DEFAULT_CONFIG.mss, 1460);
});

test('setOption on one connection leaves the shared config and the other connections alone', () => {
  const cfg = resolveConfig({});
  const a = conn(cfg);
  const b = conn(cfg);
  a.setOption('mss', 1000, 0);
  a.setOption('userTimeout', 5000, 0);
  a.setKeepalive(false, { idle: 10_000, interval: 2000, count: 3 }, 0);
  assert.equal(a.connect(0).segments[0]?.options.mss, 1000);
  assert.equal(b.connect(0).segments[0]?.options.mss, 1460);
  assert.equal(conn(cfg).connect(0).segments[0]?.options.mss, 1460);
  assert.deepEqual(
    [cfg.mss, cfg.userTimeout, cfg.keepaliveIdle, cfg.keepaliveInterval, cfg.keepaliveCount],
    [1460, 0, 7_200_000, 75_000, 10],
  );
  assert.ok(Object.isFrozen(cfg));
});

test('setOption through an endpoint changes neither the endpoint default nor a sibling', () => {
  const ep = new Endpoint({ name: 'a', addresses: ['192.0.2.1'], isnSecret: new Uint8Array(16), random: () => 0.5 });
  const c1 = ep.connect({ addr: '192.0.2.9', port: 80 }, 0).conn;
  const c2 = ep.connect({ addr: '192.0.2.9', port: 81 }, 0).conn;
  ep.setOption(c1, 'retries2', 3, 0);
  ep.setOption(c1, 'nagle', false, 0);
  // Opens after the change still get the endpoint's defaults.
  const c3 = ep.connect({ addr: '192.0.2.9', port: 82 }, 0).conn;
  assert.equal(ep.connection(c1)?.info().nagle, false);
  assert.equal(ep.connection(c2)?.info().nagle, true);
  assert.equal(ep.connection(c3)?.info().nagle, true);
});

test('setOption to the value already set is accepted and still restarts what it restarts', () => {
  const cfg = resolveConfig({});
  const a = conn(cfg);
  a.connect(0);
  // Same value as the default: nothing to copy, nothing changes, no error.
  a.setOption('userTimeout', 0, 0);
  a.setOption('delayedAck', true, 0);
  assert.equal(cfg.userTimeout, 0);
});

test('ByteQueue: a chunk starts with a small buffer that doubles as it fills, up to CHUNK_SIZE', () => {
  const q = new ByteQueue(1 << 20);
  q.push(new Uint8Array([1]));
  const first = q.peek(0, 1);
  assert.equal(first.buffer.byteLength, FIRST_CHUNK);
  // Small writes up to CHUNK_SIZE stay one chunk (peek over all of them is a view), its buffer
  // growing 64 -> 128 -> ... -> 16384; views handed out earlier keep their bytes.
  const sizes: number[] = [];
  for (let i = 1; i < CHUNK_SIZE; i++) {
    q.push(new Uint8Array([i & 0xff]));
    const size = q.peek(0, 1).buffer.byteLength;
    if (sizes[sizes.length - 1] !== size) sizes.push(size);
  }
  assert.deepEqual(sizes, [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]);
  const all = q.peek(0, CHUNK_SIZE);
  assert.equal(all.buffer, q.peek(CHUNK_SIZE - 1, 1).buffer, 'one chunk, no copy');
  assert.equal(first[0], 1);
  assert.equal(all[1000], 1000 & 0xff);
  // The next byte starts a new chunk; once a chunk has grown to full size, new ones start full.
  q.push(new Uint8Array([0xaa]));
  const next = q.peek(CHUNK_SIZE, 1);
  assert.notEqual(next.buffer, all.buffer);
  assert.equal(next.buffer.byteLength, CHUNK_SIZE);
  assert.equal(next[0], 0xaa);
});

test('ByteQueue: a chunk never exceeds the capacity; a large write gets a buffer of its own size', () => {
  const small = new ByteQueue(FIRST_CHUNK - 24);
  small.push(new Uint8Array([1]));
  assert.equal(small.peek(0, 1).buffer.byteLength, FIRST_CHUNK - 24);
  const q = new ByteQueue(1 << 20);
  q.push(new Uint8Array(CHUNK_SIZE + 5));
  assert.equal(q.peek(0, 1).buffer.byteLength, CHUNK_SIZE + 5);
  // A write bigger than the small buffer but within a chunk: a buffer just big enough.
  const r = new ByteQueue(1 << 20);
  r.push(new Uint8Array(3000).fill(4));
  assert.equal(r.peek(0, 1).buffer.byteLength, 3000);
  r.push(new Uint8Array(10).fill(5));
  assert.equal(r.peek(0, 3010).buffer.byteLength, 6000);
  assert.equal(r.peek(3005, 1)[0], 5);
  assert.equal(r.shift()?.length, 3010);
  assert.equal(r.length, 0);
});

test('sequence numbers at and above 2^31 come back unsigned (info, segments)', () => {
  for (const iss of [0, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
    const c = conn(resolveConfig({}), iss);
    const syn = c.connect(0).segments[0];
    assert.equal(syn?.seq, iss);
    const i = c.info();
    assert.deepEqual([i.iss, i.sndUna, i.sndNxt, i.sndMax], [iss, iss, (iss + 1) >>> 0, (iss + 1) >>> 0]);
  }
});
