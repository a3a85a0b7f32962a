import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { main } from '../../src/cli/main.js';
import { runScenario } from '../../src/scenarios/index.js';
import { readPcap } from '../../src/trace/pcap.js';
import { decodePacket } from '../../src/wire/ip.js';
import { FIN } from '../../src/wire/segment.js';

test('finack demo --pcap writes every segment sent, as IP packets with valid checksums, at virtual times', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-demo-'));
  try {
    const file = join(dir, 'lost-final-ack.pcap');
    let out = '';
    const code = main(['demo', 'lost-final-ack', '--pcap', file, '--format', 'json'], {
      stdout: (t) => (out += t),
      stderr: () => {},
    });
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).scenario, 'lost-final-ack');
    const sends = runScenario('lost-final-ack').events.filter((e) => e.type === 'send');
    const records = readPcap(readFileSync(file)).packets;
    assert.equal(records.length, sends.length);
    records.forEach((r, i) => {
      const pkt = decodePacket(r.data);
      assert.ok(pkt.ok, 'each record decodes, checksums included');
      const sent = sends[i] as (typeof sends)[number] & { type: 'send' };
      assert.equal(pkt.value.seg.seq, sent.seg.seq);
      assert.equal(pkt.value.seg.flags, sent.seg.flags);
      assert.equal(Math.round(r.timeMs), sent.t);
    });
    // The server's FIN is in the capture twice: the original and its retransmission.
    const fins = records
      .map((r) => decodePacket(r.data))
      .filter((p) => p.ok && p.value.src === '192.0.2.2' && p.value.seg.flags & FIN);
    assert.equal(fins.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('finack demo --pcap into a missing directory is a usage error', () => {
  let err = '';
  const code = main(['demo', '--pcap', '/nonexistent-dir/x.pcap'], { stdout: () => {}, stderr: (t) => (err += t) });
  assert.equal(code, 2);
  assert.match(err, /cannot write --pcap/);
});
