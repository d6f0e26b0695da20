import { Logger } from '@aws-lambda-powertools/logger';

export type { Logger };

/**
 * Structured JSON logs (Powertools). Under vitest the logger is silent unless LOG_LEVEL
 * asks for output, so test runs stay readable.
 */
export function createLogger(
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): Logger {
  const quiet = env.VITEST !== undefined && env.LOG_LEVEL === undefined;
  return new Logger({ serviceName, ...(quiet ? { logLevel: 'SILENT' } : {}) });
}
