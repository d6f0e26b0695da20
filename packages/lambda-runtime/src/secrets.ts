import { ConfigError } from './config.js';

type Env = Record<string, string | undefined>;

/** Returns a secret's string value; throws when it cannot be read. */
export type SecretFetcher = (secretArn: string) => Promise<string>;

/**
 * The settings whose values Terraform keeps in Secrets Manager rather than in the function's
 * plain environment: the variable carrying the ARN, and what the value becomes.
 */
export const SECRET_SETTINGS = {
  /** The ElastiCache AUTH token; it becomes the password of `REDIS_URL`. */
  redisAuth: 'CHAT_REDIS_AUTH_SECRET_ARN',
  /** The HS256 player-token secret; it becomes `CHAT_TOKEN_SECRET`. */
  tokenSecret: 'CHAT_TOKEN_SECRET_ARN',
} as const;

/** Reads secrets with the AWS SDK, loaded only when a function is configured with one. */
export function secretsManagerFetcher(env: Env = process.env): SecretFetcher {
  let client: Promise<(arn: string) => Promise<string | undefined>> | undefined;
  return async (secretArn) => {
    client ??= import('@aws-sdk/client-secrets-manager').then(
      ({ SecretsManagerClient, GetSecretValueCommand }) => {
        const sdk = new SecretsManagerClient({
          region: regionOf(secretArn) ?? env.AWS_REGION ?? 'us-east-1',
          maxAttempts: 2,
        });
        return async (arn) =>
          (await sdk.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
      },
    );
    const value = await (await client)(secretArn);
    if (value === undefined || value === '') throw new Error('the secret has no string value');
    return value;
  };
}

function regionOf(arn: string): string | undefined {
  return /^arn:[a-z-]+:secretsmanager:([a-z0-9-]+):/.exec(arn)?.[1];
}

/** Reads the secret named by the ARN in `variable`; a ConfigError names the variable when it cannot. */
export async function fetchSetting(
  variable: string,
  arn: string,
  fetch: SecretFetcher,
): Promise<string> {
  if (!/^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(arn)) {
    throw new ConfigError(variable, 'must be a Secrets Manager secret ARN');
  }
  try {
    return await fetch(arn);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(variable, `names a secret that could not be read: ${reason}`);
  }
}

/**
 * Resolves the secret-backed settings once at cold start and returns the environment that
 * `loadConfig` reads: `REDIS_URL` with the AUTH token as its password, `CHAT_TOKEN_SECRET` from
 * its secret. Without the ARN variables (local runs, tests) the environment is returned as is.
 */
export async function resolveSecretSettings(
  env: Env = process.env,
  fetch: SecretFetcher = secretsManagerFetcher(env),
): Promise<Env> {
  const resolved: Env = { ...env };
  const redisAuthArn = env[SECRET_SETTINGS.redisAuth]?.trim();
  if (redisAuthArn) {
    const token = await fetchSetting(SECRET_SETTINGS.redisAuth, redisAuthArn, fetch);
    let url: URL;
    try {
      url = new URL(env.REDIS_URL ?? '');
    } catch {
      throw new ConfigError('REDIS_URL', `is required with ${SECRET_SETTINGS.redisAuth}`);
    }
    url.password = encodeURIComponent(token);
    resolved.REDIS_URL = url.toString();
  }
  const tokenSecretArn = env[SECRET_SETTINGS.tokenSecret]?.trim();
  if (tokenSecretArn && !env.CHAT_TOKEN_SECRET) {
    resolved.CHAT_TOKEN_SECRET = await fetchSetting(
      SECRET_SETTINGS.tokenSecret,
      tokenSecretArn,
      fetch,
    );
  }
  return resolved;
}
