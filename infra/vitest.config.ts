import { defineChatVitestConfig } from '@game-chat/vitest-config';

// The HCL parser is WASM; its first calls are slow on a busy machine.
export default defineChatVitestConfig({ testTimeout: 30_000 });
