// `finack demo`: runs a named scenario and renders it as a terminal ladder, one JSON document, an SVG
// image or a self-contained HTML page, to standard output or to the file --out names.

import { writeFileSync } from 'node:fs';
import { PcapFileWriter } from '../drivers/pcap-file.js';
import type { ScenarioResult, ScenarioRun } from '../scenarios/index.js';
import { findScenario, SCENARIO_NAMES } from '../scenarios/index.js';
import type { DiagramOptions } from '../trace/diagram.js';
import { htmlDiagrams } from '../trace/html.js';
import { jsonEvents, traceDocument } from '../trace/json.js';
import { formatDuration, terminalLadder, toAscii, wrapWords as wrap } from '../trace/ladder.js';
import { pcapFromTrace } from '../trace/pcap.js';
import { svgDiagrams } from '../trace/svg.js';
import { CliUsageError, type DemoOptions } from './args.js';

/**
 * Runs the scenario the options name and returns the text to print (ending in a newline), or, with
 * `out`, writes it to that file and returns ''.
 */
export function runDemo(opts: DemoOptions): string {
  const def = findScenario(opts.scenario);
  if (!def) {
    throw new CliUsageError(
      `unknown scenario ${JSON.stringify(opts.scenario)}; valid scenarios: ${SCENARIO_NAMES.join(', ')}`,
    );
  }
  const result = def.run({
    ...(opts.msl !== undefined ? { msl: opts.msl } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  if (opts.pcap !== undefined) writeDemoPcap(result, opts.pcap);
  const text = demoOutput(result, opts);
  if (opts.out === undefined) return text;
  try {
    writeFileSync(opts.out, text);
  } catch (err) {
    throw new CliUsageError(`cannot write --out ${opts.out}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return '';
}

function demoOutput(result: ScenarioResult, opts: DemoOptions): string {
  switch (opts.format) {
    case 'json':
      return `${demoJson(result)}\n`;
    case 'svg':
      return `${svgDiagrams(result.runs, diagramOptions(result, opts))}\n`;
    case 'html':
      return htmlDiagrams(result.runs, diagramOptions(result, opts));
    case 'text':
      return `${demoText(result, opts)}\n`;
  }
}

/** The diagrams of a scenario: its lanes with their addresses, its title and description; every run. */
export function diagramOptions(result: ScenarioResult, opts: Pick<DemoOptions, 'absolute'>): DiagramOptions {
  return {
    lanes: result.lanes,
    laneLabels: result.laneLabels,
    absolute: opts.absolute,
    title: `finack demo ${result.name}: ${result.title}`,
    description: result.description,
  };
}

/**
 * Writes every segment the scenario's endpoints sent (lost ones included: a capture at each sender) as
 * a pcap file of raw IP packets, stamped with virtual time (so captures start at the Unix epoch).
 */
function writeDemoPcap(result: ScenarioResult, path: string): void {
  let file: PcapFileWriter;
  try {
    file = new PcapFileWriter(path, { flush: 'packet' });
  } catch (err) {
    throw new CliUsageError(`cannot write --pcap ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    pcapFromTrace(result.events, file);
  } finally {
    file.close();
  }
}

/** `{ scenario, mslMs, events }`, plus `runs` when the scenario has more than one run. */
export function demoJson(result: ScenarioResult): string {
  const extra: Record<string, unknown> = {};
  if (result.runs.length > 1) {
    extra.runs = result.runs.map((r) => ({ label: r.label, mslMs: r.mslMs, events: jsonEvents(r.events) }));
  }
  return JSON.stringify(traceDocument(result.name, result.mslMs, result.events, extra));
}

/** Header, one ladder per run with its summary. */
export function demoText(
  result: ScenarioResult,
  opts: Partial<Pick<DemoOptions, 'absolute' | 'color' | 'width' | 'ascii'>>,
): string {
  const width = opts.width ?? 100;
  const out: string[] = [];
  const bold = (s: string): string => (opts.color && !opts.ascii ? `\x1b[1m${s}\x1b[0m` : s);
  for (const l of wrap(`finack demo ${result.name} — ${result.title}`, width)) out.push(bold(l));
  out.push('');
  for (const l of wrap(result.description, width - 2)) out.push(`  ${l}`);
  out.push('');
  const msls = [...new Set(result.runs.map((r) => r.mslMs))];
  const mslText = msls.map((m) => `MSL ${formatDuration(m)} (2×MSL = ${formatDuration(2 * m)})`).join(' or ');
  const facts = [
    `${result.laneLabels[0]} ⇄ ${result.laneLabels[1]}`,
    `one-way latency ${formatDuration(result.latencyMs)}`,
    mslText,
    `seed ${result.seed}`,
    'times: ms of virtual time',
    opts.absolute ? 'absolute seq/ack' : "seq/ack relative to each side's ISN (--absolute: raw)",
    'len = SEG.LEN (SYN and FIN count 1)',
    'win = window field as sent',
  ];
  for (const l of wrapJoined(facts, ' · ', width - 2)) out.push(`  ${l}`);
  result.runs.forEach((run, i) => {
    out.push('');
    if (result.runs.length > 1) {
      out.push(bold(`Run ${i + 1} of ${result.runs.length}: ${run.label}`));
      out.push('');
    }
    out.push(ladderOf(result, run, opts));
    out.push('');
    for (const s of run.summary)
      for (const [j, l] of wrap(s, width - 4).entries()) out.push(`${j === 0 ? '  • ' : '    '}${l}`);
  });
  // With --ascii the header and summaries are spelled in ASCII too, not only the ladder.
  return opts.ascii ? toAscii(out.join('\n')) : out.join('\n');
}

function ladderOf(
  result: ScenarioResult,
  run: ScenarioRun,
  opts: Partial<Pick<DemoOptions, 'absolute' | 'color' | 'width' | 'ascii'>>,
): string {
  return terminalLadder(run.events, {
    lanes: result.lanes,
    laneLabels: [result.lanes[0], result.lanes[1]],
    absolute: opts.absolute ?? false,
    color: opts.color ?? false,
    width: opts.width ?? 100,
    notes: run.notes,
    ...(opts.ascii ? { ascii: true } : {}),
  });
}

/** Joins items with `sep`, breaking lines between items only. */
function wrapJoined(items: readonly string[], sep: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    if (cur && cur.length + sep.length + it.length > width) {
      lines.push(cur);
      cur = it;
    } else cur = cur ? `${cur}${sep}${it}` : it;
  }
  if (cur) lines.push(cur);
  return lines;
}
