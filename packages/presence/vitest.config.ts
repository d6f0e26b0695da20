import { defineChatVitestConfig } from '@game-chat/vitest-config';

export default defineChatVitestConfig({
  // Lifecycle events go through the bundle against a real Redis: leave room for a busy machine.
  testTimeout: 30_000,
  globalSetup: ['tests/global-setup.ts'],
});
