import type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
import { rejectionOf } from '@game-chat/testing/rejection';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatError } from '../src/errors.js';
import { attemptExpiresInMs, PendingSends } from '../src/pending.js';
import { chatMessage } from './support/messages.js';

const delivered = (overrides: Partial<ChatMessage> = {}): ChatMessage => ({
  ...chatMessage('10-1'),
  channel: 'Town',
  text: 'hi',
  clientMsgId: 'm1',
  ...overrides,
});

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

const settledError = (promise: Promise<unknown>) => rejectionOf(promise, ChatError);

afterEach(() => {
  vi.useRealTimers();
});

const noResend = () => true;

function unavailable(retryAfterMs = 2000): Notice {
  return notice({ code: 'unavailable', detail: 'briefly unavailable', retryAfterMs });
}

describe('PendingSends', () => {
  it('resolves a send with the message delivered for it', async () => {
    const pending = new PendingSends(1_000);
    const send = pending.wait('m1', { kind: 'chat', channel: 'Town' }, noResend);
    expect(pending.resolve(delivered(), 'alice')).toBe(true);
    expect(await send).toEqual(delivered());
    expect(pending.size).toBe(0);
  });

  it('ignores deliveries that do not answer it: other sender, kind, channel or clientMsgId', () => {
    const pending = new PendingSends(1_000);
    void pending.wait('m1', { kind: 'chat', channel: 'Town' }, noResend);
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
    const send = pending.wait('m1', { kind: 'whisper', channel: undefined }, noResend);
    expect(pending.answer(notice({ clientMsgId: 'other' }))).toBe(false);
    expect(pending.answer(notice())).toBe(true);
    expect(await settledError(send)).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 800,
      message: 'slow down',
    });
    expect(pending.answer(notice())).toBe(false); // Settled once only.
  });

  it('rejects with timeout when no answer comes in time, and forgets the send', async () => {
    vi.useFakeTimers();
    const pending = new PendingSends(500);
    const send = pending.wait('m1', { kind: 'chat', channel: 'Town' }, noResend);
    vi.advanceTimersByTime(499);
    expect(pending.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect((await settledError(send)).code).toBe('timeout');
    expect(pending.resolve(delivered(), 'alice')).toBe(false);
  });

  it("abandons one channel's sends, or all of them", async () => {
    const pending = new PendingSends(1_000);
    const town = pending.wait('a', { kind: 'chat', channel: 'Town' }, noResend);
    const forest = pending.wait('b', { kind: 'chat', channel: 'Forest' }, noResend);
    const whisper = pending.wait('c', { kind: 'whisper', channel: undefined }, noResend);
    pending.abandon(new ChatError('not_joined', 'left'), 'Town');
    expect((await settledError(town)).code).toBe('not_joined');
    expect(pending.size).toBe(2);
    pending.abandon(new ChatError('closed', 'closed'));
    expect((await settledError(forest)).code).toBe('closed');
    expect((await settledError(whisper)).code).toBe('closed');
    expect(pending.size).toBe(0);
  });

  describe('an unavailable notice', () => {
    it('sends the same payload again after retryAfterMs plus jitter, and settles once', async () => {
      vi.useFakeTimers();
      const resends: number[] = [];
      const pending = new PendingSends(20_000, () => 0.5);
      const send = pending.wait('m1', { kind: 'chat', channel: 'Town' }, () => {
        resends.push(Date.now());
        return true;
      });
      const start = Date.now();
      expect(pending.answer(unavailable(2000))).toBe(true);
      vi.advanceTimersByTime(2999);
      expect(resends).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(resends).toEqual([start + 3000]);
      expect(pending.size).toBe(1);
      expect(pending.resolve(delivered(), 'alice')).toBe(true);
      expect(await send).toEqual(delivered());
      // Nothing more happens: no second answer, no further resend.
      vi.advanceTimersByTime(30_000);
      expect(resends).toHaveLength(1);
      expect(pending.answer(unavailable())).toBe(false);
    });

    it('never resends before retryAfterMs, and spreads resends up to twice that', () => {
      vi.useFakeTimers();
      for (const random of [0, 0.999]) {
        const resend = vi.fn(() => true);
        const pending = new PendingSends(20_000, () => random);
        pending.wait('m1', { kind: 'chat', channel: 'Town' }, resend).catch(() => undefined);
        pending.answer(unavailable(1000));
        vi.advanceTimersByTime(999);
        expect(resend).not.toHaveBeenCalled();
        vi.advanceTimersByTime(1000);
        expect(resend).toHaveBeenCalledTimes(1);
        pending.abandon(new ChatError('closed', 'done'));
      }
    });

    it('rejects with unavailable when the send timed out after such an answer', async () => {
      vi.useFakeTimers();
      const pending = new PendingSends(5_000, () => 0);
      let resent = 0;
      const send = pending.wait('m1', { kind: 'chat', channel: 'Town' }, () => {
        resent++;
        return true;
      });
      pending.answer(unavailable(2000));
      vi.advanceTimersByTime(2000);
      expect(resent).toBe(1);
      vi.advanceTimersByTime(3000);
      const error = await settledError(send);
      expect(error).toMatchObject({ code: 'unavailable', retryAfterMs: 2000 });
      expect(pending.size).toBe(0);
    });

    it.each([
      // The server took 8.5 s to answer; 2 s of waiting, another 8.5 s and a 1 s margin would
      // reach the 20 s.
      ['rejects at once when a resend could not be answered in the time left', 20_000, 8500],
      ['rejects with unavailable at once when no resend fits in the time left', 5_000, 3500],
    ])('%s', async (_name, sendTimeoutMs, answeredAfterMs) => {
      vi.useFakeTimers();
      const pending = new PendingSends(sendTimeoutMs, () => 0);
      const send = pending.wait('m1', { kind: 'chat', channel: 'Town' }, () => {
        throw new Error('must not resend');
      });
      vi.advanceTimersByTime(answeredAfterMs);
      pending.answer(unavailable(2000));
      expect((await settledError(send)).code).toBe('unavailable');
      expect(pending.size).toBe(0);
    });

    it('waits for a connection to resend, within the time left', async () => {
      vi.useFakeTimers();
      let online = false;
      let resent = 0;
      const pending = new PendingSends(20_000, () => 0);
      pending
        .wait('m1', { kind: 'chat', channel: 'Town' }, () => {
          if (!online) return false;
          resent++;
          return true;
        })
        .catch(() => undefined);
      pending.answer(unavailable(2000));
      vi.advanceTimersByTime(2000);
      expect(resent).toBe(0);
      online = true;
      vi.advanceTimersByTime(1000);
      expect(resent).toBe(1);
      pending.abandon(new ChatError('closed', 'done'));
    });
  });
});

describe('attemptExpiresInMs', () => {
  it('gives an attempt the time the send has left, less two seconds for its trips', () => {
    expect(attemptExpiresInMs(125_000, 25_000, 100_000)).toBe(23_000);
    expect(attemptExpiresInMs(125_000, 25_000, 115_500)).toBe(7_500);
  });

  it('keeps the margin to a quarter of a short timeout', () => {
    expect(attemptExpiresInMs(2_000, 2_000, 0)).toBe(1_500);
  });

  it('makes no attempt with less time left than its trip takes', () => {
    expect(attemptExpiresInMs(10_000, 25_000, 6_000)).toBe(2_000);
    expect(attemptExpiresInMs(10_000, 25_000, 6_001)).toBeUndefined();
    expect(attemptExpiresInMs(10_000, 25_000, 12_000)).toBeUndefined();
    expect(attemptExpiresInMs(1, 1, 0)).toBeUndefined();
  });

  it('never asks for more than the server takes: an hour', () => {
    expect(attemptExpiresInMs(10 * 3_600_000, 10 * 3_600_000, 0)).toBe(3_600_000);
  });
});
