import { expect } from 'vitest';
import { type ChatClient, type ChatClientEvents, ChatError } from '../../src/client.js';

/**
 * Resolves with the first `event` the client emits that matches `accept`; rejects after
 * `timeoutMs`. Tests wait on what they expect to happen, never on a fixed delay.
 */
export function nextEvent<E extends keyof ChatClientEvents & string>(
  client: ChatClient,
  event: E,
  accept: (payload: ChatClientEvents[E]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<ChatClientEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = client.on(event, (payload) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      stop();
      resolve(payload);
    });
  });
}

/** Polls `condition` until it holds, or fails after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The `ChatError` a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<ChatError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChatError);
  return error as ChatError;
}
