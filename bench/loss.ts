// Loss: bulk 64 MiB one way (receiver hashing, as in bulk.ts) with 0%, 1% and 5% of IP packets lost
// at random in both directions. finack: the simulated link's `loss` on both directions, SACK on at
// both hosts (RFC 6675 recovery; finack's default profile has it off), a new seed per round. Kernel:
// node:net over the loopback of a network namespace this workload makes (and always deletes), with
// the same loss applied by nftables (`numgen random mod 1000 < N drop` on lo's output hook, which
// every packet of both directions passes once); this kernel has no netem. Both sides in one process.
//
// Packet sizes: loopback hands TCP segments of up to 64 KiB (GSO) to nftables as one packet each, so
// finack's link runs at MTU 65535 (MSS 65495) here, and a loss rate means the same thing per packet
// on both. The 0% row is the lossless ratio the target compares with.

import {
  alternate,
  bytesLabel,
  compared,
  errorText,
  MiB,
  mbps,
  notMeasured,
  notRoot,
  type Row,
  type RunOptions,
  type Workload,
} from './common.js';
import { bulk, expectedDigest } from './netload.js';
import { onSim } from './stacks.js';
import { haveTool, type Netns, runPeer, withNetns } from './system.js';

const CHUNK = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 3) & 0xff);
const LEVELS = [0, 0.01, 0.05];

function setLoss(ns: Netns, loss: number): void {
  ns.exec('nft', ['flush', 'ruleset']);
  if (loss === 0) return;
  ns.exec('nft', ['add', 'table', 'inet', 'finack_bench']);
  ns.exec('nft', ['add', 'chain', 'inet', 'finack_bench', 'out', '{ type filter hook output priority 0; }']);
  const perMille = String(Math.round(loss * 1000));
  ns.exec('nft', [
    'add',
    'rule',
    'inet',
    'finack_bench',
    'out',
    'oifname',
    'lo',
    'numgen',
    'random',
    'mod',
    '1000',
    '<',
    perMille,
    'drop',
  ]);
}

export const lossWorkload: Workload = {
  name: 'loss',
  describe: 'bulk 64 MiB at 0%, 1% and 5% random packet loss; kernel in a namespace with nftables loss',
  async run(opts: RunOptions): Promise<Row[]> {
    const total = opts.quick ? 4 * MiB : 64 * MiB;
    const rounds = opts.quick ? 1 : 5;
    const timeout = opts.quick ? 30_000 : 60_000;
    const digest = expectedDigest(CHUNK, total);
    const base = (loss: number) => ({
      workload: 'loss',
      name: `bulk with ${loss * 100}% loss, SACK on`,
      size: `${bytesLabel(total)} × ${rounds}`,
      unit: 'MB/s',
      better: 'higher' as const,
      refLabel: 'kernel',
      target: loss === 0 ? '— (the lossless ratio)' : loss === 0.01 ? 'ratio ≥ 0.8 × lossless ratio' : '— (reported)',
    });
    const why = notRoot() ?? (haveTool('nft') ? undefined : 'nft not installed (apt-get install nftables)');
    if (why !== undefined) return LEVELS.map((l) => notMeasured(base(l), 'skipped', why));

    return withNetns(['loss'], async ([ns]) => {
      const rows: Row[] = [];
      let lossless: number | undefined;
      for (const loss of LEVELS) {
        const label = `${loss * 100}% loss`;
        opts.progress(`${label}: ${bytesLabel(total)} × ${rounds} rounds each (namespace ${(ns as Netns).name})`);
        try {
          setLoss(ns as Netns, loss);
          let seed = 0;
          const r = await alternate(
            rounds,
            opts.budgetMs / LEVELS.length,
            () =>
              onSim(
                { seed: ++seed, link: { mtu: 65535, loss }, config: { mss: 65495, sackPermitted: true } },
                async (ends) => {
                  const got = await bulk(ends, total, CHUNK, timeout);
                  if (got.digest !== digest) throw new Error('loss: wrong SHA-256 at the finack receiver');
                  return got.ms;
                },
              ),
            async () => {
              const got = await runPeer<{ ms: number }>(
                ['loop-bulk', String(total), String(timeout)],
                'kernel bulk in the namespace',
                timeout + 30_000,
                (ns as Netns).name,
              );
              return got.ms;
            },
            (i) => opts.progress(`  ${label}: round ${i + 1}/${rounds} done`),
          );
          const row = compared(
            { ...base(loss), size: `${bytesLabel(total)} × ${r.a.length}` },
            r.a.map((ms) => mbps(total, ms)),
            r.b.map((ms) => mbps(total, ms)),
          );
          if (loss === 0) lossless = row.ratio;
          else if (loss === 0.01 && lossless !== undefined && row.ratio !== undefined) {
            row.met = row.ratio >= 0.8 * lossless;
            row.note = `lossless ratio ${lossless.toFixed(2)}; this one is ${(row.ratio / lossless).toFixed(2)} of it`;
          }
          rows.push(row);
        } catch (e) {
          rows.push(notMeasured(base(loss), 'failed', errorText(e)));
        }
      }
      return rows;
    });
  },
};
