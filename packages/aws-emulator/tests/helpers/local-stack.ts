import { afterAll, afterEach, beforeAll } from 'vitest';
import { createLocalStack, type LocalStack } from '../../src/stack.js';

type Options = NonNullable<Parameters<typeof createLocalStack>[0]>;

/**
 * One silent local stack with `options` for a whole test file: started before its tests (the
 * Lambda bundles take a while), `afterEachTest` run after each test, stopped after them all. Read
 * `stack` inside tests, once started.
 */
export function localStackForFile(
  options: Omit<Options, 'log'> = {},
  afterEachTest?: () => unknown,
): { readonly stack: LocalStack } {
  let started: LocalStack | undefined;
  beforeAll(async () => {
    started = await createLocalStack({ ...options, log: 'silent' });
  }, 30_000);
  if (afterEachTest) afterEach(async () => void (await afterEachTest()));
  afterAll(() => started?.stop());
  return {
    get stack() {
      if (started === undefined) throw new Error('the stack is not started yet (use it in tests)');
      return started;
    },
  };
}
