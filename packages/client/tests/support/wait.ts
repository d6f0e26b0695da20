import { waitFor } from '@game-chat/testing/wait';
import type { ChatClient, ChatClientEvents } from '../../src/client.js';

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
export function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  return waitFor(what, condition, timeoutMs);
}
