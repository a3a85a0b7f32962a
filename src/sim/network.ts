// SimNetwork: hosts joined by one-way links in virtual time. Every packet a host sends is encoded to
// real IPv4/IPv6 bytes (with checksums, unless its link has checksumOffload), passes the partition table, the targeted faults and the link
// of its direction, and is delivered as bytes that the receiving host decodes. Deliveries and host
// wakeups share one event queue, ordered by (time, insertion), so a seed fixes the whole run.
//
//   host A --transmit--> [partition?] --> [faults] --> link A>B --(arrival)--> host B.receive(bytes)
//                                                       \-> tap(WirePacket)  (every packet, with its fate)
//
// Randomness: `rng` is the root stream made from the seed. Each link and each host forks its own
// stream by label (rng.fork('link:A>B'), rng.fork('host:A')), so adding a host or a link never changes
// the random choices of another.

import { UsageError } from '../base/errors.js';
import { Rng } from '../base/rng.js';
import type { TcpConfig } from '../core/config.js';
import { Endpoint, type Packet } from '../core/endpoint.js';
import type { Duration, Instant } from '../core/time.js';
import { checkedAddress, normalizeAddress, tupleLabel } from '../core/tuple.js';
import { Link, type LinkOptions, resolveLink } from '../io/link.js';
import { DriverLoop } from '../io/loop.js';
import { type DropReason, NO_TRACE, type TraceEvent, type TraceSink } from '../trace/events.js';
import { decodePacket, type EncodeOptions, encodePacket, PacketSlab, parseAddress } from '../wire/ip.js';
import { ACK, SYN } from '../wire/segment.js';
import { VirtualClock } from './clock.js';
import { type Fault, type FaultHandle, FaultTable } from './faults.js';
import { type HostOptions, SimHost } from './host.js';

export type { LinkOptions } from '../io/link.js';

/** A simulated link's options: those of every Link (io/link.ts), and what only the simulator does. */
export interface SimLinkOptions extends LinkOptions {
  /**
   * Checksum offload, as on Linux loopback (default false): the sender does not compute the TCP
   * checksum (it leaves the field 0) and the receiving host takes the packet as verified
   * (decodePacket's checksumVerified) and does not compare it. Every other check stays; the IPv4
   * header checksum is still computed and verified, as Linux does on loopback. So packets captured
   * from such a link (tap, pcap) carry TCP checksum 0: like a loopback capture, whose field is not
   * the right checksum either (Linux leaves the pseudo-header sum there), tcpdump -vv and Wireshark
   * call it wrong. And bytes changed in flight (a test that corrupts a tapped packet) are not
   * detected: the receiver takes them as sent. Bytes put on the wire by inject() are always verified.
   */
  checksumOffload?: boolean;
}

export interface SimNetworkOptions {
  /** Seed of every random choice in the run (default 1). */
  seed?: number;
  /** Default options of every link (each direction). */
  link?: SimLinkOptions;
  /** TCP defaults for every host. */
  config?: Partial<TcpConfig>;
  /** Receives the hosts' trace events and the network's own drops. */
  trace?: TraceSink;
  /**
   * Names the hosts resolve, like /etc/hosts: name -> one address or several (in order of
   * preference). Each host also resolves 'localhost' (its own address) and the other hosts' names
   * (`sim.host(addr, { name })`). There is no DNS: any other name fails (ENOTFOUND in host.net).
   */
  hosts?: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * What happened to a packet put on the wire:
 * - delivered / duplicated: arrives once / twice (see `arrive`)
 * - lost: random link loss; fault-dropped: a Fault; partitioned: partition(); mtu: larger than the MTU
 * - no-host: no host owns the destination address
 */
export type WireFate = 'delivered' | 'lost' | 'duplicated' | 'fault-dropped' | 'partitioned' | 'mtu' | 'no-host';

export interface WirePacket {
  /** When it was put on the wire. */
  t: Instant;
  /** Sender's host name (its address if no host owns it). */
  from: string;
  /** Receiver's host name (its address if no host owns it). */
  to: string;
  /** The IP packet as on the wire (a view: its ArrayBuffer may hold other packets too). */
  bytes: Uint8Array;
  /** Decoded; null only for injected bytes that do not decode. */
  packet: Packet | null;
  fate: WireFate;
  /** Arrival time of each delivered copy (empty when dropped). */
  arrive: Instant[];
  /** Put on the wire by inject() (no link, fault or partition applies). */
  injected: boolean;
}

/** run() and runUntil() stop with this error when they exceed the default step budget (a livelock). */
export const DEFAULT_MAX_STEPS = 10_000_000;

export class SimNetwork {
  readonly seed: number;
  /** The root random stream (links and hosts fork their own streams from the seed, not from this). */
  readonly rng: Rng;
  readonly clock: VirtualClock;
  readonly #linkDefaults: LinkOptions;
  /** SimLinkOptions.checksumOffload of every link not set otherwise. */
  readonly #offloadDefault: boolean;
  /** checksumOffload of each direction set by setLink, by link key. */
  readonly #offload = new Map<string, boolean>();
  /** The packets sent over a checksum-offload link: their receiver does not verify the TCP checksum. */
  readonly #verified = new WeakSet<Uint8Array>();
  readonly #config: Partial<TcpConfig>;
  readonly #trace: TraceSink;
  readonly #hosts = new Map<string, SimHost>(); // by address
  readonly #byName = new Map<string, SimHost>();
  /** SimNetworkOptions.hosts, names lower-cased, addresses normalized. */
  readonly #names = new Map<string, readonly string[]>();
  readonly #links = new Map<string, Link>();
  readonly #taps = new Set<(p: WirePacket) => void>();
  readonly #faults: FaultTable;
  readonly #partitions = new Set<string>();
  /** ISN of each direction of each connection seen on the wire (from its SYN), for relative numbers. */
  readonly #isn = new Map<string, number>();
  /** What transmit() needs per (src, dst) address text as packets carry it; cleared when a host joins. */
  readonly #routes = new Map<string, Map<string, Route>>();
  /** Packets are carved from shared slabs (wire/ip.ts PacketSlab): no buffer of their own each. */
  readonly #encode: EncodeOptions;
  /** #encode for a checksum-offload link: the same slab, no TCP checksum. */
  readonly #encodeOffload: EncodeOptions;

  constructor(opts: SimNetworkOptions = {}) {
    this.seed = (opts.seed ?? 1) >>> 0;
    this.rng = new Rng(this.seed);
    this.clock = new VirtualClock(0);
    const { checksumOffload, ...linkDefaults } = opts.link ?? {};
    this.#linkDefaults = linkDefaults;
    resolveLink(this.#linkDefaults); // validate early
    this.#offloadDefault = checkOffload(checksumOffload) ?? false;
    const slab = new PacketSlab();
    this.#encode = { slab };
    this.#encodeOffload = { slab, checksumOffload: true };
    this.#config = { ...(opts.config ?? {}) };
    this.#trace = opts.trace ?? NO_TRACE;
    this.#faults = new FaultTable((s) => this.#addressOf(s));
    for (const [name, given] of Object.entries(opts.hosts ?? {})) {
      const list = typeof given === 'string' ? [given] : [...given];
      if (list.length === 0) throw new UsageError('ERR_INVALID_ARG_VALUE', `hosts[${JSON.stringify(name)}] is empty`);
      this.#names.set(name.toLowerCase(), list.map(checkedAddress));
    }
  }

  /**
   * The addresses `name` stands for on this network, as a host there resolves it (SimHost.lookup),
   * `from` being the asking host's own address: 'localhost' is `from` itself, then the hosts map of
   * the options, then the name of a host. An IP literal is itself. Empty when nothing matches.
   */
  lookup(name: string, from?: string): string[] {
    const n = name.toLowerCase();
    if (parseAddress(name) !== undefined) return [normalizeAddress(name)];
    if (n === 'localhost' && from !== undefined) return [from];
    const listed = this.#names.get(n);
    if (listed !== undefined) return [...listed];
    const h = this.#byName.get(name);
    return h === undefined ? [] : [h.addr];
  }

  /** Virtual milliseconds since the network was made. */
  get now(): Instant {
    return this.clock.now();
  }

  /** Deliveries and wakeups run so far. */
  get steps(): number {
    return this.clock.steps;
  }

  // ---------------------------------------------------------------------------------------------------
  // Topology

  /** Adds a host owning `addr`. Its ISN secret and its random stream derive from the seed and `addr`. */
  host(addr: string, opts: HostOptions = {}): SimHost {
    const a = normalizeAddress(addr);
    if (this.#hosts.has(a)) throw new UsageError('EADDRINUSE', `a host already owns ${a}`);
    const name = opts.name ?? a;
    if (this.#byName.has(name)) throw new UsageError('ERR_INVALID_ARG_VALUE', `host name ${name} is taken`);
    const hostRng = this.rng.fork(`host:${a}`);
    const endpoint = new Endpoint({
      name,
      addresses: [a],
      isnSecret: this.rng.fork(`isn:${a}`).bytes(16),
      random: () => hostRng.next(),
      config: { ...this.#config, ...(opts.config ?? {}) },
      trace: this.#trace,
      strict: true, // a bug in the core throws out of the simulation instead of aborting a connection
      ...(opts.limits !== undefined ? { limits: opts.limits } : {}),
    });
    const h = new SimHost(
      a,
      name,
      endpoint,
      (self) =>
        new DriverLoop({
          endpoint,
          clock: this.clock,
          transmit: (pkt) => this.transmit(pkt),
          dispatch: (ev) => self.dispatch(ev),
          name,
          trace: this.#trace,
        }),
      (n) => this.lookup(n, a),
      this.#verified,
    );
    this.#hosts.set(a, h);
    this.#byName.set(name, h);
    this.#routes.clear(); // names and destinations change
    return h;
  }

  /** The host with this name or address. */
  getHost(nameOrAddr: string): SimHost | undefined {
    return this.#byName.get(nameOrAddr) ?? this.#hosts.get(normalizeAddress(nameOrAddr));
  }

  get hosts(): SimHost[] {
    return [...this.#hosts.values()];
  }

  /** Sets the link options of one direction (unset fields take the network's defaults). */
  setLink(from: string, to: string, opts: SimLinkOptions): void {
    const { checksumOffload, ...linkOpts } = opts;
    const offload = checkOffload(checksumOffload) ?? this.#offloadDefault;
    this.link(from, to).configure({ ...this.#linkDefaults, ...linkOpts });
    this.#offload.set(this.#linkKey(from, to), offload);
    this.#routes.clear(); // a route holds its link's checksumOffload
  }

  /** Sets both directions between a and b. */
  setLinks(a: string, b: string, opts: SimLinkOptions): void {
    this.setLink(a, b, opts);
    this.setLink(b, a, opts);
  }

  /** The link of one direction (made with the defaults on first use). */
  link(from: string, to: string): Link {
    const key = this.#linkKey(from, to);
    let l = this.#links.get(key);
    if (l === undefined) {
      l = new Link(this.#linkDefaults, this.rng.fork(`link:${key}`));
      this.#links.set(key, l);
    }
    return l;
  }

  /** Cuts both directions between a and b: packets sent while partitioned are dropped. */
  partition(a: string, b: string): void {
    this.#partitions.add(this.#pairKey(a, b));
  }

  heal(a: string, b: string): void {
    this.#partitions.delete(this.#pairKey(a, b));
  }

  isPartitioned(a: string, b: string): boolean {
    return this.#partitions.has(this.#pairKey(a, b));
  }

  fault(f: Fault): FaultHandle {
    return this.#faults.add(f);
  }

  /** Observes every packet put on the wire, at the time it is sent, with its fate. Returns an unsubscribe. */
  tap(fn: (p: WirePacket) => void): () => void {
    this.#taps.add(fn);
    return () => {
      this.#taps.delete(fn);
    };
  }

  // ---------------------------------------------------------------------------------------------------
  // Packets

  /**
   * Puts a packet on the wire from `pkt.src`, as if that host's stack had sent it: through partitions,
   * faults and the link. The hosts' loops call this; tests may too (the source need not be a host).
   */
  transmit(pkt: Packet): WirePacket {
    const now = this.now;
    const route = this.#route(pkt.src, pkt.dst);
    const bytes = encodePacket(pkt, route.offload ? this.#encodeOffload : this.#encode);
    if (route.offload) this.#verified.add(bytes);
    this.#learnIsn(pkt);
    const wp: WirePacket = {
      t: now,
      from: route.from,
      to: route.to,
      bytes,
      packet: pkt,
      fate: 'delivered',
      arrive: [],
      injected: false,
    };
    const dest = route.dest;
    if (this.#partitions.size > 0 && this.#partitions.has(route.pair)) {
      this.#drop(wp, pkt, 'partitioned', 'partition');
    } else {
      const effect = this.#faults.size > 0 ? this.#faults.apply(pkt) : undefined;
      if (effect?.drop) {
        this.#drop(wp, pkt, 'fault-dropped', 'fault');
      } else {
        const v = route.link.send(bytes.length, now);
        if (v.fate === 'mtu') this.#drop(wp, pkt, 'mtu', 'mtu');
        else if (v.fate === 'lost') this.#drop(wp, pkt, 'lost', 'link-loss');
        else {
          // The link's verdict is fresh for each call: its arrival list is ours to change.
          const arrive: Instant[] = v.arrive;
          if (effect !== undefined) {
            if (effect.duplicate) arrive.push(arrive[arrive.length - 1] as Instant);
            const extra = effect.delay ?? 0;
            if (extra !== 0) for (let i = 0; i < arrive.length; i++) arrive[i] = (arrive[i] as Instant) + extra;
          }
          wp.arrive = arrive;
          wp.fate = arrive.length > 1 ? 'duplicated' : 'delivered';
          if (dest === undefined) {
            wp.fate = 'no-host';
            wp.arrive = [];
            this.#traceDrop(pkt, 'not-local');
          } else {
            for (const at of arrive) this.clock.post(at, dest.receiveFn, bytes);
          }
        }
      }
    }
    for (const fn of this.#taps) fn(wp);
    return wp;
  }

  /**
   * Puts raw IP bytes on the wire toward their destination address at `at` (default now), as an
   * off-path sender next to the destination would: no link, fault or partition applies. The bytes are
   * delivered as they are (a bad checksum is dropped by the receiver). Throws UsageError
   * ERR_INVALID_ARG_VALUE if no destination address can be read from them, or if `at` is in the past.
   */
  inject(bytes: Uint8Array, at?: Instant): void {
    const when = at ?? this.now;
    if (when < this.now) throw new UsageError('ERR_INVALID_ARG_VALUE', `inject at ${when} < now ${this.now}`);
    const copy = bytes.slice(); // the caller may reuse its buffer
    const decoded = decodePacket(copy);
    const packet = decoded.ok ? decoded.value : null;
    const dst = packet?.dst ?? destinationOf(copy);
    const src = packet?.src ?? sourceOf(copy);
    if (dst === undefined) throw new UsageError('ERR_INVALID_ARG_VALUE', 'inject: no IP destination in the bytes');
    this.clock.schedule(when, () => {
      if (packet) this.#learnIsn(packet);
      const dest = this.#hosts.get(dst);
      const wp: WirePacket = {
        t: this.now,
        from: src === undefined ? '?' : this.#nameOf(src),
        to: this.#nameOf(dst),
        bytes: copy,
        packet,
        fate: dest === undefined ? 'no-host' : 'delivered',
        arrive: dest === undefined ? [] : [this.now],
        injected: true,
      };
      for (const fn of this.#taps) fn(wp);
      dest?.receive(copy);
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Running

  /** Runs the next delivery or wakeup. False when nothing is scheduled. */
  step(): boolean {
    return this.clock.step();
  }

  /**
   * Runs until nothing is scheduled, or until the next event is later than `until` (then time is
   * moved to `until`). With `maxSteps`, stops quietly after that many steps; without it, throws a
   * RangeError after DEFAULT_MAX_STEPS (something is looping). A connection with keepalive on always
   * has a deadline, so the network is never idle: give `until` (or use runFor) then.
   */
  run(opts: { until?: Instant; maxSteps?: number } = {}): void {
    const limit = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    let n = 0;
    for (;;) {
      const next = this.clock.nextTime();
      if (next === undefined) break;
      if (opts.until !== undefined && next > opts.until) break;
      if (n >= limit) {
        if (opts.maxSteps !== undefined) return;
        throw new RangeError(`SimNetwork.run: more than ${limit} steps (a livelock?) at t=${this.now}`);
      }
      this.clock.step();
      n++;
    }
    if (opts.until !== undefined && opts.until > this.now) this.clock.advanceTo(opts.until);
  }

  /** Runs everything due in the next `ms` milliseconds; time ends exactly `ms` later. */
  runFor(ms: Duration): void {
    this.run({ until: this.now + ms });
  }

  /**
   * Steps until `pred()` holds (checked before each step). Stops early when nothing is scheduled or
   * the next event lies beyond `limit` ms from now (time then moves to that limit). Returns pred().
   */
  runUntil(pred: () => boolean, opts: { limit?: Duration; maxSteps?: number } = {}): boolean {
    const deadline = opts.limit === undefined ? undefined : this.now + opts.limit;
    const limit = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    let n = 0;
    while (!pred()) {
      const next = this.clock.nextTime();
      if (next === undefined || (deadline !== undefined && next > deadline)) {
        if (deadline !== undefined && deadline > this.now) this.clock.advanceTo(deadline);
        return pred();
      }
      if (n >= limit) {
        if (opts.maxSteps !== undefined) return false;
        throw new RangeError(`SimNetwork.runUntil: more than ${limit} steps (a livelock?) at t=${this.now}`);
      }
      this.clock.step();
      n++;
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals

  /** The cached route between two addresses, made on first use. */
  #route(src: string, dst: string): Route {
    let bySrc = this.#routes.get(src);
    if (bySrc === undefined) {
      bySrc = new Map();
      this.#routes.set(src, bySrc);
    }
    let r = bySrc.get(dst);
    if (r === undefined) {
      r = {
        from: this.#nameOf(src),
        to: this.#nameOf(dst),
        dest: this.#hosts.get(normalizeAddress(dst)),
        pair: this.#pairKey(src, dst),
        link: this.link(src, dst),
        offload: this.#offload.get(this.#linkKey(src, dst)) ?? this.#offloadDefault,
      };
      bySrc.set(dst, r);
    }
    return r;
  }

  /** Key of the link of one direction, in #links and #offload. */
  #linkKey(from: string, to: string): string {
    return `${this.#addressOf(from)}>${this.#addressOf(to)}`;
  }

  #addressOf(nameOrAddr: string): string {
    return this.#byName.get(nameOrAddr)?.addr ?? normalizeAddress(nameOrAddr);
  }

  #nameOf(addr: string): string {
    return this.#hosts.get(addr)?.name ?? addr;
  }

  #pairKey(a: string, b: string): string {
    const x = this.#addressOf(a);
    const y = this.#addressOf(b);
    return x < y ? `${x}|${y}` : `${y}|${x}`;
  }

  #learnIsn(p: Packet): void {
    // Only drop traces read the ISNs: without a sink, no key string and no entry per connection.
    if (this.#trace !== NO_TRACE && p.seg.flags & SYN)
      this.#isn.set(dirKey(p.src, p.seg.srcPort, p.dst, p.seg.dstPort), p.seg.seq);
  }

  #drop(wp: WirePacket, pkt: Packet, fate: WireFate, reason: DropReason): void {
    wp.fate = fate;
    this.#traceDrop(pkt, reason);
  }

  /** A 'drop' trace event in the sender's name, with relative numbers when the ISNs are known. */
  #traceDrop(pkt: Packet, reason: DropReason): void {
    if (this.#trace === NO_TRACE) return;
    const s = pkt.seg;
    const iss = this.#isn.get(dirKey(pkt.src, s.srcPort, pkt.dst, s.dstPort));
    const irs = this.#isn.get(dirKey(pkt.dst, s.dstPort, pkt.src, s.srcPort));
    const ev: Extract<TraceEvent, { type: 'drop' }> = {
      t: this.now,
      endpoint: this.#nameOf(pkt.src),
      conn: tupleLabel({ addr: pkt.src, port: s.srcPort }, { addr: pkt.dst, port: s.dstPort }),
      type: 'drop',
      reason,
      seg: s,
    };
    // Relative numbers only where the ISN is known (from a SYN seen on the wire); relAck is 0 without ACK.
    if (iss !== undefined) ev.relSeq = (s.seq - iss) >>> 0;
    if (!(s.flags & ACK)) ev.relAck = 0;
    else if (irs !== undefined) ev.relAck = (s.ack - irs) >>> 0;
    this.#trace(ev);
  }
}

/** One direction between two addresses, as transmit() uses it. */
interface Route {
  /** The sender's and the receiver's host names (the address where no host owns it). */
  from: string;
  to: string;
  dest: SimHost | undefined;
  /** Key of the pair in the partition set. */
  pair: string;
  link: Link;
  /** The link's checksumOffload: packets go without a TCP checksum and are taken as verified. */
  offload: boolean;
}

/** checksumOffload as given (undefined when absent); UsageError ERR_INVALID_ARG_VALUE if not a boolean. */
function checkOffload(v: unknown): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  throw new UsageError('ERR_INVALID_ARG_VALUE', `link checksumOffload=${String(v)}`);
}

function dirKey(src: string, sport: number, dst: string, dport: number): string {
  return `${src}|${sport}|${dst}|${dport}`;
}

/** The destination address of raw IP bytes, read from the fixed header only (no checks). */
function destinationOf(b: Uint8Array): string | undefined {
  return addressAt(b, 16, 24);
}

function sourceOf(b: Uint8Array): string | undefined {
  return addressAt(b, 12, 8);
}

function addressAt(b: Uint8Array, v4Offset: number, v6Offset: number): string | undefined {
  const version = (b[0] ?? 0) >> 4;
  if (version === 4 && b.length >= 20) {
    return `${b[v4Offset]}.${b[v4Offset + 1]}.${b[v4Offset + 2]}.${b[v4Offset + 3]}`;
  }
  if (version === 6 && b.length >= 40) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++)
      groups.push((((b[v6Offset + 2 * i] ?? 0) << 8) | (b[v6Offset + 2 * i + 1] ?? 0)).toString(16));
    return normalizeAddress(groups.join(':'));
  }
  return undefined;
}
