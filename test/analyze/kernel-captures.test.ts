// `finack analyze` against real Linux TCP: each case records one connection between two network
// namespaces joined by a veth pair (kernel-net.ts), with tcpdump on the client's end, and checks
// the analyzer's report against what happened. What happened is checked first, independently: by
// tshark's reading of the same capture (the segments of the close, in order) and by `ss` in the
// namespaces (which side really sits in TIME-WAIT). Every capture is kept under
// /tmp/kernel-captures/ for a second look (`tshark -r /tmp/kernel-captures/NAME.pcap`).
//
// Needs root, ip, tc, nft, tcpdump and tshark; otherwise skipped with the reason (and failed
// when FINACK_REQUIRE_SYSTEM=1).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, requireSystem, sleep } from '../tun/netns.js';
import {
  captureFile,
  type KernelPair,
  type Peer,
  PORT,
  type Side,
  shape,
  type TsharkRow,
  tsharkRows,
  withKernelPair,
} from './kernel-net.js';

const TOOLS = ['ip', 'tc', 'nft', 'tcpdump', 'tshark'];

interface Recording {
  name: string;
  bytes: Uint8Array;
  /** tshark's rows for the whole capture. */
  rows: TsharkRow[];
  clientAddr: string;
  serverAddr: string;
}

/**
 * Runs one scenario in a fresh pair of namespaces: capture on, server listening, client connected
 * and 100 bytes sent and ACKed, then `body`, then the capture stopped and read back.
 */
async function record(
  name: string,
  body: (pair: KernelPair, client: Peer, server: Peer) => Promise<void>,
  opts: { v6?: boolean; setup?: (pair: KernelPair) => void } = {},
): Promise<Recording> {
  return withKernelPair(async (pair) => {
    opts.setup?.(pair);
    await pair.startCapture();
    const server = await pair.startServer();
    const client = await pair.connect(server);
    client.send('write 100');
    await server.received(100);
    // Let the server's ACK of the data go out on its own (Linux delays it up to 40 ms at most).
    await sleep(100);
    try {
      await body(pair, client, server);
    } catch (err) {
      // Keep what was recorded, for a look at why.
      await pair.stopCapture(`${name}-failed`).catch(() => undefined);
      throw err;
    }
    const bytes = await pair.stopCapture(name);
    return {
      name,
      bytes,
      rows: tsharkRows(captureFile(name), pair.clientAddr),
      clientAddr: pair.clientAddr,
      serverAddr: pair.serverAddr,
    };
  }, opts.v6 ?? false);
}

/** TCP states of the sockets on PORT in one namespace, as `ss -tan` prints them. */
function kernelStates(pair: KernelPair, side: Side): string[] {
  return pair
    .ns(side)
    .sockets()
    .filter((s) => s.state !== 'LISTEN' && (s.local.endsWith(`:${PORT}`) || s.peer.endsWith(`:${PORT}`)))
    .map((s) => s.state);
}

/** The rows from the first FIN or RST on (the close), as shape() writes them. */
function closeRows(rows: readonly TsharkRow[]): string[] {
  const i = rows.findIndex((r) => r.flags.includes('FIN') || r.flags.includes('RST'));
  assert.ok(i >= 0, `no FIN or RST in the capture:\n${shape(rows).join('\n')}`);
  return shape(rows.slice(i));
}

/** The handshake and the 100 bytes every recording starts with, as shape() writes them. */
const OPENING = [
  'client SYN 0:0+0',
  'server SYN,ACK 0:1+0',
  'client ACK 1:1+0',
  'client ACK 1:1+100',
  'server ACK 1:101+0',
];

function assertOpening(rec: Recording): void {
  assert.deepEqual(shape(rec.rows.slice(0, OPENING.length)), OPENING, `${rec.name}: the opening`);
}

/** Passive close by the other side after `ms`, so its ACK of the FIN and its own FIN are two segments. */
async function answerClose(closer: Peer, other: Peer, ms: number): Promise<void> {
  closer.send('end');
  await other.until('end');
  await sleep(ms);
  other.send('end');
  await closer.until('end');
}

/** The client's keepalive probes (seq one below what it has sent, no data) and the answers to each. */
function probes(rec: Recording): { sent: number; answered: number } {
  let sent = 0;
  let answered = 0;
  rec.rows.forEach((r, i) => {
    if (r.from !== 'client' || r.flags !== 'ACK' || r.seq !== 100 || r.len !== 0) return;
    sent++;
    const next = rec.rows[i + 1];
    if (next?.from === 'server' && next.flags === 'ACK' && next.ack === 101) answered++;
  });
  return { sent, answered };
}

/** One scenario: its recording, and what the kernel said about the sockets once it was over. */
interface Case {
  rec: Recording;
  states: { client: string[]; server: string[] };
}

async function runCase(
  name: string,
  body: (pair: KernelPair, client: Peer, server: Peer) => Promise<void>,
  opts: { v6?: boolean; setup?: (pair: KernelPair) => void } = {},
): Promise<Case> {
  let states: Case['states'] | undefined;
  const rec = await record(
    name,
    async (pair, client, server) => {
      await body(pair, client, server);
      await sleep(50);
      states = { client: kernelStates(pair, 'client'), server: kernelStates(pair, 'server') };
    },
    opts,
  );
  assertOpening(rec);
  assert.ok(states);
  return { rec, states };
}

test('kernel captures', async (t) => {
  if (!requireSystem(t, TOOLS)) return;

  for (const v6 of [false, true]) {
    await t.test(`client-first close: four-way${v6 ? ' (IPv6)' : ''}`, async () => {
      // Linux ACKs a FIN at once when nothing else is due; 300 ms later the server's FIN is a
      // segment of its own.
      const c = await runCase(
        `client-first${v6 ? '-v6' : ''}`,
        (_pair, client, server) => answerClose(client, server, 300),
        {
          v6,
        },
      );
      assert.deepEqual(closeRows(c.rec.rows), [
        'client FIN,ACK 101:1+0',
        'server ACK 1:102+0',
        'server FIN,ACK 1:102+0',
        'client ACK 102:2+0',
      ]);
      assert.deepEqual(c.states, { client: ['TIME-WAIT'], server: [] });
    });
  }

  await t.test('server-first close: four-way', async () => {
    const c = await runCase('server-first', (_pair, client, server) => answerClose(server, client, 300));
    assert.deepEqual(closeRows(c.rec.rows), [
      'server FIN,ACK 1:101+0',
      'client ACK 101:2+0',
      'client FIN,ACK 101:2+0',
      'server ACK 2:102+0',
    ]);
    assert.deepEqual(c.states, { client: [], server: ['TIME-WAIT'] });
  });

  await t.test('simultaneous close: the FINs cross', async () => {
    // There is no netem here to delay the FINs, so each side's FIN is made to wait in its own
    // qdisc: a token bucket (100 kbit/s) whose tokens two 1400-byte UDP datagrams have just taken.
    // Both FINs are queued before either has left, so each side sends its FIN before it has
    // received the other's (the FINs' ACK fields show it), which is what a simultaneous close is.
    const c = await runCase(
      'simultaneous',
      async (pair, client, server) => {
        for (const side of ['client', 'server'] as const) {
          pair
            .ns(side)
            .run('tc', [
              'qdisc',
              'add',
              'dev',
              'veth0',
              'root',
              'tbf',
              'rate',
              '100kbit',
              'burst',
              '2000',
              'limit',
              '20000',
            ]);
        }
        client.send('fill 2 1400');
        server.send('fill 2 1400');
        await Promise.all([client.until('filled'), server.until('filled')]);
        client.send('end');
        server.send('end');
        await Promise.all([client.until('end'), server.until('end')]);
        await sleep(100);
      },
      {
        // The datagrams are dropped on arrival, so no port-unreachable comes back.
        setup: (pair) => {
          for (const side of ['client', 'server'] as const) {
            pair.nft(
              side,
              'table inet fill {\n chain rx {\n  type filter hook input priority 0;\n  udp dport 9 drop\n }\n}\n',
            );
          }
        },
      },
    );
    const close = closeRows(c.rec.rows);
    // Both FINs first, neither acknowledging the other's; then both ACKs.
    assert.deepEqual(close.slice(0, 2).sort(), ['client FIN,ACK 101:1+0', 'server FIN,ACK 1:101+0']);
    assert.deepEqual(close.slice(2).sort(), ['client ACK 102:2+0', 'server ACK 2:102+0']);
    assert.deepEqual(c.states, { client: ['TIME-WAIT'], server: ['TIME-WAIT'] });
  });

  await t.test("half-close: the server sends 8000 bytes after the client's FIN", async () => {
    const c = await runCase('half-close', async (_pair, client, server) => {
      client.send('end');
      await server.until('end');
      for (let i = 0; i < 4; i++) {
        server.send('write 2000');
        await sleep(50);
      }
      await client.received(8000);
      await sleep(200);
      server.send('end');
      await client.until('end');
    });
    const close = c.rec.rows.slice(c.rec.rows.findIndex((r) => r.flags.includes('FIN')));
    assert.equal(shape(close)[0], 'client FIN,ACK 101:1+0');
    const serverData = close.filter((r) => r.from === 'server' && r.len > 0);
    assert.equal(
      serverData.reduce((n, r) => n + r.len, 0),
      8000,
    );
    // One MSS per frame: segmentation offload is off on the veth pair.
    assert.ok(serverData.length >= 8 && serverData.every((r) => r.len <= 1448), shape(close).join('\n'));
    assert.deepEqual(shape(close.slice(-2)), ['server FIN,ACK 8001:102+0', 'client ACK 102:8002+0']);
    assert.deepEqual(c.states, { client: ['TIME-WAIT'], server: [] });
  });

  await t.test('RST close: SO_LINGER {on, 0}', async () => {
    const c = await runCase('rst', async (_pair, client, server) => {
      client.send('reset');
      await server.until('error ECONNRESET');
    });
    assert.deepEqual(closeRows(c.rec.rows), ['client RST,ACK 101:1+0']);
    assert.deepEqual(c.states, { client: [], server: [] });
  });

  await t.test('lost final ACK: the server retransmits its FIN', async () => {
    let dropped: number | undefined;
    const c = await runCase('final-ack-lost', async (pair, client, server) => {
      client.send('end');
      await server.until('end');
      // Between the client's FIN and the server's, nothing comes from the client; the first pure
      // ACK from it after this point is the final ACK of the close. It is dropped at the server's
      // input, once (numgen counts the matching packets from 0): tcpdump, on the client's end of
      // the veth pair, has already recorded it, so the capture shows an ACK that the server
      // evidently did not get (it retransmits its FIN, and the client ACKs again from TIME-WAIT).
      pair.nft(
        'server',
        [
          'table inet loss {',
          ' counter dropped { }',
          ' chain rx {',
          '  type filter hook input priority 0;',
          `  tcp sport != ${PORT} tcp flags == ack numgen inc mod 1000000 == 0 counter name dropped drop`,
          ' }',
          '}',
          '',
        ].join('\n'),
      );
      await sleep(300);
      server.send('end');
      await client.until('end');
      // The server's FIN is retransmitted after its RTO (200 ms at least).
      await eventually(() => kernelStates(pair, 'server').length === 0, 5000, 'the server to leave LAST-ACK');
      dropped = pair.nftCounters('server').dropped;
    });
    assert.equal(dropped, 1);
    assert.deepEqual(closeRows(c.rec.rows), [
      'client FIN,ACK 101:1+0',
      'server ACK 1:102+0',
      'server FIN,ACK 1:102+0',
      'client ACK 102:2+0',
      'server FIN,ACK 1:102+0',
      'client ACK 102:2+0',
    ]);
    assert.deepEqual(c.states, { client: ['TIME-WAIT'], server: [] });
  });

  await t.test('keepalive probes answered', async () => {
    const c = await runCase('keepalive', async (_pair, client, server) => {
      // Idle 1 s before the first probe. Node's setKeepAlive sets TCP_KEEPIDLE, and libuv sets
      // TCP_KEEPINTVL to 1 s and TCP_KEEPCNT to 10 itself, so the namespace's
      // net.ipv4.tcp_keepalive_* sysctls would change nothing here.
      client.send('keepalive 1000');
      await sleep(2600);
      await answerClose(client, server, 300);
    });
    const p = probes(c.rec);
    assert.ok(p.sent >= 2 && p.answered === p.sent, JSON.stringify(p));
    assert.deepEqual(closeRows(c.rec.rows), [
      'client FIN,ACK 101:1+0',
      'server ACK 1:102+0',
      'server FIN,ACK 1:102+0',
      'client ACK 102:2+0',
    ]);
    assert.deepEqual(c.states, { client: ['TIME-WAIT'], server: [] });
  });

  await t.test('keepalive timeout: the server goes silent', async () => {
    let error: string | undefined;
    const c = await runCase('keepalive-timeout', async (pair, client) => {
      // From here on nothing from the server leaves its namespace (dropped at its output, so the
      // capture on the client's end never sees an answer).
      pair.nft(
        'server',
        [
          'table inet silent {',
          ' chain tx {',
          '  type filter hook output priority 0;',
          `  ip saddr ${pair.serverAddr} drop`,
          ' }',
          '}',
          '',
        ].join('\n'),
      );
      client.send('keepalive 1000');
      // Ten unanswered probes 1 s apart (libuv's TCP_KEEPCNT and TCP_KEEPINTVL), then the
      // client gives up (ETIMEDOUT) with an RST: 11 s after the last answer.
      await client.until('error ETIMEDOUT', (l) => l === 'error ETIMEDOUT', 20_000);
      error = 'ETIMEDOUT';
    });
    assert.equal(error, 'ETIMEDOUT');
    const p = probes(c.rec);
    assert.ok(p.sent >= 2 && p.answered === 0, JSON.stringify(p));
    assert.deepEqual(closeRows(c.rec.rows), ['client RST,ACK 101:1+0']);
    assert.deepEqual(c.states, { client: [], server: [] });
  });
});
