// TCP_INFO: a snapshot of a socket's connection in the shape of Linux's struct tcp_info
// (include/uapi/linux/tcp.h, filled by tcp_get_info in net/ipv4/tcp.c). Each field Linux fills is
// either in TcpInfo, filled as Linux means it, or named in TCP_INFO_UNFILLED with the reason finack
// cannot fill it, so a script asserting it is reported as unsupported by name. Times are in
// microseconds where Linux gives microseconds (rto, ato, rtt, rttvar) and in milliseconds for the
// last_* ages, as Linux gives them.

import { TCP_STATE_NUMBER } from './constants.js';
import { settingOf } from './profiles.js';
import { type KernelContext, liveConn, type Sock } from './sock.js';

/** A tcp_info snapshot: the fields of Linux's struct tcp_info that finack fills. */
export interface TcpInfo {
  tcpi_state: number;
  tcpi_ca_state: number;
  /** Consecutive timeouts of the oldest unacknowledged segment (icsk_retransmits). */
  tcpi_retransmits: number;
  /** Unanswered keepalive probes. */
  tcpi_probes: number;
  tcpi_backoff: number;
  tcpi_options: number;
  tcpi_snd_wscale: number;
  tcpi_rcv_wscale: number;
  /** No TCP Fast Open: always 0. */
  tcpi_fastopen_client_fail: number;
  /** µs */
  tcpi_rto: number;
  /** µs: the delayed-ACK timeout. */
  tcpi_ato: number;
  tcpi_snd_mss: number;
  tcpi_rcv_mss: number;
  /** Segments sent and not yet acknowledged (packets_out). */
  tcpi_unacked: number;
  /** Segments the peer has SACKed (sacked_out). */
  tcpi_sacked: number;
  /** Always 0 on current Linux. */
  tcpi_fackets: number;
  /** ms since the last data segment sent. */
  tcpi_last_data_sent: number;
  /** Linux does not remember it: always 0. */
  tcpi_last_ack_sent: number;
  /** ms since the last data segment received. */
  tcpi_last_data_recv: number;
  /** ms since the last ACK received. */
  tcpi_last_ack_recv: number;
  tcpi_pmtu: number;
  /** µs */
  tcpi_rtt: number;
  /** µs */
  tcpi_rttvar: number;
  tcpi_snd_ssthresh: number;
  tcpi_snd_cwnd: number;
  tcpi_advmss: number;
  /** finack's duplicate-ACK threshold, fixed at Linux's initial tcp_reordering (3). */
  tcpi_reordering: number;
  tcpi_total_retrans: number;
  tcpi_bytes_acked: number;
  tcpi_bytes_received: number;
  tcpi_segs_out: number;
  tcpi_segs_in: number;
  /** Bytes written and not yet sent. */
  tcpi_notsent_bytes: number;
  tcpi_data_segs_in: number;
  tcpi_data_segs_out: number;
  tcpi_bytes_sent: number;
  tcpi_bytes_retrans: number;
  tcpi_snd_wnd: number;
  tcpi_rcv_wnd: number;
  /** finack never changes a connection's path hash: always 0. */
  tcpi_rehash: number;
}

/** The fields Linux fills that finack does not, and why (a script asserting one is unsupported). */
export const TCP_INFO_UNFILLED: Readonly<Record<string, string>> = {
  tcpi_delivery_rate_app_limited: 'no delivery-rate sampling',
  tcpi_lost: 'no RACK/loss marking count',
  tcpi_retrans: 'no count of retransmitted segments still in flight',
  tcpi_rcv_ssthresh: 'no receive-window growth threshold',
  tcpi_rcv_rtt: 'no receiver-side RTT estimate',
  tcpi_rcv_space: 'no receive-buffer autotuning',
  tcpi_pacing_rate: 'no pacing',
  tcpi_max_pacing_rate: 'no pacing',
  tcpi_min_rtt: 'no windowed minimum RTT filter',
  tcpi_delivery_rate: 'no delivery-rate sampling',
  tcpi_busy_time: 'no chrono accounting',
  tcpi_rwnd_limited: 'no chrono accounting',
  tcpi_sndbuf_limited: 'no chrono accounting',
  tcpi_delivered: 'no delivered-segment count',
  tcpi_delivered_ce: 'no ECN',
  tcpi_dsack_dups: 'no D-SACK accounting',
  tcpi_reord_seen: 'no reordering detection count',
  tcpi_rcv_ooopack: 'no count of out-of-order packets received',
  tcpi_total_rto: 'no RTO episode count',
  tcpi_total_rto_recoveries: 'no RTO episode count',
  tcpi_total_rto_time: 'no RTO episode time',
  tcpi_received_ce: 'no ECN',
  tcpi_delivered_e1_bytes: 'no AccECN',
  tcpi_delivered_e0_bytes: 'no AccECN',
  tcpi_delivered_ce_bytes: 'no AccECN',
  tcpi_received_e1_bytes: 'no AccECN',
  tcpi_received_e0_bytes: 'no AccECN',
  tcpi_received_ce_bytes: 'no AccECN',
  tcpi_accecn_fail_mode: 'no AccECN',
  tcpi_accecn_opt_seen: 'no AccECN',
};

/** Linux's tcp_info option bits. */
const TCPI_OPT_TIMESTAMPS = 1;
const TCPI_OPT_SACK = 2;
const TCPI_OPT_WSCALE = 4;
/** TCP_CLOSE, for a state Linux has no number for. */
const TCP_CLOSE = 7;
/** TCP_CA_Recovery, TCP_CA_Loss */
const TCP_CA_RECOVERY = 3;
const TCP_CA_LOSS = 4;
/** Linux's TCP_MSS_DEFAULT, the cap of the first rcv_mss estimate (tcp_initialize_rcv_mss). */
const TCP_MSS_DEFAULT = 536;
/** TCP_MIN_MSS */
const TCP_MIN_MSS = 88;
/** TCP_INFINITE_SSTHRESH */
const INFINITE_SSTHRESH = 0x7fffffff;
/** Linux's initial tcp_reordering. */
const REORDERING = 3;
/** IPv4 + TCP headers, IPv6 + TCP headers: pmtu = advmss + these. */
const V4_HEADERS = 40;
const V6_HEADERS = 60;

export function tcpInfo(k: KernelContext, s: Sock): TcpInfo {
  const live = liveConn(k, s);
  const advmss = s.config.mss ?? settingOf(k.profile, 'mss');
  const now = k.now();
  const st = k.stats(s);
  const ago = (t: number | undefined) => (t === undefined ? 0 : Math.max(0, now - t));
  const base = emptyInfo(TCP_CLOSE, advmss);
  base.tcpi_ato = settingOf(k.profile, 'delayedAckTimeout') * 1000;
  base.tcpi_pmtu = advmss + (s.domain === 10 ? V6_HEADERS : V4_HEADERS);
  if (st) {
    base.tcpi_segs_in = st.segsIn;
    base.tcpi_segs_out = st.segsOut;
    base.tcpi_data_segs_in = st.dataSegsIn;
    base.tcpi_data_segs_out = st.dataSegsOut;
    base.tcpi_bytes_sent = st.bytesSent;
    base.tcpi_bytes_retrans = st.bytesRetrans;
    base.tcpi_last_data_sent = ago(st.lastDataSent);
    base.tcpi_last_data_recv = ago(st.lastDataRecv);
    base.tcpi_last_ack_recv = ago(st.lastAckRecv);
  }
  if (!live) {
    const state = s.role === 'listener' ? 'LISTEN' : s.conn !== undefined && !s.gone ? 'TIME-WAIT' : 'CLOSED';
    base.tcpi_state = TCP_STATE_NUMBER[state] ?? TCP_CLOSE;
    return base;
  }
  const i = live.info();
  const mss = Math.max(1, i.mss);
  const inFlight = (i.sndNxt - i.sndUna) >>> 0;
  // Data in flight: SYN and FIN take a sequence number but no byte of the send queue.
  const dataInFlight = Math.min(inFlight, i.sendQueued);
  const synAcked = i.state !== 'SYN-SENT' && i.state !== 'SYN-RECEIVED';
  // tcp_initialize_rcv_mss, then tcp_measure_rcv_mss: the largest segment seen, capped at advmss.
  const rcvMssInit = Math.max(TCP_MIN_MSS, Math.min(advmss, mss, Math.floor(i.rcvWnd / 2) || advmss, TCP_MSS_DEFAULT));
  const rcvMss = Math.max(rcvMssInit, Math.min(st?.largestIn ?? 0, advmss));
  const bytesReceived = synAcked ? Math.max(0, ((i.rcvNxt - i.irs) >>> 0) - 1 - (s.peerFin ? 1 : 0)) : 0;
  const bytesAcked = synAcked ? Math.max(0, ((i.sndUna - i.iss) >>> 0) - 1) : 0;
  return {
    ...base,
    tcpi_state: TCP_STATE_NUMBER[i.state] ?? TCP_CLOSE,
    tcpi_ca_state: i.inRecovery ? TCP_CA_RECOVERY : i.backoffs > 0 ? TCP_CA_LOSS : 0,
    tcpi_retransmits: i.backoffs,
    tcpi_probes: i.keepaliveProbes,
    tcpi_backoff: i.backoffs,
    tcpi_options:
      (i.timestamps ? TCPI_OPT_TIMESTAMPS : 0) | (i.windowScaling ? TCPI_OPT_WSCALE : 0) | (i.sack ? TCPI_OPT_SACK : 0),
    tcpi_snd_wscale: i.sndWscale,
    tcpi_rcv_wscale: i.rcvWscale,
    tcpi_rto: i.rto * 1000,
    tcpi_snd_mss: i.mss,
    tcpi_rcv_mss: rcvMss,
    tcpi_unacked: inFlight === 0 ? 0 : Math.max(1, Math.ceil(dataInFlight / mss)),
    tcpi_sacked: Math.ceil(i.sackedBytes / mss),
    tcpi_rtt: Math.round((i.srtt ?? 0) * 1000),
    tcpi_rttvar: Math.round((i.rttvar ?? 0) * 1000),
    tcpi_snd_ssthresh: i.ssthresh >= INFINITE_SSTHRESH ? INFINITE_SSTHRESH : Math.ceil(i.ssthresh / mss),
    tcpi_snd_cwnd: Math.ceil(i.cwnd / mss),
    tcpi_total_retrans: i.retransmits,
    tcpi_bytes_acked: bytesAcked,
    tcpi_bytes_received: bytesReceived,
    tcpi_notsent_bytes: Math.max(0, i.sendQueued - dataInFlight),
    tcpi_snd_wnd: i.sndWnd,
    tcpi_rcv_wnd: i.rcvWnd,
  };
}

/** A socket with no full connection behind it (listening, in TIME-WAIT or closed). */
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
    tcpi_fastopen_client_fail: 0,
    tcpi_rto: 0,
    tcpi_ato: 0,
    tcpi_snd_mss: 0,
    tcpi_rcv_mss: 0,
    tcpi_unacked: 0,
    tcpi_sacked: 0,
    tcpi_fackets: 0,
    tcpi_last_data_sent: 0,
    tcpi_last_ack_sent: 0,
    tcpi_last_data_recv: 0,
    tcpi_last_ack_recv: 0,
    tcpi_pmtu: 0,
    tcpi_rtt: 0,
    tcpi_rttvar: 0,
    tcpi_snd_ssthresh: 0,
    tcpi_snd_cwnd: 0,
    tcpi_advmss: advmss,
    tcpi_reordering: REORDERING,
    tcpi_total_retrans: 0,
    tcpi_bytes_acked: 0,
    tcpi_bytes_received: 0,
    tcpi_segs_out: 0,
    tcpi_segs_in: 0,
    tcpi_notsent_bytes: 0,
    tcpi_data_segs_in: 0,
    tcpi_data_segs_out: 0,
    tcpi_bytes_sent: 0,
    tcpi_bytes_retrans: 0,
    tcpi_snd_wnd: 0,
    tcpi_rcv_wnd: 0,
    tcpi_rehash: 0,
  };
}
