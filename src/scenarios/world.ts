// The stage every named scenario plays on: a client (192.0.2.1) and a server (192.0.2.2, port 80) on the
// simulated network, a trace recorder, and the bookkeeping that turns a run into a ScenarioResult.
// scenario() and afterHandshake() make a one-run scenario from its story alone; the helpers at the
// end read a run's trace for its summary.

import { DEFAULT_CONFIG, type TcpConfig } from '../core/config.js';
import type { Duration, Instant } from '../core/time.js';
import { type SimConn, type SimHost, type SimListener, SimNetwork } from '../sim/index.js';
import type { TraceEvent, TraceSink } from '../trace/events.js';
import { formatMs, type LadderNote } from '../trace/ladder.js';
import { TraceRecorder } from '../trace/recorder.js';

export const CLIENT = 'client';
export const SERVER = 'server';
export const CLIENT_ADDR = '192.0.2.1';
export const SERVER_ADDR = '192.0.2.2';
export const SERVER_PORT = 80;
/** One-way latency of both directions: long enough that a ladder reads well. */
export const DEFAULT_LATENCY: Duration = 50;

export interface ScenarioOptions {
  /** Maximum Segment Lifetime in ms (default: the config default, 30 s). */
  msl?: Duration;
  /** Seed of the simulated network (default 1). */
  seed?: number;
  /** Every trace event is also passed to this sink, as it happens (times not rebased). */
  trace?: TraceSink;
}

/** What a run established, for footers and tests. Times are ms since the scenario's start. */
export interface ScenarioFacts {
  /** States each endpoint went through during the scenario, starting with the one it was in. */
  states: Record<string, string[]>;
  /** When each endpoint entered CLOSED (undefined: it never did). */
  closedAt: Record<string, Instant | undefined>;
  /** When each endpoint first entered TIME-WAIT. */
  timeWaitAt: Record<string, Instant | undefined>;
  /** Error codes each endpoint's connection reported (ECONNRESET, ETIMEDOUT ...). */
  errors: Record<string, string[]>;
  /** Scenario-specific figures (named in each scenario). */
  extra: Record<string, number | string | boolean>;
}

/** One run of a scenario (old-duplicate has two). */
export interface ScenarioRun {
  label: string;
  mslMs: Duration;
  /** Trace events with t in ms since the run's start. */
  events: TraceEvent[];
  facts: ScenarioFacts;
  /** Footer lines. */
  summary: string[];
  /** Narration placed in the ladder at its time (what the applications or the network did). */
  notes: LadderNote[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** What the scenario shows, a few sentences. */
  description: string;
  mslMs: Duration;
  latencyMs: Duration;
  seed: number;
  lanes: [string, string];
  laneLabels: [string, string];
  /** The (first) run's trace, t in ms since its start. */
  events: TraceEvent[];
  facts: ScenarioFacts;
  summary: string[];
  notes: LadderNote[];
  /** Every run (one, or more for old-duplicate). */
  runs: ScenarioRun[];
}

export interface WorldOptions extends ScenarioOptions {
  latency?: Duration;
  /** TCP settings for both hosts (msl is set from ScenarioOptions.msl). */
  config?: Partial<TcpConfig>;
  clientConfig?: Partial<TcpConfig>;
  serverConfig?: Partial<TcpConfig>;
}

export class World {
  readonly net: SimNetwork;
  readonly rec: TraceRecorder;
  readonly client: SimHost;
  readonly server: SimHost;
  readonly mslMs: Duration;
  readonly latency: Duration;
  readonly seed: number;
  #origin: Instant = 0;
  readonly #notes: LadderNote[] = [];

  constructor(opts: WorldOptions = {}) {
    this.mslMs = opts.msl ?? DEFAULT_CONFIG.msl;
    this.latency = opts.latency ?? DEFAULT_LATENCY;
    this.seed = opts.seed ?? 1;
    this.rec = new TraceRecorder({ now: () => this.net.now, ...(opts.trace ? { forward: opts.trace } : {}) });
    this.net = new SimNetwork({
      seed: this.seed,
      link: { latency: this.latency },
      config: { ...opts.config, msl: this.mslMs },
      trace: this.rec.sink,
    });
    this.client = this.net.host(CLIENT_ADDR, {
      name: CLIENT,
      ...(opts.clientConfig ? { config: opts.clientConfig } : {}),
    });
    this.server = this.net.host(SERVER_ADDR, {
      name: SERVER,
      ...(opts.serverConfig ? { config: opts.serverConfig } : {}),
    });
  }

  /**
   * Server listens on port 80, the client connects; runs until both sides are ESTABLISHED and the
   * wire is quiet. Returns both handles.
   */
  connect(opts: { localPort?: number } = {}): { c: SimConn; s: SimConn } {
    const l = this.listen();
    const c = this.dial(opts.localPort);
    const ok = this.net.runUntil(() => c.state === 'ESTABLISHED' && l.accepted.length > 0, { limit: 60_000 });
    const s = l.accepted[l.accepted.length - 1];
    if (!ok || !s) throw new Error(`scenario set-up: handshake did not complete (client ${c.state})`);
    this.net.runFor(this.latency);
    return { c, s };
  }

  /** The server listens on port 80. */
  listen(): SimListener {
    return this.server.listen(SERVER_PORT);
  }

  /** The client connects to the server's port 80, from `localPort` or else an ephemeral port. */
  dial(localPort?: number): SimConn {
    return this.client.connect({ addr: SERVER_ADDR, port: SERVER_PORT }, localPort !== undefined ? { localPort } : {});
  }

  /** Runs until the listener has accepted its connection number `i` (from 0), and returns it. */
  accepted(l: SimListener, i = 0): SimConn {
    this.net.runUntil(() => l.accepted.length > i);
    return l.accepted[i]!;
  }

  /** The scenario starts here: times in the result are measured from this instant. */
  start(): void {
    this.#origin = this.net.now;
    this.rec.mark('start', this.net.now);
  }

  get origin(): Instant {
    return this.#origin;
  }

  /** Narration for the ladder at the current time (e.g. "server app calls close()"). */
  note(text: string): void {
    const since = this.rec.hasMark('start') ? this.rec.getMark('start').index : 0;
    this.#notes.push({ t: this.t, text, index: this.rec.events.length - since });
  }

  /** ms since start. */
  get t(): Instant {
    return this.net.now - this.#origin;
  }

  /** Runs until virtual time reaches `t` ms since start. */
  runTo(t: Instant): void {
    this.net.run({ until: this.#origin + t });
  }

  /** Events since start, t rebased to the start. */
  events(): TraceEvent[] {
    const o = this.#origin;
    const src = this.rec.hasMark('start') ? this.rec.since('start') : this.rec.events;
    return src.map((e) => rebase(e, o));
  }

  facts(events: readonly TraceEvent[], extra: ScenarioFacts['extra'] = {}): ScenarioFacts {
    const eps = [CLIENT, SERVER];
    const facts: ScenarioFacts = { states: {}, closedAt: {}, timeWaitAt: {}, errors: {}, extra };
    for (const ep of eps) {
      const states: string[] = [];
      facts.closedAt[ep] = undefined;
      facts.timeWaitAt[ep] = undefined;
      facts.errors[ep] = [];
      for (const e of events) {
        if (e.endpoint !== ep) continue;
        if (e.type === 'state') {
          if (states.length === 0) states.push(e.from);
          states.push(e.to);
          if (e.to === 'CLOSED') facts.closedAt[ep] = e.t;
          if (e.to === 'TIME-WAIT' && facts.timeWaitAt[ep] === undefined) facts.timeWaitAt[ep] = e.t;
        } else if (e.type === 'event' && e.event.type === 'error') {
          facts.errors[ep]!.push(e.event.code);
        }
      }
      facts.states[ep] = states;
    }
    return facts;
  }

  run(label: string, summary: (f: ScenarioFacts) => string[], extra: ScenarioFacts['extra'] = {}): ScenarioRun {
    const events = this.events();
    const facts = this.facts(events, extra);
    return { label, mslMs: this.mslMs, events, facts, summary: summary(facts), notes: [...this.#notes] };
  }
}

function rebase(e: TraceEvent, origin: Instant): TraceEvent {
  if (origin === 0) return e;
  if (e.type === 'timer' && e.deadline !== undefined) return { ...e, t: e.t - origin, deadline: e.deadline - origin };
  return { ...e, t: e.t - origin };
}

export interface ScenarioDef {
  name: string;
  /** One line, for lists. */
  title: string;
  description: string;
  run(opts?: ScenarioOptions): ScenarioResult;
}

/** A scenario's name, its one-line title and its description. */
export type ScenarioInfo = Omit<ScenarioDef, 'run'>;

/** What a scenario's story leaves for its run: the footer, made from the facts, and its own figures. */
export interface Told {
  summary: (f: ScenarioFacts) => string[];
  extra?: ScenarioFacts['extra'];
}

/**
 * A scenario of one run, labelled with its name: the story plays on a World made from the options
 * and from `settings` (what the scenario fixes, whatever the options say), and calls start() itself.
 */
export function scenario(info: ScenarioInfo, story: (w: World) => Told, settings: WorldOptions = {}): ScenarioDef {
  return {
    ...info,
    run(opts: ScenarioOptions = {}) {
      const w = new World({ ...opts, ...settings });
      const { summary, extra } = story(w);
      return result(info, w, [w.run(info.name, summary, extra)]);
    },
  };
}

/** A scenario of one run that starts with both sides ESTABLISHED: the handshake is set-up, before start(). */
export function afterHandshake(
  info: ScenarioInfo,
  story: (w: World, conns: { c: SimConn; s: SimConn }) => Told,
): ScenarioDef {
  return scenario(info, (w) => {
    const conns = w.connect();
    w.start();
    return story(w, conns);
  });
}

/** Builds the result of a scenario from its runs (the first is the main one). */
export function result(def: ScenarioInfo, w: World, runs: ScenarioRun[]): ScenarioResult {
  const main = runs[0]!;
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    mslMs: w.mslMs,
    latencyMs: w.latency,
    seed: w.seed,
    lanes: [CLIENT, SERVER],
    laneLabels: [`${CLIENT} ${CLIENT_ADDR}`, `${SERVER} ${SERVER_ADDR}:${SERVER_PORT}`],
    events: main.events,
    facts: main.facts,
    summary: main.summary,
    notes: main.notes,
    runs,
  };
}

/** "60,140 ms" */
export function ms(t: Instant | undefined): string {
  return t === undefined ? 'never' : `${formatMs(t)} ms`;
}

/** A segment as its sender's trace records it. */
export type SentEvent = Extract<TraceEvent, { type: 'send' | 'recv' }>;

/** The segments `endpoint` sent whose flags `pick` accepts (by default all), oldest first. */
export function sent(
  events: readonly TraceEvent[],
  endpoint: string,
  pick: (flags: number) => boolean = () => true,
): SentEvent[] {
  return events.filter((e): e is SentEvent => e.type === 'send' && e.endpoint === endpoint && pick(e.seg.flags));
}

/** When `endpoint` first entered `state` (undefined: it never did). */
export function enteredAt(events: readonly TraceEvent[], endpoint: string, state: string): Instant | undefined {
  return events.find((e) => e.type === 'state' && e.endpoint === endpoint && e.to === state)?.t;
}

/** The errors an endpoint's connection reported, for a footer: "ECONNRESET" or "no error". */
export function errorsOf(f: ScenarioFacts, endpoint: string): string {
  return f.errors[endpoint]?.join(', ') || 'no error';
}
