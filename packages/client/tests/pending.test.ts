import type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatError } from '../src/errors.js';
import { PendingSends } from '../src/pending.js';

function delivered(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    v: 1,
    id: '10-1',
    kind: 'chat',
    channel: 'Town',
    from: { id: 'alice', name: 'Alice' },
    text: 'hi',
    sentAt: 10,
    clientMsgId: 'm1',
    ...overrides,
  };
}

function notice(overrides: Partial<Notice> = {}): Notice {
  return {
    v: 1,
    kind: 'notice',
    code: 'rate_limited',
    detail: 'slow down',
    clientMsgId: 'm1',
    retryAfterMs: 800,
    ...overrides,
  };
}

async function settledError(promise: Promise<unknown>): Promise<ChatError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChatError);
  return error as ChatError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PendingSends', () => {
  it('resolves a send with the message delivered for it', async () => {
    const pending = new PendingSends(1_000);
    const send = pending.wait('m1', { kind: 'chat', channel: 'Town' });
    expect(pending.resolve(delivered(), 'alice')).toBe(true);
    expect(await send).toEqual(delivered());
    expect(pending.size).toBe(0);
  });

  it('ignores deliveries that do not answer it: other sender, kind, channel or clientMsgId', () => {
    const pending = new PendingSends(1_000);
    void pending.wait('m1', { kind: 'chat', channel: 'Town' });
    expect(pending.resolve(delivered(), 'bob')).toBe(false);
    expect(pending.resolve(delivered({ kind: 'whisper' }), 'alice')).toBe(false);
    expect(pending.resolve(delivered({ channel: 'Forest' }), 'alice')).toBe(false);
    expect(pending.resolve(delivered({ clientMsgId: 'm2' }), 'alice')).toBe(false);
    const { clientMsgId: _, ...withoutId } = delivered();
    expect(pending.resolve(withoutId, 'alice')).toBe(false);
    expect(pending.size).toBe(1);
  });

  it("rejects a send with its notice's code and retryAfterMs", async () => {
    const pending = new PendingSends(1_000);
    const send = pending.wait('m1', { kind: 'whisper', channel: undefined });
    expect(pending.reject(notice({ clientMsgId: 'other' }))).toBe(false);
    expect(pending.reject(notice())).toBe(true);
    expect(await settledError(send)).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 800,
      message: 'slow down',
    });
    expect(pending.reject(notice())).toBe(false); // Settled once only.
  });

  it('rejects with timeout when no answer comes in time, and forgets the send', async () => {
    vi.useFakeTimers();
    const pending = new PendingSends(500);
    const send = pending.wait('m1', { kind: 'chat', channel: 'Town' });
    vi.advanceTimersByTime(499);
    expect(pending.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect((await settledError(send)).code).toBe('timeout');
    expect(pending.resolve(delivered(), 'alice')).toBe(false);
  });

  it("abandons one channel's sends, or all of them", async () => {
    const pending = new PendingSends(1_000);
    const town = pending.wait('a', { kind: 'chat', channel: 'Town' });
    const forest = pending.wait('b', { kind: 'chat', channel: 'Forest' });
    const whisper = pending.wait('c', { kind: 'whisper', channel: undefined });
    pending.abandon(new ChatError('not_joined', 'left'), 'Town');
    expect((await settledError(town)).code).toBe('not_joined');
    expect(pending.size).toBe(2);
    pending.abandon(new ChatError('closed', 'closed'));
    expect((await settledError(forest)).code).toBe('closed');
    expect((await settledError(whisper)).code).toBe('closed');
    expect(pending.size).toBe(0);
  });
});
