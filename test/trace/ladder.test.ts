import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceEvent } from '../../src/trace/events.js';
import {
  compactLadder,
  formatDuration,
  formatMs,
  ladderRows,
  notationOf,
  RelativeNumbers,
  segmentLabel,
  terminalLadder,
  toAscii,
  wrapWords,
} from '../../src/trace/ladder.js';
import { ACK, FIN, makeSegment, PSH, RST, SYN } from '../../src/wire/segment.js';
import { closeTrace, cs, handshakeTrace, lossTrace, ss } from './fixtures.js';

const LANES = ['client', 'server'] as const;

test('compactLadder: the four-way close, one line per segment sent, states beside them', () => {
  assert.equal(
    compactLadder(closeTrace()),
    [
      '    0  client->server <SEQ=1><ACK=1><CTL=FIN,ACK>          client FIN-WAIT-1',
      '   50  server->client <SEQ=1><ACK=2><CTL=ACK>              server CLOSE-WAIT',
      '   70  server->client <SEQ=1><ACK=2><CTL=PSH,ACK><DATA=5>',
      '   90  server->client <SEQ=6><ACK=2><CTL=FIN,ACK>          server LAST-ACK',
      '  100                                                      client FIN-WAIT-2',
      '  120  client->server <SEQ=2><ACK=6><CTL=ACK>',
      '  140  client->server <SEQ=2><ACK=7><CTL=ACK>              client TIME-WAIT',
      '  190                                                      server CLOSED',
      '60140                                                      client CLOSED',
    ].join('\n'),
  );
});

test('compactLadder: losses, a stray copy, a receiver drop and a folded RST', () => {
  assert.equal(
    compactLadder(lossTrace(), { lanes: LANES }),
    [
      '      0  server->client <SEQ=1><ACK=2><CTL=FIN,ACK>            server LAST-ACK',
      '     50  client->server <SEQ=2><ACK=2><CTL=ACK>                lost (fault), client TIME-WAIT',
      '   1000  server->client <SEQ=1><ACK=2><CTL=FIN,ACK>',
      '   1050  client->server <SEQ=2><ACK=2><CTL=ACK>',
      '   1080  ?->client      <SEQ=0><ACK=1><CTL=PSH,ACK><DATA=100>  not sent in this trace',
      '   1080                 <SEQ=0><ACK=1><CTL=PSH,ACK><DATA=100>  client drops (time-wait-old)',
      '   1100                                                        server CLOSED',
      '7201100  server->client <SEQ=0><CTL=RST>                       lost (partition)',
    ].join('\n'),
  );
});

test('compactLadder: handshake notation (no ACK field without the ACK bit)', () => {
  assert.equal(
    compactLadder(handshakeTrace()),
    [
      '  0  client->server <SEQ=0><CTL=SYN>             client SYN-SENT',
      '  0                                              server LISTEN',
      ' 50  server->client <SEQ=0><ACK=1><CTL=SYN,ACK>  server SYN-RECEIVED',
      '100  client->server <SEQ=1><ACK=1><CTL=ACK>      client ESTABLISHED',
      '150                                              server ESTABLISHED',
    ].join('\n'),
  );
});

test('compactLadder: since/origin keep earlier sends for matching, absolute numbers', () => {
  assert.equal(
    compactLadder(closeTrace(), { since: 10, origin: 100, absolute: true }),
    [
      '    0                                                client FIN-WAIT-2',
      '   20  client->server <SEQ=1002><ACK=5006><CTL=ACK>',
      '   40  client->server <SEQ=1002><ACK=5007><CTL=ACK>  client TIME-WAIT',
      '   90                                                server CLOSED',
      '60040                                                client CLOSED',
    ].join('\n'),
  );
});

test('terminalLadder: the four-way close with notes, timers and a folded idle stretch', () => {
  const notes = [
    { t: 0, text: 'client app: close()' },
    { t: 70, text: 'server app: write 5 bytes' },
  ];
  assert.equal(
    terminalLadder(closeTrace(), { notes }),
    [
      '    t (ms)         client                                                            server',
      '            ESTABLISHED │                                                            │ ESTABLISHED',
      '         0              │                  · client app: close() ·                   │',
      '             FIN-WAIT-1 │── FIN,ACK seq=1 ack=1 len=1 win=502 ──────────────────────▶│',
      '                        │┃ [retransmission timer armed, fires at 1,000]              │',
      '        50              │┃◀───────────────────────── ACK seq=1 ack=2 len=0 win=509 ──│ CLOSE-WAIT',
      '        70              │┃              · server app: write 5 bytes ·                │',
      '                        │┃◀───────────────────── PSH,ACK seq=1 ack=2 len=5 win=509 ──│',
      '        90              │┃◀───────────────────── FIN,ACK seq=6 ack=2 len=1 win=509 ──│ LAST-ACK',
      '       100   FIN-WAIT-2 │                                                            │',
      '       120              │── ACK seq=2 ack=6 len=0 win=502 ──────────────────────────▶│',
      '       140    TIME-WAIT │── ACK seq=2 ack=7 len=0 win=502 ──────────────────────────▶│',
      '                        │┃ [2MSL timer armed, fires at 60,140]                       │',
      '       190              │┃                                                           │ CLOSED',
      '                        ┆┃                     … 59.95 s idle …                      ┆',
      '    60,140              │┃ [2MSL timer fired]                                        │',
      '                 CLOSED │                                                            │',
    ].join('\n'),
  );
});

test('terminalLadder: lost arrows stop at ✕, strays are dotted, drops sit beside the lane', () => {
  assert.equal(
    terminalLadder(lossTrace(), { lanes: LANES }),
    [
      '    t (ms)         client                                                            server',
      '             FIN-WAIT-2 │                                                            │ CLOSE-WAIT',
      '         0              │◀────────────────────── FIN,ACK seq=1 ack=2 len=1 win=509 ──│ LAST-ACK',
      '        50    TIME-WAIT │── ACK seq=2 ack=2 len=0 win=502 ───✕ lost                  │',
      '     1,000              │                              [retransmission timer fired]  │',
      '                        │◀───── FIN,ACK seq=1 ack=2 len=1 win=509 (retransmission) ──│',
      '     1,050              │── ACK seq=2 ack=2 len=0 win=502 ──────────────────────────▶│',
      '                        │┃ [2MSL timer armed, fires at 61,050]                       │',
      '     1,080              │┃◀┄┄┄┄┄┄ PSH,ACK seq=0 ack=1 len=100 win=509 (stray copy) ┄┄│',
      '                        │┃ ✕ PSH,ACK seq=0 dropped: time-wait-old                    │',
      '     1,100              │┃                                                           │ CLOSED',
      '                        ┆┃                       … 2 h idle …                        ┆',
      ' 7,201,100              │                        lost ✕─── RST seq=0 len=0 win=509 ──│',
    ].join('\n'),
  );
});

test('terminalLadder: absolute numbers; at 80 columns labels shed win to fit and say so (…); the listener starts in LISTEN', () => {
  assert.equal(
    terminalLadder(handshakeTrace(), { absolute: true, width: 80 }),
    [
      '    t (ms)         client                                        server',
      '                 CLOSED │                                        │ LISTEN',
      '         0     SYN-SENT │── SYN seq=1000 len=1 win=502 ─────────▶│',
      '        50              │◀── SYN,ACK seq=5000 ack=1001 len=1 … ──│ SYN-RECEIVED',
      '       100  ESTABLISHED │── ACK seq=1001 ack=5001 len=0 … ──────▶│',
      '       150              │                                        │ ESTABLISHED',
    ].join('\n'),
  );
});

test('terminalLadder: every line fits the width', () => {
  for (const width of [80, 100, 120]) {
    for (const trace of [closeTrace(), lossTrace(), handshakeTrace()]) {
      for (const ascii of [false, true]) {
        for (const line of terminalLadder(trace, { width, lanes: LANES, ascii }).split('\n')) {
          assert.ok([...line].length <= width, `${[...line].length} > ${width}: ${line}`);
        }
      }
    }
  }
});

test('terminalLadder: --color wraps states, losses and timers in ANSI codes; plain output has none', () => {
  const plain = terminalLadder(lossTrace(), { lanes: LANES });
  const colored = terminalLadder(lossTrace(), { lanes: LANES, color: true });
  assert.ok(!plain.includes('\x1b['));
  assert.ok(colored.includes('\x1b[1;36mTIME-WAIT\x1b[0m'));
  assert.ok(colored.includes('\x1b[31m'));
  assert.equal(colored.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''), plain);
});

test('terminalLadder: a timer armed and cancelled at the same instant is not shown; re-arming is named', () => {
  const ev: TraceEvent[] = [
    { t: 0, endpoint: 'client', conn: '', type: 'timer', timer: 'fin-wait-2', action: 'armed', deadline: 60_000 },
    { t: 0, endpoint: 'client', conn: '', type: 'timer', timer: 'fin-wait-2', action: 'cancelled' },
    { t: 5, endpoint: 'client', conn: '', type: 'timer', timer: 'time-wait', action: 'armed', deadline: 105 },
    { t: 10, endpoint: 'client', conn: '', type: 'timer', timer: 'time-wait', action: 'armed', deadline: 110 },
    { t: 10, endpoint: 'server', conn: '', type: 'timer', timer: 'delayed-ack', action: 'armed', deadline: 210 },
  ];
  const text = terminalLadder(ev, { lanes: LANES, width: 80 });
  assert.ok(!text.includes('FIN-WAIT-2 timer'));
  assert.ok(text.includes('[2MSL timer armed, fires at 105]'));
  assert.ok(text.includes('[2MSL timer re-armed, fires at 110]'));
  assert.ok(!text.includes('delayed-ACK'));
  assert.ok(terminalLadder(ev, { lanes: LANES, timers: 'all' }).includes('[delayed-ACK timer armed, fires at 210]'));
});

test('ladderRows: a state change goes with the segment its endpoint sent at that instant', () => {
  const rows = ladderRows(closeTrace(), { lanes: LANES });
  const first = rows[0];
  assert.equal(first?.kind, 'send');
  assert.deepEqual(first?.kind === 'send' ? first.states.map((s) => s.to) : [], ['FIN-WAIT-1']);
  assert.equal(rows.filter((r) => r.kind === 'states').length, 3); // FIN-WAIT-2, server CLOSED, client CLOSED
});

test('ladderRows: a network drop under the sender marks its send as lost; a duplicate recv is a stray', () => {
  const seg = cs(1, 1, FIN | ACK);
  const ev: TraceEvent[] = [
    { t: 0, endpoint: 'client', conn: '', type: 'send', ...seg },
    { t: 0, endpoint: 'client', conn: '', type: 'drop', reason: 'link-loss', ...seg },
    { t: 1000, endpoint: 'client', conn: '', type: 'send', ...seg },
    { t: 1050, endpoint: 'server', conn: '', type: 'recv', ...seg },
    { t: 1050, endpoint: 'server', conn: '', type: 'recv', ...seg },
  ];
  const rows = ladderRows(ev, { lanes: LANES });
  assert.deepEqual(
    rows.map((r) => [r.kind, r.t, r.kind === 'send' ? (r.lost ?? '') : '']),
    [
      ['send', 0, 'link-loss'],
      ['send', 1000, ''],
      ['stray', 1050, ''],
    ],
  );
});

test('notationOf and segmentLabel', () => {
  assert.equal(notationOf(cs(0, 0, SYN)), '<SEQ=0><CTL=SYN>');
  assert.equal(notationOf(ss(1, 2, PSH | ACK, 7)), '<SEQ=1><ACK=2><CTL=PSH,ACK><DATA=7>');
  assert.equal(notationOf(ss(1, 2, FIN | ACK), true), '<SEQ=5001><ACK=1002><CTL=FIN,ACK>');
  assert.equal(segmentLabel(ss(1, 2, FIN | ACK)), 'FIN,ACK seq=1 ack=2 len=1 win=509');
  assert.equal(segmentLabel(cs(3, 0, RST)), 'RST seq=3 len=0 win=502');
  const syn = {
    seg: makeSegment({ srcPort: 1, dstPort: 2, seq: 9, flags: SYN, wnd: 100, options: { mss: 1460 } }),
    relSeq: 0,
    relAck: 0,
  };
  assert.equal(segmentLabel(syn), 'SYN seq=0 len=1 win=100 mss=1460');
  // Shorter forms end in an ellipsis, so nothing goes missing silently.
  assert.equal(segmentLabel(syn, false, 20), 'SYN seq=0 len=1 …');
  assert.equal(segmentLabel(syn, false, 20, '...'), 'SYN seq=0 len=1 ...');
  assert.equal(segmentLabel(syn, false, 5), 'SYN seq=0');
  // A SYN shows every option it carries: the window of a SYN is never scaled, later ones are.
  const full = {
    seg: makeSegment({
      srcPort: 1,
      dstPort: 2,
      seq: 9,
      flags: SYN | ACK,
      ack: 5,
      wnd: 65535,
      options: { mss: 1460, wscale: 7, sackPermitted: true, ts: { val: 1, ecr: 0 } },
    }),
    relSeq: 0,
    relAck: 1,
  };
  assert.equal(segmentLabel(full), 'SYN,ACK seq=0 ack=1 len=1 win=65535 mss=1460 ws=7 sackOK TS');
});

test('RelativeNumbers: fills in numbers an endpoint gave raw, from ISNs learned earlier', () => {
  const rel = new RelativeNumbers();
  assert.deepEqual([rel.view(cs(1, 1, ACK)).relSeq, rel.view(cs(1, 1, ACK)).relAck], [1, 1]);
  // A stray RST from the server's endpoint, traced with relSeq = raw seq.
  const raw = ss(6, 2, RST | ACK);
  const view = rel.view({ seg: raw.seg, relSeq: raw.seg.seq, relAck: raw.seg.ack });
  assert.deepEqual([view.relSeq, view.relAck], [6, 2]);
  // Unknown ports: left as they were.
  const other = makeSegment({ srcPort: 7, dstPort: 8, seq: 77, ack: 88, flags: ACK });
  assert.deepEqual(
    [rel.view({ seg: other, relSeq: 77, relAck: 88 }).relSeq, rel.view({ seg: other }).relAck],
    [77, 88],
  );
});

test('formatMs, formatDuration, wrapWords', () => {
  assert.equal(formatMs(0), '0');
  assert.equal(formatMs(60_140), '60,140');
  assert.equal(formatMs(7_950_150), '7,950,150');
  assert.equal(formatMs(-1500), '-1,500');
  assert.equal(formatDuration(750), '750 ms');
  assert.equal(formatDuration(60_000), '60 s');
  assert.equal(formatDuration(59_950), '59.95 s');
  assert.equal(formatDuration(2 * 3_600_000), '2 h');
  assert.equal(formatDuration(7_950_000), '2 h 12 min 30 s');
  assert.equal(formatDuration(240_000), '4 min');
  // Capture times carry fractions of a ms: three digits at most.
  assert.equal(formatDuration(277.365966796875), '277.4 ms');
  assert.equal(formatDuration(1.23456), '1.235 ms');
  assert.equal(formatDuration(61_277.365966796875), '61.277 s');
  assert.equal(formatDuration(60_000.468), '60 s');
  assert.deepEqual(wrapWords('a bb ccc dddd', 6), ['a bb', 'ccc', 'dddd']);
  assert.deepEqual(wrapWords('abcdefghij', 6), ['abcde…'], 'a word cut to fit says so');
});

test('terminalLadder: a connection error is noted beside its lane; compactLadder leaves it out', () => {
  const ev: TraceEvent[] = [
    { t: 0, endpoint: 'client', conn: '', type: 'send', ...cs(6, 1, RST) },
    { t: 50, endpoint: 'server', conn: '', type: 'recv', ...cs(6, 1, RST) },
    { t: 50, endpoint: 'server', conn: '', type: 'event', event: { type: 'error', code: 'ECONNRESET' } },
    { t: 50, endpoint: 'server', conn: '', type: 'state', from: 'ESTABLISHED', to: 'CLOSED', cause: 'RST' },
  ];
  assert.equal(
    terminalLadder(ev, { lanes: LANES, width: 80 }),
    [
      '    t (ms)         client                                        server',
      '                        │                                        │ ESTABLISHED',
      '         0              │── RST seq=6 len=0 win=502 ────────────▶│',
      '        50              │                   [error: ECONNRESET]  │',
      '                        │                                        │ CLOSED',
    ].join('\n'),
  );
  assert.equal(
    compactLadder(ev, { lanes: LANES }),
    [' 0  client->server <SEQ=6><CTL=RST>', '50                                   server CLOSED'].join('\n'),
  );
});

test('ladderRows: a resent FIN is a retransmission; bare ACKs and first sends are not', () => {
  const rows = ladderRows(lossTrace(), { lanes: LANES });
  const sends = rows.filter((r) => r.kind === 'send');
  assert.deepEqual(
    sends.map((r) => [r.t, r.from, r.retransmit ?? false, r.probe ?? false]),
    [
      [0, 'server', false, false],
      [50, 'client', false, false],
      [1000, 'server', true, false],
      [1050, 'client', false, false],
      [7_201_100, 'server', false, false],
    ],
  );
});

/** A segment from `from` with absolute numbers. */
function raw(from: 'client' | 'server', seq: number, ack: number, flags: number, len = 0) {
  const c = from === 'client';
  const seg = makeSegment({
    srcPort: c ? 49152 : 80,
    dstPort: c ? 80 : 49152,
    seq,
    ack,
    flags,
    wnd: 1000,
    payload: new Uint8Array(len),
  });
  return { seg, relSeq: 0, relAck: 0 };
}

test('ladderRows: retransmissions are found with modular sequence numbers across the wrap', () => {
  const C = 0xffff_fff0; // the client's ISN, 16 below the wrap
  const S = 7;
  const send = (t: number, from: 'client' | 'server', seg: ReturnType<typeof raw>): TraceEvent => ({
    t,
    endpoint: from,
    conn: '',
    type: 'send',
    ...seg,
  });
  const ev: TraceEvent[] = [
    send(0, 'client', raw('client', C, 0, SYN)),
    send(10, 'server', raw('server', S, C + 1, SYN | ACK)),
    send(20, 'client', raw('client', C + 1, S + 1, ACK)),
    send(20, 'client', raw('client', C + 1, S + 1, PSH | ACK, 100)), // 0xfffffff1 .. 0x55
    send(20, 'client', raw('client', (C + 101) >>> 0, S + 1, PSH | ACK, 100)), // past the wrap
    send(1020, 'client', raw('client', C + 1, S + 1, PSH | ACK, 100)), // resent: before the wrap
    send(1030, 'client', raw('client', (C + 101) >>> 0, S + 1, PSH | ACK, 50)), // resent, shorter
    send(1040, 'client', raw('client', (C + 201) >>> 0, S + 1, PSH | ACK, 10)), // new data
    send(1050, 'client', raw('client', C, 0, SYN)), // the SYN again: a retransmission
    // Simultaneous open: the SYN,ACK after our SYN repeats it by design; only a second one is resent.
    send(1060, 'client', raw('client', C, S + 1, SYN | ACK)),
    send(1070, 'client', raw('client', C, S + 1, SYN | ACK)),
  ];
  const marks = ladderRows(ev, { lanes: LANES })
    .filter((r) => r.kind === 'send')
    .map((r) => (r.kind === 'send' ? (r.retransmit ?? false) : null));
  assert.deepEqual(marks, [false, false, false, false, false, true, true, false, true, false, true]);
});

test('ladderRows: keepalive probes after a quiet stretch are probes, not retransmissions', () => {
  const send = (t: number, v: ReturnType<typeof cs>, from = 'server'): TraceEvent => ({
    t,
    endpoint: from,
    conn: '',
    type: 'send',
    ...v,
  });
  const ev: TraceEvent[] = [
    send(0, cs(0, 0, SYN), 'client'),
    send(50, ss(0, 1, SYN | ACK)),
    send(100, cs(1, 1, ACK), 'client'),
    send(150, ss(1, 1, PSH | ACK, 10)), // data 1..11
    send(200, cs(1, 11, ACK), 'client'), // all of it acknowledged
    send(7_200_200, ss(10, 1, ACK)), // probe: seq = end - 1, no data
    send(7_275_200, ss(10, 1, ACK, 1)), // probe carrying one old byte
    send(7_275_300, ss(10, 1, ACK)), // not after a quiet stretch: no mark at all
    send(7_275_400, ss(11, 1, PSH | ACK, 5)), // new data 11..16
    send(7_400_000, ss(15, 1, ACK, 1)), // seq = end - 1 but byte 15 was never acknowledged: a retransmission
  ];
  const rows = ladderRows(ev, { lanes: LANES }).filter((r) => r.kind === 'send');
  assert.deepEqual(
    rows.map((r) => (r.kind === 'send' ? `${r.probe ? 'probe' : ''}${r.retransmit ? 'retransmit' : ''}` : '?')),
    ['', '', '', '', '', 'probe', 'probe', '', '', 'retransmit'],
  );
  const text = terminalLadder(ev, { lanes: LANES });
  assert.equal(text.split('\n').filter((l) => l.includes('(keepalive probe)')).length, 2);
  assert.equal(text.split('\n').filter((l) => l.includes('(retransmission)')).length, 1);
});

test('ladderRows: a second arrival of a segment already received is a duplicate stray', () => {
  const seg = cs(1, 1, FIN | ACK);
  const other = ss(1, 2, ACK);
  const ev: TraceEvent[] = [
    { t: 0, endpoint: 'client', conn: '', type: 'send', ...seg },
    { t: 50, endpoint: 'server', conn: '', type: 'recv', ...seg },
    { t: 60, endpoint: 'server', conn: '', type: 'recv', ...seg }, // a link duplicate
    { t: 70, endpoint: 'client', conn: '', type: 'recv', ...other }, // never sent: a stray, not a duplicate
  ];
  const strays = ladderRows(ev, { lanes: LANES }).filter((r) => r.kind === 'stray');
  assert.deepEqual(
    strays.map((r) => (r.kind === 'stray' ? [r.t, r.to, r.duplicate ?? false] : [])),
    [
      [60, 'server', true],
      [70, 'client', false],
    ],
  );
  const text = terminalLadder(ev, { lanes: LANES });
  assert.match(text, /FIN,ACK seq=1 ack=1 len=1 win=502 \(duplicate\)/);
  assert.match(text, /ACK seq=1 ack=2 len=0 win=509 \(stray copy\)/);
});

test('terminalLadder --ascii: only -, >, <, |, x, : for the drawing, no colour even when asked', () => {
  const text = terminalLadder(lossTrace(), { lanes: LANES, ascii: true, width: 80, color: true });
  assert.equal(
    text,
    [
      '    t (ms)         client                                        server',
      '             FIN-WAIT-2 |                                        | CLOSE-WAIT',
      '         0              |<-- FIN,ACK seq=1 ack=2 len=1 win=509 --| LAST-ACK',
      '        50    TIME-WAIT |-- ACK seq=2 ack=2 ... ---x lost        |',
      '     1,000              |          [retransmission timer fired]  |',
      '                        |<----- FIN,ACK seq=1 ack=2 ... (retx) --|',
      '     1,050              |-- ACK seq=2 ack=2 len=0 win=502 ------>|',
      '                        || [2MSL timer armed, fires at 61,050]   |',
      '     1,080              ||<.. PSH,ACK seq=0 ack=1 (stray copy) ..|',
      '                        || x PSH,ACK seq=0 dropped: time-wait... |',
      '     1,100              ||                                       | CLOSED',
      '                        :|           ... 2 h idle ...            :',
      ' 7,201,100              |    lost x--- RST seq=0 len=0 win=509 --|',
    ].join('\n'),
  );
  for (const trace of [closeTrace(), lossTrace(), handshakeTrace()]) {
    for (const width of [80, 100, 120]) {
      const notes = [{ t: 0, text: 'client app: close() → FIN · 2×MSL … “quoted” — done' }];
      const out = terminalLadder(trace, { lanes: LANES, ascii: true, width, notes });
      assert.match(out, /^[\x20-\x7e\n]*$/, out);
      // The note's words, wrapped over lines between the lanes.
      const words = out.replace(/[\s|]+/g, ' ');
      assert.ok(words.includes('client app: close() -> FIN * 2xMSL ... "quoted" -- done'), out);
    }
  }
});

test('toAscii: symbols spelled in ASCII, accents dropped, anything else a question mark', () => {
  assert.equal(toAscii('a → b ⇄ c × 2 … “x” · é'), 'a -> b <-> c x 2 ... "x" * e');
  assert.equal(toAscii('四次挥手'), '????');
  assert.equal(toAscii('plain'), 'plain');
});

test('terminalLadder: running timers are bars beside their lane, named where they start', () => {
  const lines = terminalLadder(closeTrace()).split('\n');
  // Column 25 is the client's bar column, the one left of the server's lane is the server's.
  const barred = lines.filter((l) => l[25] === '┃').map((l) => l.slice(25, 65).trimEnd());
  assert.deepEqual(barred, [
    '┃ [retransmission timer armed, fires at',
    '┃◀───────────────────────── ACK seq=1 ac',
    '┃◀───────────────────── PSH,ACK seq=1 ac',
    '┃◀───────────────────── FIN,ACK seq=6 ac',
    '┃ [2MSL timer armed, fires at 60,140]',
    '┃',
    '┃                     … 59.95 s idle …',
    '┃ [2MSL timer fired]',
  ]);
  assert.ok(!terminalLadder(closeTrace(), { timers: 'none' }).includes('┃'));
});

test('terminalLadder: a bar stops at its deadline, at CLOSED, and goes on when its timer is re-armed as it fires', () => {
  const timer = (
    t: number,
    endpoint: string,
    action: 'armed' | 'fired' | 'cancelled',
    deadline?: number,
  ): TraceEvent => ({
    t,
    endpoint,
    conn: 'c1',
    type: 'timer',
    timer: 'keepalive',
    action,
    ...(deadline !== undefined ? { deadline } : {}),
  });
  const ev: TraceEvent[] = [
    timer(0, 'server', 'armed', 100),
    timer(100, 'server', 'fired'),
    timer(100, 'server', 'armed', 200),
    timer(200, 'server', 'fired'),
    timer(200, 'server', 'armed', 300),
    {
      t: 250,
      endpoint: 'server',
      conn: 'c1',
      type: 'state',
      from: 'ESTABLISHED',
      to: 'CLOSED',
      cause: 'ABORT',
    } as const,
    {
      t: 260,
      endpoint: 'client',
      conn: 'c2',
      type: 'state',
      from: 'ESTABLISHED',
      to: 'CLOSED',
      cause: 'ABORT',
    } as const,
    { t: 0, endpoint: 'client', conn: 'c2', type: 'timer', timer: 'time-wait', action: 'armed', deadline: 50 } as const,
  ].sort((a, b) => a.t - b.t);
  const lines = terminalLadder(ev, { lanes: LANES, width: 80, timers: 'all' }).split('\n');
  const serverBar = (l: string): boolean => l[25 + 39] === '┃';
  const clientBar = (l: string): boolean => l[25] === '┃';
  assert.deepEqual(
    lines
      .slice(2)
      .map(
        (l) =>
          `${l.slice(0, 10).trim()}|${clientBar(l) ? 'C' : ''}${serverBar(l) ? 'S' : ''}|${l.slice(26, 64).trim()}`,
      ),
    [
      '0|S|[keepalive timer armed, fires at 100]',
      '|CS|[2MSL timer armed, fires at 50]',
      '100|S|[keepalive timer fired]',
      '|S|[keepalive timer armed, fires at 200]',
      '200|S|[keepalive timer fired]',
      '|S|[keepalive timer armed, fires at 300]',
      '250|S|',
      '260||',
    ],
  );
});
