import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '@game-chat/lambda-runtime/config';
import {
  fetchSetting,
  type SecretFetcher,
  secretsManagerFetcher,
} from '@game-chat/lambda-runtime/secrets';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  type IssuerKeys,
  loadAuthorizerSigningKey,
} from './signing.js';
import {
  asymmetricAlgorithm,
  DEVELOPMENT_TOKEN_SECRET,
  MIN_SECRET_BYTES,
  pemText,
  type SigningKey,
  TokenKeyError,
} from './tokens.js';

/**
 * The issuer side's settings (`pnpm token`, `pnpm smoke`, load tools): which key signs player
 * tokens and which signs them for the custom authorizer, each given as a value or as the ARN of
 * a Secrets Manager secret holding it (read with the AWS SDK).
 */
export const ISSUER_VARIABLES = {
  tokenSecret: 'CHAT_TOKEN_SECRET',
  tokenSecretArn: 'CHAT_TOKEN_SECRET_ARN',
  tokenPrivateKey: 'CHAT_TOKEN_PRIVATE_KEY',
  tokenPrivateKeyArn: 'CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN',
  signingKey: 'CHAT_AUTHORIZER_SIGNING_KEY',
  signingKeyArn: 'CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN',
} as const;

/** The variables that name the player-token key, and those that name the signing key. */
export const PLAYER_TOKEN_KEY_VARIABLES: readonly string[] = [
  ISSUER_VARIABLES.tokenSecret,
  ISSUER_VARIABLES.tokenSecretArn,
  ISSUER_VARIABLES.tokenPrivateKey,
  ISSUER_VARIABLES.tokenPrivateKeyArn,
];
export const SIGNING_KEY_VARIABLES: readonly string[] = [
  ISSUER_VARIABLES.signingKey,
  ISSUER_VARIABLES.signingKeyArn,
];

type Env = Readonly<Record<string, string | undefined>>;

/** The issuer variables `env` sets (blank ones left out): what a tool passes on to `readIssuerKeys`. */
export function issuerVariables(env: Env): Record<string, string> {
  const set: Record<string, string> = {};
  for (const name of Object.values(ISSUER_VARIABLES)) {
    const value = env[name]?.trim();
    if (value) set[name] = value;
  }
  return set;
}

export interface IssuerKeysFromEnv {
  readonly keys: IssuerKeys;
  /** One sentence per development key used because its variables are unset. */
  readonly warnings: readonly string[];
}

const set = (env: Env, name: string) => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/** A value, else the secret its ARN variable names, else undefined. */
async function valueOrSecret(
  env: Env,
  variable: string,
  arnVariable: string,
  fetchSecret: SecretFetcher,
): Promise<{ value: string; variable: string } | undefined> {
  const value = set(env, variable);
  if (value !== undefined) return { value, variable };
  const arn = set(env, arnVariable);
  if (arn === undefined) return undefined;
  return { value: await fetchSetting(arnVariable, arn, fetchSecret), variable: arnVariable };
}

/** `valueOrSecret` bound to one environment and secret fetcher. */
type ReadSetting = (
  variable: string,
  arnVariable: string,
) => Promise<{ value: string; variable: string } | undefined>;

async function playerTokenKey(read: ReadSetting, warnings: string[]): Promise<SigningKey> {
  const v = ISSUER_VARIABLES;
  const secret = await read(v.tokenSecret, v.tokenSecretArn);
  const privateKey = await read(v.tokenPrivateKey, v.tokenPrivateKeyArn);
  if (secret && privateKey) {
    throw new ConfigError(privateKey.variable, `cannot be used together with ${secret.variable}`);
  }
  if (secret) {
    if (new TextEncoder().encode(secret.value).byteLength < MIN_SECRET_BYTES) {
      throw new ConfigError(secret.variable, `must be at least ${MIN_SECRET_BYTES} bytes long`);
    }
    return { secret: secret.value };
  }
  if (privateKey) {
    let key: KeyObject;
    try {
      key = createPrivateKey(pemText(privateKey.value));
    } catch {
      throw new ConfigError(privateKey.variable, 'is not a PEM private key');
    }
    const algorithm = asymmetricAlgorithm(key);
    if (!algorithm) throw new ConfigError(privateKey.variable, 'must be an RSA or a P-256 key');
    return { privateKey: key, algorithm };
  }
  warnings.push(
    `${v.tokenSecret} is not set: player tokens are signed with the local development secret`,
  );
  return { secret: DEVELOPMENT_TOKEN_SECRET };
}

async function authorizerSigningKey(read: ReadSetting, warnings: string[]): Promise<KeyObject> {
  const v = ISSUER_VARIABLES;
  const configured = await read(v.signingKey, v.signingKeyArn);
  if (!configured) {
    warnings.push(
      `${v.signingKey} is not set: tokens are signed for the authorizer with the local development key`,
    );
    return loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY);
  }
  try {
    return loadAuthorizerSigningKey(configured.value);
  } catch (error) {
    if (error instanceof TokenKeyError) throw new ConfigError(configured.variable, error.message);
    throw error;
  }
}

/**
 * Reads both keys once. An unset pair falls back to the local stack's public development key
 * (and says so in `warnings`): such tokens only work against a local stack with default keys.
 * Throws `ConfigError` naming the variable that is wrong or whose secret cannot be read.
 */
export async function readIssuerKeys(
  env: Env,
  fetchSecret: SecretFetcher = secretsManagerFetcher({ ...env }),
): Promise<IssuerKeysFromEnv> {
  const warnings: string[] = [];
  const read: ReadSetting = (variable, arnVariable) =>
    valueOrSecret(env, variable, arnVariable, fetchSecret);
  const playerToken = await playerTokenKey(read, warnings);
  const authorizerSigning = await authorizerSigningKey(read, warnings);
  return { keys: { playerToken, authorizerSigning }, warnings };
}
