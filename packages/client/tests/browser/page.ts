// Bundled for the browser by browser.test.ts: the SDK as a game page would use it.
import { type ChatMessage, createChatClient } from '../../src/client.js';

export interface BrowserChatConfig {
  readonly endpoint: string;
  readonly apiUrl: string;
  readonly token: string;
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
    token: config.token,
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
