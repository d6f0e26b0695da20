import { createLocalStack } from '@game-chat/aws-emulator';
import { afterAll, beforeAll } from 'vitest';
import { type ChatClient, type ChatClientOptions, createChatClient } from '../../src/client.js';

export type LocalStack = Awaited<ReturnType<typeof createLocalStack>>;
export type TokenOptions = Parameters<LocalStack['issueToken']>[1];

/** The whole chat on free ports, with its own Redis; `settings` are CHAT_* overrides. */
export function startStack(settings: Record<string, string> = {}): Promise<LocalStack> {
  return createLocalStack({
    mqttPort: 0,
    wsPort: 0,
    apiPort: 0,
    iotDataPort: 0,
    settings,
    log: 'silent',
  });
}

/**
 * One stack (`settings` as for startStack) and its Players for a whole test file: started before
 * the file's tests; every client closed and the stack stopped after them. Read `stack` and
 * `players` inside tests, once started.
 */
export function stackForFile(settings: Record<string, string> = {}): {
  readonly stack: LocalStack;
  readonly players: Players;
} {
  let started: { stack: LocalStack; players: Players } | undefined;
  beforeAll(async () => {
    const stack = await startStack(settings);
    started = { stack, players: new Players(stack) };
  });
  afterAll(async () => {
    await started?.players.closeAll();
    await started?.stack.stop();
  });
  const get = () => {
    if (started === undefined)
      throw new Error('the stack is not started yet (use it inside tests)');
    return started;
  };
  return {
    get stack() {
      return get().stack;
    },
    get players() {
      return get().players;
    },
  };
}

/** Creates players' clients on a stack and closes them all at the end of a test file. */
export class Players {
  readonly #clients: ChatClient[] = [];

  constructor(readonly stack: LocalStack) {}

  /** A connected client for `playerId`, over MQTT/TCP unless `options.endpoint` says otherwise. */
  async connect(
    playerId: string,
    token: TokenOptions = {},
    options: Partial<ChatClientOptions> = {},
  ): Promise<ChatClient> {
    const client = this.create(playerId, token, options);
    await client.connect();
    return client;
  }

  /** Connected clients for `playerIds`, in order, each joined to `channel`. */
  async joined<const Ids extends readonly string[]>(
    channel: string,
    ...playerIds: Ids
  ): Promise<{ [K in keyof Ids]: ChatClient }> {
    const clients: ChatClient[] = [];
    for (const playerId of playerIds) clients.push(await this.connect(playerId));
    for (const client of clients) await client.join(channel);
    return clients as { [K in keyof Ids]: ChatClient };
  }

  create(playerId: string, token: TokenOptions = {}, options: Partial<ChatClientOptions> = {}) {
    const getToken = () => this.stack.issueSignedToken(playerId, { name: playerId, ...token });
    const client = createChatClient({
      endpoint: this.stack.urls.mqtt,
      apiUrl: this.stack.urls.api,
      authorizerName: this.stack.authorizerName,
      ...(options.token === undefined && { getToken }),
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      sendTimeoutMs: 15_000,
      ...options,
    });
    this.#clients.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((client) => client.close()));
  }
}
