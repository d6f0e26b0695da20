import { parseArgs } from 'node:util';
import { issuerVariables, PLAYER_TOKEN_KEY_VARIABLES } from '@game-chat/auth/issuer';
import { SETTING_DEFAULTS } from '@game-chat/lambda-runtime/settings';
import { type CommandLine, UsageError, valueOptions } from '@game-chat/load-kit/command-line';
import type { LoadPlan } from '@game-chat/load-kit/run';
import { DEFAULT_TOPIC_PREFIX } from '@game-chat/protocol/limits';
import { validateTopicPrefix } from '@game-chat/protocol/topics';

/** Where the bots connect: a local stack started for the run, or a running deployment. */
export type TargetOptions =
  | { readonly kind: 'local'; readonly settings: Readonly<Record<string, string>> }
  | {
      readonly kind: 'remote';
      readonly endpoint: string;
      readonly apiUrl: string;
      readonly authorizerName: string | undefined;
      readonly tokenKeyName: string | undefined;
      readonly topicPrefix: string;
      readonly tokens:
        | { readonly kind: 'url'; readonly url: string }
        /** Issued here with the keys these issuer variables name (see `readIssuerKeys`). */
        | { readonly kind: 'issuer'; readonly env: Readonly<Record<string, string>> };
    };

export interface CliOptions {
  readonly plan: LoadPlan;
  readonly target: TargetOptions;
  /** Write the report as JSON here. */
  readonly out: string | undefined;
  readonly progress: boolean;
}

export type ParsedCommandLine = CommandLine<CliOptions>;

export { UsageError };

export const USAGE = `Usage: pnpm loadgen [options]

Bots on @game-chat/client join channels and chat; reports send-to-receive latency
(p50/p95/p99), lost and duplicated deliveries (QoS 1).

Load:
  --players N               bots (default 100)
  --channels M              channels; bot i joins channel i mod M (default 10)
  --rate R                  messages per second, all bots together (default 20)
  --duration S              seconds of sending (default 10)
  --connect-concurrency C   bots connecting at once during ramp-up (default 50)
  --drain S                 longest wait for late deliveries after the last send (default 10)

Target (default: start a local stack with its own redis-server for the run):
  --setting NAME=VALUE      CHAT_* setting for that local stack (repeatable)
  --endpoint URL            MQTT endpoint of a running stack: mqtt://, mqtts://, ws://, wss://
  --api URL                 its HTTP API base URL
  --token-url URL           POST {playerId,name} -> {token,signature}, e.g. http://127.0.0.1:PORT/dev/tokens
  --secret S                HS256 token secret; or the issuer keys in the environment:
                            CHAT_TOKEN_SECRET or CHAT_TOKEN_PRIVATE_KEY for the token, and
                            CHAT_AUTHORIZER_SIGNING_KEY for its signature (each also *_SECRET_ARN)
  --authorizer NAME         IoT Core custom authorizer name (AWS)
  --token-key-name KEY      the authorizer's token key name (default token)
  --topic-prefix P          the deployment's CHAT_TOPIC_PREFIX (default chat)

Output:
  --out FILE                write the report as JSON
  --no-progress             no progress bar
  -h, --help`;

const OPTIONS = {
  ...valueOptions('players', 'channels', 'rate', 'duration', 'connect-concurrency', 'drain'),
  setting: { type: 'string', multiple: true },
  ...valueOptions('endpoint', 'api', 'token-url', 'secret', 'authorizer', 'token-key-name'),
  ...valueOptions('topic-prefix', 'out'),
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(
      `--${name} must be a whole number 1-${max} (got ${JSON.stringify(value)})`,
    );
  }
  return Number(value);
}

function decimal(
  value: string | undefined,
  name: string,
  fallback: number,
  range: { min: number; max: number; minInclusive: boolean },
): number {
  if (value === undefined) return fallback;
  const number = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  const aboveMin = range.minInclusive ? number >= range.min : number > range.min;
  if (!(aboveMin && number <= range.max)) {
    const bound = range.minInclusive ? `${range.min}` : `more than ${range.min}`;
    throw new UsageError(
      `--${name} must be a number ${bound} to ${range.max} (got ${JSON.stringify(value)})`,
    );
  }
  return number;
}

function url(value: string, name: string, protocols: readonly string[]): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !protocols.includes(parsed.protocol)) {
    const allowed = protocols.map((protocol) => `${protocol}//`).join(', ');
    throw new UsageError(`--${name} must be a ${allowed} URL (got ${JSON.stringify(value)})`);
  }
  return value;
}

function settings(entries: readonly string[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const match = /^(CHAT_[A-Z0-9_]+)=(.*)$/.exec(entry);
    if (match === null) {
      throw new UsageError(`--setting must be CHAT_NAME=value (got ${JSON.stringify(entry)})`);
    }
    result[match[1] as string] = match[2] as string;
  }
  return result;
}

/**
 * Reads the command line. `env` supplies `CHAT_TOKEN_SECRET` so a secret need not appear in
 * the process list. Throws UsageError on anything it cannot use.
 */
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommandLine {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };

  const players = integer(values.players, 'players', 100, 20_000);
  const channels = integer(values.channels, 'channels', Math.min(10, players), players);
  const plan: LoadPlan = {
    players,
    channels,
    rate: decimal(values.rate, 'rate', 20, { min: 0, max: 20_000, minInclusive: false }),
    durationSeconds: decimal(values.duration, 'duration', 10, {
      min: 0,
      max: 3600,
      minInclusive: false,
    }),
    connectConcurrency: integer(values['connect-concurrency'], 'connect-concurrency', 50, 1000),
    drainSeconds: decimal(values.drain, 'drain', 10, { min: 0, max: 600, minInclusive: true }),
  };

  const remoteOnly = [
    'api',
    'token-url',
    'secret',
    'authorizer',
    'token-key-name',
    'topic-prefix',
  ] as const;
  let target: TargetOptions;
  if (values.endpoint === undefined) {
    const given = remoteOnly.find((name) => values[name] !== undefined);
    if (given !== undefined) throw new UsageError(`--${given} needs --endpoint`);
    target = { kind: 'local', settings: settings(values.setting) };
  } else {
    if (values.setting !== undefined) {
      throw new UsageError(
        '--setting is for the local stack; a running stack has its own settings',
      );
    }
    if (values.api === undefined) throw new UsageError('--endpoint needs --api');
    const issuerEnv = issuerVariables({
      ...env,
      ...(values.secret === undefined ? {} : { CHAT_TOKEN_SECRET: values.secret }),
    });
    const hasPlayerTokenKey = PLAYER_TOKEN_KEY_VARIABLES.some(
      (name) => issuerEnv[name] !== undefined,
    );
    if ((values['token-url'] === undefined) === !hasPlayerTokenKey) {
      throw new UsageError(
        '--endpoint needs exactly one token source: --token-url, or --secret (or CHAT_TOKEN_SECRET, CHAT_TOKEN_PRIVATE_KEY or their *_SECRET_ARN)',
      );
    }
    const topicPrefix = validateTopicPrefix(values['topic-prefix'] ?? DEFAULT_TOPIC_PREFIX);
    if (!topicPrefix.ok) throw new UsageError(`--topic-prefix ${topicPrefix.message}`);
    target = {
      kind: 'remote',
      endpoint: url(values.endpoint, 'endpoint', ['mqtt:', 'mqtts:', 'ws:', 'wss:']),
      apiUrl: url(values.api, 'api', ['http:', 'https:']),
      authorizerName: values.authorizer,
      tokenKeyName: values['token-key-name'],
      topicPrefix: topicPrefix.value,
      tokens:
        values['token-url'] === undefined
          ? { kind: 'issuer', env: issuerEnv }
          : { kind: 'url', url: url(values['token-url'], 'token-url', ['http:', 'https:']) },
    };
  }
  return { help: false, plan, target, out: values.out, progress: values['no-progress'] !== true };
}

/** The deployment defaults of contract §6 that a plan can run into. */
export interface RateLimits {
  readonly playerPerSecond: number;
  readonly channelPerSecond: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  playerPerSecond: SETTING_DEFAULTS.ratePerSecond,
  channelPerSecond: SETTING_DEFAULTS.channelRatePerSecond,
};

/** Ways the plan will be refused by the server's rate limits rather than measure it. */
export function planWarnings(plan: LoadPlan, limits: RateLimits = DEFAULT_RATE_LIMITS): string[] {
  const warnings: string[] = [];
  const perPlayer = plan.rate / plan.players;
  if (perPlayer > limits.playerPerSecond) {
    warnings.push(
      `each bot sends ${perPlayer.toFixed(2)} messages/s, above the per-player limit of ` +
        `${limits.playerPerSecond}/s: expect rate_limited refusals (more bots or a lower --rate)`,
    );
  }
  const perChannel = plan.rate / plan.channels;
  if (perChannel > limits.channelPerSecond) {
    warnings.push(
      `each channel gets ${perChannel.toFixed(1)} messages/s, above the per-channel limit of ` +
        `${limits.channelPerSecond}/s: expect rate_limited refusals (more channels or a lower --rate)`,
    );
  }
  return warnings;
}
