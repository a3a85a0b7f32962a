// finack's main entry, for Node: everything in 'finack/portable' (the parts that run wherever
// JavaScript runs) plus the node:net look-alike, which needs node:stream and node:events.

export {
  createNet,
  type FinackNet,
  formatConnections,
  type NetOptions,
  netOf,
  Server as NetServer,
  SimDriver,
  Socket as NetSocket,
  type SystemError,
  type TimeMode,
} from './net/index.js';
export * from './portable.js';
