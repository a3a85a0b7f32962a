// The TCB's booleans, kept as bits of one word (Tcb's flags): their names, in bit order.

/** The TCB's boolean fields, in the order of their bits in Tcb's flags word. */
export const FLAGS = [
  'tracing',
  'passive',
  'finished',
  'finQueued',
  'irsKnown',
  'readClosed',
  'userClosed',
  'wsOk',
  'peerOfferedWs',
  'peerOfferedTs',
  'tsOk',
  'peerOfferedSack',
  'sackOk',
  'ackNow',
  'pingpong',
  'rttTiming',
  'probeArmed',
  'probeSent',
  'rearmProbe',
  'restartRtx',
  'restartUserTimeout',
  'restartFinWait2',
  'ackDelayed',
  'keepalive',
  'nagle',
  'tsOffsetInt32',
  'called',
  'deferAcked',
  'moreHeld',
  'moreTail',
] as const;
export const TRACING = 1 << FLAGS.indexOf('tracing');
export const KEEPALIVE = 1 << FLAGS.indexOf('keepalive');
export const NAGLE = 1 << FLAGS.indexOf('nagle');
/** tsOffset is a 32-bit unsigned value kept as the signed integer with the same bits (see #tsOffset). */
export const TS_OFFSET_INT32 = 1 << FLAGS.indexOf('tsOffsetInt32');
