import { defineChatVitestConfig } from '@game-chat/vitest-config';

// Upper bounds for a busy CI machine (several local stacks and a browser on 2 cores); tests wait
// on events, so a quiet machine finishes far sooner.
export default defineChatVitestConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
