import { createTokenVerifier, verifierConfigFromSettings } from '@game-chat/auth/tokens';
import { createChatLambda } from '@game-chat/lambda-runtime/bootstrap';
import { createRetentionResolver } from '@game-chat/lambda-runtime/channel-classes';
import { createTopics } from '@game-chat/protocol/topics';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleApiRequest } from './api.js';

/** The HTTP API's function; errors are answered `{ error: { code, message } }`. */
export const handler = await createChatLambda('chat-api', {
  require: ['REDIS_URL', 'IOT_DATA_ENDPOINT', 'CHAT_TOKEN_KEY'],
  errors: 'http',
  init: ({ config, store, publisher }) => ({
    store,
    publisher,
    verifier: createTokenVerifier(verifierConfigFromSettings(config)),
    topics: createTopics(config.topicPrefix),
    requireAuth: config.historyRequireAuth,
    maxTextLength: config.maxTextLength,
    retentionOf: createRetentionResolver(config),
  }),
  handler: (event: APIGatewayProxyEventV2, deps, context) =>
    handleApiRequest(event, deps, { remainingTimeMs: () => context.getRemainingTimeInMillis() }),
});
