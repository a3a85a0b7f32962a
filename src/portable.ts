// finack's portable API: wire, core, trace, the simulated network and the driver loop. Nothing here
// imports a node:* module, so it runs in browsers too. The main entry (index.ts) adds the net layer.

// captures: reading pcap/pcapng, and the passive observer behind `finack analyze`
export { analyzeCaptureBytes, type CaptureAnalysis, feedFrame } from './analyze/analyze.js';
export {
  type CapturedPacket,
  CaptureError,
  type CaptureErrorCode,
  type CaptureFormat,
  CaptureParser,
  looksLikeCapture,
  parseCaptureBytes,
} from './analyze/capture.js';
export { ipOfFrame, KNOWN_LINKTYPES } from './analyze/link.js';
export { CaptureAnalyzer } from './analyze/observer.js';
export type {
  AnalysisReport,
  AnalyzeOptions,
  CloseKind,
  ConnectionReport,
  Evidence,
  Finding,
  StatePoint,
} from './analyze/report.js';
export { connectionJson } from './analyze/report.js';
export { connectionTrace } from './analyze/to-trace.js';
export * from './base/errors.js';
export * from './core/config.js';
export { type CongestionControl, createCongestionControl } from './core/congestion.js';
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
  type EndpointStats,
  type ListenerId,
} from './core/endpoint.js';
export type { ConnEvent, ConnEventType } from './core/events.js';
export { DEFAULT_HOST_LIMITS, type HostLimits } from './core/host-limits.js';
export { IsnGenerator, siphash24 } from './core/isn.js';
export { RtoEstimator } from './core/rto.js';
export * from './core/state.js';
export { formatStats, statsLines } from './core/stats.js';

// core: the sans-IO protocol
export * from './core/time.js';
export { type TimeWaitRecord, type TimeWaitVerdict, timeWaitAck, timeWaitVerdict } from './core/time-wait.js';
export { TIMER_KINDS, type TimerInfo, type TimerKind } from './core/timers.js';
export { NodeClock } from './drivers/node-clock.js';
export { type Clock, EventQueue } from './io/clock.js';
export { DriverLoop, type DriverLoopOptions } from './io/loop.js';
// scenarios (the demo's named runs)
export { findScenario, runScenario, SCENARIO_NAMES, SCENARIOS } from './scenarios/index.js';
// simulated network and drivers
export * from './sim/index.js';
// trace
export type { DropReason, SegmentView, TraceEvent, TraceSink } from './trace/events.js';
export { NO_TRACE } from './trace/events.js';
export { explainTransition, type StateExplanation } from './trace/explain.js';
export { htmlDiagram, htmlDiagrams } from './trace/html.js';
export { traceDocument } from './trace/json.js';
export { TraceReadError, traceEventsFromJson, traceRunsFromJson } from './trace/json-read.js';
export { compactLadder, terminalLadder } from './trace/ladder.js';
export { PcapWriter, pcapFromTrace, pcapTap, readPcap } from './trace/pcap.js';
export { TraceRecorder } from './trace/recorder.js';
export { type DiagramOptions, type DiagramRun, svgDiagram, svgDiagrams } from './trace/svg.js';
export { internetChecksum, tcpChecksum } from './wire/checksum.js';
export {
  addressFamily,
  type DecodeOptions,
  decodePacket,
  type EncodeOptions,
  encodePacket,
  formatAddress,
  type Packet,
  parseAddress,
} from './wire/ip.js';
export { emitIpv4, parseIpv4 } from './wire/ipv4.js';
export { emitIpv6, parseIpv6 } from './wire/ipv6.js';
export { rfcNotation, tcpdumpNotation } from './wire/notation.js';
export type { Result, WireError, WireErrorCode } from './wire/result.js';
export * from './wire/segment.js';
// wire: bytes <-> values
export * from './wire/seq.js';
export { emitTcp, parseTcp, parseTcpOptions } from './wire/tcp-header.js';
