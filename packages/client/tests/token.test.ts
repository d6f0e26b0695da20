import { errorThrownBy } from '@game-chat/testing/rejection';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatError } from '../src/errors.js';
import { decodeTokenClaims, refreshDelayMs } from '../src/token.js';

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function jwt(payload: unknown): string {
  return `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.c2ln`;
}

const codeOf = (action: () => unknown) => errorThrownBy(action, ChatError)?.code;

describe('decodeTokenClaims', () => {
  it('reads sub, exp and channels without verifying the signature', () => {
    expect(
      decodeTokenClaims(jwt({ sub: 'alice', exp: 1_900_000_000, channels: ['Town*'] })),
    ).toEqual({
      sub: 'alice',
      name: undefined,
      role: 'player',
      exp: 1_900_000_000,
      channels: ['Town*'],
    });
  });

  it('reads name and role as the authorizer does: NFC name, unknown role is player', () => {
    expect(
      decodeTokenClaims(jwt({ sub: 'mod1', name: ' Zoe\u0308 ', role: 'moderator' })),
    ).toMatchObject({ name: 'Zoë', role: 'moderator' });
    expect(decodeTokenClaims(jwt({ sub: 'a', role: 'admin' })).role).toBe('admin');
    for (const role of ['root', 42, null, ['moderator']]) {
      expect(decodeTokenClaims(jwt({ sub: 'a', role })).role).toBe('player');
    }
    for (const name of ['', 'x'.repeat(33), 'bad\u0000name', 7]) {
      expect(decodeTokenClaims(jwt({ sub: 'a', name })).name).toBeUndefined();
    }
  });

  it('decodes base64url payloads with non-ASCII names and every padding length', () => {
    for (const name of ['Zoë', 'Ünïcödé 🎮', 'ab', 'abc', 'abcd']) {
      expect(decodeTokenClaims(jwt({ sub: 'p1', name })).sub).toBe('p1');
    }
  });

  it('leaves exp and channels undefined when absent or malformed', () => {
    expect(decodeTokenClaims(jwt({ sub: 'bob', exp: 'soon', channels: [1, 2] }))).toEqual({
      sub: 'bob',
      name: undefined,
      role: 'player',
      exp: undefined,
      channels: undefined,
    });
  });

  it('refuses what is not a JWT of a valid player with ChatError invalid', () => {
    const bad: unknown[] = [
      undefined,
      '',
      42,
      'only.two',
      'a.b.c.d',
      `x.${base64url('not json')}.y`,
      `x.${base64url('[1,2]')}.y`,
      `x.${base64url('null')}.y`,
      'x.@@@.y',
      `x.${Buffer.from([0xff, 0xfe]).toString('base64url')}.y`,
      jwt({ name: 'no sub' }),
      jwt({ sub: 'has space' }),
      jwt({ sub: 'a/b' }),
      jwt({ sub: 'x'.repeat(65) }),
    ];
    for (const token of bad) expect(codeOf(() => decodeTokenClaims(token))).toBe('invalid');
  });

  it('never throws anything but ChatError invalid on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `a.${base64url(s)}.b`),
        ),
        (token) => {
          const code = codeOf(() => decodeTokenClaims(token));
          expect(code === undefined || code === 'invalid').toBe(true);
        },
      ),
    );
  });
});

describe('refreshDelayMs', () => {
  const now = 1_000_000_000_000;

  it('refreshes `lead` before expiry when the token lives long enough', () => {
    expect(refreshDelayMs(now / 1000 + 3600, now, 60_000)).toBe(3_540_000);
  });

  it('refreshes halfway for a token shorter than twice the lead', () => {
    expect(refreshDelayMs(now / 1000 + 10, now, 60_000)).toBe(5_000);
  });

  it('refreshes at once for an expired token and never for one without expiry', () => {
    expect(refreshDelayMs(now / 1000 - 1, now, 60_000)).toBe(0);
    expect(refreshDelayMs(undefined, now, 60_000)).toBeUndefined();
  });

  it('caps the delay at what setTimeout can hold', () => {
    expect(refreshDelayMs(now / 1000 + 10 * 365 * 86_400, now, 60_000)).toBe(2 ** 31 - 1);
  });

  it('always fires before expiry and never in the past', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        (lifetimeMs, lead) => {
          const delay = refreshDelayMs((now + lifetimeMs) / 1000, now, lead) as number;
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(lifetimeMs);
        },
      ),
    );
  });
});
