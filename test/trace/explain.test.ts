import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LEGAL_TRANSITIONS, TcpState, type TcpStateName } from '../../src/core/state.js';
import { SCENARIOS } from '../../src/scenarios/index.js';
import {
  explainTransition,
  generalExplanation,
  RFC_SECTIONS,
  type StateExplanation,
  specificExplanation,
  TIME_WAIT_REASONS,
} from '../../src/trace/explain.js';

const RFC = '/work/shared/rfc/rfc9293.txt';
const CORE = new URL('../../src/core/', import.meta.url).pathname;

/** Every (from, to, cause) the scenarios' full runs trace. */
function scenarioTriples(): [TcpStateName, TcpStateName, string][] {
  const seen = new Map<string, [TcpStateName, TcpStateName, string]>();
  for (const def of SCENARIOS) {
    for (const run of def.run({}).runs) {
      for (const e of run.events)
        if (e.type === 'state') seen.set(`${e.from}|${e.to}|${e.cause}`, [e.from, e.to, e.cause]);
    }
  }
  return [...seen.values()];
}

/** The causes the core traces with a change to CLOSED, read from its source. */
function coreClosedCauses(): string[] {
  const causes = new Set<string>();
  for (const f of readdirSync(CORE).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(join(CORE, f), 'utf8');
    for (const m of src.matchAll(/transition\(TcpState\.Closed, '([^']+)'\)/g)) causes.add(m[1]!);
    for (const m of src.matchAll(/\.fail\('\w+', ([^)]*)\)/g))
      for (const q of m[1]!.matchAll(/'([^']+)'/g)) causes.add(q[1]!);
    for (const m of src.matchAll(/abortWith\(tcb, '([^']+)'\)/g)) causes.add(m[1]!);
    for (const m of src.matchAll(/to: TcpState\.Closed, cause: '([^']+)'/g)) causes.add(m[1]!);
    const tw = /export type TimeWaitEnd = ([^;]+);/.exec(src);
    if (tw) for (const q of tw[1]!.matchAll(/'([^']+)'/g)) causes.add(q[1]!);
    if (src.includes(`CLOSE in $${'{s}'}`)) for (const s of ['LISTEN', 'SYN-SENT']) causes.add(`CLOSE in ${s}`);
  }
  return [...causes];
}

function sentences(text: string): number {
  return text.split(/(?<=[.!?])\s+(?=[A-Z(])/).filter((s) => s.trim()).length;
}

function checkShape(e: StateExplanation, what: string): void {
  assert.ok(e.title.length > 0 && e.title.length <= 80, `${what}: title ${e.title}`);
  const n = sentences(e.text);
  assert.ok(n >= 2 && n <= 4, `${what}: ${n} sentences: ${e.text}`);
  assert.ok(!e.text.includes('{from}'), `${what}: ${e.text}`);
  assert.ok(e.rfc.length > 0, what);
}

test('every state change of every scenario has a specific explanation', () => {
  const triples = scenarioTriples();
  assert.ok(triples.length >= 20, `only ${triples.length} distinct changes`);
  for (const [from, to, cause] of triples) {
    const e = specificExplanation(from, to, cause);
    assert.ok(e, `no explanation for ${from} -> ${to} (${cause})`);
    assert.deepEqual(explainTransition(from, to, cause), e);
    assert.notDeepEqual(e, generalExplanation(from, to, cause));
    checkShape(e, `${from} -> ${to} (${cause})`);
  }
});

test('every legal change of the state diagram to a state other than CLOSED is explained, whatever the cause', () => {
  const causes = coreClosedCauses();
  for (const c of ['RST', 'ABORT', '2MSL timeout', 'FIN-WAIT-2 timeout', 'keepalive probes unanswered', 'reclaimed'])
    assert.ok(causes.includes(c), `the core source no longer shows cause ${c}; read: ${causes.join(', ')}`);
  for (const [from, tos] of Object.entries(LEGAL_TRANSITIONS) as [TcpState, readonly TcpState[]][]) {
    for (const to of tos) {
      if (to === TcpState.Closed) continue;
      {
        const e = specificExplanation(from, to, 'some words a capture analyzer chose');
        assert.ok(e, `no explanation for ${from} -> ${to}`);
        checkShape(e, `${from} -> ${to}`);
      }
    }
  }
});

test('every cause the core traces with a change to CLOSED is explained from the states it can come from', () => {
  const froms = (Object.entries(LEGAL_TRANSITIONS) as [TcpState, readonly TcpState[]][])
    .filter(([, tos]) => tos.includes(TcpState.Closed))
    .map(([from]) => from);
  for (const cause of coreClosedCauses()) {
    const found = froms.filter((from) => specificExplanation(from, 'CLOSED', cause) !== undefined);
    assert.ok(found.length > 0, `no explanation for -> CLOSED (${cause})`);
    for (const from of found) checkShape(specificExplanation(from, 'CLOSED', cause)!, `${from} -> CLOSED (${cause})`);
  }
});

test('every RFC section named exists, with that title, in RFC 9293', (t) => {
  if (!existsSync(RFC)) {
    t.skip(`${RFC} is not on this machine`);
    return;
  }
  const headings = new Set(
    readFileSync(RFC, 'utf8')
      .split('\n')
      .map((l) => /^(\d+(?:\.\d+)*)\.\s+(\S.*?)\s*$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}`),
  );
  assert.ok(headings.has('3.6 Closing a Connection'), 'the RFC headings were not read');
  const named = new Map<string, string>();
  const all = [...scenarioTriples(), ...coreClosedCauses().map((c) => ['ESTABLISHED', 'CLOSED', c] as const)];
  for (const [from, tos] of Object.entries(LEGAL_TRANSITIONS)) for (const to of tos) all.push([from, to, ''] as never);
  for (const [from, to, cause] of all) {
    for (const r of explainTransition(from as TcpStateName, to as TcpStateName, cause).rfc)
      named.set(r.section, r.title);
  }
  assert.ok(named.size >= 10, `${named.size} sections`);
  for (const r of Object.values(RFC_SECTIONS)) named.set(r.section, r.title);
  for (const [section, title] of named)
    assert.ok(headings.has(`${section} ${title}`), `§${section} "${title}" is not a heading`);
});

test('entering TIME-WAIT gives both reasons; CLOSE-WAIT and LAST-ACK say what the seed says', () => {
  for (const from of ['FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSING'] as const) {
    const e = explainTransition(from, 'TIME-WAIT', from === 'CLOSING' ? 'ACK of FIN' : 'FIN');
    assert.deepEqual(e.reasons, TIME_WAIT_REASONS);
    assert.ok(e.rfc.some((r) => r.section === '3.6.1'));
  }
  assert.equal(TIME_WAIT_REASONS.length, 2);
  const [lost, old] = TIME_WAIT_REASONS as [string, string];
  assert.match(lost, /final ACK may be lost/);
  assert.match(lost, /retransmits its FIN/);
  assert.match(lost, /restarts the 2×MSL/);
  assert.match(old, /old duplicates/i);
  assert.match(old, /4-tuple/);
  const cw = explainTransition('ESTABLISHED', 'CLOSE-WAIT', 'FIN');
  assert.match(cw.text, /until the application calls close/);
  assert.ok(cw.rfc.some((r) => r.section === '3.6'));
  const la = explainTransition('CLOSE-WAIT', 'LAST-ACK', 'CLOSE');
  assert.match(la.text, /earlier than the active closer/);
  assert.equal(explainTransition('ESTABLISHED', 'CLOSE-WAIT', 'FIN').reasons, undefined);
});

test('the seed letters: FIN seq=u, ACK ack=u+1, FIN seq=w, ACK ack=w+1', () => {
  assert.match(explainTransition('ESTABLISHED', 'FIN-WAIT-1', 'CLOSE').text, /seq = u.*ack = u\+1/s);
  assert.match(explainTransition('CLOSE-WAIT', 'LAST-ACK', 'CLOSE').text, /seq = w.*ack = w\+1/s);
  assert.match(explainTransition('FIN-WAIT-2', 'TIME-WAIT', 'FIN').text, /seq = w.*ack = w\+1/s);
});

test('a change to CLOSED is explained by its cause and names the state it left', () => {
  const rst = explainTransition('FIN-WAIT-2', 'CLOSED', 'RST');
  assert.match(rst.text, /in FIN-WAIT-2/);
  assert.ok(rst.rfc.some((r) => r.section === '3.5.3'));
  assert.match(explainTransition('ESTABLISHED', 'CLOSED', 'keepalive probes unanswered').text, /keepalive/);
  assert.ok(
    explainTransition('ESTABLISHED', 'CLOSED', 'keepalive probes unanswered').rfc.some((r) => r.section === '3.8.4'),
  );
  assert.match(explainTransition('TIME-WAIT', 'CLOSED', '2MSL timeout').title, /2×MSL/);
  // Words of a capture analyzer: the pair's meaning, or what the words say.
  assert.deepEqual(
    explainTransition('LAST-ACK', 'CLOSED', 'final ACK seen'),
    explainTransition('LAST-ACK', 'CLOSED', 'ACK of FIN'),
  );
  assert.match(explainTransition('ESTABLISHED', 'CLOSED', 'RST seen').title, /reset/);
  assert.match(explainTransition('TIME-WAIT', 'CLOSED', 'inferred 2MSL expiry').title, /2×MSL/);
});

test('the words of the capture analyzer get the same explanations as the core’s', () => {
  const restart = explainTransition('TIME-WAIT', 'TIME-WAIT', 'FIN again: 2MSL restarted');
  assert.match(restart.text, /restarts the 2×MSL wait/);
  assert.deepEqual(restart.reasons, TIME_WAIT_REASONS);
  assert.match(explainTransition('CLOSED', 'ESTABLISHED', 'open before the capture began').title, /before|capture/);
  assert.match(explainTransition('CLOSED', 'SYN-RECEIVED', 'SYN (not captured)').title, /SYN-RECEIVED/);
  assert.equal(
    explainTransition('SYN-SENT', 'CLOSED', 'RST (connection refused)'),
    explainTransition('SYN-SENT', 'CLOSED', 'RST in SYN-SENT'),
  );
  assert.match(explainTransition('FIN-WAIT-2', 'CLOSED', 'connection gone').title, /already gone/);
  assert.deepEqual(
    explainTransition('TIME-WAIT', 'CLOSED', 'TIME-WAIT over'),
    explainTransition('TIME-WAIT', 'CLOSED', '2MSL timeout'),
  );
  for (const [from, to, cause] of [
    ['TIME-WAIT', 'TIME-WAIT', 'FIN again: 2MSL restarted'],
    ['CLOSED', 'ESTABLISHED', 'open before the capture began'],
    ['CLOSED', 'SYN-RECEIVED', 'SYN (not captured)'],
    ['FIN-WAIT-2', 'CLOSED', 'connection gone'],
    ['ESTABLISHED', 'FIN-WAIT-1', 'inferred'],
  ] as const) {
    const e = specificExplanation(from, to, cause);
    assert.ok(e, `${from} -> ${to} (${cause})`);
    checkShape(e, `${from} -> ${to} (${cause})`);
  }
});

test('an unknown change gets a general explanation and never throws', () => {
  const odd = [
    ['ESTABLISHED', 'LISTEN', 'nonsense'],
    ['CLOSED', 'TIME-WAIT', ''],
    ['LAST-ACK', 'LAST-ACK', 'inferred'],
    ['NOT-A-STATE', 'ALSO-NOT', '\u0000'],
    ['SYN-SENT', 'CLOSED', 'a cause nobody traces'],
  ] as const;
  for (const [from, to, cause] of odd) {
    assert.equal(specificExplanation(from, to, cause), undefined, `${from} -> ${to}`);
    const e = explainTransition(from as TcpStateName, to as TcpStateName, cause);
    assert.deepEqual(e, generalExplanation(from, to, cause));
    assert.ok(e.text.includes(from) && e.text.includes(to));
    assert.deepEqual(e.rfc, [{ section: '3.3.2', title: 'State Machine Overview' }]);
    checkShape(e, `${from} -> ${to}`);
  }
});
