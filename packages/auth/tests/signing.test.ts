import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  authorizerPublicKeyPem,
  DEVELOPMENT_AUTHORIZER_PUBLIC_KEY,
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  issueSignedPlayerToken,
  loadAuthorizerSigningKey,
  signTokenForAuthorizer,
} from '../src/signing.js';
import { createTokenVerifier, TokenKeyError } from '../src/tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const developmentKey = loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY);
const workDir = mkdtempSync(join(tmpdir(), 'signing-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The command of AWS's "Signing the token" page, run for real (`-A`: one line, as IoT reads it). */
function opensslSignature(token: string, privateKeyPem: string): string {
  const keyFile = join(workDir, 'key.pem');
  writeFileSync(keyFile, privateKeyPem);
  const signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', keyFile], {
    input: Buffer.from(token, 'utf8'),
  });
  return execFileSync('openssl', ['base64', '-A'], { input: signature }).toString();
}

describe('signTokenForAuthorizer', () => {
  it('makes exactly the signature of `openssl dgst -sha256 -sign key.pem | openssl base64`', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
    // RSA PKCS#1 v1.5 is deterministic, so the two must agree byte for byte.
    expect(signTokenForAuthorizer(token, developmentKey)).toBe(
      opensslSignature(token, DEVELOPMENT_AUTHORIZER_SIGNING_KEY),
    );
  });

  it('makes signatures the public key verifies over the token UTF-8 bytes, and no other', () => {
    const publicKey = createPublicKey(DEVELOPMENT_AUTHORIZER_PUBLIC_KEY);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.string(), (token, other) => {
        const signature = Buffer.from(signTokenForAuthorizer(token, developmentKey), 'base64');
        const data = (text: string) => Buffer.from(text, 'utf8');
        expect(verify('sha256', data(token), publicKey, signature)).toBe(true);
        if (other !== token)
          expect(verify('sha256', data(other), publicKey, signature)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe('loadAuthorizerSigningKey', () => {
  it('pairs the development private key with the published development public key', () => {
    expect(authorizerPublicKeyPem(developmentKey).trim()).toBe(
      DEVELOPMENT_AUTHORIZER_PUBLIC_KEY.trim(),
    );
  });

  it('accepts PKCS#1 PEM and PEM whose line breaks arrive as \\n escapes', () => {
    const pkcs1 = developmentKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(loadAuthorizerSigningKey(pkcs1).asymmetricKeyType).toBe('rsa');
    const escaped = DEVELOPMENT_AUTHORIZER_SIGNING_KEY.trim().replace(/\n/g, '\\n');
    expect(loadAuthorizerSigningKey(escaped).asymmetricKeyType).toBe('rsa');
  });

  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  it.each([
    ['text that is not PEM', 'not a key', /not a PEM private key/],
    ['a public key', DEVELOPMENT_AUTHORIZER_PUBLIC_KEY, /not a PEM private key|RSA private key/],
    ['an EC key', ec.export({ type: 'pkcs8', format: 'pem' }).toString(), /RSA private key/],
    ['a 1024-bit RSA key', small.export({ type: 'pkcs8', format: 'pem' }).toString(), /2048/],
  ])('refuses %s with TokenKeyError', (_case, pem, message) => {
    expect(() => loadAuthorizerSigningKey(pem)).toThrow(TokenKeyError);
    expect(() => loadAuthorizerSigningKey(pem)).toThrow(message);
  });
});

describe('issueSignedPlayerToken', () => {
  it('returns a verifiable player token and its authorizer signature', async () => {
    const signed = await issueSignedPlayerToken(
      { sub: 'alice', name: 'Alice' },
      { playerToken: { secret: SECRET }, authorizerSigning: developmentKey },
      { expiresInSeconds: 60 },
    );

    const result = await createTokenVerifier({ secret: SECRET }).verify(signed.token);
    expect(result.ok && result.claims.sub).toBe('alice');
    expect(signed.signature).toBe(signTokenForAuthorizer(signed.token, developmentKey));
  });

  it('refuses invalid claims as issuePlayerToken does, signing nothing', async () => {
    await expect(
      issueSignedPlayerToken(
        { sub: 'a/b' },
        { playerToken: { secret: SECRET }, authorizerSigning: developmentKey },
        { expiresInSeconds: 60 },
      ),
    ).rejects.toThrow(TypeError);
  });
});
