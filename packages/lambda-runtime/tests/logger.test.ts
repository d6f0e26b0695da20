import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

describe('createLogger', () => {
  it('is silent under vitest unless LOG_LEVEL asks for output', () => {
    expect(createLogger('svc', { VITEST: 'true' }).getLevelName()).toBe('SILENT');
    expect(createLogger('svc', { VITEST: 'true', LOG_LEVEL: 'DEBUG' }).getLevelName()).not.toBe(
      'SILENT',
    );
    expect(createLogger('svc', {}).getLevelName()).not.toBe('SILENT');
  });
});
