// TunDriver and TunConnection without a kernel: two drivers joined by in-memory devices, in virtual
// time. What the TUN device adds (real fds, the kernel peer) is covered by interop.test.ts.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Rng } from '../../src/base/rng.js';
import { type PacketDevice, type TunConnection, TunDriver } from '../../src/drivers/tun/driver.js';
import { VirtualClock } from '../../src/sim/clock.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { decodePacket } from '../../src/wire/ip.js';
import { SYN } from '../../src/wire/segment.js';

/** One end of an in-memory wire: what is written arrives at the other end 1 ms later. */
class MemDevice implements PacketDevice {
  readonly name: string;
  readonly mtu: number;
  onPacket: (bytes: Uint8Array) => void = () => {};
  peer: MemDevice | undefined;
  readonly sent: Uint8Array[] = [];
  /** Return false to drop a packet (after recording it). */
  filter: (bytes: Uint8Array) => Uint8Array | undefined = (b) => b;
  closed = false;
  constructor(
    name: string,
    mtu: number,
    readonly clock: VirtualClock,
  ) {
    this.name = name;
    this.mtu = mtu;
  }
  write(packet: Uint8Array): boolean {
    if (this.closed) return false;
    assert.ok(packet.length <= this.mtu, `${packet.length}-byte packet on a ${this.mtu} MTU link`);
    this.sent.push(packet);
    const out = this.filter(packet);
    const peer = this.peer;
    if (out && peer) this.clock.schedule(this.clock.now() + 1, () => peer.onPacket(out));
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

function pair(mtu = 1500) {
  const clock = new VirtualClock(0);
  const trace: TraceEvent[] = [];
  const da = new MemDevice('a', mtu, clock);
  const db = new MemDevice('b', mtu, clock);
  da.peer = db;
  db.peer = da;
  const rng = new Rng(9);
  const mk = (device: MemDevice, addr: string, name: string) =>
    new TunDriver({
      device,
      addresses: [addr],
      name,
      clock,
      isnSecret: new Uint8Array(16).fill(name.length),
      random: () => rng.next(),
      trace: (e) => trace.push(e),
      captureTime: () => clock.now(),
    });
  const server = mk(da, '192.0.2.1', 'server');
  const client = mk(db, '192.0.2.2', 'client');
  /** Runs the virtual clock until `done()` or `limit` ms have passed (bounded). */
  const runUntil = (done: () => boolean, limit = 120_000): void => {
    const end = clock.now() + limit;
    for (let i = 0; i < 10_000_000 && !done(); i++) {
      const next = clock.nextTime();
      if (next === undefined || next > end) break;
      clock.step();
    }
  };
  return { clock, trace, da, db, server, client, runUntil };
}

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >>> 8)) & 0xff;
  return b;
}

const hash = (chunks: Uint8Array[]): string => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};

test('1 MB through write()/drain, half-close, reply after the FIN, both sides CLOSED', () => {
  const { server, client, runUntil } = pair();
  let accepted: TunConnection | undefined;
  const got: Uint8Array[] = [];
  server.listen(80, (c) => {
    accepted = c;
    c.on('data', (d) => got.push(new Uint8Array(d)));
    c.on('end', () => {
      c.write(new TextEncoder().encode(`got ${got.reduce((n, d) => n + d.length, 0)}`));
      c.end();
    });
  });
  const c = client.connect('192.0.2.1', 80);
  const data = pattern(1_000_000);
  let drains = 0;
  let firstWrite: boolean | undefined;
  const reply: Uint8Array[] = [];
  const seen: string[] = [];
  c.on('connect', () => {
    firstWrite = c.write(data);
    c.end();
  });
  c.on('drain', () => drains++);
  c.on('data', (d) => reply.push(new Uint8Array(d)));
  c.on('end', () => seen.push('end'));
  c.on('finish', () => seen.push('finish'));
  c.on('close', () => seen.push('close'));
  runUntil(() => c.closed && accepted?.closed === true);
  assert.equal(firstWrite, false, 'more than the send buffer: write() says wait');
  assert.equal(drains, 1);
  assert.equal(hash(got), hash([data]));
  assert.equal(new TextDecoder().decode(Buffer.concat(reply)), 'got 1000000');
  assert.deepEqual(seen, ['finish', 'end', 'close']);
  assert.equal(c.bytesWritten, 1_000_000);
  assert.equal(accepted?.bytesRead, 1_000_000);
  assert.equal(c.state, 'CLOSED');
});

test('MSS comes from the MTU: the SYN announces MTU - 40 and no packet exceeds the MTU', () => {
  const { server, client, db, runUntil } = pair(1280);
  let done = false;
  server.listen(80, (s) => {
    s.on('data', () => {});
    s.on('end', () => s.end());
  });
  const c = client.connect('192.0.2.1', 80);
  c.on('connect', () => {
    c.write(pattern(50_000));
    c.end();
  });
  c.on('close', () => {
    done = true;
  });
  runUntil(() => done);
  assert.ok(done);
  const syn = decodePacket(db.sent[0] as Uint8Array);
  assert.ok(syn.ok);
  assert.ok(syn.value.seg.flags & SYN);
  assert.equal(syn.value.seg.options.mss, 1240);
  assert.equal(Math.max(...db.sent.map((p) => p.length)), 1280);
});

test('a packet with a bad TCP checksum is dropped (traced as checksum) and the connection recovers by retransmission', () => {
  const { server, client, da, trace, runUntil } = pair();
  let corrupted = 0;
  // Corrupt the first data-bearing packet from the server, once.
  da.filter = (b) => {
    if (corrupted === 0 && b.length > 100) {
      corrupted++;
      const bad = new Uint8Array(b);
      bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
      return bad;
    }
    return b;
  };
  server.listen(80, (s) => {
    s.write(pattern(3000));
    s.end();
    s.on('end', () => {});
  });
  const c = client.connect('192.0.2.1', 80);
  const got: Uint8Array[] = [];
  c.on('data', (d) => got.push(new Uint8Array(d)));
  c.on('end', () => c.end());
  runUntil(() => c.closed);
  assert.equal(corrupted, 1);
  assert.equal(hash(got), hash([pattern(3000)]));
  assert.equal(trace.filter((e) => e.type === 'drop' && e.reason === 'checksum').length, 1);
});

test('pause() stops delivery and lets the window close; resume() delivers everything, in order', () => {
  const { server, client, clock, runUntil } = pair();
  let s: TunConnection | undefined;
  const got: Uint8Array[] = [];
  server.listen(80, (c) => {
    s = c;
    c.pause();
    c.on('data', (d) => got.push(new Uint8Array(d)));
    c.on('end', () => c.end());
  });
  const c = client.connect('192.0.2.1', 80);
  const data = pattern(800_000);
  c.on('connect', () => {
    c.write(data);
    c.end();
  });
  runUntil(() => false, 2_000);
  assert.equal(got.length, 0);
  assert.ok(c.writableLength > 0, 'the sender is held back by the closed window');
  const t = clock.now();
  s?.resume();
  runUntil(() => c.closed, 200_000);
  assert.ok(clock.now() > t);
  assert.equal(hash(got), hash([data]));
  assert.ok(c.closed);
});

test('close() sends what is queued first, then FIN; abort() resets the peer (ECONNRESET)', () => {
  const { server, client, runUntil } = pair();
  const got: Uint8Array[] = [];
  const errors: string[] = [];
  server.listen(80, (c) => {
    c.on('data', (d) => got.push(new Uint8Array(d)));
    c.on('end', () => c.close());
  });
  server.listen(81, (c) => {
    c.on('data', () => c.abort());
  });
  const c = client.connect('192.0.2.1', 80);
  const data = pattern(600_000);
  c.on('connect', () => {
    c.write(data);
    c.close();
  });
  const c2 = client.connect('192.0.2.1', 81);
  c2.on('connect', () => c2.write(pattern(10)));
  c2.on('error', (e) => errors.push(e.code));
  runUntil(() => c.closed && c2.closed);
  assert.equal(hash(got), hash([data]));
  assert.deepEqual(errors, ['ECONNRESET']);
});
