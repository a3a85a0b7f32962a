import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wireDropReason } from '../../src/core/trace.js';
import type { WireErrorCode } from '../../src/wire/result.js';

test('every wire error code maps to a drop reason', () => {
  const expected: Record<WireErrorCode, string> = {
    ERR_WIRE_TRUNCATED: 'truncated',
    ERR_WIRE_BAD_OFFSET: 'bad-header',
    ERR_WIRE_CHECKSUM: 'checksum',
    ERR_WIRE_BAD_OPTION: 'bad-option',
    ERR_WIRE_BAD_VERSION: 'bad-header',
    ERR_WIRE_BAD_LENGTH: 'bad-header',
    ERR_WIRE_FRAGMENT: 'unsupported',
    ERR_WIRE_NOT_TCP: 'unsupported',
    ERR_WIRE_EXT_HEADER: 'unsupported',
  };
  for (const [code, reason] of Object.entries(expected)) {
    assert.equal(wireDropReason(code as WireErrorCode), reason, code);
  }
});
