import { defineChatVitestConfig } from '@game-chat/vitest-config';

export default defineChatVitestConfig({
  // Property tests run a thousand events through the bundle; leave room for a busy machine.
  testTimeout: 30_000,
  globalSetup: ['tests/global-setup.ts'],
});
