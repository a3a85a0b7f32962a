// Churn: full lifecycles, connect → write 1 B → the server echoes it with end(d) → the client's end()
// → 'close', one after another and with 64 clients at once. Through the net API on both stacks, and
// through the core alone on the simulated network: SimHost handles (SimConn, SimListener) on the
// same SimNetwork, with no net Socket, so the cost of the net layer is the difference. The server
// closes first, so TIME-WAIT records pile up at the server as they really would (on the kernel too).

import {
  CLIENT_ADDR,
  compared,
  count,
  now,
  type Row,
  type RunOptions,
  reference,
  rotate,
  SERVER_ADDR,
  type Workload,
} from './common.js';
import { SimNetwork } from './finack.js';
import { churn } from './netload.js';
import { kernelEnds, onSim } from './stacks.js';

const ONE = new Uint8Array([0x2a]);

/**
 * `total` lifecycles through the core alone (SimHost handles, no net Socket), `parallel` at a time,
 * the simulated network run synchronously until the last client connection is CLOSED. Wall ms.
 */
export function coreChurn(total: number, parallel: number): number {
  const sim = new SimNetwork({ seed: 1 });
  const server = sim.host(SERVER_ADDR, { name: 'server' });
  const client = sim.host(CLIENT_ADDR, { name: 'client' });
  const listener = server.listen(80, { backlog: 1024 });
  listener.onAccept = (s) => {
    let echoed = false;
    s.on('readable', () => {
      if (echoed || s.received.length === 0) return;
      echoed = true;
      for (const d of s.received) s.write(d);
      s.close(); // like end(d) with allowHalfOpen off: FIN after the echo, nothing more to read
    });
  };
  let started = 0;
  let done = 0;
  let failed = 0;
  const start = (): void => {
    started++;
    const c = client.connect({ addr: SERVER_ADDR, port: 80 });
    c.on('connected', () => c.write(ONE));
    c.on('peer-fin', () => c.close());
    c.on('error', () => failed++);
    c.on('closed', () => done++);
  };
  const t0 = now();
  const deadline = t0 + 120_000;
  while (done < total) {
    while (started < total && started - done < parallel) start();
    // Run until a client connection closed (a slot is free) or all are done; TIME-WAIT expiry at the
    // server is never waited for.
    const target = done + 1;
    if (!sim.runUntil(() => done >= target)) throw new Error(`core churn: stuck after ${done} of ${total}`);
    if (now() > deadline) throw new Error(`core churn: ${done} of ${total} within 120 s`);
  }
  if (failed > 0) throw new Error(`core churn: ${failed} connections failed`);
  return now() - t0;
}

export const churnWorkload: Workload = {
  name: 'churn',
  describe: 'full lifecycles (connect, 1 B echoed with end(d), end(), close), sequential and 64 at once',
  async run(opts: RunOptions): Promise<Row[]> {
    const total = opts.quick ? 100 : 3_000;
    const rounds = opts.quick ? 1 : 5;
    const timeout = 120_000;
    const rows: Row[] = [];
    for (const parallel of [1, 64]) {
      const how = parallel === 1 ? 'sequential' : `${parallel} concurrent`;
      const perSec = (ms: number): number => total / (ms / 1000);
      const kernel = async (): Promise<number> => churn(kernelEnds, total, parallel, timeout);

      opts.progress(`${how}: ${count(total)} lifecycles × ${rounds} rounds, net API, core alone and kernel in turn`);
      const [net = [], core = [], kern = []] = await rotate(
        rounds,
        opts.budgetMs / 2,
        [
          () => onSim({}, (ends) => churn(ends, total, parallel, timeout)),
          async () => coreChurn(total, parallel),
          reference(kernel),
        ],
        (i) => opts.progress(`  ${how}: round ${i + 1}/${rounds} done`),
      );
      rows.push(
        compared(
          {
            workload: 'churn',
            name: `churn, net API, ${how}`,
            size: `${count(total)} × ${net.length}`,
            unit: '/s',
            better: 'higher',
            refLabel: 'kernel',
            target: '≥ 10× kernel',
          },
          net.map(perSec),
          kern.map(perSec),
          (_f, ratio) => ratio !== undefined && ratio >= 10,
        ),
      );
      rows.push(
        compared(
          {
            workload: 'churn',
            name: `churn, core alone (SimHost handles), ${how}`,
            size: `${count(total)} × ${core.length}`,
            unit: '/s',
            better: 'higher',
            refLabel: 'kernel',
            target: '— (shows the net layer’s cost)',
          },
          core.map(perSec),
          kern.map(perSec),
        ),
      );
    }
    return rows;
  },
};
