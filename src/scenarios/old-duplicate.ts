// `old-duplicate`: the second reason for TIME-WAIT in the seed text. A segment of an earlier
// incarnation of a 4-tuple, delayed in the network, must not be taken for data of a new incarnation.
//
// Two runs of the same story, between client port 5000 and server port 80 (one-way latency 1 ms):
//   incarnation 1: the server sends 8000 bytes of 'O' to the client; the client closes first.
//   Then a copy of one of those server segments, delayed in the network, arrives at the client.
//  - protected (MSL as given, default 30 s): the client is in TIME-WAIT, so it cannot open the tuple
//    again (EADDRINUSE); the old copy meets the TIME-WAIT record and is answered with an ACK, not
//    accepted. A new incarnation starts only after 2×MSL, when the copy has long expired.
//  - unprotected (MSL = 0): TIME-WAIT ends at once; the client reopens the same tuple right away;
//    the old copy falls inside the new receive window and is accepted: the client reads 'O' bytes of
//    incarnation 1 in the middle of incarnation 2's 'n' bytes.
// Timestamps are off in both runs so that PAWS (RFC 7323 §5), a second guard, does not hide the effect.
// The copy is chosen the way the danger arises: the incarnation-1 segment whose sequence number falls
// in the new window (the ISN clock advanced only 250 per ms, so the old data lies just ahead).

import { UsageError } from '../base/errors.js';
import type { Duration } from '../core/time.js';
import type { SimConn, SimListener } from '../sim/index.js';
import { formatDuration } from '../trace/ladder.js';
import { SYN } from '../wire/segment.js';
import {
  CLIENT,
  ms,
  result,
  type ScenarioDef,
  type ScenarioOptions,
  type ScenarioRun,
  SERVER,
  sent,
  World,
} from './world.js';

export const OLD_DUP_CLIENT_PORT = 5000;
export const INCARNATION_BYTES = 8000;
const OLD = 0x4f; // 'O'
const NEW = 0x6e; // 'n'

const def = {
  name: 'old-duplicate',
  title: 'old duplicate: a delayed segment of an earlier incarnation, with and without TIME-WAIT',
  description:
    "A copy of one of the server's data segments of incarnation 1 is delayed in the network and " +
    'arrives after the client has closed. Run 1 honours TIME-WAIT: the tuple cannot be reused, the ' +
    'old copy meets the TIME-WAIT record and is only ACKed. Run 2 sets MSL to 0: the client reopens ' +
    'the same 4-tuple at once and the old copy lands inside the new receive window, so incarnation-1 ' +
    "bytes ('O') are read as data of incarnation 2 ('n'). Timestamps are off in both runs (PAWS would " +
    'otherwise catch the copy). One-way latency 1 ms.',
};

interface Captured {
  bytes: Uint8Array;
  seq: number;
  len: number;
}

function countByte(b: Uint8Array, v: number): number {
  let n = 0;
  for (const x of b) if (x === v) n++;
  return n;
}

/** Incarnation 1, up to the client's TIME-WAIT (or CLOSED when MSL is 0). */
function incarnationOne(w: World): { captured: Captured[]; c: SimConn; l: SimListener } {
  const captured: Captured[] = [];
  const untap = w.net.tap((p) => {
    const seg = p.packet?.seg;
    if (p.from === SERVER && !p.injected && seg && seg.payload.length > 0) {
      captured.push({ bytes: p.bytes, seq: seg.seq, len: seg.payload.length });
    }
  });
  const l = w.listen();
  w.start();
  w.note('incarnation 1: client port 5000 connects');
  const c = w.dial(OLD_DUP_CLIENT_PORT);
  const s = w.accepted(l);
  w.note(`server app: write ${INCARNATION_BYTES} bytes of 'O'`);
  s.write(new Uint8Array(INCARNATION_BYTES).fill(OLD));
  w.net.runUntil(() => c.receivedBytes().length >= INCARNATION_BYTES);
  w.note('client app: close()');
  c.close();
  w.net.runUntil(() => s.state === 'CLOSE-WAIT');
  s.close();
  w.net.runUntil(() => c.state === 'TIME-WAIT' || c.state === 'CLOSED');
  untap();
  return { captured, c, l };
}

/** Incarnation 2 from the same port: the server answers with 8000 bytes of 'n'. */
function incarnationTwo(w: World): SimConn {
  w.note('incarnation 2: client port 5000 connects again');
  const c2 = w.dial(OLD_DUP_CLIENT_PORT);
  w.net.runUntil(() => c2.state === 'ESTABLISHED');
  return c2;
}

function respond(w: World, l: SimListener): void {
  const s2 = w.accepted(l, 1);
  w.note(`server app: write ${INCARNATION_BYTES} bytes of 'n'`);
  s2.write(new Uint8Array(INCARNATION_BYTES).fill(NEW));
}

function unprotected(opts: ScenarioOptions): { run: ScenarioRun; index: number } {
  const w = new World({ ...opts, msl: 0, latency: 1, config: { timestamps: false } });
  const { captured, l } = incarnationOne(w);
  w.net.runUntil(() => w.client.conns()[0]?.state === 'CLOSED');
  const c2 = incarnationTwo(w);
  // The client's RCV.NXT in incarnation 2: one past the server's new ISN (its SYN,ACK).
  const synAck = sent(w.rec.events, SERVER, (f) => (f & SYN) !== 0).at(-1);
  const rcvNxt = synAck ? (synAck.seg.seq + 1) >>> 0 : 0;
  let index = captured.length - 1;
  let best = Number.POSITIVE_INFINITY;
  captured.forEach((k, i) => {
    const d = (k.seq - rcvNxt) | 0;
    if (d >= 0 && d < 65535 && d < best) {
      best = d;
      index = i;
    }
  });
  const dup = captured[index]!;
  w.net.runFor(1);
  w.note(`a delayed copy of incarnation-1 segment #${index + 1} (${dup.len} bytes of 'O') arrives`);
  w.net.inject(dup.bytes);
  w.net.runFor(1);
  respond(w, l);
  w.net.run();
  const got = c2.receivedBytes();
  const old = countByte(got, OLD);
  const run = w.run(
    'without TIME-WAIT (MSL = 0, tuple reopened at once)',
    () => [
      `client reopened port 5000 right away; the old copy (seq ${dup.seq}) lay ${Number.isFinite(best) ? best : '?'} bytes into the new window`,
      old > 0
        ? `incarnation 2 delivered ${got.length} bytes to the client, ${old} of them 'O' from incarnation 1: the stream is corrupted`
        : `incarnation 2 delivered ${got.length} bytes, none from incarnation 1`,
    ],
    {
      oldSegmentAccepted: old > 0,
      oldBytesAccepted: old,
      receivedBytes: got.length,
      dupSeq: dup.seq,
      offsetInWindow: Number.isFinite(best) ? best : -1,
    },
  );
  return { run, index };
}

function protectedRun(opts: ScenarioOptions, index: number): { run: ScenarioRun; w: World } {
  const w = new World({ ...opts, latency: 1, config: { timestamps: false } });
  const { captured, c, l } = incarnationOne(w);
  let refused = '';
  try {
    w.dial(OLD_DUP_CLIENT_PORT);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    refused = err.code;
  }
  w.note(`client app: connect() from port 5000 again → ${refused || 'allowed'} (tuple in TIME-WAIT)`);
  const dup = captured[Math.min(index, captured.length - 1)]!;
  w.net.runFor(1);
  w.note(`a delayed copy of incarnation-1 segment #${index + 1} (${dup.len} bytes of 'O') arrives`);
  w.net.inject(dup.bytes);
  w.net.runUntil(() => c.state === 'CLOSED');
  const reopenedAt = w.t;
  const c2 = incarnationTwo(w);
  respond(w, l);
  w.net.run();
  const got = c2.receivedBytes();
  const old = countByte(got, OLD);
  const mslMs: Duration = w.mslMs;
  const run = w.run(
    `with TIME-WAIT (MSL = ${formatDuration(mslMs)})`,
    (f) => [
      `reopening port 5000 during TIME-WAIT was refused (${refused || 'not refused'}); the old copy was answered, not accepted`,
      `client TIME-WAIT from ${ms(f.timeWaitAt[CLIENT])} to ${ms(f.closedAt[CLIENT])}; incarnation 2 opened at ${ms(reopenedAt)} ` +
        `and delivered ${got.length} bytes, ${old} from incarnation 1`,
    ],
    { reconnectRefused: refused, oldSegmentAccepted: old > 0, oldBytesAccepted: old, receivedBytes: got.length },
  );
  return { run, w };
}

export const oldDuplicateScenario: ScenarioDef = {
  ...def,
  run(opts: ScenarioOptions = {}) {
    const b = unprotected(opts);
    const a = protectedRun(opts, b.index);
    return result(def, a.w, [a.run, b.run]);
  },
};
