import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  issuePlayerToken,
  MAX_CHANNEL_PATTERNS,
  MAX_TOKEN_LENGTH,
  TokenKeyError,
  type VerifyResult,
  verifierConfigFromSettings,
} from '../src/tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const OTHER_SECRET = 'another-secret-that-is-long-enough-for-hs256';
const verifier = createTokenVerifier({ secret: SECRET });
const nowSeconds = () => Math.floor(Date.now() / 1000);
const secretBytes = (secret: string) => new TextEncoder().encode(secret);

/** Signs any payload with the test secret, bypassing the issuer's own claim checks. */
function signRaw(payload: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(secretBytes(secret));
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function expectRefused(result: VerifyResult, message: string | RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe('unauthorized');
  expect(result.message).toMatch(message);
}

describe('HS256 tokens', () => {
  it('round-trips the chat claims, normalising the name', async () => {
    const token = await issuePlayerToken(
      { sub: 'alice', name: 'Cafe\u0301 ', role: 'moderator', channels: ['Town137', 'Guild*'] },
      { secret: SECRET },
      { expiresInSeconds: 600 },
    );

    const result = await verifier.verify(token);

    expect(result).toEqual({
      ok: true,
      claims: {
        sub: 'alice',
        name: 'Café',
        role: 'moderator',
        channels: ['Town137', 'Guild*'],
        exp: expect.any(Number),
      },
    });
    if (result.ok) expect(result.claims.exp - nowSeconds()).toBeGreaterThan(595);
  });

  it('treats a token without role, name or channels as a player allowed everywhere', async () => {
    const result = await verifier.verify(await signRaw({ sub: 'bob', exp: nowSeconds() + 60 }));

    expect(result).toEqual({
      ok: true,
      claims: {
        sub: 'bob',
        name: undefined,
        role: 'player',
        channels: undefined,
        exp: expect.any(Number),
      },
    });
  });

  it('refuses the claims it would refuse in a token when asked to issue them', async () => {
    await expect(
      issuePlayerToken({ sub: 'a/b' }, { secret: SECRET }, { expiresInSeconds: 60 }),
    ).rejects.toThrow(TypeError);
    await expect(
      issuePlayerToken({ sub: 'alice' }, { secret: SECRET }, { expiresInSeconds: 0 }),
    ).rejects.toThrow(/expiresInSeconds/);
  });
});

describe('refusals', () => {
  const cases: readonly [string, () => Promise<unknown>, RegExp][] = [
    ['a missing token', async () => undefined, /missing/],
    ['an empty token', async () => '', /missing/],
    ['a number instead of a token', async () => 42, /missing/],
    ['an expired token', () => signRaw({ sub: 'alice', exp: nowSeconds() - 60 }), /expired/],
    [
      'a token not valid yet',
      () => signRaw({ sub: 'alice', nbf: nowSeconds() + 120, exp: nowSeconds() + 600 }),
      /not valid yet/,
    ],
    [
      'a token signed with another secret',
      () => signRaw({ sub: 'alice', exp: nowSeconds() + 60 }, OTHER_SECRET),
      /signature/,
    ],
    ['garbage', async () => 'not-a-token', /malformed/],
    ['three empty segments', async () => '..', /malformed/],
    [
      'an unsigned token (alg none)',
      async () =>
        `${base64url({ alg: 'none' })}.${base64url({ sub: 'alice', exp: nowSeconds() + 60 })}.`,
      /algorithm|malformed/,
    ],
    ['a token without exp', () => signRaw({ sub: 'alice' }), /no exp claim/],
    ['a token without sub', () => signRaw({ exp: nowSeconds() + 60 }), /no sub claim/],
    ['a token with a string exp', () => signRaw({ sub: 'alice', exp: 'tomorrow' }), /exp/],
    ['a player id with a slash', () => signRaw({ sub: 'a/b', exp: nowSeconds() + 60 }), /sub/],
    ['a player id with #', () => signRaw({ sub: 'alice#', exp: nowSeconds() + 60 }), /sub/],
    [
      'a 65-character player id',
      () => signRaw({ sub: 'a'.repeat(65), exp: nowSeconds() + 60 }),
      /sub/,
    ],
    [
      'an unknown role',
      () => signRaw({ sub: 'alice', role: 'root', exp: nowSeconds() + 60 }),
      /role/,
    ],
    [
      'a name with a control character',
      () => signRaw({ sub: 'alice', name: 'al\u0007ice', exp: nowSeconds() + 60 }),
      /name/,
    ],
    [
      'a 33-character name',
      () => signRaw({ sub: 'alice', name: 'n'.repeat(33), exp: nowSeconds() + 60 }),
      /name/,
    ],
    ['a numeric name', () => signRaw({ sub: 'alice', name: 7, exp: nowSeconds() + 60 }), /name/],
    [
      'channels as a string',
      () => signRaw({ sub: 'alice', channels: 'Town137', exp: nowSeconds() + 60 }),
      /channels/,
    ],
    [
      'a channel pattern with a topic wildcard',
      () => signRaw({ sub: 'alice', channels: ['Town/#'], exp: nowSeconds() + 60 }),
      /channels/,
    ],
    [
      'a channel pattern with ? (an IoT policy wildcard)',
      () => signRaw({ sub: 'alice', channels: ['Town?'], exp: nowSeconds() + 60 }),
      /channels/,
    ],
    [
      'too many channel patterns',
      () =>
        signRaw({
          sub: 'alice',
          channels: Array.from({ length: MAX_CHANNEL_PATTERNS + 1 }, (_, i) => `c${i}`),
          exp: nowSeconds() + 60,
        }),
      /channels/,
    ],
    [
      'an oversized token',
      () => signRaw({ sub: 'alice', pad: 'x'.repeat(MAX_TOKEN_LENGTH), exp: nowSeconds() + 60 }),
      /too large/,
    ],
  ];

  it.each(cases)('refuses %s with a reason', async (_label, makeToken, message) => {
    expectRefused(await verifier.verify(await makeToken()), message);
  });

  it('accepts a token that expired within the clock tolerance', async () => {
    const result = await verifier.verify(await signRaw({ sub: 'alice', exp: nowSeconds() - 2 }));

    expect(result.ok).toBe(true);
  });
});

describe('RS256 and ES256 public keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

  it.each([
    ['RS256', rsa],
    ['ES256', ec],
  ] as const)('verifies %s tokens with the PEM public key', async (algorithm, pair) => {
    const token = await issuePlayerToken(
      { sub: 'carol', role: 'admin' },
      { privateKey: pair.privateKey, algorithm },
      { expiresInSeconds: 60 },
    );

    const result = await createTokenVerifier({ publicKey: pem(pair.publicKey) }).verify(token);

    expect(result.ok && result.claims.role).toBe('admin');
  });

  it('reads a PEM whose line breaks arrive as \\n escapes, as in an environment variable', async () => {
    const escaped = pem(rsa.publicKey).replace(/\n/g, '\\n');
    const token = await issuePlayerToken(
      { sub: 'carol' },
      { privateKey: rsa.privateKey, algorithm: 'RS256' },
      { expiresInSeconds: 60 },
    );

    expect((await createTokenVerifier({ publicKey: escaped }).verify(token)).ok).toBe(true);
  });

  it('refuses an HS256 token keyed with the public key text (algorithm confusion)', async () => {
    const publicPem = pem(rsa.publicKey);
    const forged = await new SignJWT({ sub: 'mallory', exp: nowSeconds() + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secretBytes(publicPem));

    expectRefused(await createTokenVerifier({ publicKey: publicPem }).verify(forged), /algorithm/);
  });

  it('refuses a token signed by another key pair', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await issuePlayerToken(
      { sub: 'carol' },
      { privateKey: other.privateKey, algorithm: 'ES256' },
      { expiresInSeconds: 60 },
    );

    expectRefused(
      await createTokenVerifier({ publicKey: pem(ec.publicKey) }).verify(token),
      /signature/,
    );
  });

  it('throws TokenKeyError at start-up for keys it cannot use', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(() => createTokenVerifier({ publicKey: 'not a key' })).toThrow(TokenKeyError);
    expect(() => createTokenVerifier({ publicKey: pem(ed.publicKey) })).toThrow(TokenKeyError);
    expect(() => createTokenVerifier({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => createTokenVerifier({ jwksUrl: 'ftp://keys.example' })).toThrow(TokenKeyError);
  });
});

describe('JWKS', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let server: Server;
  let jwksUrl: string;
  let silentUrl: string;

  beforeAll(async () => {
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((request, response) => {
      // /silent never answers, like a JWKS host that is down behind a load balancer.
      if (request.url === '/silent') return;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    jwksUrl = `http://127.0.0.1:${port}/jwks.json`;
    silentUrl = `http://127.0.0.1:${port}/silent`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('verifies a token whose key id is in the set, and refuses an unknown key id', async () => {
    const verifyWithJwks = createTokenVerifier({ jwksUrl });
    const sign = (keyId: string) =>
      issuePlayerToken(
        { sub: 'dave' },
        { privateKey: pair.privateKey, algorithm: 'ES256', keyId },
        { expiresInSeconds: 60 },
      );

    expect((await verifyWithJwks.verify(await sign('k1'))).ok).toBe(true);
    expectRefused(await verifyWithJwks.verify(await sign('k2')), /known key/);
  });

  it('refuses, within the fetch timeout, when the key set does not answer', async () => {
    const token = await issuePlayerToken(
      { sub: 'dave' },
      { privateKey: pair.privateKey, algorithm: 'ES256', keyId: 'k1' },
      { expiresInSeconds: 60 },
    );

    const result = await createTokenVerifier({ jwksUrl: silentUrl, fetchTimeoutMs: 150 }).verify(
      token,
    );

    expectRefused(result, /unavailable/);
  });
});

describe('hostile input (fuzz)', () => {
  it('never throws and refuses arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc
            .tuple(fc.base64String(), fc.base64String(), fc.base64String())
            .map((parts) => parts.join('.')),
        ),
        async (input) => {
          const result = await verifier.verify(input);
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a valid token with any one character of its header or claims changed', async () => {
    const token = await issuePlayerToken(
      { sub: 'alice' },
      { secret: SECRET },
      { expiresInSeconds: 60 },
    );
    const signedPart = token.slice(0, token.lastIndexOf('.'));
    await fc.assert(
      fc.asyncProperty(
        // The last character of a base64url segment may only carry padding bits: skip it.
        fc.integer({ min: 0, max: signedPart.length - 2 }),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'),
        async (index, replacement) => {
          fc.pre(signedPart[index] !== replacement && signedPart[index + 1] !== '.');
          const tampered = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
          expect((await verifier.verify(tampered)).ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts signed claims only when every chat claim is valid', async () => {
    const claimValue = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            sub: claimValue,
            name: claimValue,
            role: fc.oneof(claimValue, fc.constantFrom('player', 'admin')),
            channels: claimValue,
          },
          { requiredKeys: [] },
        ),
        async (claims) => {
          const result = await verifier.verify(
            await signRaw({ ...claims, exp: nowSeconds() + 60 }),
          );
          if (!result.ok) return;
          expect(result.claims.sub).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
          expect(['player', 'moderator', 'admin']).toContain(result.claims.role);
          expect(
            result.claims.channels === undefined || Array.isArray(result.claims.channels),
          ).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('verifierConfigFromSettings', () => {
  it('picks the secret, then the public key, then the JWKS URL', () => {
    expect(verifierConfigFromSettings({ tokenSecret: SECRET, tokenJwksUrl: 'https://x' })).toEqual({
      secret: SECRET,
    });
    expect(verifierConfigFromSettings({ tokenPublicKey: 'PEM' })).toEqual({ publicKey: 'PEM' });
    expect(verifierConfigFromSettings({ tokenJwksUrl: 'https://x' })).toEqual({
      jwksUrl: 'https://x',
    });
    expect(() => verifierConfigFromSettings({})).toThrow(TokenKeyError);
  });
});
