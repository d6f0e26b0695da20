import {
  DEFAULT_MAX_BLOCKS,
  DEFAULT_MAX_TEXT_LENGTH,
  DEFAULT_REPORT_RETENTION_DAYS,
  DEFAULT_TOPIC_PREFIX,
  MAX_CHANNEL_MESSAGES,
  MAX_TEXT_LENGTH_LIMIT,
} from '@game-chat/protocol/limits';
import { TOPIC_PREFIX_PATTERN } from '@game-chat/protocol/topics';
import { type ChannelClass, parseChannelClasses } from './channel-classes.js';

/**
 * Every setting of the chat Lambdas, declared once, in middy's defaults-plus-schema style: one
 * row per environment variable with its config key, kind and bounds, default, the functions that
 * read it, the Terraform variable that sets it and a one-line doc. `loadConfig` reads and checks
 * the environment with it, `pnpm docs:settings` writes the docs' settings tables from it, and
 * infra/tests holds Terraform's variable defaults and validations to it.
 *
 * Defaults a browser also needs (the topic prefix, the text limit) live in
 * `@game-chat/protocol/limits` and are referenced here, so they are still written once.
 */

/** The chat Lambdas, by package name. */
export const CHAT_FUNCTIONS = ['message-filter', 'chat-api', 'authorizer', 'presence'] as const;
export type ChatFunction = (typeof CHAT_FUNCTIONS)[number];

/** The profanity policy of `CHAT_PROFANITY`. */
export const PROFANITY_POLICIES = ['mask', 'reject', 'off'] as const;
export type ProfanityPolicy = (typeof PROFANITY_POLICIES)[number];

/** Redis key prefixes: no braces (they would change a key's cluster hash slot), no spaces. */
export const REDIS_KEY_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]{1,64}$/;

/** How a value is read and what it may be. */
export type SettingSchema =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  /** A number above 0 with at most six decimals, such as `0.5`. */
  | { readonly kind: 'rate'; readonly max: number }
  | { readonly kind: 'choice'; readonly values: readonly string[] }
  /** `true`, `false`, `1` or `0`. */
  | { readonly kind: 'boolean' }
  /** Text matching `pattern`; `accepts` says so in words. */
  | { readonly kind: 'pattern'; readonly pattern: RegExp; readonly accepts: string }
  /** `redis://` or `rediss://`; it may carry a password, so a bad value is never echoed. */
  | { readonly kind: 'redis-url' }
  /** A host name (it gets `https://`) or an http(s) origin; read as the origin. */
  | { readonly kind: 'endpoint' }
  | { readonly kind: 'http-url' }
  /** Taken as it is (a key); never echoed. */
  | { readonly kind: 'text' }
  /** A Secrets Manager ARN that `./secrets` resolves at cold start into the setting `into`. */
  | { readonly kind: 'secret-arn'; readonly into: string }
  /** `pattern=window/cap` rules (./channel-classes), read as a list; the default is written blank. */
  | { readonly kind: 'channel-classes' };

/** Where Terraform sets a setting. */
export interface TerraformVariable {
  /** The chat-functions module's variable. */
  readonly functions: string;
  /**
   * The chat-stack input that feeds it (`chat.history_seconds` is the attribute of the `chat`
   * object); absent when the stack wires it from another module's output.
   */
  readonly stack?: string;
}

export type Setting = SettingSchema & {
  readonly env: string;
  /** The `ChatConfig` field; a secret ARN has none, it becomes another setting. */
  readonly key?: string;
  /** Used when the variable is unset or blank; none means `undefined`. */
  readonly default?: number | string | boolean;
  readonly usedBy: readonly ChatFunction[];
  /** null when Terraform never passes it (`CHAT_TOKEN_SECRET` travels as its ARN). */
  readonly terraform: TerraformVariable | null;
  readonly doc: string;
};

const ALL = CHAT_FUNCTIONS;
const PUBLISHERS = ['message-filter', 'chat-api'] as const;
const TOKEN_READERS = ['chat-api', 'authorizer'] as const;

export const SETTINGS = [
  {
    env: 'REDIS_URL',
    key: 'redisUrl',
    kind: 'redis-url',
    usedBy: ALL,
    terraform: { functions: 'redis_url' },
    doc: 'the chat store; `?cluster=true` selects Redis Cluster (give the configuration endpoint)',
  },
  {
    env: 'IOT_DATA_ENDPOINT',
    key: 'iotDataEndpoint',
    kind: 'endpoint',
    usedBy: [...PUBLISHERS, 'presence'],
    terraform: { functions: 'iot_data_endpoint_address' },
    doc: 'the IoT Data Plane endpoint that room, inbox, notice and presence messages are published through',
  },
  {
    env: 'CHAT_TOPIC_PREFIX',
    key: 'topicPrefix',
    kind: 'pattern',
    pattern: TOPIC_PREFIX_PATTERN,
    accepts: '1-32 characters of A-Z, a-z, 0-9, _ or -',
    default: DEFAULT_TOPIC_PREFIX,
    usedBy: ALL,
    terraform: { functions: 'topic_prefix', stack: 'topic_prefix' },
    doc: 'first level of every chat topic',
  },
  {
    env: 'CHAT_HISTORY_SECONDS',
    key: 'historySeconds',
    kind: 'integer',
    min: 1,
    max: 86_400,
    default: 30,
    usedBy: PUBLISHERS,
    terraform: { functions: 'history_seconds', stack: 'chat.history_seconds' },
    doc: 'how long a channel keeps its messages',
  },
  {
    env: 'CHAT_HISTORY_MAX',
    key: 'historyMax',
    kind: 'integer',
    min: 1,
    max: MAX_CHANNEL_MESSAGES,
    default: 200,
    usedBy: PUBLISHERS,
    terraform: { functions: 'history_max', stack: 'chat.history_max' },
    doc: 'most messages a channel keeps; whichever bound is hit first applies',
  },
  {
    env: 'CHAT_MAX_TEXT',
    key: 'maxTextLength',
    kind: 'integer',
    min: 1,
    max: MAX_TEXT_LENGTH_LIMIT,
    default: DEFAULT_MAX_TEXT_LENGTH,
    usedBy: PUBLISHERS,
    terraform: { functions: 'max_text', stack: 'chat.max_text' },
    doc: 'longest message or announcement text, in code points',
  },
  {
    env: 'CHAT_RATE_BURST',
    key: 'rateBurst',
    kind: 'integer',
    min: 1,
    max: 1000,
    default: 5,
    usedBy: ['message-filter'],
    terraform: { functions: 'rate_burst', stack: 'chat.rate_burst' },
    doc: 'messages a player may send at once before the rate applies',
  },
  {
    env: 'CHAT_RATE_PER_SECOND',
    key: 'ratePerSecond',
    kind: 'rate',
    max: 1000,
    default: 1,
    usedBy: ['message-filter'],
    terraform: { functions: 'rate_per_second', stack: 'chat.rate_per_second' },
    doc: "a player's sustained messages per second",
  },
  {
    env: 'CHAT_CHANNEL_RATE_PER_SECOND',
    key: 'channelRatePerSecond',
    kind: 'rate',
    max: 100_000,
    default: 50,
    usedBy: ['message-filter'],
    terraform: { functions: 'channel_rate_per_second', stack: 'chat.channel_rate_per_second' },
    doc: 'messages per second one channel accepts from all players together',
  },
  {
    env: 'CHAT_PROFANITY',
    key: 'profanity',
    kind: 'choice',
    values: PROFANITY_POLICIES,
    default: 'mask',
    usedBy: ['message-filter'],
    terraform: { functions: 'profanity', stack: 'chat.profanity' },
    doc: '`mask` replaces listed words with `****`, `reject` refuses the message, `off` does nothing',
  },
  {
    env: 'CHAT_TOKEN_SECRET',
    key: 'tokenSecret',
    kind: 'text',
    usedBy: TOKEN_READERS,
    terraform: null,
    doc: 'HS256 secret that verifies player tokens (on AWS read from `CHAT_TOKEN_SECRET_ARN`); one of the three token settings is required',
  },
  {
    env: 'CHAT_TOKEN_PUBLIC_KEY',
    key: 'tokenPublicKey',
    kind: 'text',
    usedBy: TOKEN_READERS,
    terraform: { functions: 'token_public_key', stack: 'tokens.public_key' },
    doc: 'PEM public key (RS256 or ES256) that verifies player tokens, instead of a secret',
  },
  {
    env: 'CHAT_TOKEN_JWKS_URL',
    key: 'tokenJwksUrl',
    kind: 'http-url',
    usedBy: TOKEN_READERS,
    terraform: { functions: 'token_jwks_url', stack: 'tokens.jwks_url' },
    doc: 'JWKS whose keys verify player tokens, instead of a secret',
  },
  {
    env: 'CHAT_HISTORY_REQUIRE_AUTH',
    key: 'historyRequireAuth',
    kind: 'boolean',
    default: true,
    usedBy: ['chat-api'],
    terraform: { functions: 'history_require_auth', stack: 'chat.history_require_auth' },
    doc: 'history reads need a player token too (moderation always does)',
  },
  {
    env: 'CHAT_REDIS_KEY_PREFIX',
    key: 'redisKeyPrefix',
    kind: 'pattern',
    pattern: REDIS_KEY_PREFIX_PATTERN,
    accepts: '1-64 characters of A-Z, a-z, 0-9, _ : . or -',
    default: 'gc',
    usedBy: ALL,
    terraform: { functions: 'redis_key_prefix', stack: 'chat.redis_key_prefix' },
    doc: 'prefix of every Redis key the chat writes',
  },
  {
    env: 'CHAT_RETRY_BUDGET_MS',
    key: 'retryBudgetMs',
    kind: 'integer',
    min: 0,
    max: 60_000,
    default: 8000,
    usedBy: ['message-filter'],
    terraform: { functions: 'retry_budget_ms', stack: 'message_filter.retry_budget_ms' },
    doc: "how long the filter retries a Redis or Data Plane failure inside one invocation (0: one try); below the filter's timeout",
  },
  {
    env: 'CHAT_MAX_EVENT_AGE_SECONDS',
    key: 'maxEventAgeSeconds',
    // Lambda's own bounds for MaximumEventAgeInSeconds.
    kind: 'integer',
    min: 60,
    max: 21_600,
    default: 300,
    usedBy: ['message-filter'],
    terraform: {
      functions: 'message_filter_maximum_event_age_in_seconds',
      stack: 'message_filter.maximum_event_age_in_seconds',
    },
    doc: "the filter's async maximum event age (Terraform passes the same value to both): de-duplication remembers an event this long, an older one is dropped",
  },
  {
    env: 'CHAT_REDIS_AUTH_SECRET_ARN',
    kind: 'secret-arn',
    into: 'REDIS_URL',
    usedBy: ALL,
    terraform: { functions: 'redis_auth_secret_arn' },
    doc: "Secrets Manager secret holding the cache AUTH token, read at cold start into `REDIS_URL`'s password",
  },
  {
    env: 'CHAT_TOKEN_SECRET_ARN',
    kind: 'secret-arn',
    into: 'CHAT_TOKEN_SECRET',
    usedBy: TOKEN_READERS,
    terraform: { functions: 'token_secret_arn', stack: 'tokens.secret_arn' },
    doc: 'Secrets Manager secret holding the HS256 token secret, read at cold start into `CHAT_TOKEN_SECRET` (unless that is set)',
  },
  {
    env: 'CHAT_CHANNEL_CLASSES',
    key: 'channelClasses',
    kind: 'channel-classes',
    default: '',
    usedBy: PUBLISHERS,
    terraform: { functions: 'channel_classes', stack: 'chat.channel_classes' },
    doc: 'ordered `pattern=window/cap` rules giving matching channels their own history window and cap (`guild-*=7d/1000,party-*=2h/200`); first match wins, a rule an earlier one covers is refused; other channels use the two history settings',
  },
  {
    env: 'CHAT_PRESENCE_INTERVAL_MS',
    key: 'presenceIntervalMs',
    kind: 'integer',
    min: 100,
    max: 60_000,
    default: 1000,
    usedBy: ['presence'],
    terraform: { functions: 'presence_interval_ms', stack: 'chat.presence_interval_ms' },
    doc: 'at most one presence broadcast per channel per this many milliseconds; below the presence timeout',
  },
  {
    env: 'CHAT_PRESENCE_MAX_MEMBERS',
    key: 'presenceMaxMembers',
    kind: 'integer',
    min: 1,
    max: 1000,
    default: 100,
    usedBy: ['presence'],
    terraform: { functions: 'presence_max_members', stack: 'chat.presence_max_members' },
    doc: 'above this many members a presence broadcast carries only the count',
  },
  {
    env: 'CHAT_PRESENCE_STALE_SECONDS',
    key: 'presenceStaleSeconds',
    kind: 'integer',
    min: 60,
    max: 86_400,
    default: 86_400,
    usedBy: ['message-filter', 'chat-api', 'presence'],
    terraform: { functions: 'presence_stale_seconds', stack: 'chat.presence_stale_seconds' },
    doc: 'how long a connection or membership lasts without a lifecycle event: the bound on a member whose disconnect event was lost',
  },
  {
    env: 'CHAT_MAX_BLOCKS',
    key: 'maxBlocks',
    kind: 'integer',
    min: 1,
    max: 10_000,
    default: DEFAULT_MAX_BLOCKS,
    usedBy: ['chat-api'],
    terraform: { functions: 'max_blocks', stack: 'chat.max_blocks' },
    doc: 'most players one player may block',
  },
  {
    env: 'CHAT_REPORT_RETENTION_DAYS',
    key: 'reportRetentionDays',
    kind: 'integer',
    min: 1,
    max: 3650,
    default: DEFAULT_REPORT_RETENTION_DAYS,
    usedBy: ['chat-api'],
    terraform: { functions: 'report_retention_days', stack: 'chat.report_retention_days' },
    doc: 'how long a player report and its evidence are kept',
  },
] as const satisfies readonly Setting[];

type Row = (typeof SETTINGS)[number];
export type SettingName = Row['env'];

type ValueOf<R> = R extends { readonly kind: 'integer' | 'rate' }
  ? number
  : R extends { readonly kind: 'boolean' }
    ? boolean
    : R extends { readonly kind: 'choice'; readonly values: readonly (infer V)[] }
      ? V
      : R extends { readonly kind: 'channel-classes' }
        ? readonly ChannelClass[]
        : string;

/** Every setting's value, as `loadConfig` returns it; one without a default may be undefined. */
export type ChatConfig = {
  readonly [R in Row as R extends { readonly key: infer K extends string } ? K : never]: R extends {
    readonly default: unknown;
  }
    ? ValueOf<R>
    : ValueOf<R> | undefined;
};

/** The defaults, by config key: for code that must agree with a deployment's defaults. */
export type SettingDefaults = {
  readonly [R in Row as R extends {
    readonly key: infer K extends string;
    readonly default: unknown;
  }
    ? K
    : never]: ValueOf<R>;
};

/** A row's default as the config holds it: a list setting's blank default is the empty list. */
export function defaultValueOf(row: Setting): ChatConfig[keyof ChatConfig] | undefined {
  return row.kind === 'channel-classes' ? parseChannelClasses('') : row.default;
}

export const SETTING_DEFAULTS = Object.freeze(
  Object.fromEntries(
    SETTINGS.flatMap((row) => ('default' in row ? [[row.key, defaultValueOf(row)]] : [])),
  ),
) as SettingDefaults;

/** The row of one variable, with its literal types. */
export function settingOf<const E extends SettingName>(env: E): Extract<Row, { env: E }> {
  return SETTINGS.find((row) => row.env === env) as Extract<Row, { env: E }>;
}
