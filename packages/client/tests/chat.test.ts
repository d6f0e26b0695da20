import { rejectionOf } from '@game-chat/testing/rejection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatClientOptions,
  ChatError,
  type ChatMessage,
  createChatClient,
  type SignedToken,
} from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { nextEvent, waitUntil } from './support/wait.js';

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

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ChatError);

describe('two players chatting over the local stack', () => {
  it('send resolves with the server message, and the other player gets the same one', async () => {
    const [alice, bob] = await players.joined('Town', 'alice', 'bob');
    const received = nextEvent(bob, 'message', (message) => message.text === 'hello bob');

    const sent = await alice.send('Town', '  hello bob  ');

    expect(sent).toMatchObject({ kind: 'chat', channel: 'Town', text: 'hello bob' });
    expect(sent.from.id).toBe('alice');
    expect(sent.id).toMatch(/^\d+-\d+$/);
    expect(await received).toEqual(sent);
    expect(bob.messages('Town').map((message) => message.id)).toContain(sent.id);
    expect(alice.messages('Town').at(-1)).toEqual(sent);
  });

  it('a player joining later gets the recent messages in id order', async () => {
    const dana = await players.connect('dana');
    await dana.join('Plaza');
    const sent: ChatMessage[] = [];
    for (const text of ['one', 'two', 'three']) sent.push(await dana.send('Plaza', text));

    const erin = await players.connect('erin');
    const history = await erin.join('Plaza');

    expect(history.map((message) => message.id)).toEqual(sent.map((message) => message.id));
    expect(history.map((message) => message.text)).toEqual(['one', 'two', 'three']);
  });

  it('send rejects with too_long when the server refuses the text, and nothing is delivered', async () => {
    const [frank, watcher] = await players.joined('Dock', 'frank', 'gina');
    const seen: string[] = [];
    watcher.on('message', (message) => seen.push(message.text));
    const notice = nextEvent(frank, 'notice');

    const error = await rejection(frank.send('Dock', 'x'.repeat(SERVER_MAX_TEXT + 1)));
    expect(error.code).toBe('too_long');
    expect((await notice).code).toBe('too_long');

    // The next message passes the same pipeline; once it arrived, the refused one never will.
    const after = nextEvent(watcher, 'message', (message) => message.text === 'short');
    await frank.send('Dock', 'short');
    await after;
    expect(seen).toEqual(['short']);
  });

  it('send rejects with rate_limited and retryAfterMs when a player floods', async () => {
    const henry = await players.connect('henry');
    await henry.join('Arena');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, n) => henry.send('Arena', `spam ${n}`)),
    );
    const refused = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      const error = (result as PromiseRejectedResult).reason as ChatError;
      expect(error).toBeInstanceOf(ChatError);
      expect(error.code).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('whisper resolves with the delivered whisper, which only the recipient receives', async () => {
    const ivan = await players.connect('ivan');
    const jane = await players.connect('jane');
    // A whisper needs the recipient online, as presence knows it (from IoT's lifecycle events).
    await jane.join('Quiet');
    await waitUntil(async () => (await ivan.members('Quiet')).count === 1, 'jane online');
    const received = nextEvent(jane, 'whisper');

    const sent = await ivan.whisper('jane', 'psst');

    expect(sent).toMatchObject({ kind: 'whisper', text: 'psst', from: { id: 'ivan' } });
    expect(await received).toEqual(sent);
  });

  it('bad arguments fail fast with protocol codes and reach nobody', async () => {
    const [kim, lee] = await players.joined('Harbor', 'kim', 'lee');
    const seen: string[] = [];
    lee.on('message', (message) => seen.push(message.text));

    expect((await rejection(kim.send('Harbor', ' \t '))).code).toBe('empty');
    expect((await rejection(kim.send('Harbor', 'y'.repeat(501)))).code).toBe('too_long');
    expect((await rejection(kim.send('Har/bor', 'hi'))).code).toBe('invalid');
    expect((await rejection(kim.whisper('lee+', 'hi'))).code).toBe('invalid');
    expect((await rejection(kim.join('#'))).code).toBe('invalid');

    const after = nextEvent(lee, 'message', (message) => message.text === 'valid');
    await kim.send('Harbor', 'valid');
    await after;
    expect(seen).toEqual(['valid']);
    expect(kim.state).toBe('online');
  });

  it('several channels at once: each message lands in its own channel, until left', async () => {
    const uma = await players.connect('uma');
    const vic = await players.connect('vic');
    const [first, again] = await Promise.all([
      uma.join('North'),
      uma.join('North'), // Joining twice at once subscribes once and gives the same messages.
      uma.join('South'),
      vic.join('North'),
      vic.join('South'),
    ]);
    expect(again).toEqual(first);
    expect(uma.channels.sort()).toEqual(['North', 'South']);

    const bothArrived = nextEvent(uma, 'message', (message) => message.text === 'to the south');
    const north = await vic.send('North', 'to the north');
    await vic.send('South', 'to the south');
    await bothArrived;
    expect(uma.messages('North').map((message) => message.text)).toEqual(['to the north']);
    expect(uma.messages('South').map((message) => message.text)).toEqual(['to the south']);
    expect(north.channel).toBe('North');

    await uma.leave('North');
    const seen: string[] = [];
    uma.on('message', (message) => seen.push(`${message.channel}:${message.text}`));
    await vic.send('North', 'nobody from uma listens');
    const last = nextEvent(uma, 'message', (message) => message.text === 'south again');
    await vic.send('South', 'south again');
    await last;
    expect(seen).toEqual(['South:south again']);
    expect(uma.channels).toEqual(['South']);
  });

  it('connects the AWS way: WebSocket, authorizer name, signature and token in the URL', async () => {
    const token = await stack.issueSignedToken('wanda', { name: 'Wanda' });
    const aws = createChatClient({
      endpoint: stack.urls.ws,
      authorizerName: stack.authorizerName,
      tokenKeyName: stack.tokenKeyName,
      apiUrl: stack.urls.api,
      token,
    });
    try {
      await aws.connect();
      await aws.join('Cloud');
      expect((await aws.send('Cloud', 'over wss')).from.id).toBe('wanda');
    } finally {
      await aws.close();
    }
  });

  type Change = (signed: SignedToken, other: SignedToken) => Partial<ChatClientOptions>;
  const refusedByIot: [string, Change][] = [
    ['another authorizer name', (signed) => ({ token: signed, authorizerName: 'other' })],
    ['no authorizer name', (signed) => ({ token: signed, authorizerName: undefined })],
    ['an unsigned token (the token alone)', (signed) => ({ token: signed.token })],
    [
      'the signature of another token',
      (signed, other) => ({ token: { token: signed.token, signature: other.signature } }),
    ],
    ['another token key name', (signed) => ({ token: signed, tokenKeyName: 'jwt' })],
  ];
  it.each(refusedByIot)(
    'is refused with unauthorized over WebSocket and TCP for %s, the authorizer never called',
    async (_case, change) => {
      const other = await stack.issueSignedToken('someone-else');
      const signed = await stack.issueSignedToken('wanda', { name: 'Wanda' });
      for (const endpoint of [stack.urls.ws, stack.urls.mqtt]) {
        const before = stack.stats().broker.authorizerInvocations;
        const client = createChatClient({
          endpoint,
          apiUrl: stack.urls.api,
          authorizerName: stack.authorizerName,
          ...change({ token: signed.token, signature: signed.signature }, other),
        });
        try {
          expect((await rejection(client.connect())).code).toBe('unauthorized');
          expect(client.state).toBe('offline');
          expect(stack.stats().broker.authorizerInvocations).toBe(before);
        } finally {
          await client.close();
        }
      }
    },
  );

  it('send rejects with timeout when the answer cannot come within sendTimeoutMs, and the message never shows', async () => {
    const impatient = await players.connect('xena', {}, { sendTimeoutMs: 1 });
    await impatient.join('Quick');
    expect((await rejection(impatient.send('Quick', 'too slow'))).code).toBe('timeout');
    // Too little time for an answer: the attempt was not made, so nothing can arrive later.
    // A later message from the same player is the channel's first.
    const patient = await players.connect('xena');
    await patient.join('Quick');
    await patient.send('Quick', 'in time');
    const watcher = await players.connect('yves');
    expect((await watcher.join('Quick')).map((message) => message.text)).toEqual(['in time']);
  });

  it('a forged token is refused with unauthorized, even signed for IoT Core', async () => {
    const real = await stack.issueToken('mallory', { name: 'Mallory' });
    const [header, payload] = real.split('.');
    const forged = createChatClient({
      endpoint: stack.urls.mqtt,
      apiUrl: stack.urls.api,
      authorizerName: stack.authorizerName,
      token: stack.signToken(`${header}.${payload}.${'A'.repeat(43)}`),
    });
    expect((await rejection(forged.connect())).code).toBe('unauthorized');
    expect(forged.state).toBe('offline');
  });
});

describe('a client closed while in use', () => {
  it('rejects its sends under way and every later call with closed', async () => {
    const mod = await players.connect('mod2', { role: 'moderator' });
    const tom = await players.connect('tom');
    await mod.join('Hall');
    await tom.join('Hall');
    const seen: string[] = [];
    tom.on('message', (message) => seen.push(message.text));
    tom.on('system', (message) => seen.push(message.text));
    // close() comes before any answer can (and the server would refuse this text anyway).
    const waiting = mod.send('Hall', 'x'.repeat(SERVER_MAX_TEXT + 1)).catch((error) => error);
    const joining = mod.join('Porch').catch((error) => error);
    const closing = mod.close();
    expect((await waiting).code).toBe('closed');
    expect((await joining).code).toBe('closed');
    await closing;

    expect((await rejection(mod.send('Hall', 'still there?'))).code).toBe('closed');
    expect((await rejection(mod.join('Hall'))).code).toBe('closed');
    expect((await rejection(mod.leave('Hall'))).code).toBe('closed');
    expect((await rejection(mod.whisper('tom', 'psst'))).code).toBe('closed');
    expect((await rejection(mod.announce('Hall', 'closing time'))).code).toBe('closed');
    expect((await rejection(mod.mute('tom', 60))).code).toBe('closed');
    expect((await rejection(mod.connect())).code).toBe('closed');
    expect(mod.channels).toEqual([]);
    expect(mod.messages('Hall')).toEqual([]);

    // None of it reached the others: the next thing tom sees is a living player's message.
    const next = nextEvent(tom, 'message');
    const other = await players.connect('uli');
    await other.join('Hall');
    await other.send('Hall', 'after the close');
    await next;
    expect(seen).toEqual(['after the close']);
  });
});

describe('moderation over the HTTP API', () => {
  it('announce, delete, mute and unmute reach the players', async () => {
    const mod = await players.connect('mod1', { role: 'moderator' });
    const pat = await players.connect('pat');
    const quinn = await players.connect('quinn');
    await pat.join('Keep');
    await quinn.join('Keep');

    const announced = nextEvent(quinn, 'system');
    const announcement = await mod.announce('Keep', 'Server restart in 5 minutes');
    expect(announcement).toMatchObject({ kind: 'system', text: 'Server restart in 5 minutes' });
    expect((await announced).id).toBe(announcement.id);

    const rude = await pat.send('Keep', 'something rude');
    const deleted = nextEvent(quinn, 'delete');
    await mod.deleteMessage('Keep', rude.id);
    expect(await deleted).toMatchObject({ channel: 'Keep', targetId: rude.id });
    expect(quinn.messages('Keep').map((message) => message.id)).not.toContain(rude.id);

    const { until } = await mod.mute('pat', 60, 'cool down');
    expect(until).toBeGreaterThan(Date.now());
    expect((await rejection(pat.send('Keep', 'let me talk'))).code).toBe('muted');
    expect(await mod.unmute('pat')).toEqual({ wasMuted: true });
    expect((await pat.send('Keep', 'thanks')).text).toBe('thanks');

    // A newcomer's history has the announcement and not the deleted message.
    const newcomer = await players.connect('rob');
    const history = await newcomer.join('Keep');
    const ids = history.map((message) => message.id);
    expect(ids).toContain(announcement.id);
    expect(ids).not.toContain(rude.id);
  });

  it('players may not moderate: forbidden with status 403', async () => {
    const sam = await players.connect('sam');
    const error = await rejection(sam.announce('Keep', 'I am the law'));
    expect(error).toMatchObject({ code: 'forbidden', status: 403 });
  });
});

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
