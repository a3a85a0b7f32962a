// finack's main entry, for Node: everything in 'finack/portable' (the parts that run wherever
// JavaScript runs) plus the node:net look-alike, which needs node:stream and node:events.

// Capture files read in chunks (the pure parser is in 'finack/portable').
export { type CaptureFileSummary, type ReadCaptureOptions, readCaptureFile } from './drivers/capture-file.js';
// The control channel `finack ss` reads: a Unix socket per process with its table and counters.
export {
  CONTROL_VERSION,
  type ControlConnInfo,
  ControlError,
  type ControlErrorCode,
  type ControlHandle,
  type ControlInstanceInfo,
  type ControlRequest,
  type ControlResponse,
  type ControlRow,
  type ControlSource,
  controlDir,
  controlRequest,
  controlRows,
  controlSocketPath,
  type ServeControlOptions,
  serveControl,
} from './drivers/control.js';
// pcap files for any driver (the pure writer and reader are in 'finack/portable').
export { PcapFileWriter } from './drivers/pcap-file.js';
// The Linux TUN driver: its one native call (koffi) is loaded only when a device is opened.
export { TunDevice } from './drivers/tun/device.js';
export { TunDriver } from './drivers/tun/driver.js';
export { TunError } from './drivers/tun/errors.js';
export {
  ClockDriver,
  createHttp,
  createHttps,
  createNet,
  FinackAgent,
  type FinackHttp,
  FinackHttpServer,
  type FinackHttps,
  FinackHttpsAgent,
  FinackHttpsServer,
  type FinackNet,
  formatConnections,
  httpOf,
  httpsOf,
  type NetDriver,
  type NetHost,
  type NetOptions,
  netOf,
  Server as NetServer,
  SimDriver,
  Socket as NetSocket,
  type SystemError,
  simNetHost,
  type TimeMode,
  tunNetHost,
} from './net/index.js';
export * from './portable.js';
