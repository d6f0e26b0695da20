import { StoreInputError, StoreUnavailableError } from '@game-chat/chat-store/errors';
import { lambdaContext } from '@game-chat/testing/lambda-context';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import {
  chatErrorHandler,
  type HttpAnswerableError,
  httpErrorResult,
} from '../src/middleware/error-handler.js';

function recordingLogger() {
  const lines: { message: string; extra: Record<string, unknown> }[] = [];
  return {
    lines,
    error: (message: string, extra: Record<string, unknown>) => lines.push({ message, extra }),
  };
}

function failingWith(error: unknown, answer: 'rethrow' | 'http') {
  const logger = recordingLogger();
  const handler = middy()
    .use(chatErrorHandler({ logger, answer }))
    .handler(async () => {
      throw error;
    });
  return { logger, invoke: () => handler({}, lambdaContext()) };
}

class Refusal extends Error implements HttpAnswerableError {
  readonly code = 'forbidden' as const;
  readonly status = 403;
  readonly expose = true;
}

const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? '');

describe('chatErrorHandler, rethrow', () => {
  it('logs the error with its code and throws it on, unchanged', async () => {
    const error = new StoreUnavailableError('Redis is not reachable');
    const { logger, invoke } = failingWith(error, 'rethrow');
    await expect(invoke()).rejects.toBe(error);
    expect(logger.lines).toEqual([
      { message: expect.any(String), extra: { code: 'store_unavailable', error } },
    ]);
  });

  it('is the default answer', async () => {
    const error = new TypeError('bug');
    const logger = recordingLogger();
    const handler = middy()
      .use(chatErrorHandler({ logger }))
      .handler(async () => {
        throw error;
      });
    await expect(handler({}, lambdaContext())).rejects.toBe(error);
  });
});

describe('chatErrorHandler, http', () => {
  it('answers an error that carries its status with its code and message, unlogged', async () => {
    const { logger, invoke } = failingWith(new Refusal('not your channel'), 'http');
    const result = await invoke();
    expect(result).toMatchObject({ statusCode: 403 });
    expect(bodyOf(result as { body: string })).toEqual({
      error: { code: 'forbidden', message: 'not your channel' },
    });
    expect(logger.lines).toEqual([]);
  });

  it('answers the store being down with 503 store_unavailable, without its details, and logs it', async () => {
    const cause = new StoreUnavailableError('Redis is not reachable: ECONNREFUSED 10.0.0.7:6379');
    const { logger, invoke } = failingWith(cause, 'http');
    const result = (await invoke()) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toEqual({
      error: {
        code: 'store_unavailable',
        message: 'the chat store is unavailable; try again shortly',
      },
    });
    expect(result.body).not.toContain('10.0.0.7');
    expect(logger.lines).toHaveLength(1);
  });

  it('answers the store refusing an input with 400 invalid and its message', () => {
    const result = httpErrorResult(new StoreInputError('channel must be 1-64 characters'));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: { code: 'invalid', message: 'channel must be 1-64 characters' },
    });
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['an error whose code is not an API code', Object.assign(new Error('x'), { code: 'EPIPE' })],
    [
      'a 5xx that does not expose its message',
      Object.assign(new Error('secret detail'), { code: 'internal', status: 500, expose: false }),
    ],
    ['a thrown string', 'boom'],
  ])('answers %s with 500 internal and no detail', (_case, error) => {
    const result = httpErrorResult(error);
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });

  it('shows a 5xx message when the error says it must be shown', () => {
    const told = Object.assign(new Error('the store is being upgraded until 10:00'), {
      code: 'store_unavailable',
      status: 503,
      expose: true,
    });
    expect(bodyOf(httpErrorResult(told))).toEqual({
      error: { code: 'store_unavailable', message: 'the store is being upgraded until 10:00' },
    });
  });

  it('asks for a bearer token on 401, and never lets a cache keep an error', () => {
    const unauthorized = Object.assign(new Error('a bearer token is required'), {
      code: 'unauthorized',
      status: 401,
      expose: true,
    });
    expect(httpErrorResult(unauthorized).headers).toEqual({
      'www-authenticate': 'Bearer',
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(httpErrorResult(new Error('x')).headers).not.toHaveProperty('www-authenticate');
  });
});
