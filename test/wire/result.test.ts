import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ok, wireError } from '../../src/wire/result.js';

test('ok and wireError build the two Result shapes', () => {
  assert.deepEqual(ok(5), { ok: true, value: 5 });
  assert.deepEqual(wireError('ERR_WIRE_CHECKSUM', 'x'), {
    ok: false,
    error: { code: 'ERR_WIRE_CHECKSUM', detail: 'x' },
  });
});
