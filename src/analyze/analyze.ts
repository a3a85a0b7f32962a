// The analyzer over a whole capture held in memory, for the browser and for tests:
// analyzeCaptureBytes(bytes) parses pcap or pcapng (capture.ts), takes the IP packet out of each
// frame (link.ts) and feeds the observer. src/cli/analyze.ts streams a file instead.

import { type CapturedPacket, CaptureError, parseCaptureBytes } from './capture.js';
import { ipOfFrame } from './link.js';
import { CaptureAnalyzer } from './observer.js';
import type { AnalysisReport, AnalyzeOptions } from './report.js';

/** Why a capture could not be read to its end (the report holds what was read before). */
export interface CaptureReadError {
  code: string;
  offset: number;
  message: string;
}

/** AnalysisReport plus, when the capture was malformed or cut short, the error that stopped it. */
export interface CaptureAnalysis extends AnalysisReport {
  error?: CaptureReadError;
}

/** Hands one captured frame to the analyzer: frames that carry no IP packet count as not TCP. */
export function feedFrame(analyzer: CaptureAnalyzer, p: CapturedPacket): void {
  const ip = ipOfFrame(p.linktype, p.data);
  if (ip === undefined) analyzer.nonIp(p.t);
  else analyzer.packet(p.t, ip);
}

/**
 * Analyzes a capture in memory. A malformed or truncated capture does not throw: the report covers
 * the packets before the fault and `error` names it (code and file offset). Anything that is not a
 * pcap or pcapng file at all is an error of the same form at offset 0.
 */
export function analyzeCaptureBytes(bytes: Uint8Array, opts: AnalyzeOptions = {}): CaptureAnalysis {
  const analyzer = new CaptureAnalyzer(opts);
  let error: CaptureReadError | undefined;
  try {
    parseCaptureBytes(bytes, (p) => feedFrame(analyzer, p));
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = { code: e.code, offset: e.offset, message: e.message };
  }
  const report: CaptureAnalysis = analyzer.finish();
  if (error) report.error = error;
  return report;
}
