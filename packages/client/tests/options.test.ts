import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatError } from '../src/errors.js';
import { type ChatClientOptions, resolveOptions } from '../src/options.js';

const base: ChatClientOptions = {
  endpoint: 'ws://127.0.0.1:9001/mqtt',
  apiUrl: 'http://127.0.0.1:9002',
  token: 'a.b.c',
};

function invalidMessage(options: ChatClientOptions): string | undefined {
  try {
    resolveOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ChatError);
    expect((error as ChatError).code).toBe('invalid');
    return (error as ChatError).message;
  }
  return undefined;
}

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions(base);
    expect(resolved).toMatchObject({
      mqttUrl: 'ws://127.0.0.1:9001/mqtt',
      topicPrefix: 'chat',
      maxTextLength: 500,
      sendTimeoutMs: 25_000,
      keepaliveSeconds: 30,
      reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 },
    });
    expect(resolved.clientSuffix).toMatch(/^[0-9a-f]{8}$/);
    expect(resolveOptions(base).clientSuffix).not.toBe(resolved.clientSuffix);
  });

  it('keeps the authorizer name and token key name for each connection, defaulting the key to token', () => {
    const resolved = resolveOptions({
      ...base,
      endpoint: 'wss://abc123-ats.iot.eu-west-1.amazonaws.com/mqtt',
      authorizerName: 'game-chat-token-authorizer',
    });
    expect(resolved).toMatchObject({
      mqttUrl: 'wss://abc123-ats.iot.eu-west-1.amazonaws.com/mqtt',
      customAuth: { authorizerName: 'game-chat-token-authorizer', tokenKeyName: 'token' },
    });
    expect(resolveOptions({ ...base, tokenKeyName: 'PlayerToken' }).customAuth).toEqual({
      authorizerName: undefined,
      tokenKeyName: 'PlayerToken',
    });
  });

  it('accepts a signed token', () => {
    const token = { token: 'a.b.c', signature: 'c2lnbmF0dXJl' };
    expect(resolveOptions({ ...base, token }).token).toEqual(token);
  });

  it('accepts TCP endpoints and a getToken function instead of a token', () => {
    const getToken = () => 'a.b.c';
    const resolved = resolveOptions({
      endpoint: 'mqtt://127.0.0.1:18830',
      apiUrl: 'https://api.example.com/prod',
      getToken,
      clientSuffix: 'tab-2',
    });
    expect(resolved).toMatchObject({
      mqttUrl: 'mqtt://127.0.0.1:18830',
      getToken,
      clientSuffix: 'tab-2',
    });
  });

  it('refuses bad options with a message naming the option', () => {
    const cases: [Partial<ChatClientOptions> & Record<string, unknown>, RegExp][] = [
      [{ endpoint: 'http://127.0.0.1/mqtt' }, /endpoint/],
      [{ endpoint: 'not a url' }, /endpoint/],
      [{ apiUrl: 'ws://127.0.0.1' }, /apiUrl/],
      [{ token: undefined }, /exactly one of token and getToken/],
      [{ getToken: () => 'x' }, /exactly one of token and getToken/],
      [{ token: '' }, /token/],
      [{ authorizerName: 'has space' }, /authorizerName/],
      [{ tokenKeyName: 'a=b' }, /tokenKeyName/],
      [
        { token: { token: 'a.b.c' } as unknown as string },
        /token must be a token string or \{ token, signature \}/,
      ],
      [{ token: { token: 'a.b.c', signature: 'a+b%' } }, /signature/],
      [{ clientSuffix: 'a.b' }, /clientSuffix/],
      [{ clientSuffix: 'x'.repeat(33) }, /clientSuffix/],
      [{ topicPrefix: 'chat/x' }, /topic prefix/],
      [{ maxTextLength: 0 }, /maxTextLength/],
      [{ sendTimeoutMs: 1.5 }, /sendTimeoutMs/],
      [{ keepaliveSeconds: 5000 }, /keepaliveSeconds/],
      [{ reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }, /maxDelayMs/],
      [{ networkEvents: true as unknown as false }, /networkEvents/],
      [{ networkEvents: 'window' as unknown as false }, /networkEvents/],
      [
        { networkEvents: { addEventListener: () => {} } as unknown as EventTarget },
        /networkEvents/,
      ],
    ];
    for (const [override, message] of cases) {
      expect(invalidMessage({ ...base, ...override } as ChatClientOptions)).toMatch(message);
    }
  });

  describe('networkEvents', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('defaults to globalThis where it is an event target, as in a browser', () => {
      const window = new EventTarget();
      vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
      vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));
      expect(resolveOptions(base).networkEvents).toBe(globalThis);
    });

    it('listens to nothing by default where globalThis is no event target, as in Node', () => {
      expect('addEventListener' in globalThis).toBe(false);
      expect(resolveOptions(base).networkEvents).toBeUndefined();
    });

    it('takes the target the game gives, or false for none', () => {
      const target = new EventTarget();
      expect(resolveOptions({ ...base, networkEvents: target }).networkEvents).toBe(target);
      const window = new EventTarget();
      vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
      vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));
      expect(resolveOptions({ ...base, networkEvents: false }).networkEvents).toBeUndefined();
    });
  });
});
