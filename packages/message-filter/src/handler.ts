import { getSharedRedisClient } from '@game-chat/chat-store/connection';
import { createChatStore } from '@game-chat/chat-store/store';
import { loadConfig } from '@game-chat/lambda-runtime/config';
import { createLogger, injectLambdaContext } from '@game-chat/lambda-runtime/logger';
import { createPublisher } from '@game-chat/lambda-runtime/publisher';
import { resolveSecretSettings } from '@game-chat/lambda-runtime/secrets';
import middy from '@middy/core';
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
    keyPrefix: config.redisKeyPrefix,
  }),
  publisher: createPublisher({ endpoint: config.iotDataEndpoint }),
  config,
  profanity: createProfanityFilter(config.profanity),
  log: logger,
});

/**
 * The IoT rule's async target. Players only ever see notices built by the filter; an error
 * (Redis or Data Plane unavailable) is logged here and thrown so Lambda retries the event.
 */
export const handler = middy<unknown, FilterOutcome>()
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
  .handler(async (event) => {
    const outcome = await filter.handle(event);
    logger.info('handled', {
      status: outcome.status,
      ...(outcome.status === 'refused' ? { code: outcome.code } : {}),
    });
    return outcome;
  });
