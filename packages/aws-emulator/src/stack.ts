import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  loadAuthorizerSigningKey,
} from '@game-chat/auth/signing';
import {
  createTokenVerifier,
  DEVELOPMENT_TOKEN_SECRET,
  TokenKeyError,
} from '@game-chat/auth/tokens';
import { loadConfig } from '@game-chat/lambda-runtime/config';
import { SETTING_DEFAULTS, settingOf } from '@game-chat/lambda-runtime/settings';
import {
  DEFAULT_AUTHORIZER_NAME,
  DEFAULT_TOKEN_KEY_NAME,
  validateAuthorizerName,
  validateTokenKeyName,
} from '@game-chat/protocol/custom-auth';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_SECONDS,
  ROUTES,
} from '@game-chat/protocol/http';
import type { Role } from '@game-chat/protocol/names';
import { createTopics } from '@game-chat/protocol/topics';
import { type HttpApi, startHttpApi } from './api-gateway/server.js';
import { LOCAL_AWS } from './aws-location.js';
import { createTokenIssuer, type DevCredentials, devTokenEndpoint } from './dev-tokens.js';
import { EmulatorError } from './errors.js';
import { type Broker, type BrokerStats, startBroker } from './iot-core/broker.js';
import { AUTHORIZER_LIMITS } from './iot-core/limits.js';
import { iotArn, type PolicyDocument } from './iot-core/policy.js';
import { type DataPlane, type DataPlaneFault, startDataPlane } from './iot-data-plane/server.js';
import {
  type AsyncInvokeConfig,
  createRulesEngine,
  loadRuleFiles,
  type RuleStats,
  type RulesEngine,
} from './iot-rules/engine.js';
import { loadBundles } from './lambda/bundles.js';
import { invokeLambda, type LambdaFunction } from './lambda/invoke.js';
import { createLogger, type LogMode } from './logger.js';
import { resolveRedis } from './redis.js';
import { startWebServer, type WebServer } from './web.js';

/**
 * The whole chat on one machine: Redis, the IoT-Core-like broker with the custom authorizer,
 * the rules engine, the Data Plane endpoint, the HTTP API and (when built) the web demo, all
 * running the Lambda bundles that Terraform deploys.
 */

export interface LocalStackOptions {
  /** A running Redis; else `REDIS_URL`; else a `redis-server` started for the stack. */
  readonly redisUrl?: string;
  /** Ports; 0 (the default) picks a free one. */
  readonly mqttPort?: number;
  readonly wsPort?: number;
  readonly apiPort?: number;
  readonly iotDataPort?: number;
  readonly webPort?: number;
  /** A built web demo to serve, with `/config.json`; none without it. */
  readonly webRoot?: string;
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** HS256 secret of player tokens (default: the public development secret). */
  readonly tokenSecret?: string;
  /** The custom authorizer's name (`CHAT_AUTHORIZER_NAME`, default `game-chat-token-authorizer`). */
  readonly authorizerName?: string;
  /** Its token key name (`CHAT_AUTHORIZER_TOKEN_KEY_NAME`, default `token`). */
  readonly tokenKeyName?: string;
  /**
   * `CHAT_CREATE_DOMAIN_CONFIGURATION`, as Terraform's `create_domain_configuration`: the
   * authorizer is the endpoint's default, so a CONNECT may name none (default false).
   */
  readonly createDomainConfiguration?: boolean;
  /**
   * PEM RSA private key that signs tokens for the authorizer (`CHAT_AUTHORIZER_SIGNING_KEY`);
   * the broker verifies with its public half. Default: the public development key.
   */
  readonly authorizerSigningKey?: string;
  readonly topicPrefix?: string;
  /**
   * Origins the HTTP API's CORS allows (`CHAT_CORS_ORIGINS`, Terraform's `cors_origins` on the
   * API): `['*']` (the default) or origins such as `https://game.example.com`.
   */
  readonly corsOrigins?: readonly string[];
  /** `CHAT_*` settings of contract §6 for the Lambdas, e.g. `{ CHAT_RATE_BURST: '3' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * The message filter's async invoke config, Terraform's
   * `message_filter_maximum_event_age_in_seconds` (the bounds and default of
   * `CHAT_MAX_EVENT_AGE_SECONDS`, which the filter gets too) and
   * `message_filter_maximum_retry_attempts` (0-2, default 2).
   */
  readonly maximumEventAgeInSeconds?: number;
  readonly maximumRetryAttempts?: number;
  /**
   * Multiplies Lambda's async schedule (retries after about 1 and 2 minutes, the maximum event
   * age) for tests that cannot wait minutes; default 1, AWS's schedule.
   */
  readonly lambdaDelayScale?: number;
  readonly log?: LogMode;
  /** Where the rule SQL lives (default `DEFAULT_RULES_DIRECTORY`, the SQL Terraform deploys). */
  readonly rulesDirectory?: string;
}

export interface TokenOptions {
  readonly name?: string;
  readonly role?: Role;
  readonly channels?: readonly string[];
  readonly expiresInSeconds?: number;
}

export interface LocalStackStats {
  readonly broker: BrokerStats;
  readonly rules: Readonly<Record<string, Readonly<RuleStats>>>;
}

export type { DevCredentials } from './dev-tokens.js';
/** Publishes the local Data Plane endpoint fails while a fault is set (reliability tests). */
export type { DataPlaneFault } from './iot-data-plane/server.js';
export type { LogMode } from './logger.js';

export interface LocalStack {
  readonly urls: {
    readonly mqtt: string;
    readonly ws: string;
    readonly api: string;
    readonly iotData: string;
    readonly web?: string;
  };
  /** Name clients put in `x-amz-customauthorizer-name`; any other name is refused. */
  readonly authorizerName: string;
  /** Where clients put the token: `?{tokenKeyName}=` or the user name's query string. */
  readonly tokenKeyName: string;
  /** Whether a CONNECT may name no authorizer (the endpoint's default authorizer). */
  readonly createDomainConfiguration: boolean;
  readonly topicPrefix: string;
  readonly redisUrl: string;
  /** A player token alone: an HTTP API bearer token, or a token to sign by hand. */
  issueToken(playerId: string, options?: TokenOptions): Promise<string>;
  /** A player token signed for the authorizer, with its name: what `POST /dev/tokens` answers. */
  issueSignedToken(playerId: string, options?: TokenOptions): Promise<DevCredentials>;
  /** Signs any token with the stack's authorizer key (for hand-made and hostile tokens). */
  signToken(token: string): DevCredentials;
  stats(): LocalStackStats;
  /**
   * Makes the Data Plane endpoint answer `Publish` calls (to the topics `fault.topics` accepts,
   * default all) with `fault.status` and `fault.errorType` until called with `undefined`: an
   * outage of the IoT Data Plane for the Lambdas, as a test injects it.
   */
  setDataPlaneFault(fault: DataPlaneFault | undefined): void;
  stop(): Promise<void>;
}

/** A stack option or setting is invalid; `setting` names it. */
export class LocalStackConfigError extends EmulatorError<'config_invalid'> {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super('config_invalid', `${setting} ${message}`);
  }
}

/** Resource names as Terraform's dev environment builds them, with `local` for the stage. */
const NAME = 'game-chat-local';
/** Terraform's default for the filter's `message_filter_maximum_retry_attempts`. */
const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
/** The filter's event age is one setting for Lambda and for the filter: same bounds, default. */
const EVENT_AGE = settingOf('CHAT_MAX_EVENT_AGE_SECONDS');
/** The message filter's timeout (Terraform's default); the retry budget must end before it. */
const MESSAGE_FILTER_TIMEOUT_MS = 10_000;
/** The presence function's timeout (Terraform's default): above the presence interval. */
const PRESENCE_TIMEOUT_MS = 10_000;
/** The rule SQL Terraform deploys (`infra/rules`), found through the infra package's exports. */
export const DEFAULT_RULES_DIRECTORY = dirname(
  createRequire(import.meta.url).resolve('@game-chat/infra/rules/chat-send.sql'),
);

function checkSettings(settings: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(settings)) {
    if (!name.startsWith('CHAT_')) {
      throw new LocalStackConfigError(name, 'is not a CHAT_* setting');
    }
  }
  if (settings.CHAT_CORS_ORIGINS !== undefined) {
    // The function sets no CORS header: API Gateway answers CORS, as Terraform configures it.
    throw new LocalStackConfigError(
      'CHAT_CORS_ORIGINS',
      "is API Gateway's, not a Lambda setting: pass it as the corsOrigins option",
    );
  }
  if (settings.CHAT_MAX_EVENT_AGE_SECONDS !== undefined) {
    // Terraform derives it from the event-invoke config; so does the stack.
    throw new LocalStackConfigError(
      'CHAT_MAX_EVENT_AGE_SECONDS',
      'is set from CHAT_FILTER_MAXIMUM_EVENT_AGE_IN_SECONDS (option maximumEventAgeInSeconds)',
    );
  }
}

/** The stack's async-invoke options and the CLI variables they come from. */
export const ASYNC_INVOKE_VARIABLES = {
  maximumEventAgeInSeconds: 'CHAT_FILTER_MAXIMUM_EVENT_AGE_IN_SECONDS',
  maximumRetryAttempts: 'CHAT_FILTER_MAXIMUM_RETRY_ATTEMPTS',
  lambdaDelayScale: 'CHAT_LAMBDA_DELAY_SCALE',
} as const;

function checkWhole(
  name: keyof typeof ASYNC_INVOKE_VARIABLES,
  value: number,
  min: number,
  max: number,
): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LocalStackConfigError(
      name,
      `(${ASYNC_INVOKE_VARIABLES[name]}) must be a whole number ${min}-${max} (got ${value})`,
    );
  }
  return value;
}

/**
 * The publish statement of the Lambdas' IAM role as infra/modules/chat-functions grants it:
 * `iot:Publish` on every room and inbox topic of the prefix, and nothing else.
 */
function lambdaPublishPolicy(topicPrefix: string): PolicyDocument {
  const scope = createTopics(topicPrefix).serverPublishScope();
  return {
    Version: '2012-10-17',
    Statement: {
      Effect: 'Allow',
      Action: 'iot:Publish',
      Resource: scope.map((topic) => iotArn('topic', topic, LOCAL_AWS)),
    },
  };
}

/** The filter's async invoke config, checked against Lambda's bounds. */
function asyncInvokeConfig(options: LocalStackOptions): AsyncInvokeConfig {
  const delayScale = options.lambdaDelayScale ?? 1;
  if (!(Number.isFinite(delayScale) && delayScale > 0 && delayScale <= 1)) {
    throw new LocalStackConfigError(
      'lambdaDelayScale',
      `(${ASYNC_INVOKE_VARIABLES.lambdaDelayScale}) must be a number above 0 and at most 1 (got ${delayScale})`,
    );
  }
  return {
    maximumEventAgeInSeconds: checkWhole(
      'maximumEventAgeInSeconds',
      options.maximumEventAgeInSeconds ?? EVENT_AGE.default,
      EVENT_AGE.min,
      EVENT_AGE.max,
    ),
    maximumRetryAttempts: checkWhole(
      'maximumRetryAttempts',
      options.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      0,
      2,
    ),
    delayScale,
  };
}

/** `['*']` or exact origins (scheme, host and port), as Terraform's `cors_origins` validates. */
function checkCorsOrigins(origins: readonly string[]): readonly string[] {
  if (origins.length === 0) throw new LocalStackConfigError('CHAT_CORS_ORIGINS', 'is empty');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (origin !== '*' && parsed?.origin !== origin) {
      throw new LocalStackConfigError(
        'CHAT_CORS_ORIGINS',
        `must be * or origins like https://game.example.com (got ${JSON.stringify(origin)})`,
      );
    }
  }
  return origins;
}

function signingKey(pem: string | undefined): KeyObject {
  try {
    return loadAuthorizerSigningKey(pem ?? DEVELOPMENT_AUTHORIZER_SIGNING_KEY);
  } catch (error) {
    if (!(error instanceof TokenKeyError)) throw error;
    throw new LocalStackConfigError(
      'CHAT_AUTHORIZER_SIGNING_KEY',
      `is not usable: ${error.message}`,
    );
  }
}

function checked(setting: string, result: { ok: boolean; message?: string }): void {
  if (!result.ok) throw new LocalStackConfigError(setting, `is invalid: ${result.message}`);
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalStackConfigError(name, `must be a port number 0-65535 (got ${port})`);
  }
  return port;
}

export async function createLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = createLogger({ mode: options.log ?? 'json' });
  const host = options.host ?? '127.0.0.1';
  const topicPrefix = options.topicPrefix ?? SETTING_DEFAULTS.topicPrefix;
  const tokenSecret = options.tokenSecret ?? DEVELOPMENT_TOKEN_SECRET;
  const authorizerName = options.authorizerName ?? DEFAULT_AUTHORIZER_NAME;
  const tokenKeyName = options.tokenKeyName ?? DEFAULT_TOKEN_KEY_NAME;
  const createDomainConfiguration = options.createDomainConfiguration ?? false;
  checked('CHAT_AUTHORIZER_NAME', validateAuthorizerName(authorizerName));
  checked('CHAT_AUTHORIZER_TOKEN_KEY_NAME', validateTokenKeyName(tokenKeyName));
  const authorizerSigning = signingKey(options.authorizerSigningKey);
  const settings = options.settings ?? {};
  const ports = {
    mqtt: checkPort('mqttPort', options.mqttPort ?? 0),
    ws: checkPort('wsPort', options.wsPort ?? 0),
    api: checkPort('apiPort', options.apiPort ?? 0),
    iotData: checkPort('iotDataPort', options.iotDataPort ?? 0),
    web: checkPort('webPort', options.webPort ?? 0),
  };
  checkSettings(settings);
  const corsOrigins = checkCorsOrigins(options.corsOrigins ?? ['*']);
  const lambdaSettings = {
    ...settings,
    CHAT_TOPIC_PREFIX: topicPrefix,
    CHAT_TOKEN_SECRET: tokenSecret,
  };
  // Settings are checked before anything starts, by the same loader the Lambdas use: a bad
  // one stops start-up with its variable's name.
  const config = loadConfig({ ...process.env, ...lambdaSettings });
  const asyncInvoke = asyncInvokeConfig(options);
  if (config.retryBudgetMs >= MESSAGE_FILTER_TIMEOUT_MS) {
    throw new LocalStackConfigError(
      'CHAT_RETRY_BUDGET_MS',
      `must be below the message filter's timeout (${MESSAGE_FILTER_TIMEOUT_MS} ms)`,
    );
  }
  try {
    createTokenVerifier({ secret: tokenSecret });
  } catch (error) {
    throw new LocalStackConfigError(
      'CHAT_TOKEN_SECRET',
      `is not usable: ${(error as Error).message}`,
    );
  }
  const { webRoot } = options;

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log.warn('stop step failed', { error });
      }
    }
  };

  try {
    const redis = await resolveRedis(
      options.redisUrl ?? process.env.REDIS_URL,
      log.child({ component: 'redis' }),
    );
    cleanups.push(() => redis.stop());

    let broker: Broker | undefined;
    const dataPlane: DataPlane = await startDataPlane({
      host,
      port: ports.iotData,
      publish: (message) =>
        broker ? broker.publish(message) : Promise.reject(new Error('the broker is not running')),
      callerPolicy: lambdaPublishPolicy(topicPrefix),
      location: LOCAL_AWS,
      log: log.child({ component: 'data-plane' }),
    });
    cleanups.push(() => dataPlane.close());

    const bundles = await loadBundles({
      REDIS_URL: redis.url,
      IOT_DATA_ENDPOINT: dataPlane.url,
      ...lambdaSettings,
      // As Terraform passes them to the filter: its budget, and its event-invoke config's age.
      CHAT_RETRY_BUDGET_MS: String(config.retryBudgetMs),
      CHAT_MAX_EVENT_AGE_SECONDS: String(asyncInvoke.maximumEventAgeInSeconds),
      AWS_REGION: process.env.AWS_REGION ?? LOCAL_AWS.region,
      // The local stack supports Node 20; the SDK's notice about its future Node 22 minimum
      // would only repeat on every start.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(options.log === 'silent' && process.env.POWERTOOLS_LOG_LEVEL === undefined
        ? { POWERTOOLS_LOG_LEVEL: 'SILENT' }
        : {}),
    });
    const lambda = (
      key: keyof typeof bundles,
      suffix: string,
      timeoutMs: number,
    ): LambdaFunction => ({
      name: `${NAME}-${suffix}`,
      handler: bundles[key],
      timeoutMs,
    });
    const messageFilter = lambda('messageFilter', 'message-filter', MESSAGE_FILTER_TIMEOUT_MS);
    // Named as deployed: the chat-api package kept its function's AWS name
    // (infra/modules/chat-functions).
    const chatApi = lambda('chatApi', 'history-api', 10_000);
    const authorizer = lambda('authorizer', 'authorizer', AUTHORIZER_LIMITS.timeoutMs);
    const presence = lambda('presence', 'presence', PRESENCE_TIMEOUT_MS);

    const rules = await loadRuleFiles(
      options.rulesDirectory ?? DEFAULT_RULES_DIRECTORY,
      topicPrefix,
    );
    const engine: RulesEngine = createRulesEngine({
      // As Terraform wires them: `presence-*.sql` (lifecycle events) to the presence function,
      // every other rule of infra/rules to the message filter.
      rules: rules.map((rule) => {
        const target = rule.name.startsWith('presence_') ? presence : messageFilter;
        return {
          name: rule.name,
          statement: rule.statement,
          action: (payload: string) => invokeLambda(target, payload, LOCAL_AWS),
        };
      }),
      asyncInvoke,
      log: log.child({ component: 'rules' }),
    });
    cleanups.push(() => engine.close());

    broker = await startBroker({
      host,
      mqttPort: ports.mqtt,
      wsPort: ports.ws,
      customAuth: {
        authorizerName,
        tokenKeyName,
        signingPublicKeys: [createPublicKey(authorizerSigning)],
        defaultAuthorizer: createDomainConfiguration,
      },
      authorize: (event) => invokeLambda(authorizer, JSON.stringify(event), LOCAL_AWS),
      onMessage: (message) => engine.handle(message),
      location: LOCAL_AWS,
      log: log.child({ component: 'broker' }),
    });
    cleanups.push(() => (broker as Broker).close());

    const issuer = createTokenIssuer({
      keys: { playerToken: { secret: tokenSecret }, authorizerSigning },
      authorizerName,
      tokenKeyName,
    });
    const api: HttpApi = await startHttpApi({
      host,
      port: ports.api,
      routes: ROUTES,
      invoke: (event) => invokeLambda(chatApi, JSON.stringify(event), LOCAL_AWS),
      cors: {
        allowOrigins: corsOrigins,
        allowMethods: CORS_ALLOW_METHODS,
        allowHeaders: CORS_ALLOW_HEADERS,
        maxAgeSeconds: CORS_MAX_AGE_SECONDS,
      },
      localEndpoints: { 'POST /dev/tokens': devTokenEndpoint(issuer) },
      location: LOCAL_AWS,
      log: log.child({ component: 'http-api' }),
    });
    cleanups.push(() => api.close());

    const urls = { mqtt: broker.mqttUrl, ws: broker.wsUrl, api: api.url, iotData: dataPlane.url };
    let web: WebServer | undefined;
    if (webRoot !== undefined) {
      web = await startWebServer({
        host,
        port: ports.web,
        root: webRoot,
        // The web demo's settings (apps/web-demo/README.md), as the deploy script writes them
        // for AWS, plus what only a local stack has: the development token endpoint.
        config: {
          endpoint: urls.ws,
          apiUrl: api.url,
          authorizerName,
          tokenKeyName,
          topicPrefix,
          maxTextLength: config.maxTextLength,
          devTokenUrl: `${api.url}/dev/tokens`,
        },
        log: log.child({ component: 'web' }),
      });
      cleanups.push(() => (web as WebServer).close());
    }

    const activeBroker = broker;
    return {
      urls: { ...urls, ...(web ? { web: web.url } : {}) },
      authorizerName,
      tokenKeyName,
      createDomainConfiguration,
      topicPrefix,
      redisUrl: redis.url,
      issueToken: async (playerId, tokenOptions = {}) =>
        (await issuer.issue(playerId, tokenOptions)).token,
      issueSignedToken: (playerId, tokenOptions = {}) => issuer.issue(playerId, tokenOptions),
      signToken: (token) => issuer.sign(token),
      stats: () => ({ broker: activeBroker.stats(), rules: engine.stats() }),
      setDataPlaneFault: (fault) => dataPlane.setFault(fault),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
