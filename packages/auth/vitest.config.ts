import { defineChatVitestConfig } from '@game-chat/vitest-config';

// Property tests run a few hundred cases; leave room for a busy 2-core machine.
export default defineChatVitestConfig({ testTimeout: 20_000 });
