import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { getSharedRedisClient } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadConfig, type RequiredSetting, type WithRequired } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { chatErrorHandler, type ErrorAnswer } from './middleware/error-handler.js';
import type { Publisher } from './publisher.js';
import { resolveSecretSettings } from './secrets.js';
import type { ChatConfig, ChatFunction } from './settings.js';

type Env = Record<string, string | undefined>;

/** What a chat Lambda's container sets up once, in this order, before its first event. */
export interface ChatRuntime<R extends RequiredSetting> {
  readonly config: ChatConfig & WithRequired<R>;
  readonly logger: Logger;
  /** The store on the container's shared Redis connection, with the configured window and cap. */
  readonly store: 'REDIS_URL' extends R ? ChatStore : undefined;
  /** The IoT Data Plane publisher (one HTTP client per container). */
  readonly publisher: 'IOT_DATA_ENDPOINT' extends R ? Publisher : undefined;
}

export interface ChatLambdaOptions<TEvent, TResult, R extends RequiredSetting, TDeps> {
  /** Settings the function cannot start without; they decide which clients are built. */
  readonly require: readonly R[];
  /** What an error that reaches the function's edge becomes (./middleware/error-handler). */
  readonly errors: ErrorAnswer;
  /** Builds the core's dependencies from the runtime, once per container. */
  readonly init: (runtime: ChatRuntime<R>) => TDeps;
  /** One invocation: the core, called with its dependencies. */
  readonly handler: (event: TEvent, deps: TDeps, context: Context) => Promise<TResult>;
  /** Defaults to `process.env`. */
  readonly env?: Env;
}

/**
 * The start-up of every chat Lambda, in one fixed order: secret-backed settings fetched, every
 * setting read and checked (a bad one stops the cold start, naming the variable), the logger,
 * the shared Redis connection and the store, the Data Plane publisher, then the core's own
 * dependencies (`init`). The handler is one middy chain: the Lambda context in every log line
 * (keys reset per invocation) and the named error middleware.
 */
export async function createChatLambda<TEvent, TResult, const R extends RequiredSetting, TDeps>(
  name: ChatFunction,
  options: ChatLambdaOptions<TEvent, TResult, R, TDeps>,
): Promise<MiddyfiedHandler<TEvent, TResult, Error, Context>> {
  const env = options.env ?? process.env;
  const config = loadConfig(await resolveSecretSettings(env), { require: options.require });
  const logger = createLogger(name, env);
  const required = new Set<RequiredSetting>(options.require);
  const store = required.has('REDIS_URL')
    ? createChatStore({
        client: getSharedRedisClient(config.redisUrl as string),
        historySeconds: config.historySeconds,
        historyMax: config.historyMax,
        // Lambda may redeliver a filter event until it is this old: remember it that long.
        dedupeSeconds: config.maxEventAgeSeconds,
        keyPrefix: config.redisKeyPrefix,
        presence: {
          staleSeconds: config.presenceStaleSeconds,
          intervalMs: config.presenceIntervalMs,
          maxMembers: config.presenceMaxMembers,
        },
        maxBlocks: config.maxBlocks,
        reportRetentionDays: config.reportRetentionDays,
      })
    : undefined;
  // Loaded only by the functions that publish: the authorizer's cold start (inside IoT Core's 5 s)
  // does not evaluate the Data Plane client.
  const publisher = required.has('IOT_DATA_ENDPOINT')
    ? (await import('./publisher.js')).createPublisher({
        endpoint: config.iotDataEndpoint as string,
        env,
      })
    : undefined;
  const deps = options.init({ config, logger, store, publisher } as ChatRuntime<R>);

  return middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(chatErrorHandler({ logger, answer: options.errors }))
    .handler((event, context) => options.handler(event, deps, context));
}
