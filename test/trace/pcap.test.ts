import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PcapFileWriter } from '../../src/drivers/pcap-file.js';
import { SimNetwork } from '../../src/sim/network.js';
import {
  LINKTYPE_RAW,
  PCAP_GLOBAL_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  PcapWriter,
  parseConnLabel,
  pcapFromTrace,
  pcapGlobalHeader,
  pcapRecord,
  pcapTap,
  readPcap,
} from '../../src/trace/pcap.js';
import { TraceRecorder } from '../../src/trace/recorder.js';
import { decodePacket } from '../../src/wire/ip.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('global header: little-endian magic a1b2c3d4, version 2.4, snaplen, LINKTYPE_RAW (101)', () => {
  assert.equal(
    hex(pcapGlobalHeader()),
    'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '65000000',
  );
  assert.equal(hex(pcapGlobalHeader({ snaplen: 65535, linktype: 228 })).slice(32), 'ffff0000e4000000');
  assert.throws(() => pcapGlobalHeader({ snaplen: 0 }), RangeError);
});

test('record: seconds and microseconds from milliseconds, lengths, bytes; cut at snaplen', () => {
  const pkt = Uint8Array.of(0x45, 1, 2, 3, 4);
  assert.equal(
    hex(pcapRecord(1_700_000_000_123.456, pkt)),
    '00f15365' + '40e20100' + '05000000' + '05000000' + '4501020304',
  );
  // 123.456 ms -> 123456 us = 0x1e240
  const cut = pcapRecord(2_500, pkt, 3);
  assert.equal(hex(cut), '02000000' + '20a10700' + '03000000' + '05000000' + '450102');
});

test('writer without batching hands over the header, then one chunk per record', () => {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c));
  assert.equal(chunks.length, 1);
  w.write(1000, Uint8Array.of(0x45, 0));
  w.write(2000, Uint8Array.of(0x60, 0, 0));
  assert.deepEqual(
    chunks.map((c) => c.length),
    [PCAP_GLOBAL_HEADER_LENGTH, PCAP_RECORD_HEADER_LENGTH + 2, PCAP_RECORD_HEADER_LENGTH + 3],
  );
  assert.equal(w.packets, 2);
});

test('batched writer: chunks end on record boundaries; flush and close hand over the rest; writes after close are ignored', () => {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c), { batchBytes: 50 });
  const p = new Uint8Array(20).fill(0x45); // 36-byte records: one per 50-byte batch
  w.write(1, p);
  assert.equal(w.pending, 36);
  assert.equal(chunks.length, 1);
  w.write(2, p); // does not fit: the first is handed over
  assert.deepEqual(
    chunks.map((c) => c.length),
    [24, 36],
  );
  w.write(3, new Uint8Array(100).fill(0x45)); // bigger than the batch: flush, then direct
  assert.deepEqual(
    chunks.map((c) => c.length),
    [24, 36, 36, 116],
  );
  w.write(4, p);
  w.close();
  w.write(5, p);
  assert.deepEqual(
    chunks.map((c) => c.length),
    [24, 36, 36, 116, 36],
  );
  // Every prefix made of whole chunks parses with no trailing bytes.
  let all = new Uint8Array(0);
  const times: number[] = [];
  for (const c of chunks) {
    const next = new Uint8Array(all.length + c.length);
    next.set(all);
    next.set(c, all.length);
    all = next;
    const f = readPcap(all);
    assert.equal(f.trailing, 0);
    times.push(f.packets.length);
  }
  assert.deepEqual(times, [0, 1, 2, 3, 4]);
  assert.deepEqual(
    readPcap(all).packets.map((p) => p.timeMs),
    [1, 2, 3, 4],
  );
});

test('readPcap: big-endian and nanosecond files, and a cut-off last record counted as trailing', () => {
  const be = Uint8Array.from(
    Buffer.from('a1b23c4d00020004000000000000000000040000000000650000000100000002000000020000000245ff', 'hex'),
  );
  const f = readPcap(be);
  assert.equal(f.nanos, true);
  assert.equal(f.linktype, LINKTYPE_RAW);
  assert.equal(f.packets.length, 1);
  assert.equal(f.packets[0]?.timeMs, 1000.000002);
  assert.equal(hex(f.packets[0]?.data ?? new Uint8Array()), '45ff');
  assert.equal(readPcap(be.subarray(0, be.length - 1)).trailing, 17);
  assert.throws(() => readPcap(new Uint8Array(24)), RangeError);
  assert.throws(() => readPcap(new Uint8Array(3)), RangeError);
});

/** A whole conversation on the simulated network, captured by a tap. */
function simCapture(): { bytes: Uint8Array; sends: number; wire: number; rec: TraceRecorder } {
  const rec = new TraceRecorder();
  const sim = new SimNetwork({ seed: 3, trace: rec.sink });
  const client = sim.host('192.0.2.1', { name: 'client' });
  const server = sim.host('192.0.2.2', { name: 'server' });
  const chunks: Uint8Array[] = [];
  const writer = new PcapWriter((c) => chunks.push(c));
  let wire = 0;
  sim.tap(() => wire++);
  sim.tap(pcapTap(writer, Date.UTC(2026, 0, 1)));
  const l = server.listen(80);
  const c = client.connect({ addr: '192.0.2.2', port: 80 });
  sim.runFor(50);
  c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  c.shutdown();
  sim.runFor(100);
  const s = l.accepted[0];
  assert.ok(s);
  s.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  s.close();
  sim.run();
  writer.close();
  const total = chunks.reduce((n, ch) => n + ch.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const ch of chunks) {
    bytes.set(ch, at);
    at += ch.length;
  }
  return { bytes, sends: rec.byType('send').length, wire, rec };
}

test('sim tap -> pcap: every packet on the wire, in order, decodable with valid checksums, at virtual times', () => {
  const { bytes, sends, wire } = simCapture();
  const f = readPcap(bytes);
  assert.equal(f.packets.length, wire);
  assert.equal(f.packets.length, sends);
  const origin = Date.UTC(2026, 0, 1);
  let last = 0;
  for (const p of f.packets) {
    const d = decodePacket(p.data);
    assert.ok(d.ok, d.ok ? '' : d.error.code);
    assert.ok(p.timeMs >= origin && p.timeMs >= last);
    last = p.timeMs;
  }
  assert.equal(f.packets[0]?.timeMs, origin);
});

test('PcapFileWriter: the file parses after every turn, and after close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-pcap-'));
  try {
    const path = join(dir, 'a.pcap');
    const w = new PcapFileWriter(path);
    assert.equal(readFileSync(path).length, 24);
    w.write(1000, Uint8Array.of(0x45, 1));
    w.write(1001, Uint8Array.of(0x45, 2));
    assert.equal(readFileSync(path).length, 24); // gathered for this turn
    await new Promise((r) => setImmediate(r));
    assert.equal(readPcap(new Uint8Array(readFileSync(path))).packets.length, 2);
    w.write(1002, Uint8Array.of(0x45, 3));
    w.close();
    w.write(1003, Uint8Array.of(0x45, 4));
    const f = readPcap(new Uint8Array(readFileSync(path)));
    assert.equal(f.packets.length, 3);
    assert.equal(f.trailing, 0);
    assert.equal(w.bytesWritten, 24 + 3 * 18);

    const p2 = join(dir, 'b.pcap');
    const w2 = new PcapFileWriter(p2, { flush: 'packet' });
    w2.write(5, Uint8Array.of(0x60));
    assert.equal(readPcap(new Uint8Array(readFileSync(p2))).packets.length, 1);
    w2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tshark reads the simulator capture: no malformed packets, every TCP checksum good', (t) => {
  const probe = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = 'tshark not installed (apt-get install tshark)';
    if (process.env.FINACK_REQUIRE_SYSTEM === '1') assert.fail(why);
    t.skip(why);
    return;
  }
  const { bytes, sends } = simCapture();
  const dir = mkdtempSync(join(tmpdir(), 'finack-pcap-'));
  try {
    const path = join(dir, 'sim.pcap');
    writeFileSync(path, bytes);
    const r = spawnSync(
      'tshark',
      [
        '-r',
        path,
        '-o',
        'tcp.check_checksum:TRUE',
        '-T',
        'fields',
        '-e',
        'tcp.checksum.status',
        '-e',
        '_ws.malformed',
        '-e',
        'ip.checksum.status',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, sends);
    // tcp.checksum.status: 0 bad, 1 good, 2 unverified (Wireshark's checksum status values).
    for (const line of lines) {
      const [tcp, malformed] = line.split('\t');
      assert.equal(tcp, '1', line);
      assert.equal(malformed ?? '', '');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pcapFromTrace rebuilds from the trace alone exactly the packets the tap saw', () => {
  const { bytes, rec } = simCapture();
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c));
  const n = pcapFromTrace(rec.events, w, Date.UTC(2026, 0, 1));
  const fromTap = readPcap(bytes).packets;
  const rebuilt = readPcap(Buffer.concat(chunks)).packets;
  assert.equal(n, fromTap.length);
  assert.deepEqual(
    rebuilt.map((p) => [p.timeMs, hex(p.data)]),
    fromTap.map((p) => [p.timeMs, hex(p.data)]),
  );
});

test('parseConnLabel: IPv4, bracketed IPv6, junk', () => {
  assert.deepEqual(parseConnLabel('192.0.2.1:49152>192.0.2.2:80'), { local: '192.0.2.1', remote: '192.0.2.2' });
  assert.deepEqual(parseConnLabel('[2001:db8::1]:5>[2001:db8::2]:80'), { local: '2001:db8::1', remote: '2001:db8::2' });
  assert.equal(parseConnLabel(''), undefined);
  assert.equal(parseConnLabel('192.0.2.1:1'), undefined);
});
