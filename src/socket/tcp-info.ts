// TCP_INFO: a snapshot of a socket's connection in the shape of Linux's struct tcp_info, for the
// fields finack can fill. Times are in microseconds, as Linux gives them.

import { TCP_STATE_NUMBER } from './constants.js';
import { settingOf } from './profiles.js';
import { type KernelContext, liveConn, type Sock } from './sock.js';

/** A tcp_info snapshot: the fields Linux's struct tcp_info has that finack can fill. */
export interface TcpInfo {
  tcpi_state: number;
  tcpi_ca_state: number;
  tcpi_retransmits: number;
  tcpi_probes: number;
  tcpi_backoff: number;
  tcpi_options: number;
  tcpi_snd_wscale: number;
  tcpi_rcv_wscale: number;
  /** µs */
  tcpi_rto: number;
  tcpi_snd_mss: number;
  tcpi_rcv_mss: number;
  tcpi_unacked: number;
  tcpi_total_retrans: number;
  /** µs */
  tcpi_rtt: number;
  /** µs */
  tcpi_rttvar: number;
  tcpi_snd_ssthresh: number;
  tcpi_snd_cwnd: number;
  tcpi_advmss: number;
}

/** Linux's tcp_info option bits. */
const TCPI_OPT_TIMESTAMPS = 1;
const TCPI_OPT_SACK = 2;
const TCPI_OPT_WSCALE = 4;
/** TCP_CLOSE, for a state Linux has no number for. */
const TCP_CLOSE = 7;
/** TCP_CA_Recovery */
const TCP_CA_RECOVERY = 3;

export function tcpInfo(k: KernelContext, s: Sock): TcpInfo {
  const live = liveConn(k, s);
  const advmss = s.config.mss ?? settingOf(k.profile, 'mss');
  if (!live) {
    const state = s.role === 'listener' ? 'LISTEN' : s.conn !== undefined && !s.gone ? 'TIME-WAIT' : 'CLOSED';
    return emptyInfo(TCP_STATE_NUMBER[state] ?? TCP_CLOSE, advmss);
  }
  const i = live.info();
  return {
    tcpi_state: TCP_STATE_NUMBER[i.state] ?? TCP_CLOSE,
    tcpi_ca_state: i.inRecovery ? TCP_CA_RECOVERY : 0,
    tcpi_retransmits: i.backoffs,
    tcpi_probes: i.keepaliveProbes,
    tcpi_backoff: i.backoffs,
    tcpi_options:
      (i.timestamps ? TCPI_OPT_TIMESTAMPS : 0) |
      (i.windowScaling ? TCPI_OPT_WSCALE : 0) |
      ((s.config.sackPermitted ?? settingOf(k.profile, 'sackPermitted')) ? TCPI_OPT_SACK : 0),
    tcpi_snd_wscale: i.sndWscale,
    tcpi_rcv_wscale: i.rcvWscale,
    tcpi_rto: i.rto * 1000,
    tcpi_snd_mss: i.mss,
    tcpi_rcv_mss: i.peerMss,
    tcpi_unacked: 0,
    tcpi_total_retrans: i.retransmits,
    tcpi_rtt: Math.round((i.srtt ?? 0) * 1000),
    tcpi_rttvar: Math.round((i.rttvar ?? 0) * 1000),
    tcpi_snd_ssthresh: Math.min(i.ssthresh, 0x7fffffff),
    tcpi_snd_cwnd: Math.ceil(i.cwnd / Math.max(1, i.mss)),
    tcpi_advmss: advmss,
  };
}

/** A socket with no full connection behind it (listening, in TIME-WAIT or closed): state and advmss only. */
function emptyInfo(state: number, advmss: number): TcpInfo {
  return {
    tcpi_state: state,
    tcpi_ca_state: 0,
    tcpi_retransmits: 0,
    tcpi_probes: 0,
    tcpi_backoff: 0,
    tcpi_options: 0,
    tcpi_snd_wscale: 0,
    tcpi_rcv_wscale: 0,
    tcpi_rto: 0,
    tcpi_snd_mss: 0,
    tcpi_rcv_mss: 0,
    tcpi_unacked: 0,
    tcpi_total_retrans: 0,
    tcpi_rtt: 0,
    tcpi_rttvar: 0,
    tcpi_snd_ssthresh: 0,
    tcpi_snd_cwnd: 0,
    tcpi_advmss: advmss,
  };
}
