// TUN: the kernel's TCP talking to finack through a TUN device, against the kernel talking to itself
// over a veth pair, in the same run. Everything lives in network namespaces this workload makes and
// always deletes:
//   finack-bench-tun-*:   TUN interface fbt0; the kernel owns 192.0.2.1/24, finack (peer.ts
//                         tun-server, the net API on a TunDriver, real time) answers as 192.0.2.2
//   finack-bench-va-*, finack-bench-vb-*: a veth pair, 198.51.100.1/24 and 198.51.100.2/24, with a
//                         node:net server (peer.ts sink-server) in vb
// In both cases the server and the client are two processes (peer.ts), the client is node:net in
// the kernel. Rows: a client sending 256 MiB (timed until the server's FIN after the last byte:
// everything arrived), and lifecycles/s (connect, 1 B echoed with end(d), end(), close), sequential
// and 64 at once. Both links have MTU 1500.

import { existsSync } from 'node:fs';
import {
  alternate,
  bytesLabel,
  compared,
  count,
  errorText,
  MiB,
  mbps,
  notMeasured,
  notRoot,
  type Row,
  type RunOptions,
  type Workload,
} from './common.js';
import { type Netns, Peer, runPeer, withNetns } from './system.js';

const TUN_KERNEL = '192.0.2.1';
const TUN_FINACK = '192.0.2.2';
const VETH_A = '198.51.100.1';
const VETH_B = '198.51.100.2';

interface Ready {
  sinkPort: number;
  echoPort: number;
}

export const tunWorkload: Workload = {
  name: 'tun',
  describe: 'kernel client → finack server over TUN vs kernel → kernel over veth (namespaces)',
  async run(opts: RunOptions): Promise<Row[]> {
    const total = opts.quick ? 8 * MiB : 256 * MiB;
    const lifecycles = opts.quick ? 200 : 2_000;
    const rounds = opts.quick ? 1 : 3;
    const timeout = opts.quick ? 30_000 : 90_000;
    const bases = [
      {
        workload: 'tun',
        name: `TUN bulk, kernel → finack, ${bytesLabel(total)}`,
        size: `${bytesLabel(total)} × ${rounds}`,
        unit: 'MB/s',
        better: 'higher' as const,
        refLabel: 'veth',
        target: '≥ 0.5× veth',
      },
      ...[1, 64].map((p) => ({
        workload: 'tun',
        name: `TUN lifecycles, kernel → finack, ${p === 1 ? 'sequential' : `${p} concurrent`}`,
        size: `${count(lifecycles)} × ${rounds}`,
        unit: '/s',
        better: 'higher' as const,
        refLabel: 'veth',
        target: '— (reported)',
      })),
    ];
    const why =
      notRoot() ??
      (existsSync('/dev/net/tun') ? undefined : 'no /dev/net/tun') ??
      (existsSync(new URL('../node_modules/koffi', import.meta.url))
        ? undefined
        : 'koffi (optional dependency) not installed');
    if (why !== undefined) return bases.map((b) => notMeasured(b, 'skipped', why));

    return withNetns(['tun', 'va', 'vb'], async ([tun, va, vb]) => {
      const t = tun as Netns;
      const a = va as Netns;
      const b = vb as Netns;
      // veth pair between va and vb.
      a.exec('ip', ['link', 'add', 'fbva', 'type', 'veth', 'peer', 'name', 'fbvb']);
      a.exec('ip', ['link', 'set', 'fbvb', 'netns', b.name]);
      a.exec('ip', ['addr', 'add', `${VETH_A}/24`, 'dev', 'fbva']);
      b.exec('ip', ['addr', 'add', `${VETH_B}/24`, 'dev', 'fbvb']);
      a.exec('ip', ['link', 'set', 'fbva', 'up']);
      b.exec('ip', ['link', 'set', 'fbvb', 'up']);

      const finack = new Peer(['tun-server', 'fbt0', `${TUN_KERNEL}/24`, TUN_FINACK], 'finack TUN server', t.name);
      const kernel = new Peer(['sink-server', VETH_B], 'kernel veth server', b.name);
      try {
        let fr: Ready;
        let kr: Ready;
        try {
          fr = await finack.line<Ready>(30_000);
          kr = await kernel.line<Ready>(30_000);
        } catch (e) {
          return bases.map((x) => notMeasured(x, 'failed', errorText(e)));
        }
        const rows: Row[] = [];
        const bulkOn = async (ns: Netns, host: string, port: number): Promise<number> =>
          (
            await runPeer<{ ms: number }>(
              ['bulk-client', host, String(port), String(total), String(timeout)],
              `bulk client in ${ns.name}`,
              timeout + 30_000,
              ns.name,
            )
          ).ms;
        opts.progress(`bulk ${bytesLabel(total)} × ${rounds} rounds each`);
        try {
          const r = await alternate(
            rounds,
            opts.budgetMs / 2,
            () => bulkOn(t, TUN_FINACK, fr.sinkPort),
            () => bulkOn(a, VETH_B, kr.sinkPort),
            (i) => opts.progress(`  bulk: round ${i + 1}/${rounds} done`),
          );
          rows.push(
            compared(
              { ...(bases[0] as (typeof bases)[0]), size: `${bytesLabel(total)} × ${r.a.length}` },
              r.a.map((ms) => mbps(total, ms)),
              r.b.map((ms) => mbps(total, ms)),
              (_f, ratio) => ratio !== undefined && ratio >= 0.5,
            ),
          );
        } catch (e) {
          rows.push(notMeasured(bases[0] as (typeof bases)[0], 'failed', errorText(e)));
        }
        for (const [i, parallel] of [1, 64].entries()) {
          const base = bases[i + 1] as (typeof bases)[1];
          const churnOn = async (ns: Netns, host: string, port: number): Promise<number> =>
            (
              await runPeer<{ ms: number }>(
                ['churn-client', host, String(port), String(lifecycles), String(parallel), String(timeout)],
                `churn client in ${ns.name}`,
                timeout + 30_000,
                ns.name,
              )
            ).ms;
          opts.progress(
            `lifecycles, ${parallel === 1 ? 'sequential' : `${parallel} concurrent`}: ${count(lifecycles)} × ${rounds} rounds each`,
          );
          try {
            const r = await alternate(
              rounds,
              opts.budgetMs / 4,
              () => churnOn(t, TUN_FINACK, fr.echoPort),
              () => churnOn(a, VETH_B, kr.echoPort),
              (k) => opts.progress(`  lifecycles: round ${k + 1}/${rounds} done`),
            );
            rows.push(
              compared(
                { ...base, size: `${count(lifecycles)} × ${r.a.length}` },
                r.a.map((ms) => lifecycles / (ms / 1000)),
                r.b.map((ms) => lifecycles / (ms / 1000)),
              ),
            );
          } catch (e) {
            rows.push(notMeasured(base, 'failed', errorText(e)));
          }
        }
        return rows;
      } finally {
        await finack.stop();
        await kernel.stop();
      }
    });
  },
};
