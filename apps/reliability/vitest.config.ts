import { defineChatVitestConfig } from '@game-chat/vitest-config';

export default defineChatVitestConfig({
  // Each file starts a whole local stack (and some thousands of sockets): one file at a time
  // keeps a 2-core CI machine from timing out its own tests.
  fileParallelism: false,
  testTimeout: 60_000,
  hookTimeout: 60_000,
});
