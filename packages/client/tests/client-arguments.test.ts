import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChatError, type ConnectionEvent, createChatClient } from '../src/client.js';

/** An unsigned token: the SDK reads claims without verifying them, the server verifies. */
function token(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.sig`;
}

/** A port where nothing listens, so a connection attempt fails fast. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return typeof address === 'object' && address ? address.port : 0;
}

function offlineClient(claims: Record<string, unknown> = { sub: 'alice' }) {
  return createChatClient({
    endpoint: 'mqtt://127.0.0.1:9',
    apiUrl: 'http://127.0.0.1:9',
    token: token(claims),
    clientSuffix: 'test',
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChatError);
  return (error as ChatError).code;
}

describe('ChatClient arguments', () => {
  it('knows the player and client id from the token before connecting', () => {
    const client = offlineClient();
    expect(client.playerId).toBe('alice');
    expect(client.clientId).toBe('alice.test');
    expect(client.state).toBe('offline');
  });

  it('knows the display name and role from the token, for a UI to show', () => {
    const moderator = offlineClient({ sub: 'mod1', name: 'Head Mod', role: 'moderator' });
    expect(moderator.playerName).toBe('Head Mod');
    expect(moderator.role).toBe('moderator');
    expect(offlineClient().role).toBe('player');
  });

  it('refuses a malformed token when created', () => {
    expect(() =>
      createChatClient({ endpoint: 'ws://h/mqtt', apiUrl: 'http://h', token: 'abc' }),
    ).toThrow(ChatError);
    expect(() =>
      createChatClient({
        endpoint: 'ws://h/mqtt',
        apiUrl: 'http://h',
        token: token({ sub: 'a b' }),
      }),
    ).toThrow(/token sub/);
  });

  it('validates arguments before anything else, so bad input never reaches the connection', async () => {
    const client = offlineClient();
    expect(await codeOf(client.send('Town 137', 'hi'))).toBe('invalid');
    expect(await codeOf(client.send('chat/#', 'hi'))).toBe('invalid');
    expect(await codeOf(client.send('', 'hi'))).toBe('empty');
    expect(await codeOf(client.send('Town', ' \n\t '))).toBe('empty');
    expect(await codeOf(client.send('Town', 'x'.repeat(501)))).toBe('too_long');
    expect(await codeOf(client.send('Town', 'a\u0000b'))).toBe('invalid');
    expect(await codeOf(client.send('Town', 42 as unknown as string))).toBe('invalid');
    expect(await codeOf(client.whisper('bob/x', 'hi'))).toBe('invalid');
    expect(await codeOf(client.whisper('bob', ''))).toBe('empty');
    expect(await codeOf(client.join('Town+'))).toBe('invalid');
    expect(await codeOf(client.leave('#'))).toBe('invalid');
  });

  it('needs a joined channel to send and a connection to join', async () => {
    const client = offlineClient();
    expect(await codeOf(client.send('Town', 'hi'))).toBe('not_joined');
    expect(await codeOf(client.join('Town'))).toBe('not_connected');
    expect(await codeOf(client.whisper('bob', 'hi'))).toBe('not_connected');
    expect(client.channels).toEqual([]);
    expect(client.messages('Town')).toEqual([]);
  });

  it("refuses channels the token's channels claim does not allow", async () => {
    const client = offlineClient({ sub: 'alice', channels: ['Town*', 'Guild7'] });
    expect(await codeOf(client.join('Forest'))).toBe('forbidden');
    expect(await codeOf(client.send('Guild8', 'hi'))).toBe('forbidden');
    expect(await codeOf(client.join('Town1'))).toBe('not_connected');
  });

  it('rejects connect with network when no broker listens, and reports offline', async () => {
    const port = await closedPort();
    const client = createChatClient({
      endpoint: `mqtt://127.0.0.1:${port}`,
      apiUrl: 'http://127.0.0.1:9',
      token: token({ sub: 'alice' }),
    });
    const states: ConnectionEvent[] = [];
    client.on('connection', (event) => states.push(event));
    expect(await codeOf(client.connect())).toBe('network');
    expect(states.map((event) => event.state)).toEqual(['connecting', 'offline']);
    expect(states[1]?.error?.code).toBe('network');
  });

  it('cannot be used once closed', async () => {
    const client = offlineClient();
    await client.close();
    expect(await codeOf(client.connect())).toBe('closed');
  });

  it('rejects every call after close() with closed, whatever its arguments', async () => {
    const client = offlineClient({ sub: 'mod1', role: 'moderator' });
    await client.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['connect', () => client.connect()],
      ['join', () => client.join('Town')],
      ['join (bad name)', () => client.join('Town+')],
      ['leave', () => client.leave('Town')],
      ['send', () => client.send('Town', 'hi')],
      ['send (empty)', () => client.send('Town', ' ')],
      ['whisper', () => client.whisper('bob', 'hi')],
      ['announce', () => client.announce('Town', 'hello all')],
      ['deleteMessage', () => client.deleteMessage('Town', '1764081600123-0')],
      ['mute', () => client.mute('bob', 60)],
      ['unmute', () => client.unmute('bob')],
    ];
    for (const [name, call] of calls) {
      expect([name, await codeOf(call())]).toEqual([name, 'closed']);
    }
    await client.close(); // A second close is harmless.
    expect(client.state).toBe('offline');
    expect(client.channels).toEqual([]);
  });
});
