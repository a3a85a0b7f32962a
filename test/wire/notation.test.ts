import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rfcNotation, tcpdumpNotation } from '../../src/wire/notation.js';
import { ACK, CWR, ECE, FIN, makeSegment, PSH, RST, type Segment, SYN, URG } from '../../src/wire/segment.js';

const seg = (fields: Partial<Segment>): Segment => makeSegment({ srcPort: 1, dstPort: 2, ...fields });

describe('rfcNotation', () => {
  test('the RFC 9293 figure style', () => {
    assert.equal(rfcNotation(seg({ seq: 100, flags: SYN })), '<SEQ=100><CTL=SYN>');
    assert.equal(rfcNotation(seg({ seq: 300, ack: 101, flags: SYN | ACK })), '<SEQ=300><ACK=101><CTL=SYN,ACK>');
    assert.equal(rfcNotation(seg({ seq: 101, ack: 301, flags: FIN | ACK })), '<SEQ=101><ACK=301><CTL=FIN,ACK>');
    assert.equal(rfcNotation(seg({ seq: 400, ack: 0, flags: RST })), '<SEQ=400><CTL=RST>');
  });

  test('DATA=n only with payload; ACK only with the ACK bit; no CTL without bits', () => {
    const data = new Uint8Array(5);
    assert.equal(
      rfcNotation(seg({ seq: 101, ack: 301, flags: PSH | ACK, payload: data })),
      '<SEQ=101><ACK=301><CTL=PSH,ACK><DATA=5>',
    );
    assert.equal(rfcNotation(seg({ seq: 7, ack: 99, flags: 0, payload: data })), '<SEQ=7><DATA=5>');
  });

  test('relative numbering, across the wrap', () => {
    const iss = 0xfffffff0;
    const irs = 1000;
    assert.equal(rfcNotation(seg({ seq: iss, flags: SYN }), { iss, irs }), '<SEQ=0><CTL=SYN>');
    assert.equal(
      rfcNotation(seg({ seq: 0x10, ack: 1001, flags: FIN | ACK }), { iss, irs }),
      '<SEQ=32><ACK=1><CTL=FIN,ACK>',
    );
    assert.equal(rfcNotation(seg({ seq: 5, ack: 1001, flags: ACK }), { irs }), '<SEQ=5><ACK=1><CTL=ACK>');
  });
});

describe('tcpdumpNotation', () => {
  test('the short form', () => {
    assert.equal(
      tcpdumpNotation(seg({ seq: 1, ack: 1, flags: FIN | ACK, wnd: 512 })),
      'Flags [F.], seq 1, ack 1, win 512, length 0',
    );
    assert.equal(tcpdumpNotation(seg({ seq: 9, wnd: 0, flags: RST })), 'Flags [R], seq 9, win 0, length 0');
    assert.equal(tcpdumpNotation(seg({ flags: 0 })), 'Flags [none], seq 0, win 0, length 0');
  });

  test("tcpdump's flag letters and order: F S R P . U E W", () => {
    const all = FIN | SYN | RST | PSH | ACK | URG | ECE | CWR;
    assert.equal(
      tcpdumpNotation(seg({ flags: all, urp: 3 })),
      'Flags [FSRP.UEW], seq 0, ack 0, win 0, urg 3, length 0',
    );
    assert.equal(tcpdumpNotation(seg({ flags: SYN | ACK })).slice(0, 11), 'Flags [S.],');
  });

  test('data: seq range, relative numbering across the wrap', () => {
    const iss = 0xfffffff0;
    const s = seg({ seq: 0xfffffffa, ack: 5001, flags: PSH | ACK, wnd: 502, payload: new Uint8Array(100) });
    assert.equal(tcpdumpNotation(s, { iss, irs: 5000 }), 'Flags [P.], seq 10:110, ack 1, win 502, length 100');
    assert.equal(
      tcpdumpNotation(s),
      'Flags [P.], seq 4294967290:94, ack 5001, win 502, length 100', // absolute, wrapping
    );
  });

  test('options in wire order (layout when present, else canonical); off on request', () => {
    const syn = seg({
      seq: 0,
      flags: SYN,
      wnd: 64240,
      options: { mss: 1460, sackPermitted: true, ts: { val: 7, ecr: 0 }, wscale: 7 },
    });
    assert.equal(
      tcpdumpNotation(syn),
      'Flags [S], seq 0, win 64240, options [mss 1460,sackOK,TS val 7 ecr 0,nop,wscale 7], length 0',
    );
    assert.equal(tcpdumpNotation(syn, { options: false }), 'Flags [S], seq 0, win 64240, length 0');
    const odd = seg({
      flags: ACK,
      ack: 1100,
      options: {
        sack: [{ left: 1200, right: 1300 }],
        unknown: [{ kind: 30, data: new Uint8Array([0xab, 0x01]) }],
        layout: [30, 1, 1, 5, 0],
      },
    });
    assert.equal(
      tcpdumpNotation(odd, { irs: 1000 }),
      'Flags [.], seq 0, ack 100, win 0, options [opt-30:ab01,nop,nop,sack 1 {200:300},eol], length 0',
    );
  });

  test('options that cannot be laid out are shown as ?', () => {
    const bad = seg({ options: { mss: 1, layout: [3] } });
    assert.equal(tcpdumpNotation(bad), 'Flags [none], seq 0, win 0, options [?], length 0');
    const tooMany = seg({ options: { sack: [1, 2, 3, 4, 5].map((n) => ({ left: n, right: n })) } });
    assert.equal(tcpdumpNotation(tooMany), 'Flags [none], seq 0, win 0, options [?], length 0');
  });
});
