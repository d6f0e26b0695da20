import { describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../src/aws-location.js';
import { invokeLambda, type LambdaFunction, LambdaTimeoutError } from '../../src/lambda/invoke.js';

const fn = (handler: LambdaFunction['handler'], timeoutMs = 1000): LambdaFunction => ({
  name: 'game-chat-local-test',
  handler,
  timeoutMs,
});

describe('invokeLambda', () => {
  it('parses the JSON payload into an event of its own and returns a JSON copy of the result', async () => {
    const payload = JSON.stringify({ when: new Date(0), nested: { n: 1 }, gone: undefined });
    const received: unknown[] = [];
    const handler = fn(async (event) => {
      received.push(event);
      (event as { nested: { n: number } }).nested.n += 1;
      return { event, at: new Date(1000) };
    });
    const result = await invokeLambda(handler, payload, LOCAL_AWS);
    expect(result).toEqual({
      event: { when: '1970-01-01T00:00:00.000Z', nested: { n: 2 } },
      at: '1970-01-01T00:00:01.000Z',
    });
    expect((result as { event: unknown }).event).not.toBe(received[0]);
    // The same payload again (a retry): a fresh event, untouched by the first run.
    expect(await invokeLambda(handler, payload, LOCAL_AWS)).toMatchObject({
      event: { nested: { n: 2 } },
    });
  });

  it('gives the handler a Lambda context for its account and region', async () => {
    const context = (await invokeLambda(
      fn(async (_event, ctx) => ({
        arn: ctx.invokedFunctionArn,
        name: ctx.functionName,
        requestId: ctx.awsRequestId,
        remaining: ctx.getRemainingTimeInMillis(),
      })),
      '{}',
      LOCAL_AWS,
    )) as Record<string, unknown>;
    expect(context).toEqual({
      arn: `arn:aws:lambda:${LOCAL_AWS.region}:${LOCAL_AWS.accountId}:function:game-chat-local-test`,
      name: 'game-chat-local-test',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      remaining: expect.any(Number),
    });
    expect(context.remaining as number).toBeLessThanOrEqual(1000);
  });

  it('fails a handler that runs over its timeout', async () => {
    const never = fn(() => new Promise(() => {}), 50);
    await expect(invokeLambda(never, '{}', LOCAL_AWS)).rejects.toBeInstanceOf(LambdaTimeoutError);
  });

  it('passes a handler error on, and returns null for no result', async () => {
    await expect(
      invokeLambda(
        fn(async () => Promise.reject(new Error('boom'))),
        '{}',
        LOCAL_AWS,
      ),
    ).rejects.toThrow('boom');
    await expect(
      invokeLambda(
        fn(async () => undefined),
        '{}',
        LOCAL_AWS,
      ),
    ).resolves.toBeNull();
  });
});
