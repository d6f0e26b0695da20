import { parseArgs } from 'node:util';
import { ConfigError } from '@game-chat/lambda-runtime/config';
import type { SecretFetcher } from '@game-chat/lambda-runtime/secrets';
import {
  type CustomAuthCredentials,
  customAuthUrl,
  customAuthUsername,
  DEFAULT_AUTHORIZER_NAME,
  DEFAULT_TOKEN_KEY_NAME,
  validateAuthorizerName,
  validateTokenKeyName,
} from '@game-chat/protocol/custom-auth';
import { isRole } from '@game-chat/protocol/names';
import { readIssuerKeys } from './issuer.js';
import { issueSignedPlayerToken } from './signing.js';
import { TokenKeyError } from './tokens.js';

export const USAGE = `usage: game-chat-token <playerId> [--name N] [--role player|moderator|admin]
                      [--channels a,b,Town*] [--ttl seconds]
                      [--authorizer NAME] [--token-key-name KEY] [--username | --url WSS_URL]

Prints {"token","signature","authorizerName","tokenKeyName"}: a player token and its signature
for the IoT custom authorizer. --username prints an MQTT user name carrying both (for
mosquitto_pub -u, or any MQTT client over TLS); --url prints the WebSocket URL carrying both.

Keys: CHAT_TOKEN_SECRET (HS256) or CHAT_TOKEN_PRIVATE_KEY (RS256/ES256) for the token, and
CHAT_AUTHORIZER_SIGNING_KEY for the signature; each also as *_SECRET_ARN (CHAT_TOKEN_SECRET_ARN,
CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN, CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN), read from Secrets
Manager. Unset keys fall back to the local stack's public development keys. The authorizer name
and token key name default to CHAT_AUTHORIZER_NAME and CHAT_AUTHORIZER_TOKEN_KEY_NAME, else
${DEFAULT_AUTHORIZER_NAME} and ${DEFAULT_TOKEN_KEY_NAME}.`;

const DEFAULT_TTL_SECONDS = 3600;

export interface CommandOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const usageError = (message: string): CommandOutput => ({
  exitCode: 2,
  stdout: '',
  stderr: `${message}\n${USAGE}\n`,
});

const failure = (message: string): CommandOutput => ({
  exitCode: 1,
  stdout: '',
  stderr: `${message}\n`,
});

/** The `game-chat-token` command, without touching the process: argv and env in, text out. */
export async function runTokenCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  fetchSecret?: SecretFetcher,
): Promise<CommandOutput> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  const [playerId, ...extra] = positionals;
  if (playerId === undefined || extra.length > 0) return usageError('give exactly one player id');
  const { role } = values;
  if (role !== undefined && !isRole(role)) {
    return usageError('--role must be player, moderator or admin');
  }
  const ttl = values.ttl === undefined ? DEFAULT_TTL_SECONDS : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) return usageError('--ttl must be a positive whole number');
  if (values.username && values.url !== undefined) {
    return usageError('give --username or --url, not both');
  }
  const authorizerName = validateAuthorizerName(
    values.authorizer ?? (env.CHAT_AUTHORIZER_NAME?.trim() || DEFAULT_AUTHORIZER_NAME),
  );
  if (!authorizerName.ok) return usageError(`--authorizer: ${authorizerName.message}`);
  const tokenKeyName = validateTokenKeyName(
    values['token-key-name'] ??
      (env.CHAT_AUTHORIZER_TOKEN_KEY_NAME?.trim() || DEFAULT_TOKEN_KEY_NAME),
  );
  if (!tokenKeyName.ok) return usageError(`--token-key-name: ${tokenKeyName.message}`);
  if (values.url !== undefined && !isWebSocketUrl(values.url)) {
    return usageError('--url must be a ws:// or wss:// URL');
  }

  try {
    const { keys, warnings } = await readIssuerKeys(env, fetchSecret);
    const signed = await issueSignedPlayerToken(
      {
        sub: playerId,
        ...(values.name !== undefined && { name: values.name }),
        ...(role !== undefined && { role }),
        ...(values.channels !== undefined && { channels: values.channels.split(',') }),
      },
      keys,
      { expiresInSeconds: ttl },
    );
    const credentials: CustomAuthCredentials = {
      ...signed,
      authorizerName: authorizerName.value,
      tokenKeyName: tokenKeyName.value,
    };
    let stdout: string;
    if (values.username) stdout = customAuthUsername(playerId, credentials);
    else if (values.url !== undefined) stdout = customAuthUrl(values.url, credentials);
    else stdout = JSON.stringify(credentials);
    return { exitCode: 0, stdout: `${stdout}\n`, stderr: warnings.map((w) => `${w}\n`).join('') };
  } catch (error) {
    if (
      error instanceof TypeError ||
      error instanceof TokenKeyError ||
      error instanceof ConfigError
    ) {
      return failure(error.message);
    }
    throw error;
  }
}

function isWebSocketUrl(value: string): boolean {
  try {
    return ['ws:', 'wss:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      channels: { type: 'string' },
      ttl: { type: 'string' },
      authorizer: { type: 'string' },
      'token-key-name': { type: 'string' },
      username: { type: 'boolean' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
