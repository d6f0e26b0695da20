import type { ChannelName } from '@game-chat/protocol/names';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FilterOutcome } from '../src/filter.js';
import { type Harness, notices, roomMessages, ruleEvent, startHarness } from './helpers/harness.js';

/**
 * The case seen after a Redis outage: 240 messages sent at 40 per second into one channel
 * (allowed 50 per second) by 40 players who each sent one a second (allowed a burst of 5, then 1
 * a second). Redis was down while they came in, so every invocation retries until it is back, and
 * then all of them reach the rate limits within a moment, in no particular order. Charged by when
 * IoT received them, none is refused.
 */

const SENDERS = 40;
const SECONDS = 6;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ privateRedis: true, env: { CHAT_HISTORY_MAX: '1000' } });
});
afterAll(() => h.close());

it('refuses none of 240 messages delayed by an outage whose senders kept to their limits', async () => {
  const sentFrom = Date.now() - SECONDS * 1000;
  const events = Array.from({ length: SENDERS * SECONDS }, (_, n) => {
    const second = Math.floor(n / SENDERS);
    const sender = n % SENDERS;
    return ruleEvent(
      'chat/send/Arena',
      { text: `m${n}`, clientMsgId: `m${n}` },
      { clientId: `p${sender}`, receivedAt: sentFrom + second * 1000 + sender * 25 },
    );
  });
  await h.stopRedis();
  const outcomes: Promise<FilterOutcome>[] = events.map((event) => h.invoke(event));
  await h.startRedis();
  const settled = await Promise.all(outcomes);

  const statuses = settled.map((outcome) => outcome.status);
  const refused = statuses.filter((status) => status === 'refused').length;
  console.info(`240 delayed messages: ${refused} refused`);
  expect(refused).toBe(0);
  expect(statuses.every((status) => status === 'published')).toBe(true);
  expect(notices(h.recorder, 'p0')).toEqual([]);
  const room = roomMessages(h.recorder, 'Arena');
  expect(new Set(room.map((message) => message.text)).size).toBe(240);
  expect(room).toHaveLength(240);
  expect((await h.store.recent('Arena' as ChannelName, { limit: 1000 })).messages).toHaveLength(
    240,
  );
});

it('still refuses a flood: 240 players sending within the same second', async () => {
  const receivedAt = Date.now();
  const settled = await Promise.all(
    Array.from({ length: 240 }, (_, n) =>
      h.invoke(ruleEvent('chat/send/Mob', { text: `x${n}` }, { clientId: `mob${n}`, receivedAt })),
    ),
  );
  const published = settled.filter((outcome) => outcome.status === 'published').length;
  // CHAT_CHANNEL_RATE_PER_SECOND (50) in that second; the rest get rate_limited notices.
  expect(published).toBe(50);
  expect(settled.filter((outcome) => outcome.status === 'refused')).toHaveLength(190);
});
