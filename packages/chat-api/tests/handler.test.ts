import { createHmac, randomUUID } from 'node:crypto';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { routedEvent } from '@game-chat/testing/http-api-event';
import { describe, expect, it } from 'vitest';
import { loadBundle } from './helpers/bundle.js';
import { bearer, expectError, SECRET } from './helpers/requests.js';
import { apiLambdaForFile } from './support/api-lambda.js';

const HISTORY_MAX = 5;
/** The guild class's cap, above the default one, so a guild page shows the class applies. */
const GUILD_MAX = 20;
const MAX_TEXT = 50;
const keyPrefix = `hist-${randomUUID().slice(0, 8)}`;
const api = apiLambdaForFile('main', {
  keyPrefix,
  historyMax: HISTORY_MAX,
  env: {
    CHAT_HISTORY_MAX: String(HISTORY_MAX),
    CHAT_MAX_TEXT: String(MAX_TEXT),
    CHAT_CHANNEL_CLASSES: `guild-*=2h/${GUILD_MAX}`,
  },
});

let channelCount = 0;

const LIST = 'GET /channels/{channel}/messages';
const ANNOUNCE = 'POST /channels/{channel}/announcements';
const DELETE_MESSAGE = 'DELETE /channels/{channel}/messages/{id}';
const MUTE = 'PUT /players/{playerId}/mute';
const UNMUTE = 'DELETE /players/{playerId}/mute';

/** The API's answer to `route` on `channel`, routed as API Gateway does. */
const onChannel = (route: string, channel: string, init?: Parameters<typeof routedEvent>[2]) =>
  api.invoke(routedEvent(route, { channel }, init));

/** A channel no other test has touched. */
const freshChannel = () => `Town${++channelCount}x${Date.now() % 100000}`;

/** A moderator's announcement of `text` in `channel`, as the API answers it. */
const announcement = async (channel: string, text: string) =>
  onChannel(ANNOUNCE, channel, {
    headers: await bearer('mod', 'moderator'),
    body: JSON.stringify({ text }),
  });

/** An announcement that must be stored and published (201); its message. */
async function announce(channel: string, text: string) {
  const response = await announcement(channel, text);
  expect(response.status).toBe(201);
  return response.json.message as { id: string; text: string };
}

/** The channel's history after `id`, as a player reads it. */
const historyAfter = async (channel: string, id: string) =>
  onChannel(LIST, channel, { headers: await bearer('alice'), query: `after=${id}` });

describe('GET /channels/{channel}/messages', () => {
  it('answers an empty channel with the contract shape, leaving CORS to API Gateway', async () => {
    const channel = freshChannel();

    const response = await onChannel(LIST, channel, {
      headers: { origin: 'https://game.example', ...(await bearer('alice')) },
    });

    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      channel,
      messages: [],
      retentionSeconds: 30,
      maxMessages: HISTORY_MAX,
      recovered: true,
      hasMore: false,
      slowModeSeconds: 0,
    });
    expect(response.headers['content-type']).toBe('application/json');
    expect(
      Object.keys(response.headers).filter((name) => name.startsWith('access-control-')),
    ).toEqual([]);
  });

  it('returns stored messages oldest first, and the newest `limit` of them', async () => {
    const channel = freshChannel();
    const first = await announce(channel, 'one');
    const second = await announce(channel, 'two');
    const third = await announce(channel, 'three');
    const headers = await bearer('alice');

    const all = await onChannel(LIST, channel, { headers });
    const latest = await onChannel(LIST, channel, { headers, query: 'limit=2' });

    expect(all.json.messages.map((m: { id: string }) => m.id)).toEqual([
      first.id,
      second.id,
      third.id,
    ]);
    expect(all.json.messages[0]).toMatchObject({
      v: 1,
      kind: 'system',
      channel,
      from: { id: 'system', name: 'System' },
      text: 'one',
    });
    expect(latest.json.messages.map((m: { text: string }) => m.text)).toEqual(['two', 'three']);
  });

  it('returns only newer messages after an id, with recovered true when none were missed', async () => {
    const channel = freshChannel();
    const first = await announce(channel, 'one');
    await announce(channel, 'two');

    const response = await historyAfter(channel, first.id);

    expect(response.json.messages.map((m: { text: string }) => m.text)).toEqual(['two']);
    expect(response.json.recovered).toBe(true);
  });

  it('says recovered false when messages after the id were trimmed by the history cap', async () => {
    const channel = freshChannel();
    const first = await announce(channel, 'm0');
    for (let i = 1; i <= HISTORY_MAX + 1; i++) await announce(channel, `m${i}`);

    const response = await historyAfter(channel, first.id);

    expect(response.json.recovered).toBe(false);
    expect(response.json.messages).toHaveLength(HISTORY_MAX);
    expect(response.json.messages.at(-1).text).toBe(`m${HISTORY_MAX + 1}`);
  });

  it.each([
    ['no authorization header', async () => ({}), 'a bearer token is required'],
    ['a Basic scheme', async () => ({ authorization: 'Basic YWxpY2U6cHc=' }), /Bearer/],
    [
      'a forged token',
      async () => ({ authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln' }),
      /signature|malformed/,
    ],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await expiredToken()}` }),
      /expired/,
    ],
  ])('answers 401 for %s', async (_label, headers, message) => {
    const response = await api.invoke(
      routedEvent(LIST, { channel: 'Town1' }, { headers: await headers() }),
    );

    expectError(response, 401, 'unauthorized');
    expect(response.json.error.message).toMatch(message);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 403 for a channel outside the token channels claim', async () => {
    const headers = await bearer('alice', 'player', { channels: ['Guild*'] });

    const allowed = await api.invoke(routedEvent(LIST, { channel: 'Guild7' }, { headers }));
    const refused = await api.invoke(routedEvent(LIST, { channel: 'Town137' }, { headers }));

    expect(allowed.status).toBe(200);
    expectError(refused, 403, 'forbidden');
  });

  it.each([
    ['a channel with a space', { channel: 'Town 1' }, ''],
    ['a channel with a slash', { channel: 'a/b' }, ''],
    ['a 65-character channel', { channel: 'c'.repeat(65) }, ''],
    ['limit 0', { channel: 'Town1' }, 'limit=0'],
    ['limit 201', { channel: 'Town1' }, 'limit=201'],
    ['a non-numeric limit', { channel: 'Town1' }, 'limit=ten'],
    ['a repeated limit (joined with commas)', { channel: 'Town1' }, 'limit=5&limit=6'],
    ['a malformed after', { channel: 'Town1' }, 'after=yesterday'],
    ['a malformed before', { channel: 'Town1' }, 'before=1764081600123'],
    ['after and before together', { channel: 'Town1' }, 'after=1-1&before=2-1'],
  ])('answers 400 for %s', async (_label, parameters, query) => {
    const response = await api.invoke(
      routedEvent(LIST, parameters, { headers: await bearer('alice'), query }),
    );

    expectError(response, 400, 'invalid');
  });

  it.each([
    ['limit=0', /^limit must be a whole number 1-200$/],
    ['limit=201', /^limit must be a whole number 1-200$/],
    ['before=latest', /^before must be a message id/],
    ['before=1-1&after=1-0', /after and before/],
  ])('names the parameter in the 400 for %s', async (query, message) => {
    const response = await api.invoke(
      routedEvent(LIST, { channel: 'guild-9' }, { headers: await bearer('alice'), query }),
    );

    expectError(response, 400, 'invalid');
    expect(response.json.error.message).toMatch(message);
  });

  it("answers a class channel with its class's window and cap, and keeps that many", async () => {
    const channel = `guild-${freshChannel()}`;
    for (let i = 0; i < HISTORY_MAX + 3; i++) await announce(channel, `m${i}`);

    const response = await onChannel(LIST, channel, { headers: await bearer('a') });

    expect(response.json).toMatchObject({
      retentionSeconds: 7200,
      maxMessages: GUILD_MAX,
      hasMore: false,
    });
    expect(response.json.messages).toHaveLength(HISTORY_MAX + 3);
  });

  it('pages back with before: the page just older than the id, oldest first, with hasMore', async () => {
    const channel = `guild-${freshChannel()}`;
    const sent = [];
    for (let i = 0; i < 7; i++) sent.push(await announce(channel, `m${i}`));
    const headers = await bearer('alice');
    const page = (query: string) => onChannel(LIST, channel, { headers, query });

    const newest = await page('limit=3');
    const older = await page(`limit=3&before=${newest.json.messages[0].id}`);
    const oldest = await page(`limit=3&before=${older.json.messages[0].id}`);

    const texts = (response: { json: { messages: { text: string }[] } }) =>
      response.json.messages.map((m) => m.text);
    expect([texts(newest), newest.json.hasMore]).toEqual([['m4', 'm5', 'm6'], true]);
    expect([texts(older), older.json.hasMore]).toEqual([['m1', 'm2', 'm3'], true]);
    expect([texts(oldest), oldest.json.hasMore]).toEqual([['m0'], false]);
    expect(oldest.json).toMatchObject({ retentionSeconds: 7200, maxMessages: GUILD_MAX });
  });

  it.each([
    ['an unknown route key', routedEvent('GET /internal/{x}', { x: 'y' })],
    ['the $default route key (the API declares no $default route)', routedEvent('$default', {})],
  ])('answers 404 for %s', async (_label, event) => {
    expectError(await api.invoke(event), 404, 'not_found');
  });
});

/** An HS256 token that expired an hour ago, signed by hand: the issuer refuses to make one. */
async function expiredToken() {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 3600 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

describe('POST /channels/{channel}/announcements', () => {
  it('stores a system message and publishes it to the room topic with QoS 1', async () => {
    const channel = freshChannel();

    const response = await onChannel(ANNOUNCE, channel, {
      headers: { ...(await bearer('mod', 'moderator')), 'content-type': 'application/json' },
      body: JSON.stringify({ text: '  Server restart in 5 minutes  ' }),
    });

    expect(response.status).toBe(201);
    const { message } = response.json;
    expect(message).toMatchObject({
      v: 1,
      kind: 'system',
      channel,
      from: { id: 'system', name: 'System' },
      text: 'Server restart in 5 minutes',
    });
    const published = await api.recorder.waitFor((p) => p.topic === `chat/room/${channel}`);
    expect(published.qos).toBe(1);
    expect(published.json()).toEqual(message);
  });

  it('accepts a base64-encoded body, as API Gateway sends binary content', async () => {
    const channel = freshChannel();
    const body = Buffer.from(JSON.stringify({ text: 'héllo' })).toString('base64');

    const response = await onChannel(ANNOUNCE, channel, {
      headers: await bearer('root', 'admin'),
      body,
      isBase64Encoded: true,
    });

    expect(response.status).toBe(201);
    expect(response.json.message.text).toBe('héllo');
  });

  it.each([
    ['a player', 'player', 403, 'forbidden'],
    ['a moderator', 'moderator', 201, undefined],
    ['an admin', 'admin', 201, undefined],
  ] as const)('lets %s announce: %s', async (_label, role, status, code) => {
    const response = await api.invoke(
      routedEvent(
        ANNOUNCE,
        { channel: freshChannel() },
        { headers: await bearer('someone', role), body: '{"text":"hi"}' },
      ),
    );

    expect(response.status).toBe(status);
    if (code) expect(response.json.error.code).toBe(code);
  });

  it('refuses a moderator whose token does not allow the channel', async () => {
    const response = await api.invoke(
      routedEvent(
        ANNOUNCE,
        { channel: 'Town9' },
        {
          headers: await bearer('mod', 'moderator', { channels: ['Guild*'] }),
          body: '{"text":"hi"}',
        },
      ),
    );

    expectError(response, 403, 'forbidden');
  });

  it.each([
    ['no body', undefined, 'invalid'],
    ['a body that is not JSON', 'text=hi', 'invalid'],
    ['a JSON array', '["hi"]', 'invalid'],
    ['an empty text', '{"text":"   "}', 'empty'],
    ['a text over CHAT_MAX_TEXT', JSON.stringify({ text: 'x'.repeat(MAX_TEXT + 1) }), 'too_long'],
    ['a text with control characters', JSON.stringify({ text: 'a\u0000b' }), 'invalid'],
    ['a body over 8 KiB', JSON.stringify({ text: 'x', pad: 'y'.repeat(9000) }), 'too_long'],
  ])('answers 400 for %s, storing and publishing nothing', async (_label, body, code) => {
    const channel = freshChannel();

    const response = await onChannel(ANNOUNCE, channel, {
      headers: await bearer('mod', 'moderator'),
      ...(body !== undefined && { body }),
    });

    expectError(response, 400, code);
    expect((await api.store.recent(channel as ChannelName, { limit: 10 })).messages).toEqual([]);
    expect(api.recorder.published).toEqual([]);
  });

  it('retries a Data Plane blip inside the request: 201, published once', async () => {
    const channel = freshChannel();
    api.recorder.failNext(2, 503, 'ServiceUnavailableException');

    const response = await announcement(channel, 'after a blip');

    expect(response.status).toBe(201);
    const published = await api.recorder.waitFor((p) => p.topic === `chat/room/${channel}`);
    expect(published.json()).toEqual(response.json.message);
    expect(api.recorder.published).toHaveLength(1);
  });

  it('answers 503 publish_unavailable, saying it is stored, when the Data Plane stays down', async () => {
    const channel = freshChannel();
    api.recorder.failNext(1000);

    const response = await announcement(channel, 'into the void');

    expectError(response, 503, 'publish_unavailable');
    const { messages } = await api.store.recent(channel as ChannelName, { limit: 10 });
    expect(messages.map((m) => m.text)).toEqual(['into the void']);
    // The moderator learns it is stored (with its id), so it is not posted twice.
    expect(response.json.error.message).toContain(`stored as ${messages[0]?.id}`);
    expect(response.json.error.message).toMatch(/do not send it again/);
    expect(response.text).not.toMatch(/InternalFailureException|\bat .+:\d+/);
    expect(api.recorder.published).toEqual([]);
  });

  it('does not retry a publish the Data Plane refuses outright, and still says it is stored', async () => {
    const channel = freshChannel();
    // One refusal: a retry would have gone through and answered 201.
    api.recorder.failNext(1, 400, 'InvalidRequestException');

    const response = await announcement(channel, 'refused');

    expectError(response, 503, 'publish_unavailable');
    expect(response.json.error.message).toMatch(/announcement was stored/);
    expect(api.recorder.published).toEqual([]);
  });
});

describe('DELETE /channels/{channel}/messages/{id}', () => {
  it('removes the message, stores and publishes a delete event that a reconnecting client sees', async () => {
    const channel = freshChannel();
    const before = await announce(channel, 'keep');
    const doomed = await announce(channel, 'remove me');
    api.recorder.clear();

    const response = await api.invoke(
      routedEvent(
        DELETE_MESSAGE,
        { channel, id: doomed.id },
        { headers: await bearer('mod', 'moderator') },
      ),
    );

    expect(response.status).toBe(200);
    expect(response.json.message).toMatchObject({
      kind: 'delete',
      channel,
      targetId: doomed.id,
      text: '',
    });
    const published = await api.recorder.waitFor((p) => p.topic === `chat/room/${channel}`);
    expect(published.json()).toEqual(response.json.message);
    const history = await historyAfter(channel, before.id);
    expect(history.json.messages.map((m: { kind: string }) => m.kind)).toEqual(['delete']);
    expect(history.json.messages[0].targetId).toBe(doomed.id);
  });

  it('answers 503 publish_unavailable when the deletion is stored but not published', async () => {
    const channel = freshChannel();
    const doomed = await announce(channel, 'remove me');
    api.recorder.clear();
    api.recorder.failNext(1000);

    const response = await api.invoke(
      routedEvent(
        DELETE_MESSAGE,
        { channel, id: doomed.id },
        { headers: await bearer('mod', 'moderator') },
      ),
    );

    expectError(response, 503, 'publish_unavailable');
    expect(response.json.error.message).toMatch(/deletion was stored/);
    // Removed, and the delete event kept for clients that reconnect with `after`.
    const { messages } = await api.store.recent(channel as ChannelName, { limit: 10 });
    expect(messages.map((m) => [m.kind, m.targetId])).toEqual([['delete', doomed.id]]);
    expect(api.recorder.published).toEqual([]);
  });

  it('answers 404 for a message that is not there, publishing nothing', async () => {
    const response = await api.invoke(
      routedEvent(
        DELETE_MESSAGE,
        { channel: freshChannel(), id: '1700000000000-1' },
        { headers: await bearer('mod', 'moderator') },
      ),
    );

    expectError(response, 404, 'not_found');
    expect(api.recorder.published).toEqual([]);
  });

  it('answers 400 for an id that is not a message id, and 403 for a player', async () => {
    const headers = await bearer('mod', 'moderator');

    const bad = await api.invoke(
      routedEvent(DELETE_MESSAGE, { channel: 'Town1', id: '../../etc' }, { headers }),
    );
    const player = await api.invoke(
      routedEvent(
        DELETE_MESSAGE,
        { channel: 'Town1', id: '1700000000000-1' },
        { headers: await bearer('alice') },
      ),
    );

    expectError(bad, 400, 'invalid');
    expectError(player, 403, 'forbidden');
  });
});

describe('PUT and DELETE /players/{playerId}/mute', () => {
  it('mutes a player until now + seconds, with the reason and the moderator', async () => {
    const headers = await bearer('mod', 'moderator');
    const startedAt = Date.now();

    const response = await api.invoke(
      routedEvent(
        MUTE,
        { playerId: 'troll' },
        { headers, body: JSON.stringify({ seconds: 600, reason: 'spam' }) },
      ),
    );

    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ playerId: 'troll', muted: true });
    expect(response.json.until).toBeGreaterThanOrEqual(startedAt + 600_000 - 1000);
    expect(await api.store.getMute('troll' as PlayerId)).toEqual({
      until: response.json.until,
      reason: 'spam',
      by: 'mod',
    });
  });

  it('lifts a mute, and says whether there was one', async () => {
    const headers = await bearer('mod', 'moderator');
    await api.invoke(
      routedEvent(MUTE, { playerId: 'chatty' }, { headers, body: '{"seconds":60}' }),
    );

    const first = await api.invoke(routedEvent(UNMUTE, { playerId: 'chatty' }, { headers }));
    const second = await api.invoke(routedEvent(UNMUTE, { playerId: 'chatty' }, { headers }));

    expect(first.json).toEqual({ playerId: 'chatty', muted: false, wasMuted: true });
    expect(second.json).toEqual({ playerId: 'chatty', muted: false, wasMuted: false });
    expect(await api.store.getMute('chatty' as PlayerId)).toBeNull();
  });

  it.each([
    ['seconds 0', { playerId: 'p1' }, '{"seconds":0}', 'invalid'],
    ['fractional seconds', { playerId: 'p1' }, '{"seconds":1.5}', 'invalid'],
    ['seconds as a string', { playerId: 'p1' }, '{"seconds":"600"}', 'invalid'],
    ['more than 30 days', { playerId: 'p1' }, '{"seconds":2592001}', 'invalid'],
    [
      'a reason over 200 characters',
      { playerId: 'p1' },
      JSON.stringify({ seconds: 5, reason: 'r'.repeat(201) }),
      'too_long',
    ],
    ['a bad player id', { playerId: 'p#1' }, '{"seconds":5}', 'invalid'],
  ])('answers 400 for %s and mutes nobody', async (_label, parameters, body, code) => {
    const response = await api.invoke(
      routedEvent(MUTE, parameters, { headers: await bearer('mod', 'moderator'), body }),
    );

    expectError(response, 400, code);
    expect(await api.store.getMute('p1' as PlayerId)).toBeNull();
  });

  it('refuses players: 403 with a token, 401 without', async () => {
    const body = '{"seconds":60}';

    const player = await api.invoke(
      routedEvent(MUTE, { playerId: 'victim' }, { headers: await bearer('alice'), body }),
    );
    const anonymous = await api.invoke(routedEvent(UNMUTE, { playerId: 'victim' }));

    expectError(player, 403, 'forbidden');
    expectError(anonymous, 401, 'unauthorized');
    expect(await api.store.getMute('victim' as PlayerId)).toBeNull();
  });
});

describe('CHAT_CHANNEL_CLASSES', () => {
  it.each([
    ['a rule that does not parse', 'guild-*=7d'],
    ['a zero window', 'guild-*=0h/10'],
    ['a window above 30 days', 'guild-*=31d/10'],
    ['a rule an earlier one covers', 'guild-*=7d/10,guild-x*=1d/10'],
  ])('stops the cold start on %s, naming the variable', async (_label, value) => {
    await expect(
      loadBundle(`classes-${randomUUID()}`, { ...api.env, CHAT_CHANNEL_CLASSES: value }),
    ).rejects.toThrow(/^CHAT_CHANNEL_CLASSES /);
  });
});

describe('CHAT_HISTORY_REQUIRE_AUTH=false', () => {
  it('lets anyone read history but still needs a moderator token to write', async () => {
    const open = await loadBundle('open', { ...api.env, CHAT_HISTORY_REQUIRE_AUTH: 'false' });
    const channel = freshChannel();
    await announce(channel, 'visible');

    const read = await open(routedEvent(LIST, { channel }));
    const write = await open(routedEvent(ANNOUNCE, { channel }, { body: '{"text":"x"}' }));

    expect(read.status).toBe(200);
    expect(read.json.messages.map((m: { text: string }) => m.text)).toEqual(['visible']);
    expectError(write, 401, 'unauthorized');
  });
});
