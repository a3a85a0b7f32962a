// The data calls: read() and write(), and recv()/send() with their flags. A read returns queued
// bytes first, then a pending error, then end of stream (0 bytes) once no more can come; a write
// takes what the send buffer has room for. Either blocks (or EAGAIN) when it can do nothing yet.

import type { ConnId } from '../core/endpoint.js';
import { MSG_DONTWAIT } from './constants.js';
import { type Blocked, errnoOf, fail, type ReadResult, type SysResult } from './results.js';
import { type KernelContext, liveConn, type Sock, takeError, wouldBlock } from './sock.js';

export function readFrom(k: KernelContext, s: Sock, max: number): ReadResult | Blocked {
  if (s.role !== 'conn') return fail('ENOTCONN');
  const live = liveConn(k, s);
  if (s.peeked.length > 0 || (live && live.recvQueued > 0)) {
    // Bytes a peek took come first; the rest of the request is read from the connection.
    const fromPeek = s.peeked.subarray(0, Math.min(max, s.peeked.length));
    s.peeked = s.peeked.subarray(fromPeek.length);
    const rest = max - fromPeek.length;
    if (rest <= 0 || !live || live.recvQueued === 0) return { ret: fromPeek.length, data: fromPeek };
    const out = k.endpoint.read(s.conn as ConnId, k.now(), rest);
    k.absorb(out);
    const data = concat(fromPeek, out.data ?? new Uint8Array(0));
    return { ret: data.length, data };
  }
  const err = takeError(s);
  if (err !== undefined) return fail(err);
  if (s.shutRd || s.peerFin || s.dead || s.gone) return { ret: 0, data: new Uint8Array(0) };
  return wouldBlock(s);
}

/**
 * recv(MSG_PEEK): the bytes a read would return, left in place. The socket layer takes them from the
 * connection into the socket's peeked bytes (the core has no peek), so the receive window may open
 * earlier than on Linux, where peeked bytes stay in the receive queue.
 */
export function peekFrom(k: KernelContext, s: Sock, max: number): ReadResult | Blocked {
  if (s.role !== 'conn') return fail('ENOTCONN');
  const live = liveConn(k, s);
  if (s.peeked.length < max && live && live.recvQueued > 0) {
    const out = k.endpoint.read(s.conn as ConnId, k.now(), max - s.peeked.length);
    k.absorb(out);
    s.peeked = concat(s.peeked, out.data ?? new Uint8Array(0));
  }
  if (s.peeked.length > 0) {
    const data = s.peeked.slice(0, Math.min(max, s.peeked.length));
    return { ret: data.length, data };
  }
  const err = s.err;
  if (err !== undefined) return fail(err);
  if (s.shutRd || s.peerFin || s.dead || s.gone) return { ret: 0, data: new Uint8Array(0) };
  return wouldBlock(s);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function writeTo(k: KernelContext, s: Sock, data: Uint8Array): SysResult | Blocked {
  if (s.role !== 'conn') return fail(s.role === 'listener' ? 'ENOTCONN' : 'EPIPE');
  const err = takeError(s);
  if (err !== undefined) return fail(err);
  if (s.shutWr || s.dead || s.gone) return fail('EPIPE');
  if (!s.connected) return wouldBlock(s);
  if (data.length === 0) return { ret: 0 };
  try {
    const out = k.endpoint.send(s.conn as ConnId, data, k.now());
    k.absorb(out);
    if (out.accepted === 0) return wouldBlock(s);
    return { ret: out.accepted };
  } catch (e) {
    return fail(errnoOf(e, 'EPIPE'));
  }
}

/** Runs a data call under recv()/send() flags: MSG_DONTWAIT makes this one call non-blocking. */
export function withFlags<R>(s: Sock, flags: number, call: () => R): R {
  if (!(flags & MSG_DONTWAIT) || s.nonblock) return call();
  s.nonblock = true;
  try {
    return call();
  } finally {
    s.nonblock = false;
  }
}
