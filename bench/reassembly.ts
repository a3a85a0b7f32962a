// Reassembly: 10,000 full-sized data segments (1,460 B) arriving inside the receive window, last one
// first, fed straight to the core Connection (handleSegment) of an established receiver; µs per
// segment, against the same 10,000 in order. With SACK negotiated and without. The receiver's buffer
// (32 MiB) holds every segment, and the application reads nothing meanwhile, in both orders.
// Timestamps are off so that the hand-made segments need no TS option.

import { alternate, compared, count, now, type Row, type RunOptions, type Workload } from './common.js';
import { ACK, Connection, makeSegment, type Segment, type TcpConfig } from './finack.js';

const MSS = 1460;
/** When the segments arrive (after the set-up's delayed ACK at 1,000 ms). */
const T = 2000;
const PAYLOAD = new Uint8Array(MSS).map((_, i) => i & 0xff);

/** An established receiver and the segments its peer would send next (not sent yet). */
function receiver(n: number, sack: boolean): { rcv: Connection; segs: Segment[] } {
  const config: Partial<TcpConfig> = {
    recvBuffer: 32 * 1024 * 1024,
    sendBuffer: 16 * 1024 * 1024,
    timestamps: false,
    sackPermitted: sack,
    mss: MSS,
  };
  const snd = new Connection({ localPort: 40000, remotePort: 80, iss: 1000, config });
  const rcv = new Connection({ localPort: 80, remotePort: 40000, iss: 5000, config });
  const deliver = (to: Connection, segs: Segment[]): void => {
    for (const s of segs) deliver(to === snd ? rcv : snd, to.handleSegment(s, 0).segments);
  };
  rcv.listen(0);
  deliver(rcv, snd.connect(0).segments);
  if (rcv.state !== 'ESTABLISHED' || snd.state !== 'ESTABLISHED') throw new Error('reassembly: no handshake');
  const info = snd.info();
  if (info.sack !== sack) throw new Error(`reassembly: SACK ${info.sack}, wanted ${sack}`);
  // The SYN,ACK's window is unscaled (at most 65,535): one byte in order first draws an ACK that
  // advertises the whole buffer, as a peer would have seen before it sent so far ahead.
  const first = makeSegment({
    srcPort: 40000,
    dstPort: 80,
    seq: info.sndNxt,
    ack: info.rcvNxt,
    flags: ACK,
    wnd: 65535,
    payload: PAYLOAD.subarray(0, 1),
  });
  rcv.handleSegment(first, 0);
  rcv.handleTimeout(1000); // the delayed ACK of that byte, carrying the full window
  if (rcv.info().rcvWnd < (n + 1) * MSS) throw new Error(`reassembly: window ${rcv.info().rcvWnd} too small`);
  const base = (info.sndNxt + 1) >>> 0;
  const segs: Segment[] = [];
  for (let i = 0; i < n; i++) {
    segs.push(
      makeSegment({
        srcPort: 40000,
        dstPort: 80,
        seq: (base + i * MSS) >>> 0,
        ack: info.rcvNxt,
        flags: ACK,
        wnd: 65535,
        payload: PAYLOAD,
      }),
    );
  }
  return { rcv, segs };
}

/** µs per segment delivered in the given order; checks that everything arrived in order at the end. */
export function feed(n: number, sack: boolean, reverse: boolean): number {
  const { rcv, segs } = receiver(n, sack);
  const t0 = now();
  if (reverse) for (let i = n - 1; i >= 0; i--) rcv.handleSegment(segs[i] as Segment, T);
  else for (let i = 0; i < n; i++) rcv.handleSegment(segs[i] as Segment, T);
  const us = ((now() - t0) * 1000) / n;
  const want = n * MSS + 1;
  if (rcv.recvQueued !== want) throw new Error(`reassembly: ${rcv.recvQueued} bytes readable, wanted ${want}`);
  return us;
}

export const reassemblyWorkload: Workload = {
  name: 'reassembly',
  describe: '10,000 segments in reverse order inside the window vs in order, core Connection, SACK on/off',
  async run(opts: RunOptions): Promise<Row[]> {
    const n = opts.quick ? 1_000 : 10_000;
    const rounds = opts.quick ? 1 : 5;
    const rows: Row[] = [];
    for (const sack of [true, false]) {
      const label = `SACK ${sack ? 'on' : 'off'}`;
      opts.progress(`${label}: ${count(n)} segments × ${rounds} rounds, reverse and in order`);
      // Warm-up (not counted): let the JIT compile both paths before the first timed sample.
      for (let i = 0; i < 3; i++) {
        feed(Math.min(n, 1000), sack, true);
        feed(Math.min(n, 1000), sack, false);
      }
      const r = await alternate(
        rounds,
        opts.budgetMs / 2,
        async () => feed(n, sack, true),
        async () => feed(n, sack, false),
        (i) => opts.progress(`  ${label}: round ${i + 1}/${rounds} done`),
      );
      rows.push(
        compared(
          {
            workload: 'reassembly',
            name: `reassembly, reverse order, ${label}`,
            size: `${count(n)} segs × ${r.a.length}`,
            unit: 'µs/seg',
            better: 'lower',
            refLabel: 'in order',
            target: '≤ 3× in order',
          },
          r.a,
          r.b,
          (_f, ratio) => ratio !== undefined && ratio <= 3,
        ),
      );
    }
    return rows;
  },
};
