import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createTokenVerifier, verifierConfigFromSettings } from '@game-chat/auth/tokens';
import { getSharedRedisClient } from '@game-chat/chat-store/connection';
import { createChatStore } from '@game-chat/chat-store/store';
import { loadConfig } from '@game-chat/lambda-runtime/config';
import { createLogger } from '@game-chat/lambda-runtime/logger';
import { resolveSecretSettings } from '@game-chat/lambda-runtime/secrets';
import middy from '@middy/core';
import type { IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult } from 'aws-lambda';
import { authorize } from './authorize.js';
import { iotArnBase } from './policy.js';

// Read once per container (secrets from Secrets Manager when Terraform passes their ARNs);
// a bad setting stops the cold start with the variable's name.
const config = loadConfig(await resolveSecretSettings(process.env), {
  require: ['REDIS_URL', 'CHAT_TOKEN_KEY'],
});
const logger = createLogger('authorizer');
const verifier = createTokenVerifier(verifierConfigFromSettings(config));
const profiles = createChatStore({
  client: getSharedRedisClient(config.redisUrl),
  historySeconds: config.historySeconds,
  historyMax: config.historyMax,
  keyPrefix: config.redisKeyPrefix,
});

export const handler = middy<IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler((event, context) =>
    authorize(event, {
      verifier,
      profiles,
      topicPrefix: config.topicPrefix,
      iotArn: iotArnBase(context.invokedFunctionArn),
      log: logger,
    }),
  );
