// The README's library examples are the files in examples/: each one is quoted in the README word
// for word, and each one runs and prints what its comments say.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

function run(file: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', `${root}examples/${file}`], { encoding: 'utf8' });
}

// tun-net-server.ts needs root and a namespace; test/tun/net.test.ts runs the same API against the kernel.
for (const file of [
  'simulated-close.ts',
  'sans-io.ts',
  'net-half-close.ts',
  'http-over-finack.ts',
  'names.ts',
  'tun-net-server.ts',
]) {
  test(`README quotes examples/${file} verbatim`, () => {
    assert.ok(readme.includes(readFileSync(`${root}examples/${file}`, 'utf8')));
  });
}

test('examples/simulated-close.ts prints the states of the seed close', () => {
  assert.equal(run('simulated-close.ts'), 'hello CLOSE-WAIT\nbye TIME-WAIT CLOSED\nCLOSED 60210\n');
});

test('examples/sans-io.ts drives two connections by hand through open and close', () => {
  assert.equal(
    run('sans-io.ts'),
    [
      'a connected ESTABLISHED',
      'b connected ESTABLISHED',
      'b peer-fin CLOSE-WAIT',
      'a fin-acked FIN-WAIT-2',
      'a peer-fin TIME-WAIT',
      'a time-wait TIME-WAIT',
      'b fin-acked CLOSED',
      'b closed CLOSED',
      'TIME-WAIT 60000',
      'CLOSED',
      '',
    ].join('\n'),
  );
});

test('examples/net-half-close.ts: the server writes after the client FIN, then both close', () => {
  assert.equal(
    run('net-half-close.ts'),
    [
      'server got FIN in CLOSE-WAIT',
      'client read "you sent 5 bytes" in TIME-WAIT',
      'client closed in TIME-WAIT',
      '',
    ].join('\n'),
  );
});

test('examples/http-over-finack.ts: two GETs on one kept-alive connection, a refusal, no agent: false', () => {
  assert.equal(
    run('http-over-finack.ts'),
    [
      '200 GET /first',
      '200 GET /second',
      'connections made: 1',
      'ECONNREFUSED',
      "UsageError: invalid argument value: options.agent=false would make Node's http open a kernel socket (it ignores createConnection when agent is false)",
      '',
    ].join('\n'),
  );
});

test('examples/names.ts: a name of the hosts map and a host name resolve; an unknown one is ENOTFOUND', () => {
  assert.equal(run('names.ts'), '198.51.100.1 4\nENOTFOUND\nhi\n');
});
