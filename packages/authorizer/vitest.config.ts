import { defineChatVitestConfig } from '@game-chat/vitest-config';

export default defineChatVitestConfig({
  // Property tests run a few hundred cases; leave room for a busy 2-core machine.
  testTimeout: 20_000,
  globalSetup: ['tests/global-setup.ts'],
});
