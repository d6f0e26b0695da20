import { createChatLambda } from '@game-chat/lambda-runtime/bootstrap';
import { createMessageFilter } from './filter.js';
import { logOutcome } from './outcome-log.js';
import { createProfanityFilter } from './profanity.js';

/**
 * The IoT rule's async target. Players only ever see notices built by the filter. Redis and
 * Data Plane failures are retried within the budget (never past the function's timeout); an
 * error that gets here (not even the `unavailable` notice went out) is logged and thrown so
 * Lambda retries the event.
 */
export const handler = await createChatLambda('message-filter', {
  require: ['REDIS_URL', 'IOT_DATA_ENDPOINT'],
  errors: 'rethrow',
  init: ({ config, logger, store, publisher }) => ({
    filter: createMessageFilter({
      store,
      publisher,
      config,
      profanity: createProfanityFilter(config.profanity),
      log: logger,
    }),
    logger,
  }),
  handler: async (event: unknown, { filter, logger }, context) => {
    const outcome = await filter.handle(event, {
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    logOutcome(logger, outcome, context.functionName);
    return outcome;
  },
});
