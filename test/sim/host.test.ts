// Scenario tests: two finack hosts on a simulated network, whole lifecycles in virtual time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HOUR, SECOND } from '../../src/core/time.js';
import { matchers } from '../../src/sim/faults.js';
import { SimNetwork, type SimNetworkOptions, type WirePacket } from '../../src/sim/network.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { ctl } from '../../src/wire/segment.js';

const CLIENT = '192.0.2.1';
const SERVER = '192.0.2.2';

function pair(opts: SimNetworkOptions = {}) {
  const rec = new TraceRecorder();
  const sim = new SimNetwork({ seed: 1, trace: rec.sink, ...opts });
  const client = sim.host(CLIENT, { name: 'client' });
  const server = sim.host(SERVER, { name: 'server' });
  const taps: WirePacket[] = [];
  sim.tap((p) => taps.push(p));
  return { sim, rec, client, server, taps };
}

function stateLog(rec: TraceRecorder): string[] {
  return rec.byType('state').map((e) => `${e.t} ${e.endpoint} ${e.from}>${e.to}`);
}

function eventLog(c: { events: { t: number; event: { type: string } }[] }): string[] {
  return c.events.map((e) => `${e.t} ${e.event.type}`);
}

test('handshake, data both ways and a four-way close at exact virtual times (latency 10 ms)', () => {
  const { sim, rec, client, server } = pair();
  const listener = server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 });
  assert.equal(c.state, 'SYN-SENT');
  sim.runFor(30);
  assert.equal(c.state, 'ESTABLISHED');
  const s = listener.accepted[0];
  assert.ok(s);
  assert.equal(s.state, 'ESTABLISHED');

  c.write('hello');
  c.shutdown();
  sim.run({ until: 100 });
  assert.equal(s.receivedText(), 'hello');
  assert.equal(s.state, 'CLOSE-WAIT');
  assert.equal(c.state, 'FIN-WAIT-2');

  s.write('bye');
  s.close();
  sim.run({ until: 200 });
  assert.equal(c.receivedText(), 'bye');
  assert.equal(c.state, 'TIME-WAIT');
  assert.equal(s.state, 'CLOSED');

  sim.run();
  assert.equal(c.state, 'CLOSED');
  assert.deepEqual(stateLog(rec), [
    '0 client CLOSED>SYN-SENT',
    '10 server CLOSED>LISTEN', // the endpoint makes a listening Connection for each SYN
    '10 server LISTEN>SYN-RECEIVED',
    '20 client SYN-SENT>ESTABLISHED',
    '30 server SYN-RECEIVED>ESTABLISHED',
    '30 client ESTABLISHED>FIN-WAIT-1',
    '40 server ESTABLISHED>CLOSE-WAIT',
    '50 client FIN-WAIT-1>FIN-WAIT-2',
    '100 server CLOSE-WAIT>LAST-ACK',
    '110 client FIN-WAIT-2>TIME-WAIT',
    '120 server LAST-ACK>CLOSED',
    '60110 client TIME-WAIT>CLOSED',
  ]);
  assert.deepEqual(eventLog(c), [
    '20 connected',
    '50 fin-acked',
    '110 readable',
    '110 peer-fin',
    '110 time-wait',
    '60110 closed',
  ]);
  assert.deepEqual(eventLog(s), ['30 connected', '40 readable', '40 peer-fin', '120 fin-acked', '120 closed']);
});

test('same seed: identical tap log over a lossy link; another seed: another loss pattern', () => {
  const run = (seed: number) => {
    const { sim, client, server, taps } = pair({ seed, link: { loss: 0.05, jitter: 3 } });
    const l = server.listen(80);
    const c = client.connect({ addr: SERVER, port: 80 });
    const data = new Uint8Array(40_000).map((_, i) => (i * 7) & 0xff);
    c.write(data); // queued in SYN-SENT
    c.on('connected', () => c.close()); // a close in SYN-SENT would delete the connection
    l.onAccept = (s) => s.on('peer-fin', () => s.close());
    sim.run();
    const s = l.accepted[0];
    assert.ok(s);
    assert.deepEqual(s.receivedBytes(), data);
    return taps.map(
      (p) => `${p.t} ${p.from}>${p.to} ${p.fate} ${p.arrive.join(',')} ${Buffer.from(p.bytes).toString('hex')}`,
    );
  };
  const one = run(7);
  assert.deepEqual(run(7), one);
  const other = run(8);
  const losses = (log: string[]) => log.map((l, i) => (l.includes(' lost ') ? i : -1)).filter((i) => i >= 0);
  assert.ok(losses(one).length > 0);
  assert.notDeepEqual(losses(other), losses(one));
});

test('fault: the first FIN from the server is dropped, traced with relative numbers, and retransmitted', () => {
  const { sim, rec, client, server, taps } = pair();
  server.listen(80).onAccept = (s) => s.on('peer-fin', () => s.close());
  sim.fault({ from: 'server', match: matchers.fin, action: 'drop' });
  const c = client.connect({ addr: SERVER, port: 80 });
  const port = c.local?.port;
  sim.runFor(30);
  c.close();
  sim.run();
  const fins = taps.filter((p) => p.from === 'server' && p.packet && ctl(p.packet.seg.flags).includes('FIN'));
  assert.deepEqual(
    fins.map((p) => [p.t, p.fate]),
    [
      [40, 'fault-dropped'],
      [1040, 'delivered'],
    ],
  );
  const drops = rec.byType('drop').filter((d) => d.reason === 'fault');
  assert.equal(drops.length, 1);
  assert.deepEqual([drops[0]?.t, drops[0]?.endpoint, drops[0]?.relSeq, drops[0]?.relAck], [40, 'server', 1, 2]);
  assert.equal(drops[0]?.conn, `${SERVER}:80>${CLIENT}:${port}`);
  assert.equal(c.state, 'CLOSED');
});

test('partition: a keepalive-enabled client finds its peer gone (ETIMEDOUT) in few steps', () => {
  const { sim, client, server } = pair();
  server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 });
  c.setKeepalive(true, { idle: 2 * HOUR, interval: 75 * SECOND, count: 9 });
  sim.runFor(30);
  sim.partition('client', 'server');
  const before = sim.steps;
  sim.runFor(3 * HOUR);
  assert.deepEqual(
    c.events.filter((e) => e.event.type === 'error' || e.event.type === 'closed'),
    [
      { t: 20 + 2 * HOUR + 9 * 75 * SECOND, event: { type: 'error', code: 'ETIMEDOUT' } },
      { t: 20 + 2 * HOUR + 9 * 75 * SECOND, event: { type: 'closed' } },
    ],
  );
  assert.ok(sim.steps - before < 40, `${sim.steps - before} steps`);
});

test('heal: data sent into a partition arrives once the partition heals', () => {
  const { sim, client, server, taps } = pair();
  const l = server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 });
  sim.runFor(30);
  sim.partition(CLIENT, SERVER);
  c.write('through the storm');
  sim.runFor(2500);
  assert.equal(l.accepted[0]?.receivedText(), '');
  sim.heal(CLIENT, SERVER);
  sim.runFor(5000);
  assert.equal(l.accepted[0]?.receivedText(), 'through the storm');
  assert.ok(taps.some((p) => p.fate === 'partitioned'));
});

test('write() keeps what the send buffer cannot take and feeds it on writable', () => {
  const { sim, client, server } = pair();
  const l = server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 }, { config: { sendBuffer: 4096 } });
  sim.runFor(30);
  const data = new Uint8Array(20_000).map((_, i) => i & 0xff);
  const took = c.write(data);
  assert.equal(took, 4096);
  assert.equal(c.unsentBytes, 20_000 - 4096);
  c.shutdown(); // waits for the rest
  sim.run({ until: 10_000 });
  assert.equal(c.unsentBytes, 0);
  assert.deepEqual(l.accepted[0]?.receivedBytes(), data);
  assert.equal(l.accepted[0]?.saw('peer-fin'), true);
});

test('abort sends RST: the peer sees ECONNRESET', () => {
  const { sim, client, server } = pair();
  const l = server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 });
  sim.runFor(30);
  c.abort();
  sim.run();
  assert.equal(c.state, 'CLOSED');
  const s = l.accepted[0];
  assert.ok(s);
  assert.deepEqual(eventLog(s).slice(-2), ['40 error', '40 closed']);
  assert.deepEqual(s.events.at(-2)?.event, { type: 'error', code: 'ECONNRESET' });
});

test('connect to a port nobody listens on: ECONNREFUSED at one RTT', () => {
  const { sim, client } = pair();
  const c = client.connect({ addr: SERVER, port: 81 });
  sim.run();
  assert.deepEqual(eventLog(c), ['20 error', '20 closed']);
  assert.deepEqual(c.events[0]?.event, { type: 'error', code: 'ECONNREFUSED' });
});

test('connections() lists the listener and the connection like ss', () => {
  const { sim, client, server } = pair();
  server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 });
  sim.runFor(30);
  assert.deepEqual(
    server.connections().map((r) => [r.state, r.local.port, r.remote?.port ?? null]),
    [
      ['LISTEN', 80, null],
      ['ESTABLISHED', 80, c.local?.port],
    ],
  );
});

test('IPv6 hosts: handshake and data over real IPv6 packets', () => {
  const rec = new TraceRecorder();
  const sim = new SimNetwork({ seed: 5, trace: rec.sink });
  const a = sim.host('2001:db8::1', { name: 'a' });
  const b = sim.host('2001:DB8:0:0::2', { name: 'b' });
  assert.equal(b.addr, '2001:db8::2');
  const versions: number[] = [];
  sim.tap((p) => versions.push((p.bytes[0] ?? 0) >> 4));
  const l = b.listen(443);
  const c = a.connect({ addr: '2001:db8::2', port: 443 });
  sim.runFor(30);
  c.write('over v6');
  sim.runFor(300);
  assert.equal(l.accepted[0]?.receivedText(), 'over v6');
  assert.deepEqual(l.accepted[0]?.remote, { addr: '2001:db8::1', port: c.local?.port });
  assert.ok(versions.length >= 4 && versions.every((v) => v === 6));
});

test('ISNs and ephemeral ports derive from the seed and the host address', () => {
  const firstSyn = (seed: number, addr = CLIENT) => {
    const sim = new SimNetwork({ seed });
    const a = sim.host(addr);
    sim.host(SERVER).listen(80);
    let syn = '';
    sim.tap((p) => {
      if (!syn && p.packet) syn = `${p.packet.seg.srcPort} ${p.packet.seg.seq}`;
    });
    a.connect({ addr: SERVER, port: 80 });
    return syn;
  };
  assert.equal(firstSyn(1), firstSyn(1));
  assert.notEqual(firstSyn(1), firstSyn(2));
  assert.notEqual(firstSyn(1), firstSyn(1, '192.0.2.3'));
});

test('SimConn: autoRead off leaves data for read(); on() handlers run after the bookkeeping', () => {
  const { sim, client, server } = pair();
  const l = server.listen(80, { autoRead: false });
  const c = client.connect({ addr: SERVER, port: 80 });
  const seen: string[] = [];
  c.on('connected', (ev) => seen.push(`${sim.now} ${ev.type} ${c.state}`));
  sim.runFor(30);
  c.write('abc');
  sim.runFor(300);
  const s = l.accepted[0];
  assert.ok(s);
  assert.equal(s.autoRead, false);
  assert.deepEqual(s.received, []);
  assert.equal(s.saw('readable'), true);
  assert.equal(s.timeOf('readable'), 40);
  assert.deepEqual(s.read(2), new TextEncoder().encode('ab'));
  assert.deepEqual(s.read(), new TextEncoder().encode('c'));
  assert.equal(s.read(), null);
  assert.equal(s.receivedText(), 'abc');
  assert.deepEqual(seen, ['20 connected ESTABLISHED']);
});

test('state is TIME-WAIT while the endpoint holds only a record, CLOSED after closed', () => {
  const { sim, client, server } = pair();
  server.listen(80).onAccept = (s) => s.on('peer-fin', () => s.close());
  const c = client.connect({ addr: SERVER, port: 80 });
  c.on('connected', () => c.close());
  sim.run({ until: 1000 });
  assert.equal(c.connection, undefined);
  assert.equal(c.state, 'TIME-WAIT');
  assert.deepEqual(
    client.connections().map((r) => r.state),
    ['TIME-WAIT'],
  );
  sim.run();
  assert.equal(c.state, 'CLOSED');
  assert.deepEqual(client.connections(), []);
});

test('a listener closed before the handshake completes: the client is reset', () => {
  const { sim, client, server } = pair();
  const l = server.listen(80);
  const c = client.connect({ addr: SERVER, port: 80 });
  sim.runFor(15); // the SYN arrived at 10; the SYN,ACK is on its way
  l.close();
  sim.run();
  assert.deepEqual(l.accepted, []);
  assert.equal(c.state, 'CLOSED');
  assert.equal(c.saw('error'), true);
});

test('property: over seeded loss, duplication, reordering and jitter, data arrives intact and both sides close', () => {
  const FC_SEED = 9293;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff_ffff }),
      fc.record({
        loss: fc.constantFrom(0, 0.02, 0.1),
        duplicate: fc.constantFrom(0, 0.05),
        reorder: fc.constantFrom(0, 0.1),
        jitter: fc.integer({ min: 0, max: 8 }),
      }),
      fc.integer({ min: 0, max: 30_000 }),
      (seed, link, size) => {
        const { sim, client, server } = pair({ seed, link });
        const l = server.listen(80);
        l.onAccept = (s) => s.on('peer-fin', () => s.close());
        const c = client.connect({ addr: SERVER, port: 80 });
        const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
        c.write(data);
        c.on('connected', () => c.close());
        sim.run({ until: 10 * 60_000 });
        const s = l.accepted[0];
        assert.ok(s, `seed ${seed}: not accepted`);
        assert.deepEqual(s.receivedBytes(), data, `seed ${seed}: data differs`);
        assert.equal(s.state, 'CLOSED', `seed ${seed}`);
        assert.equal(c.state, 'CLOSED', `seed ${seed}`);
      },
    ),
    { seed: FC_SEED, numRuns: 30 },
  );
});

test('abort() in the accept handler, with data on the handshake ACK, leaves nothing to read and throws nothing', () => {
  // One output of the server then holds 'accept', 'connected' and 'readable': the handle must not
  // read the aborted connection when 'readable' comes after abort().
  const sim = new SimNetwork({ seed: 3 });
  const client = sim.host(CLIENT, { name: 'client' });
  const server = sim.host(SERVER, { name: 'server' });
  let aborted = 0;
  server.listen(80).onAccept = (s) => {
    s.abort();
    aborted++;
  };
  const c = client.connect({ addr: SERVER, port: 80 });
  c.write('early bytes'); // queued in SYN-SENT, sent with the ACK of the SYN,ACK
  sim.runFor(1_000);
  assert.equal(aborted, 1);
  const s = server.conns()[0];
  assert.ok(s);
  assert.deepEqual(s.received, []);
  assert.equal(s.state, 'CLOSED');
  assert.ok(c.saw('error'), 'the client was reset');
});
