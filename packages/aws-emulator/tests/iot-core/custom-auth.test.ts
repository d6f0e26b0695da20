import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  loadAuthorizerSigningKey,
  signTokenForAuthorizer,
} from '@game-chat/auth/signing';
import { customAuthQuery, customAuthUsername } from '@game-chat/protocol/custom-auth';
import { describe, expect, it } from 'vitest';
import {
  buildAuthorizerEvent,
  type ConnectAttempt,
  type CustomAuthSettings,
  readAuthorizerResponse,
  verifyTokenSignature,
} from '../../src/iot-core/custom-auth.js';
import { AUTHORIZER_LIMITS } from '../../src/iot-core/limits.js';

const NAME = 'game-chat-token-authorizer';
const signingKey = loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY);
const otherKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const settings: CustomAuthSettings = {
  authorizerName: NAME,
  tokenKeyName: 'token',
  signingPublicKeys: [createPublicKey(signingKey)],
  defaultAuthorizer: false,
};

/** A token with characters the query must carry intact, and its signature. */
const TOKEN = 'tok+en/1=';
const signed = (token = TOKEN, key = signingKey) => ({
  authorizerName: NAME,
  tokenKeyName: 'token',
  token,
  signature: signTokenForAuthorizer(token, key),
});
const USERNAME = customAuthUsername('alice', signed());

const attempt = (overrides: Partial<ConnectAttempt> = {}): ConnectAttempt => ({
  transport: 'tcp',
  clientId: 'alice',
  username: USERNAME,
  password: undefined,
  serverName: 'localhost',
  connectionId: '4b7d2f0e-0000-4000-8000-000000000000',
  ...overrides,
});

const wss = (url: string, headers: Record<string, string | string[]> = {}): ConnectAttempt =>
  attempt({ transport: 'websocket', username: '', upgrade: { url, headers } });

const refusal = (connect: ConnectAttempt, given: CustomAuthSettings = settings) => {
  const event = buildAuthorizerEvent(connect, given);
  return event.ok ? 'accepted' : event.message;
};

describe('buildAuthorizerEvent', () => {
  it('builds the MQTT event of aws-fidelity §2.1: the verified token, the user name as sent', () => {
    expect(buildAuthorizerEvent(attempt({ password: Buffer.from('pw') }), settings)).toEqual({
      ok: true,
      value: {
        token: TOKEN,
        signatureVerified: true,
        protocols: ['tls', 'mqtt'],
        protocolData: {
          tls: { serverName: 'localhost' },
          mqtt: { username: USERNAME, password: 'cHc=', clientId: 'alice' },
        },
        connectionMetadata: { id: '4b7d2f0e-0000-4000-8000-000000000000' },
      },
    });
  });

  it('leaves out what the client did not send', () => {
    const event = buildAuthorizerEvent(attempt({ clientId: '' }), settings);
    expect(event.ok && event.value.protocolData.mqtt).toEqual({ username: USERNAME });
  });

  it('reads a WebSocket upgrade URL, and passes every header and the query string unchanged', () => {
    const query = customAuthQuery(signed());
    const event = buildAuthorizerEvent(
      wss(`/mqtt?${query}&v=1`, {
        host: 'localhost:21884',
        'sec-websocket-protocol': 'mqtt',
        'x-many': ['a', 'b'],
      }),
      settings,
    );
    expect(event.ok && event.value).toMatchObject({
      token: TOKEN,
      signatureVerified: true,
      protocols: ['tls', 'http', 'mqtt'],
      protocolData: {
        http: {
          headers: { host: 'localhost:21884', 'sec-websocket-protocol': 'mqtt', 'x-many': 'a,b' },
          queryString: `?${query}&v=1`,
        },
        mqtt: { username: '', clientId: 'alice' },
      },
    });
  });

  it('reads the token and signature from upgrade headers, the key name matched case-insensitively', () => {
    const { token, signature } = signed();
    const event = buildAuthorizerEvent(
      wss('/mqtt', {
        'x-amz-customauthorizer-name': NAME,
        'x-amz-customauthorizer-signature': signature,
        playertoken: token,
      }),
      { ...settings, tokenKeyName: 'PlayerToken' },
    );
    expect(event.ok && event.value.token).toBe(TOKEN);
    expect(event.ok && event.value.protocolData.http?.queryString).toBe('');
  });

  it('prefers the URL to a header, and a header to the user name', () => {
    const fromUrl = signed('from-url');
    const fromHeader = signed('from-header');
    const headers = {
      'x-amz-customauthorizer-signature': fromHeader.signature,
      token: fromHeader.token,
    };
    const both = buildAuthorizerEvent(
      attempt({
        transport: 'websocket',
        upgrade: { url: `/mqtt?${customAuthQuery(fromUrl)}`, headers },
      }),
      settings,
    );
    const headerOverUsername = buildAuthorizerEvent(
      attempt({ transport: 'websocket', upgrade: { url: '/mqtt', headers } }),
      settings,
    );
    expect(both.ok && both.value.token).toBe('from-url');
    expect(headerOverUsername.ok && headerOverUsername.value.token).toBe('from-header');
  });

  it('accepts a signature any one of the public keys verifies (key rotation)', () => {
    const rotated = {
      ...settings,
      signingPublicKeys: [createPublicKey(otherKey), createPublicKey(signingKey)],
    };
    expect(refusal(attempt(), rotated)).toBe('accepted');
  });

  it('accepts a connect naming no authorizer when it is the default authorizer', () => {
    const username = customAuthUsername('alice', { ...signed(), authorizerName: undefined });
    expect(refusal(attempt({ username }), { ...settings, defaultAuthorizer: true })).toBe(
      'accepted',
    );
  });

  it.each<[string, ConnectAttempt, RegExp]>([
    [
      'another authorizer in the user name',
      attempt({ username: customAuthUsername('a', { ...signed(), authorizerName: 'other' }) }),
      /unknown custom authorizer "other"/,
    ],
    [
      'another authorizer in the URL, though the user name names this one',
      attempt({ upgrade: { url: '/mqtt?x-amz-customauthorizer-name=other', headers: {} } }),
      /unknown custom authorizer "other"/,
    ],
    [
      'another authorizer in a header',
      attempt({ upgrade: { url: '/mqtt', headers: { 'x-amz-customauthorizer-name': 'other' } } }),
      /unknown custom authorizer "other"/,
    ],
    [
      'no authorizer name, without a default authorizer',
      attempt({ username: customAuthUsername('a', { ...signed(), authorizerName: undefined }) }),
      /no custom authorizer named .* no default authorizer/,
    ],
    [
      'the token as a password only',
      attempt({
        username: `alice?x-amz-customauthorizer-name=${NAME}`,
        password: Buffer.from(TOKEN),
      }),
      /no token under the token key name "token"/,
    ],
    ['no user name and no upgrade', attempt({ username: undefined }), /no custom authorizer named/],
    [
      'an empty token',
      attempt({ username: `a?x-amz-customauthorizer-name=${NAME}&token=` }),
      /no token under the token key name/,
    ],
    [
      'a token without a signature',
      attempt({ username: `a?x-amz-customauthorizer-name=${NAME}&token=abc` }),
      /no x-amz-customauthorizer-signature next to the token/,
    ],
    [
      'a token in the URL with its signature in a header',
      wss(`/mqtt?x-amz-customauthorizer-name=${NAME}&token=${encodeURIComponent(TOKEN)}`, {
        'x-amz-customauthorizer-signature': signed().signature,
      }),
      /no x-amz-customauthorizer-signature next to the token/,
    ],
    [
      'a signature with its + not URL-encoded',
      attempt({
        username: `a?x-amz-customauthorizer-name=${NAME}&x-amz-customauthorizer-signature=${signed().signature}&token=${encodeURIComponent(TOKEN)}`,
      }),
      /does not verify/,
    ],
    [
      'the signature of another token',
      attempt({
        username: customAuthUsername('a', { ...signed(), signature: signed('other').signature }),
      }),
      /does not verify/,
    ],
    [
      'a signature by another key',
      attempt({ username: customAuthUsername('a', signed(TOKEN, otherKey)) }),
      /does not verify/,
    ],
  ])('refuses %s before any authorizer sees it', (_case, connect, message) => {
    expect(refusal(connect)).toMatch(message);
  });
});

describe('verifyTokenSignature', () => {
  const publicKeys = [createPublicKey(signingKey)];

  it('checks RSA-SHA256 of the token UTF-8 bytes', () => {
    const token = 'héllo 😀';
    expect(verifyTokenSignature(token, signTokenForAuthorizer(token, signingKey), publicKeys)).toBe(
      true,
    );
    expect(
      verifyTokenSignature('hello', signTokenForAuthorizer(token, signingKey), publicKeys),
    ).toBe(false);
  });

  it.each(['', 'AAAA', 'not base64', 'YWJj'.repeat(100)])(
    'refuses the signature %j without throwing',
    (signature) => {
      expect(verifyTokenSignature('t', signature, publicKeys)).toBe(false);
    },
  );
});

describe('readAuthorizerResponse', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }],
  };
  const answer = {
    isAuthenticated: true,
    principalId: 'abc123',
    policyDocuments: [policy],
    disconnectAfterInSeconds: 3600,
    refreshAfterInSeconds: 300,
  };

  it('accepts an answer within the limits', () => {
    expect(readAuthorizerResponse(answer)).toEqual({
      ok: true,
      value: {
        authenticated: true,
        principalId: 'abc123',
        policies: [policy],
        disconnectAfterSeconds: 3600,
        refreshAfterSeconds: 300,
      },
    });
  });

  it('accepts policy documents given as JSON strings, and missing lifetimes as the maximum', () => {
    const { disconnectAfterInSeconds: _d, refreshAfterInSeconds: _r, ...rest } = answer;
    const result = readAuthorizerResponse({ ...rest, policyDocuments: [JSON.stringify(policy)] });
    expect(result).toMatchObject({
      ok: true,
      value: { policies: [policy], disconnectAfterSeconds: 86_400, refreshAfterSeconds: 86_400 },
    });
  });

  it('reads isAuthenticated false as a refusal, whatever else is there', () => {
    expect(readAuthorizerResponse({ isAuthenticated: false, principalId: '-' })).toEqual({
      ok: true,
      value: { authenticated: false },
    });
  });

  const bigPolicy = {
    Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:${'x'.repeat(2048)}` }],
  };
  it.each<[string, unknown, RegExp]>([
    ['no object', 'yes', /must be an object/],
    ['isAuthenticated missing', { ...answer, isAuthenticated: undefined }, /isAuthenticated/],
    ['a principalId with a dash', { ...answer, principalId: 'alice-1' }, /principalId/],
    ['a principalId of 129 characters', { ...answer, principalId: 'a'.repeat(129) }, /principalId/],
    ['11 policy documents', { ...answer, policyDocuments: Array(11).fill(policy) }, /at most 10/],
    ['a policy over 2,048 characters', { ...answer, policyDocuments: [bigPolicy] }, /over 2048/],
    [
      'a malformed policy',
      { ...answer, policyDocuments: [{ Statement: [] }] },
      /policyDocuments\[0\]/,
    ],
    [
      'disconnectAfterInSeconds 299',
      { ...answer, disconnectAfterInSeconds: 299 },
      /disconnectAfterInSeconds/,
    ],
    [
      'disconnectAfterInSeconds 86401',
      { ...answer, disconnectAfterInSeconds: 86_401 },
      /disconnectAfterInSeconds/,
    ],
    [
      'refreshAfterInSeconds 300.5',
      { ...answer, refreshAfterInSeconds: 300.5 },
      /refreshAfterInSeconds/,
    ],
  ])('refuses an answer with %s', (_case, response, message) => {
    const result = readAuthorizerResponse(response);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('applies the limits it is given', () => {
    const limits = { ...AUTHORIZER_LIMITS, minSeconds: 1 };
    expect(readAuthorizerResponse({ ...answer, disconnectAfterInSeconds: 1 }, limits).ok).toBe(
      true,
    );
  });
});
