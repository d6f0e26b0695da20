import { defineChatVitestConfig, HANG_GUARDS } from '@game-chat/vitest-config';

export default defineChatVitestConfig({ ...HANG_GUARDS, testTimeout: 60_000 });
