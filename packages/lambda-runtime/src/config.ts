import { validateTopicPrefix } from '@game-chat/protocol/topics';

/** The profanity policy of `CHAT_PROFANITY`. */
export const PROFANITY_POLICIES = ['mask', 'reject', 'off'] as const;
export type ProfanityPolicy = (typeof PROFANITY_POLICIES)[number];

/** Every Lambda setting of docs/design.md "Lambda settings" (SPEC §6), validated. */
export interface ChatConfig {
  readonly redisUrl: string | undefined;
  /** Normalised to a URL: a bare host name (Terraform's `endpoint_address`) gets `https://`. */
  readonly iotDataEndpoint: string | undefined;
  readonly topicPrefix: string;
  readonly historySeconds: number;
  readonly historyMax: number;
  readonly maxTextLength: number;
  readonly rateBurst: number;
  readonly ratePerSecond: number;
  readonly channelRatePerSecond: number;
  readonly profanity: ProfanityPolicy;
  /** Raw token key settings, for the token verifier to interpret. */
  readonly tokenSecret: string | undefined;
  readonly tokenPublicKey: string | undefined;
  readonly tokenJwksUrl: string | undefined;
  readonly historyRequireAuth: boolean;
  /** `['*']` or a list of exact origins. */
  readonly corsOrigins: readonly string[];
  readonly redisKeyPrefix: string;
  /**
   * How long the message filter keeps retrying a Redis or Data Plane failure inside one
   * invocation (`CHAT_RETRY_BUDGET_MS`); it also stops in time to answer before the timeout.
   */
  readonly retryBudgetMs: number;
  /**
   * The filter's async event age (`CHAT_MAX_EVENT_AGE_SECONDS`, Terraform passes the function's
   * `maximum_event_age_in_seconds`): de-duplication remembers an event this long, and an older
   * event is dropped.
   */
  readonly maxEventAgeSeconds: number;
}

/**
 * Settings a function cannot start without. `CHAT_TOKEN_KEY` means one of
 * `CHAT_TOKEN_SECRET`, `CHAT_TOKEN_PUBLIC_KEY` or `CHAT_TOKEN_JWKS_URL`.
 */
export type RequiredSetting = 'REDIS_URL' | 'IOT_DATA_ENDPOINT' | 'CHAT_TOKEN_KEY';

type WithRequired<R extends RequiredSetting> = ('REDIS_URL' extends R
  ? { readonly redisUrl: string }
  : unknown) &
  ('IOT_DATA_ENDPOINT' extends R ? { readonly iotDataEndpoint: string } : unknown);

export interface LoadConfigOptions<R extends RequiredSetting> {
  readonly require?: readonly R[];
}

/** A setting has a bad value or a required one is missing; start-up must stop. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

/** An unset or blank variable means "use the default". */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number ${min}-${max} (got ${quoted(raw)})`);
  }
  return Number(raw);
}

function rate(env: Env, name: string, fallback: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d{1,9}(\.\d{1,6})?$/.test(raw) || value <= 0 || value > max) {
    throw new ConfigError(name, `must be a number above 0 and at most ${max} (got ${quoted(raw)})`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${values.join(', ')} (got ${quoted(raw)})`);
  }
  return raw as T;
}

function redisUrl(env: Env): string | undefined {
  const raw = read(env, 'REDIS_URL');
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['redis:', 'rediss:'].includes(url.protocol) || url.hostname === '') {
    // The URL may carry a password: never echo it.
    throw new ConfigError(
      'REDIS_URL',
      'must be redis://[user:password@]host[:port][/db] or rediss://… for TLS',
    );
  }
  return raw;
}

function iotDataEndpoint(env: Env): string | undefined {
  const raw = read(env, 'IOT_DATA_ENDPOINT');
  if (raw === undefined) return undefined;
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['https:', 'http:'].includes(url.protocol) || url.pathname !== '/') {
    throw new ConfigError(
      'IOT_DATA_ENDPOINT',
      `must be a host name (xxxx-ats.iot.<region>.amazonaws.com) or an http(s)://host[:port] URL (got ${quoted(raw)})`,
    );
  }
  return url.origin;
}

function jwksUrl(env: Env): string | undefined {
  const raw = read(env, 'CHAT_TOKEN_JWKS_URL');
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return raw;
  } catch {}
  throw new ConfigError('CHAT_TOKEN_JWKS_URL', `must be an https:// URL (got ${quoted(raw)})`);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false (got ${quoted(raw)})`);
}

function corsOrigins(env: Env): readonly string[] {
  const raw = read(env, 'CHAT_CORS_ORIGINS');
  if (raw === undefined || raw === '*') return ['*'];
  return raw.split(',').map((part) => {
    const origin = part.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new ConfigError(
        'CHAT_CORS_ORIGINS',
        `must be * or a comma-separated list of origins like https://game.example.com (got ${quoted(origin)})`,
      );
    }
    return origin;
  });
}

const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]{1,64}$/;

/**
 * Reads and validates every setting once (call it at cold start). Throws ConfigError naming
 * the variable and the accepted values on the first bad one.
 */
export function loadConfig<const R extends RequiredSetting = never>(
  env: Env = process.env,
  options: LoadConfigOptions<R> = {},
): ChatConfig & WithRequired<R> {
  const topicPrefix = read(env, 'CHAT_TOPIC_PREFIX') ?? 'chat';
  if (!validateTopicPrefix(topicPrefix).ok) {
    throw new ConfigError(
      'CHAT_TOPIC_PREFIX',
      `must be 1-32 characters of A-Z, a-z, 0-9, _ or - (got ${quoted(topicPrefix)})`,
    );
  }
  const redisKeyPrefix = read(env, 'CHAT_REDIS_KEY_PREFIX') ?? 'gc';
  if (!KEY_PREFIX_PATTERN.test(redisKeyPrefix)) {
    throw new ConfigError(
      'CHAT_REDIS_KEY_PREFIX',
      `must be 1-64 characters of A-Z, a-z, 0-9, _ : . or - (got ${quoted(redisKeyPrefix)})`,
    );
  }
  const config: ChatConfig = {
    redisUrl: redisUrl(env),
    iotDataEndpoint: iotDataEndpoint(env),
    topicPrefix,
    historySeconds: integer(env, 'CHAT_HISTORY_SECONDS', 30, 1, 86_400),
    historyMax: integer(env, 'CHAT_HISTORY_MAX', 200, 1, 10_000),
    maxTextLength: integer(env, 'CHAT_MAX_TEXT', 500, 1, 4000),
    rateBurst: integer(env, 'CHAT_RATE_BURST', 5, 1, 1000),
    ratePerSecond: rate(env, 'CHAT_RATE_PER_SECOND', 1, 1000),
    channelRatePerSecond: rate(env, 'CHAT_CHANNEL_RATE_PER_SECOND', 50, 100_000),
    profanity: oneOf(env, 'CHAT_PROFANITY', PROFANITY_POLICIES, 'mask'),
    tokenSecret: read(env, 'CHAT_TOKEN_SECRET'),
    tokenPublicKey: read(env, 'CHAT_TOKEN_PUBLIC_KEY'),
    tokenJwksUrl: jwksUrl(env),
    historyRequireAuth: bool(env, 'CHAT_HISTORY_REQUIRE_AUTH', true),
    corsOrigins: corsOrigins(env),
    redisKeyPrefix,
    retryBudgetMs: integer(env, 'CHAT_RETRY_BUDGET_MS', 8000, 0, 60_000),
    // Lambda's own bounds for MaximumEventAgeInSeconds.
    maxEventAgeSeconds: integer(env, 'CHAT_MAX_EVENT_AGE_SECONDS', 300, 60, 21_600),
  };
  const required = new Set<RequiredSetting>(options.require ?? []);
  if (required.has('REDIS_URL') && config.redisUrl === undefined) {
    throw new ConfigError('REDIS_URL', 'is required: redis://host:port or rediss://…');
  }
  if (required.has('IOT_DATA_ENDPOINT') && config.iotDataEndpoint === undefined) {
    throw new ConfigError(
      'IOT_DATA_ENDPOINT',
      'is required: the account Data-ATS endpoint host name, or http://127.0.0.1:port locally',
    );
  }
  if (
    required.has('CHAT_TOKEN_KEY') &&
    config.tokenSecret === undefined &&
    config.tokenPublicKey === undefined &&
    config.tokenJwksUrl === undefined
  ) {
    throw new ConfigError(
      'CHAT_TOKEN_SECRET',
      'is required (or CHAT_TOKEN_PUBLIC_KEY, or CHAT_TOKEN_JWKS_URL) to verify player tokens',
    );
  }
  return config as ChatConfig & WithRequired<R>;
}
