import { expect, it } from 'vitest';
import * as limits from '../src/limits.js';

// The numbers other packages, the Terraform variables and the docs rely on (contract §2, §5, §6).
it('keeps the limits the contract sets', () => {
  expect(limits).toMatchObject({
    PROTOCOL_VERSION: 1,
    MAX_NAME_LENGTH: 64,
    MAX_DISPLAY_NAME_LENGTH: 32,
    DEFAULT_MAX_TEXT_LENGTH: 500,
    MAX_TEXT_LENGTH_LIMIT: 4000,
    MAX_PAYLOAD_BYTES: 8192,
    MAX_CLIENT_MSG_ID_LENGTH: 64,
    DEFAULT_TOPIC_PREFIX: 'chat',
    HISTORY_LIMIT_MIN: 1,
    HISTORY_LIMIT_MAX: 200,
    HISTORY_LIMIT_DEFAULT: 50,
  });
});

it('spells the name patterns as the contract does', () => {
  expect(limits.NAME_PATTERN.source).toBe('^[A-Za-z0-9_-]{1,64}$');
  expect(limits.CLIENT_SUFFIX_PATTERN.source).toBe('^[A-Za-z0-9_-]{1,32}$');
});
