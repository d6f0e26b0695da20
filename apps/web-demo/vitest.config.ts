import { defineChatVitestConfig } from '@game-chat/vitest-config';

export default defineChatVitestConfig({
  // The browser tests share one local stack and one Chromium per file; files run one at a
  // time so two Chromiums never compete for the 2 cores of a CI machine.
  fileParallelism: false,
  testTimeout: 60_000,
  hookTimeout: 60_000,
});
