import { describe, expect, it } from 'vitest';
import {
  type ConnectTarget,
  connectTarget,
  type OpenConnectionOptions,
} from '../src/connection.js';

const SIGNATURE = 'ab+/cd==';
const ENCODED_SIGNATURE = 'ab%2B%2Fcd%3D%3D';
const base: OpenConnectionOptions = {
  url: 'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt',
  clientId: 'alice.tab1',
  credentials: { token: 'h.p.s', signature: SIGNATURE },
  customAuth: { authorizerName: 'game-chat-token-authorizer', tokenKeyName: 'token' },
  keepaliveSeconds: 30,
  connectTimeoutMs: 1000,
};
const target = (overrides: Partial<OpenConnectionOptions>): ConnectTarget =>
  connectTarget({ ...base, ...overrides });
const unsigned = { token: 'h.p.s', signature: undefined };

describe('connectTarget: where the credentials go, as IoT Core reads them', () => {
  it('puts a signed token in the WebSocket URL, the signature URL-encoded, and no password', () => {
    expect(target({})).toEqual({
      url: `${base.url}?x-amz-customauthorizer-name=game-chat-token-authorizer&x-amz-customauthorizer-signature=${ENCODED_SIGNATURE}&token=h.p.s`,
      username: '',
    });
  });

  it('puts a signed token in the user name query string over TCP', () => {
    expect(target({ url: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com:443' })).toEqual({
      url: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com:443',
      username: `alice.tab1?x-amz-customauthorizer-name=game-chat-token-authorizer&x-amz-customauthorizer-signature=${ENCODED_SIGNATURE}&token=h.p.s`,
    });
  });

  it('uses the token key name, and names no authorizer for a default authorizer', () => {
    const { url } = target({
      customAuth: { authorizerName: undefined, tokenKeyName: 'PlayerToken' },
    });
    expect(url).toBe(
      `${base.url}?x-amz-customauthorizer-signature=${ENCODED_SIGNATURE}&PlayerToken=h.p.s`,
    );
  });

  it('sends an unsigned token as the password, with only the authorizer name beside it', () => {
    expect(target({ credentials: unsigned })).toEqual({
      url: `${base.url}?x-amz-customauthorizer-name=game-chat-token-authorizer`,
      username: '',
      password: 'h.p.s',
    });
    expect(target({ credentials: unsigned, url: 'mqtt://127.0.0.1:1883' })).toEqual({
      url: 'mqtt://127.0.0.1:1883',
      username: 'alice.tab1?x-amz-customauthorizer-name=game-chat-token-authorizer',
      password: 'h.p.s',
    });
    expect(
      target({
        credentials: unsigned,
        customAuth: { authorizerName: undefined, tokenKeyName: 'token' },
      }),
    ).toEqual({ url: base.url, username: '', password: 'h.p.s' });
  });
});
