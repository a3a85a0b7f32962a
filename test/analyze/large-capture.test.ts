// A large capture streams: a generated pcap of more than 1 GiB holding 100,000 connections, 50 open
// at a time, read through readCaptureFile (one reused chunk) into a CaptureAnalyzer that reports each
// connection as it finishes. Every connection must come out a four-way close, and the analyzer's own
// gauges must stay bounded by the concurrency (open connections) and by maxLingering (finished ones
// waiting for a late retransmission), not by the number of connections: a structural bound.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { feedFrame } from '../../src/analyze/analyze.js';
import { CaptureAnalyzer } from '../../src/analyze/observer.js';
import type { ConnectionReport } from '../../src/analyze/report.js';
import { readCaptureFile } from '../../src/drivers/capture-file.js';
import { writeSyntheticCapture } from '../../tools/gen-capture.js';

const CONNECTIONS = 100_000;
const CONCURRENT = 50;
const LINGERING = 100;
const GIB = 1024 ** 3;

test('a 1 GiB capture of 100,000 connections: all four-way closes, held connections bounded by the concurrency', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'finack-large-capture-'));
  try {
    const path = join(dir, 'large.pcap');
    const written = await writeSyntheticCapture(path, {
      connections: CONNECTIONS,
      dataBytes: 11_000,
      format: 'pcap',
      concurrent: CONCURRENT,
    });
    assert.ok(statSync(path).size >= GIB, `${statSync(path).size} bytes`);
    const kinds = new Map<string, number>();
    const indices = new Set<number>();
    let wrongStates = 0;
    let heldPeak = 0;
    const analyzer = new CaptureAnalyzer({
      maxLingering: LINGERING,
      onConnection: (c: ConnectionReport) => {
        kinds.set(c.closeKind, (kinds.get(c.closeKind) ?? 0) + 1);
        indices.add(c.index);
        const cl = c.states.client.map((p) => p.state).join(' ');
        if (cl !== 'SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT CLOSED') wrongStates++;
      },
    });
    const read = await readCaptureFile(path, (p) => {
      feedFrame(analyzer, p);
      if (analyzer.held > heldPeak) heldPeak = analyzer.held;
    });
    const rest = analyzer.finish();
    assert.equal(read.packets, written.packets);
    assert.equal(rest.packets, written.packets);
    assert.deepEqual([...kinds], [['four-way', CONNECTIONS]]);
    assert.equal(indices.size, CONNECTIONS);
    assert.equal(wrongStates, 0);
    // Open connections never exceed the concurrency; with the finished ones waiting, at most
    // maxLingering more. Neither depends on how many connections the capture holds.
    assert.ok(analyzer.maxOpen <= CONCURRENT, `maxOpen ${analyzer.maxOpen}`);
    assert.ok(analyzer.maxHeld <= CONCURRENT + LINGERING + 1, `maxHeld ${analyzer.maxHeld}`);
    assert.equal(heldPeak, analyzer.maxHeld);
    assert.equal(analyzer.held, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
