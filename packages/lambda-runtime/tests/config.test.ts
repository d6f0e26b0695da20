import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { SETTING_DEFAULTS, SETTINGS } from '../src/settings.js';

function errorOf(env: Record<string, string>, require: Parameters<typeof loadConfig>[1] = {}) {
  try {
    loadConfig(env, require);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the defaults of the table when nothing is set, and leaves the rest undefined', () => {
    expect(loadConfig({})).toEqual({
      ...SETTING_DEFAULTS,
      redisUrl: undefined,
      iotDataEndpoint: undefined,
      tokenSecret: undefined,
      tokenPublicKey: undefined,
      tokenJwksUrl: undefined,
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://:pw@cache.example.com:6379',
      IOT_DATA_ENDPOINT: 'abc123-ats.iot.eu-west-1.amazonaws.com',
      CHAT_TOPIC_PREFIX: 'game1',
      CHAT_HISTORY_SECONDS: '2',
      CHAT_HISTORY_MAX: '50',
      CHAT_MAX_TEXT: '280',
      CHAT_RATE_BURST: '3',
      CHAT_RATE_PER_SECOND: '0.5',
      CHAT_CHANNEL_RATE_PER_SECOND: '20',
      CHAT_PROFANITY: 'reject',
      CHAT_TOKEN_SECRET: 'secret',
      CHAT_TOKEN_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----',
      CHAT_TOKEN_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
      CHAT_HISTORY_REQUIRE_AUTH: 'false',
      CHAT_REDIS_KEY_PREFIX: 'gc:prod',
      CHAT_RETRY_BUDGET_MS: '5000',
      CHAT_MAX_EVENT_AGE_SECONDS: '600',
      CHAT_CHANNEL_CLASSES: 'guild-*=7d/1000',
      CHAT_PRESENCE_INTERVAL_MS: '250',
      CHAT_PRESENCE_MAX_MEMBERS: '20',
      CHAT_PRESENCE_STALE_SECONDS: '3600',
      CHAT_MAX_BLOCKS: '50',
      CHAT_REPORT_RETENTION_DAYS: '90',
    });
    expect(config).toEqual({
      redisUrl: 'rediss://:pw@cache.example.com:6379',
      iotDataEndpoint: 'https://abc123-ats.iot.eu-west-1.amazonaws.com',
      topicPrefix: 'game1',
      historySeconds: 2,
      historyMax: 50,
      maxTextLength: 280,
      rateBurst: 3,
      ratePerSecond: 0.5,
      channelRatePerSecond: 20,
      profanity: 'reject',
      tokenSecret: 'secret',
      tokenPublicKey: '-----BEGIN PUBLIC KEY-----',
      tokenJwksUrl: 'https://auth.example.com/.well-known/jwks.json',
      historyRequireAuth: false,
      redisKeyPrefix: 'gc:prod',
      retryBudgetMs: 5000,
      maxEventAgeSeconds: 600,
      channelClasses: [{ pattern: 'guild-*', retentionSeconds: 604_800, maxMessages: 1000 }],
      presenceIntervalMs: 250,
      presenceMaxMembers: 20,
      presenceStaleSeconds: 3600,
      maxBlocks: 50,
      reportRetentionDays: 90,
    });
  });

  it('keeps a local http endpoint as it is and treats blank values as unset', () => {
    const config = loadConfig({ IOT_DATA_ENDPOINT: 'http://127.0.0.1:4566', CHAT_MAX_TEXT: ' ' });
    expect(config.iotDataEndpoint).toBe('http://127.0.0.1:4566');
    expect(config.maxTextLength).toBe(500);
  });

  it.each([
    ['REDIS_URL', 'http://cache:6379', /redis:\/\//],
    ['REDIS_URL', 'not a url', /rediss:/],
    ['IOT_DATA_ENDPOINT', 'ftp://x', /host name/],
    ['IOT_DATA_ENDPOINT', 'https://x.example.com/path', /host name/],
    ['CHAT_TOPIC_PREFIX', 'chat/room', /1-32 characters/],
    ['CHAT_TOPIC_PREFIX', '#', /1-32 characters/],
    ['CHAT_HISTORY_SECONDS', '0', /whole number 1-86400/],
    ['CHAT_HISTORY_SECONDS', '1.5', /whole number/],
    ['CHAT_HISTORY_MAX', 'many', /whole number 1-10000/],
    ['CHAT_MAX_TEXT', '-1', /whole number/],
    ['CHAT_RATE_BURST', '1e3', /whole number/],
    ['CHAT_RATE_PER_SECOND', '0', /above 0/],
    ['CHAT_CHANNEL_RATE_PER_SECOND', 'fast', /above 0/],
    ['CHAT_PROFANITY', 'MASK', /mask, reject, off/],
    ['CHAT_TOKEN_JWKS_URL', 'jwks.json', /https:\/\//],
    ['CHAT_HISTORY_REQUIRE_AUTH', 'yes', /true or false/],
    ['CHAT_REDIS_KEY_PREFIX', 'gc{x}', /key|characters/],
    ['CHAT_RETRY_BUDGET_MS', '8s', /whole number 0-60000/],
    ['CHAT_RETRY_BUDGET_MS', '90000', /whole number 0-60000/],
    // Lambda's MaximumEventAgeInSeconds takes 60-21600.
    ['CHAT_MAX_EVENT_AGE_SECONDS', '59', /whole number 60-21600/],
    ['CHAT_MAX_EVENT_AGE_SECONDS', '21601', /whole number 60-21600/],
    ['CHAT_CHANNEL_CLASSES', 'guild-*', /not pattern=window\/cap/],
    ['CHAT_CHANNEL_CLASSES', 'guild-*=0s/10', /window must be 1s-30d/],
    ['CHAT_CHANNEL_CLASSES', 'guild-*=31d/10', /window must be 1s-30d/],
    ['CHAT_CHANNEL_CLASSES', 'guild-*=7d/0', /cap must be 1-10000/],
    ['CHAT_CHANNEL_CLASSES', 'guild-*=7w/10', /not pattern=window\/cap/],
    ['CHAT_CHANNEL_CLASSES', 'gu{ld}*=7d/10', /not pattern=window\/cap/],
    [
      'CHAT_CHANNEL_CLASSES',
      'guild-*=7d/10,guild-officers-*=30d/10',
      /overlaps the earlier "guild-\*"/,
    ],
  ])('refuses %s=%j with a message naming it', (variable, value, accepted) => {
    const error = errorOf({ [variable]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('config_invalid');
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable} `)).toBe(true);
    expect(error.message).toMatch(accepted);
  });

  it('never echoes a Redis password', () => {
    const error = errorOf({ REDIS_URL: 'http://:hunter2@cache:6379' });
    expect(error.message).not.toContain('hunter2');
  });

  it('enforces what the caller requires', () => {
    expect(errorOf({}, { require: ['REDIS_URL'] }).variable).toBe('REDIS_URL');
    expect(
      errorOf({ REDIS_URL: 'redis://r' }, { require: ['REDIS_URL', 'IOT_DATA_ENDPOINT'] }),
    ).toMatchObject({ variable: 'IOT_DATA_ENDPOINT' });
    expect(errorOf({}, { require: ['CHAT_TOKEN_KEY'] }).message).toMatch(/CHAT_TOKEN_JWKS_URL/);
    const config = loadConfig(
      { REDIS_URL: 'redis://r:6379', CHAT_TOKEN_JWKS_URL: 'https://a.example.com/jwks' },
      { require: ['REDIS_URL', 'CHAT_TOKEN_KEY'] },
    );
    expectTypeOf(config.redisUrl).toEqualTypeOf<string>();
    expect(config.redisUrl).toBe('redis://r:6379');
  });

  it('either accepts a value or throws ConfigError, for any input', () => {
    const variables = SETTINGS.map((setting) => setting.env);
    fc.assert(
      fc.property(fc.constantFrom(...variables), fc.string({ maxLength: 60 }), (name, value) => {
        try {
          loadConfig({ [name]: value });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).variable).toBe(name);
        }
      }),
    );
  });
});
