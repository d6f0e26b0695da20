import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` until it holds; fails after `timeoutMs`, naming `what`. Tests wait on what
 * they expect to happen, never on a fixed delay.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}
