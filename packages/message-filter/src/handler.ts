import { getSharedRedisClient } from '@game-chat/chat-store/connection';
import { createChatStore } from '@game-chat/chat-store/store';
import { loadConfig } from '@game-chat/lambda-runtime/config';
import { createLogger, injectLambdaContext } from '@game-chat/lambda-runtime/logger';
import { createPublisher } from '@game-chat/lambda-runtime/publisher';
import { resolveSecretSettings } from '@game-chat/lambda-runtime/secrets';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createMessageFilter, type FilterOutcome } from './filter.js';
import { createProfanityFilter } from './profanity.js';

// Cold start: secret-backed settings are fetched and every setting is checked once; a bad one
// stops the container here, with a message naming the variable.
const config = loadConfig(await resolveSecretSettings(process.env), {
  require: ['REDIS_URL', 'IOT_DATA_ENDPOINT'],
});
const logger = createLogger('message-filter');
const filter = createMessageFilter({
  store: createChatStore({
    client: getSharedRedisClient(config.redisUrl),
    historySeconds: config.historySeconds,
    historyMax: config.historyMax,
    // Lambda may redeliver an event until it is this old: remember it that long.
    dedupeSeconds: config.maxEventAgeSeconds,
    keyPrefix: config.redisKeyPrefix,
  }),
  publisher: createPublisher({ endpoint: config.iotDataEndpoint }),
  config,
  profanity: createProfanityFilter(config.profanity),
  log: logger,
});

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

/**
 * The IoT rule's async target. Players only ever see notices built by the filter. Redis and
 * Data Plane failures are retried within the budget (never past the function's timeout); an
 * error that gets here (not even the `unavailable` notice went out) is logged and thrown so
 * Lambda retries the event.
 */
export const handler = middy<unknown, FilterOutcome, Error, Context>()
  .use(injectLambdaContext(logger))
  .use({
    onError: (request) => {
      const { error } = request;
      logger.error('message not handled; Lambda will retry it', {
        code: (error as { code?: unknown } | null)?.code,
        error: error as Error,
      });
    },
  })
  .handler(async (event, context) => {
    const outcome = await filter.handle(event, {
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    if (outcome.status === 'expired') {
      logger.warn('event dropped: older than the maximum event age', {
        ageMs: outcome.ageMs,
        ...expiredEventMetric(context.functionName),
      });
    }
    logger.info('handled', {
      status: outcome.status,
      ...(outcome.status === 'refused' ? { code: outcome.code } : {}),
    });
    return outcome;
  });
