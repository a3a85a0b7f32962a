// The trace event types are defined by the core, which emits them (src/core/trace.ts); the layers
// above import them from here.
export * from '../core/trace.js';
