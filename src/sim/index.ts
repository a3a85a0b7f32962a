// The simulator's public API: a deterministic network of finack hosts in virtual time.
//
//   const sim = new SimNetwork({ seed: 1, link: { latency: 10 } });
//   const client = sim.host('192.0.2.1', { name: 'client' });
//   const server = sim.host('192.0.2.2', { name: 'server' });
//   server.listen(80).onAccept = (s) => s.on('peer-fin', () => s.close());
//   const c = client.connect({ addr: '192.0.2.2', port: 80 });
//   c.on('connected', () => { c.write('hello'); c.close(); });
//   sim.fault({ from: 'server', match: matchers.fin, action: 'drop' });   // lose the server's first FIN
//   sim.run();                                                            // to idle, in virtual time

export { Rng } from '../base/rng.js';
export { DEFAULT_LINK, Link, type LinkOptions, type LinkVerdict, resolveLink } from '../io/link.js';
export { VirtualClock } from './clock.js';
export { type Fault, type FaultAction, type FaultHandle, matchers } from './faults.js';
export { type ConnectOptions, type HostOptions, type ListenOptions, SimConn, SimHost, SimListener } from './host.js';
export {
  DEFAULT_MAX_STEPS,
  type SimLinkOptions,
  SimNetwork,
  type SimNetworkOptions,
  type WireFate,
  type WirePacket,
} from './network.js';
