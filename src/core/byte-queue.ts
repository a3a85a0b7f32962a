// A FIFO of bytes kept as a list of chunks. Used for the send buffer (bytes the user wrote that
// are not yet acknowledged) and for the receive buffer (in-order bytes the user has not read).
//
// Storage: `#chunks[#head..]` are the live chunks; the first `#headOff` bytes of `#chunks[#head]`
// are already consumed. Dropping a chunk only advances `#head`; the array is compacted once the
// dead prefix is large, so nothing does Array.shift per operation and no work is done per byte.
//
// push() copies the caller's bytes into buffers we own: it first fills the spare room of the tail
// chunk, so many small writes share one chunk of up to CHUNK_SIZE bytes (never above the capacity;
// a larger write gets a chunk of its own size). The buffer behind a chunk starts small
// (FIRST_CHUNK) and is replaced by one twice as large, the bytes copied over, as the chunk fills:
// a connection that writes a few bytes holds 64 bytes, not 16 KiB, while chunks begin and end
// where they would with full-size buffers. 64 is V8's limit for a typed array kept inside the JS
// heap: up to it the bytes need no backing store of their own, which costs more to make and to
// collect than the bytes themselves when a connection sends one small message. Once one chunk has grown to full size (the
// connection streams), later chunks start at full size. pushView() appends the caller's array
// itself (no copy); the caller must not modify it afterwards.
//
// A queue that never held a byte is its capacity only: the chunk bookkeeping (Chunks, which also
// counts the bytes held) is made on the first append, and kept; once empty again it holds no array
// (#chunks is the shared, frozen NO_CHUNKS until the next byte). Most idle connections never queue
// a byte.
//
// Views handed out by peek()/shift() stay valid: bytes are never moved or overwritten once queued
// (a tail buffer only ever gains bytes after the ones already visible; a grown one is a new buffer,
// and the old one, still behind the views, is never written again).

import { UsageError } from '../base/errors.js';

/** Size of the chunks push() fills with small writes. */
export const CHUNK_SIZE = 16 * 1024;
/** The buffer a chunk starts with; it doubles as the chunk fills, up to the chunk's size. */
export const FIRST_CHUNK = 64;
/** Compact the chunk array once at least this many dead slots lead it (and they are half of it). */
const COMPACT_AT = 32;

const EMPTY = new Uint8Array(0);
/** #chunks of an empty queue (replaced by a fresh array on the first append). */
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/** The chunk bookkeeping of a queue that has held bytes (see the file comment for each field). */
class Chunks {
  chunks: Uint8Array[] = NO_CHUNKS;
  head = 0;
  headOff = 0;
  /** Buffer behind the last chunk when we own it and it has spare room; null otherwise. */
  tailBuf: Uint8Array | null = null;
  /** Bytes of tailBuf in use (the last chunk is tailBuf.subarray(0, tailUsed)). */
  tailUsed = 0;
  /** Size the tail chunk may reach; tailBuf may be smaller (it grows, see the file comment). */
  tailCap = 0;
  /** Bytes consumed since creation: the absolute position of the front byte. */
  consumed = 0;
  /**
   * peek() cache: chunk index cIdx starts at absolute position cStart. The sender peeks at
   * increasing offsets segment after segment; starting from the last chunk found makes that O(1)
   * instead of a walk from the head each time. -1: nothing cached.
   */
  cIdx = -1;
  cStart = 0;
  /** A chunk has grown to its full size: new chunks start at full size. */
  streaming = false;
  /** Bytes held (ByteQueue.length), here rather than in ByteQueue: one field less per idle queue. */
  held = 0;
}

// Functions over Chunks rather than #methods of ByteQueue: a class with private methods carries a
// brand field in every instance.

/** Replaces the tail buffer by a larger one holding the same bytes, room for `need` at least. */
function growTail(c: Chunks, need: number): Uint8Array {
  const old = c.tailBuf as Uint8Array;
  const size = Math.min(c.tailCap, Math.max(need, 2 * old.length));
  const buf = new Uint8Array(size);
  buf.set(old.subarray(0, c.tailUsed));
  c.tailBuf = buf;
  if (size === c.tailCap) c.streaming = true;
  return buf;
}

function append(c: Chunks, chunk: Uint8Array): void {
  if (c.chunks === NO_CHUNKS) c.chunks = [];
  c.chunks.push(chunk);
}

function dropHead(c: Chunks): void {
  c.headOff = 0;
  c.head++;
  if (c.head === c.chunks.length) {
    reset(c);
  } else if (c.head >= COMPACT_AT && c.head * 2 >= c.chunks.length) {
    c.chunks = c.chunks.slice(c.head);
    c.cIdx -= c.head;
    c.head = 0;
  }
}

function reset(c: Chunks): void {
  c.cIdx = -1;
  c.chunks = NO_CHUNKS;
  c.head = 0;
  c.headOff = 0;
  c.tailBuf = null;
  c.tailUsed = 0;
}

export class ByteQueue {
  #capacity: number;
  /** undefined until the first byte is appended. */
  #c: Chunks | undefined = undefined;

  constructor(capacity: number) {
    this.#capacity = checkCount('capacity', capacity);
  }

  /** Bytes held. */
  get length(): number {
    const c = this.#c;
    return c === undefined ? 0 : c.held;
  }

  /** Most bytes push() will hold. May be set below `length`: then `space` is 0 until bytes are consumed. */
  get capacity(): number {
    return this.#capacity;
  }
  set capacity(n: number) {
    this.#capacity = checkCount('capacity', n);
  }

  /** max(0, capacity - length). */
  get space(): number {
    return Math.max(0, this.#capacity - this.length);
  }

  /** Copies min(data.length, space) bytes from the front of `data`; returns how many. */
  push(data: Uint8Array): number {
    const n = Math.min(data.length, this.space);
    if (n === 0) return 0;
    this.#c ??= new Chunks();
    const c = this.#c;
    let done = 0;
    let tail = c.tailBuf;
    if (tail !== null) {
      const k = Math.min(c.tailCap - c.tailUsed, n);
      if (k > 0) {
        if (c.tailUsed + k > tail.length) tail = growTail(c, c.tailUsed + k);
        tail.set(data.subarray(0, k), c.tailUsed);
        c.tailUsed += k;
        c.chunks[c.chunks.length - 1] = tail.subarray(0, c.tailUsed);
        done = k;
      }
    }
    if (done < n) {
      const rest = n - done;
      const cap = rest >= CHUNK_SIZE ? rest : Math.max(rest, Math.min(CHUNK_SIZE, this.#capacity));
      const buf = new Uint8Array(c.streaming ? cap : Math.min(cap, Math.max(rest, FIRST_CHUNK)));
      buf.set(data.subarray(done, n));
      append(c, buf.subarray(0, rest));
      c.tailBuf = buf;
      c.tailUsed = rest;
      c.tailCap = cap;
    }
    if (c.tailBuf !== null && c.tailUsed === c.tailCap) c.tailBuf = null;
    c.held += n;
    return n;
  }

  /**
   * Appends `data` itself, without copying and without the capacity check (the receive path has
   * already bounded it by the window). The caller gives up the right to modify `data`.
   */
  pushView(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#c ??= new Chunks();
    append(this.#c, data);
    this.#c.tailBuf = null;
    this.#c.held += data.length;
  }

  /**
   * Bytes [offset, offset + len) counted from the front, without removing them. `len` is clipped to
   * what is held. A view into the queue when the range lies in one chunk, else one fresh copy.
   */
  peek(offset: number, len: number): Uint8Array {
    checkCount('offset', offset);
    checkCount('len', len);
    const held = this.length;
    if (offset >= held) return EMPTY;
    const want = Math.min(len, held - offset);
    if (want === 0) return EMPTY;
    const c = this.#c as Chunks; // bytes are held, so it was made
    // Find the chunk holding `offset`: from the cached chunk when it is not past it, else the head.
    const abs = c.consumed + offset;
    let i = c.head;
    let start = c.consumed - c.headOff;
    if (c.cIdx >= c.head && c.cIdx < c.chunks.length && c.cStart <= abs) {
      i = c.cIdx;
      start = c.cStart;
    }
    let chunk = c.chunks[i]!;
    while (abs - start >= chunk.length) {
      start += chunk.length;
      i++;
      chunk = c.chunks[i]!;
    }
    c.cIdx = i;
    c.cStart = start;
    let off = abs - start;
    if (off + want <= chunk.length) return chunk.subarray(off, off + want);
    const out = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const k = Math.min(chunk.length - off, want - filled);
      out.set(chunk.subarray(off, off + k), filled);
      filled += k;
      off = 0;
      i++;
      if (filled < want) chunk = c.chunks[i]!;
    }
    return out;
  }

  /** Drops `n` bytes from the front. Throws UsageError if fewer than `n` are held. */
  consume(n: number): void {
    checkCount('n', n);
    if (n > this.length) {
      throw new UsageError('ERR_INVALID_ARG_VALUE', `consume(${n}) with only ${this.length} bytes held`);
    }
    if (n === 0) return;
    const c = this.#c as Chunks; // n bytes are held, so it was made
    c.held -= n;
    c.consumed += n;
    let left = n;
    while (left > 0) {
      const chunk = c.chunks[c.head]!;
      const avail = chunk.length - c.headOff;
      if (left < avail) {
        c.headOff += left;
        break;
      }
      left -= avail;
      dropHead(c);
    }
    if (c.held === 0) reset(c);
  }

  /**
   * Removes and returns up to `max` bytes (default: everything held) from the front; null when empty.
   * A view when they lie in the first chunk, else one copy.
   */
  shift(max?: number): Uint8Array | null {
    const held = this.length;
    if (held === 0) return null;
    const n = max === undefined ? held : Math.min(checkCount('max', max), held);
    if (n === 0) return EMPTY;
    const out = this.peek(0, n);
    this.consume(n);
    return out;
  }
}

function checkCount(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) {
    throw new UsageError('ERR_INVALID_ARG_VALUE', `${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}
