// Two Endpoints wired back to back by hand, with no network, no encoding and no clock of their own:
// the core alone. Packets one endpoint outputs are handed to the other at once (a FIFO, so
// order is kept and recursion is bounded); time is whatever `now` the caller sets. Used where the
// row is about the core's own cost: heap per connection and per TIME-WAIT record, timers.

import { CLIENT_ADDR, SERVER_ADDR } from './common.js';
import { Endpoint, type EndpointEvent, type EndpointOutput, type Packet, type TcpConfig } from './finack.js';

export class CorePair {
  readonly server: Endpoint;
  readonly client: Endpoint;
  now = 0;
  /** Events of the last pump, per side, in order. */
  readonly serverEvents: EndpointEvent[] = [];
  readonly clientEvents: EndpointEvent[] = [];
  /** When false, packets from the client are dropped (the server "died"). */
  deliverToServer = true;
  #queue: Packet[] = [];
  #head = 0;
  #pumping = false;

  constructor(config: Partial<TcpConfig> = {}, clientConfig: Partial<TcpConfig> = {}) {
    const mk = (name: string, addr: string, cfg: Partial<TcpConfig>, seed: number): Endpoint => {
      let x = seed;
      return new Endpoint({
        name,
        addresses: [addr],
        isnSecret: new Uint8Array(16).fill(seed),
        random: () => {
          x = (x * 1103515245 + 12345) % 2147483648;
          return x / 2147483648;
        },
        config: cfg,
        // The memory rows hold a million TIME-WAIT records, past the default limit of 262,144.
        limits: { timeWait: Number.POSITIVE_INFINITY },
        strict: true,
      });
    };
    this.server = mk('server', SERVER_ADDR, config, 7);
    this.client = mk('client', CLIENT_ADDR, { ...config, ...clientConfig }, 11);
  }

  /** Takes an output of either endpoint: queues its packets, records its events, and delivers until quiet. */
  absorb(from: Endpoint, out: EndpointOutput): void {
    const evs = from === this.server ? this.serverEvents : this.clientEvents;
    for (const e of out.events) evs.push(e);
    for (const p of out.packets) this.#queue.push(p);
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#drain();
    } finally {
      this.#queue.length = 0;
      this.#head = 0;
      this.#pumping = false;
    }
  }

  #drain(): void {
    while (this.#head < this.#queue.length) {
      const p = this.#queue[this.#head++] as Packet;
      const toServer = p.dst === SERVER_ADDR;
      if (toServer && !this.deliverToServer) continue;
      const to = toServer ? this.server : this.client;
      const out = to.handlePacket(p, this.now);
      const evs = toServer ? this.serverEvents : this.clientEvents;
      for (const e of out.events) evs.push(e);
      for (const q of out.packets) this.#queue.push(q);
    }
  }

  /** Serves both endpoints' timers due at `t` (time moves to t). */
  timeout(t: number): void {
    this.now = t;
    this.absorb(this.server, this.server.handleTimeout(t));
    this.absorb(this.client, this.client.handleTimeout(t));
  }

  /** Runs every deadline of both endpoints up to `until`, in order. Returns how many instants were served. */
  runUntil(until: number): number {
    let n = 0;
    for (;;) {
      const a = this.server.nextDeadline();
      const b = this.client.nextDeadline();
      const next = a === undefined ? b : b === undefined ? a : Math.min(a, b);
      if (next === undefined || next > until) break;
      this.timeout(Math.max(next, this.now));
      n++;
    }
    if (until > this.now) this.now = until;
    return n;
  }

  clearEvents(): void {
    this.serverEvents.length = 0;
    this.clientEvents.length = 0;
  }
}
