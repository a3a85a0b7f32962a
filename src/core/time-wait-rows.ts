// The rows of the endpoint's TIME-WAIT table (time-wait-table.ts): its records as columns of typed
// arrays, the two chained hash tables that find a row by tuple and by id, the binary min-heap that
// orders rows by (expiry, id), the growth that doubles them together, and the interning of the
// address strings and configs that rows refer to by index. Storage only: what a record does with a
// segment, a timeout or a reusing SYN is time-wait-table.ts, which reads and writes rows through
// its Held views and the word layout exported here. The layout and its sizes are described at the
// top of time-wait-table.ts (Storage).

import type { TcpConfig } from './config.js';
import type { ConnId } from './endpoint-types.js';
import type { Instant } from './time.js';
import type { TimeWaitRecord } from './time-wait.js';
import type { Address } from './tuple.js';

/** What a connection leaving for the table hands over besides its record (the endpoint's live entry). */
export interface TimeWaitOrigin {
  readonly id: ConnId;
  readonly key: string;
  readonly local: Address;
  readonly remote: Address;
  readonly label: string;
  readonly cfg: TcpConfig;
  readonly userClosed: boolean;
}

// 32-bit words of a row, at row * U32S.
export const LADDR = 0; // local address: index into Rows.addrs
export const RADDR = 1; // remote address: index into Rows.addrs
export const PORTS = 2; // local port << 16 | remote port
export const ISS = 3;
export const IRS = 4;
export const SND_NXT = 5;
export const RCV_NXT = 6;
export const TS_OFFSET = 7;
export const TS_RECENT = 8; // meaningful when TS_OK is set
export const WORD = 9; // window field (low 16 bits) | TS_OK | USER_CLOSED
export const CFG = 10; // config: index into Rows.cfgs
export const HEAP_AT = 11; // position in the expiry heap + 1; 0: not in the heap
const NEXT_TUPLE = 12; // next row + 1 in its tuple bucket's chain; 0: end. Free rows: the free list
const NEXT_ID = 13; // next row + 1 in its id bucket's chain; 0: end
export const U32S = 14;
// Doubles of a row, at row * F64S.
export const ID = 0; // the connection id; FREE for a free row (ids start at 1)
export const EXPIRES = 1;
export const F64S = 2;

export const FREE = 0;
export const WND = 0xffff;
export const TS_OK = 0x1_0000;
export const USER_CLOSED = 0x2_0000;
const FIRST_CAPACITY = 16;

/**
 * The rows, their two hash tables and the expiry heap. Capacity is a power of two; each hash table
 * has one bucket per row of capacity (chains average at most one row), and all double together.
 */
export class Rows {
  cap = FIRST_CAPACITY;
  u32 = new Uint32Array(FIRST_CAPACITY * U32S);
  f64 = new Float64Array(FIRST_CAPACITY * F64S);
  /** First row + 1 of each tuple bucket (0: empty). */
  tupleHead = new Uint32Array(FIRST_CAPACITY);
  /** First row + 1 of each id bucket (0: empty). */
  idHead = new Uint32Array(FIRST_CAPACITY);
  /** Binary min-heap of rows by (expiry, id). */
  heap = new Uint32Array(FIRST_CAPACITY);
  heapLen = 0;
  /** Rows in use. */
  count = 0;
  /** Rows below this have been used; those above never. */
  top = 0;
  /** First free row + 1 below top (chained through NEXT_TUPLE); 0: none. */
  free = 0;
  readonly addrs = new Interner<string>();
  readonly cfgs = new Interner<TcpConfig>();

  findTuple(laddr: string, lport: number, raddr: string, rport: number): number {
    if (this.count === 0) return -1;
    const la = this.addrs.indexOf(laddr);
    const ra = la < 0 ? -1 : this.addrs.indexOf(raddr);
    if (ra < 0) return -1;
    const ports = ((lport << 16) | rport) >>> 0;
    const u32 = this.u32;
    for (
      let r = this.tupleHead[tupleHash(la, ra, ports) & (this.cap - 1)]!;
      r !== 0;
      r = u32[(r - 1) * U32S + NEXT_TUPLE]!
    ) {
      const u = (r - 1) * U32S;
      if (u32[u + PORTS] === ports && u32[u + LADDR] === la && u32[u + RADDR] === ra) return r - 1;
    }
    return -1;
  }

  findId(id: number): number {
    if (this.count === 0) return -1;
    const f64 = this.f64;
    const u32 = this.u32;
    for (let r = this.idHead[idHash(id) & (this.cap - 1)]!; r !== 0; r = u32[(r - 1) * U32S + NEXT_ID]!) {
      if (f64[(r - 1) * F64S + ID] === id) return r - 1;
    }
    return -1;
  }

  add(from: TimeWaitOrigin, rec: TimeWaitRecord): number {
    if (this.free === 0 && this.top === this.cap) this.#grow();
    let row: number;
    if (this.free !== 0) {
      row = this.free - 1;
      this.free = this.u32[row * U32S + NEXT_TUPLE]!;
    } else {
      row = this.top++;
    }
    const u = row * U32S;
    const u32 = this.u32;
    u32[u + LADDR] = this.addrs.add(from.local.addr);
    u32[u + RADDR] = this.addrs.add(from.remote.addr);
    u32[u + PORTS] = ((from.local.port << 16) | from.remote.port) >>> 0;
    u32[u + ISS] = rec.iss;
    u32[u + IRS] = rec.irs;
    u32[u + SND_NXT] = rec.sndNxt;
    u32[u + RCV_NXT] = rec.rcvNxt;
    u32[u + TS_OFFSET] = rec.tsOffset;
    u32[u + TS_RECENT] = rec.tsRecent ?? 0;
    u32[u + WORD] =
      (rec.rcvWndField & WND) | (rec.tsRecent !== undefined ? TS_OK : 0) | (from.userClosed ? USER_CLOSED : 0);
    u32[u + CFG] = this.cfgs.add(from.cfg);
    u32[u + HEAP_AT] = 0;
    this.f64[row * F64S + ID] = from.id;
    this.f64[row * F64S + EXPIRES] = rec.expires;
    this.#link(row);
    this.count++;
    this.schedule(row);
    return row;
  }

  remove(row: number): void {
    const u = row * U32S;
    const u32 = this.u32;
    this.unschedule(row);
    const mask = this.cap - 1;
    unchain(this.tupleHead, tupleHash(u32[u + LADDR]!, u32[u + RADDR]!, u32[u + PORTS]!) & mask, row, u32, NEXT_TUPLE);
    unchain(this.idHead, idHash(this.f64[row * F64S + ID]!) & mask, row, u32, NEXT_ID);
    this.addrs.release(u32[u + LADDR]!);
    this.addrs.release(u32[u + RADDR]!);
    this.cfgs.release(u32[u + CFG]!);
    this.f64[row * F64S + ID] = FREE;
    u32[u + NEXT_TUPLE] = this.free;
    this.free = row + 1;
    this.count--;
  }

  nextExpiry(): Instant | undefined {
    return this.heapLen === 0 ? undefined : (this.f64[this.heap[0]! * F64S + EXPIRES] as Instant);
  }

  /** The row at the top of the heap when its expiry is <= now, else -1. */
  peekDue(now: Instant): number {
    if (this.heapLen === 0) return -1;
    const row = this.heap[0]!;
    return this.f64[row * F64S + EXPIRES]! <= now ? row : -1;
  }

  /** Puts a row in the expiry heap, or moves it there after its expiry changed. */
  schedule(row: number): void {
    const at = this.u32[row * U32S + HEAP_AT]!;
    if (at === 0) {
      const i = this.heapLen++;
      this.heap[i] = row;
      this.u32[row * U32S + HEAP_AT] = i + 1;
      this.#up(i);
    } else {
      this.#down(this.#up(at - 1));
    }
  }

  /** Takes a row out of the expiry heap (if it is there). */
  unschedule(row: number): void {
    const at = this.u32[row * U32S + HEAP_AT]!;
    if (at === 0) return;
    this.u32[row * U32S + HEAP_AT] = 0;
    const last = this.heap[--this.heapLen]!;
    if (last === row) return;
    this.heap[at - 1] = last;
    this.u32[last * U32S + HEAP_AT] = at;
    this.#down(this.#up(at - 1));
  }

  /** Rows ordered by (expiry, id): a before b. */
  #less(a: number, b: number): boolean {
    const ea = this.f64[a * F64S + EXPIRES]!;
    const eb = this.f64[b * F64S + EXPIRES]!;
    return ea < eb || (ea === eb && this.f64[a * F64S + ID]! < this.f64[b * F64S + ID]!);
  }

  /** Sifts heap[i] up; returns where it came to rest. */
  #up(i: number): number {
    const heap = this.heap;
    const row = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!this.#less(row, parent)) break;
      heap[i] = parent;
      this.u32[parent * U32S + HEAP_AT] = i + 1;
      i = p;
    }
    heap[i] = row;
    this.u32[row * U32S + HEAP_AT] = i + 1;
    return i;
  }

  #down(i: number): void {
    const heap = this.heap;
    const n = this.heapLen;
    const row = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n && this.#less(heap[l + 1]!, heap[l]!)) c = l + 1;
      const child = heap[c]!;
      if (!this.#less(child, row)) break;
      heap[i] = child;
      this.u32[child * U32S + HEAP_AT] = i + 1;
      i = c;
    }
    heap[i] = row;
    this.u32[row * U32S + HEAP_AT] = i + 1;
  }

  /** Puts a row at the head of its two bucket chains. */
  #link(row: number): void {
    const u = row * U32S;
    const u32 = this.u32;
    const mask = this.cap - 1;
    const t = tupleHash(u32[u + LADDR]!, u32[u + RADDR]!, u32[u + PORTS]!) & mask;
    u32[u + NEXT_TUPLE] = this.tupleHead[t]!;
    this.tupleHead[t] = row + 1;
    const i = idHash(this.f64[row * F64S + ID]!) & mask;
    u32[u + NEXT_ID] = this.idHead[i]!;
    this.idHead[i] = row + 1;
  }

  /** Doubles the capacity (only when every row is in use): rows copied, buckets rebuilt. */
  #grow(): void {
    const cap = this.cap * 2;
    const u32 = new Uint32Array(cap * U32S);
    u32.set(this.u32);
    const f64 = new Float64Array(cap * F64S);
    f64.set(this.f64);
    const heap = new Uint32Array(cap);
    heap.set(this.heap);
    this.cap = cap;
    this.u32 = u32;
    this.f64 = f64;
    this.heap = heap;
    this.tupleHead = new Uint32Array(cap);
    this.idHead = new Uint32Array(cap);
    for (let row = 0; row < this.top; row++) if (f64[row * F64S + ID] !== FREE) this.#link(row);
  }
}

/** Takes `row` out of the chain starting at heads[b], linked through word `next` of each row. */
function unchain(heads: Uint32Array, b: number, row: number, u32: Uint32Array, next: number): void {
  let r = heads[b]!;
  if (r === row + 1) {
    heads[b] = u32[row * U32S + next]!;
    return;
  }
  while (r !== 0) {
    const n = u32[(r - 1) * U32S + next]!;
    if (n === row + 1) {
      u32[(r - 1) * U32S + next] = u32[row * U32S + next]!;
      return;
    }
    r = n;
  }
}

/** Bucket hash of a tuple (address indices and ports): murmur3-style mixing of the three words. */
function tupleHash(la: number, ra: number, ports: number): number {
  let h = Math.imul(la ^ 0x5bd1e995, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ ra, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ ports, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Bucket hash of a connection id (an integer, possibly beyond 2^32). */
function idHash(id: number): number {
  const h = Math.imul((id >>> 0) ^ Math.imul((id / 0x1_0000_0000) >>> 0, 0x27d4eb2d), 0x9e3779b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Values held once, by index, for as long as some row counts them. */
export class Interner<T> {
  readonly #index = new Map<T, number>();
  readonly #values: (T | undefined)[] = [];
  readonly #refs: number[] = [];
  readonly #free: number[] = [];

  add(v: T): number {
    let i = this.#index.get(v);
    if (i === undefined) {
      i = this.#free.pop() ?? this.#values.length;
      this.#index.set(v, i);
      this.#values[i] = v;
      this.#refs[i] = 0;
    }
    this.#refs[i] = (this.#refs[i] ?? 0) + 1;
    return i;
  }

  indexOf(v: T): number {
    return this.#index.get(v) ?? -1;
  }

  value(i: number): T {
    return this.#values[i] as T;
  }

  release(i: number): void {
    const refs = (this.#refs[i] ?? 1) - 1;
    this.#refs[i] = refs;
    if (refs > 0) return;
    this.#index.delete(this.#values[i] as T);
    this.#values[i] = undefined;
    this.#free.push(i);
  }
}
