import { LocalStackConfigError } from '@game-chat/aws-emulator';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, readCliOptions } from '../src/cli-options.js';

describe('readCliOptions', () => {
  it('uses ports away from the standard ones, and readable logs at a terminal', () => {
    expect(readCliOptions({}, true)).toEqual({
      mqttPort: 21883,
      wsPort: 21884,
      apiPort: 21880,
      iotDataPort: 21881,
      webPort: 21800,
      host: '127.0.0.1',
      log: 'pretty',
      settings: {},
    });
    const standard = [1883, 6379, 5432, 3306, 5672, 4222, 80, 443, 8080];
    expect(Object.values(DEFAULT_PORTS).some((port) => standard.includes(port))).toBe(false);
  });

  it('logs JSON when stdout is not a terminal, unless CHAT_LOG says otherwise', () => {
    expect(readCliOptions({}, false).log).toBe('json');
    expect(readCliOptions({ CHAT_LOG: 'pretty' }, false).log).toBe('pretty');
    expect(readCliOptions({ CHAT_LOG: 'json' }, true).log).toBe('json');
  });

  it('reads every variable, and passes the other CHAT_* ones to the Lambdas', () => {
    const options = readCliOptions(
      {
        CHAT_MQTT_PORT: '0',
        CHAT_WS_PORT: '1884',
        REDIS_URL: 'redis://cache:6379',
        CHAT_TOKEN_SECRET: 's'.repeat(40),
        CHAT_TOPIC_PREFIX: 'game',
        CHAT_HOST: '0.0.0.0',
        CHAT_WEB_ROOT: '/srv/demo',
        CHAT_RATE_BURST: '10',
        CHAT_PROFANITY: 'reject',
        CHAT_AUTHORIZER_NAME: 'game-chat-dev-token-authorizer',
        CHAT_AUTHORIZER_TOKEN_KEY_NAME: 'PlayerToken',
        CHAT_AUTHORIZER_SIGNING_KEY: 'PEM',
        CHAT_CREATE_DOMAIN_CONFIGURATION: 'true',
        CHAT_FILTER_MAXIMUM_EVENT_AGE_IN_SECONDS: '600',
        CHAT_FILTER_MAXIMUM_RETRY_ATTEMPTS: '1',
        CHAT_LAMBDA_DELAY_SCALE: '0.01',
        CHAT_CORS_ORIGINS: 'https://game.example.com, http://localhost:21800',
        HOME: '/root',
      },
      false,
    );
    expect(options).toMatchObject({
      mqttPort: 0,
      wsPort: 1884,
      redisUrl: 'redis://cache:6379',
      tokenSecret: 's'.repeat(40),
      topicPrefix: 'game',
      host: '0.0.0.0',
      webRoot: '/srv/demo',
      authorizerName: 'game-chat-dev-token-authorizer',
      tokenKeyName: 'PlayerToken',
      authorizerSigningKey: 'PEM',
      createDomainConfiguration: true,
      // Lambda's async invoke config is the stack's, not a Lambda setting.
      maximumEventAgeInSeconds: 600,
      maximumRetryAttempts: 1,
      lambdaDelayScale: 0.01,
      // API Gateway's CORS, as Terraform configures it on the API.
      corsOrigins: ['https://game.example.com', 'http://localhost:21800'],
    });
    // The authorizer's, the async invoke and the CORS settings are IoT Core's, Lambda's and API
    // Gateway's, not the functions'.
    expect(options.settings).toEqual({ CHAT_RATE_BURST: '10', CHAT_PROFANITY: 'reject' });
    expect(readCliOptions({ CHAT_CREATE_DOMAIN_CONFIGURATION: 'false' }, false)).toMatchObject({
      createDomainConfiguration: false,
    });
  });

  it('treats blank variables as unset', () => {
    expect(readCliOptions({ REDIS_URL: ' ', CHAT_API_PORT: '' }, false)).toMatchObject({
      apiPort: 21880,
    });
    expect(readCliOptions({ REDIS_URL: ' ' }, false)).not.toHaveProperty('redisUrl');
  });

  it.each([
    ['CHAT_API_PORT', 'http'],
    ['CHAT_MQTT_PORT', '65536'],
    ['CHAT_WEB_PORT', '-1'],
    ['CHAT_LOG', 'verbose'],
    ['CHAT_CREATE_DOMAIN_CONFIGURATION', 'yes'],
    ['CHAT_LAMBDA_DELAY_SCALE', 'fast'],
    ['CHAT_FILTER_MAXIMUM_RETRY_ATTEMPTS', '-1'],
  ])('names %s when it is %s', (variable, value) => {
    expect(() => readCliOptions({ [variable]: value }, false)).toThrow(
      expect.objectContaining({ setting: variable }) as unknown as Error,
    );
    expect(() => readCliOptions({ [variable]: value }, false)).toThrow(LocalStackConfigError);
  });
});
