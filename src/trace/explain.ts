// Each state change in plain words: what just happened on the wire, what this side waits for now,
// and the RFC 9293 sections it comes from. The diagrams link every state label to one of these.
//
// Lookup, most specific first: the exact (from, to, cause) the core traces; for changes to CLOSED,
// the cause alone (a reset, an abort, a timeout read the same from most states); then the (from, to)
// pair, where the pair has one meaning whatever words the cause uses (a capture analyzer names its
// causes itself). Anything else gets a general explanation: this never throws.

import type { TcpStateName } from '../core/state.js';

export interface RfcSection {
  /** The section number without the §: '3.6' for §3.6. */
  section: string;
  /** The section's title as the RFC prints it. */
  title: string;
}

export interface StateExplanation {
  title: string;
  /** Two to four sentences. */
  text: string;
  rfc: readonly RfcSection[];
  /** Why the state exists, one sentence each (entering TIME-WAIT gives both reasons). */
  reasons?: readonly string[];
}

/** Every RFC 9293 section an explanation names. */
export const RFC_SECTIONS = {
  overview: { section: '3.3.2', title: 'State Machine Overview' },
  keepQuiet: { section: '3.4.2', title: 'Knowing When to Keep Quiet' },
  isn: { section: '3.4.1', title: 'Initial Sequence Number Selection' },
  open: { section: '3.5', title: 'Establishing a Connection' },
  anomalies: { section: '3.5.1', title: 'Half-Open Connections and Other Anomalies' },
  resetGen: { section: '3.5.2', title: 'Reset Generation' },
  resetProc: { section: '3.5.3', title: 'Reset Processing' },
  close: { section: '3.6', title: 'Closing a Connection' },
  halfClosed: { section: '3.6.1', title: 'Half-Closed Connections' },
  failures: { section: '3.8.3', title: 'TCP Connection Failures' },
  keepalive: { section: '3.8.4', title: 'TCP Keep-Alives' },
  openCall: { section: '3.10.1', title: 'OPEN Call' },
  sendCall: { section: '3.10.2', title: 'SEND Call' },
  closeCall: { section: '3.10.4', title: 'CLOSE Call' },
  abortCall: { section: '3.10.5', title: 'ABORT Call' },
  arriveListen: { section: '3.10.7.2', title: 'LISTEN STATE' },
  arriveSynSent: { section: '3.10.7.3', title: 'SYN-SENT STATE' },
  arriveOther: { section: '3.10.7.4', title: 'Other States' },
  timeouts: { section: '3.10.8', title: 'Timeouts' },
} as const satisfies Record<string, RfcSection>;
const S = RFC_SECTIONS;

/** The two reasons for TIME-WAIT (the seed's, in our words). */
export const TIME_WAIT_REASONS: readonly string[] = [
  'The final ACK may be lost. The peer, still in LAST-ACK, then retransmits its FIN; an endpoint in ' +
    'TIME-WAIT still knows the connection, so it ACKs that FIN again and restarts the 2×MSL wait. ' +
    'Without TIME-WAIT the retransmitted FIN would meet no connection and be answered with a RST.',
  'Old duplicates must die out. Segments of this connection may still be delayed somewhere in the ' +
    'network; waiting 2×MSL (twice the longest a segment can live) lets them all expire before the ' +
    'same 4-tuple can be used again, so no old segment is taken for data of a new incarnation.',
];

type Entry = StateExplanation;

/** Pairs with one meaning whatever the cause. */
const BY_PAIR: Readonly<Record<string, Entry>> = {
  'CLOSED>LISTEN': {
    title: 'LISTEN: waiting for a connection',
    text:
      'The application opened a passive (listening) socket; nothing was sent. This side now waits ' +
      'for a SYN from any peer, which it will answer with a SYN,ACK.',
    rfc: [S.overview, S.openCall, S.arriveListen],
  },
  'CLOSED>SYN-SENT': {
    title: 'SYN-SENT: the handshake begins',
    text:
      'The application asked to connect, so this side sent a SYN carrying its initial sequence ' +
      'number (the SYN takes one sequence number). It now waits for the peer’s SYN,ACK; the SYN is ' +
      'retransmitted if none comes.',
    rfc: [S.overview, S.open, S.openCall],
  },
  'LISTEN>SYN-SENT': {
    title: 'SYN-SENT: a listener starts a connection',
    text:
      'The application sent data on a listening socket with a peer named, so this side sent a SYN ' +
      'itself instead of waiting for one. It now waits for the peer’s SYN,ACK.',
    rfc: [S.overview, S.sendCall],
  },
  'LISTEN>SYN-RECEIVED': {
    title: 'SYN-RECEIVED: a SYN arrived',
    text:
      'A SYN arrived at the listener; this side answered with a SYN,ACK that acknowledges the ' +
      'peer’s SYN and carries its own initial sequence number. It now waits for the ACK of that ' +
      'SYN, the third segment of the handshake.',
    rfc: [S.overview, S.open, S.arriveListen],
  },
  'SYN-SENT>ESTABLISHED': {
    title: 'ESTABLISHED: the peer answered the SYN',
    text:
      'The peer’s SYN,ACK arrived and acknowledges our SYN, so both initial sequence numbers are ' +
      'known; this side sent the ACK that completes the three-way handshake. Data can now flow ' +
      'both ways.',
    rfc: [S.overview, S.open, S.arriveSynSent],
  },
  'SYN-SENT>SYN-RECEIVED': {
    title: 'SYN-RECEIVED: both sides sent a SYN (simultaneous open)',
    text:
      'A SYN without an ACK arrived while our own SYN was unanswered: both sides are opening at ' +
      'once. This side answered with a SYN,ACK and now waits for the ACK of its SYN.',
    rfc: [S.overview, S.open, S.arriveSynSent],
  },
  'SYN-RECEIVED>ESTABLISHED': {
    title: 'ESTABLISHED: the handshake is complete',
    text:
      'The ACK of our SYN arrived, the last segment of the handshake. Both sides know each other’s ' +
      'initial sequence numbers and data can now flow both ways.',
    rfc: [S.overview, S.open, S.arriveOther],
  },
  'SYN-RECEIVED>FIN-WAIT-1': {
    title: 'FIN-WAIT-1: closed during the handshake',
    text:
      'The application closed before the handshake completed; this side sends its FIN once the ' +
      'connection is synchronized. It now waits for the ACK of that FIN (or for the peer’s FIN).',
    rfc: [S.overview, S.close, S.closeCall],
  },
  'SYN-RECEIVED>LISTEN': {
    title: 'LISTEN again: the half-open connection was dropped',
    text:
      'The connection attempt that started from the listener was reset (a RST, or a SYN where an ' +
      'ACK belonged), so this side forgets it and goes back to listening. Nothing is reported to the ' +
      'application, which never saw the connection.',
    rfc: [S.anomalies, S.resetProc, S.arriveOther],
  },
  'ESTABLISHED>FIN-WAIT-1': {
    title: 'FIN-WAIT-1: this side closes first (active close)',
    text:
      'The application closed its sending side, so after any queued data this side sends a FIN ' +
      '(seq = u; the FIN takes one sequence number). It can still receive. It now waits for the ' +
      'peer to ACK the FIN (ack = u+1), and later for the peer’s own FIN.',
    rfc: [S.overview, S.close, S.closeCall],
  },
  'ESTABLISHED>CLOSE-WAIT': {
    title: 'CLOSE-WAIT: the peer closed its side',
    text:
      'The peer’s FIN arrived: it will send no more data. This side ACKs it (ack = FIN seq + 1) and ' +
      'tells the application, which may still send. The connection is half-closed and stays in ' +
      'CLOSE-WAIT until the application calls close; only then does this side send its own FIN.',
    rfc: [S.overview, S.close, S.halfClosed, S.arriveOther],
  },
  'FIN-WAIT-1>FIN-WAIT-2': {
    title: 'FIN-WAIT-2: our FIN was acknowledged',
    text:
      'The peer ACKed our FIN, so our direction is closed; the peer is in CLOSE-WAIT and may still ' +
      'send data, which this side keeps receiving (half-closed). It now waits for the peer’s FIN.',
    rfc: [S.overview, S.close, S.halfClosed, S.arriveOther],
  },
  'FIN-WAIT-1>CLOSING': {
    title: 'CLOSING: both sides closed at once (simultaneous close)',
    text:
      'The peer’s FIN arrived while our own FIN was still unacknowledged: both sides closed at the ' +
      'same time. This side ACKs the peer’s FIN and now waits for the ACK of its own FIN.',
    rfc: [S.overview, S.close, S.arriveOther],
  },
  'FIN-WAIT-1>TIME-WAIT': {
    title: 'TIME-WAIT: the peer’s FIN also acknowledged ours',
    text:
      'One segment from the peer carried both the ACK of our FIN and its own FIN (a three-way ' +
      'close). This side ACKs that FIN and waits 2×MSL in TIME-WAIT before the connection is gone.',
    rfc: [S.overview, S.close, S.halfClosed, S.arriveOther],
    reasons: TIME_WAIT_REASONS,
  },
  'FIN-WAIT-2>TIME-WAIT': {
    title: 'TIME-WAIT: the peer’s FIN arrived',
    text:
      'The peer sent its FIN (seq = w) and this side sent the last ACK of the close (ack = w+1). ' +
      'Both directions are closed, but this side, which closed first, waits 2×MSL in TIME-WAIT ' +
      'before the connection is gone.',
    rfc: [S.overview, S.close, S.halfClosed, S.arriveOther],
    reasons: TIME_WAIT_REASONS,
  },
  'CLOSING>TIME-WAIT': {
    title: 'TIME-WAIT: our FIN was acknowledged (simultaneous close)',
    text:
      'The ACK of our FIN arrived; the peer’s FIN was already ACKed. Both directions are closed and, ' +
      'like the peer, this side waits 2×MSL in TIME-WAIT before the connection is gone.',
    rfc: [S.overview, S.close, S.halfClosed, S.arriveOther],
    reasons: TIME_WAIT_REASONS,
  },
  'CLOSE-WAIT>LAST-ACK': {
    title: 'LAST-ACK: this side closes too (passive close)',
    text:
      'The application called close after the peer’s FIN, so after any remaining data this side ' +
      'sends its own FIN (seq = w). It now waits only for the ACK of that FIN (ack = w+1); when it ' +
      'comes this side is CLOSED at once, earlier than the active closer, which stays in TIME-WAIT.',
    rfc: [S.overview, S.close, S.closeCall],
  },
  'LAST-ACK>CLOSED': {
    title: 'CLOSED: the last ACK arrived',
    text:
      'The peer ACKed our FIN, the last segment of the close. This side, the passive closer, is ' +
      'done at once and forgets the connection; the peer is in TIME-WAIT for 2×MSL longer.',
    rfc: [S.overview, S.close, S.arriveOther],
  },
  'TIME-WAIT>TIME-WAIT': {
    title: 'TIME-WAIT again: the peer’s FIN came back',
    text:
      'The peer retransmitted its FIN, so our last ACK was evidently lost. This side, still in ' +
      'TIME-WAIT, ACKs the FIN again and restarts the 2×MSL wait from now.',
    rfc: [S.halfClosed, S.arriveOther],
    reasons: TIME_WAIT_REASONS,
  },
  'CLOSED>ESTABLISHED': {
    title: 'ESTABLISHED: already open when the capture began',
    text:
      'The capture shows no handshake for this connection: it was open before the capture started. ' +
      'Data can flow both ways; the initial sequence numbers are not known, so numbers count from ' +
      'the first segment seen.',
    rfc: [S.overview, S.open],
  },
  'CLOSED>SYN-RECEIVED': {
    title: 'SYN-RECEIVED: answering a SYN the capture missed',
    text:
      'The first segment seen from this side is a SYN,ACK, so a SYN must have arrived before the ' +
      'capture saw it. This side now waits for the ACK of its SYN.',
    rfc: [S.overview, S.open, S.arriveListen],
  },
  'TIME-WAIT>CLOSED': {
    title: 'CLOSED: 2×MSL passed in TIME-WAIT',
    text:
      'The TIME-WAIT timer ran out: for 2×MSL no FIN came back to say our last ACK was lost, and ' +
      'old segments of the connection have expired. The connection is gone and its 4-tuple may be ' +
      'used again.',
    rfc: [S.close, S.halfClosed, S.timeouts],
  },
  'FIN-WAIT-2>CLOSED': {
    title: 'CLOSED: the peer never sent its FIN (FIN-WAIT-2 timeout)',
    text:
      'The application had closed fully, but the peer sent no FIN before the FIN-WAIT-2 timer ran ' +
      'out, so this side gave up waiting and dropped the connection without TIME-WAIT. The RFC has ' +
      'no such timer; implementations add one (as Linux does) so a silent peer cannot hold the ' +
      'connection forever.',
    rfc: [S.overview, S.close],
  },
};

/** Changes to CLOSED by their cause, from any state; `{from}` is replaced by the state left. */
const CLOSED_BY_CAUSE: Readonly<Record<string, Entry>> = {
  RST: {
    title: 'CLOSED: reset by the peer',
    text:
      'A RST from the peer arrived in {from} with an acceptable sequence number, so the connection ' +
      'was aborted at once: queued data is discarded and the application is told the connection ' +
      'was reset (ECONNRESET). Nothing is sent in answer to a RST.',
    rfc: [S.resetProc, S.arriveOther],
  },
  'RST in SYN-SENT': {
    title: 'CLOSED: connection refused',
    text:
      'The peer answered our SYN with a RST that acknowledges it: nothing listens on that port. ' +
      'The connection attempt fails with ECONNREFUSED.',
    rfc: [S.resetProc, S.arriveSynSent],
  },
  'RST in SYN-RECEIVED': {
    title: 'CLOSED: reset during the handshake',
    text:
      'A RST arrived in SYN-RECEIVED after a simultaneous open (both sides had sent a SYN). The ' +
      'connection attempt is refused (ECONNREFUSED) and dropped.',
    rfc: [S.resetProc, S.arriveOther],
  },
  'RST in TIME-WAIT': {
    title: 'CLOSED: a RST ended TIME-WAIT early',
    text:
      'A RST arrived in TIME-WAIT and, as Linux does by default, ended the wait early. RFC 1337 ' +
      'advises ignoring it instead, so an old RST cannot cut TIME-WAIT short.',
    rfc: [S.resetProc, S.arriveOther],
  },
  'SYN reuses the tuple': {
    title: 'CLOSED: a new SYN reopens the 4-tuple',
    text:
      'A new SYN for the same 4-tuple arrived in TIME-WAIT with a sequence number beyond anything ' +
      'the old connection used. The old record ends here and the SYN starts a new incarnation.',
    rfc: [S.halfClosed, S.arriveOther],
  },
  ABORT: {
    title: 'CLOSED: the application aborted',
    text:
      'The application aborted the connection in {from}. Where the peer may still think the ' +
      'connection is open, a RST was sent to tell it; queued data is discarded and nothing more is ' +
      'sent or received.',
    rfc: [S.abortCall, S.resetGen],
  },
  'CLOSE with unread data': {
    title: 'CLOSED: closed with unread data (reset)',
    text:
      'The application closed while received data was still unread. As RFC 1122 advises and Linux ' +
      'does, this side sent a RST instead of a FIN to show that data was lost.',
    rfc: [S.halfClosed, S.closeCall],
  },
  'data after CLOSE': {
    title: 'CLOSED: data arrived after close (reset)',
    text:
      'New data arrived after the application had closed and could no longer read it. This side ' +
      'answered with a RST to show the data was lost, and dropped the connection.',
    rfc: [S.halfClosed, S.arriveOther],
  },
  'SYN in window': {
    title: 'CLOSED: a SYN arrived on an open connection',
    text:
      'A SYN arrived inside the window of a synchronized connection, which can only mean the peer ' +
      'lost it (a restart). This side reset the connection.',
    rfc: [S.anomalies, S.arriveOther],
  },
  'CLOSE in LISTEN': {
    title: 'CLOSED: the listener was closed',
    text: 'The application closed the listening socket. Nothing was sent: no connection existed yet.',
    rfc: [S.closeCall],
  },
  'CLOSE in SYN-SENT': {
    title: 'CLOSED: closed before the peer answered',
    text:
      'The application closed while our SYN was still unanswered. The attempt is given up without ' +
      'sending anything more.',
    rfc: [S.closeCall],
  },
  'keepalive probes unanswered': {
    title: 'CLOSED: the peer stopped answering keepalive probes',
    text:
      'After a long quiet stretch this side sent keepalive probes (an ACK for old data the peer must ' +
      'answer), and none was answered. It concludes the peer is gone, sends a RST in case it is not, ' +
      'and reports ETIMEDOUT.',
    rfc: [S.keepalive, S.failures],
  },
  'retransmissions exhausted': {
    title: 'CLOSED: the peer stopped acknowledging',
    text:
      'Data (or a FIN) was retransmitted up to the retry limit and never acknowledged. This side ' +
      'gave up on the connection in {from} and reports ETIMEDOUT.',
    rfc: [S.failures, S.timeouts],
  },
  'SYN retransmissions exhausted': {
    title: 'CLOSED: the connection attempt timed out',
    text:
      'The SYN was retransmitted up to the retry limit and never answered. The connection attempt ' +
      'fails with ETIMEDOUT.',
    rfc: [S.failures, S.timeouts],
  },
  'user timeout': {
    title: 'CLOSED: user timeout',
    text:
      'Data stayed unacknowledged longer than the user timeout allows. The connection was aborted ' +
      'in {from} and the application told (ETIMEDOUT).',
    rfc: [S.failures, S.timeouts],
  },
  '2MSL timeout': BY_PAIR['TIME-WAIT>CLOSED']!,
  'FIN-WAIT-2 timeout': BY_PAIR['FIN-WAIT-2>CLOSED']!,
  reclaimed: {
    title: 'CLOSED: TIME-WAIT record reclaimed',
    text:
      'The host held its limit of TIME-WAIT records, so the oldest was ended before 2×MSL to make ' +
      'room. Its 4-tuple is no longer protected against old duplicates.',
    rfc: [S.halfClosed],
  },
  'connection gone': {
    title: 'CLOSED: the connection was already gone',
    text:
      'This side answered a segment of the connection with a RST, which shows it no longer had the ' +
      'connection (it had closed it, or lost it in a restart). As far as this side is concerned the ' +
      'connection is over.',
    rfc: [S.resetGen, S.anomalies],
  },
  'internal error': {
    title: 'CLOSED: aborted after an internal error',
    text:
      'The stack hit an error of its own while handling this connection, so the connection was ' +
      'aborted rather than left in an unknown state. This is a bug worth reporting.',
    rfc: [S.abortCall],
  },
};

/** Exact (from, to, cause) entries that say more than the pair's. */
const BY_TRIPLE: Readonly<Record<string, Entry>> = {
  'LAST-ACK>CLOSED|RST': {
    title: 'CLOSED: reset while waiting for the last ACK',
    text:
      'A RST arrived instead of the ACK of our FIN. The application had already closed, so there is ' +
      'no one to tell: the connection simply ends.',
    rfc: [S.resetProc, S.arriveOther],
  },
  'CLOSING>CLOSED|RST': {
    title: 'CLOSED: reset during a simultaneous close',
    text:
      'A RST arrived while this side waited for the ACK of its FIN. The application had already ' +
      'closed, so the connection simply ends.',
    rfc: [S.resetProc, S.arriveOther],
  },
  'ESTABLISHED>FIN-WAIT-1|queued CLOSE': {
    title: 'FIN-WAIT-1: the close queued during the handshake takes effect',
    text:
      'The application had closed before the handshake finished; now that the connection is ' +
      'established this side sends its FIN (after any queued data). It waits for the ACK of the ' +
      'FIN and for the peer’s FIN.',
    rfc: [S.close, S.closeCall],
  },
  'CLOSE-WAIT>LAST-ACK|queued CLOSE': {
    title: 'LAST-ACK: the queued close takes effect',
    text:
      'The application had already closed; now that the peer’s FIN has arrived this side sends its ' +
      'own FIN. It waits only for the ACK of that FIN, and is CLOSED earlier than the active closer.',
    rfc: [S.close, S.closeCall],
  },
  'SYN-RECEIVED>LISTEN|SYN in SYN-RECEIVED': {
    title: 'LISTEN again: a second SYN replaced the half-open connection',
    text:
      'A SYN arrived where the ACK of our SYN,ACK belonged. The half-open connection is dropped and ' +
      'the listener waits for a fresh attempt.',
    rfc: [S.anomalies, S.arriveOther],
  },
};

const CLOSED_KEYWORDS: readonly [RegExp, string][] = [
  [/refused/i, 'RST in SYN-SENT'],
  [/2\s*msl|time-?wait (timeout|expired)/i, '2MSL timeout'],
  [/fin-?wait-?2 timeout/i, 'FIN-WAIT-2 timeout'],
  [/keepalive/i, 'keepalive probes unanswered'],
  [/\brst\b|reset/i, 'RST'],
  [/abort/i, 'ABORT'],
];

function fill(e: Entry, from: string): StateExplanation {
  if (!e.text.includes('{from}')) return e;
  return { ...e, text: e.text.replaceAll('{from}', from) };
}

/**
 * The specific explanation of a state change, or undefined when finack has none for it (then
 * explainTransition gives a general one).
 */
export function specificExplanation(from: string, to: string, cause: string): StateExplanation | undefined {
  const triple = BY_TRIPLE[`${from}>${to}|${cause}`];
  if (triple) return triple;
  if (to === 'CLOSED') {
    const byCause = CLOSED_BY_CAUSE[cause];
    if (byCause) return fill(byCause, from);
    const pair = BY_PAIR[`${from}>${to}`];
    // A pair's own meaning unless the words of the cause say otherwise (a reset, an abort).
    for (const [re, key] of CLOSED_KEYWORDS) {
      if (re.test(cause) && (!pair || key === 'RST' || key === 'ABORT' || key === 'RST in SYN-SENT'))
        return fill(CLOSED_BY_CAUSE[key]!, from);
    }
    return pair;
  }
  return BY_PAIR[`${from}>${to}`];
}

/**
 * A short explanation of the state change `from` → `to` the core traced with `cause`: what just
 * happened on the wire, what this side waits for now, and the RFC 9293 sections. An unknown change
 * gets a general explanation; this never throws.
 */
export function explainTransition(from: TcpStateName, to: TcpStateName, cause: string): StateExplanation {
  return specificExplanation(from, to, cause) ?? generalExplanation(from, to, cause);
}

/** What is said of a change finack has no specific words for. */
export function generalExplanation(from: string, to: string, cause: string): StateExplanation {
  const why = cause ? ` (${cause})` : '';
  return {
    title: `${from} → ${to}`,
    text:
      `This side moved from ${from} to ${to}${why}. The state diagram of RFC 9293 shows which ` +
      'segments and calls lead between the states.',
    rfc: [S.overview],
  };
}
