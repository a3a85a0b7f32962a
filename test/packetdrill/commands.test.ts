// Backquoted commands: recognised as host configuration (profile, sysctls) and never run; a
// command after the run has begun may not change settings; anything else is unsupported, named.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyCommand, commandLines } from '../../src/packetdrill/commands.js';
import { runScriptText } from '../../src/packetdrill/interpreter.js';

/** The restore script's name as scripts write it (a shell variable, not a template). */
const RESTORE = `/tmp/sysctl_restore_$${'{PPID}'}.sh`;

test('defaults.sh, set_sysctls.py, sysctl -q and the restore script are recognised', () => {
  assert.deepEqual(classifyCommand('../../common/defaults.sh'), { kind: 'defaults' });
  assert.deepEqual(
    classifyCommand('./set_sysctls.py /proc/sys/net/ipv4/tcp_tw_reuse=1 /proc/sys/net/ipv4/tcp_sack=0'),
    {
      kind: 'sysctls',
      values: [
        ['tcp_tw_reuse', '1'],
        ['tcp_sack', '0'],
      ],
    },
  );
  assert.deepEqual(classifyCommand('sysctl -q net.ipv4.tcp_rmem="4096 131072 $((32*1024*1024))"'), {
    kind: 'sysctls',
    values: [['tcp_rmem', '4096 131072 33554432']],
  });
  assert.deepEqual(classifyCommand('sysctl -w net/ipv4/tcp_ecn=1'), { kind: 'sysctls', values: [['tcp_ecn', '1']] });
  assert.deepEqual(classifyCommand(RESTORE), { kind: 'restore' });
  assert.deepEqual(classifyCommand('sysctl -q net.core.rmem_max=1'), {
    kind: 'bad-sysctl',
    arg: 'net.core.rmem_max=1',
  });
  assert.equal(classifyCommand('tc qdisc add dev tun0 root pfifo limit 0').kind, 'other');
  assert.deepEqual(commandLines('a # note\n\n  b\n# all comment\n'), ['a', 'b']);
});

test('a command at time 0 before anything else configures the host, as an untimed one does', () => {
  const r = runScriptText('0 `../common/defaults.sh`\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n');
  assert.equal(r.status, 'pass', r.reason);
  assert.equal(r.profile, 'linux');
});

test('settings changed after the run has begun are unsupported; unknown sysctls and commands are named', () => {
  const late = runScriptText(
    '`../common/defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+1 `../common/set_sysctls.py /proc/sys/net/ipv4/tcp_sack=0`\n',
  );
  assert.equal(late.status, 'unsupported');
  assert.equal(late.unsupported, 'settings changed during the run');
  const restore = runScriptText(
    `\`../common/defaults.sh\`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\`${RESTORE}\`\n`,
  );
  assert.equal(restore.status, 'pass', restore.reason);
  assert.equal(
    runScriptText('`sysctl -q net.ipv4.tcp_ecn=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n').unsupported,
    'sysctl tcp_ecn',
  );
  assert.equal(
    runScriptText('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 `nstat -n`\n').unsupported,
    'shell command nstat',
  );
});
