// The driver loop: the one place where a sans-IO Endpoint meets a clock and a wire. The simulator's
// hosts use it with a virtual clock; the TUN driver uses it with drivers/node-clock.ts.
//
// Every input goes through call(): a packet, a user call or a timer wakeup. After the core returns,
// the loop (1) transmits the output packets in order, (2) re-arms exactly one wakeup at
// endpoint.nextDeadline(), and (3) dispatches the events. Events are delivered only after the core
// call has returned, and in order: if an event handler makes another call (writing more data on
// 'writable', say), that call's events are queued behind the ones still being dispatched.

import type { EndpointEvent, EndpointOutput, Packet } from '../core/endpoint.js';
import type { Instant } from '../core/time.js';
import { NO_TRACE, type TraceSink, wireDropReason } from '../trace/events.js';
import { decodePacket } from '../wire/ip.js';
import type { Clock } from './clock.js';

/** What the loop needs of an Endpoint (the real one, or a stand-in in tests). */
export interface LoopEndpoint {
  handlePacket(pkt: Packet, now: Instant): EndpointOutput;
  /**
   * Raw IP bytes: decode, count and trace what does not decode, handle the rest (Endpoint does).
   * A stand-in without it gets the loop's own decoding (decode, trace a drop, handlePacket).
   */
  handleDatagram?(bytes: Uint8Array, now: Instant): EndpointOutput;
  handleTimeout(now: Instant): EndpointOutput;
  nextDeadline(): Instant | undefined;
}

export interface DriverLoopOptions<E extends LoopEndpoint = LoopEndpoint> {
  endpoint: E;
  clock: Clock;
  /** Puts one packet on the wire. Called in output order, before any event of the same call is dispatched. */
  transmit: (pkt: Packet) => void;
  /** Receives every endpoint event, after the core call that produced it has returned. */
  dispatch?: (ev: EndpointEvent) => void;
  /** Name for trace events the loop emits itself (undecodable packets, stand-in endpoints only). */
  name?: string;
  trace?: TraceSink;
}

export class DriverLoop<E extends LoopEndpoint = LoopEndpoint> {
  readonly endpoint: E;
  readonly clock: Clock;
  readonly name: string;
  #transmit: (pkt: Packet) => void;
  #dispatch: (ev: EndpointEvent) => void;
  #trace: TraceSink;
  #armedAt: Instant | undefined;
  #cancelWakeup: (() => void) | undefined;
  #pending: EndpointEvent[] = [];
  #dispatching = false;
  #stopped = false;
  /** #wakeup as one function, made once (the wakeup is re-armed after most calls). */
  readonly #wake = (): void => this.#wakeup();

  constructor(opts: DriverLoopOptions<E>) {
    this.endpoint = opts.endpoint;
    this.clock = opts.clock;
    this.name = opts.name ?? '';
    this.#transmit = opts.transmit;
    this.#dispatch = opts.dispatch ?? (() => {});
    this.#trace = opts.trace ?? NO_TRACE;
  }

  /** When the single wakeup is armed, or undefined when the endpoint has no deadline. */
  get armedAt(): Instant | undefined {
    return this.#armedAt;
  }

  /**
   * Runs one input against the endpoint at clock.now() and handles its output. `fn` gets `now` and
   * returns the endpoint's output (it may carry more fields, e.g. `data`, which are returned as is).
   * If `fn` throws (API misuse), nothing is transmitted and the error propagates.
   */
  call<T extends EndpointOutput>(fn: (now: Instant) => T): T {
    const out = fn(this.clock.now());
    this.#flush(out);
    return out;
  }

  /** A decoded packet arrived from the wire. */
  handlePacket(pkt: Packet): void {
    this.call((now) => this.endpoint.handlePacket(pkt, now));
  }

  /**
   * Raw IP bytes arrived from the wire. The endpoint decodes them (handleDatagram), so drops of
   * undecodable bytes are counted and traced in the core for every driver. For an endpoint without
   * handleDatagram the loop decodes them itself and traces the drop under its own name.
   */
  handleBytes(bytes: Uint8Array): void {
    const ep = this.endpoint;
    const handleDatagram = ep.handleDatagram;
    if (handleDatagram !== undefined) {
      // As call(), without a closure per packet.
      this.#flush(handleDatagram.call(ep, bytes, this.clock.now()));
      return;
    }
    const r = decodePacket(bytes);
    if (!r.ok) {
      this.#trace({
        t: this.clock.now(),
        endpoint: this.name,
        conn: '',
        type: 'drop',
        reason: wireDropReason(r.error.code),
      });
      return;
    }
    this.handlePacket(r.value);
  }

  /** Re-arms the wakeup after a change that produced no output (e.g. a setting changed). */
  poll(): void {
    this.#rearm();
  }

  /** Cancels the wakeup and ignores later timer firings. Inputs still work (for a final inspection). */
  stop(): void {
    this.#stopped = true;
    this.#cancelWakeup?.();
    this.#cancelWakeup = undefined;
    this.#armedAt = undefined;
  }

  #flush(out: EndpointOutput): void {
    for (const pkt of out.packets) this.#transmit(pkt);
    this.#rearm();
    for (const ev of out.events) this.#pending.push(ev);
    // Inside a handler, the outer dispatch drains the queue in order.
    if (this.#dispatching || this.#pending.length === 0) return;
    this.#dispatching = true;
    let i = 0;
    try {
      while (i < this.#pending.length) {
        const ev = this.#pending[i++] as EndpointEvent;
        this.#dispatch(ev);
      }
    } finally {
      // Normally everything was seen; if a handler threw, the rest waits for the next flush.
      if (i === this.#pending.length) this.#pending.length = 0;
      else this.#pending.splice(0, i);
      this.#dispatching = false;
    }
  }

  #rearm(): void {
    if (this.#stopped) return;
    const deadline = this.endpoint.nextDeadline();
    if (deadline === this.#armedAt) return;
    this.#cancelWakeup?.();
    this.#cancelWakeup = undefined;
    this.#armedAt = deadline;
    if (deadline === undefined) return;
    this.#cancelWakeup = this.clock.schedule(deadline, this.#wake);
  }

  #wakeup(): void {
    this.#cancelWakeup = undefined;
    this.#armedAt = undefined;
    if (this.#stopped) return;
    this.call((now) => this.endpoint.handleTimeout(now));
  }
}
