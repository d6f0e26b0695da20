import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUTHORIZER_NAME_PARAM,
  AUTHORIZER_SIGNATURE_PARAM,
  customAuthQuery,
  customAuthUrl,
  customAuthUsername,
  isBase64,
  readSignedToken,
  validateAuthorizerName,
  validateTokenKeyName,
} from '../src/custom-auth.js';
import { anyValue, expectFailure, expectOk, expectWellFormed, HOSTILE_VALUES } from './support.js';

/** A signature with every base64 character that needs URL-encoding. */
const SIGNATURE = 'ab+/cd==';
const credentials = {
  authorizerName: 'game-chat-token-authorizer',
  tokenKeyName: 'token',
  token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln',
  signature: SIGNATURE,
};

/** Decodes a query string the way a server does (no `URLSearchParams`: this package has no DOM). */
function decodeQuery(query: string): Map<string, string> {
  return new Map(
    query.split('&').map((pair) => {
      const [key = '', value = ''] = pair.split('=');
      return [decodeURIComponent(key), decodeURIComponent(value)];
    }),
  );
}

describe('customAuthQuery', () => {
  it('names the authorizer, the signature and the token under its key, URL-encoded', () => {
    expect(customAuthQuery(credentials)).toBe(
      `${AUTHORIZER_NAME_PARAM}=game-chat-token-authorizer&${AUTHORIZER_SIGNATURE_PARAM}=ab%2B%2Fcd%3D%3D&token=${credentials.token}`,
    );
  });

  it('leaves the name out for a default authorizer, and uses the configured token key', () => {
    const query = customAuthQuery({
      ...credentials,
      authorizerName: undefined,
      tokenKeyName: 'PlayerToken',
    });
    expect([...decodeQuery(query).keys()]).toEqual([AUTHORIZER_SIGNATURE_PARAM, 'PlayerToken']);
  });

  it('round-trips every value through URL decoding', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.base64String({ minLength: 4 }), (token, sig) => {
        const decoded = decodeQuery(customAuthQuery({ ...credentials, token, signature: sig }));
        expect(decoded.get('token')).toBe(token);
        expect(decoded.get(AUTHORIZER_SIGNATURE_PARAM)).toBe(sig);
      }),
    );
  });
});

describe('customAuthUrl and customAuthUsername', () => {
  it('adds the credentials to a WebSocket URL, after its own query if it has one', () => {
    const endpoint = 'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt';
    expect(customAuthUrl(endpoint, credentials)).toBe(
      `${endpoint}?${customAuthQuery(credentials)}`,
    );
    expect(customAuthUrl(`${endpoint}?v=1`, credentials)).toBe(
      `${endpoint}?v=1&${customAuthQuery(credentials)}`,
    );
  });

  it('puts the credentials after the user name, as IoT Core reads an MQTT CONNECT', () => {
    const username = customAuthUsername('alice', credentials);
    const [base, query] = username.split('?');
    expect(base).toBe('alice');
    expect(decodeQuery(query as string).get(AUTHORIZER_NAME_PARAM)).toBe(
      credentials.authorizerName,
    );
  });
});

describe('readSignedToken', () => {
  it('reads a token and a base64 signature, ignoring other fields', () => {
    expect(expectOk(readSignedToken({ ...credentials, extra: 1 }))).toEqual({
      token: credentials.token,
      signature: SIGNATURE,
    });
  });

  it.each<[string, unknown, 'invalid' | 'too_long']>([
    ['no object', 'token', 'invalid'],
    ['no token', { signature: SIGNATURE }, 'invalid'],
    ['an empty token', { token: '', signature: SIGNATURE }, 'invalid'],
    ['a token over 8 KiB', { token: 'a'.repeat(8193), signature: SIGNATURE }, 'too_long'],
    ['a token with a lone surrogate', { token: 'a\uD800b', signature: SIGNATURE }, 'invalid'],
    ['no signature', { token: 't' }, 'invalid'],
    ['a base64url signature', { token: 't', signature: 'ab-_cd==' }, 'invalid'],
    ['a URL-encoded signature', { token: 't', signature: 'ab%2B%2Fcd%3D%3D' }, 'invalid'],
    ['a signature with a line break', { token: 't', signature: 'abcd\nabcd' }, 'invalid'],
    ['an inherited token', Object.create({ token: 't', signature: SIGNATURE }), 'invalid'],
    ['a signature over 1024 characters', { token: 't', signature: 'A'.repeat(1028) }, 'invalid'],
  ])('refuses %s', (_case, value, code) => {
    expectFailure(readSignedToken(value), code);
  });

  it.each(HOSTILE_VALUES)('refuses %s without throwing', (_label, value) => {
    expectWellFormed(readSignedToken(value));
  });

  it('answers any value with a well-formed result', () => {
    fc.assert(fc.property(anyValue, (value) => expectWellFormed(readSignedToken(value))));
  });
});

describe('names', () => {
  it.each(['game-chat-token-authorizer', 'a', 'x=y,z@w_1', 'n'.repeat(128)])(
    'accepts the authorizer name %s',
    (name) => {
      expect(expectOk(validateAuthorizerName(name))).toBe(name);
    },
  );

  it.each(['', 'has space', 'a/b', 'n'.repeat(129), 42])(
    'refuses the authorizer name %s',
    (name) => {
      expectFailure(validateAuthorizerName(name), 'invalid');
    },
  );

  it.each(['token', 'Player_Token-1'])('accepts the token key name %s', (name) => {
    expect(expectOk(validateTokenKeyName(name))).toBe(name);
  });

  it.each(['', 'a=b', 'a,b', 'k'.repeat(129), null])('refuses the token key name %s', (name) => {
    expectFailure(validateTokenKeyName(name), 'invalid');
  });

  it('tells standard base64 from everything else', () => {
    expect(isBase64('QUJD')).toBe(true);
    expect(isBase64('QUI=')).toBe(true);
    expect(isBase64('QUI')).toBe(false);
    expect(isBase64('')).toBe(false);
  });
});
