// The scenario-test harness of STYLE.md §7, used on the RFC's figures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dedent, pair } from '../harness/pair.js';

test('simultaneous close (RFC 9293 "Simultaneous Close Sequence")', () => {
  const net = pair({ latency: 10, msl: 1_000 });
  net.connect();
  net.mark('close');
  net.a.close();
  net.b.close();
  net.run();
  assert.equal(
    net.ladder({ from: 'close' }),
    dedent`
       0  A->B <SEQ=1><ACK=1><CTL=FIN,ACK>  A FIN-WAIT-1
       0  B->A <SEQ=1><ACK=1><CTL=FIN,ACK>  B FIN-WAIT-1
      10  B->A <SEQ=2><ACK=2><CTL=ACK>      B CLOSING
      10  A->B <SEQ=2><ACK=2><CTL=ACK>      A CLOSING
      20                                    A TIME-WAIT, B TIME-WAIT
    2020                                    A CLOSED, B CLOSED`,
  );
});

test('normal close (RFC 9293 "Normal Close Sequence")', () => {
  const net = pair({ latency: 10, msl: 1_000 });
  net.connect();
  net.mark('close');
  net.a.close();
  net.sim.runUntil(() => net.b.state === 'CLOSE-WAIT');
  net.b.close();
  net.run();
  assert.equal(
    net.ladder({ from: 'close' }),
    dedent`
       0  A->B <SEQ=1><ACK=1><CTL=FIN,ACK>  A FIN-WAIT-1
      10  B->A <SEQ=1><ACK=2><CTL=ACK>      B CLOSE-WAIT
      10  B->A <SEQ=1><ACK=2><CTL=FIN,ACK>  B LAST-ACK
      20                                    A FIN-WAIT-2
      20  A->B <SEQ=2><ACK=2><CTL=ACK>      A TIME-WAIT
      30                                    B CLOSED
    2020                                    A CLOSED`,
  );
  assert.deepEqual(net.rec.states('A', { since: 'close' }), [
    'ESTABLISHED',
    'FIN-WAIT-1',
    'FIN-WAIT-2',
    'TIME-WAIT',
    'CLOSED',
  ]);
});

test('pair: the whole trace from the SYN, and a and b before connect()', () => {
  const net = pair({ latency: 5 });
  assert.throws(() => net.a, /connect\(\) first/);
  net.connect();
  assert.equal(
    net.ladder(),
    dedent`
       0  A->B <SEQ=0><CTL=SYN>             A SYN-SENT
       5                                    B LISTEN
       5  B->A <SEQ=0><ACK=1><CTL=SYN,ACK>  B SYN-RECEIVED
      10  A->B <SEQ=1><ACK=1><CTL=ACK>      A ESTABLISHED
      15                                    B ESTABLISHED`,
  );
});

test('dedent strips the common indentation and the outer blank lines', () => {
  assert.equal(
    dedent`
      a
        b
      c
  `,
    'a\n  b\nc',
  );
});
