// The two stacks the net-API workloads run on: the kernel through node:net over 127.0.0.1, and a
// fresh simulated network of two finack hosts (192.0.2.1 serves, 192.0.2.2 connects) in virtual time.

import * as nodeNet from 'node:net';
import { CLIENT_ADDR, SERVER_ADDR } from './common.js';
import { type SimLinkOptions, SimNetwork, type TcpConfig } from './finack.js';
import type { Ends, NetLike } from './netload.js';

export const kernelEnds: Ends = {
  server: nodeNet as unknown as NetLike,
  serverHost: '127.0.0.1',
  client: nodeNet as unknown as NetLike,
};

export interface SimEnds extends Ends {
  sim: SimNetwork;
  /** Stops the network's driver, so that nothing of it runs during the next sample. */
  dispose(): void;
}

/**
 * Two hosts on a new SimNetwork. `link` sets both directions (default: the simulator's defaults,
 * 10 ms one way, MTU 1500, in virtual time); `config` is every connection's TCP settings.
 */
export function simEnds(opts: { link?: SimLinkOptions; config?: Partial<TcpConfig>; seed?: number } = {}): SimEnds {
  const sim = new SimNetwork({
    seed: opts.seed ?? 1,
    ...(opts.link !== undefined ? { link: opts.link } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
  });
  const server = sim.host(SERVER_ADDR, { name: 'server' }).net;
  const client = sim.host(CLIENT_ADDR, { name: 'client' }).net;
  return {
    sim,
    server: server as unknown as NetLike,
    serverHost: SERVER_ADDR,
    client: client as unknown as NetLike,
    dispose: () => server.driver.stop(),
  };
}

/** Runs `fn` on fresh simulated ends and disposes of them afterwards. */
export async function onSim<T>(opts: Parameters<typeof simEnds>[0], fn: (ends: SimEnds) => Promise<T>): Promise<T> {
  const ends = simEnds(opts);
  try {
    return await fn(ends);
  } finally {
    ends.dispose();
  }
}
