import { createChatLambda } from '@game-chat/lambda-runtime/bootstrap';
import { createTopics } from '@game-chat/protocol/topics';
import type { Context } from 'aws-lambda';
import { createPresenceService } from './presence.js';

/**
 * The lifecycle rules' async target. A malformed or foreign event is logged and dropped; a
 * Redis or Data Plane failure that outlasts the retries is thrown, so Lambda retries the event
 * (a replayed event changes nothing it already changed).
 */
export const handler = await createChatLambda('presence', {
  require: ['REDIS_URL', 'IOT_DATA_ENDPOINT'],
  errors: 'rethrow',
  init: ({ config, logger, store, publisher }) => ({
    service: createPresenceService({ store, publisher, topics: createTopics(config.topicPrefix) }),
    logger,
  }),
  handler: async (event: unknown, { service, logger }, context: Context) => {
    const outcome = await service.handle(event, {
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    if (outcome.status === 'ignored')
      logger.warn('lifecycle event ignored', { reason: outcome.reason });
    else logger.info('handled', { ...outcome });
    return outcome;
  },
});
