import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatError, type ChatMessage } from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { nextEvent } from './support/wait.js';

/** The server's text limit, lower than the SDK's default, so the server's check is reached. */
const SERVER_MAX_TEXT = 40;

let stack: LocalStack;
let players: Players;

beforeAll(async () => {
  stack = await startStack({ CHAT_MAX_TEXT: String(SERVER_MAX_TEXT) });
  players = new Players(stack);
});

afterAll(async () => {
  await players?.closeAll();
  await stack?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<ChatError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChatError);
  return error as ChatError;
}

describe('post: sending without joining', () => {
  it('reaches the channel with its clientMsgId, and the sender receives nothing of it', async () => {
    const poster = await players.connect('poster');
    const reader = await players.connect('reader');
    await reader.join('Square');
    const posterSaw: ChatMessage[] = [];
    poster.on('message', (message) => posterSaw.push(message));
    poster.on('system', (message) => posterSaw.push(message));

    const seen = nextEvent(reader, 'message', (message) => message.from.id === 'poster');
    const posted = await poster.post('Square', '  hello square  ');
    const message = await seen;

    expect(posted).toEqual({
      channel: 'Square',
      clientMsgId: expect.stringMatching(/^[0-9a-f]{16,}$/),
    });
    expect(message).toMatchObject({
      kind: 'chat',
      channel: 'Square',
      text: 'hello square',
      clientMsgId: posted.clientMsgId,
    });
    // The reader's own message in the same channel does not reach the poster either.
    await reader.send('Square', 'only readers see this');
    expect(poster.channels).toEqual([]);
    expect(posterSaw).toEqual([]);
  });

  it("the server's refusal comes as a notice with the clientMsgId, and nothing is delivered", async () => {
    const poster = await players.connect('loud');
    const reader = await players.connect('quiet');
    await reader.join('Pier');
    const seen: string[] = [];
    reader.on('message', (message) => seen.push(message.text));

    const notice = nextEvent(poster, 'notice', (n) => n.code === 'too_long');
    const posted = await poster.post('Pier', 'x'.repeat(SERVER_MAX_TEXT + 1));
    expect(await notice).toMatchObject({ code: 'too_long', clientMsgId: posted.clientMsgId });

    const after = nextEvent(reader, 'message', (message) => message.text === 'fits');
    await poster.post('Pier', 'fits');
    await after;
    expect(seen).toEqual(['fits']);
  });

  it('a flood is refused with rate_limited notices naming the posts and retryAfterMs', async () => {
    const spammer = await players.connect('spammer');
    const refusals: { clientMsgId?: string; retryAfterMs?: number }[] = [];
    spammer.on('notice', (notice) => {
      if (notice.code === 'rate_limited') refusals.push(notice);
    });
    const posted = await Promise.all(
      Array.from({ length: 8 }, (_, n) => spammer.post('Market', `spam ${n}`)),
    );
    const ids = new Set(posted.map((post) => post.clientMsgId));
    expect(ids.size).toBe(8);

    const refused = nextEvent(spammer, 'notice', (notice) => notice.code === 'rate_limited');
    await refused;
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) {
      expect(ids.has(refusal.clientMsgId as string)).toBe(true);
      expect(refusal.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('bad arguments, a channel the token does not allow, and no connection fail fast', async () => {
    const kim = await players.connect('kimpost', { channels: ['Town*'] });
    expect((await rejection(kim.post('Town1', ' \t '))).code).toBe('empty');
    expect((await rejection(kim.post('Town1', 'y'.repeat(501)))).code).toBe('too_long');
    expect((await rejection(kim.post('Town/1', 'hi'))).code).toBe('invalid');
    expect((await rejection(kim.post('Castle', 'hi'))).code).toBe('forbidden');
    expect(kim.state).toBe('online');

    const offline = players.create('nobody');
    expect((await rejection(offline.post('Town1', 'hi'))).code).toBe('not_connected');
    await kim.close();
    expect((await rejection(kim.post('Town1', 'hi'))).code).toBe('closed');
  });
});
