import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatError, type Notice } from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { waitUntil } from './support/wait.js';

/**
 * The Data Plane fails the room's publishes (the local stack's injected outage) for longer than
 * the filter's retry budget: the filter answers `unavailable`, and the SDK sends the same
 * message again by itself until its send timeout. `send()` settles once.
 */

let stack: LocalStack;
let players: Players;

beforeAll(async () => {
  // A 1 s budget makes "longer than the budget" quick; the SDK's logic does not depend on it.
  stack = await startStack({ CHAT_RETRY_BUDGET_MS: '1000' });
  players = new Players(stack);
});

afterAll(async () => {
  stack?.setDataPlaneFault(undefined);
  await players?.closeAll();
  await stack?.stop();
});

const invocations = () => stack.stats().rules.chat_send?.invocations ?? 0;

describe('a send that meets an outage', () => {
  it('is sent again after an unavailable notice and resolves once, delivered once', async () => {
    const [alice, bob] = await players.joined('Relay', 'alice', 'bob');
    const notices: Notice[] = [];
    alice.on('notice', (notice) => notices.push(notice));
    const delivered: string[] = [];
    bob.on('message', (message) => delivered.push(message.id));

    stack.setDataPlaneFault({ topics: (topic) => topic === 'chat/room/Relay' });
    const before = invocations();
    let settled = 0;
    const sending = alice.send('Relay', 'through the outage').finally(() => {
      settled++;
    });
    // The first event, then the SDK's resend of the same message: a second invocation.
    await waitUntil(() => invocations() >= before + 2, 'the SDK to send it again', 15_000);
    stack.setDataPlaneFault(undefined);

    const sent = await sending;
    expect(sent).toMatchObject({ text: 'through the outage', from: { id: 'alice' } });
    await waitUntil(() => delivered.includes(sent.id), 'bob to get it');
    expect(delivered.filter((id) => id === sent.id)).toHaveLength(1);
    // Handled inside the SDK: the game sees no notice.
    expect(notices).toEqual([]);
    const again = await (await players.connect('carol')).join('Relay');
    expect(again.filter((message) => message.text === 'through the outage')).toEqual([sent]);
    expect(settled).toBe(1);
  });

  it('rejects once with unavailable when the outage outlasts sendTimeoutMs', async () => {
    const dave = await players.connect('dave', {}, { sendTimeoutMs: 5_000 });
    await dave.join('Stuck');
    stack.setDataPlaneFault({ topics: (topic) => topic === 'chat/room/Stuck' });
    let settled = 0;
    const error = await dave
      .send('Stuck', 'nobody hears this')
      .finally(() => {
        settled++;
      })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    stack.setDataPlaneFault(undefined);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'unavailable', retryAfterMs: 2000 });
    expect(settled).toBe(1);
  });
});
