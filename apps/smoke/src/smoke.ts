import { randomBytes } from 'node:crypto';
import { readIssuerKeys } from '@game-chat/auth/issuer';
import { type ChatClient, ChatError, type ChatMessage, createChatClient } from '@game-chat/client';
import { type TokenSource, tokensFromKeys, tokensFromUrl } from '@game-chat/load-kit/tokens';
import { MAX_TEXT_LENGTH_LIMIT } from '@game-chat/protocol/limits';
import type { SmokeOptions } from './args.js';

/**
 * The smoke test after a deploy: the path a player takes, end to end, on the real deployment.
 * Each step is bounded; the first that fails ends the run with a sentence naming it.
 */

/** The steps, in order, with the words the report uses for them. */
export const STEPS = {
  tokens: 'get signed tokens for two players',
  connect: 'connect both players over MQTT/WSS with the custom authorizer',
  join: 'join a channel and read its history (HTTP API)',
  chat: 'chat both ways (rule, message filter, Redis, Data Plane)',
  history: 'find both messages in the channel history',
  refusal: 'get a refusal notice for a message over the text limit',
} as const;
export type StepName = keyof typeof STEPS;

export type SmokeResult =
  | { readonly ok: true; readonly steps: readonly StepReport[] }
  | {
      readonly ok: false;
      readonly steps: readonly StepReport[];
      readonly failed: StepName;
      /** One sentence naming the step and why it failed. */
      readonly sentence: string;
    };

export interface StepReport {
  readonly step: StepName;
  readonly ms: number;
}

export interface SmokeHooks {
  /** Told after each step that passed. */
  onStep?(report: StepReport): void;
  /** Told each issuer warning (a development key used because its variables are unset). */
  onWarning?(warning: string): void;
}

/** Above `CHAT_MAX_TEXT`'s largest allowed value, so every deployment refuses it. */
const OVERLONG_TEXT_LENGTH = MAX_TEXT_LENGTH_LIMIT + 1;

/** A step's failure, with words for the report. */
class StepFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StepFailure';
  }
}

/** What went wrong, in words an operator can act on. */
function reason(error: unknown): string {
  if (error instanceof ChatError && error.code === 'unauthorized' && error.status === undefined) {
    return 'the broker refused the credentials (check the authorizer name, the token key name and the signing key)';
  }
  if (error instanceof ChatError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepFailure(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first message `client` receives that `matches`. */
function nextMessage(client: ChatClient, matches: (message: ChatMessage) => boolean) {
  return new Promise<ChatMessage>((resolve) => {
    const stop = client.on('message', (message) => {
      if (!matches(message)) return;
      stop();
      resolve(message);
    });
  });
}

async function tokenSource(options: SmokeOptions, hooks: SmokeHooks): Promise<TokenSource> {
  if (options.tokens.kind === 'url')
    return tokensFromUrl(options.tokens.url, options.stepTimeoutMs);
  const { keys, warnings } = await readIssuerKeys(options.tokens.env);
  for (const warning of warnings) hooks.onWarning?.(warning);
  return tokensFromKeys(keys, 900);
}

/** Runs every step against the deployment `options` names; never throws. */
export async function runSmoke(
  options: SmokeOptions,
  hooks: SmokeHooks = {},
): Promise<SmokeResult> {
  const run = randomBytes(4).toString('hex');
  const channel = `Smoke${run}`;
  const players = [`smoke_${run}_a`, `smoke_${run}_b`] as const;
  const steps: StepReport[] = [];
  const clients: ChatClient[] = [];
  const timed = <T>(step: StepName, work: () => Promise<T>) =>
    withTimeout(work(), options.stepTimeoutMs, STEPS[step]);

  let current: StepName = 'tokens';
  const step = async <T>(name: StepName, work: () => Promise<T>): Promise<T> => {
    current = name;
    const started = performance.now();
    const value = await timed(name, work);
    const report = { step: name, ms: Math.round(performance.now() - started) };
    steps.push(report);
    hooks.onStep?.(report);
    return value;
  };

  try {
    const tokens = await step('tokens', async () => {
      const source = await tokenSource(options, hooks);
      return Promise.all(players.map((playerId) => source(playerId)));
    });
    const [alice, bob] = players.map((_, index) => {
      const client = createChatClient({
        endpoint: options.endpoint,
        apiUrl: options.apiUrl,
        authorizerName: options.authorizerName,
        tokenKeyName: options.tokenKeyName,
        topicPrefix: options.topicPrefix,
        // The SDK's own check would stop the over-long message before the server sees it.
        maxTextLength: OVERLONG_TEXT_LENGTH,
        token: tokens[index] as (typeof tokens)[number],
        connectTimeoutMs: options.stepTimeoutMs,
        sendTimeoutMs: options.stepTimeoutMs,
        requestTimeoutMs: options.stepTimeoutMs,
      });
      clients.push(client);
      return client;
    }) as [ChatClient, ChatClient];

    await step('connect', () => Promise.all([alice.connect(), bob.connect()]));
    await step('join', () => Promise.all([alice.join(channel), bob.join(channel)]));
    const sent = await step('chat', async () => {
      const heardByBob = nextMessage(bob, (message) => message.from.id === players[0]);
      const first = await alice.send(channel, `smoke test ${run}: hello`);
      if ((await heardByBob).id !== first.id) throw new StepFailure('bob got another message');
      const heardByAlice = nextMessage(alice, (message) => message.from.id === players[1]);
      const reply = await bob.send(channel, `smoke test ${run}: hello back`);
      if ((await heardByAlice).id !== reply.id) throw new StepFailure('alice got another message');
      return [first.id, reply.id];
    });
    await step('history', async () => {
      // Leaving drops what the client holds, so joining again reads the history afresh.
      await alice.leave(channel);
      const history = (await alice.join(channel)).map((message) => message.id);
      const missing = sent.filter((id) => !history.includes(id));
      if (missing.length > 0) throw new StepFailure(`history lacks message ${missing.join(', ')}`);
    });
    await step('refusal', async () => {
      const refused = await alice.send(channel, 'x'.repeat(OVERLONG_TEXT_LENGTH)).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!(refused instanceof ChatError) || refused.code !== 'too_long') {
        throw new StepFailure(
          refused === undefined
            ? 'the server accepted a message over the text limit'
            : `expected a too_long notice, got: ${reason(refused)}`,
        );
      }
    });
    return { ok: true, steps };
  } catch (error) {
    return {
      ok: false,
      steps,
      failed: current,
      sentence: `The smoke test failed at "${STEPS[current]}": ${reason(error).replace(/\.$/, '')}.`,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
