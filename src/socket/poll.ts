// poll(2) for one socket: the events Linux's tcp_poll() reports, from the socket record and its
// connection. Read from the kernel source (net/ipv4/tcp.c, tcp_poll; inet_csk_listen_poll):
//   - a listener is readable when a connection waits in its accept queue;
//   - POLLHUP when both directions are shut down or the socket is closed (never connected, reset,
//     or gone to TIME-WAIT while the descriptor stays open: Linux moves the socket to TCP_CLOSE);
//   - POLLIN | POLLRDNORM | POLLRDHUP once the receive side is shut down (the peer's FIN, our
//     SHUT_RD, a reset);
//   - outside SYN-SENT, POLLIN | POLLRDNORM when at least SO_RCVLOWAT bytes are ready, and
//     POLLOUT | POLLWRNORM when the send side is shut down or the send buffer has room (free space
//     at least half of what is queued, sk_stream_is_writeable);
//   - POLLERR while an error is pending (SO_ERROR not yet read).
// POLLERR and POLLHUP are reported whether asked for or not.

import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM } from './constants.js';
import { type KernelContext, liveConn, type Sock, unreadBytes } from './sock.js';

/** The events of `s` now, before masking with what the caller asked for. */
export function pollEvents(k: KernelContext, s: Sock, listenerReady: boolean): number {
  if (s.role === 'listener') return listenerReady ? POLLIN | POLLRDNORM : 0;
  const live = liveConn(k, s);
  const closed = s.role === 'new' || s.dead || s.gone || live === undefined;
  const rcvShut = s.shutRd || s.peerFin || s.dead || s.gone;
  const sndShut = s.shutWr || s.dead || s.gone;
  let mask = 0;
  if ((rcvShut && sndShut) || closed) mask |= POLLHUP;
  if (rcvShut) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (!s.connecting) {
    if (unreadBytes(k, s) >= Math.max(1, s.opts.rcvLowat)) mask |= POLLIN | POLLRDNORM;
    if (sndShut || closed) mask |= POLLOUT | POLLWRNORM;
    else if (live && s.connected) {
      const queued = live.sendQueued;
      if (live.sendSpace >= queued / 2 && live.sendSpace > 0) mask |= POLLOUT | POLLWRNORM;
    }
  }
  if (s.err !== undefined) mask |= POLLERR;
  return mask;
}

/** What poll() puts in revents for a descriptor: the asked-for events, plus POLLERR and POLLHUP. */
export function revents(events: number, mask: number): number {
  return mask & (events | POLLERR | POLLHUP | POLLNVAL);
}
