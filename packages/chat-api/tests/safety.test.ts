import { randomUUID } from 'node:crypto';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { routedEvent } from '@game-chat/testing/http-api-event';
import { describe, expect, it } from 'vitest';
import { bearer, expectError } from './helpers/requests.js';
import { apiLambdaForFile } from './support/api-lambda.js';

const keyPrefix = `safe-${randomUUID().slice(0, 8)}`;
const api = apiLambdaForFile('safety', { keyPrefix, env: { CHAT_MAX_BLOCKS: '3' } });
const BLOCK = 'PUT /players/me/blocks/{playerId}';
const UNBLOCK = 'DELETE /players/me/blocks/{playerId}';
const BLOCKS = 'GET /players/me/blocks';
const REPORT = 'POST /channels/{channel}/messages/{id}/reports';
const REPORTS = 'GET /reports';
const RESOLVE = 'POST /reports/{reportId}/resolution';
const SLOW = 'PUT /channels/{channel}/slow-mode';
const SLOW_OFF = 'DELETE /channels/{channel}/slow-mode';
const LIST = 'GET /channels/{channel}/messages';

let channelCount = 0;
const freshChannel = () => `Safe${++channelCount}x${Date.now() % 100000}`;

async function call(
  routeKey: string,
  parameters: Record<string, string>,
  who: [string, 'player' | 'moderator'],
  json?: unknown,
  query?: string,
) {
  return api.invoke(
    routedEvent(routeKey, parameters, {
      headers: await bearer(...who),
      ...(json === undefined
        ? {}
        : { body: typeof json === 'string' ? json : JSON.stringify(json) }),
      ...(query === undefined ? {} : { query }),
    }),
  );
}

/** Every key under the test prefix: to show that a refusal stored nothing. */
async function keys(): Promise<string[]> {
  return ((await api.connection.command(['KEYS', `${keyPrefix}:*`])) as string[]).sort();
}

async function post(channel: string, text: string, sender = 'mallory') {
  const result = await api.store.append(channel as ChannelName, {
    kind: 'chat',
    from: { id: sender as PlayerId, name: sender },
    text,
  });
  if (result.status !== 'stored') throw new Error(result.status);
  return result.message;
}

const alice: [string, 'player'] = ['alice', 'player'];
const mod: [string, 'moderator'] = ['mod1', 'moderator'];

describe('block lists', () => {
  it('blocks, lists and unblocks for the caller only', async () => {
    const blocked = await call(BLOCK, { playerId: 'mallory' }, alice);
    expect(blocked.status).toBe(200);
    expect(blocked.json).toEqual({ id: 'mallory', since: expect.any(Number) });
    expect((await call(BLOCKS, {}, alice)).json).toEqual({
      blocks: [{ id: 'mallory', since: blocked.json.since }],
    });
    expect((await call(BLOCKS, {}, ['bob', 'player'])).json).toEqual({ blocks: [] });
    const unblocked = await call(UNBLOCK, { playerId: 'mallory' }, alice);
    expect(unblocked.json).toEqual({ id: 'mallory', wasBlocked: true });
    expect((await call(BLOCKS, {}, alice)).json).toEqual({ blocks: [] });
  });

  it('refuses blocking oneself, an invalid id, and past CHAT_MAX_BLOCKS, storing nothing', async () => {
    const before = await keys();
    expectError(await call(BLOCK, { playerId: 'carol' }, ['carol', 'player']), 400, 'invalid');
    expectError(await call(BLOCK, { playerId: 'not valid!' }, ['carol', 'player']), 400, 'invalid');
    expect(await keys()).toEqual(before);
    for (const id of ['b1', 'b2', 'b3']) {
      expect((await call(BLOCK, { playerId: id }, ['carol', 'player'])).status).toBe(200);
    }
    expectError(await call(BLOCK, { playerId: 'b4' }, ['carol', 'player']), 409, 'conflict');
    expect((await call(BLOCKS, {}, ['carol', 'player'])).json.blocks).toHaveLength(3);
  });

  it('needs a token, whatever CHAT_HISTORY_REQUIRE_AUTH says', async () => {
    expectError(await api.invoke(routedEvent(BLOCKS, {})), 401, 'unauthorized');
  });
});

describe('reports', () => {
  it('copies the evidence, takes one report per reporter per message, and lists it to moderators', async () => {
    const channel = freshChannel();
    await post(channel, 'hello', 'alice');
    const bad = await post(channel, 'you are trash');
    const after = await post(channel, 'and more', 'bob');
    const report = await call(REPORT, { channel, id: bad.id }, alice, {
      reason: 'harassment',
      note: 'every match',
    });
    expect(report.status).toBe(201);
    expect(report.json).toEqual({ reportId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expectError(
      await call(REPORT, { channel, id: bad.id }, alice, { reason: 'spam' }),
      409,
      'conflict',
    );
    const page = await call(REPORTS, {}, mod, undefined, 'status=open&limit=100');
    expect(page.status).toBe(200);
    const listed = page.json.reports.find(
      (r: { reportId: string }) => r.reportId === report.json.reportId,
    );
    expect(listed).toMatchObject({
      status: 'open',
      channel,
      messageId: bad.id,
      reporter: 'alice',
      reason: 'harassment',
      note: 'every match',
      evidence: {
        message: { id: bad.id, text: 'you are trash', from: { id: 'mallory' } },
        before: [{ text: 'hello' }],
        after: [{ id: after.id, text: 'and more' }],
      },
    });
  });

  it.each([
    ['a reason outside the list', { reason: 'rude' }, 400, 'invalid'],
    ['a note over 500 code points', { reason: 'spam', note: 'x'.repeat(501) }, 400, 'too_long'],
    ['a body that is not JSON', 'nope', 400, 'invalid'],
  ])('refuses %s and stores nothing', async (_what, body, status, code) => {
    const channel = freshChannel();
    const message = await post(channel, 'hi');
    const before = await keys();
    expectError(await call(REPORT, { channel, id: message.id }, alice, body), status, code);
    expect(await keys()).toEqual(before);
  });

  it("answers 404 for an unknown message, 400 for one's own message or a bad id, storing nothing", async () => {
    const channel = freshChannel();
    const own = await post(channel, 'mine', 'alice');
    const system = await api.store.append(channel as ChannelName, {
      kind: 'system',
      from: { id: 'system', name: 'System' },
      text: 'welcome',
    });
    const before = await keys();
    const spam = { reason: 'spam' };
    expectError(await call(REPORT, { channel, id: '1-1' }, alice, spam), 404, 'not_found');
    expectError(
      await call(REPORT, { channel: 'Nowhere', id: own.id }, alice, spam),
      404,
      'not_found',
    );
    expectError(await call(REPORT, { channel, id: own.id }, alice, spam), 400, 'invalid');
    expectError(await call(REPORT, { channel, id: 'abc' }, alice, spam), 400, 'invalid');
    if (system.status === 'stored') {
      expectError(
        await call(REPORT, { channel, id: system.message.id }, alice, spam),
        400,
        'invalid',
      );
    }
    expect(await keys()).toEqual(before);
  });

  it('rate-limits a reporter with 429 and retryAfterMs', async () => {
    const channel = freshChannel();
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 11; i++) {
      const message = await post(channel, `m${i}`);
      last = await call(REPORT, { channel, id: message.id }, ['rita', 'player'], {
        reason: 'spam',
      });
      if (i < 10) expect(last.status).toBe(201);
    }
    expect(last?.status).toBe(429);
    expect(last?.json).toEqual({
      error: {
        code: 'rate_limited',
        message: expect.any(String),
        retryAfterMs: expect.any(Number),
      },
    });
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('refuses players on the moderator routes with 403', async () => {
    expectError(await call(REPORTS, {}, alice), 403, 'forbidden');
    expectError(
      await call(RESOLVE, { reportId: '0123456789abcdef' }, alice, { action: 'dismiss' }),
      403,
      'forbidden',
    );
    const channel = freshChannel();
    expectError(await call(SLOW, { channel }, alice, { seconds: 10 }), 403, 'forbidden');
    expectError(await call(SLOW_OFF, { channel }, alice), 403, 'forbidden');
  });

  it('resolves with delete: the message is removed and every client told', async () => {
    const channel = freshChannel();
    const bad = await post(channel, 'delete me');
    const { json } = await call(REPORT, { channel, id: bad.id }, alice, { reason: 'hate' });
    api.recorder.clear();
    const resolved = await call(RESOLVE, { reportId: json.reportId }, mod, {
      action: 'delete',
      note: 'hate speech',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.json).toMatchObject({
      removed: true,
      report: {
        status: 'resolved',
        resolution: { action: 'delete', by: 'mod1', at: expect.any(Number), note: 'hate speech' },
        evidence: { message: { id: bad.id } },
      },
    });
    const history = await call(LIST, { channel }, alice);
    expect(history.json.messages.map((m: { kind: string }) => m.kind)).toEqual(['delete']);
    expect(api.recorder.published.map((p) => p.json<{ targetId?: string }>().targetId)).toEqual([
      bad.id,
    ]);
    expectError(
      await call(RESOLVE, { reportId: json.reportId }, mod, { action: 'dismiss' }),
      409,
      'conflict',
    );
    const resolvedPage = await call(REPORTS, {}, mod, undefined, 'status=resolved');
    expect(resolvedPage.json.reports.map((r: { reportId: string }) => r.reportId)).toContain(
      json.reportId,
    );
  });

  it('resolves with mute: the reported player is muted, by the moderator', async () => {
    const channel = freshChannel();
    const bad = await post(channel, 'spam spam', 'spammer');
    const { json } = await call(REPORT, { channel, id: bad.id }, alice, { reason: 'spam' });
    const resolved = await call(RESOLVE, { reportId: json.reportId }, mod, {
      action: 'mute',
      seconds: 600,
    });
    expect(resolved.json).toMatchObject({
      muted: { playerId: 'spammer', until: expect.any(Number) },
      report: { resolution: { action: 'mute', seconds: 600, by: 'mod1' } },
    });
    expect(await api.store.getMute('spammer' as PlayerId)).toMatchObject({
      by: 'mod1',
      reason: `report ${json.reportId}: spam`,
    });
  });

  it("keeps a moderator to the token's channels claim", async () => {
    const channel = freshChannel();
    const message = await post(channel, 'elsewhere');
    const { json } = await call(REPORT, { channel, id: message.id }, alice, { reason: 'spam' });
    const scoped = await bearer('mod2', 'moderator', { channels: ['Other'] });
    const listed = await api.invoke(
      routedEvent(REPORTS, {}, { headers: scoped, query: 'limit=100' }),
    );
    expect(listed.json.reports.map((r: { channel: string }) => r.channel)).not.toContain(channel);
    const refused = await api.invoke(
      routedEvent(
        RESOLVE,
        { reportId: json.reportId },
        {
          headers: scoped,
          body: JSON.stringify({ action: 'delete' }),
        },
      ),
    );
    expectError(refused, 403, 'forbidden');
    expect((await call(LIST, { channel }, alice)).json.messages).toHaveLength(1);
  });

  it('resolves with dismiss: nothing else happens', async () => {
    const channel = freshChannel();
    const message = await post(channel, 'gg', 'nice');
    const { json } = await call(REPORT, { channel, id: message.id }, alice, { reason: 'other' });
    api.recorder.clear();
    const resolved = await call(RESOLVE, { reportId: json.reportId }, mod, { action: 'dismiss' });
    expect(resolved.json.report.resolution.action).toBe('dismiss');
    expect(api.recorder.published).toEqual([]);
    expect(await api.store.getMute('nice' as PlayerId)).toBeNull();
    expect((await call(LIST, { channel }, alice)).json.messages).toHaveLength(1);
  });

  it.each([
    ['an unknown report', '0123456789abcdef', { action: 'dismiss' }, 404, 'not_found'],
    ['a bad report id', 'xyz', { action: 'dismiss' }, 400, 'invalid'],
    ['an unknown action', '0123456789abcdef', { action: 'ban' }, 400, 'invalid'],
    ['mute without seconds', '0123456789abcdef', { action: 'mute' }, 400, 'invalid'],
  ])('answers %s', async (_what, reportId, body, status, code) => {
    expectError(await call(RESOLVE, { reportId }, mod, body), status, code);
  });

  it('refuses a bad queue query', async () => {
    expectError(await call(REPORTS, {}, mod, undefined, 'status=closed'), 400, 'invalid');
    expectError(await call(REPORTS, {}, mod, undefined, 'limit=0'), 400, 'invalid');
    expectError(await call(REPORTS, {}, mod, undefined, 'after=0123456789abcdef'), 400, 'invalid');
  });
});

describe('slow mode', () => {
  it('is set and cleared by moderators, announced as a system message and read by history', async () => {
    const channel = freshChannel();
    const set = await call(SLOW, { channel }, mod, { seconds: 15 });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({
      channel,
      slowModeSeconds: 15,
      message: { kind: 'system', slowModeSeconds: 15, text: expect.stringMatching(/15 seconds/) },
    });
    expect(api.recorder.published.map((p) => p.topic)).toEqual([`chat/room/${channel}`]);
    expect((await call(LIST, { channel }, alice)).json.slowModeSeconds).toBe(15);
    const cleared = await call(SLOW_OFF, { channel }, mod);
    expect(cleared.json).toMatchObject({ slowModeSeconds: 0, message: { slowModeSeconds: 0 } });
    const history = await call(LIST, { channel }, alice);
    expect(history.json.slowModeSeconds).toBe(0);
    expect(history.json.messages.map((m: { text: string }) => m.text)).toEqual([
      'Slow mode is on: one message every 15 seconds',
      'Slow mode is off',
    ]);
  });

  it.each([0, 601, 2.5, '10'])('refuses %s seconds and stores nothing', async (seconds) => {
    const channel = freshChannel();
    const before = await keys();
    expectError(await call(SLOW, { channel }, mod, { seconds }), 400, 'invalid');
    expect(await keys()).toEqual(before);
    expect(api.recorder.published).toEqual([]);
  });
});
