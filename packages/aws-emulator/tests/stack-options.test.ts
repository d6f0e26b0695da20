import { ConfigError } from '@game-chat/lambda-runtime/config';
import { describe, expect, it } from 'vitest';
import { createLocalStack, LocalStackConfigError } from '../src/stack.js';

type StackOptions = Parameters<typeof createLocalStack>[0];

/** Options that pass one Lambda setting, and the name the refusal must give: the setting's own. */
const lambdaSetting = (name: string, value: string): [StackOptions, string] => [
  { settings: { [name]: value } },
  name,
];

/** Bad options stop createLocalStack before it starts anything (no Redis, no port is opened). */
describe('createLocalStack options', () => {
  it.each<[string, StackOptions, string]>([
    ['a Lambda setting out of range', ...lambdaSetting('CHAT_HISTORY_SECONDS', '0')],
    ['an unknown profanity policy', ...lambdaSetting('CHAT_PROFANITY', 'sometimes')],
    ['a topic prefix with a slash', { topicPrefix: 'chat/x' }, 'CHAT_TOPIC_PREFIX'],
  ])('refuses %s with a ConfigError naming it', async (_case, options, variable) => {
    await expect(createLocalStack({ ...options, log: 'silent' })).rejects.toThrow(
      expect.objectContaining({ variable }) as unknown as Error,
    );
    await expect(createLocalStack({ ...options, log: 'silent' })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it.each<[string, StackOptions, string]>([
    ['a token secret shorter than 32 bytes', { tokenSecret: 'short' }, 'CHAT_TOKEN_SECRET'],
    ['a setting that is not CHAT_*', ...lambdaSetting('REDIS_URL', 'redis://x')],
    ['a port out of range', { apiPort: 70_000 }, 'apiPort'],
    ['a CORS origin that is not an origin', { corsOrigins: ['game.example'] }, 'CHAT_CORS_ORIGINS'],
    ['a CORS origin with a path', { corsOrigins: ['https://a.example/x'] }, 'CHAT_CORS_ORIGINS'],
    [
      'CORS origins given as a Lambda setting (API Gateway answers CORS)',
      ...lambdaSetting('CHAT_CORS_ORIGINS', '*'),
    ],
    ['an authorizer name with a space', { authorizerName: 'my auth' }, 'CHAT_AUTHORIZER_NAME'],
    ['a token key name with =', { tokenKeyName: 'a=b' }, 'CHAT_AUTHORIZER_TOKEN_KEY_NAME'],
    [
      'a signing key that is not a PEM private key',
      { authorizerSigningKey: 'not a key' },
      'CHAT_AUTHORIZER_SIGNING_KEY',
    ],
    // Lambda's bounds for the event-invoke config, and the schedule may only be shortened.
    ['an event age below a minute', { maximumEventAgeInSeconds: 59 }, 'maximumEventAgeInSeconds'],
    ['more than two async retries', { maximumRetryAttempts: 3 }, 'maximumRetryAttempts'],
    ['a delay scale of 0', { lambdaDelayScale: 0 }, 'lambdaDelayScale'],
    ['a delay scale above 1', { lambdaDelayScale: 2 }, 'lambdaDelayScale'],
    [
      'the filter age set apart from the event-invoke config',
      ...lambdaSetting('CHAT_MAX_EVENT_AGE_SECONDS', '60'),
    ],
    [
      "a retry budget that does not end before the filter's timeout",
      ...lambdaSetting('CHAT_RETRY_BUDGET_MS', '10000'),
    ],
  ])('refuses %s naming it', async (_case, options, setting) => {
    const attempt = createLocalStack({ ...options, log: 'silent' });
    await expect(attempt).rejects.toBeInstanceOf(LocalStackConfigError);
    await expect(attempt).rejects.toMatchObject({ setting });
  });
});
