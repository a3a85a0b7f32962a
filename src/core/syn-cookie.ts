// SYN cookies (RFC 4987 §3.6): when a listener's SYN queue is full, its SYN,ACK carries the state
// of the half-open connection in its own sequence number, and nothing is kept. A genuine peer's ACK
// gives the number back (SEG.ACK - 1); if it checks out, the connection is made then, already
// past SYN-RECEIVED. A spoofed SYN therefore costs no memory at all.
//
// The cookie, 32 bits:
//
//   | count mod 32 (5) | MSS index (3) | keyed hash (24) |
//
// `count` is the endpoint's time in 64-second steps; a cookie is good for the step it was made in
// and the one after (64 to 128 s). The hash is SipHash over the 4-tuple, the count, the peer's ISN
// and the MSS index (isn.ts, under the endpoint's secret), so a blind attacker has a 1 in 2^24
// chance per guess, and cannot change the MSS of a cookie it has seen. The MSS is kept as the index
// of the largest table entry not above the peer's offer.
//
// What does not fit travels in the timestamp option, as Linux does it: when the peer's SYN had
// timestamps, the low 6 bits of our SYN,ACK's TSval hold the peer's window scale (0-14, 15 for
// none) and whether it allowed SACK, and its ACK echoes them in TSecr. Without timestamps the
// connection goes without window scaling and SACK (RFC 4987 names that cost).

import { ACK, makeSegment, RST, type Segment, SYN, type TcpOptions } from '../wire/segment.js';
import { seqAdd } from '../wire/seq.js';
import type { TcpConfig } from './config.js';
import { Connection, type ConnectionOptions } from './connection.js';
import type { Address, IsnGenerator } from './isn.js';
import type { Instant } from './time.js';

/** One cookie step: 64 s of the endpoint's time, in ms. */
export const COOKIE_STEP_MS = 64_000;

/** MSS values a cookie can carry (index 0-7), ascending: common IPv4 and IPv6 paths and jumbo frames. */
export const COOKIE_MSS = [536, 1220, 1300, 1360, 1440, 1460, 4312, 8960] as const;

const NO_WSCALE = 15;
const SACK_BIT = 0x10;
const OPTION_BITS = 0x3f;

/** The step `now` falls in. */
export function cookieCount(now: Instant): number {
  return Math.floor(now / COOKIE_STEP_MS);
}

/** Index of the largest COOKIE_MSS entry not above `mss` (0 for anything below 536). */
export function mssIndex(mss: number): number {
  let i = COOKIE_MSS.length - 1;
  while (i > 0 && COOKIE_MSS[i]! > mss) i--;
  return i;
}

/** The cookie (our ISS) for a SYN from `remote` to `local` with sequence number `peerIsn`. */
export function makeCookie(
  isn: IsnGenerator,
  local: Address,
  remote: Address,
  peerIsn: number,
  mss: number,
  now: Instant,
): number {
  const count = cookieCount(now);
  const index = mssIndex(mss);
  const h = isn.cookieHash(local, remote, count, peerIsn, index);
  return (((count & 0x1f) << 27) | (index << 24) | (h & 0xffffff)) >>> 0;
}

/**
 * The MSS a cookie carries when it is one of ours for this tuple and peer ISN, made in this step or
 * the one before; undefined otherwise.
 */
export function checkCookie(
  isn: IsnGenerator,
  local: Address,
  remote: Address,
  peerIsn: number,
  cookie: number,
  now: Instant,
): number | undefined {
  const index = (cookie >>> 24) & 7;
  const low5 = cookie >>> 27;
  const current = cookieCount(now);
  for (const count of [current, current - 1]) {
    if (count < 0 || (count & 0x1f) !== low5) continue;
    const h = isn.cookieHash(local, remote, count, peerIsn, index);
    if ((h & 0xffffff) === (cookie & 0xffffff)) return COOKIE_MSS[index];
  }
  return undefined;
}

/**
 * Our SYN,ACK's TSval with the peer's SYN options in its low 6 bits. The result is never later
 * than `tsval` (64 is taken off when the bits would make it so), so the peer never sees our clock
 * jump ahead.
 */
export function encodeTsOptions(tsval: number, syn: TcpOptions, sackAllowed: boolean): number {
  const ws = syn.wscale === undefined ? NO_WSCALE : Math.min(syn.wscale, 14);
  const bits = ws | (sackAllowed && syn.sackPermitted === true ? SACK_BIT : 0);
  let v = ((tsval & ~OPTION_BITS) | bits) >>> 0;
  if (v > tsval >>> 0) v = (v - (OPTION_BITS + 1)) >>> 0;
  return v;
}

/**
 * The peer's SYN, as the cookie and its ACK give it back: sequence number, MSS, and (when the ACK
 * carries timestamps) window scale, SACK permission and timestamps. Its window is the ACK's: a
 * SYN's window is never scaled, and the ACK's own window update follows at once.
 */
export function rebuildSyn(ack: Segment, mss: number): Segment {
  const options: TcpOptions = { mss };
  const ts = ack.options.ts;
  if (ts !== undefined) {
    const ws = ts.ecr & 0x0f;
    if (ws !== NO_WSCALE) options.wscale = ws;
    if (ts.ecr & SACK_BIT) options.sackPermitted = true;
    options.ts = { val: ts.val, ecr: 0 };
  }
  return makeSegment({
    srcPort: ack.srcPort,
    dstPort: ack.dstPort,
    seq: seqAdd(ack.seq, -1),
    flags: SYN,
    wnd: ack.wnd,
    options,
  });
}

/** Is `seg` shaped like the ACK that completes a handshake (ACK, no SYN) and does it carry a cookie? */
export function cookieCandidate(seg: Segment): number | undefined {
  if ((seg.flags & (ACK | SYN | RST)) !== ACK) return undefined;
  return seqAdd(seg.ack, -1);
}

/**
 * The SYN,ACK that answers `syn` with a cookie: the one a half-open connection would send, made
 * by a Connection that is let go at once, with the peer's options folded into its TSval. Window
 * scale and SACK permission come back only through the timestamps, so without them the SYN,ACK
 * promises neither (as Linux clears them). `scratch` names the connection for counts and traces.
 */
export function cookieSynAck(
  isn: IsnGenerator,
  cfg: TcpConfig,
  local: Address,
  remote: Address,
  syn: Segment,
  now: Instant,
  scratch: Pick<ConnectionOptions, 'tsOffset' | 'drops' | 'endpoint' | 'label'>,
): Segment[] {
  const iss = makeCookie(isn, local, remote, syn.seq, syn.options.mss ?? cfg.defaultPeerMss, now);
  const conn = new Connection({ ...scratch, localPort: local.port, remotePort: 0, iss, config: cfg });
  conn.listen(now);
  const promised =
    syn.options.ts !== undefined && cfg.timestamps
      ? syn
      : { ...syn, options: { ...syn.options, wscale: undefined, sackPermitted: undefined } };
  return conn.handleSegment(promised, now).segments.map((s) => {
    const ts = s.options.ts;
    if (ts === undefined || !(s.flags & SYN)) return s;
    const val = encodeTsOptions(ts.val, syn.options, cfg.sackPermitted);
    return { ...s, options: { ...s.options, ts: { val, ecr: ts.ecr } } };
  });
}

/**
 * What an ACK at a listener brings back: undefined when it is not to be looked at as a cookie
 * (the listener sent none in the last two steps, or the segment is not a bare third segment),
 * 'bad' when it fails the check, else the connection's ISS and the peer's SYN rebuilt.
 */
export function returnedCookie(
  isn: IsnGenerator,
  cookieSentAt: Instant | undefined,
  local: Address,
  remote: Address,
  ack: Segment,
  now: Instant,
): { iss: number; syn: Segment } | 'bad' | undefined {
  if (cookieSentAt === undefined || now - cookieSentAt > 2 * COOKIE_STEP_MS) return undefined;
  const cookie = cookieCandidate(ack);
  if (cookie === undefined) return undefined;
  const mss = checkCookie(isn, local, remote, seqAdd(ack.seq, -1), cookie, now);
  return mss === undefined ? 'bad' : { iss: cookie, syn: rebuildSyn(ack, mss) };
}
