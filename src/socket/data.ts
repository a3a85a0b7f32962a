// The data calls: read() and write(), and recv()/send() with their flags. A read returns queued
// bytes first, then a pending error, then end of stream (0 bytes) once no more can come; a write
// takes what the send buffer has room for. Either blocks (or EAGAIN) when it can do nothing yet.

import type { ConnId } from '../core/endpoint.js';
import { MSG_DONTWAIT } from './constants.js';
import { corkForWrite } from './options.js';
import { BLOCKED, type Blocked, errnoOf, fail, type ReadResult, type SysResult } from './results.js';
import { type KernelContext, liveConn, type Sock, takeError, wouldBlock } from './sock.js';

export function readFrom(k: KernelContext, s: Sock, max: number): ReadResult | Blocked {
  if (s.role !== 'conn') return fail('ENOTCONN');
  const live = liveConn(k, s);
  const queued = s.peeked.length + (live?.recvQueued ?? 0);
  // SO_RCVLOWAT: a blocking read waits for min(SO_RCVLOWAT, len) bytes (Linux tcp_recvmsg's target,
  // sock_rcvlowat), unless no more can come; a non-blocking one returns what there is.
  const ended = s.shutRd || s.peerFin || s.dead || s.gone || s.err !== undefined;
  if (!s.nonblock && queued > 0 && queued < Math.min(s.opts.rcvLowat, max) && !ended) return BLOCKED;
  if (queued > 0) {
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

export function writeTo(k: KernelContext, s: Sock, data: Uint8Array, more = false): SysResult | Blocked {
  // A blocking write that did not fit goes on where it stopped when called again with the same
  // buffer (the caller retries a blocked call as it is): Linux copies what fits, sleeps, and
  // returns only when all is queued, so a blocking write never comes back short.
  const going = s.writing?.data === data ? s.writing : undefined;
  if (!going) s.writing = undefined;
  const done = going?.done ?? 0;
  /** An error after some bytes went in: the call returns those bytes, as Linux does. */
  const stop = (r: SysResult | Blocked): SysResult | Blocked => {
    s.writing = undefined;
    return done > 0 && r !== BLOCKED && r.ret < 0 ? { ret: done } : r;
  };
  if (s.role !== 'conn') return stop(fail(s.role === 'listener' ? 'ENOTCONN' : 'EPIPE'));
  const err = done > 0 ? undefined : takeError(s);
  if (err !== undefined) return stop(fail(err));
  if (s.shutWr || s.dead || s.gone) return stop(fail('EPIPE'));
  if (!s.connected) return wouldBlock(s);
  if (data.length === 0) return { ret: 0 };
  try {
    corkForWrite(k, s, more, false);
    const out = k.endpoint.send(s.conn as ConnId, done > 0 ? data.subarray(done) : data, k.now());
    k.absorb(out);
    corkForWrite(k, s, more, true);
    const total = done + out.accepted;
    if (total === data.length) {
      s.writing = undefined;
      return { ret: total };
    }
    if (s.nonblock) {
      s.writing = undefined;
      return total === 0 ? fail('EAGAIN') : { ret: total };
    }
    s.writing = { data, done: total };
    return BLOCKED;
  } catch (e) {
    return stop(fail(errnoOf(e, 'EPIPE')));
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
