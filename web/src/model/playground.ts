// The playground's world: a client and a server on finack's simulated network, in virtual time that
// the page advances (play, pause, step). The same SimNetwork, Endpoint and Connection the Node
// package runs; this file only keeps the handles, the wire log and the views' bookkeeping.
// No DOM here, so the tests drive it in Node as the page does.

import { TcpError } from '../../../src/base/errors.js';
import type { ConnectionRow, Packet } from '../../../src/core/endpoint.js';
import type { TcpStateName } from '../../../src/core/state.js';
import type { Instant } from '../../../src/core/time.js';
import type { TimerKind } from '../../../src/core/timers.js';
import { tupleLabel } from '../../../src/core/tuple.js';
import {
  matchers,
  type SimConn,
  type SimHost,
  type SimListener,
  SimNetwork,
  type WirePacket,
} from '../../../src/sim/index.js';
import type { TraceEvent } from '../../../src/trace/events.js';
import type { LadderNote } from '../../../src/trace/ladder.js';
import { TraceRecorder } from '../../../src/trace/recorder.js';
import { ACK, FIN, SYN } from '../../../src/wire/segment.js';
import { cloneSettings, type DirectionSettings, peerOf, type Settings, type Side } from './settings.js';

export const CLIENT_ADDR = '192.0.2.1';
export const SERVER_ADDR = '198.51.100.1';
export const SERVER_PORT = 80;

/** What a user action did: ok, or the error the stack gave (shown, never thrown). */
export type ActionResult = { ok: true } | { ok: false; code: string; message: string };

export type DropKind = 'any' | 'fin' | 'final-ack' | 'data';

/** A timer running on one side, from the trace. */
export interface RunningTimer {
  kind: TimerKind;
  armedAt: Instant;
  deadline: Instant;
  /** Times it was armed again (a 2MSL restart, a retransmission backing off). */
  restarts: number;
}

/** A packet on the wire that has not arrived yet. */
export interface InFlight {
  from: Side;
  t: Instant;
  arrive: Instant;
  packet: Packet;
}

/** The sequence spaces of one side, relative to its ISN (send) and the peer's (receive). */
export interface SeqSpace {
  sndUna: number;
  sndNxt: number;
  sndWnd: number;
  rcvNxt: number;
  rcvWnd: number;
  iss: number;
  irs: number;
}

export interface Transition {
  t: Instant;
  from: TcpStateName;
  to: TcpStateName;
  cause: string;
}

export class Playground {
  readonly settings: Settings;
  readonly rec: TraceRecorder;
  readonly net: SimNetwork;
  readonly hosts: Record<Side, SimHost>;
  readonly listener: SimListener;
  /** Every packet put on the wire, with its fate. */
  readonly wire: WirePacket[] = [];
  /** Narration: the user's actions, at their time. */
  readonly notes: LadderNote[] = [];
  /** The FIN sequence end (FIN seq + 1) each side sent last, for "drop the final ACK". */
  readonly #finEnd: Partial<Record<Side, number>> = {};
  readonly #timers = new Map<string, RunningTimer>();
  #partitioned = false;

  constructor(settings: Settings) {
    this.settings = cloneSettings(settings);
    const s = this.settings;
    this.rec = new TraceRecorder({ now: () => this.net.now, forward: (e) => this.#onTrace(e) });
    this.net = new SimNetwork({
      seed: s.seed,
      config: { msl: s.msl, timestamps: s.timestamps },
      trace: this.rec.sink,
    });
    this.hosts = {
      client: this.net.host(CLIENT_ADDR, { name: 'client' }),
      server: this.net.host(SERVER_ADDR, { name: 'server' }),
    };
    this.applyLinks();
    this.net.tap((p) => this.#onWire(p));
    this.listener = this.hosts.server.listen(SERVER_PORT);
    this.listener.onAccept = (c) => this.#applyKeepalive('server', c);
  }

  get now(): Instant {
    return this.net.now;
  }

  get events(): readonly TraceEvent[] {
    return this.rec.events;
  }

  get partitioned(): boolean {
    return this.#partitioned;
  }

  // ---------------------------------------------------------------------------------------------------
  // Settings that apply at once

  /** Pushes the per-direction latency, jitter and loss to the two links. */
  applyLinks(): void {
    const s = this.settings;
    const link = (d: DirectionSettings) => ({ latency: d.latency, jitter: d.jitter, loss: d.loss });
    this.net.setLink('client', 'server', link(s.c2s));
    this.net.setLink('server', 'client', link(s.s2c));
  }

  setDirection(dir: 'c2s' | 's2c', d: Partial<DirectionSettings>): ActionResult {
    return this.#try(() => {
      const next = { ...this.settings[dir], ...d };
      // Validate through the link before keeping it.
      this.net.setLink(dir === 'c2s' ? 'client' : 'server', dir === 'c2s' ? 'server' : 'client', next);
      this.settings[dir] = next;
    });
  }

  setKeepalive(k: Partial<Settings['keepalive']>): ActionResult {
    return this.#try(() => {
      this.settings.keepalive = { ...this.settings.keepalive, ...k };
      for (const side of ['client', 'server'] as const) {
        const c = this.conn(side);
        if (c && c.state !== 'CLOSED' && c.state !== 'TIME-WAIT') this.#applyKeepalive(side, c);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // The user's calls

  /** The side's current connection: the latest one it made or accepted. */
  conn(side: Side): SimConn | undefined {
    return this.hosts[side].conns().at(-1);
  }

  connect(): ActionResult {
    return this.#try(() => {
      const port = this.settings.clientPort;
      this.note('client: connect()');
      const c = this.hosts.client.connect(
        { addr: SERVER_ADDR, port: SERVER_PORT },
        port > 0 ? { localPort: port } : {},
      );
      this.#applyKeepalive('client', c);
    });
  }

  send(side: Side, data: string | Uint8Array): ActionResult {
    return this.#withConn(side, (c) => {
      const n = typeof data === 'string' ? new TextEncoder().encode(data).length : data.length;
      this.note(`${side}: write ${n} bytes`);
      c.write(data);
    });
  }

  /** Half-close: FIN after the data written (node's end()). */
  end(side: Side): ActionResult {
    return this.#withConn(side, (c) => {
      this.note(`${side}: end() (FIN, still reading)`);
      c.shutdown();
    });
  }

  close(side: Side): ActionResult {
    return this.#withConn(side, (c) => {
      this.note(`${side}: close()`);
      c.close();
    });
  }

  abort(side: Side): ActionResult {
    return this.#withConn(side, (c) => {
      this.note(`${side}: abort() (RST)`);
      c.abort();
    });
  }

  /** Drops the next matching packet `side` sends. */
  dropNext(side: Side, kind: DropKind): ActionResult {
    return this.#try(() => {
      const match: (p: Packet) => boolean =
        kind === 'any'
          ? () => true
          : kind === 'fin'
            ? matchers.fin
            : kind === 'data'
              ? matchers.data
              : (p) => this.#isFinalAck(side, p);
      this.net.fault({ from: side, match, nth: 1, action: 'drop' });
      this.note(
        `network: drop the next ${kind === 'any' ? 'segment' : kind === 'final-ack' ? 'final ACK' : kind.toUpperCase()} from ${side}`,
      );
    });
  }

  /** Cuts both directions (the client "vanishes": no FIN, no RST), or heals the cut. */
  setPartition(on: boolean): ActionResult {
    return this.#try(() => {
      if (on) this.net.partition('client', 'server');
      else this.net.heal('client', 'server');
      this.#partitioned = on;
      this.note(on ? 'network: the path is cut' : 'network: the path is back');
    });
  }

  /**
   * Delivers to the client a copy of a data segment the server sent on an earlier connection of the
   * same 4-tuple, the one whose sequence number lies in the client's current receive window (the
   * danger TIME-WAIT exists for). Returns what was injected, or an error saying why there is none.
   */
  injectOldDuplicate(): ActionResult & { seq?: number; len?: number } {
    const c = this.conn('client');
    const info = c?.connection?.info();
    const label = c?.local && c.remote ? tupleLabel(c.remote, c.local) : undefined;
    if (!c || !info || label === undefined) {
      return { ok: false, code: 'ERR_TCP_NOT_CONNECTED', message: 'the client has no connection to receive it' };
    }
    const synAt = this.wire.findLast((p) => p.from === 'client' && p.packet && p.packet.seg.flags === SYN)?.t ?? 0;
    let best: WirePacket | undefined;
    let bestOffset = Number.POSITIVE_INFINITY;
    for (const p of this.wire) {
      const pk = p.packet;
      if (p.from !== 'server' || p.injected || !pk || pk.seg.payload.length === 0 || p.t >= synAt) continue;
      if (tupleLabel({ addr: pk.src, port: pk.seg.srcPort }, { addr: pk.dst, port: pk.seg.dstPort }) !== label)
        continue;
      const d = (pk.seg.seq - info.rcvNxt) | 0;
      if (d >= 0 && d < info.rcvWnd && d < bestOffset) {
        best = p;
        bestOffset = d;
      }
    }
    if (!best?.packet) {
      return {
        ok: false,
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'no segment of an earlier connection of this 4-tuple falls in the receive window',
      };
    }
    const seg = best.packet.seg;
    this.note(`network: a delayed copy of an old segment (${seg.payload.length} bytes) arrives`);
    this.net.inject(best.bytes);
    return { ok: true, seq: seg.seq, len: seg.payload.length };
  }

  note(text: string): void {
    this.notes.push({ t: this.now, text, index: this.rec.events.length });
  }

  // ---------------------------------------------------------------------------------------------------
  // Time

  /** Runs everything due in the next `ms` virtual milliseconds. */
  advance(ms: number): void {
    if (!(ms > 0)) return;
    this.net.run({ until: this.now + ms, maxSteps: 100_000 });
  }

  /** Runs the next delivery or timer, moving time to it. False when nothing is scheduled. */
  nextEvent(): boolean {
    return this.net.step();
  }

  /** Runs until `pred` holds or `limit` virtual ms pass. */
  runUntil(pred: () => boolean, limit: number): boolean {
    return this.net.runUntil(pred, { limit, maxSteps: 100_000 });
  }

  // ---------------------------------------------------------------------------------------------------
  // What the views show

  /** The side's state: its current connection's, else LISTEN for the listening server, else CLOSED. */
  state(side: Side): TcpStateName {
    const c = this.conn(side);
    if (c) return c.state;
    return side === 'server' ? 'LISTEN' : 'CLOSED';
  }

  /** Every state the side passed through, in order, across all its connections. */
  history(side: Side): TcpStateName[] {
    const out: TcpStateName[] = [];
    for (const e of this.rec.events) {
      if (e.type !== 'state' || e.endpoint !== side) continue;
      if (out.length === 0 || out[out.length - 1] !== e.from) out.push(e.from);
      out.push(e.to);
    }
    return out;
  }

  lastTransition(side: Side): Transition | undefined {
    for (let i = this.rec.events.length - 1; i >= 0; i--) {
      const e = this.rec.events[i]!;
      if (e.type === 'state' && e.endpoint === side) return { t: e.t, from: e.from, to: e.to, cause: e.cause };
    }
    return undefined;
  }

  /** The side's running timers (of its current connection), earliest deadline first. */
  timers(side: Side): RunningTimer[] {
    const label = this.#label(side);
    if (label === undefined) return [];
    const out: RunningTimer[] = [];
    for (const [key, t] of this.#timers) if (key.startsWith(`${side}|${label}|`)) out.push(t);
    return out.sort((a, b) => a.deadline - b.deadline);
  }

  seqSpace(side: Side): SeqSpace | undefined {
    const info = this.conn(side)?.connection?.info();
    if (!info) return undefined;
    const rel = (x: number, base: number): number => (x - base) >>> 0;
    return {
      sndUna: rel(info.sndUna, info.iss),
      sndNxt: rel(info.sndNxt, info.iss),
      sndWnd: info.sndWnd,
      rcvNxt: rel(info.rcvNxt, info.irs),
      rcvWnd: info.rcvWnd,
      iss: info.iss,
      irs: info.irs,
    };
  }

  /** Both hosts' rows, as `ss -tan` would list them. */
  rows(): { side: Side; row: ConnectionRow }[] {
    const out: { side: Side; row: ConnectionRow }[] = [];
    for (const side of ['client', 'server'] as const) {
      for (const row of this.hosts[side].connections()) out.push({ side, row });
    }
    return out;
  }

  inFlight(): InFlight[] {
    const now = this.now;
    const out: InFlight[] = [];
    for (let i = this.wire.length - 1; i >= 0; i--) {
      const p = this.wire[i]!;
      if (now - p.t > 120_000) break; // nothing stays on a link this long
      if (!p.packet || p.injected) continue;
      const arrive = p.arrive.find((a) => a > now);
      if (arrive === undefined) continue;
      out.push({ from: p.from === 'client' ? 'client' : 'server', t: p.t, arrive, packet: p.packet });
    }
    return out.reverse();
  }

  /** Data the side's current connection has read. */
  received(side: Side): Uint8Array {
    return this.conn(side)?.receivedBytes() ?? new Uint8Array(0);
  }

  /** Error codes the side's connections reported (ECONNRESET, ETIMEDOUT ...), in order. */
  errors(side: Side): string[] {
    const out: string[] = [];
    for (const e of this.rec.events) {
      if (e.endpoint === side && e.type === 'event' && e.event.type === 'error') out.push(e.event.code);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals

  #label(side: Side): string | undefined {
    const c = this.conn(side);
    return c?.local && c.remote ? tupleLabel(c.local, c.remote) : undefined;
  }

  #applyKeepalive(side: Side, c: SimConn): void {
    const k = this.settings.keepalive;
    c.setKeepalive(k[side], { idle: k.idle, interval: k.interval, count: k.count });
  }

  /** A pure ACK from `side` after its own FIN that acknowledges the peer's FIN: the close's last segment. */
  #isFinalAck(side: Side, p: Packet): boolean {
    const peerFin = this.#finEnd[peerOf(side)];
    return matchers.pureAck(p) && this.#finEnd[side] !== undefined && peerFin !== undefined && p.seg.ack === peerFin;
  }

  #onWire(p: WirePacket): void {
    this.wire.push(p);
    const seg = p.packet?.seg;
    if (!seg || p.injected) return;
    const side: Side | undefined = p.from === 'client' ? 'client' : p.from === 'server' ? 'server' : undefined;
    if (side === undefined) return;
    if (seg.flags & SYN) {
      // A new connection: FINs of the old one no longer count.
      delete this.#finEnd[side];
      if (!(seg.flags & ACK)) delete this.#finEnd[peerOf(side)];
    }
    if (seg.flags & FIN) this.#finEnd[side] = (seg.seq + seg.payload.length + 1) >>> 0;
  }

  #onTrace(e: TraceEvent): void {
    if (e.type === 'timer') {
      const key = `${e.endpoint}|${e.conn}|${e.timer}`;
      if (e.action === 'armed' && e.deadline !== undefined) {
        const prev = this.#timers.get(key);
        this.#timers.set(key, {
          kind: e.timer,
          armedAt: e.t,
          deadline: e.deadline,
          restarts: prev ? prev.restarts + 1 : 0,
        });
      } else if (e.action !== 'armed') this.#timers.delete(key);
    } else if (e.type === 'state' && e.to === 'CLOSED') {
      const prefix = `${e.endpoint}|${e.conn}|`;
      for (const key of [...this.#timers.keys()]) if (key.startsWith(prefix)) this.#timers.delete(key);
    }
  }

  #withConn(side: Side, fn: (c: SimConn) => void): ActionResult {
    const c = this.conn(side);
    if (!c) return { ok: false, code: 'ERR_TCP_NOT_CONNECTED', message: `${side} has no connection` };
    return this.#try(() => fn(c));
  }

  #try(fn: () => void): ActionResult {
    try {
      fn();
      return { ok: true };
    } catch (err) {
      if (err instanceof TcpError) return { ok: false, code: String(err.code), message: err.message };
      if (err instanceof RangeError || err instanceof TypeError) {
        return { ok: false, code: 'ERR_INVALID_ARG_VALUE', message: err.message };
      }
      throw err;
    }
  }
}
