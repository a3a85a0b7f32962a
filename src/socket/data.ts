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
  if (live && live.recvQueued > 0) {
    const out = k.endpoint.read(s.conn as ConnId, k.now(), max);
    k.absorb(out);
    const data = out.data ?? new Uint8Array(0);
    return { ret: data.length, data };
  }
  const err = takeError(s);
  if (err !== undefined) return fail(err);
  if (s.shutRd || s.peerFin || s.dead || s.gone) return { ret: 0, data: new Uint8Array(0) };
  return wouldBlock(s);
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
