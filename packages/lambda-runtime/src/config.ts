import {
  CHANNEL_CLASSES_SYNTAX,
  ChannelClassError,
  parseChannelClasses,
} from './channel-classes.js';
import { type ChatConfig, defaultValueOf, SETTINGS, type Setting } from './settings.js';

export type { ChatConfig, ProfanityPolicy } from './settings.js';
export { PROFANITY_POLICIES } from './settings.js';

/**
 * Settings a function cannot start without. `CHAT_TOKEN_KEY` means one of
 * `CHAT_TOKEN_SECRET`, `CHAT_TOKEN_PUBLIC_KEY` or `CHAT_TOKEN_JWKS_URL`.
 */
export type RequiredSetting = 'REDIS_URL' | 'IOT_DATA_ENDPOINT' | 'CHAT_TOKEN_KEY';

export type WithRequired<R extends RequiredSetting> = ('REDIS_URL' extends R
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

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** What a setting accepts, in the words of its error message and of the docs. */
export function acceptedValues(setting: Setting): string {
  switch (setting.kind) {
    case 'integer':
      return `a whole number ${setting.min}-${setting.max}`;
    case 'rate':
      return `a number above 0 and at most ${setting.max}`;
    case 'choice':
      return `one of ${setting.values.join(', ')}`;
    case 'boolean':
      return 'true or false (or 1, 0)';
    case 'pattern':
      return setting.accepts;
    case 'redis-url':
      return 'redis://[user:password@]host[:port][/db] or rediss://… for TLS';
    case 'endpoint':
      return 'a host name (xxxx-ats.iot.{region}.amazonaws.com) or an http(s)://host[:port] URL';
    case 'http-url':
      return 'an https:// URL';
    case 'text':
      return 'any text';
    case 'secret-arn':
      return 'a Secrets Manager secret ARN';
    case 'channel-classes':
      return CHANNEL_CLASSES_SYNTAX;
  }
}

/** One value checked against its row; a ConfigError names the variable and what it accepts. */
function parse(setting: Setting, raw: string): ChatConfig[keyof ChatConfig] {
  const refuse = (echo = true): never => {
    throw new ConfigError(
      setting.env,
      `must be ${acceptedValues(setting)}${echo ? ` (got ${quoted(raw)})` : ''}`,
    );
  };
  switch (setting.kind) {
    case 'integer': {
      const value = Number(raw);
      if (!/^\d{1,9}$/.test(raw) || value < setting.min || value > setting.max) refuse();
      return value;
    }
    case 'rate': {
      const value = Number(raw);
      if (!/^\d{1,9}(\.\d{1,6})?$/.test(raw) || value <= 0 || value > setting.max) refuse();
      return value;
    }
    case 'choice':
      return setting.values.includes(raw) ? raw : refuse();
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return refuse();
    case 'pattern':
      return setting.pattern.test(raw) ? raw : refuse();
    case 'redis-url': {
      const url = parseUrl(raw);
      const ok = url && ['redis:', 'rediss:'].includes(url.protocol) && url.hostname !== '';
      // The URL may carry a password: never echo it.
      return ok ? raw : refuse(false);
    }
    case 'endpoint': {
      const url = parseUrl(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`);
      const ok = url && ['https:', 'http:'].includes(url.protocol) && url.pathname === '/';
      return ok ? url.origin : refuse();
    }
    case 'http-url': {
      const url = parseUrl(raw);
      return url && ['https:', 'http:'].includes(url.protocol) ? raw : refuse();
    }
    case 'text':
      return raw;
    case 'secret-arn':
      // Resolved by ./secrets before loadConfig runs; not a config value of its own.
      return raw;
    case 'channel-classes':
      try {
        return parseChannelClasses(raw);
      } catch (error) {
        if (!(error instanceof ChannelClassError)) throw error;
        throw new ConfigError(
          setting.env,
          `${error.message}; it must be ${CHANNEL_CLASSES_SYNTAX}`,
        );
      }
  }
}

function requireSettings(config: ChatConfig, required: ReadonlySet<RequiredSetting>): void {
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
}

/**
 * Reads and validates every setting of the SETTINGS table once (call it at cold start). Throws
 * ConfigError naming the variable and the accepted values on the first bad one.
 */
export function loadConfig<const R extends RequiredSetting = never>(
  env: Env = process.env,
  options: LoadConfigOptions<R> = {},
): ChatConfig & WithRequired<R> {
  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    if (setting.key === undefined) continue;
    const raw = read(env, setting.env);
    values[setting.key] = raw === undefined ? defaultValueOf(setting) : parse(setting, raw);
  }
  const config = values as ChatConfig;
  requireSettings(config, new Set(options.require ?? []));
  return config as ChatConfig & WithRequired<R>;
}
