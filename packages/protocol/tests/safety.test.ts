import { describe, expect, it } from 'vitest';
import { MAX_MUTE_SECONDS, MAX_REPORT_NOTE_LENGTH } from '../src/limits.js';
import {
  isReportId,
  parseReportBody,
  parseReportsQuery,
  parseResolutionBody,
  parseSlowModeBody,
  REPORT_REASONS,
} from '../src/safety.js';
import { expectFailure, expectOk } from './support.js';

const json = (value: unknown) => JSON.stringify(value);

describe('parseReportBody', () => {
  it.each(REPORT_REASONS)('takes reason %s', (reason) => {
    expect(expectOk(parseReportBody(json({ reason })))).toEqual({ reason, note: undefined });
  });

  it('normalises the note and takes exactly 500 code points (emoji count as one)', () => {
    expect(expectOk(parseReportBody(json({ reason: 'spam', note: '  a\nb ' }))).note).toBe('a b');
    const longest = '😀'.repeat(MAX_REPORT_NOTE_LENGTH);
    expect(expectOk(parseReportBody(json({ reason: 'hate', note: longest }))).note).toBe(longest);
  });

  it.each([
    ['a reason outside the list', { reason: 'rude' }, 'invalid'],
    ['no reason', {}, 'invalid'],
    ['a reason of another type', { reason: ['spam'] }, 'invalid'],
    ['a note over 500 code points', { reason: 'spam', note: 'x'.repeat(501) }, 'too_long'],
    ['a note that is not text', { reason: 'spam', note: 5 }, 'invalid'],
  ] as const)('refuses %s', (_what, body, code) => {
    expectFailure(parseReportBody(json(body)), code);
  });

  it('refuses a body that is not a JSON object', () => {
    expectFailure(parseReportBody('["spam"]'), 'invalid');
    expectFailure(parseReportBody(''), 'invalid');
  });

  it('reads an own reason only', () => {
    expectFailure(parseReportBody('{"__proto__":{"reason":"spam"}}'), 'invalid');
  });
});

describe('parseResolutionBody', () => {
  it('takes dismiss and delete without seconds, mute with them', () => {
    expect(expectOk(parseResolutionBody(json({ action: 'dismiss' })))).toEqual({
      action: 'dismiss',
      seconds: undefined,
      note: undefined,
    });
    expect(expectOk(parseResolutionBody(json({ action: 'delete', note: 'gone' }))).note).toBe(
      'gone',
    );
    expect(expectOk(parseResolutionBody(json({ action: 'mute', seconds: 600 }))).seconds).toBe(600);
  });

  it.each([
    ['an unknown action', { action: 'ban' }],
    ['mute without seconds', { action: 'mute' }],
    ['mute for 0 seconds', { action: 'mute', seconds: 0 }],
    ['mute past the longest mute', { action: 'mute', seconds: MAX_MUTE_SECONDS + 1 }],
    ['seconds with dismiss', { action: 'dismiss', seconds: 5 }],
  ])('refuses %s', (_what, body) => {
    expectFailure(parseResolutionBody(json(body)), 'invalid');
  });
});

describe('parseSlowModeBody', () => {
  it.each([1, 600])('takes %i seconds', (seconds) => {
    expect(expectOk(parseSlowModeBody(json({ seconds })))).toEqual({ seconds });
  });

  it.each([0, 601, 1.5, '10', null])('refuses seconds %s', (seconds) => {
    expectFailure(parseSlowModeBody(json({ seconds })), 'invalid');
  });
});

describe('parseReportsQuery', () => {
  it('defaults to the open queue, 20 at a time, from the start', () => {
    expect(expectOk(parseReportsQuery())).toEqual({ status: 'open', limit: 20, after: undefined });
  });

  it('takes a status, a limit and a cursor', () => {
    expect(
      expectOk(parseReportsQuery({ status: 'resolved', limit: '100', after: '0123456789abcdef' })),
    ).toEqual({ status: 'resolved', limit: 100, after: '0123456789abcdef' });
  });

  it.each([
    ['an unknown status', { status: 'closed' }],
    ['limit 0', { limit: '0' }],
    ['limit 101', { limit: '101' }],
    ['a limit that is not digits', { limit: '1e2' }],
    ['a cursor that is not a report id', { after: '1764081600123-0' }],
  ])('refuses %s', (_what, query) => {
    expectFailure(parseReportsQuery(query), 'invalid');
  });
});

describe('isReportId', () => {
  it('takes 16 lower-case hex digits only', () => {
    expect(isReportId('0123456789abcdef')).toBe(true);
    expect(isReportId('0123456789ABCDEF')).toBe(false);
    expect(isReportId('0123456789abcde')).toBe(false);
    expect(isReportId('a/b')).toBe(false);
  });
});
