import { parseArgs } from 'node:util';
import {
  ISSUER_VARIABLES,
  issuerVariables,
  PLAYER_TOKEN_KEY_VARIABLES,
  SIGNING_KEY_VARIABLES,
} from '@game-chat/auth/issuer';
import { type CommandLine, UsageError, valueOptions } from '@game-chat/load-kit/command-line';
import {
  DEFAULT_TOKEN_KEY_NAME,
  validateAuthorizerName,
  validateTokenKeyName,
} from '@game-chat/protocol/custom-auth';
import { DEFAULT_TOPIC_PREFIX } from '@game-chat/protocol/limits';
import { validateTopicPrefix } from '@game-chat/protocol/topics';

/** Where the smoke test connects, and how it gets signed tokens. */
export interface SmokeOptions {
  /** MQTT over WebSocket: `wss://<id>-ats.iot.<region>.amazonaws.com/mqtt` (or `ws://` locally). */
  readonly endpoint: string;
  readonly apiUrl: string;
  /** Undefined: the endpoint's default authorizer. */
  readonly authorizerName: string | undefined;
  readonly tokenKeyName: string;
  readonly topicPrefix: string;
  readonly tokens:
    | { readonly kind: 'url'; readonly url: string }
    /** Issued here with the keys these issuer variables name (see `readIssuerKeys`). */
    | { readonly kind: 'issuer'; readonly env: Readonly<Record<string, string>> };
  /** Longest wait for any one step. */
  readonly stepTimeoutMs: number;
}

export type ParsedSmokeArgs = CommandLine<SmokeOptions>;

export { UsageError };

export const USAGE = `Usage: pnpm smoke -- --outputs FILE [options]
       pnpm smoke -- --endpoint WSS_URL --api URL [--authorizer NAME] [options]

After a deploy: two players connect over MQTT/WSS with signed tokens, chat, read history and get
one refusal notice. Exit 0 when every step passed; otherwise 1 and one sentence naming the step
that failed (2 for a usage error).

Deployment:
  --outputs FILE          what \`terraform output -json\` wrote: websocket_url, api_url,
                          authorizer_name, authorizer_token_key_name, topic_prefix, and the
                          secret ARNs of the signing key and the player-token key
  --endpoint URL          MQTT over WebSocket (ws:// or wss://); overrides websocket_url
  --api URL               the HTTP API; overrides api_url
  --authorizer NAME       the custom authorizer (leave out only for a default authorizer)
  --token-key-name KEY    its token key name (default ${DEFAULT_TOKEN_KEY_NAME})
  --topic-prefix P        CHAT_TOPIC_PREFIX of the deployment (default ${DEFAULT_TOPIC_PREFIX})

Tokens:
  --token-url URL         POST {playerId,name,role} -> {token,signature}, like /dev/tokens
  otherwise issued here:  CHAT_TOKEN_SECRET or CHAT_TOKEN_PRIVATE_KEY for the token and
                          CHAT_AUTHORIZER_SIGNING_KEY for its signature, each also as
                          *_SECRET_ARN (read with the AWS SDK); the outputs' ARNs by default

  --timeout S             longest wait for one step, seconds (default 30)
  -h, --help`;

const OPTIONS = {
  ...valueOptions('outputs', 'endpoint', 'api', 'authorizer', 'token-key-name', 'topic-prefix'),
  ...valueOptions('token-url', 'timeout'),
  help: { type: 'boolean', short: 'h' },
} as const;

/** The outputs of `terraform output -json` the smoke test reads (contract of issue 12). */
export interface DeploymentOutputs {
  readonly websocketUrl?: string;
  readonly apiUrl?: string;
  readonly topicPrefix?: string;
  readonly authorizerName?: string;
  readonly tokenKeyName?: string;
  readonly signingKeySecretArn?: string;
  readonly tokenSecretArn?: string;
  readonly tokenPrivateKeySecretArn?: string;
}

const OUTPUT_NAMES: Record<keyof DeploymentOutputs, string> = {
  websocketUrl: 'websocket_url',
  apiUrl: 'api_url',
  topicPrefix: 'topic_prefix',
  authorizerName: 'authorizer_name',
  tokenKeyName: 'authorizer_token_key_name',
  signingKeySecretArn: 'authorizer_signing_key_secret_arn',
  tokenSecretArn: 'token_secret_arn',
  tokenPrivateKeySecretArn: 'token_private_key_secret_arn',
};

/**
 * Reads `terraform output -json` (`{ name: { value, type, sensitive } }`): each known output is a
 * string or null (absent when the stack manages no such thing). Unknown outputs are ignored.
 */
export function readOutputs(text: string, file = 'the outputs file'): DeploymentOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON (write it with \`terraform output -json\`)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${file} must be the JSON object \`terraform output -json\` writes`);
  }
  const outputs: Record<string, string> = {};
  for (const [key, name] of Object.entries(OUTPUT_NAMES)) {
    if (!Object.hasOwn(parsed, name)) continue;
    const output = (parsed as Record<string, unknown>)[name];
    const value =
      typeof output === 'object' && output !== null && Object.hasOwn(output, 'value')
        ? (output as { value: unknown }).value
        : undefined;
    if (value === null) continue;
    if (typeof value !== 'string' || value === '') {
      throw new UsageError(`${file}: output ${name} must have a string value`);
    }
    outputs[key] = value;
  }
  return outputs as DeploymentOutputs;
}

function url(value: string | undefined, what: string, protocols: readonly string[]): string {
  let parsed: URL | undefined;
  try {
    parsed = value === undefined ? undefined : new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !protocols.includes(parsed.protocol)) {
    const kinds = protocols.map((protocol) => `${protocol}//`).join(' or ');
    throw new UsageError(`${what} must be a ${kinds} URL (got ${JSON.stringify(value ?? '')})`);
  }
  return value as string;
}

/**
 * The issuer's keys: the outputs' secret ARNs, unless the environment names that key itself
 * (then the environment's variables win for it: a token key or a signing key is one setting).
 */
function issuerEnv(
  outputs: DeploymentOutputs,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const given = issuerVariables(env);
  const v = ISSUER_VARIABLES;
  const tokenKeyGiven = PLAYER_TOKEN_KEY_VARIABLES.some((name) => given[name] !== undefined);
  const signingKeyGiven = SIGNING_KEY_VARIABLES.some((name) => given[name] !== undefined);
  const fromOutputs: Record<string, string> = {};
  if (!tokenKeyGiven && outputs.tokenSecretArn) {
    fromOutputs[v.tokenSecretArn] = outputs.tokenSecretArn;
  }
  if (!tokenKeyGiven && outputs.tokenPrivateKeySecretArn) {
    fromOutputs[v.tokenPrivateKeyArn] = outputs.tokenPrivateKeySecretArn;
  }
  if (!signingKeyGiven && outputs.signingKeySecretArn) {
    fromOutputs[v.signingKeyArn] = outputs.signingKeySecretArn;
  }
  return { ...fromOutputs, ...given };
}

/**
 * Reads the command line (and the outputs file through `readFile`): flags win over outputs.
 * Throws `UsageError` naming the option or output that is missing or wrong.
 */
export function parseSmokeArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): ParsedSmokeArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  let outputs: DeploymentOutputs = {};
  if (values.outputs !== undefined) {
    let text: string;
    try {
      text = readFile(values.outputs);
    } catch (error) {
      throw new UsageError(`cannot read --outputs ${values.outputs}: ${(error as Error).message}`);
    }
    outputs = readOutputs(text, values.outputs);
  }
  const endpoint = values.endpoint ?? outputs.websocketUrl;
  if (endpoint === undefined) throw new UsageError('give --outputs or --endpoint');
  const apiUrl = values.api ?? outputs.apiUrl;
  if (apiUrl === undefined) throw new UsageError('give --api (or api_url in --outputs)');
  const authorizerName = values.authorizer ?? outputs.authorizerName;
  const name = authorizerName === undefined ? undefined : validateAuthorizerName(authorizerName);
  if (name && !name.ok) throw new UsageError(`--authorizer: ${name.message}`);
  const tokenKeyName = values['token-key-name'] ?? outputs.tokenKeyName ?? DEFAULT_TOKEN_KEY_NAME;
  const keyName = validateTokenKeyName(tokenKeyName);
  if (!keyName.ok) throw new UsageError(`--token-key-name: ${keyName.message}`);
  const topicPrefix = values['topic-prefix'] ?? outputs.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const prefix = validateTopicPrefix(topicPrefix);
  if (!prefix.ok) throw new UsageError(`--topic-prefix ${prefix.message}`);
  const timeout = values.timeout ?? '30';
  if (!/^\d{1,4}$/.test(timeout) || Number(timeout) < 1) {
    throw new UsageError('--timeout must be a whole number of seconds, 1-9999');
  }
  return {
    help: false,
    endpoint: url(endpoint, '--endpoint', ['ws:', 'wss:']),
    apiUrl: url(apiUrl, '--api', ['http:', 'https:']),
    authorizerName,
    tokenKeyName,
    topicPrefix,
    tokens:
      values['token-url'] === undefined
        ? { kind: 'issuer', env: issuerEnv(outputs, env) }
        : { kind: 'url', url: url(values['token-url'], '--token-url', ['http:', 'https:']) },
    stepTimeoutMs: Number(timeout) * 1000,
  };
}

function parse(argv: readonly string[]) {
  // `pnpm smoke -- --outputs x` hands the `--` on.
  return parseArgs({ args: argv.filter((arg) => arg !== '--'), options: OPTIONS, strict: true });
}
