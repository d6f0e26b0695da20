import { defineChatVitestConfig, HANG_GUARDS } from '@game-chat/vitest-config';

export default defineChatVitestConfig({
  ...HANG_GUARDS,
  coverage: {
    provider: 'v8',
    include: ['src/**/*.ts'],
    exclude: ['src/**/*.d.ts'],
    thresholds: { lines: 95, functions: 95, branches: 90, statements: 95 },
  },
});
