// Synthetic captures, large and deterministic, for the analyzer's tests and benchmarks: complete
// TCP lifecycles between clients in 198.51.100.0/24 and servers in 203.0.113.0/24, each
//   SYN, SYN-ACK, ACK, the client's data in 1448-byte segments each ACKed by the server,
//   FIN/ACK from the client, its ACK, FIN/ACK from the server, the final ACK,
// with Linux-like options (MSS, SACK-permitted, timestamps, window scale on the SYNs; timestamps on
// every segment), real IP and TCP checksums, and microsecond timestamps that move forward a few
// tens of microseconds a packet. `concurrent` connections are open at once, their packets
// interleaved. Connection i goes from 198.51.100.(1 + i % 200) port 32768 + (7i + seed) % 28232 to
// 203.0.113.(1 + floor(i / 200) % 50) port 80 (443 for every fourth), so no 4-tuple comes back
// within the first 705,800 connections. The same options and seed give the same bytes.
//
// Each kind of segment is encoded once with src/wire's encoder; every packet is that template
// copied into a large output buffer with its fields patched (addresses, ports, seq, ack, flags, IP
// id and length, timestamps) and its checksums summed again, the payload's sum known in advance.
// Two 8 MiB buffers alternate, one being written while the other fills.
//
//   node --import tsx tools/gen-capture.ts --out FILE --connections N --data-bytes B
//        [--format pcap|pcapng] [--linktype 1|101|276] [--concurrent K] [--seed S]

import { type FileHandle, open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Rng } from '../src/base/rng.js';
import { pcapGlobalHeader } from '../src/trace/pcap.js';
import { foldSum, IPPROTO_TCP, onesSum, pseudoHeaderSumAt, TCP_CHECKSUM_AT } from '../src/wire/checksum.js';
import { encodePacket } from '../src/wire/ip.js';
import { fillIpv4Checksum } from '../src/wire/ipv4.js';
import { ACK, FIN, makeSegment, PSH, SYN } from '../src/wire/segment.js';
import { isEntry } from './report.js';

export interface SyntheticCaptureOptions {
  connections: number;
  /** Bytes each connection carries, client to server. */
  dataBytes: number;
  /** Default 'pcap'. */
  format?: 'pcap' | 'pcapng';
  /** 1 Ethernet, 101 raw IP (default), 276 Linux cooked v2. */
  linktype?: 1 | 101 | 276;
  /** Connections open at once (default 1: one after the other). */
  concurrent?: number;
  seed?: number;
}

export interface SyntheticCaptureResult {
  bytes: number;
  packets: number;
}

const MSS = 1448;
const SNAPLEN = 262144;
const BUFFER = 8 * 1024 * 1024;
/** Largest record: pcapng EPB framing (32) + SLL2 header (20) + IP/TCP (60) + a full segment. */
const MAX_RECORD = 32 + 20 + 60 + MSS + 4;
/** Where the capture's clock starts: 2026-01-15 12:00:00 UTC, in µs. */
const START_US = Date.UTC(2026, 0, 15, 12) * 1000;
const PAYLOAD_VARIANTS = 8;
const IP_HEADER = 20;
const SENTINEL_VAL = 0x5a5a1234;
const SENTINEL_ECR = 0xa5a54321;

/** A segment kind: the IP+TCP header bytes, where its timestamps sit, and its header length. */
interface Template {
  bytes: Uint8Array;
  tcpHeader: number;
  tsValAt: number;
}

function template(syn: boolean): Template {
  const seg = makeSegment({
    srcPort: 1,
    dstPort: 2,
    flags: syn ? SYN : ACK,
    wnd: syn ? 64240 : 502,
    options: syn
      ? { mss: 1460, sackPermitted: true, ts: { val: SENTINEL_VAL, ecr: SENTINEL_ECR }, wscale: 7 }
      : { ts: { val: SENTINEL_VAL, ecr: SENTINEL_ECR } },
  });
  const bytes = encodePacket({ src: '198.51.100.1', dst: '203.0.113.1', seg }, { df: true, ttl: 64 });
  const view = new DataView(bytes.buffer);
  let tsValAt = -1;
  for (let i = IP_HEADER; i + 8 <= bytes.length; i++) {
    if (view.getUint32(i) === SENTINEL_VAL && view.getUint32(i + 4) === SENTINEL_ECR) tsValAt = i;
  }
  if (tsValAt < 0) throw new Error('gen-capture: timestamps option not found in the template');
  return { bytes, tcpHeader: bytes.length - IP_HEADER, tsValAt };
}

/** One connection's progress through its packets. */
interface Conn {
  index: number;
  client: number; // IPv4 address as a 32-bit number
  server: number;
  cport: number;
  sport: number;
  /** Next sequence number of each side. */
  cseq: number;
  sseq: number;
  cid: number;
  sid: number;
  /** Offsets of each host's timestamp clock (ms). */
  cts: number;
  sts: number;
  /** The last TSval each side sent (the other echoes it). */
  clastTs: number;
  slastTs: number;
  step: number;
  sent: number;
  variant: number;
}

const CLIENT_NET = (198 << 24) | (51 << 16) | (100 << 8);
const SERVER_NET = (203 << 24) | (0 << 16) | (113 << 8);
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_COUNT = 61000 - 32768;

function checkOptions(o: SyntheticCaptureOptions): Required<SyntheticCaptureOptions> {
  const int = (name: string, v: unknown, min: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new RangeError(`${name} must be an integer >= ${min}, not ${String(v)}`);
    }
    return v;
  };
  const format = o.format ?? 'pcap';
  if (format !== 'pcap' && format !== 'pcapng') throw new RangeError(`format must be pcap or pcapng, not ${format}`);
  const linktype = o.linktype ?? 101;
  if (linktype !== 1 && linktype !== 101 && linktype !== 276) {
    throw new RangeError(`linktype must be 1, 101 or 276, not ${String(linktype)}`);
  }
  return {
    connections: int('connections', o.connections, 0),
    dataBytes: int('dataBytes', o.dataBytes, 0),
    format,
    linktype,
    concurrent: int('concurrent', o.concurrent ?? 1, 1),
    seed: int('seed', o.seed ?? 1, 0),
  };
}

/** Writes the capture to `path` (created or truncated). Resolves to the file's size and packet count. */
export async function writeSyntheticCapture(
  path: string,
  options: SyntheticCaptureOptions,
): Promise<SyntheticCaptureResult> {
  const o = checkOptions(options);
  const rng = new Rng(o.seed);
  const syn = template(true);
  const plain = template(false);
  const payloads: Uint8Array[] = [];
  const sums: number[] = [];
  const lastLen = o.dataBytes % MSS;
  const lastSums: number[] = [];
  for (let k = 0; k < PAYLOAD_VARIANTS; k++) {
    // Printable text, so a dissector that guesses the protocol by port sees no garbage.
    const p = rng
      .fork(`payload ${k}`)
      .bytes(MSS)
      .map((b) => 0x61 + (b % 26));
    payloads.push(p);
    sums.push(onesSum(p));
    lastSums.push(onesSum(p, 0, lastLen));
  }
  const segments = Math.ceil(o.dataBytes / MSS);
  const perConn = 7 + 2 * segments;
  const linkHeader = o.linktype === 1 ? 14 : o.linktype === 276 ? 20 : 0;
  const ng = o.format === 'pcapng';

  const fh = await open(path, 'w');
  const buffers = [new Uint8Array(BUFFER), new Uint8Array(BUFFER)];
  const views = buffers.map((b) => new DataView(b.buffer));
  let which = 0;
  let out = buffers[0]!;
  let view = views[0]!;
  let used = 0;
  let written = 0;
  let pendingWrite: Promise<unknown> = Promise.resolve();
  const flush = async (): Promise<void> => {
    const chunk = out.subarray(0, used);
    await pendingWrite;
    pendingWrite = writeAll(fh, chunk, written);
    written += chunk.length;
    which ^= 1;
    out = buffers[which]!;
    view = views[which]!;
    used = 0;
  };
  const put = (b: Uint8Array): void => {
    out.set(b, used);
    used += b.length;
  };

  try {
    if (ng) {
      put(pcapngHeader(o.linktype));
    } else {
      put(pcapGlobalHeader({ linktype: o.linktype, snaplen: SNAPLEN }));
    }
    let now = START_US;
    let packets = 0;
    let started = 0;
    const active: Conn[] = [];
    const startConn = (): Conn => {
      const i = started++;
      now += 50 + rng.int(200);
      return {
        index: i,
        client: CLIENT_NET | (1 + (i % 200)),
        server: SERVER_NET | (1 + (Math.floor(i / 200) % 50)),
        cport: EPHEMERAL_LOW + ((i * 7 + o.seed) % EPHEMERAL_COUNT),
        sport: i % 4 === 3 ? 443 : 80,
        cseq: rng.u32(),
        sseq: rng.u32(),
        cid: rng.int(0x10000),
        sid: rng.int(0x10000),
        cts: rng.u32(),
        sts: rng.u32(),
        clastTs: 0,
        slastTs: 0,
        step: 0,
        sent: 0,
        variant: i % PAYLOAD_VARIANTS,
      };
    };
    while (active.length < o.concurrent && started < o.connections) active.push(startConn());
    let turn = 0;
    while (active.length > 0) {
      if (turn >= active.length) turn = 0;
      const c = active[turn]!;
      now += 5 + rng.int(40);
      // Which packet this is: 0 SYN, 1 SYN-ACK, 2 ACK, then data/ACK pairs, then the close.
      const s = c.step++;
      const closing = s >= perConn - 4;
      const fromClient = closing
        ? s === perConn - 4 || s === perConn - 1
        : s === 0 || s === 2 || (s > 2 && s % 2 === 1);
      let flags: number;
      let payloadLen = 0;
      let isSyn = false;
      if (s === 0) {
        flags = SYN;
        isSyn = true;
      } else if (s === 1) {
        flags = SYN | ACK;
        isSyn = true;
      } else if (s === 2) flags = ACK;
      else if (s < 3 + 2 * segments) {
        if (fromClient) {
          flags = PSH | ACK;
          const k = (s - 3) / 2;
          payloadLen = k === segments - 1 && lastLen > 0 ? lastLen : MSS;
        } else flags = ACK;
      } else if (s === perConn - 4 || s === perConn - 2) flags = FIN | ACK;
      else flags = ACK;

      const t = isSyn ? syn : plain;
      const ipLen = t.bytes.length + payloadLen;
      const frameLen = linkHeader + ipLen;
      let at = used;
      // Record framing.
      const tsMs = now / 1000;
      if (ng) {
        const total = 28 + ((frameLen + 3) & ~3) + 4;
        view.setUint32(at, 6, true);
        view.setUint32(at + 4, total, true);
        view.setUint32(at + 8, 0, true);
        view.setUint32(at + 12, Math.floor(now / 0x1_0000_0000), true);
        view.setUint32(at + 16, now % 0x1_0000_0000, true);
        view.setUint32(at + 20, frameLen, true);
        view.setUint32(at + 24, frameLen, true);
        view.setUint32(at + total - 4, total, true);
        for (let z = at + 28 + frameLen; z < at + total - 4; z++) out[z] = 0;
        used += total;
        at += 28;
      } else {
        const sec = Math.floor(now / 1_000_000);
        view.setUint32(at, sec, true);
        view.setUint32(at + 4, now - sec * 1_000_000, true);
        view.setUint32(at + 8, frameLen, true);
        view.setUint32(at + 12, frameLen, true);
        used += 16 + frameLen;
        at += 16;
      }
      // Link header.
      if (o.linktype === 1) {
        writeMac(out, at, fromClient ? c.server : c.client, 2);
        writeMac(out, at + 6, fromClient ? c.client : c.server, 2);
        out[at + 12] = 0x08;
        out[at + 13] = 0x00;
      } else if (o.linktype === 276) {
        // protocol, reserved, interface index, ARPHRD_ETHER, packet type (captured on the client:
        // 4 outgoing, 0 to this host), address length, the sender's MAC padded to 8 bytes.
        view.setUint32(at, 0x08000000);
        view.setUint32(at + 4, 2);
        view.setUint16(at + 8, 1);
        out[at + 10] = fromClient ? 4 : 0;
        out[at + 11] = 6;
        writeMac(out, at + 12, fromClient ? c.client : c.server, 2);
        out[at + 18] = 0;
        out[at + 19] = 0;
      }
      at += linkHeader;
      // IP header.
      out.set(t.bytes, at);
      const ip = at;
      view.setUint16(ip + 2, ipLen);
      view.setUint16(ip + 4, fromClient ? c.cid : c.sid);
      if (fromClient) c.cid = (c.cid + 1) & 0xffff;
      else c.sid = (c.sid + 1) & 0xffff;
      view.setUint32(ip + 12, fromClient ? c.client : c.server);
      view.setUint32(ip + 16, fromClient ? c.server : c.client);
      out[ip + 10] = 0;
      out[ip + 11] = 0;
      fillIpv4Checksum(out, ip);
      // TCP header.
      const tcp = ip + IP_HEADER;
      view.setUint16(tcp, fromClient ? c.cport : c.sport);
      view.setUint16(tcp + 2, fromClient ? c.sport : c.cport);
      const seq = fromClient ? c.cseq : c.sseq;
      const ack = fromClient ? c.sseq : c.cseq;
      view.setUint32(tcp + 4, seq);
      view.setUint32(tcp + 8, flags === SYN ? 0 : ack);
      out[tcp + 13] = flags;
      if (s === 1) view.setUint16(tcp + 14, 65160);
      const tsVal = ((fromClient ? c.cts : c.sts) + Math.floor(tsMs)) >>> 0;
      view.setUint32(ip + t.tsValAt, tsVal);
      view.setUint32(ip + t.tsValAt + 4, fromClient ? c.slastTs : c.clastTs);
      if (fromClient) c.clastTs = tsVal;
      else c.slastTs = tsVal;
      out[tcp + TCP_CHECKSUM_AT] = 0;
      out[tcp + TCP_CHECKSUM_AT + 1] = 0;
      let sum = pseudoHeaderSumAt(out, ip + 12, ip + 16, 4, IPPROTO_TCP, t.tcpHeader + payloadLen);
      sum = onesSum(out, tcp, tcp + t.tcpHeader, sum);
      if (payloadLen > 0) {
        const p = payloads[(c.variant + c.sent) % PAYLOAD_VARIANTS]!;
        out.set(payloadLen === MSS ? p : p.subarray(0, payloadLen), tcp + t.tcpHeader);
        sum +=
          payloadLen === MSS
            ? sums[(c.variant + c.sent) % PAYLOAD_VARIANTS]!
            : lastSums[(c.variant + c.sent) % PAYLOAD_VARIANTS]!;
        c.sent++;
      }
      const check = ~foldSum(sum) & 0xffff;
      out[tcp + TCP_CHECKSUM_AT] = check >>> 8;
      out[tcp + TCP_CHECKSUM_AT + 1] = check & 0xff;
      // What this segment uses of the sequence space.
      const len = payloadLen + (flags & (SYN | FIN) ? 1 : 0);
      if (fromClient) c.cseq = (c.cseq + len) >>> 0;
      else c.sseq = (c.sseq + len) >>> 0;
      packets++;

      if (c.step === perConn) {
        if (started < o.connections) active[turn] = startConn();
        else active.splice(turn, 1);
      } else turn++;
      if (used + MAX_RECORD > BUFFER) await flush();
    }
    if (used > 0) await flush();
    await pendingWrite;
    return { bytes: written, packets };
  } finally {
    await pendingWrite.catch(() => {});
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    done += (await fh.write(chunk, done, chunk.length - done, position + done)).bytesWritten;
  }
}

/** A locally administered MAC for a host: 02:00 then its IPv4 address. */
function writeMac(out: Uint8Array, at: number, addr: number, first: number): void {
  out[at] = first;
  out[at + 1] = 0;
  out[at + 2] = addr >>> 24;
  out[at + 3] = (addr >>> 16) & 0xff;
  out[at + 4] = (addr >>> 8) & 0xff;
  out[at + 5] = addr & 0xff;
}

/** Section Header Block (with shb_userappl) and one Interface Description Block, little-endian. */
function pcapngHeader(linktype: number): Uint8Array {
  const app = new TextEncoder().encode('finack tools/gen-capture.ts');
  const appPadded = (app.length + 3) & ~3;
  const shbLen = 28 + 4 + appPadded + 4;
  const name = new TextEncoder().encode('eth0');
  const idbLen = 20 + 4 + 4 + 4; // if_name "eth0", opt_endofopt
  const out = new Uint8Array(shbLen + idbLen);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x0a0d0d0a, true);
  v.setUint32(4, shbLen, true);
  v.setUint32(8, 0x1a2b3c4d, true);
  v.setUint16(12, 1, true);
  v.setUint16(14, 0, true);
  v.setInt32(16, -1, true); // section length: unknown
  v.setInt32(20, -1, true);
  v.setUint16(24, 4, true); // shb_userappl
  v.setUint16(26, app.length, true);
  out.set(app, 28);
  // opt_endofopt: 4 zero bytes after the padded value
  v.setUint32(shbLen - 4, shbLen, true);
  const i = shbLen;
  v.setUint32(i, 1, true);
  v.setUint32(i + 4, idbLen, true);
  v.setUint16(i + 8, linktype, true);
  v.setUint32(i + 12, SNAPLEN, true);
  v.setUint16(i + 16, 2, true); // if_name
  v.setUint16(i + 18, name.length, true);
  out.set(name, i + 20);
  v.setUint32(i + idbLen - 4, idbLen, true);
  return out;
}

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        connections: { type: 'string' },
        'data-bytes': { type: 'string' },
        format: { type: 'string' },
        linktype: { type: 'string' },
        concurrent: { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    process.stderr.write(`gen-capture: ${(e as Error).message}\n`);
    return 2;
  }
  if (!values.out || values.connections === undefined || values['data-bytes'] === undefined) {
    process.stderr.write(
      'usage: gen-capture --out FILE --connections N --data-bytes B [--format pcap|pcapng] [--linktype 1|101|276] [--concurrent K] [--seed S]\n',
    );
    return 2;
  }
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  const opts: SyntheticCaptureOptions = {
    connections: Number(values.connections),
    dataBytes: Number(values['data-bytes']),
    format: values.format as 'pcap' | 'pcapng' | undefined,
    linktype: num(values.linktype) as 1 | 101 | 276 | undefined,
    concurrent: num(values.concurrent),
    seed: num(values.seed),
  };
  const t0 = performance.now();
  try {
    const r = await writeSyntheticCapture(values.out, opts);
    const s = ((performance.now() - t0) / 1000).toFixed(2);
    process.stdout.write(
      `wrote ${values.out}: ${r.packets} packets, ${r.bytes} bytes, ${opts.connections} connections ` +
        `(${opts.format ?? 'pcap'}, linktype ${opts.linktype ?? 101}) in ${s} s\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`gen-capture: ${(e as Error).message}\n`);
    return 1;
  }
}

if (isEntry(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
