import { createTokenVerifier, verifierConfigFromSettings } from '@game-chat/auth/tokens';
import { createChatLambda } from '@game-chat/lambda-runtime/bootstrap';
import type { IoTCustomAuthorizerEvent } from 'aws-lambda';
import { authorize } from './authorize.js';
import { iotArnBase } from './policy.js';

/**
 * IoT Core's custom authorizer. Bad input is a refused connection (`isAuthenticated: false`),
 * never a throw; only an unexpected failure is logged and thrown (IoT Core then refuses it too).
 */
export const handler = await createChatLambda('authorizer', {
  require: ['REDIS_URL', 'CHAT_TOKEN_KEY'],
  errors: 'rethrow',
  init: ({ config, logger, store }) => ({
    verifier: createTokenVerifier(verifierConfigFromSettings(config)),
    profiles: store,
    topicPrefix: config.topicPrefix,
    log: logger,
  }),
  handler: (event: IoTCustomAuthorizerEvent, deps, context) =>
    authorize(event, { ...deps, iotArn: iotArnBase(context.invokedFunctionArn) }),
});
