import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@game-chat/lambda-runtime/config';
import { secretsStub } from '@game-chat/testing/secrets-stub';
import { describe, expect, it } from 'vitest';
import { readIssuerKeys } from '../src/issuer.js';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  issueSignedPlayerToken,
  loadAuthorizerSigningKey,
  signTokenForAuthorizer,
} from '../src/signing.js';
import { createTokenVerifier, DEVELOPMENT_TOKEN_SECRET } from '../src/tokens.js';

const SECRET = 'an-issuer-secret-that-is-long-enough-for-hs256';
const ARN = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;
const pem = (key: { export(options: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const signingPair = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A Secrets Manager stand-in: the secrets it holds, and the ARNs it was asked for. */
const secrets = (values: Record<string, string>) => secretsStub(values, 'AccessDeniedException');
const noSecrets = secrets({}).fetch;

const issue = async (env: Record<string, string>, fetch = noSecrets) => {
  const { keys } = await readIssuerKeys(env, fetch);
  return issueSignedPlayerToken({ sub: 'alice' }, keys, { expiresInSeconds: 60 });
};

describe('readIssuerKeys', () => {
  it('falls back to both development keys and says so', async () => {
    const { keys, warnings } = await readIssuerKeys({}, noSecrets);

    expect(keys.playerToken).toEqual({ secret: DEVELOPMENT_TOKEN_SECRET });
    const development = loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY);
    expect(keys.authorizerSigning.equals(development)).toBe(true);
    expect(warnings).toEqual([
      expect.stringMatching(/CHAT_TOKEN_SECRET is not set/),
      expect.stringMatching(/CHAT_AUTHORIZER_SIGNING_KEY is not set/),
    ]);
  });

  it('uses CHAT_TOKEN_SECRET and CHAT_AUTHORIZER_SIGNING_KEY without a warning', async () => {
    const env = {
      CHAT_TOKEN_SECRET: SECRET,
      CHAT_AUTHORIZER_SIGNING_KEY: pem(signingPair.privateKey),
    };
    const { warnings } = await readIssuerKeys(env, noSecrets);
    const signed = await issue(env);

    expect(warnings).toEqual([]);
    expect((await createTokenVerifier({ secret: SECRET }).verify(signed.token)).ok).toBe(true);
    expect(signed.signature).toBe(
      signTokenForAuthorizer(signed.token, loadAuthorizerSigningKey(pem(signingPair.privateKey))),
    );
  });

  it.each([
    ['RSA', rsa, 'RS256'],
    ['P-256', ec, 'ES256'],
  ] as const)(
    'signs player tokens with an %s CHAT_TOKEN_PRIVATE_KEY as %s',
    async (_k, pair, alg) => {
      const signed = await issue({ CHAT_TOKEN_PRIVATE_KEY: pem(pair.privateKey) });
      const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

      expect(
        JSON.parse(Buffer.from(signed.token.split('.')[0] as string, 'base64url').toString()).alg,
      ).toBe(alg);
      expect((await createTokenVerifier({ publicKey }).verify(signed.token)).ok).toBe(true);
    },
  );

  it('reads every key from Secrets Manager when given the *_SECRET_ARN variables', async () => {
    const store = secrets({
      [ARN('token')]: pem(rsa.privateKey),
      [ARN('signing')]: pem(signingPair.privateKey),
    });
    const env = {
      CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN: ARN('token'),
      CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: ARN('signing'),
    };
    const { warnings } = await readIssuerKeys(env, store.fetch);

    expect(store.asked).toEqual([ARN('token'), ARN('signing')]);
    expect(warnings).toEqual([]);
  });

  it('prefers a value to its secret ARN, and reads CHAT_TOKEN_SECRET_ARN', async () => {
    const store = secrets({ [ARN('hs')]: SECRET });
    const { keys } = await readIssuerKeys(
      {
        CHAT_TOKEN_SECRET_ARN: ARN('hs'),
        CHAT_AUTHORIZER_SIGNING_KEY: pem(signingPair.privateKey),
        CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: ARN('unused'),
      },
      store.fetch,
    );
    expect(keys.playerToken).toEqual({ secret: SECRET });
    expect(store.asked).toEqual([ARN('hs')]);
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    ['a short secret', { CHAT_TOKEN_SECRET: 'short' }, 'CHAT_TOKEN_SECRET', /32 bytes/],
    [
      'both a secret and a private key',
      { CHAT_TOKEN_SECRET: SECRET, CHAT_TOKEN_PRIVATE_KEY: pem(rsa.privateKey) },
      'CHAT_TOKEN_PRIVATE_KEY',
      /together with CHAT_TOKEN_SECRET/,
    ],
    [
      'a private key that is not PEM',
      { CHAT_TOKEN_PRIVATE_KEY: 'x' },
      'CHAT_TOKEN_PRIVATE_KEY',
      /PEM/,
    ],
    [
      'an Ed25519 token key',
      { CHAT_TOKEN_PRIVATE_KEY: pem(generateKeyPairSync('ed25519').privateKey) },
      'CHAT_TOKEN_PRIVATE_KEY',
      /RSA or a P-256/,
    ],
    [
      'an EC signing key',
      { CHAT_AUTHORIZER_SIGNING_KEY: pem(ec.privateKey) },
      'CHAT_AUTHORIZER_SIGNING_KEY',
      /RSA private key/,
    ],
    [
      'a malformed ARN',
      { CHAT_TOKEN_SECRET_ARN: 'token' },
      'CHAT_TOKEN_SECRET_ARN',
      /Secrets Manager secret ARN/,
    ],
    [
      'a secret that cannot be read',
      { CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: ARN('missing') },
      'CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN',
      /could not be read: AccessDeniedException/,
    ],
  ])('refuses %s, naming the variable', async (_case, env, variable, message) => {
    const error = await readIssuerKeys(env, noSecrets).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable });
    expect((error as Error).message).toMatch(message);
  });
});
