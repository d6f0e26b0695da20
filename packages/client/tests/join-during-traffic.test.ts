import { compareMessageIds } from '@game-chat/protocol/payloads';
import { expect, it } from 'vitest';
import { ChatError, type ChatMessage } from '../src/client.js';
import { stackForFile } from './support/stack.js';
import { waitUntil } from './support/wait.js';

const MESSAGES = 200;
/** Sends in flight at once: enough to keep traffic flowing while the join reads history. */
const CONCURRENCY = 10;

// Limits out of the way: this test is about merging, not about refusing.
const file = stackForFile({
  CHAT_RATE_BURST: '1000',
  CHAT_RATE_PER_SECOND: '1000',
  CHAT_CHANNEL_RATE_PER_SECOND: '10000',
  CHAT_HISTORY_MAX: '1000',
  CHAT_HISTORY_SECONDS: '120',
});

it('a player joining during traffic ends up with every message exactly once, in id order', async () => {
  const keepAll = { maxMessagesPerChannel: 1000 };
  const sender = await file.players.connect('sender', {}, keepAll);
  const joiner = await file.players.connect('joiner', {}, keepAll);
  await sender.join('Busy');

  const sent: ChatMessage[] = [];
  let next = 0;
  const sendLoop = async () => {
    while (next < MESSAGES) {
      const n = next++;
      try {
        sent.push(await sender.send('Busy', `message ${n}`));
      } catch (error) {
        // An overloaded machine may answer late; the message then still arrives as an event.
        if (!(error instanceof ChatError && error.code === 'timeout')) throw error;
      }
    }
  };
  const traffic = Promise.all(Array.from({ length: CONCURRENCY }, sendLoop));

  // Join while messages are flowing: some are in history, some arrive live during the read.
  await waitUntil(() => sent.length >= MESSAGES / 4, 'a quarter of the traffic', 20_000);
  const live: ChatMessage[] = [];
  joiner.on('message', (message) => live.push(message));
  const snapshot = await joiner.join('Busy');
  const sentWhenJoined = sent.length;
  await traffic;

  // The reference is the sender's own view: it was on the channel all along.
  const reference = () => sender.messages('Busy').map((message) => message.id);
  await waitUntil(
    () => reference().length >= sent.length && snapshot.length + live.length === reference().length,
    'the joiner to receive the rest of the traffic',
    20_000,
  );
  const seenIds = [...snapshot, ...live].map((message) => message.id);
  expect(new Set(seenIds).size).toBe(seenIds.length); // Nothing doubled...
  expect([...seenIds].sort(compareMessageIds)).toEqual(reference()); // ...nothing lost...
  expect(joiner.messages('Busy').map((message) => message.id)).toEqual(reference()); // ...in order.
  expect(reference()).toEqual(expect.arrayContaining(sent.map((message) => message.id)));
  expect(snapshot.map((message) => message.id)).toEqual(
    snapshot.map((message) => message.id).sort(compareMessageIds),
  );
  // The join really happened during traffic: both history and live messages were involved.
  expect(snapshot.length).toBeGreaterThan(0);
  expect(live.length).toBeGreaterThan(0);
  expect(sentWhenJoined).toBeLessThan(MESSAGES);
});
