import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCaptureBytes } from '../../src/analyze/capture.js';
import { ipOfFrame } from '../../src/analyze/link.js';
import { decodePacket } from '../../src/wire/ip.js';
import { ctl, segLen } from '../../src/wire/segment.js';
import { writeSyntheticCapture } from '../../tools/gen-capture.js';
import { tsharkFields } from '../harness/tshark.js';
import { requireSystem } from '../tun/netns.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'finack-gen-capture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MSS = 1448;

interface Seen {
  t: number;
  src: string;
  dst: string;
  ctl: string;
  seq: number;
  ack: number;
  len: number;
  payload: number;
}

/** Every packet of a generated file, decoded (checksums verified by decodePacket). */
function readBack(path: string): { format: string; packets: Seen[] } {
  const seen: Seen[] = [];
  const r = parseCaptureBytes(readFileSync(path), (p) => {
    const ip = ipOfFrame(p.linktype, p.data);
    assert.ok(ip, `packet at ${p.offset}: no IP packet in link type ${p.linktype}`);
    const d = decodePacket(ip);
    assert.ok(d.ok, `packet at ${p.offset}: ${d.ok ? '' : d.error.code} ${d.ok ? '' : d.error.detail}`);
    const s = d.value.seg;
    seen.push({
      t: p.t,
      src: `${d.value.src}:${s.srcPort}`,
      dst: `${d.value.dst}:${s.dstPort}`,
      ctl: ctl(s.flags),
      seq: s.seq,
      ack: s.ack,
      len: segLen(s),
      payload: s.payload.length,
    });
  });
  return { format: r.format, packets: seen };
}

/** The control bits of one lifecycle carrying `bytes` client to server. */
function lifecycle(bytes: number): string[][] {
  const c = (x: string): string[] => ['client', x];
  const s = (x: string): string[] => ['server', x];
  const out = [c('SYN'), s('SYN,ACK'), c('ACK')];
  for (let i = 0; i < Math.ceil(bytes / MSS); i++) out.push(c('PSH,ACK'), s('ACK'));
  out.push(c('FIN,ACK'), s('ACK'), s('FIN,ACK'), c('ACK'));
  return out;
}

for (const format of ['pcap', 'pcapng'] as const) {
  for (const linktype of [1, 101, 276] as const) {
    test(`${format}, link type ${linktype}: complete lifecycles with valid checksums, read back`, async () => {
      const path = join(dir, `small-${format}-${linktype}.cap`);
      const dataBytes = 3 * MSS + 100;
      const r = await writeSyntheticCapture(path, { connections: 7, dataBytes, format, linktype, concurrent: 3 });
      assert.equal(r.bytes, statSync(path).size);
      const back = readBack(path);
      assert.equal(back.format, format);
      assert.equal(back.packets.length, r.packets);
      assert.equal(r.packets, 7 * (7 + 2 * 4));
      // Time never goes backwards.
      assert.ok(back.packets.every((p, i) => i === 0 || p.t >= back.packets[i - 1]!.t));
      // Per connection: the lifecycle's segments in order, sequence numbers that add up.
      const byConn = new Map<string, Seen[]>();
      for (const p of back.packets) {
        const key = p.src.startsWith('198.51.100.') ? `${p.src}>${p.dst}` : `${p.dst}>${p.src}`;
        byConn.set(key, [...(byConn.get(key) ?? []), p]);
      }
      assert.equal(byConn.size, 7);
      const interleaved = back.packets.slice(0, 3).map((p) => p.ctl);
      assert.deepEqual(interleaved, ['SYN', 'SYN', 'SYN'], 'three connections open at once');
      for (const [key, ps] of byConn) {
        const [client, server] = key.split('>') as [string, string];
        assert.match(client, /^198\.51\.100\.\d+:\d+$/);
        assert.match(server, /^203\.0\.113\.\d+:(80|443)$/);
        assert.deepEqual(
          ps.map((p) => [p.src === client ? 'client' : 'server', p.ctl]),
          lifecycle(dataBytes),
          key,
        );
        const cIsn = ps[0]!.seq;
        const sIsn = ps[1]!.seq;
        assert.equal(ps[1]!.ack, (cIsn + 1) >>> 0);
        let cNext = cIsn;
        let sNext = sIsn;
        for (const p of ps) {
          if (p.src === client) {
            assert.equal(p.seq, cNext, `${key} client seq`);
            cNext = (cNext + p.len) >>> 0;
          } else {
            assert.equal(p.seq, sNext, `${key} server seq`);
            sNext = (sNext + p.len) >>> 0;
            if (p.ctl !== 'SYN,ACK') assert.equal(p.ack, cNext, `${key} server acks all it got`);
          }
        }
        assert.equal(
          ps.filter((p) => p.src === client).reduce((n, p) => n + p.payload, 0),
          dataBytes,
        );
        assert.equal(ps.at(-1)!.ack, (sIsn + 2) >>> 0, 'the final ACK acknowledges the server FIN');
      }
    });
  }
}

test('no data: the handshake and the close only; 0 connections: a header only', async () => {
  const path = join(dir, 'empty-data.pcap');
  const r = await writeSyntheticCapture(path, { connections: 2, dataBytes: 0 });
  assert.equal(r.packets, 14);
  assert.deepEqual(
    readBack(path)
      .packets.slice(0, 7)
      .map((p) => p.ctl),
    ['SYN', 'SYN,ACK', 'ACK', 'FIN,ACK', 'ACK', 'FIN,ACK', 'ACK'],
  );
  const none = join(dir, 'none.pcapng');
  assert.deepEqual(await writeSyntheticCapture(none, { connections: 0, dataBytes: 10, format: 'pcapng' }), {
    bytes: statSync(none).size,
    packets: 0,
  });
  assert.equal(readBack(none).packets.length, 0);
});

test('deterministic: the same options give the same bytes, another seed other bytes', async () => {
  const hash = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
  const opts = { connections: 30, dataBytes: 5000, concurrent: 4, format: 'pcapng' as const, seed: 9 };
  await writeSyntheticCapture(join(dir, 'd1'), opts);
  await writeSyntheticCapture(join(dir, 'd2'), opts);
  await writeSyntheticCapture(join(dir, 'd3'), { ...opts, seed: 10 });
  assert.equal(hash(join(dir, 'd1')), hash(join(dir, 'd2')));
  assert.notEqual(hash(join(dir, 'd1')), hash(join(dir, 'd3')));
});

test('bad options are a RangeError, and no file is written', async () => {
  const path = join(dir, 'bad.pcap');
  for (const bad of [
    { connections: -1, dataBytes: 1 },
    { connections: 1.5, dataBytes: 1 },
    { connections: 1, dataBytes: Number.NaN },
    { connections: 1, dataBytes: 1, concurrent: 0 },
    { connections: 1, dataBytes: 1, linktype: 0 as 1 },
    { connections: 1, dataBytes: 1, format: 'erf' as 'pcap' },
  ]) {
    await assert.rejects(writeSyntheticCapture(path, bad), RangeError);
  }
  assert.throws(() => statSync(path), { code: 'ENOENT' });
});

test('the command line: writes the file and says what it wrote; usage errors exit 2', () => {
  const path = join(dir, 'cli.pcapng');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'tools/gen-capture.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
  const r = run(['--out', path, '--connections', '5', '--data-bytes', '2000', '--format', 'pcapng']);
  assert.equal(r.status, 0, r.stderr);
  const size = statSync(path).size;
  assert.match(
    r.stdout,
    new RegExp(`^wrote ${path}: 55 packets, ${size} bytes, 5 connections \\(pcapng, linktype 101\\)`),
  );
  assert.equal(readBack(path).packets.length, 55);
  assert.equal(run(['--connections', '5']).status, 2);
  assert.equal(run(['--out', path, '--connections', '5', '--data-bytes', '1', '--bogus']).status, 2);
  assert.equal(run(['--out', path, '--connections', 'x', '--data-bytes', '1']).status, 1);
});

test('tshark reads the same packets, every IP and TCP checksum good', async (t) => {
  if (!requireSystem(t, ['tshark'])) return;
  for (const [format, linktype] of [
    ['pcap', 1],
    ['pcapng', 276],
    ['pcapng', 101],
  ] as const) {
    const path = join(dir, `tshark-${format}-${linktype}.cap`);
    const r = await writeSyntheticCapture(path, { connections: 12, dataBytes: 4000, format, linktype, concurrent: 5 });
    const rows = tsharkFields(path, ['frame.time_epoch', 'ip.checksum.status', 'tcp.checksum.status'], {
      checksums: true,
    });
    assert.equal(rows.length, r.packets);
    const ours = readBack(path).packets;
    rows.forEach(([epoch, ipStatus, tcpStatus], i) => {
      assert.equal(ipStatus, '1', `frame ${i + 1}: IP checksum status ${ipStatus}`);
      assert.equal(tcpStatus, '1', `frame ${i + 1}: TCP checksum status ${tcpStatus}`);
      assert.ok(Math.abs(Number(epoch) * 1000 - ours[i]!.t) < 0.001, `frame ${i + 1}: ${epoch} vs ${ours[i]!.t}`);
    });
  }
});
