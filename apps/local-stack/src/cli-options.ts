import type { LogMode } from '@game-chat/aws-emulator';
import {
  ASYNC_INVOKE_VARIABLES,
  LocalStackConfigError,
  type LocalStackOptions,
} from '@game-chat/aws-emulator';

/**
 * The CLI's settings (contract §8), read from the environment once: ports with defaults that avoid
 * the standard ports of servers a developer may already run (1883, 6379, 5432, ...), `0` for a
 * free port, and every other `CHAT_*` variable passed to the Lambdas as a setting.
 */

export const DEFAULT_PORTS = {
  CHAT_MQTT_PORT: 21883,
  CHAT_WS_PORT: 21884,
  CHAT_API_PORT: 21880,
  CHAT_IOT_DATA_PORT: 21881,
  CHAT_WEB_PORT: 21800,
} as const;

/** Variables the CLI itself reads; they are not Lambda settings. */
const STACK_VARIABLES = new Set([
  ...Object.keys(DEFAULT_PORTS),
  'CHAT_LOG',
  'CHAT_HOST',
  'CHAT_WEB_ROOT',
  'CHAT_TOKEN_SECRET',
  'CHAT_TOPIC_PREFIX',
  'CHAT_AUTHORIZER_NAME',
  'CHAT_AUTHORIZER_TOKEN_KEY_NAME',
  'CHAT_AUTHORIZER_SIGNING_KEY',
  'CHAT_CREATE_DOMAIN_CONFIGURATION',
  'CHAT_CORS_ORIGINS',
  ...Object.values(ASYNC_INVOKE_VARIABLES),
]);

type Env = Readonly<Record<string, string | undefined>>;

function port(env: Env, name: keyof typeof DEFAULT_PORTS): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_PORTS[name];
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535) {
    throw new LocalStackConfigError(name, `must be a port number 0-65535 (got "${raw}")`);
  }
  return Number(raw);
}

function logMode(env: Env, interactive: boolean): LogMode {
  const raw = env.CHAT_LOG?.trim();
  if (raw === undefined || raw === '') return interactive ? 'pretty' : 'json';
  if (raw !== 'json' && raw !== 'pretty') {
    throw new LocalStackConfigError('CHAT_LOG', `must be json or pretty (got "${raw}")`);
  }
  return raw;
}

function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') {
    throw new LocalStackConfigError(name, `must be true or false (got "${raw}")`);
  }
  return raw === 'true';
}

const nonEmpty = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** The filter's async-invoke settings, as numbers; `createLocalStack` checks their ranges. */
function asyncInvokeOptions(env: Env): Partial<LocalStackOptions> {
  const options: Record<string, number> = {};
  for (const [option, variable] of Object.entries(ASYNC_INVOKE_VARIABLES)) {
    const raw = nonEmpty(env[variable]);
    if (raw === undefined) continue;
    if (!/^\d{1,6}(\.\d{1,6})?$/.test(raw)) {
      throw new LocalStackConfigError(variable, `must be a number (got "${raw}")`);
    }
    options[option] = Number(raw);
  }
  return options;
}

/** Reads the options of `createLocalStack` from the environment; throws naming a bad variable. */
export function readCliOptions(env: Env, interactive: boolean): LocalStackOptions {
  const settings = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[0].startsWith('CHAT_') && !STACK_VARIABLES.has(entry[0]) && entry[1] !== undefined,
    ),
  );
  const redisUrl = nonEmpty(env.REDIS_URL);
  const tokenSecret = nonEmpty(env.CHAT_TOKEN_SECRET);
  const topicPrefix = nonEmpty(env.CHAT_TOPIC_PREFIX);
  const webRoot = nonEmpty(env.CHAT_WEB_ROOT);
  const authorizerName = nonEmpty(env.CHAT_AUTHORIZER_NAME);
  const tokenKeyName = nonEmpty(env.CHAT_AUTHORIZER_TOKEN_KEY_NAME);
  const authorizerSigningKey = nonEmpty(env.CHAT_AUTHORIZER_SIGNING_KEY);
  const createDomainConfiguration = flag(env, 'CHAT_CREATE_DOMAIN_CONFIGURATION');
  // API Gateway's CORS, as Terraform's cors_origins: `*` or comma-separated origins.
  const corsOrigins = nonEmpty(env.CHAT_CORS_ORIGINS)
    ?.split(',')
    .map((origin) => origin.trim());
  return {
    mqttPort: port(env, 'CHAT_MQTT_PORT'),
    wsPort: port(env, 'CHAT_WS_PORT'),
    apiPort: port(env, 'CHAT_API_PORT'),
    iotDataPort: port(env, 'CHAT_IOT_DATA_PORT'),
    webPort: port(env, 'CHAT_WEB_PORT'),
    host: nonEmpty(env.CHAT_HOST) ?? '127.0.0.1',
    log: logMode(env, interactive),
    settings,
    ...asyncInvokeOptions(env),
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(tokenSecret === undefined ? {} : { tokenSecret }),
    ...(topicPrefix === undefined ? {} : { topicPrefix }),
    ...(webRoot === undefined ? {} : { webRoot }),
    ...(authorizerName === undefined ? {} : { authorizerName }),
    ...(tokenKeyName === undefined ? {} : { tokenKeyName }),
    ...(authorizerSigningKey === undefined ? {} : { authorizerSigningKey }),
    ...(createDomainConfiguration === undefined ? {} : { createDomainConfiguration }),
    ...(corsOrigins === undefined ? {} : { corsOrigins }),
  };
}
