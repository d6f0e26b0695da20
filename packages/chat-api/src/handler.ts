import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenVerifier, verifierConfigFromSettings } from '@game-chat/auth/tokens';
import { getSharedRedisClient } from '@game-chat/chat-store/connection';
import { createChatStore } from '@game-chat/chat-store/store';
import { loadConfig } from '@game-chat/lambda-runtime/config';
import { createLogger } from '@game-chat/lambda-runtime/logger';
import { createPublisher } from '@game-chat/lambda-runtime/publisher';
import { resolveSecretSettings } from '@game-chat/lambda-runtime/secrets';
import { createTopics } from '@game-chat/protocol/topics';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ChatApiDeps, handleApiRequest } from './api.js';

// Read once per container (secrets from Secrets Manager when Terraform passes their ARNs);
// a bad setting stops the cold start with the variable's name.
const config = loadConfig(await resolveSecretSettings(process.env), {
  require: ['REDIS_URL', 'IOT_DATA_ENDPOINT', 'CHAT_TOKEN_KEY'],
});
const logger = createLogger('chat-api');
const publisher = createPublisher({ endpoint: config.iotDataEndpoint });

const deps: ChatApiDeps = {
  store: createChatStore({
    client: getSharedRedisClient(config.redisUrl),
    historySeconds: config.historySeconds,
    historyMax: config.historyMax,
    keyPrefix: config.redisKeyPrefix,
  }),
  publish: (topic, message) => publisher.publish(topic, message, 1),
  verifier: createTokenVerifier(verifierConfigFromSettings(config)),
  topics: createTopics(config.topicPrefix),
  requireAuth: config.historyRequireAuth,
  maxTextLength: config.maxTextLength,
  log: logger,
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event) => handleApiRequest(event, deps));
