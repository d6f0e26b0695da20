import { createHmac, randomUUID } from 'node:crypto';
import { issuePlayerToken, MAX_CHANNEL_PATTERNS } from '@game-chat/auth/tokens';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import type { PlayerId, Role } from '@game-chat/protocol/names';
import { redisForTests, startRedisServer, type TestRedis } from '@game-chat/testing/redis-server';
import type { IoTCustomAuthorizerEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_POLICY_DOCUMENT_LENGTH, MAX_POLICY_DOCUMENTS } from '../src/policy.js';
import { type Authorize, loadBundle } from './helpers/bundle.js';
import { mqttEvent, signedMqttEvent, wssEvent } from './helpers/events.js';
import { allows } from './helpers/iot-policy.js';

const SECRET = 'authorizer-test-secret-long-enough-for-hs256';
const ARN = 'arn:aws:iot:eu-west-1:123456789012';
const keyPrefix = `auth-${randomUUID().slice(0, 8)}`;

let redis: TestRedis;
let connection: RedisConnection;
let store: ChatStore;
let authorize: Authorize;

beforeAll(async () => {
  redis = await redisForTests();
  connection = createRedisClient({ url: redis.url });
  store = createChatStore({ client: connection, keyPrefix });
  authorize = await loadBundle('main', {
    REDIS_URL: redis.url,
    CHAT_TOKEN_SECRET: SECRET,
    CHAT_REDIS_KEY_PREFIX: keyPrefix,
  });
});

afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

function token(
  sub: string,
  options: { name?: string; role?: Role; channels?: string[]; ttl?: number } = {},
) {
  const { ttl = 3600, ...claims } = options;
  return issuePlayerToken({ sub, ...claims }, { secret: SECRET }, { expiresInSeconds: ttl });
}

/** Signs claims by hand, for tokens the issuer refuses to make (expired, no exp). */
function handSigned(payload: Record<string, unknown>, secret = SECRET): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('accepted connections', () => {
  it('answers an MQTT connect with the player policy, a hex principal and the token lifetime', async () => {
    const result = await authorize(
      signedMqttEvent({ clientId: 'alice', token: await token('alice', { name: 'Alice' }) }),
    );

    expect(result.isAuthenticated).toBe(true);
    expect(result.principalId).toBe(Buffer.from('alice').toString('hex'));
    expect(result.principalId).toMatch(/^[a-zA-Z0-9]{1,128}$/);
    expect(result.disconnectAfterInSeconds).toBeGreaterThan(3590);
    expect(result.disconnectAfterInSeconds).toBeLessThanOrEqual(3600);
    expect(result.refreshAfterInSeconds).toBe(Math.min(3600, result.disconnectAfterInSeconds));
    const can = (action: string, resource: string) =>
      allows(result.policyDocuments, `iot:${action}`, `${ARN}:${resource}`);
    expect(can('Connect', 'client/alice')).toBe(true);
    expect(can('Connect', 'client/bob')).toBe(false);
    expect(can('Publish', 'topic/chat/send/Town137')).toBe(true);
    expect(can('Publish', 'topic/chat/room/Town137')).toBe(false);
    expect(can('Subscribe', 'topicfilter/chat/inbox/alice')).toBe(true);
    expect(can('Subscribe', 'topicfilter/chat/inbox/bob')).toBe(false);
    expect(can('Receive', 'topic/chat/room/Town137')).toBe(true);
  });

  it('answers a signed WebSocket upgrade, for a suffixed client id', async () => {
    const result = await authorize(wssEvent({ clientId: 'bob.tab2', token: await token('bob') }));

    expect(result.isAuthenticated).toBe(true);
    expect(allows(result.policyDocuments, 'iot:Connect', `${ARN}:client/bob.tab2`)).toBe(true);
  });

  it('takes the token IoT verified over a password naming another player', async () => {
    const result = await authorize(
      signedMqttEvent({
        clientId: 'bea',
        token: await token('bea'),
        password: await token('mallory'),
      }),
    );

    expect(result.isAuthenticated).toBe(true);
    expect(allows(result.policyDocuments, 'iot:Connect', `${ARN}:client/bea`)).toBe(true);
  });

  it('reads the MQTT password when IoT passed no token (an authorizer without signing)', async () => {
    const result = await authorize(mqttEvent({ clientId: 'pat', password: await token('pat') }));

    expect(result.isAuthenticated).toBe(true);
  });

  it('builds ARNs from the region and account of the invoked function', async () => {
    const result = await authorize(
      mqttEvent({ clientId: 'carol', password: await token('carol') }),
      {
        invokedFunctionArn:
          'arn:aws:lambda:us-east-1:210987654321:function:game-chat-authorizer:live',
      },
    );

    expect(
      allows(
        result.policyDocuments,
        'iot:Connect',
        'arn:aws:iot:us-east-1:210987654321:client/carol',
      ),
    ).toBe(true);
    expect(allows(result.policyDocuments, 'iot:Connect', `${ARN}:client/carol`)).toBe(false);
  });

  it('records the name and role in Redis for as long as the connection may last', async () => {
    const result = await authorize(
      mqttEvent({
        clientId: 'dave',
        password: await token('dave', { name: 'Dave the Mod', role: 'moderator', ttl: 900 }),
      }),
    );

    expect(await store.getProfile('dave' as PlayerId)).toEqual({
      name: 'Dave the Mod',
      role: 'moderator',
    });
    const ttlMs = Number(await connection.command(['PTTL', `${keyPrefix}:pl:{dave}`]));
    expect(ttlMs).toBeGreaterThan((result.disconnectAfterInSeconds - 5) * 1000);
    expect(ttlMs).toBeLessThanOrEqual(result.disconnectAfterInSeconds * 1000);
  });

  it('records the player id as the name when the token has none', async () => {
    await authorize(mqttEvent({ clientId: 'erin', password: await token('erin') }));

    expect(await store.getProfile('erin' as PlayerId)).toEqual({ name: 'erin', role: 'player' });
  });

  it.each([
    ['a token expiring in 60 s gets the 300 s minimum', 60, 300, 300],
    ['a token expiring in 3 days gets the 86,400 s maximum', 3 * 86_400, 86_400, 3600],
    ['a token expiring in 1,000 s gets 1,000 s', 1000, 1000, 1000],
  ])('clamps the lifetime: %s', async (_label, ttl, disconnect, refresh) => {
    const result = await authorize(
      mqttEvent({ clientId: 'frank', password: await token('frank', { ttl }) }),
    );

    expect(result.disconnectAfterInSeconds).toBeGreaterThanOrEqual(disconnect - 2);
    expect(result.disconnectAfterInSeconds).toBeLessThanOrEqual(disconnect);
    expect(result.refreshAfterInSeconds).toBeLessThanOrEqual(result.disconnectAfterInSeconds);
    expect(result.refreshAfterInSeconds).toBeGreaterThanOrEqual(
      Math.min(refresh, result.disconnectAfterInSeconds),
    );
    expect(result.refreshAfterInSeconds).toBeGreaterThanOrEqual(300);
  });

  it('keeps the largest channels claim within 10 policy documents of 2,048 characters', async () => {
    const channels = Array.from(
      { length: MAX_CHANNEL_PATTERNS },
      (_, i) => `${'c'.repeat(60)}${String(i).padStart(4, '0')}`,
    );

    const result = await authorize(
      mqttEvent({ clientId: 'gina', password: await token('gina', { channels }) }),
    );

    expect(result.isAuthenticated).toBe(true);
    expect(result.policyDocuments.length).toBeLessThanOrEqual(MAX_POLICY_DOCUMENTS);
    for (const document of result.policyDocuments) {
      expect(JSON.stringify(document).length).toBeLessThanOrEqual(MAX_POLICY_DOCUMENT_LENGTH);
    }
    expect(
      allows(result.policyDocuments, 'iot:Publish', `${ARN}:topic/chat/send/${channels.at(-1)}`),
    ).toBe(true);
    expect(allows(result.policyDocuments, 'iot:Publish', `${ARN}:topic/chat/send/Town137`)).toBe(
      false,
    );
  });
});

describe('refused connections', () => {
  /** [what, the token's player id, the event]: the player id must end up with no profile. */
  const cases: readonly [string, string, () => Promise<IoTCustomAuthorizerEvent>][] = [
    ['no token at all', 'r1', async () => mqttEvent({ clientId: 'r1' })],
    [
      'an empty password and no token',
      'r2',
      async () => mqttEvent({ clientId: 'r2', password: '' }),
    ],
    ['a WebSocket upgrade without a token', 'r3', async () => wssEvent({ clientId: 'r3' })],
    [
      'a token only in the query string, which IoT did not pass as token',
      'r19',
      async () => wssEvent({ clientId: 'r19', token: await token('r19'), tokenField: false }),
    ],
    [
      'an empty token field and no password',
      'r20',
      async () => ({ ...mqttEvent({ clientId: 'r20' }), token: '' }),
    ],
    [
      'an expired token',
      'r4',
      async () =>
        mqttEvent({ clientId: 'r4', password: handSigned({ sub: 'r4', exp: nowSeconds() - 600 }) }),
    ],
    [
      'a forged token',
      'r5',
      async () =>
        mqttEvent({
          clientId: 'r5',
          password: handSigned({ sub: 'r5', exp: nowSeconds() + 600 }, `${SECRET}-forged`),
        }),
    ],
    ['a malformed token', 'r6', async () => mqttEvent({ clientId: 'r6', password: 'not.a.jwt' })],
    [
      'a password that is not base64',
      'r7',
      async () => mqttEvent({ clientId: 'r7', rawPassword: '***not base64***' }),
    ],
    [
      'a password that decodes to invalid UTF-8',
      'r8',
      async () =>
        mqttEvent({
          clientId: 'r8',
          rawPassword: Buffer.from([0xff, 0xfe, 0xfd]).toString('base64'),
        }),
    ],
    [
      'a token without exp',
      'r9',
      async () => mqttEvent({ clientId: 'r9', password: handSigned({ sub: 'r9' }) }),
    ],
    [
      'another player client id',
      'r10',
      async () => mqttEvent({ clientId: 'bob', password: await token('r10') }),
    ],
    [
      'a client id that only starts with the player id',
      'r11',
      async () => mqttEvent({ clientId: 'r11x', password: await token('r11') }),
    ],
    ['client id +', 'r12', async () => mqttEvent({ clientId: '+', password: await token('r12') })],
    ['client id #', 'r13', async () => mqttEvent({ clientId: '#', password: await token('r13') })],
    [
      'client id with an empty suffix (r14.)',
      'r14',
      async () => mqttEvent({ clientId: 'r14.', password: await token('r14') }),
    ],
    [
      'client id with a + suffix',
      'r15',
      async () => mqttEvent({ clientId: 'r15.+', password: await token('r15') }),
    ],
    [
      'client id with two suffixes',
      'r16',
      async () => mqttEvent({ clientId: 'r16.a.b', password: await token('r16') }),
    ],
    ['no client id', 'r17', async () => mqttEvent({ password: await token('r17') })],
    [
      'a WebSocket client id of another player',
      'r18',
      async () => wssEvent({ clientId: 'bob.tab', token: await token('r18') }),
    ],
    [
      'a verified token of another player than the client id',
      'r21',
      async () => signedMqttEvent({ clientId: 'bob', token: await token('r21') }),
    ],
  ];

  it.each(cases)(
    'refuses %s without throwing and records no profile',
    async (_label, playerId, makeEvent) => {
      const result = await authorize(await makeEvent());

      expect(result).toEqual({
        isAuthenticated: false,
        principalId: 'unauthenticated',
        disconnectAfterInSeconds: 300,
        refreshAfterInSeconds: 300,
        policyDocuments: [],
      });
      expect(await store.getProfile(playerId as PlayerId)).toBeNull();
    },
  );

  it.each([
    ['null', null],
    ['a string', 'event'],
    ['a number', 0],
  ])('refuses an event that is %s without throwing', async (_label, event) => {
    const result = await authorize(event as unknown as IoTCustomAuthorizerEvent);
    expect(result).toMatchObject({ isAuthenticated: false, policyDocuments: [] });
  });

  it('refuses any generated event shape without throwing', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.base64String({ maxLength: 60 }),
    );
    const event = fc.record({
      token: fc.option(text, { nil: undefined }),
      signatureVerified: fc.boolean(),
      protocols: fc.subarray(['tls', 'http', 'mqtt'] as const),
      protocolData: fc.record(
        {
          mqtt: fc.record({ clientId: text, password: text, username: text }, { requiredKeys: [] }),
          http: fc.record({
            headers: fc.dictionary(text, text, { maxKeys: 3 }),
            queryString: text.map((q) => `?token=${q}`),
          }),
          tls: fc.record({ serverName: text }),
        },
        { requiredKeys: [] },
      ),
      connectionMetadata: fc.record({ id: fc.uuid() }),
    });
    await fc.assert(
      fc.asyncProperty(event, async (generated) => {
        const result = await authorize(generated as unknown as IoTCustomAuthorizerEvent);
        expect(result.isAuthenticated).toBe(false);
        expect(result.policyDocuments).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Redis unavailable', () => {
  it('still authenticates, because a missing display name hurts less than a refused login', async () => {
    const server = await startRedisServer();
    const offline = await loadBundle('offline', {
      REDIS_URL: server.url,
      CHAT_TOKEN_SECRET: SECRET,
      CHAT_REDIS_KEY_PREFIX: keyPrefix,
    });
    await server.stop();

    const result = await offline(mqttEvent({ clientId: 'henry', password: await token('henry') }));

    expect(result.isAuthenticated).toBe(true);
    expect(allows(result.policyDocuments, 'iot:Connect', `${ARN}:client/henry`)).toBe(true);
  });
});
