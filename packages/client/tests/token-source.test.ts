import { describe, expect, it } from 'vitest';
import { ChatError } from '../src/errors.js';
import type { PlayerToken } from '../src/options.js';
import { TokenSource } from '../src/token-source.js';

const NOW = 1_800_000_000_000;

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.sig`;
}

/** A getToken that hands out the given tokens in turn and counts its calls. */
function tokens(...list: PlayerToken[]) {
  const calls = { count: 0 };
  const getToken = async () => list[Math.min(calls.count++, list.length - 1)] as PlayerToken;
  return { getToken, calls };
}

/** What `usable()` hands out for an unsigned token. */
const unsigned = (token: string) => ({ token, signature: undefined });

describe('TokenSource', () => {
  it('hands out a fixed token as it is, even close to expiry, and never renews it', async () => {
    const token = jwt({ sub: 'alice', exp: NOW / 1000 + 1 });
    const source = new TokenSource({ token, minLifetimeMs: 2_000 });
    expect(source.claims?.sub).toBe('alice');
    expect(await source.usable(NOW)).toEqual(unsigned(token));
    expect(source.renewable).toBe(false);
    expect(source.renewalDelayMs(60_000, NOW)).toBeUndefined();
  });

  it('asks getToken once for concurrent callers, and again only when the token runs out', async () => {
    const first = jwt({ sub: 'alice', exp: NOW / 1000 + 60 });
    const second = jwt({ sub: 'alice', exp: NOW / 1000 + 120 });
    const { getToken, calls } = tokens(first, second);
    const source = new TokenSource({ getToken, minLifetimeMs: 2_000 });
    expect(source.claims).toBeUndefined();
    expect(await Promise.all([source.usable(NOW), source.usable(NOW)])).toEqual([
      unsigned(first),
      unsigned(first),
    ]);
    expect(calls.count).toBe(1);
    expect(await source.usable(NOW + 50_000)).toEqual(unsigned(first));
    expect(await source.usable(NOW + 58_500)).toEqual(unsigned(second)); // Under 2 s left: renewed.
    expect(calls.count).toBe(2);
    expect(source.renewalDelayMs(60_000, NOW)).toBe(60_000);
  });

  it('asks again after discard, as after the broker refused the token', async () => {
    const { getToken, calls } = tokens(jwt({ sub: 'alice' }));
    const source = new TokenSource({ getToken, minLifetimeMs: 2_000 });
    await source.usable(NOW);
    source.discard();
    await source.usable(NOW);
    expect(calls.count).toBe(2);
  });

  it('refuses a token for another player, or no JWT at all, and keeps the previous one', async () => {
    const alice = jwt({ sub: 'alice' });
    const { getToken } = tokens(alice, jwt({ sub: 'mallory' }), 'garbage');
    const source = new TokenSource({ getToken, minLifetimeMs: 2_000 });
    await source.renew();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await source.renew().catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(ChatError);
      expect((error as ChatError).code).toBe('invalid');
    }
    expect(source.claims?.sub).toBe('alice');
    expect(await source.usable(NOW)).toEqual(unsigned(alice));
  });

  it('hands out a signed token with its signature, and a renewed one with the new signature', async () => {
    const first = { token: jwt({ sub: 'alice', exp: NOW / 1000 + 60 }), signature: 'Zmlyc3Q=' };
    const second = { token: jwt({ sub: 'alice', exp: NOW / 1000 + 120 }), signature: 'c2Vjb25k' };
    const source = new TokenSource({
      getToken: tokens(first, second).getToken,
      minLifetimeMs: 2_000,
    });
    expect(await source.usable(NOW)).toEqual(first);
    expect(await source.renew()).toEqual(second);
    expect(await source.usable(NOW)).toEqual(second);
  });

  it('keeps a fixed signed token with its signature', async () => {
    const signed = { token: jwt({ sub: 'bob' }), signature: 'c2ln' };
    expect(await new TokenSource({ token: signed, minLifetimeMs: 2_000 }).usable(NOW)).toEqual(
      signed,
    );
  });

  it.each<[string, unknown]>([
    ['an empty string', ''],
    ['an object without a signature', { token: 'a.b.c' }],
    ['a signature that is not base64', { token: 'a.b.c', signature: 'not base64!' }],
    ['a number', 42],
    ['null', null],
  ])('refuses %s from getToken with invalid', async (_case, answer) => {
    const source = new TokenSource({
      getToken: async () => answer as PlayerToken,
      minLifetimeMs: 2_000,
    });
    const error = await source.usable(NOW).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'invalid', message: expect.stringMatching(/getToken/) });
  });

  it('passes on a getToken failure, and a later call tries again', async () => {
    let fail = true;
    const source = new TokenSource({
      getToken: async () => {
        if (fail) throw new Error('backend down');
        return jwt({ sub: 'alice' });
      },
      minLifetimeMs: 2_000,
    });
    await expect(source.usable(NOW)).rejects.toThrow('backend down');
    fail = false;
    expect((await source.usable(NOW)).token).toMatch(/\./);
  });
});
