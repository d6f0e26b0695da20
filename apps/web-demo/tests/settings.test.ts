import { errorThrownBy } from '@game-chat/testing/rejection';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '../src/settings.js';

const LOCAL = {
  endpoint: 'ws://127.0.0.1:21884/mqtt',
  apiUrl: 'http://127.0.0.1:21880',
  authorizerName: 'game-chat-token-authorizer',
  tokenKeyName: 'token',
  devTokenUrl: 'http://127.0.0.1:21880/dev/tokens',
};

const fieldOf = (action: () => unknown) => errorThrownBy(action, SettingsError)?.field;

describe('readSettings', () => {
  it('reads the local stack config.json, with the default text limit', () => {
    expect(readSettings(LOCAL)).toEqual({ ...LOCAL, maxTextLength: 500 });
  });

  it('reads what the deploy script writes for AWS: no dev token URL', () => {
    const aws = {
      endpoint: 'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt',
      authorizerName: 'game-chat-dev-token-authorizer',
      tokenKeyName: 'PlayerToken',
      apiUrl: 'https://xyz.execute-api.eu-west-1.amazonaws.com',
    };
    expect(readSettings(aws)).toEqual({ ...aws, maxTextLength: 500 });
  });

  it('trims, treats empty and null fields as absent, ignores unknown keys', () => {
    expect(
      readSettings({
        endpoint: `  ${LOCAL.endpoint} `,
        apiUrl: LOCAL.apiUrl,
        authorizerName: '',
        devTokenUrl: null,
        topicPrefix: 'game/chat',
        maxTextLength: 280,
        extra: { anything: true },
      }),
    ).toEqual({
      endpoint: LOCAL.endpoint,
      apiUrl: LOCAL.apiUrl,
      topicPrefix: 'game/chat',
      maxTextLength: 280,
    });
  });

  it('names the field that is missing, mistyped or the wrong kind of URL', () => {
    const cases: [unknown, string][] = [
      [null, 'config'],
      [[LOCAL], 'config'],
      ['{}', 'config'],
      [{ ...LOCAL, endpoint: undefined }, 'endpoint'],
      [{ ...LOCAL, endpoint: '   ' }, 'endpoint'],
      [{ ...LOCAL, endpoint: 'http://127.0.0.1/mqtt' }, 'endpoint'],
      [{ ...LOCAL, endpoint: 'not a url' }, 'endpoint'],
      [{ ...LOCAL, apiUrl: 'ftp://h' }, 'apiUrl'],
      [{ ...LOCAL, apiUrl: 42 }, 'apiUrl'],
      [{ ...LOCAL, devTokenUrl: 'javascript:alert(1)' }, 'devTokenUrl'],
      [{ ...LOCAL, authorizerName: ['a'] }, 'authorizerName'],
      [{ ...LOCAL, tokenKeyName: 7 }, 'tokenKeyName'],
      [{ ...LOCAL, maxTextLength: 0 }, 'maxTextLength'],
      [{ ...LOCAL, maxTextLength: 2.5 }, 'maxTextLength'],
      [{ ...LOCAL, maxTextLength: '500' }, 'maxTextLength'],
      [{ ...LOCAL, maxTextLength: 4001 }, 'maxTextLength'],
    ];
    for (const [input, field] of cases) expect(fieldOf(() => readSettings(input))).toBe(field);
  });

  it('never throws anything but SettingsError, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), (value, object) => {
        for (const input of [value, object, { ...LOCAL, ...object }]) {
          // Returns, or throws a SettingsError: anything else fails here.
          fieldOf(() => readSettings(input));
        }
      }),
    );
  });
});
