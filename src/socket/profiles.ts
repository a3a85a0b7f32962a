// Behaviour profiles: named sets of settings (never forks of the code). A profile is a
// Partial<TcpConfig> for the core plus named behaviour flags for the socket layer. Where a flag
// names a behaviour the core does not have yet, the socket layer emulates it when it can (see
// SocketKernel) and the comment says what the core should do instead.

import { DEFAULT_CONFIG, type TcpConfig } from '../core/config.js';
import { MINUTE, SECOND } from '../core/time.js';

export interface BehaviourFlags {
  /**
   * close() with unread received data aborts with a RST instead of sending FIN (RFC 2525 §2.17,
   * RFC 1122 §4.2.2.13; Linux tcp_close). The core does it (config rstOnCloseWithUnread, default
   * on); the socket layer passes this flag through to it and also aborts itself.
   */
  rstOnCloseWithUnreadData: boolean;
  /**
   * close() of a listener resets the connections that completed the handshake but were never
   * accepted (Linux inet_csk_listen_stop). Done by the socket layer.
   */
  rstUnacceptedOnListenerClose: boolean;
  /**
   * tcp_tw_reuse: connect() may take a 4-tuple held in TIME-WAIT when timestamps were in use on the
   * old connection and twReuseDelay ms have passed since its last received segment (Linux
   * tcp_twsk_unique). 0 = off, 1 = on, 2 = loopback only (Linux's default; never applies here).
   */
  twReuse: 0 | 1 | 2;
  /** tcp_tw_reuse_delay in ms (Linux default 1000). */
  twReuseDelay: number;
  /** SO_ERROR / read() report ECONNRESET after a reset (Linux); off: the error is reported once by read() only. */
  reportResetOnRead: boolean;
}

export interface Profile {
  name: string;
  description: string;
  config: Partial<TcpConfig>;
  behaviour: BehaviourFlags;
}

export const DEFAULT_BEHAVIOUR: Readonly<BehaviourFlags> = Object.freeze({
  rstOnCloseWithUnreadData: true,
  rstUnacceptedOnListenerClose: true,
  twReuse: 0,
  twReuseDelay: 1000,
  reportResetOnRead: true,
});

/** finack's own defaults (core/config.ts), with the socket layer's RFC-backed behaviours. */
export const FINACK_PROFILE: Profile = {
  name: 'finack',
  description: "finack's defaults (RFC values: RTO min 1 s, delayed ACK 200 ms, RFC 1337 on)",
  config: {},
  behaviour: { ...DEFAULT_BEHAVIOUR },
};

/**
 * What ../shared/conformance packetdrill `defaults.sh` sets on Linux 6.x, plus the kernel defaults
 * the scripts rely on (PACKETDRILL-SUBSET.md §6 and §8).
 */
export const LINUX_PROFILE: Profile = {
  name: 'linux',
  description: 'Linux 6.x with packetdrill defaults.sh: wscale 8, RTO 1 s/min 200 ms, delayed ACK 40 ms, SACK, TS',
  config: {
    // TIME-WAIT is 60 s (TCP_TIMEWAIT_LEN): 2 × 30 s.
    msl: 30 * SECOND,
    finWait2Timeout: 60 * SECOND,
    mss: 1460,
    // tcp_rmem max 15 MiB: the smallest shift with 65535 << shift >= 15 MiB is 8.
    recvBuffer: 15 * 1024 * 1024,
    sendBuffer: 4 * 1024 * 1024,
    windowScaling: true,
    timestamps: true,
    sackPermitted: true,
    delayedAck: true,
    // Linux's delayed-ACK timer starts at TCP_ATO_MIN (40 ms).
    delayedAckTimeout: 40,
    // Quick-ACK mode for the first data segments, ping-pong heuristic (PACKETDRILL-SUBSET.md §8.3).
    quickAck: true,
    // RFC 8985 tail loss probe, as Linux (tcp_early_retrans default 3).
    tailLossProbe: true,
    rtoInitial: 1 * SECOND,
    // TCP_RTO_MIN
    rtoMin: 200,
    rtoMax: 2 * MINUTE,
    synRetries: 5,
    retries2: 15,
    keepaliveIdle: 7200 * SECOND,
    keepaliveInterval: 75 * SECOND,
    keepaliveCount: 9,
    initialCwndSegments: 10,
    // Linux lets a RST end TIME-WAIT (tcp_rfc1337 = 0).
    rfc1337: false,
    challengeAcks: true,
    // An ACK of unsent data in ESTABLISHED is discarded silently (tcp_ack's "invalid ack").
    dropAckOfUnsent: true,
    // An in-order segment past the window is queued whole when nothing is unread (tcp_data_queue).
    inOrderPastWindow: true,
    // D-SACK (net.ipv4.tcp_dsack = 1).
    dsack: true,
    // CUBIC's multiplicative decrease (beta 717/1024) after a loss.
    lossBeta: 717,
  },
  behaviour: { ...DEFAULT_BEHAVIOUR, twReuse: 2, twReuseDelay: 1000 },
};

/** The Linux 3.11 scripts' machine: a receive-buffer limit just under 4 MiB, hence wscale 6. */
export const LINUX_311_PROFILE: Profile = {
  name: 'linux-3.11',
  description: 'linux with a 3 MiB receive-buffer limit (wscale 6), as the Linux 3.11 packetdrill scripts expect',
  config: { ...LINUX_PROFILE.config, recvBuffer: 3 * 1024 * 1024 },
  behaviour: { ...LINUX_PROFILE.behaviour },
};

/** How gVisor's harness runs its scripts: 2 MiB socket buffers, SACK on. */
export const GVISOR_PROFILE: Profile = {
  name: 'gvisor',
  description: 'linux with 2 MiB socket buffers, as gVisor runs its packetdrill scripts',
  config: { ...LINUX_PROFILE.config, recvBuffer: 2 * 1024 * 1024, sendBuffer: 2 * 1024 * 1024 },
  behaviour: { ...LINUX_PROFILE.behaviour },
};

export const PROFILES: Readonly<Record<string, Profile>> = {
  finack: FINACK_PROFILE,
  linux: LINUX_PROFILE,
  'linux-3.11': LINUX_311_PROFILE,
  gvisor: GVISOR_PROFILE,
};

/** A TCP setting as the profile has it, or else finack's default. */
export function settingOf<K extends keyof TcpConfig>(p: Profile, k: K): TcpConfig[K] {
  const v = p.config[k];
  if (v !== undefined) return v as TcpConfig[K];
  return (DEFAULT_CONFIG as TcpConfig)[k];
}

/** A copy of `p` with sysctl overrides applied (names as in /proc/sys/net/ipv4). Unknown names are returned. */
export function applySysctls(p: Profile, sysctls: Map<string, string>): { profile: Profile; unknown: string[] } {
  const config = { ...p.config };
  const behaviour = { ...p.behaviour };
  const unknown: string[] = [];
  for (const [name, value] of sysctls) {
    const n = Number(value);
    switch (name) {
      case 'tcp_tw_reuse':
        behaviour.twReuse = n === 1 ? 1 : n === 2 ? 2 : 0;
        break;
      case 'tcp_tw_reuse_delay':
        behaviour.twReuseDelay = n;
        break;
      case 'tcp_fin_timeout':
        config.finWait2Timeout = n * SECOND;
        break;
      case 'tcp_timestamps':
        config.timestamps = n !== 0;
        break;
      case 'tcp_sack':
        config.sackPermitted = n !== 0;
        break;
      case 'tcp_dsack':
        config.dsack = n !== 0;
        break;
      case 'tcp_window_scaling':
        config.windowScaling = n !== 0;
        break;
      case 'tcp_syn_retries':
      case 'tcp_synack_retries':
        config.synRetries = n;
        break;
      case 'tcp_retries2':
        config.retries2 = n;
        break;
      case 'tcp_rfc1337':
        config.rfc1337 = n !== 0;
        break;
      case 'tcp_keepalive_time':
        config.keepaliveIdle = n * SECOND;
        break;
      case 'tcp_keepalive_intvl':
        config.keepaliveInterval = n * SECOND;
        break;
      case 'tcp_keepalive_probes':
        config.keepaliveCount = n;
        break;
      case 'tcp_rmem': {
        const max = bufferMax(value);
        if (max !== undefined) config.recvBuffer = max;
        break;
      }
      case 'tcp_wmem': {
        const max = bufferMax(value);
        if (max !== undefined) config.sendBuffer = max;
        break;
      }
      case 'tcp_min_tso_segs':
        // finack has no TSO: it sends MSS-sized segments (which the packetdrill runner takes
        // together for a larger expected one), so the fewest segments per TSO packet changes nothing.
        if (!(n >= 1)) unknown.push(name);
        break;
      default:
        unknown.push(name);
    }
  }
  return { profile: { ...p, config, behaviour }, unknown };
}

/** The maximum of a tcp_rmem / tcp_wmem triple ("min default max"); undefined when it is not a positive number. */
function bufferMax(triple: string): number | undefined {
  const max = Number(triple.trim().split(/\s+/)[2]);
  return Number.isFinite(max) && max > 0 ? max : undefined;
}
