// Every demo scenario's capture (`finack demo <name> --pcap f`) read by the real tshark, with IP and
// TCP checksum validation on: no malformed packets, no bad checksums, and tshark's own count of
// frames per TCP conversation equal to the segments finack's trace says each connection sent.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { main } from '../../src/cli/main.js';
import { runScenario, SCENARIO_NAMES } from '../../src/scenarios/index.js';

const haveTshark = spawnSync('sh', ['-c', 'command -v tshark'], { stdio: 'ignore' }).status === 0;
const why = 'tshark is not installed (Debian package tshark)';

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout; // tshark's root warning goes to stderr
}

for (const name of SCENARIO_NAMES) {
  test(`tshark reads the ${name} demo capture: valid checksums, counts equal to the trace`, (t) => {
    if (!haveTshark) {
      if (process.env.FINACK_REQUIRE_SYSTEM === '1')
        assert.fail(`${why}; FINACK_REQUIRE_SYSTEM=1 makes this a failure`);
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'finack-tshark-'));
    try {
      const file = join(dir, `${name}.pcap`);
      const code = main(['demo', name, '--pcap', file, '--format', 'json'], { stdout: () => {}, stderr: () => {} });
      assert.equal(code, 0);
      const check = ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
      const bad = tshark([
        ...check,
        '-Y',
        '_ws.malformed || _ws.expert.severity == error || tcp.checksum.status == 0 || ip.checksum.status == 0',
      ]);
      assert.equal(bad.trim(), '', 'no malformed packet and no bad checksum');
      // Frames per conversation, keyed as the trace labels connections: 'addr:port>addr:port' of the sender.
      const rows = tshark([
        ...check,
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'tcp.srcport',
        '-e',
        'ip.dst',
        '-e',
        'tcp.dstport',
      ]);
      const seen = new Map<string, number>();
      for (const line of rows.trim().split('\n').filter(Boolean)) {
        const [src, sport, dst, dport] = line.split('\t');
        const key = `${src}:${sport}>${dst}:${dport}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      const expected = new Map<string, number>();
      for (const e of runScenario(name).events) {
        if (e.type === 'send') expected.set(e.conn, (expected.get(e.conn) ?? 0) + 1);
      }
      assert.ok(expected.size > 0);
      assert.deepEqual(Object.fromEntries([...seen].sort()), Object.fromEntries([...expected].sort()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
