// Bundled for the browser by browser.test.ts: the SDK as a game page would use it.
import { type ChatClientOptions, type ChatMessage, createChatClient } from '../../src/client.js';

export interface BrowserChatConfig {
  readonly endpoint: string;
  readonly apiUrl: string;
  readonly authorizerName: string;
  readonly tokenKeyName: string;
  /** The game backend: `POST { playerId, name }` answers `{ token, signature }`. */
  readonly tokenUrl: string;
  readonly playerId: string;
  readonly channel: string;
}

export interface BrowserChatResult {
  readonly history: string[];
  readonly sent: ChatMessage;
  readonly reply: ChatMessage;
  readonly states: string[];
}

function browserClient(config: BrowserChatConfig, options: Partial<ChatClientOptions> = {}) {
  return createChatClient({
    endpoint: config.endpoint,
    apiUrl: config.apiUrl,
    authorizerName: config.authorizerName,
    tokenKeyName: config.tokenKeyName,
    // A signed token from the game's backend, as a browser gets one: the page never signs.
    getToken: async () => {
      const response = await fetch(config.tokenUrl, {
        method: 'POST',
        body: JSON.stringify({ playerId: config.playerId, name: 'Web Player' }),
      });
      const { token, signature } = (await response.json()) as { token: string; signature: string };
      return { token, signature };
    },
    ...options,
  });
}

async function runChat(config: BrowserChatConfig): Promise<BrowserChatResult> {
  const client = browserClient(config);
  const states: string[] = [];
  client.on('connection', (event) => states.push(event.state));
  await client.connect();
  const history = await client.join(config.channel);
  const reply = new Promise<ChatMessage>((resolve) => {
    client.on('message', (message) => {
      if (message.from.id !== client.playerId) resolve(message);
    });
  });
  const sent = await client.send(config.channel, 'hello from the browser');
  const answer = await reply;
  await client.close();
  return { history: history.map((message) => message.text), sent, reply: answer, states };
}

/** `state:reason` of every connection event since `watchNetwork` connected. */
const networkSteps: string[] = [];

/**
 * Connects with the default `networkEvents` (this window) and a backoff far longer than the
 * test, so that only the browser's `online` event can bring it back in time.
 */
async function watchNetwork(config: BrowserChatConfig): Promise<void> {
  const client = browserClient(config, {
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  await client.connect();
  client.on('connection', (event) => networkSteps.push(`${event.state}:${event.reason}`));
}

Object.assign(globalThis, { runChat, watchNetwork, networkSteps });
