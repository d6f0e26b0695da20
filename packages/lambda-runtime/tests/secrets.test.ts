import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { secretsStub } from '@game-chat/testing/secrets-stub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { resolveSecretSettings, type SecretFetcher } from '../src/secrets.js';

const REDIS_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:game-chat/redis-AbCdEf';
const TOKEN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:game-chat/token-XyZ123';

function fetcherOf(values: Record<string, string>): SecretFetcher & { calls: string[] } {
  const stub = secretsStub(values);
  return Object.assign(stub.fetch, { calls: stub.asked });
}

describe('resolveSecretSettings', () => {
  it('returns the environment unchanged and reads nothing when no secret ARN is set', async () => {
    const fetch = fetcherOf({});
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', CHAT_TOKEN_SECRET: 'x'.repeat(32) };
    await expect(resolveSecretSettings(env, fetch)).resolves.toEqual(env);
    expect(fetch.calls).toEqual([]);
  });

  it('puts the AUTH token into REDIS_URL as its password, encoded so any token survives', async () => {
    const token = 'Ab1!&#$^<>-tokenWithSymbols';
    const env = await resolveSecretSettings(
      { REDIS_URL: 'rediss://primary.cache.local:6379', CHAT_REDIS_AUTH_SECRET_ARN: REDIS_SECRET },
      fetcherOf({ [REDIS_SECRET]: token }),
    );
    const url = new URL(env.REDIS_URL ?? '');
    expect(url.protocol).toBe('rediss:');
    expect(url.host).toBe('primary.cache.local:6379');
    expect(decodeURIComponent(url.password)).toBe(token);
    // The result is what loadConfig accepts.
    expect(loadConfig(env, { require: ['REDIS_URL'] }).redisUrl).toBe(env.REDIS_URL);
  });

  it('sets CHAT_TOKEN_SECRET from its secret unless the plain variable is already set', async () => {
    const fetch = fetcherOf({ [TOKEN_SECRET]: 's'.repeat(40) });
    const fromSecret = await resolveSecretSettings({ CHAT_TOKEN_SECRET_ARN: TOKEN_SECRET }, fetch);
    expect(fromSecret.CHAT_TOKEN_SECRET).toBe('s'.repeat(40));
    const explicit = await resolveSecretSettings(
      { CHAT_TOKEN_SECRET_ARN: TOKEN_SECRET, CHAT_TOKEN_SECRET: 'e'.repeat(32) },
      fetch,
    );
    expect(explicit.CHAT_TOKEN_SECRET).toBe('e'.repeat(32));
    expect(fetch.calls).toEqual([TOKEN_SECRET]);
  });

  it.each([
    ['a value that is not a secret ARN', { CHAT_TOKEN_SECRET_ARN: 'my-secret' }],
    ['a secret that cannot be read', { CHAT_TOKEN_SECRET_ARN: `${TOKEN_SECRET}-missing` }],
  ])('stops start-up naming the variable for %s', async (_case, env) => {
    const error = await resolveSecretSettings(env, fetcherOf({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'config_invalid', variable: 'CHAT_TOKEN_SECRET_ARN' });
  });

  it('refuses an AUTH secret without a REDIS_URL to put it in', async () => {
    const error = await resolveSecretSettings(
      { CHAT_REDIS_AUTH_SECRET_ARN: REDIS_SECRET },
      fetcherOf({ [REDIS_SECRET]: 'token-token-token' }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config_invalid', variable: 'REDIS_URL' });
  });
});

describe('resolveSecretSettings with the AWS SDK (real HTTP)', () => {
  const requests: { target: string | undefined; body: unknown }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const parsed = JSON.parse(body) as { SecretId: string };
    requests.push({ target: req.headers['x-amz-target'] as string | undefined, body: parsed });
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end(JSON.stringify({ ARN: parsed.SecretId, Name: 'token', SecretString: 'from-sdk' }));
  });
  const saved = { ...process.env };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the secret with GetSecretValue once at start-up', async () => {
    const env = await resolveSecretSettings({ CHAT_TOKEN_SECRET_ARN: TOKEN_SECRET });
    expect(env.CHAT_TOKEN_SECRET).toBe('from-sdk');
    expect(requests).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: TOKEN_SECRET } },
    ]);
  });
});
