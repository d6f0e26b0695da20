// Bundled for the browser by browser.test.ts: the SDK as a game page would use it.
import { type ChatMessage, createChatClient } from '../../src/client.js';

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

async function runChat(config: BrowserChatConfig): Promise<BrowserChatResult> {
  const client = createChatClient({
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
  });
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

Object.assign(globalThis, { runChat });
