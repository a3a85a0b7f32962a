// Bulk: 256 MiB one way through the net API, the receiver SHA-256 hashing every chunk, the same code
// on the kernel (node:net over 127.0.0.1) and on two simulated finack hosts. Rows: the simulated link
// at MTU 1500 with checksums computed and verified (the default), at MTU 65535 (MSS 65495), and at
// MTU 1500 with checksum offload (the link's `checksumOffload`: no TCP checksum is computed or
// verified, as on loopback).

import { alternate, bytesLabel, compared, MiB, mbps, type Row, type RunOptions, type Workload } from './common.js';
import { bulk, expectedDigest } from './netload.js';
import { kernelEnds, onSim } from './stacks.js';

const CHUNK = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 3) & 0xff);

export const bulkWorkload: Workload = {
  name: 'bulk',
  describe: 'one connection, 256 MiB one way, receiver SHA-256s every chunk',
  async run(opts: RunOptions): Promise<Row[]> {
    const total = opts.quick ? 4 * MiB : 256 * MiB;
    const rounds = opts.quick ? 1 : 5;
    const digest = expectedDigest(CHUNK, total);
    const timeout = opts.quick ? 60_000 : 120_000;
    const kernel = async (): Promise<number> => check(await bulk(kernelEnds, total, CHUNK, timeout), digest);
    const variants = [
      { key: 'mtu1500', label: 'bulk, MTU 1500, checksums', link: {}, config: {}, target: 1.0 },
      {
        key: 'mtu65535',
        label: 'bulk, MTU 65535, checksums',
        link: { mtu: 65535 },
        config: { mss: 65495 },
        target: 1.5,
      },
      {
        key: 'offload',
        label: 'bulk, MTU 1500, checksum offload',
        link: { checksumOffload: true },
        config: {},
        target: 1.5,
      },
    ];
    const rows: Row[] = [];
    for (const v of variants) {
      opts.progress(`${v.label}: ${bytesLabel(total)} × ${rounds} rounds each`);
      const finack = (): Promise<number> =>
        onSim({ link: v.link, config: v.config }, async (ends) =>
          check(await bulk(ends, total, CHUNK, timeout), digest),
        );
      const r = await alternate(rounds, opts.budgetMs / variants.length, finack, kernel, (i) =>
        opts.progress(`  ${v.label}: round ${i + 1}/${rounds} done`),
      );
      rows.push(
        compared(
          {
            workload: 'bulk',
            name: v.label,
            size: `${bytesLabel(total)} × ${r.a.length}`,
            unit: 'MB/s',
            better: 'higher',
            refLabel: 'kernel',
            target: `≥ ${v.target.toFixed(1)}× kernel`,
          },
          r.a.map((ms) => mbps(total, ms)),
          r.b.map((ms) => mbps(total, ms)),
          (_f, ratio) => ratio !== undefined && ratio >= v.target,
        ),
      );
    }
    return rows;
  },
};

function check(r: { ms: number; bytes: number; digest: string }, digest: string): number {
  if (r.digest !== digest) throw new Error(`bulk: receiver got ${r.bytes} bytes with the wrong SHA-256`);
  return r.ms;
}
