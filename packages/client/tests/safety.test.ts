import { rejectionOf } from '@game-chat/testing/rejection';
import { describe, expect, it } from 'vitest';
import { ChatApi } from '../src/api.js';
import { type ChatClient, ChatError, type ChatMessage } from '../src/client.js';
import { stackForFile } from './support/stack.js';
import { nextEvent, waitUntil } from './support/wait.js';

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ChatError);

/** A short history window, so a test can outlast it by sending, not by waiting. */
const HISTORY_SECONDS = 3;

const file = stackForFile({
  CHAT_HISTORY_SECONDS: String(HISTORY_SECONDS),
  // Room for the filler messages that move the server's clock past the window: only the
  // window, never the count cap or a rate limit, may drop the reported message.
  CHAT_HISTORY_MAX: '10000',
  CHAT_RATE_BURST: '1000',
  CHAT_RATE_PER_SECOND: '1000',
  CHAT_CHANNEL_RATE_PER_SECOND: '5000',
});

/** A history reader of its own, to see what the server still holds. */
function historyOf(playerId: string): ChatApi {
  return new ChatApi({
    apiUrl: file.stack.urls.api,
    getToken: () => file.stack.issueToken(playerId),
    timeoutMs: 10_000,
    maxTextLength: 500,
  });
}

/**
 * Sends filler messages until the server has stamped one at or after `ms` (message ids carry the
 * server's clock): the test moves forward with the server's own time, not a fixed delay.
 */
async function sendUntilServerTime(sender: ChatClient, channel: string, ms: number) {
  let last: ChatMessage | undefined;
  for (let i = 0; last === undefined || last.sentAt < ms; i++) {
    last = await sender.send(channel, `filler ${i}`);
  }
}

describe('block lists', () => {
  it("refuse a blocked player's whisper with ignored, and it is not delivered", async () => {
    const alice = await file.players.connect('alice');
    const mallory = await file.players.connect('mallory');
    const bob = await file.players.connect('bob');
    // A whisper needs its recipient online, as presence knows it: otherwise it is `offline`.
    await alice.join('Quiet');
    await waitUntil(async () => (await bob.members('Quiet')).count === 1, 'alice online');
    const whispers: ChatMessage[] = [];
    alice.on('whisper', (message) => whispers.push(message));
    await alice.block('mallory');
    expect(alice.blocked().map((entry) => entry.id)).toEqual(['mallory']);

    const error = await rejection(mallory.whisper('alice', 'you cannot hide'));
    expect(error.code).toBe('ignored');
    expect(error.message).not.toMatch(/block/i);
    // The refusal settled after the filter was done with it; a later whisper arrives alone.
    await bob.whisper('alice', 'hi alice');
    await waitUntil(() => whispers.some((w) => w.text === 'hi alice'), 'bob whisper');
    expect(whispers.map((w) => w.from.id)).toEqual(['bob']);

    await alice.unblock('mallory');
    const delivered = nextEvent(alice, 'whisper', (w) => w.from.id === 'mallory');
    await mallory.whisper('alice', 'sorry');
    expect((await delivered).text).toBe('sorry');
  });

  it("hides a blocked player's room messages, and the list is loaded on connect elsewhere", async () => {
    const carol = await file.players.connect('carol');
    const troll = await file.players.connect('troll');
    const dave = await file.players.connect('dave');
    for (const client of [carol, troll, dave]) await client.join('Lobby');
    await carol.block('troll');
    const seen: string[] = [];
    carol.on('message', (message) => seen.push(message.text));

    const hidden = await troll.send('Lobby', 'spam spam spam');
    const visible = nextEvent(carol, 'message', (message) => message.text === 'gg');
    await dave.send('Lobby', 'gg');
    await visible;
    expect(seen).toEqual(['gg']);
    expect(carol.messages('Lobby').map((m) => m.id)).not.toContain(hidden.id);
    expect(dave.messages('Lobby').map((m) => m.id)).toContain(hidden.id);

    // Another session of the same player reads the block list when it connects.
    const carolTab = await file.players.connect('carol', {}, { clientSuffix: 'tab2' });
    const history = await carolTab.join('Lobby');
    expect(carolTab.isBlocked('troll')).toBe(true);
    expect(history.map((m) => m.text)).toEqual(['gg']);

    await carol.unblock('troll');
    expect(carol.messages('Lobby').map((m) => m.id)).toContain(hidden.id);
  });

  it('refuses blocking oneself or an invalid id', async () => {
    const erin = await file.players.connect('erin');
    expect((await rejection(erin.block('erin'))).code).toBe('invalid');
    expect((await rejection(erin.block('not valid!'))).code).toBe('invalid');
    expect(erin.blocked()).toEqual([]);
  });
});

describe('reports', () => {
  it('keep the message and its context for the moderator after the history window', async () => {
    const [reporter, abuser] = await file.players.joined('Arena', 'rose', 'abe');
    const mod = await file.players.connect('mod1', { role: 'moderator' });
    const before = await reporter.send('Arena', 'good game');
    const target = await abuser.send('Arena', 'you are worthless');
    // One second before the window expires, as the server counts it.
    await sendUntilServerTime(reporter, 'Arena', target.sentAt + (HISTORY_SECONDS - 1) * 1000);
    const { reportId } = await reporter.report('Arena', target.id, 'harassment', 'again');
    expect((await rejection(reporter.report('Arena', target.id, 'spam'))).code).toBe('conflict');

    // Past the window: the message is gone from history...
    const reader = historyOf('rose');
    await waitUntil(async () => {
      await reporter.send('Arena', 'tick');
      // The oldest message after `before` still in history: the target, until it expires.
      const { messages } = await reader.history('Arena', { after: before.id, limit: 1 });
      return messages[0]?.id !== target.id;
    }, 'the reported message to leave history');
    // ...so it can no longer be reported (404), and it is still in the report.
    expect((await rejection(mod.report('Arena', target.id, 'hate'))).code).toBe('not_found');
    const page = await mod.reports({ status: 'open', limit: 100 });
    const report = page.reports.find((r) => r.reportId === reportId);
    expect(report).toMatchObject({
      status: 'open',
      channel: 'Arena',
      messageId: target.id,
      reporter: 'rose',
      reason: 'harassment',
      note: 'again',
    });
    expect(report?.evidence.message).toEqual(target);
    expect(report?.evidence.before.map((m) => m.id)).toContain(before.id);
    expect(report?.evidence.after.length).toBeGreaterThan(0);

    // Resolving with mute mutes the sender of the reported message.
    const resolved = await mod.resolveReport(reportId, 'mute', { seconds: 120 });
    expect(resolved.muted?.playerId).toBe('abe');
    expect(resolved.report.resolution).toMatchObject({ action: 'mute', by: 'mod1' });
    expect((await rejection(abuser.send('Arena', 'still here'))).code).toBe('muted');
    const open = await mod.reports();
    expect(open.reports.map((r) => r.reportId)).not.toContain(reportId);
  });

  it('resolving with delete removes the message for everyone', async () => {
    const [reporter, abuser] = await file.players.joined('Bay', 'rita', 'ava');
    const mod = await file.players.connect('mod2', { role: 'moderator' });
    const target = await abuser.send('Bay', 'buy gold at example dot com');
    const { reportId } = await reporter.report('Bay', target.id, 'spam');
    const removed = nextEvent(reporter, 'delete', (event) => event.targetId === target.id);
    const resolved = await mod.resolveReport(reportId, 'delete');
    expect(resolved.removed).toBe(true);
    await removed;
    expect(reporter.messages('Bay').map((m) => m.id)).not.toContain(target.id);
  });

  it('refuses unknown messages, own messages, and players on moderator calls', async () => {
    const sid = await file.players.connect('sid');
    await sid.join('Cove');
    const own = await sid.send('Cove', 'mine');
    expect((await rejection(sid.report('Cove', own.id, 'spam'))).code).toBe('invalid');
    expect((await rejection(sid.report('Cove', '1-1', 'spam'))).code).toBe('not_found');
    expect((await rejection(sid.reports())).code).toBe('forbidden');
    expect((await rejection(sid.setSlowMode('Cove', 10))).code).toBe('forbidden');
    expect((await rejection(sid.report('Cove', own.id, 'rude' as 'spam'))).code).toBe('invalid');
  });
});

describe('slow mode', () => {
  it('refuses the second message inside the interval with the right retryAfterMs', async () => {
    const sam = await file.players.connect('sam');
    const mod = await file.players.connect('mod3', { role: 'moderator' });
    await sam.join('Quiet');
    const announced = nextEvent(sam, 'slowMode', (event) => event.channel === 'Quiet');
    const set = await mod.setSlowMode('Quiet', 20);
    expect(set.message).toMatchObject({ kind: 'system', slowModeSeconds: 20 });
    expect(await announced).toEqual({ channel: 'Quiet', seconds: 20 });
    expect(sam.slowMode('Quiet')).toBe(20);

    // The interval runs from when IoT received the first message: after `before`.
    const before = Date.now();
    await sam.send('Quiet', 'first');
    const error = await rejection(sam.send('Quiet', 'second'));
    const elapsed = Date.now() - before;
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(20_000 - elapsed);
    expect(sam.messages('Quiet').map((m) => m.text)).not.toContain('second');

    // A late joiner reads it from history; clearing it is announced too.
    const tom = await file.players.connect('tom');
    await tom.join('Quiet');
    expect(tom.slowMode('Quiet')).toBe(20);
    const cleared = nextEvent(tom, 'slowMode', (event) => event.seconds === 0);
    await mod.clearSlowMode('Quiet');
    await cleared;
    expect((await sam.send('Quiet', 'free again')).text).toBe('free again');
  });
});
