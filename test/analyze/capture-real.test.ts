// Captures written by the real tools, read by our parser and compared with tshark's reading of the
// same files: tcpdump on lo (Ethernet, microseconds and nanoseconds), tcpdump on "any" (Linux
// cooked v2 by default, v1 with -y LINUX_SLL), and tshark writing pcapng and pcap. The traffic is
// a node child connecting to 127.0.0.1 and ::1, all inside a network namespace made for the test
// (unshare -n) that holds nothing but its own loopback interface and dies with the test. (tshark's
// start-up adds a few SYN/RST pairs of its own on lo, probing for an adb server on port 5037; they
// are packets like any other here.) Big capture buffers (-B) keep the kernel from dropping packets
// while six captures run at once.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CapturedPacket } from '../../src/analyze/capture.js';
import { ipOfFrame, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from '../../src/analyze/link.js';
import { readCaptureFile } from '../../src/drivers/capture-file.js';
import { encodePacket, formatAddress } from '../../src/wire/ip.js';
import { makeSegment } from '../../src/wire/segment.js';
import { requireSystem } from '../tun/netns.js';

// A server on each loopback address and a client sending it 200 kB in a few writes, then a reply
// and a close; every wait bounded.
const TRAFFIC = `
import net from 'node:net';
const guard = setTimeout(() => { console.error('traffic: timed out'); process.exit(3); }, 15000);
for (const host of ['127.0.0.1', '::1']) {
  await new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      let n = 0;
      s.on('data', (d) => { n += d.length; });
      s.on('end', () => s.end('got ' + n + '\\n'));
    });
    server.on('error', reject);
    server.listen(0, host, () => {
      const c = net.connect(server.address().port, host, () => {
        for (let i = 0; i < 4; i++) c.write(Buffer.alloc(50000, 97 + i));
        c.end();
      });
      let reply = '';
      c.on('data', (d) => { reply += d; });
      c.on('error', reject);
      c.on('close', () => { server.close(); console.log(host + ' ' + reply.trim()); resolve(); });
    });
  });
}
clearTimeout(guard);
`;

interface Capture {
  file: string;
  /** The command, started in the background inside the namespace. */
  cmd: string;
  /** What its stderr says once it is capturing. */
  ready: string;
  format: 'pcap' | 'pcapng';
  linktype: number;
  nanos?: boolean;
}

const CAPTURES: Capture[] = [
  {
    file: 'lo.pcap',
    cmd: 'tcpdump -i lo -w lo.pcap -Z root --immediate-mode -U -B 32768',
    ready: 'listening on',
    format: 'pcap',
    linktype: LINKTYPE_ETHERNET,
  },
  {
    file: 'lo-nano.pcap',
    cmd: 'tcpdump -i lo -w lo-nano.pcap -Z root --immediate-mode -U -B 32768 -j host --time-stamp-precision=nano',
    ready: 'listening on',
    format: 'pcap',
    linktype: LINKTYPE_ETHERNET,
    nanos: true,
  },
  {
    file: 'any.pcap',
    cmd: 'tcpdump -i any -w any.pcap -Z root --immediate-mode -U -B 32768',
    ready: 'listening on',
    format: 'pcap',
    // What tcpdump 4.99 with libpcap 1.10 writes for "any" unless told otherwise.
    linktype: LINKTYPE_LINUX_SLL2,
  },
  {
    file: 'any-sll.pcap',
    cmd: 'tcpdump -i any -y LINUX_SLL -w any-sll.pcap -Z root --immediate-mode -U -B 32768',
    ready: 'listening on',
    format: 'pcap',
    linktype: LINKTYPE_LINUX_SLL,
  },
  {
    file: 'tshark.pcapng',
    cmd: 'tshark -i lo -B 32 -F pcapng -w tshark.pcapng',
    ready: 'Capturing on',
    format: 'pcapng',
    linktype: LINKTYPE_ETHERNET,
    // dumpcap writes if_tsresol 9 where the kernel gives nanoseconds.
    nanos: true,
  },
  {
    file: 'tshark.pcap',
    cmd: 'tshark -i lo -B 32 -F pcap -w tshark.pcap',
    ready: 'Capturing on',
    format: 'pcap',
    linktype: LINKTYPE_ETHERNET,
  },
];

/** The shell script run inside `unshare -n`: start every capture, wait until each listens, run the traffic, stop them. */
function script(): string {
  const starts = CAPTURES.map(
    (c, i) => `timeout -s INT 60 ${c.cmd} 2>cap${i}.err & P${i}=$!; PIDS="$PIDS $P${i}"`,
  ).join('\n');
  const waits = CAPTURES.map(
    (c, i) =>
      `n=0; until grep -q '${c.ready}' cap${i}.err; do n=$((n+1)); [ $n -lt 300 ] || { echo "cap${i} never started" >&2; cat cap${i}.err >&2; exit 4; }; sleep 0.05; done`,
  ).join('\n');
  return `set -u
ip link set lo up
PIDS=""
trap 'kill -INT $PIDS 2>/dev/null; wait' EXIT
${starts}
${waits}
timeout 30 node traffic.mjs || exit 5
sleep 0.5
kill -INT $PIDS
wait
trap - EXIT
`;
}

/** tshark's reading of a capture, one row of named fields per frame. */
const FIELDS = [
  'frame.time_epoch',
  'frame.len',
  'frame.cap_len',
  'frame.interface_id',
  'ip.src',
  'ip.dst',
  'ip.len',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.plen',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

function tsharkRows(path: string): Row[] {
  const r = spawnSync(
    'tshark',
    ['-r', path, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  // tshark warns about running as root on stderr; stdout holds the fields.
  assert.equal(r.status, 0, `tshark -r ${path}: ${r.stderr}`);
  return r.stdout
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cols = line.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Row;
    });
}

/** "1764812345.123456789" -> ms, without the rounding of parsing it as one number. */
function epochMs(text: string): number {
  const [sec, frac = ''] = text.split('.');
  return Number(sec) * 1000 + Number(frac.padEnd(9, '0').slice(0, 9)) / 1e6;
}

/** What we read of one packet, in tshark's terms. */
interface Ours {
  t: number;
  len: number;
  capLen: number;
  iface: number;
  linktype: number;
  src: string;
  dst: string;
  ipLen: number;
  v6: boolean;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
}

function describe(p: CapturedPacket): Ours {
  const ip = ipOfFrame(p.linktype, p.data);
  assert.ok(ip, `packet at ${p.offset}: no IP packet in link type ${p.linktype}`);
  const v = new DataView(ip.buffer, ip.byteOffset, ip.byteLength);
  const v6 = ip[0]! >>> 4 === 6;
  const tcpAt = v6 ? 40 : (ip[0]! & 0x0f) * 4;
  assert.equal(v6 ? ip[6] : ip[9], 6, 'TCP (all the namespace carries)');
  return {
    t: p.t,
    len: p.originalLength,
    capLen: p.data.length,
    iface: p.iface,
    linktype: p.linktype,
    src: formatAddress(ip.subarray(v6 ? 8 : 12, v6 ? 24 : 16)),
    dst: formatAddress(ip.subarray(v6 ? 24 : 16, v6 ? 40 : 20)),
    ipLen: ip.length,
    v6,
    sport: v.getUint16(tcpAt),
    dport: v.getUint16(tcpAt + 2),
    seq: v.getUint32(tcpAt + 4),
    ack: v.getUint32(tcpAt + 8),
    flags: ip[tcpAt + 13]!,
  };
}

test('real captures of loopback TCP (tcpdump and tshark, pcap and pcapng, Ethernet and Linux cooked, µs and ns) read as tshark reads them', async (t) => {
  if (!requireSystem(t, ['tcpdump', 'tshark', 'ip', 'unshare'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'finack-capture-real-'));
  try {
    writeFileSync(join(dir, 'traffic.mjs'), TRAFFIC);
    writeFileSync(join(dir, 'run.sh'), script());
    const run = spawnSync('unshare', ['-n', 'sh', 'run.sh'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, `capture run: status ${run.status}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^127\.0\.0\.1 got 200000$/m);
    assert.match(run.stdout, /^::1 got 200000$/m);

    for (const c of CAPTURES) {
      const path = join(dir, c.file);
      assert.ok(existsSync(path), `${c.file} was written`);
      const ours: Ours[] = [];
      const summary = await readCaptureFile(path, (p) => ours.push(describe(p)), { chunkSize: 4096 });
      assert.equal(summary.format, c.format, c.file);
      assert.equal(summary.bytes, readFileSync(path).length);
      const rows = tsharkRows(path);
      assert.equal(ours.length, rows.length, `${c.file}: packet count`);
      assert.equal(summary.packets, rows.length);
      // Both connections are there, from SYN to the last FIN.
      const syns = ours.filter((o) => (o.flags & 0x12) === 0x02);
      assert.ok(syns.some((o) => !o.v6) && syns.some((o) => o.v6), `${c.file}: an IPv4 and an IPv6 SYN`);
      assert.ok(ours.filter((o) => o.flags & 0x01).length >= 4, `${c.file}: the FINs`);
      let subMicro = 0;
      ours.forEach((o, i) => {
        const r = rows[i]!;
        const what = `${c.file} frame ${i + 1}`;
        assert.equal(o.linktype, c.linktype, what);
        const ms = epochMs(r['frame.time_epoch']);
        assert.ok(Math.abs(o.t - ms) < 0.0005, `${what}: t ${o.t} vs tshark ${r['frame.time_epoch']}`);
        if (!/0{3}$/.test(r['frame.time_epoch'])) subMicro++;
        assert.equal(o.len, Number(r['frame.len']), `${what}: original length`);
        assert.equal(o.capLen, Number(r['frame.cap_len']), `${what}: captured length`);
        assert.equal(o.iface, Number(r['frame.interface_id'] || 0), `${what}: interface`);
        assert.equal(o.src, o.v6 ? r['ipv6.src'] : r['ip.src'], `${what}: source`);
        assert.equal(o.dst, o.v6 ? r['ipv6.dst'] : r['ip.dst'], `${what}: destination`);
        assert.equal(o.ipLen, o.v6 ? 40 + Number(r['ipv6.plen']) : Number(r['ip.len']), `${what}: IP length`);
        assert.deepEqual(
          [o.sport, o.dport, o.seq, o.ack, o.flags],
          [
            Number(r['tcp.srcport']),
            Number(r['tcp.dstport']),
            Number(r['tcp.seq_raw']),
            Number(r['tcp.ack_raw']),
            Number(r['tcp.flags']),
          ],
          `${what}: TCP header`,
        );
      });
      // Nanosecond files carry nanoseconds (a microsecond file's times all end in 000).
      if (c.nanos) assert.ok(subMicro > 0, `${c.file}: some times below the microsecond`);
      else if (c.format === 'pcap') assert.equal(subMicro, 0, `${c.file}: microseconds only`);
      t.diagnostic(`${c.file}: ${ours.length} packets, link type ${c.linktype}, ${c.format}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A pcapng built here with what real files rarely combine: two sections of opposite byte orders,
// interfaces with nanosecond, 2^-20 and default resolutions, an if_tsoffset, and the Packet and
// Simple Packet Blocks. tshark's reading of it is the reference for the interface numbers and for
// the times.
function pcapngBlock(le: boolean, type: number, body: number[]): number[] {
  while (body.length % 4 !== 0) body.push(0);
  const total = 12 + body.length;
  return [...u32(le, type), ...u32(le, total), ...body, ...u32(le, total)];
}
function u32(le: boolean, v: number): number[] {
  const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return le ? b.reverse() : b;
}
function u16(le: boolean, v: number): number[] {
  return le ? [v & 0xff, v >>> 8] : [v >>> 8, v & 0xff];
}
function option(le: boolean, code: number, value: number[]): number[] {
  const out = [...u16(le, code), ...u16(le, value.length), ...value];
  while (out.length % 4 !== 0) out.push(0);
  return out;
}
const shbBody = (le: boolean): number[] => [
  ...u32(le, 0x1a2b3c4d),
  ...u16(le, 1),
  ...u16(le, 0),
  ...u32(le, -1),
  ...u32(le, -1),
];
const idbBody = (le: boolean, options: number[][]): number[] => [
  ...u16(le, LINKTYPE_ETHERNET),
  ...u16(le, 0),
  ...u32(le, 262144),
  ...options.flat(),
  ...(options.length > 0 ? [0, 0, 0, 0] : []),
];
function timed(le: boolean, iface: number, ts: bigint, frame: Uint8Array, obsolete = false): number[] {
  const head = obsolete ? [...u16(le, iface), ...u16(le, 0)] : u32(le, iface);
  return pcapngBlock(le, obsolete ? 2 : 6, [
    ...head,
    ...u32(le, Number(ts >> 32n)),
    ...u32(le, Number(ts & 0xffffffffn)),
    ...u32(le, frame.length),
    ...u32(le, frame.length),
    ...frame,
  ]);
}

test('a hand-built pcapng of two sections and several clocks reads as tshark reads it', async (t) => {
  if (!requireSystem(t, ['tshark'])) return;
  const frame = (n: number): Uint8Array => {
    const ip = encodePacket({
      src: '198.51.100.1',
      dst: '203.0.113.2',
      seg: makeSegment({ srcPort: 40000 + n, dstPort: 80, seq: n, flags: 0x10 }),
    });
    const out = new Uint8Array(14 + ip.length);
    out.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    out.set(ip, 14);
    return out;
  };
  const bytes: number[] = [];
  const le = true;
  bytes.push(...pcapngBlock(le, 0x0a0d0d0a, shbBody(le)));
  bytes.push(...pcapngBlock(le, 1, idbBody(le, [option(le, 9, [9])])));
  bytes.push(
    ...pcapngBlock(le, 1, idbBody(le, [option(le, 9, [0x80 | 20]), option(le, 14, [...u32(le, 60), 0, 0, 0, 0])])),
  );
  bytes.push(...timed(le, 0, 1_796_000_000_123_456_789n, frame(1)));
  bytes.push(...timed(le, 1, (1_796_000_000n << 20n) | 777n, frame(2)));
  bytes.push(...timed(le, 1, (1_796_000_001n << 20n) | 524288n, frame(3), true));
  const be = false;
  bytes.push(...pcapngBlock(be, 0x0a0d0d0a, shbBody(be)));
  bytes.push(...pcapngBlock(be, 1, idbBody(be, [])));
  bytes.push(...timed(be, 0, 1_796_000_002_654_321n, frame(4)));
  bytes.push(...pcapngBlock(be, 3, [...u32(be, frame(5).length), ...frame(5)]));
  const dir = mkdtempSync(join(tmpdir(), 'finack-capture-ng-'));
  try {
    const path = join(dir, 'built.pcapng');
    writeFileSync(path, Uint8Array.from(bytes));
    const ours: CapturedPacket[] = [];
    await readCaptureFile(path, (p) => ours.push({ ...p, data: p.data.slice() }), { chunkSize: 13 });
    const r = spawnSync(
      'tshark',
      [
        '-r',
        path,
        '-T',
        'fields',
        '-e',
        'frame.time_epoch',
        '-e',
        'frame.section_number',
        '-e',
        'frame.interface_id',
        '-e',
        'tcp.srcport',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.equal(ours.length, 5);
    assert.equal(rows.length, ours.length);
    ours.forEach((p, i) => {
      const [epoch, section, iface, port] = rows[i] as [string, string, string, string];
      // tshark numbers interfaces within their section; ours continue across sections (the first has two).
      assert.equal(p.iface, Number(iface) + (section === '2' ? 2 : 0), `frame ${i + 1}: interface`);
      assert.equal(new DataView(p.data.buffer).getUint16(14 + 20), Number(port), `frame ${i + 1}: port`);
      // The Simple Packet Block has no time: tshark shows none (0), we keep the last one seen.
      if (i === 4) assert.equal(p.t, ours[3]!.t);
      else assert.ok(Math.abs(p.t - epochMs(epoch)) < 0.0005, `frame ${i + 1}: ${p.t} vs ${epoch}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
