// finack's public API. Everything here runs anywhere JavaScript runs, except what src/drivers/node-*
// and (later) the TUN driver add; those are exported under their own names.

// wire: bytes <-> values
export * from './wire/seq.js';
export * from './wire/segment.js';
export { type Result, type WireError, type WireErrorCode } from './wire/result.js';
export { emitTcp, parseTcp, parseTcpOptions } from './wire/tcp-header.js';
export { internetChecksum, tcpChecksum } from './wire/checksum.js';
export { addressFamily, decodePacket, encodePacket, type EncodeOptions, formatAddress, parseAddress, type Packet } from './wire/ip.js';
export { emitIpv4, parseIpv4 } from './wire/ipv4.js';
export { emitIpv6, parseIpv6 } from './wire/ipv6.js';
export { rfcNotation, tcpdumpNotation } from './wire/notation.js';

// core: the sans-IO protocol
export * from './core/time.js';
export * from './core/state.js';
export * from './core/config.js';
export * from './core/errors.js';
export type { ConnEvent, ConnEventType } from './core/events.js';
export { TIMER_KINDS, type TimerInfo, type TimerKind } from './core/timers.js';
export {
  Connection,
  type ConnectionInfo,
  type ConnectionOptions,
  type Output,
  type ReadOutput,
  type SendOutput,
} from './core/connection.js';
export {
  type Address,
  type ConnectionRow,
  type ConnId,
  Endpoint,
  type EndpointEvent,
  type EndpointOptions,
  type EndpointOutput,
  type ListenerId,
} from './core/endpoint.js';
export { type TimeWaitRecord, type TimeWaitVerdict, timeWaitAck, timeWaitVerdict } from './core/time-wait.js';
export { IsnGenerator, siphash24 } from './core/isn.js';
export { createCongestionControl, type CongestionControl } from './core/congestion.js';
export { RtoEstimator } from './core/rto.js';

// trace
export type { DropReason, SegmentView, TraceEvent, TraceSink } from './trace/events.js';
export { NO_TRACE } from './trace/events.js';
export { TraceRecorder } from './trace/recorder.js';
export { compactLadder, terminalLadder } from './trace/ladder.js';
export { traceDocument } from './trace/json.js';

// simulated network and drivers
export * from './sim/index.js';
export { type Clock, EventQueue } from './drivers/clock.js';
export { DriverLoop, type DriverLoopOptions } from './drivers/loop.js';
export { NodeClock } from './drivers/node-clock.js';

// scenarios (the demo's named runs)
export { findScenario, runScenario, SCENARIO_NAMES, SCENARIOS } from './scenarios/index.js';
