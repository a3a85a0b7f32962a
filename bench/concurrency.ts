// Concurrency: 10,000 connections opened at once through the net API (every connect() issued before
// the first completes), each a request/response (1 B echoed with end(d)) and a close. Every one must
// reach 'close'; the row is the wall time until the last does. The kernel's echo server runs in a
// child process on 127.0.0.1, because both ends of 10,000 connections (20,000 descriptors) do not
// fit under this machine's open-file limit of one process; its clients run here, as finack's do.

import { alternate, compared, count, notMeasured, type Row, type RunOptions, type Workload } from './common.js';
import { concurrent } from './netload.js';
import { kernelEnds, onSim } from './stacks.js';
import { Peer } from './system.js';

export const concurrencyWorkload: Workload = {
  name: 'concurrency',
  describe: '10,000 connections at once, each a request/response and a close; all must complete',
  async run(opts: RunOptions): Promise<Row[]> {
    const total = opts.quick ? 500 : 10_000;
    const rounds = opts.quick ? 1 : 3;
    const timeout = 120_000;
    const base = {
      workload: 'concurrency',
      name: `${count(total)} concurrent connections, request/response + close`,
      unit: 's',
      better: 'lower' as const,
      refLabel: 'kernel',
      target: 'all complete, none stuck',
    };
    opts.progress(`${count(total)} connections at once × ${rounds} rounds each`);
    const server = new Peer(['echo-server', '127.0.0.1', String(total)], 'kernel echo server');
    try {
      const { port } = await server.line<{ port: number }>(30_000);
      const r = await alternate(
        rounds,
        opts.budgetMs,
        () => onSim({}, (ends) => concurrent(ends, total, timeout)),
        () => concurrent(kernelEnds, total, timeout, port),
        (i) => opts.progress(`  round ${i + 1}/${rounds} done`),
      );
      // concurrent() rejects unless every connection closed, so a row means all completed.
      const row = compared(
        { ...base, size: `${count(total)} × ${r.a.length}` },
        r.a.map((ms) => ms / 1000),
        r.b.map((ms) => ms / 1000),
        () => true,
      );
      row.note = `every one of the ${count(total)} connections reached 'close' in every round; the kernel's server is a separate process (open-file limit)`;
      return [row];
    } catch (e) {
      return [
        {
          ...notMeasured({ ...base, size: count(total) }, 'failed', e instanceof Error ? e.message : String(e)),
          met: false,
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
