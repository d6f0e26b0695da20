import { randomUUID } from 'node:crypto';
import type { LocalStack } from '@game-chat/aws-emulator';
import type { RedisConnection } from '@game-chat/chat-store/connection';
import { parseSendPayload, type ServerMessage } from '@game-chat/protocol/payloads';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Invoke, loadBundle } from '../src/bundles.js';
import { connectPlayer, endMqttClients, startChatter, subscribe, waitFor } from '../src/harness.js';
import { grownStreams, newKeys, snapshotKeyspace } from '../src/redis-snapshot.js';
import { fuzzSuite } from './support/fuzz-suite.js';

/**
 * The message filter under random rule events, through its bundle, wired to a running local
 * stack (its Redis, its Data Plane and broker deliver the notices) while two well-behaved players
 * chat on the same stack; then random payloads over real MQTT through the rules engine.
 */

const PREFIX = 'fuzz';
const suite = fuzzSuite({
  // The MQTT property sends ~100 messages from one player: the rate limit is not under test.
  stack: { settings: { CHAT_RATE_BURST: '1000', CHAT_RATE_PER_SECOND: '1000' } },
  chatterIntervalMs: 200,
});
let stack: LocalStack;
let filter: Invoke;
let redis: RedisConnection;

beforeAll(async () => {
  ({ stack, redis } = suite);
  filter = await loadBundle('@game-chat/message-filter', {
    REDIS_URL: stack.redisUrl,
    IOT_DATA_ENDPOINT: stack.urls.iotData,
    CHAT_REDIS_KEY_PREFIX: PREFIX,
    // Small limits, so generated events also meet the rate limit and the moderation refusal.
    CHAT_RATE_BURST: '3',
    CHAT_RATE_PER_SECOND: '1',
    CHAT_PROFANITY: 'reject',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});

afterAll(() => endMqttClients());

const validName = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const hostileName = fc.oneof(
  fc.constantFrom('', '+', '#', '$SYS', 'a/b', 'Town 1', 'x'.repeat(65), 'T\u0000', 'Töwn', '..'),
  fc.string({ unit: 'binary', maxLength: 70 }),
);
const name = fc.oneof({ weight: 3, arbitrary: validName }, { weight: 1, arbitrary: hostileName });

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('hello', 'fuck you', '   ', '\u200b', '<script>x</script>'),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 490, maxLength: 520 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);
const clientMsgId = fc.option(
  fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.anything({ maxDepth: 0 })),
  {
    nil: undefined,
  },
);

const encode = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null');
const payload = fc.oneof(
  { weight: 5, arbitrary: fc.record({ text, clientMsgId }).map(encode) },
  {
    weight: 1,
    arbitrary: fc
      .record({ message: text, publish_id: fc.string(), channel: fc.string() })
      .map(encode),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }).map(encode) },
  {
    weight: 1,
    arbitrary: fc
      .string({ minLength: 8200, maxLength: 8400 })
      .map((pad) => encode({ text: 'hi', pad })),
  },
);

const topic = fc.oneof(
  { weight: 5, arbitrary: name.map((channel) => `chat/send/${channel}`) },
  { weight: 2, arbitrary: name.map((to) => `chat/whisper/${to}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('chat/room/Town', 'chat/inbox/bob', '$aws/x', 'chat/send/a/b'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

const clientId = fc.oneof(
  // A few busy players meet the rate limit; many others do not.
  { weight: 3, arbitrary: fc.constantFrom('alice', 'bob', 'carol.tab2') },
  { weight: 3, arbitrary: validName },
  {
    weight: 1,
    arbitrary: fc.tuple(validName, validName).map(([player, tab]) => `${player}.${tab}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('n/a', '+', '#', 'alice.', 'alice.a.b', '') },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 0 }) },
);

const ruleEvent = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      payload: payload.map((bytes) => bytes.toString('base64')),
      topic,
      clientId,
      principal: fc.constant('fuzz'),
      // Mostly the rule's own envelope, so the hostile payloads, topics and ids get through it.
      receivedAt: fc.oneof(
        { weight: 8, arbitrary: fc.constant(0).map(() => Date.now()) },
        { weight: 1, arbitrary: fc.integer() },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 0 }) },
      ),
      ingestId: fc.oneof(
        { weight: 8, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        payload: fc.anything(),
        topic: fc.anything(),
        clientId: fc.anything(),
        ingestId: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  },
);

/** A rule event as infra/rules/chat-send.sql builds it. */
function envelope(topic: string, body: unknown, clientId = 'alice') {
  return {
    payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'),
    topic,
    clientId,
    principal: 'fuzz',
    receivedAt: Date.now(),
    ingestId: randomUUID(),
  };
}

/** Refusals decided before anything about the player is read or written. */
const BEFORE_ADMIT = new Set(['invalid', 'too_long', 'empty', 'forbidden']);
/** The only errors the filter may throw: Lambda then retries the event. */
const RETRYABLE = new Set(['retry_budget_exhausted', 'store_unavailable', 'publish_failed']);

describe('random rule events through the filter bundle', () => {
  it('never crash, throw only retryable typed errors, and store nothing when they refuse', async () => {
    const outcomes: Record<string, number> = {};
    let thrown = 0;
    await fc.assert(
      fc.asyncProperty(ruleEvent, async (event) => {
        const before = await snapshotKeyspace(redis, PREFIX);
        let outcome: { status: string; code?: string; message?: { id: string; channel?: string } };
        try {
          outcome = (await filter(event)) as typeof outcome;
        } catch (error) {
          thrown++;
          expect(RETRYABLE).toContain((error as { code?: unknown }).code);
          return;
        }
        const key = outcome.code ? `${outcome.status}:${outcome.code}` : outcome.status;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        expect(['published', 'refused', 'duplicate', 'dropped', 'expired']).toContain(
          outcome.status,
        );
        const after = await snapshotKeyspace(redis, PREFIX);
        if (['refused', 'dropped', 'expired'].includes(outcome.status)) {
          // A refused message is never stored: no channel key, no stream entry.
          expect(newKeys(before, after).filter((k) => k.includes(':ch:'))).toEqual([]);
          expect(grownStreams(before, after)).toEqual([]);
          // Invalid input is refused before the player's state is touched: nothing at all.
          // An event past the maximum event age is dropped before anything, too.
          if (outcome.status !== 'refused' || BEFORE_ADMIT.has(outcome.code ?? '')) {
            expect(newKeys(before, after)).toEqual([]);
          }
        }
        if (outcome.status === 'published' && outcome.message?.channel !== undefined) {
          const log = `${PREFIX}:ch:{${outcome.message.channel}}:log`;
          const { id } = outcome.message;
          expect(await redis.command(['XRANGE', log, id, id])).toHaveLength(1);
        }
      }),
      {
        numRuns: 300,
        // Always also one event of each outcome, whatever the random ones hit.
        examples: [
          [envelope('chat/send/Town1', { text: 'hello' })],
          [envelope('chat/send/Town1', { text: 'x'.repeat(600) })],
          [envelope('chat/room/Town1', { text: 'hello' })],
          [envelope('chat/send/Town1', 'not json')],
          [envelope('chat/send/Town1', { text: 'hi' }, 'n/a')],
          [{ ...envelope('chat/send/Town1', { text: 'hi' }), ingestId: 'not-a-uuid' }],
          [{ ...envelope('chat/send/Town1', { text: 'hi' }), receivedAt: 0 }],
        ],
      },
    );
    expect(thrown).toBe(0);
    // The property met stored messages and each kind of refusal.
    expect(Object.keys(outcomes)).toEqual(
      expect.arrayContaining([
        'published',
        'dropped',
        'expired',
        'refused:invalid',
        'refused:too_long',
        'refused:forbidden',
      ]),
    );
  });
});

describe('random payloads over MQTT, through the broker and the rules engine', () => {
  let fuzzer: MqttClient;
  const received: { topic: string; message: ServerMessage }[] = [];

  beforeAll(async () => {
    fuzzer = await connectPlayer(stack, 'fuzzer');
    fuzzer.on('message', (topic, bytes) => {
      // The chatter's room is not this test's business.
      if (topic.startsWith('chat/room/Fz') || topic === 'chat/inbox/fuzzer') {
        received.push({ topic, message: JSON.parse(bytes.toString()) as ServerMessage });
      }
    });
    expect(await subscribe(fuzzer, ['chat/room/+', 'chat/inbox/fuzzer'])).toEqual([1, 1]);
  });

  it('stores exactly the payloads the protocol accepts, and answers the rest with a notice', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (bytes) => {
        const channel = `Fz${run++}${randomUUID().slice(0, 6)}`;
        const seen = received.length;
        await fuzzer.publishAsync(`chat/send/${channel}`, bytes, { qos: 1 });
        // Every publish gets exactly one answer: its message in the room, or a notice.
        await waitFor('the answer to the publish', () => received.length > seen);
        const answer = received[seen] as (typeof received)[number];
        const stored = (await redis.command(['EXISTS', `gc:ch:{${channel}}:log`])) === 1;
        if (parseSendPayload(bytes).ok) {
          expect(answer.topic).toBe(`chat/room/${channel}`);
          expect(answer.message).toMatchObject({ kind: 'chat', from: { id: 'fuzzer' } });
          expect(stored).toBe(true);
        } else {
          expect(answer.topic).toBe('chat/inbox/fuzzer');
          expect(answer.message).toMatchObject({ kind: 'notice' });
          expect(['invalid', 'too_long', 'empty']).toContain(
            (answer.message as { code: string }).code,
          );
          expect(stored).toBe(false);
        }
      }),
      { numRuns: 80 },
    );
    expect(fuzzer.connected).toBe(true);
    // Every event was handled on its first try: none failed, none was given up.
    expect(stack.stats().rules.chat_send).toMatchObject({ failed: 0, discarded: 0 });
  });
});

describe('the well-behaved players', () => {
  it('kept chatting during all of it, and afterwards', async () => {
    const report = await suite.expectPlayersUnharmed('filter fuzzing');
    expect(report.confirmed).toBeGreaterThan(5);
    const after = await startChatter(stack, {
      channel: 'Lobby2',
      intervalMs: 100,
      sender: 'late1',
      listener: 'late2',
    });
    await waitFor('a message after the fuzzing', () => after.confirmed() >= 3);
    expect((await after.stop()).missing).toEqual([]);
    expect(suite.processErrors).toEqual([]);
  });
});
