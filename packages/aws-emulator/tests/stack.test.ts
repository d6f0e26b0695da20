import { generateKeyPairSync } from 'node:crypto';
import { signTokenForAuthorizer } from '@game-chat/auth/signing';
import { DEVELOPMENT_TOKEN_SECRET } from '@game-chat/auth/tokens';
import {
  closed,
  connect,
  endAll,
  type Received,
  record,
  subscribe,
  waitFor,
} from '@game-chat/testing/mqtt-client';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { connectSigned, joinAs, parse } from './helpers/chat.js';
import { signJwt } from './helpers/jwt.js';
import { localStackForFile } from './helpers/local-stack.js';

/**
 * The whole stack with the real Lambda bundles, a real Redis and real MQTT clients over TCP and
 * WebSocket: what a game client sees.
 */

const file = localStackForFile(
  { settings: { CHAT_RATE_BURST: '3', CHAT_RATE_PER_SECOND: '0.2' } },
  endAll,
);

const send = (client: MqttClient, channel: string, text: string, clientMsgId?: string) =>
  client.publishAsync(`chat/send/${channel}`, JSON.stringify({ text, clientMsgId }), { qos: 1 });

async function history(channel: string, token: string) {
  const response = await fetch(`${file.stack.urls.api}/channels/${channel}/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('chat through the local stack', () => {
  it('two players chat in Town137 over TCP and WebSocket; a player in Town138 gets nothing', async () => {
    const alice = await joinAs(file.stack, 'alice', { name: 'Alice' });
    const bob = await joinAs(file.stack, 'bob', { name: 'Bob', transport: 'ws' });
    const carol = await joinAs(file.stack, 'carol', { transport: 'ws' });
    const [aliceGot, bobGot, carolGot] = [record(alice), record(bob), record(carol)];
    await subscribe(alice, 'chat/room/Town137');
    await subscribe(bob, 'chat/room/Town137');
    await subscribe(carol, 'chat/room/Town138');

    await send(alice, 'Town137', 'hello from alice', 'a-1');
    await waitFor('bob to get alice', () => bobGot.length === 1);
    await send(bob, 'Town137', 'hi alice', 'b-1');
    await waitFor('alice to get both', () => aliceGot.length === 2);

    expect(parse(bobGot[0] as Received)).toEqual({
      v: 1,
      id: expect.stringMatching(/^\d+-\d+$/),
      kind: 'chat',
      channel: 'Town137',
      from: { id: 'alice', name: 'Alice' },
      text: 'hello from alice',
      sentAt: expect.any(Number),
      clientMsgId: 'a-1',
    });
    expect(aliceGot.map((message) => parse(message))).toMatchObject([
      { from: { id: 'alice' }, text: 'hello from alice' },
      { from: { id: 'bob', name: 'Bob' }, text: 'hi alice' },
    ]);
    // A marker in Town138 proves carol listens, and that nothing from Town137 came first.
    await send(carol, 'Town138', 'anyone?');
    await waitFor('carol to get her room', () => carolGot.length === 1);
    expect(carolGot.map((message) => parse(message))).toMatchObject([{ channel: 'Town138' }]);
  });

  it('serves the history of a channel to a player who joins later', async () => {
    const dave = await joinAs(file.stack, 'dave', { name: 'Dave' });
    const daveGot = record(dave);
    await subscribe(dave, 'chat/room/Lobby');
    await send(dave, 'Lobby', 'first');
    await send(dave, 'Lobby', 'second');
    await waitFor('both messages to be stored and published', () => daveGot.length === 2);

    const token = await file.stack.issueToken('erin');
    const { status, body } = await history('Lobby', token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ channel: 'Lobby', recovered: true, retentionSeconds: 30 });
    expect((body.messages as { text: string }[]).map((message) => message.text)).toEqual([
      'first',
      'second',
    ]);
    expect(body.messages).toEqual(daveGot.map(parse));
  });

  it('sends the rate-limit notice to the sender inbox only', async () => {
    const frank = await joinAs(file.stack, 'frank');
    const grace = await joinAs(file.stack, 'grace');
    const [frankGot, graceGot] = [record(frank), record(grace)];
    await subscribe(frank, ['chat/inbox/frank', 'chat/room/Busy']);
    await subscribe(grace, ['chat/inbox/grace', 'chat/room/Busy']);
    for (let index = 1; index <= 5; index++)
      await send(frank, 'Busy', `message ${index}`, `f-${index}`);

    await waitFor('a notice on frank inbox', () =>
      frankGot.some((message) => message.topic === 'chat/inbox/frank'),
    );
    await waitFor('the three admitted messages', () => graceGot.length === 3);
    const notice = frankGot.find((message) => message.topic === 'chat/inbox/frank');
    expect(notice && parse(notice)).toMatchObject({
      v: 1,
      kind: 'notice',
      code: 'rate_limited',
      clientMsgId: expect.stringMatching(/^f-[45]$/),
      retryAfterMs: expect.any(Number),
    });
    expect(graceGot.every((message) => message.topic === 'chat/room/Busy')).toBe(true);
  });

  it('kicks the first connection when a second one uses the same client id', async () => {
    const first = await joinAs(file.stack, 'henry', { clientId: 'henry.tab1' });
    const second = await joinAs(file.stack, 'henry', { clientId: 'henry.tab1', transport: 'ws' });
    await closed(first);
    expect(second.connected).toBe(true);
  });

  it("refuses a Data Plane publish outside the Lambdas' iot:Publish scope, as IAM does", async () => {
    const before = file.stack.stats().rules.chat_send?.matched ?? 0;
    // A republish into a send topic would loop through the rules; the role does not allow it.
    const loop = await fetch(
      `${file.stack.urls.iotData}/topics/${encodeURIComponent('chat/send/Loop')}?qos=1`,
      { method: 'POST', body: JSON.stringify({ text: 'from http' }) },
    );
    expect(loop.status).toBe(403);
    expect(loop.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    const room = await fetch(`${file.stack.urls.iotData}/topics/chat/room/Loop?qos=1`, {
      method: 'POST',
      body: '{}',
    });
    expect(room.status).toBe(200);
    expect(file.stack.stats().rules.chat_send?.matched ?? 0).toBe(before);
  });
});

describe('authorization matrix (real authorizer)', () => {
  const now = () => Math.floor(Date.now() / 1000);
  // Each token is signed for IoT Core, so that the authorizer itself has to refuse it.
  const tokens: Record<string, () => Promise<string>> = {
    valid: () => file.stack.issueToken('ivy'),
    expired: async () =>
      signJwt({ sub: 'ivy', role: 'player', exp: now() - 600 }, DEVELOPMENT_TOKEN_SECRET),
    forged: async () => signJwt({ sub: 'ivy', role: 'player', exp: now() + 600 }, 'x'.repeat(48)),
  };

  const refusedConnects: [string, string, string][] = [
    ['as another player', 'valid', 'mallory'],
    ['with an expired token', 'expired', 'ivy'],
    ['with a forged token', 'forged', 'ivy'],
  ];
  it.each(refusedConnects)('refuses to connect %s', async (_case, token, clientId) => {
    const signed = file.stack.signToken(await (tokens[token] as () => Promise<string>)());
    await expect(connectSigned(file.stack.urls.mqtt, signed, { clientId })).rejects.toMatchObject({
      code: 5,
    });
  });

  const refusedPublishes: [string, string, 0 | 1 | 2, string | Buffer][] = [
    ['to a room', 'chat/room/Town137', 1, '{"text":"spoof"}'],
    ["to someone else's inbox", 'chat/inbox/bob', 1, '{"text":"spoof"}'],
    ['with QoS 2', 'chat/send/Town137', 2, '{"text":"qos2"}'],
    ['a payload over 128 KB', 'chat/send/Town137', 1, Buffer.alloc(128 * 1024 + 1, 0x61)],
    ['to a topic of 9 levels', 'chat/send/Town137/a/b/c/d/e/f', 1, '{"text":"deep"}'],
  ];
  let markers = 0;
  it.each(refusedPublishes)(
    'refuses to publish %s and closes the connection',
    async (_case, topic, qos, payload) => {
      const watcher = await joinAs(file.stack, 'watcher');
      const watched = record(watcher);
      await subscribe(watcher, ['chat/room/Town137', 'chat/inbox/watcher']);
      const ivy = await joinAs(file.stack, 'ivy');
      ivy.publish(topic, payload, { qos });
      await closed(ivy);
      // The watcher is unaffected and saw nothing of it. A new sender each time: the rate limit.
      const marker = await joinAs(file.stack, `marker${++markers}`);
      await send(marker, 'Town137', 'marker');
      await waitFor('the marker', () => watched.length >= 1);
      expect(watched.map((message) => parse(message))).toMatchObject([{ text: 'marker' }]);
    },
  );

  const refusedFilters: [string, string][] = [
    ["another player's inbox", 'chat/inbox/bob'],
    ['every chat topic', 'chat/#'],
    ['the send topics', 'chat/send/+'],
  ];
  it.each(refusedFilters)('refuses a subscription to %s', async (_case, filter) => {
    const ivy = await joinAs(file.stack, 'ivy');
    expect(await subscribe(ivy, [filter, 'chat/inbox/ivy'])).toEqual([128, 1]);
  });
});

describe("IoT Core's checks before the authorizer (signed custom authorizer)", () => {
  const invocations = () => file.stack.stats().broker.authorizerInvocations;
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  /** Connects over `transport`, expecting CONNACK 5 and no call of the authorizer Lambda. */
  async function expectRefusedUnheard(attempt: () => Promise<MqttClient>): Promise<void> {
    const before = invocations();
    await expect(attempt()).rejects.toMatchObject({ code: 5 });
    expect(invocations()).toBe(before);
  }

  it('invokes the authorizer once for a signed connect, over TCP and WebSocket', async () => {
    const before = invocations();
    await joinAs(file.stack, 'kim');
    await joinAs(file.stack, 'kim', { clientId: 'kim.ws', transport: 'ws' });
    expect(invocations()).toBe(before + 2);
  });

  describe.each([
    ['TCP (user name query string)', () => file.stack.urls.mqtt],
    ['WebSocket (URL query)', () => file.stack.urls.ws],
  ])('over %s', (_transport, url) => {
    const signedFor = async (playerId: string) => file.stack.issueSignedToken(playerId);
    const cases: [string, () => Promise<Parameters<typeof connectSigned>[1]>][] = [
      ['no signature', async () => ({ ...(await signedFor('kim')), signature: '' })],
      [
        'a signature that is not base64',
        async () => ({ ...(await signedFor('kim')), signature: 'not base64!' }),
      ],
      [
        'the signature of another token',
        async () => ({
          ...(await signedFor('kim')),
          signature: (await signedFor('kim2')).signature,
        }),
      ],
      [
        'a token changed after signing',
        async () => {
          const signed = await signedFor('kim');
          return { ...signed, token: `${signed.token.slice(0, -2)}AA` };
        },
      ],
      [
        'a signature by another key',
        async () => {
          const signed = await signedFor('kim');
          return { ...signed, signature: signTokenForAuthorizer(signed.token, otherKey) };
        },
      ],
      [
        'no authorizer name',
        async () => ({ ...(await signedFor('kim')), authorizerName: undefined }),
      ],
      [
        'another authorizer name',
        async () => ({ ...(await signedFor('kim')), authorizerName: 'other' }),
      ],
      [
        'the token under another key',
        async () => ({ ...(await signedFor('kim')), tokenKeyName: 'jwt' }),
      ],
    ];
    it.each(cases)('refuses %s without invoking the authorizer', async (_case, credentials) => {
      const given = await credentials();
      await expectRefusedUnheard(() => connectSigned(url(), given, { clientId: 'kim' }));
    });
  });

  it('refuses the token as an MQTT password alone (unsigned) without invoking the authorizer', async () => {
    const token = await file.stack.issueToken('kim');
    await expectRefusedUnheard(() =>
      connect(file.stack.urls.mqtt, {
        clientId: 'kim',
        username: `kim?x-amz-customauthorizer-name=${file.stack.authorizerName}`,
        password: token,
      }),
    );
  });
});

describe('HTTP API emulation', () => {
  it('answers an unknown route with API Gateway 404', async () => {
    const response = await fetch(`${file.stack.urls.api}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('answers a CORS preflight itself', async () => {
    const response = await fetch(`${file.stack.urls.api}/channels/Town137/messages`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:21800', 'access-control-request-method': 'GET' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
  });

  it('refuses history without a token with the API error shape', async () => {
    const response = await fetch(`${file.stack.urls.api}/channels/Town137/messages`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('issues development tokens that the authorizer accepts', async () => {
    const response = await fetch(`${file.stack.urls.api}/dev/tokens`, {
      method: 'POST',
      body: JSON.stringify({ playerId: 'judy', name: 'Judy', role: 'moderator' }),
    });
    expect(response.status).toBe(200);
    const credentials = (await response.json()) as Record<string, string>;
    expect(credentials).toEqual({
      token: expect.any(String),
      signature: file.stack.signToken(credentials.token as string).signature,
      authorizerName: 'game-chat-token-authorizer',
      tokenKeyName: 'token',
    });
    const judy = await connectSigned(
      file.stack.urls.ws,
      file.stack.signToken(credentials.token as string),
      {
        clientId: 'judy',
      },
    );
    expect(judy.connected).toBe(true);
  });

  it.each([
    ['not JSON', 'nope'],
    ['no player id', '{}'],
    ['a bad player id', '{"playerId":"a/b"}'],
    ['an unknown role', '{"playerId":"judy","role":"god"}'],
  ])('refuses a token request with %s', async (_case, body) => {
    const response = await fetch(`${file.stack.urls.api}/dev/tokens`, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid' } });
  });
});
