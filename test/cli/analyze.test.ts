// `finack analyze` end to end through runAnalyze (main() does not route to it yet): captures written
// from scenarios into a temporary directory, each output format, a finack trace drawn, and the bad
// cases (usage errors exit 2; unreadable, foreign, malformed and truncated input exit 1 with what
// was read before the fault still reported).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { type AnalyzeIo, runAnalyze } from '../../src/cli/analyze.js';
import { demoJson } from '../../src/cli/demo.js';
import { runScenario } from '../../src/scenarios/index.js';
import { jsonEvent } from '../../src/trace/json.js';
import { RelativeNumbers } from '../../src/trace/ladder.js';
import { PcapWriter, pcapFromTrace } from '../../src/trace/pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'finack-analyze-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function scenarioPcap(name: string): Uint8Array {
  const r = runScenario(name);
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c));
  pcapFromTrace(r.events, w, Date.UTC(2026, 0, 15));
  w.close();
  return Buffer.concat(chunks);
}

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const closePcap = file('close.pcap', scenarioPcap('close'));

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], extra: Partial<AnalyzeIo> = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await runAnalyze(argv, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    ...extra,
  });
  return { code, out, err };
}

test('--help prints the usage, exit 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: finack analyze <capture>/);
  assert.match(r.out, /--format <f>/);
});

test('usage errors exit 2: an unknown option, no file, two files, bad values', async () => {
  for (const argv of [
    [closePcap, '--bogus'],
    [],
    [closePcap, closePcap],
    [closePcap, '--format', 'xml'],
    [closePcap, '--conn', 'x'],
    [closePcap, '--filter', 'nonsense'],
    [closePcap, '--msl', 'soon'],
    [closePcap, '--conn', '1', '--filter', '192.0.2.1:80'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /^finack: /);
    assert.equal(r.out, '');
  }
});

test('text: a block per connection with the close, TIME-WAIT, half-close, states and findings', async () => {
  const r = await run([closePcap]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^finack analyze .*close\.pcap\n/);
  assert.match(r.out, /Connection 1: 192\.0\.2\.1:\d+ → 192\.0\.2\.2:80\n/);
  assert.match(r.out, /close: four-way close .*; closed first by the client\n/);
  assert.match(r.out, /TIME-WAIT: the client\n/);
  assert.match(r.out, /half-close: the client closed its sending side; for \S+ ms the server still sent 16 bytes/);
  assert.match(r.out, /client: ESTABLISHED 0 → FIN-WAIT-1 0 → FIN-WAIT-2 50 → TIME-WAIT 90 → CLOSED 60,090\n/);
  assert.match(r.out, /half-close-data: after the client's FIN/);
  assert.match(r.out, /\d+ packets over \S+ ms: 1 TCP connection, 0 not TCP, 0 undecodable\n$/);
});

test('json: the contract shape, --out writes it to a file', async () => {
  const r = await run([closePcap, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { connections: Record<string, unknown>[]; packets: number };
  assert.equal(doc.connections.length, 1);
  const c = doc.connections[0]!;
  assert.deepEqual(Object.keys(c), [
    'index',
    'client',
    'server',
    'closeKind',
    'closedFirstBy',
    'timeWaitSide',
    'findings',
    'evidence',
    'states',
    'bytes',
    'halfClose',
  ]);
  assert.deepEqual([c.closeKind, c.closedFirstBy, c.timeWaitSide], ['four-way', 'client', 'client']);
  const states = c.states as { client: { t: number; state: string }[] };
  assert.deepEqual(
    states.client.map((p) => p.state),
    ['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSED'],
  );
  assert.ok(doc.packets > 0);
  const out = join(dir, 'out.json');
  const w = await run([closePcap, '--format', 'json', '--out', out]);
  assert.equal(w.code, 0, w.err);
  assert.equal(w.out, '');
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), doc);
});

test('--msl sets the inferred TIME-WAIT', async () => {
  const r = await run([closePcap, '--format', 'json', '--msl', '1s']);
  const doc = JSON.parse(r.out) as { connections: { states: { client: { t: number; state: string }[] } }[] };
  const cl = doc.connections[0]!.states.client;
  assert.equal(cl.at(-1)!.t - cl.at(-2)!.t, 2000);
});

test('diagrams of one connection: the ladder (text with --conn, ladder), SVG and HTML', async () => {
  const text = await run([closePcap, '--conn', '1', '--ascii']);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /client 192\.0\.2\.1:\d+ +server 192\.0\.2\.2:80/);
  for (const s of ['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'CLOSE-WAIT', 'LAST-ACK'])
    assert.ok(text.out.includes(s), s);
  assert.ok(/^[\x20-\x7e\n]*$/.test(text.out), 'ASCII only');
  const ladder = await run([closePcap, '--format', 'ladder']);
  assert.equal(ladder.code, 0);
  assert.ok(ladder.out.includes('FIN,ACK'));
  const svg = await run([closePcap, '--format', 'svg', '--filter', '192.0.2.2:80']);
  assert.equal(svg.code, 0, svg.err);
  assert.match(svg.out, /^<svg /);
  assert.equal(XMLValidator.validate(svg.out), true);
  for (const s of ['FIN-WAIT-1', 'TIME-WAIT', 'LAST-ACK']) assert.ok(svg.out.includes(s), s);
  const html = await run([closePcap, '--format', 'html']);
  assert.equal(html.code, 0, html.err);
  assert.match(html.out, /<html/i);
  assert.ok(html.out.includes('TIME-WAIT'));
});

test('a diagram of a connection that is not there: exit 1', async () => {
  const a = await run([closePcap, '--conn', '7', '--format', 'svg']);
  assert.equal(a.code, 1);
  assert.match(a.err, /no connection 7 .*\(it has 1\)/);
  const b = await run([closePcap, '--filter', '198.51.100.9:1,198.51.100.10:2']);
  assert.equal(b.code, 1);
  assert.match(b.err, /no connection between/);
});

test('a finack trace (demo --format json) is drawn as it is; json of a trace is refused', async () => {
  const trace = file('close.json', demoJson(runScenario('close')));
  const svg = await run([trace, '--format', 'svg']);
  assert.equal(svg.code, 0, svg.err);
  assert.equal(XMLValidator.validate(svg.out), true);
  assert.ok(svg.out.includes('TIME-WAIT'));
  const text = await run([trace]);
  assert.equal(text.code, 0);
  assert.ok(text.out.includes('FIN-WAIT-2'));
  const json = await run([trace, '--format', 'json']);
  assert.equal(json.code, 1);
  const bad = await run([file('bad.json', '{"scenario":')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^finack: /);
});

test('a --trace JSON Lines file (one event per line) is drawn too', async () => {
  const events = runScenario('half-close').events;
  const rel = new RelativeNumbers();
  const lines = events.flatMap((e) => {
    const j = jsonEvent(e, 0, rel);
    return j ? [JSON.stringify({ ...j, conn: e.conn })] : [];
  });
  const trace = file('half-close.jsonl', `${lines.join('\n')}\n`);
  const r = await run([trace, '--format', 'ladder', '--ascii']);
  assert.equal(r.code, 0, r.err);
  for (const s of ['FIN-WAIT-2', 'CLOSE-WAIT', 'TIME-WAIT']) assert.ok(r.out.includes(s), s);
});

test('unreadable and foreign input: exit 1 with a clear message', async () => {
  const missing = await run([join(dir, 'nope.pcap')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.pcap: cannot read/);
  const text = await run([file('notes.txt', 'hello, not a capture\n')]);
  assert.equal(text.code, 1);
  assert.match(text.err, /not a pcap or pcapng capture, nor a finack trace/);
});

test('a truncated capture: the error names the offset, what was read before is reported, exit 1', async () => {
  const cut = closePcap.replace(/close\.pcap$/, 'cut.pcap');
  writeFileSync(cut, scenarioPcap('close').subarray(0, -10));
  const r = await run([cut]);
  assert.equal(r.code, 1);
  assert.match(r.err, /truncated capture at byte \d+/);
  assert.match(r.out, /Connection 1: /);
  const j = await run([cut, '--format', 'json']);
  assert.equal(j.code, 1);
  const doc = JSON.parse(j.out) as { connections: unknown[]; error: { code: string; offset: number } };
  assert.equal(doc.connections.length, 1);
  assert.equal(doc.error.code, 'ERR_CAPTURE_TRUNCATED');
  const whole = scenarioPcap('close');
  assert.ok(doc.error.offset > 24 && doc.error.offset < whole.length);
});

test('a malformed capture: a record longer than any can be, at its offset', async () => {
  const bytes = scenarioPcap('close').slice();
  // The third record: walk the headers to its start and give it an impossible captured length.
  let at = 24;
  for (let i = 0; i < 2; i++) at += 16 + new DataView(bytes.buffer, bytes.byteOffset + at + 8, 4).getUint32(0, true);
  new DataView(bytes.buffer, bytes.byteOffset + at + 8, 4).setUint32(0, 0x7fffffff, true);
  const r = await run([file('bad.pcap', bytes), '--format', 'json']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out) as { packets: number; error: { code: string; offset: number } };
  assert.deepEqual([doc.error.code, doc.error.offset, doc.packets], ['ERR_CAPTURE_MALFORMED', at, 2]);
  assert.match(r.err, new RegExp(`malformed capture at byte ${at}`));
});

test('the progress bar: only when asked for (a terminal), only after a second, cleared at the end', async () => {
  let calls = 0;
  const slow = await run([closePcap], { progress: true, now: () => (calls++ === 0 ? 0 : 5000) });
  assert.equal(slow.code, 0);
  const ESC = String.fromCharCode(27);
  assert.ok(slow.err.startsWith(`\r${ESC}[Kanalyzing [`), JSON.stringify(slow.err));
  assert.match(slow.err, /\[#+\] 100% /);
  assert.ok(slow.err.endsWith(`\r${ESC}[K`));
  const fast = await run([closePcap], { progress: true, now: () => 0 });
  assert.equal(fast.err, '');
  calls = 0;
  const off = await run([closePcap, '--no-progress'], { progress: true, now: () => (calls++ === 0 ? 0 : 5000) });
  assert.equal(off.err, '');
  const notTty = await run([closePcap]);
  assert.equal(notTty.err, '');
});
