import type { HistoryResponse } from '@game-chat/protocol/payloads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatError } from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { nextEvent, waitUntil } from './support/wait.js';

/**
 * Channel classes and scrollback through the local stack: the bundled filter and API Lambdas,
 * a real Redis, real MQTT. Town channels keep 1 s (so a test can outlast it), `guild-` channels
 * an hour and 1,000 messages, `party-` channels a cap of 5.
 */
const TOWN_SECONDS = 1;
const CLASSES = 'guild-*=1h/1000,party-*=1h/5';

let stack: LocalStack;
let players: Players;

beforeAll(async () => {
  stack = await startStack({
    CHAT_HISTORY_SECONDS: String(TOWN_SECONDS),
    CHAT_CHANNEL_CLASSES: CLASSES,
  });
  players = new Players(stack);
});

afterAll(async () => {
  await players?.closeAll();
  await stack?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
async function get(channel: string, query = ''): Promise<{ status: number; body: any }> {
  const token = await stack.issueToken('reader', {});
  const response = await fetch(`${stack.urls.api}/channels/${channel}/messages?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

async function history(channel: string, query = ''): Promise<HistoryResponse> {
  const { status, body } = await get(channel, query);
  expect(status).toBe(200);
  return body as HistoryResponse;
}

async function moderatorCall(method: string, path: string, json?: unknown) {
  const token = await stack.issueToken('mod', { role: 'moderator' });
  const response = await fetch(`${stack.urls.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(json !== undefined && { body: JSON.stringify(json) }),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as { message: { id: string; text: string } };
}

const announce = (channel: string, text: string) =>
  moderatorCall('POST', `/channels/${channel}/announcements`, { text }).then((r) => r.message);

describe('channel classes', () => {
  it('a guild channel keeps messages past the town window while a town channel drops them', async () => {
    const alice = await players.connect('alice');
    await alice.join('Town7');
    await alice.join('guild-oaks');
    await alice.send('Town7', 'in town');
    await alice.send('guild-oaks', 'in the guild');

    const town = await history('Town7');
    expect(town).toMatchObject({ retentionSeconds: TOWN_SECONDS, maxMessages: 200 });
    // Waiting on the condition, not on a fixed delay: the town window passes.
    await waitUntil(
      async () => (await history('Town7')).messages.length === 0,
      'the town message to expire',
    );

    const guild = await history('guild-oaks');
    expect(guild).toMatchObject({ retentionSeconds: 3600, maxMessages: 1000, hasMore: false });
    expect(guild.messages.map((m) => m.text)).toEqual(['in the guild']);
  });

  it('pages from the newest to the first message of a 1,000-message guild channel, each once, in order', async () => {
    const channel = 'guild-long';
    const sent: string[] = [];
    for (let i = 0; i < 1000; i++) sent.push((await announce(channel, `m${i}`)).id);

    // Over HTTP: before pages, oldest first each, hasMore until the first message.
    const seen: string[] = [];
    let page = await history(channel, 'limit=200');
    seen.unshift(...page.messages.map((m) => m.id));
    while (page.hasMore) {
      page = await history(channel, `limit=200&before=${seen[0]}`);
      seen.unshift(...page.messages.map((m) => m.id));
    }
    expect(seen).toEqual(sent);

    // Through the SDK: the join holds the newest page, loadOlder merges the rest below it.
    const reader = await players.connect('reader', {}, { maxMessagesPerChannel: 100 });
    const joined = await reader.join(channel);
    expect(joined.map((m) => m.id)).toEqual(sent.slice(-100));
    let older = await reader.loadOlder(channel, { limit: 150 });
    expect(older.messages.map((m) => m.id)).toEqual(sent.slice(-250, -100));
    while (older.hasMore) older = await reader.loadOlder(channel, { limit: 200 });
    expect(reader.messages(channel).map((m) => m.id)).toEqual(sent);
    // At the true start: nothing more, nothing added twice.
    expect(await reader.loadOlder(channel)).toEqual({ messages: [], hasMore: false });
    expect(reader.messages(channel)).toHaveLength(1000);
  }, 120_000);

  it('merges older pages with live traffic without duplicates', async () => {
    const channel = 'guild-live';
    for (let i = 0; i < 5; i++) await announce(channel, `old${i}`);
    const reader = await players.connect('live-reader', {}, { maxMessagesPerChannel: 10 });
    const writer = await players.connect('live-writer');
    await reader.join(channel);
    await writer.join(channel);
    const live = nextEvent(reader, 'message', (m) => m.text === 'live');
    // Scrollback read while live traffic arrives: one timeline, each message once, in order.
    const loading = reader.loadOlder(channel, { limit: 200 });
    await writer.send(channel, 'live');
    await live;
    expect((await loading).hasMore).toBe(false);
    const texts = reader.messages(channel).map((m) => m.text);
    expect(texts).toEqual(['old0', 'old1', 'old2', 'old3', 'old4', 'live']);
  });
});

describe('recovered stays exact with classes', () => {
  it('is true after a moderator delete: a removed message is not a miss', async () => {
    const channel = 'guild-del';
    const first = await announce(channel, 'a');
    const doomed = await announce(channel, 'b');
    await announce(channel, 'c');
    await moderatorCall('DELETE', `/channels/${channel}/messages/${doomed.id}`);

    const after = await history(channel, `after=${first.id}`);
    expect(after.recovered).toBe(true);
    expect(after.messages.map((m) => m.kind)).toEqual(['system', 'delete']);
  });

  it("is false exactly when the class's cap dropped a message after the reader's last", async () => {
    const channel = 'party-cap';
    const sent = [];
    for (let i = 0; i < 8; i++) sent.push(await announce(channel, `m${i}`));
    // The cap of 5 keeps m3..m7: a reader who saw m2 missed nothing, one who saw m1 missed m2.
    const fromM2 = await history(channel, `after=${sent[2]?.id}`);
    expect(fromM2).toMatchObject({ recovered: true, maxMessages: 5 });
    expect(fromM2.messages.map((m) => m.text)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    expect((await history(channel, `after=${sent[1]?.id}`)).recovered).toBe(false);
  });
});

describe('bad input', () => {
  it.each([
    ['before=yesterday', /^before must be a message id/],
    ['before=1764081600123', /^before must be a message id/],
    ['after=1-1&before=2-1', /after and before/],
    ['limit=0', /^limit must be a whole number 1-200$/],
    ['limit=201&before=1-1', /^limit must be a whole number 1-200$/],
  ])('answers 400 for %s, naming the parameter', async (query, message) => {
    const { status, body } = await get('guild-bad', query);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid', message: expect.stringMatching(message) });
  });

  it("leaves a blocked player's messages out of loadOlder, as out of join", async () => {
    const channel = 'guild-blocks';
    const [troll, dave] = await players.joined(channel, 'troll', 'dave');
    const sent: Array<{ id: string; from: string }> = [];
    for (let i = 0; i < 3; i++) {
      for (const sender of [troll, dave]) {
        const message = await sender.send(channel, `m${i}`);
        sent.push({ id: message.id, from: message.from.id });
      }
    }
    const reader = await players.connect('blocker', {}, { maxMessagesPerChannel: 2 });
    await reader.block('troll');
    // The join holds the newest two messages (one of them troll's, hidden); the rest is older.
    expect((await reader.join(channel)).map((m) => m.id)).toEqual([sent[5]?.id]);
    const older = await reader.loadOlder(channel, { limit: 200 });
    const daves = sent.filter((m) => m.from === 'dave').map((m) => m.id);
    expect(older.messages.map((m) => m.id)).toEqual(daves.slice(0, -1));
    expect(reader.messages(channel).map((m) => m.id)).toEqual(daves);
  });

  it('refuses loadOlder with a bad limit or on a channel not joined, sending nothing', async () => {
    const player = await players.connect('bad-input');
    await player.join('guild-x');
    for (const limit of [0, 201, 1.5]) {
      await expect(player.loadOlder('guild-x', { limit })).rejects.toMatchObject({
        code: 'invalid',
      });
    }
    await expect(player.loadOlder('guild-y')).rejects.toBeInstanceOf(ChatError);
    await expect(player.loadOlder('guild-y')).rejects.toMatchObject({ code: 'not_joined' });
  });

  it('stops a stack whose class setting does not parse, naming the variable', async () => {
    for (const value of ['guild-*=7d', 'guild-*=0s/10', 'guild-*=1h/10,guild-x*=1h/10']) {
      await expect(startStack({ CHAT_CHANNEL_CLASSES: value })).rejects.toThrow(
        /^CHAT_CHANNEL_CLASSES /,
      );
    }
  });
});
