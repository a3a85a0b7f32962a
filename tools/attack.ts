// npm run attack: off-path attacks on the simulated network, counted.
//
// 1. Blind segments. CONNS clients (192.0.2.0/24) hold one connection each to a server
//    (198.51.100.1:80) over clean links. In rounds, an attacker who knows every 4-tuple but not the
//    sequence numbers injects (SimNetwork.inject of encodePacket bytes) a burst of forged segments
//    into both ends of random connections, spread over one second: RSTs and RST,ACKs (random seq),
//    SYNs (random seq), data segments (random seq, a plausible ACK: the victim's own SND.UNA..SND.NXT)
//    and timestamp forgeries (data with a plausible ACK, random seq and TSval = TS.Recent + 2^30);
//    the other kinds carry a TSval just above TS.Recent, so PAWS alone does not stop them. Between
//    bursts the genuine peers exchange a message each way. Required: 0 resets (no 'error' event),
//    0 injected bytes (each stream is exactly what the genuine peer wrote), 0 lockouts (every
//    message, and a last one after the attack, arrives). Also counted: the ACKs the victims sent
//    during the bursts (challenge ACKs and duplicate ACKs), which must stay within the host-wide
//    budget (challengeAckHostLimit, mean 1000/s, at most 1.5x in any second) on each host.
// 2. SYN flood. FLOOD spoofed SYNs from 203.0.113.0/24 (10 per ms) at a server with the default
//    listener (SYN queue 128, SYN cookies on), with 100 legitimate clients connecting during it.
//    Required: all 100 connect, none fails, and the server never holds more than its listener, its
//    SYN queue and the real connections. Reported: cookies sent and valid, the heap delta.
// 3. RST into TIME-WAIT. The client closes first and sits in TIME-WAIT (2MSL = 2 s here); a RST
//    with the exact sequence number (what an attacker who guessed right would send), RST,ACK or a
//    RST elsewhere in the window arrives at a random time in it. With rfc1337 on (the default,
//    src/core/config.ts) TIME-WAIT must last its full 2MSL; with it off, the control run shows that
//    such a RST does end it early (reported, not required).
// 4. Out-of-order flood. An attacker who sees the sequence numbers (on the path, or one who guessed
//    them) fills every connection's receive window with data beyond a hole that is never filled
//    (from 64 KiB past RCV.NXT on), on 50 connections at once, each with a 256 KiB window, at a
//    server whose host limit of out-of-order bytes (limits.reassembly) is 1 MiB, a tenth of what
//    the windows allow together. Required: the bytes held never exceed the limit, and every
//    genuine message still arrives, byte for byte.

import type { Instant } from '../src/core/time.js';
import { type SimConn, type SimHost, SimNetwork } from '../src/sim/index.js';
import { encodePacket } from '../src/wire/ip.js';
import { ACK, FIN, makeSegment, PSH, RST, SYN, type TcpOptions } from '../src/wire/segment.js';
import { seqAdd, seqDiff } from '../src/wire/seq.js';
import { fmt, Prng, parseArgs, Report } from './report.js';

const SERVER = '198.51.100.1';
const PORT = 80;

// ---------------------------------------------------------------------------------------------------
// 1. Blind segments

interface Pair {
  client: SimConn;
  server: SimConn;
  /** What each side wrote, in order. */
  c2s: number[];
  s2c: number[];
}

function blind(report: Report, total: number, conns: number, seed: number, deadline: number): void {
  const r = new Prng(seed);
  const sim = new SimNetwork({ seed, link: { latency: 5 } });
  const server = sim.host(SERVER, { name: 'server' });
  const listener = server.listen(PORT);
  const hosts: SimHost[] = [];
  const pairs: Pair[] = [];
  for (let i = 0; i < conns; i++) hosts.push(sim.host(`192.0.2.${i + 1}`, { name: `client${i}` }));
  for (const h of hosts) {
    const c = h.connect({ addr: SERVER, port: PORT });
    sim.runFor(50);
    const s = listener.accepted.at(-1);
    if (s === undefined || s.remote?.port !== c.local?.port) throw new Error('attack: a client did not connect');
    pairs.push({ client: c, server: s, c2s: [], s2c: [] });
  }
  let msg = 0;
  const exchange = (): void => {
    for (const p of pairs) {
      const a = message(msg++, r.range(1, 200));
      const b = message(msg++, r.range(1, 200));
      p.client.write(a);
      p.server.write(b);
      p.c2s.push(...a);
      p.s2c.push(...b);
    }
    sim.runFor(2_000);
  };
  exchange();

  // Answers of each host during the bursts, by one-second window.
  let inBurst = false;
  const answers = new Map<string, Map<number, number>>();
  sim.tap((wp) => {
    if (!inBurst || wp.injected) return;
    const key = `${roundKind < 2 ? 'challenge' : 'dupack'}|${wp.from}`;
    let m = answers.get(key);
    if (m === undefined) {
      m = new Map();
      answers.set(key, m);
    }
    const w = Math.floor(wp.t / 1000);
    m.set(w, (m.get(w) ?? 0) + 1);
  });
  const counts = { rst: 0, syn: 0, data: 0, tsForge: 0 };
  let sent = 0;
  let rounds = 0;
  const perRound = Math.min(Math.ceil(total / 4), 20_000);
  /** The kind of the current round: 0 RST, 1 SYN (challenge ACKs), 2 data, 3 TSval+2^30 (duplicate ACKs). */
  let roundKind = 0;
  while (sent < total && performance.now() < deadline) {
    rounds++;
    // Align the burst to a one-second window of the host budget.
    sim.runFor(1000 - (sim.now % 1000));
    const start = sim.now;
    const n = Math.min(perRound, total - sent);
    for (let i = 0; i < n; i++) {
      const p = r.pick(pairs);
      const toServer = r.chance(0.5);
      const victim = toServer ? p.server : p.client;
      const info = victim.connection?.info();
      if (info === undefined) continue;
      const src = toServer ? (p.client.local as { addr: string; port: number }) : { addr: SERVER, port: PORT };
      const dst = toServer ? { addr: SERVER, port: PORT } : (p.client.local as { addr: string; port: number });
      // One kind per round, in turn, so that the answers of each kind can be told apart.
      const kind = (rounds - 1) % 4;
      const plausibleAck = seqAdd(info.sndUna, r.int(Math.max(1, seqDiff(info.sndNxt, info.sndUna) + 1)));
      const ts: TcpOptions = info.timestamps
        ? { ts: { val: seqAdd(info.tsRecent, kind === 3 ? 2 ** 30 : r.range(1, 1000)), ecr: 0 } }
        : {};
      let flags: number;
      let payload: Uint8Array = new Uint8Array(0);
      if (kind === 0) {
        flags = r.chance(0.5) ? RST : RST | ACK;
        counts.rst++;
      } else if (kind === 1) {
        flags = SYN;
        counts.syn++;
      } else {
        flags = PSH | ACK;
        payload = r.bytes(r.range(1, 100));
        if (kind === 2) counts.data++;
        else counts.tsForge++;
      }
      const seg = makeSegment({
        srcPort: src.port,
        dstPort: dst.port,
        seq: r.u32(),
        ack: flags & ACK ? plausibleAck : 0,
        flags,
        wnd: 65535,
        options: ts,
        payload,
      });
      sim.inject(encodePacket({ src: src.addr, dst: dst.addr, seg }), start + Math.floor((i * 1000) / n));
      sent++;
    }
    roundKind = (rounds - 1) % 4;
    inBurst = true;
    sim.run({ until: start + 999 });
    inBurst = false;
    sim.runFor(1_000);
    exchange();
  }
  // The last word: one more message each way, after everything.
  exchange();
  sim.runFor(10_000);

  let resets = 0;
  let injected = 0;
  let lockouts = 0;
  for (const p of pairs) {
    for (const c of [p.client, p.server]) resets += c.events.filter((e) => e.event.type === 'error').length;
    for (const [got, want] of [
      [p.server.receivedBytes(), p.c2s],
      [p.client.receivedBytes(), p.s2c],
    ] as const) {
      let bad = Math.max(0, got.length - want.length);
      for (let i = 0; i < Math.min(got.length, want.length); i++) if (got[i] !== want[i]) bad++;
      injected += bad;
      if (got.length < want.length) lockouts++;
    }
  }
  const worst = { challenge: 0, dupack: 0 };
  const worstName = { challenge: '-', dupack: '-' };
  const totals = { challenge: 0, dupack: 0 };
  for (const [key, m] of answers) {
    const [kind, h] = key.split('|') as ['challenge' | 'dupack', string];
    for (const v of m.values()) {
      totals[kind] += v;
      if (v > worst[kind]) {
        worst[kind] = v;
        worstName[kind] = h;
      }
    }
  }
  const stats = [server, ...hosts].map((h) => h.endpoint.stats);
  const drop = (k: string): number => stats.reduce((a, s) => a + ((s.drops as Record<string, number>)[k] ?? 0), 0);
  report.figure('blind: connections under attack', conns);
  report.figure('blind: rounds (1 s burst, then genuine messages)', rounds);
  report.figure('blind: forged segments sent', sent);
  report.figure(
    'blind: of which RST / SYN / data / TSval+2^30',
    `${fmt(counts.rst)} / ${fmt(counts.syn)} / ${fmt(counts.data)} / ${fmt(counts.tsForge)}`,
  );
  report.figure('blind: challenge ACKs sent in RST and SYN rounds', totals.challenge);
  report.figure(
    'blind: most challenge ACKs from one host in one second',
    `${fmt(worst.challenge)} (${worstName.challenge}; host budget 1,000/s mean, at most 1,500)`,
  );
  report.figure('blind: duplicate ACKs sent in data and TSval rounds', totals.dupack);
  report.figure(
    'blind: most duplicate ACKs from one host in one second',
    `${fmt(worst.dupack)} (${worstName.dupack}; the same host budget)`,
  );
  report.figure('blind: ACKs withheld (challenge-ack-limit)', drop('challenge-ack-limit'));
  report.figure(
    'blind: dropped rst-out-of-window / unacceptable / paws',
    `${fmt(drop('rst-out-of-window'))} / ${fmt(drop('unacceptable'))} / ${fmt(drop('paws'))}`,
  );
  report.check('blind: every forged segment sent', sent === total, `${fmt(sent)} of ${fmt(total)}`);
  report.check('blind: 0 resets', resets === 0, `${resets}`);
  report.check('blind: 0 bytes injected into either stream', injected === 0, `${injected}`);
  report.check(
    'blind: 0 lockouts (every genuine message arrived, the last after the attack)',
    lockouts === 0,
    `${lockouts}`,
  );
  report.check(
    'blind: challenge ACKs per host per second within the host budget',
    worst.challenge <= 1_500,
    `${worst.challenge}`,
  );
  report.check(
    'blind: duplicate ACKs to forged data per host per second within the host budget',
    worst.dupack <= 1_500,
    `${worst.dupack}`,
  );
  report.check(
    'blind: all connections still ESTABLISHED',
    pairs.every((p) => p.client.state === 'ESTABLISHED' && p.server.state === 'ESTABLISHED'),
  );
}

function message(n: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (n * 131 + i * 7) & 0xff;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// 2. SYN flood

function heap(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  g?.();
  return process.memoryUsage().heapUsed;
}

function synFlood(report: Report, flood: number, seed: number): void {
  const r = new Prng(seed);
  const sim = new SimNetwork({ seed, link: { latency: 5 } });
  const server = sim.host(SERVER, { name: 'server' });
  server.listen(PORT);
  const SYN_QUEUE = 128;
  const clients = Array.from({ length: 10 }, (_, i) => sim.host(`192.0.2.${i + 1}`, { name: `client${i}` }));
  const heap0 = heap();
  const LEGIT = 100;
  const spanMs = Math.ceil(flood / 10);
  const legitEvery = Math.max(1, Math.floor(spanMs / LEGIT));
  let connected = 0;
  let failed = 0;
  let maxHeld = 0;
  let heapPeak = 0;
  const legit: SimConn[] = [];
  let injected = 0;
  let nextLegit = r.int(legitEvery);
  for (let ms = 0; injected < flood || legit.length < LEGIT; ms++) {
    for (let k = 0; k < 10 && injected < flood; k++, injected++) {
      const seg = makeSegment({
        srcPort: 1024 + r.int(60_000),
        dstPort: PORT,
        seq: r.u32(),
        flags: SYN,
        wnd: 65535,
        options: { mss: 1460 },
      });
      sim.inject(encodePacket({ src: `203.0.113.${1 + r.int(254)}`, dst: SERVER, seg }));
    }
    if (ms >= nextLegit && legit.length < LEGIT) {
      nextLegit = ms + r.range(1, 2 * legitEvery - 1);
      const c = (clients[legit.length % clients.length] as SimHost).connect({ addr: SERVER, port: PORT });
      c.on('connected', () => connected++);
      c.on('error', () => failed++);
      legit.push(c);
    }
    sim.runFor(1);
    if (ms % 10 === 0) maxHeld = Math.max(maxHeld, server.connections().length);
    if (ms % 1000 === 0) heapPeak = Math.max(heapPeak, heap() - heap0);
  }
  for (let t = 0; t < 5_000; t += 10) {
    sim.runFor(10);
    maxHeld = Math.max(maxHeld, server.connections().length);
  }
  heapPeak = Math.max(heapPeak, heap() - heap0);
  const held = server.connections().length;
  // The half-open spoofed connections run out of SYN,ACK retries (about a minute); the real ones stay.
  sim.runFor(200_000);
  const after = server.connections().length;
  const heapAfter = heap() - heap0;
  const st = server.endpoint.stats;
  report.figure('flood: spoofed SYNs (203.0.113.0/24)', injected);
  if (process.env.FINACK_ATTACK_DEBUG) console.log(JSON.stringify({ ...st, drops: undefined }));
  report.figure('flood: legitimate clients', legit.length);
  report.figure('flood: connected / failed', `${connected} / ${failed}`);
  report.figure(
    'flood: SYN cookies sent / valid / invalid',
    `${fmt(st.synCookies.sent)} / ${fmt(st.synCookies.valid)} / ${fmt(st.synCookies.invalid)}`,
  );
  report.figure(
    'flood: most entries held by the server',
    `${maxHeld} (bound: 1 listener + ${SYN_QUEUE} SYN queue + ${LEGIT} real)`,
  );
  report.figure('flood: entries held 5 s after the flood / 200 s later', `${held} / ${after}`);
  report.figure(
    'flood: heap delta, peak / after',
    `${(heapPeak / 1e6).toFixed(1)} MB / ${(heapAfter / 1e6).toFixed(1)} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: rough)'}`,
  );
  report.check(
    'flood: all 100 legitimate clients connect',
    connected === LEGIT && failed === 0,
    `${connected} connected, ${failed} failed`,
  );
  report.check(
    'flood: server memory bounded (held <= listener + SYN queue + real)',
    maxHeld <= 1 + SYN_QUEUE + LEGIT,
    `${maxHeld}`,
  );
  report.check('flood: cookies were used', st.synCookies.valid > 0, `${st.synCookies.valid} valid`);
  report.check('flood: afterwards only the listener and the real connections remain', after <= 1 + LEGIT, `${after}`);
}

// ---------------------------------------------------------------------------------------------------
// 3. RST into TIME-WAIT

function timeWaitRst(
  rfc1337: boolean,
  trials: number,
  seed: number,
): { shortened: number; trials: number; worst: number } {
  const r = new Prng(seed);
  const MSL = 1_000;
  let shortened = 0;
  let worst = Infinity;
  for (let i = 0; i < trials; i++) {
    const sim = new SimNetwork({ seed: seed + i, link: { latency: 5 }, config: { msl: MSL, rfc1337 } });
    const server = sim.host(SERVER, { name: 'server' });
    const client = sim.host('192.0.2.1', { name: 'client' });
    server.listen(PORT).onAccept = (s) => s.on('peer-fin', () => s.close());
    let fin: { seq: number; ack: number; ts: number | undefined } | undefined;
    sim.tap((wp) => {
      const seg = wp.packet?.seg;
      if (wp.from === 'server' && seg && seg.flags & FIN)
        fin = { seq: seqAdd(seg.seq, seg.payload.length + 1), ack: seg.ack, ts: seg.options.ts?.val };
    });
    const c = client.connect({ addr: SERVER, port: PORT });
    c.on('connected', () => {
      c.write('bye');
      c.close();
    });
    sim.runUntil(() => c.saw('time-wait'), { limit: 10_000 });
    const twAt = c.timeOf('time-wait') as Instant;
    if (fin === undefined || twAt === undefined) throw new Error('attack: no TIME-WAIT');
    const when = twAt + r.range(1, 2 * MSL - 50);
    const kind = r.int(3);
    const seq = kind === 2 ? seqAdd(fin.seq, r.range(1, 60_000)) : fin.seq;
    const seg = makeSegment({
      srcPort: PORT,
      dstPort: c.local?.port ?? 0,
      seq,
      ack: kind === 1 ? fin.ack : 0,
      flags: kind === 1 ? RST | ACK : RST,
      wnd: 0,
      options: fin.ts === undefined ? {} : { ts: { val: seqAdd(fin.ts, 1), ecr: 0 } },
    });
    sim.inject(encodePacket({ src: SERVER, dst: '192.0.2.1', seg }), when);
    sim.run();
    const closedAt = c.timeOf('closed');
    const lasted = (closedAt ?? Infinity) - twAt;
    worst = Math.min(worst, lasted);
    if (lasted < 2 * MSL) shortened++;
  }
  return { shortened, trials, worst };
}

// ---------------------------------------------------------------------------------------------------
// 4. Out-of-order flood

function outOfOrderFlood(report: Report, rounds: number, seed: number): void {
  const r = new Prng(seed);
  const LIMIT = 1 << 20;
  const WINDOW = 256 * 1024;
  const CONNS = 50;
  const sim = new SimNetwork({ seed, link: { latency: 5 }, config: { recvBuffer: WINDOW } });
  const server = sim.host(SERVER, { name: 'server', limits: { reassembly: LIMIT } });
  const listener = server.listen(PORT);
  const pairs: { client: SimConn; server: SimConn; wrote: number[] }[] = [];
  for (let i = 0; i < CONNS; i++) {
    const c = sim.host(`192.0.2.${i + 1}`, { name: `client${i}` }).connect({ addr: SERVER, port: PORT });
    sim.runFor(50);
    const s = listener.accepted.at(-1);
    if (s === undefined || s.remote?.port !== c.local?.port) throw new Error('attack: a client did not connect');
    pairs.push({ client: c, server: s, wrote: [] });
  }
  let peak = 0;
  let forged = 0;
  for (let round = 0; round < rounds; round++) {
    for (const p of pairs) {
      const info = p.server.connection?.info();
      if (info === undefined) continue;
      // Data from 64 KiB past RCV.NXT to the end of the window, in 1,400-byte segments; the
      // genuine stream (at most 60,000 bytes in all) never reaches it.
      for (let off = 65_536; off + 1400 <= WINDOW; off += 1400 + r.int(2000)) {
        const src = p.client.local as { addr: string; port: number };
        const seg = makeSegment({
          srcPort: src.port,
          dstPort: PORT,
          seq: seqAdd(info.rcvNxt, off),
          ack: info.sndNxt,
          flags: ACK,
          wnd: 65535,
          payload: message(forged, 1400),
        });
        sim.inject(encodePacket({ src: src.addr, dst: SERVER, seg }));
        forged++;
      }
      const m = message(round, r.range(1, 3000));
      p.client.write(m);
      p.wrote.push(...m);
    }
    for (let t = 0; t < 500; t += 10) {
      sim.runFor(10);
      peak = Math.max(peak, server.endpoint.stats.outOfOrderBytes);
    }
  }
  sim.runFor(60_000);
  const st = server.endpoint.stats;
  const whole = pairs.filter((p) => equalBytes(p.server.receivedBytes(), p.wrote)).length;
  report.figure('out-of-order: forged segments beyond a hole', forged);
  report.figure(
    'out-of-order: most bytes held / host limit / what the windows allow',
    `${fmt(peak)} / ${fmt(LIMIT)} / ${fmt(CONNS * WINDOW)}`,
  );
  report.figure('out-of-order: segments refused at the limit', st.limits.reassembly);
  report.check('out-of-order: held bytes never exceed the host limit', peak <= LIMIT, `${peak}`);
  report.check('out-of-order: the limit was reached and enforced', st.limits.reassembly > 0, `${st.limits.reassembly}`);
  report.check(
    'out-of-order: every genuine message arrives whole',
    whole === CONNS,
    `${whole} of ${CONNS} connections`,
  );
}

function equalBytes(got: Uint8Array, want: readonly number[]): boolean {
  return got.length === want.length && got.every((b, i) => b === want[i]);
}

// ---------------------------------------------------------------------------------------------------

export function main(argv: string[]): number {
  const opts = parseArgs(argv, { seed: 0xa77a_2026, timeLimit: 600, quickTimeLimit: 60 });
  const blindCount = opts.count ?? (opts.quick ? 20_000 : 1_000_000);
  const flood = opts.quick ? 10_000 : 100_000;
  const twTrials = opts.quick ? 30 : 500;
  const report = new Report(
    `attack: ${fmt(blindCount)} blind segments, ${fmt(flood)}-SYN flood, ${twTrials} RSTs into TIME-WAIT, seed ${opts.seed}`,
  );
  const deadline = report.started + opts.timeLimit * 1000;
  blind(report, blindCount, opts.quick ? 10 : 50, opts.seed, deadline);
  synFlood(report, flood, opts.seed + 1);
  const on = timeWaitRst(true, twTrials, opts.seed + 2);
  const off = timeWaitRst(false, Math.min(twTrials, 100), opts.seed + 3);
  report.figure(
    'time-wait: RSTs with rfc1337 on, TIME-WAITs shortened',
    `${on.shortened} of ${on.trials} (shortest ${on.worst} ms, 2MSL 2,000 ms)`,
  );
  report.figure('time-wait: control, rfc1337 off, TIME-WAITs shortened', `${off.shortened} of ${off.trials}`);
  report.check('time-wait: rfc1337 on, no RST shortens TIME-WAIT', on.shortened === 0, `${on.shortened}`);
  outOfOrderFlood(report, opts.quick ? 3 : 20, opts.seed + 4);
  if (performance.now() > deadline) report.check('finished within the time limit', false, `${opts.timeLimit} s`);
  return report.print();
}

process.exitCode = main(process.argv.slice(2));
