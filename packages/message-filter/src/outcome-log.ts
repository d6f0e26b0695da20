import type { Logger } from '@game-chat/lambda-runtime/logger';
import type { FilterOutcome } from './filter.js';

/**
 * An event dropped for its age, as a CloudWatch embedded metric (`game-chat` / `ExpiredEvents`):
 * the log line is counted without a metric filter.
 */
function expiredEventMetric(functionName: string) {
  return {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: 'game-chat',
          Dimensions: [['FunctionName']],
          Metrics: [{ Name: 'ExpiredEvents', Unit: 'Count' }],
        },
      ],
    },
    FunctionName: functionName,
    ExpiredEvents: 1,
  };
}

/** One log line per event with what became of it; an expired event also counts in a metric. */
export function logOutcome(
  logger: Pick<Logger, 'info' | 'warn'>,
  outcome: FilterOutcome,
  functionName: string,
): void {
  if (outcome.status === 'expired') {
    logger.warn('event dropped: older than the maximum event age', {
      ageMs: outcome.ageMs,
      ...expiredEventMetric(functionName),
    });
  }
  logger.info('handled', {
    status: outcome.status,
    ...(outcome.status === 'refused' ? { code: outcome.code } : {}),
  });
}
