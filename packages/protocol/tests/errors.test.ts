import { describe, expect, it } from 'vitest';
import {
  API_ERROR_CODES,
  API_ERROR_STATUS,
  isApiErrorCode,
  isNoticeCode,
  NOTICE_CODES,
} from '../src/errors.js';

const NOT_CODES = [
  ['an unknown code', 'teapot'],
  ['a code in capitals', 'INVALID'],
  ['an Object.prototype key', 'constructor'],
  ['__proto__', '__proto__'],
  ['an empty string', ''],
  ['null', null],
  ['an array holding a code', ['invalid']],
] as const;

describe('notice codes', () => {
  it('are the codes of contract §3, in its order', () => {
    expect(NOTICE_CODES.join(', ')).toBe(
      'invalid, too_long, empty, rate_limited, muted, blocked, forbidden, unavailable, offline, ignored',
    );
  });

  it.each(NOTICE_CODES)('recognises %s', (code) => {
    expect(isNoticeCode(code)).toBe(true);
  });

  it.each(NOT_CODES)('does not take %s for a notice code', (_what, value) => {
    expect(isNoticeCode(value)).toBe(false);
  });

  it('includes every code that validation returns', () => {
    for (const code of ['invalid', 'too_long', 'empty']) expect(isNoticeCode(code)).toBe(true);
  });
});

describe('API error codes', () => {
  it.each([
    ['invalid', 400],
    ['too_long', 400],
    ['empty', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['internal', 500],
    ['store_unavailable', 503],
    // Stored, but not published live within the request: not to be sent again.
    ['publish_unavailable', 503],
    ['conflict', 409],
    ['rate_limited', 429],
  ] as const)('answers %s with HTTP %i as contract §5 says', (code, status) => {
    expect(API_ERROR_STATUS[code]).toBe(status);
  });

  it('has a status for every code and no other', () => {
    expect(Object.keys(API_ERROR_STATUS).sort()).toEqual([...API_ERROR_CODES].sort());
  });

  it.each(API_ERROR_CODES)('recognises %s', (code) => {
    expect(isApiErrorCode(code)).toBe(true);
  });

  it.each(NOT_CODES)('does not take %s for an API error code', (_what, value) => {
    expect(isApiErrorCode(value)).toBe(false);
  });
});
