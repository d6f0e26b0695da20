import { describe, expect, it } from 'vitest';
import {
  buildAuthorizerEvent,
  type ConnectAttempt,
  readAuthorizerResponse,
} from '../src/custom-auth.js';
import { AUTHORIZER_LIMITS } from '../src/limits.js';

const NAME = 'game-chat-local-authorizer';

const attempt = (overrides: Partial<ConnectAttempt> = {}): ConnectAttempt => ({
  transport: 'tcp',
  clientId: 'alice',
  username: undefined,
  password: Buffer.from('token-text'),
  serverName: 'localhost',
  connectionId: '4b7d2f0e-0000-4000-8000-000000000000',
  ...overrides,
});

describe('buildAuthorizerEvent', () => {
  it('builds the MQTT event of aws-fidelity §2.1 with the password in base64', () => {
    expect(buildAuthorizerEvent(attempt({ username: 'alice' }), NAME)).toEqual({
      ok: true,
      value: {
        signatureVerified: false,
        protocols: ['tls', 'mqtt'],
        protocolData: {
          tls: { serverName: 'localhost' },
          mqtt: { username: 'alice', password: 'dG9rZW4tdGV4dA==', clientId: 'alice' },
        },
        connectionMetadata: { id: '4b7d2f0e-0000-4000-8000-000000000000' },
      },
    });
  });

  it('leaves out what the client did not send', () => {
    const event = buildAuthorizerEvent(attempt({ clientId: '', password: undefined }), NAME);
    expect(event.ok && event.value.protocolData.mqtt).toEqual({});
  });

  it.each([
    ['?x-amz-customauthorizer-name=NAME', ''],
    ['alice?x-amz-customauthorizer-name=NAME', 'alice'],
    ['alice?x-amz-customauthorizer-name=NAME&x-amz-customauthorizer-signature=s&v=2', 'alice?v=2'],
  ])('takes the authorizer parameters out of the username %s', (username, seen) => {
    const event = buildAuthorizerEvent(attempt({ username: username.replace('NAME', NAME) }), NAME);
    expect(event.ok && event.value.protocolData.mqtt.username).toBe(seen);
  });

  it('reads a token key from the username query of an MQTT connect', () => {
    const event = buildAuthorizerEvent(attempt({ username: 'alice?token=abc' }), NAME);
    expect(event.ok && event.value.token).toBe('abc');
  });

  it('adds the upgrade request of a WebSocket connect', () => {
    const event = buildAuthorizerEvent(
      attempt({
        transport: 'websocket',
        password: undefined,
        upgrade: {
          url: `/mqtt?x-amz-customauthorizer-name=${NAME}&token=t%2B1`,
          headers: {
            host: 'localhost:21884',
            'sec-websocket-protocol': 'mqtt',
            'x-many': ['a', 'b'],
          },
        },
      }),
      NAME,
    );
    expect(event.ok && event.value).toMatchObject({
      token: 't+1',
      protocols: ['tls', 'http', 'mqtt'],
      protocolData: {
        http: {
          headers: { host: 'localhost:21884', 'sec-websocket-protocol': 'mqtt', 'x-many': 'a,b' },
          queryString: '?token=t%2B1',
        },
        mqtt: { clientId: 'alice' },
      },
    });
  });

  it('prefers a token header over nothing, and the query over the header', () => {
    const upgrade = (url: string) => ({ url, headers: { token: 'from-header' } });
    const fromHeader = buildAuthorizerEvent(attempt({ upgrade: upgrade('/mqtt') }), NAME);
    const fromQuery = buildAuthorizerEvent(attempt({ upgrade: upgrade('/mqtt?token=q') }), NAME);
    expect(fromHeader.ok && fromHeader.value.token).toBe('from-header');
    expect(fromQuery.ok && fromQuery.value.token).toBe('q');
  });

  it.each([
    ['the username', attempt({ username: 'a?x-amz-customauthorizer-name=other' })],
    [
      'the URL',
      attempt({ upgrade: { url: '/mqtt?x-amz-customauthorizer-name=other', headers: {} } }),
    ],
    [
      'a header',
      attempt({ upgrade: { url: '/mqtt', headers: { 'x-amz-customauthorizer-name': 'other' } } }),
    ],
  ])('refuses another authorizer named in %s', (_case, connect) => {
    expect(buildAuthorizerEvent(connect, NAME)).toEqual({
      ok: false,
      code: 'invalid',
      message: 'unknown custom authorizer "other"',
    });
  });
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
