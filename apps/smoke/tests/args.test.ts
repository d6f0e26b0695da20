import { describe, expect, it } from 'vitest';
import { parseSmokeArgs, readOutputs, type SmokeOptions, UsageError } from '../src/args.js';

const ARN = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;

/** One entry of `terraform output -json`: a plain output (a string, or null when unset). */
const output = (value: string | null) => ({
  sensitive: false,
  type: value === null ? 'null' : 'string',
  value,
});

/** What `terraform output -json` writes for a dev environment (HS256 player tokens). */
const OUTPUTS = {
  websocket_url: output('wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt'),
  api_url: output('https://xyz.execute-api.eu-west-1.amazonaws.com'),
  topic_prefix: output('chat'),
  authorizer_name: output('game-chat-dev-token-authorizer'),
  authorizer_token_key_name: output('token'),
  authorizer_signing_key_secret_arn: output(ARN('signing')),
  token_secret_arn: output(ARN('hs256')),
  token_private_key_secret_arn: output(null),
  redis_endpoint: output('ignored'),
};

function parse(argv: string[], env: Record<string, string> = {}, outputs: unknown = OUTPUTS) {
  const parsed = parseSmokeArgs(argv, env, () => JSON.stringify(outputs));
  if (parsed.help) throw new Error('unexpected help');
  return parsed as SmokeOptions;
}

function usage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no UsageError');
}

describe('parseSmokeArgs', () => {
  it("takes a deployment's terraform outputs, with the secret ARNs as the token keys", () => {
    expect(parse(['--', '--outputs', 'outputs.json'])).toEqual({
      help: false,
      endpoint: 'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt',
      apiUrl: 'https://xyz.execute-api.eu-west-1.amazonaws.com',
      authorizerName: 'game-chat-dev-token-authorizer',
      tokenKeyName: 'token',
      topicPrefix: 'chat',
      tokens: {
        kind: 'issuer',
        env: {
          CHAT_TOKEN_SECRET_ARN: ARN('hs256'),
          CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: ARN('signing'),
        },
      },
      stepTimeoutMs: 30_000,
    });
  });

  it('reads the private-key ARN of an asymmetric deployment', () => {
    const prod = {
      ...OUTPUTS,
      token_secret_arn: { value: null },
      token_private_key_secret_arn: { value: ARN('rs256') },
    };
    expect(parse(['--outputs', 'o.json'], {}, prod).tokens).toEqual({
      kind: 'issuer',
      env: {
        CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN: ARN('rs256'),
        CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: ARN('signing'),
      },
    });
  });

  it('lets the environment name a key instead of the outputs, key by key', () => {
    const env = { CHAT_TOKEN_PRIVATE_KEY: 'PEM', HOME: '/root' };
    expect(parse(['--outputs', 'o.json'], env).tokens).toEqual({
      kind: 'issuer',
      env: {
        CHAT_TOKEN_PRIVATE_KEY: 'PEM',
        CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: ARN('signing'),
      },
    });
  });

  it('lets flags override outputs, and runs without outputs from flags alone', () => {
    const options = parse([
      '--outputs',
      'o.json',
      '--authorizer',
      'other-authorizer',
      '--token-url',
      'http://127.0.0.1:21880/dev/tokens',
      '--timeout',
      '5',
    ]);
    expect(options).toMatchObject({
      authorizerName: 'other-authorizer',
      tokens: { kind: 'url', url: 'http://127.0.0.1:21880/dev/tokens' },
      stepTimeoutMs: 5000,
    });
    expect(
      parse(['--endpoint', 'ws://127.0.0.1:21884/mqtt', '--api', 'http://127.0.0.1:21880']),
    ).toMatchObject({
      authorizerName: undefined,
      tokenKeyName: 'token',
      topicPrefix: 'chat',
      tokens: { kind: 'issuer', env: {} },
    });
  });

  it.each<[string, string[], unknown, RegExp]>([
    ['nothing', [], OUTPUTS, /give --outputs or --endpoint/],
    ['an endpoint without an API', ['--endpoint', 'wss://x/mqtt'], OUTPUTS, /give --api/],
    [
      'a TCP endpoint',
      ['--endpoint', 'mqtts://x:443', '--api', 'https://a'],
      OUTPUTS,
      /--endpoint must be a ws:\/\/ or wss:\/\//,
    ],
    [
      'an API that is not HTTP',
      ['--endpoint', 'wss://x/mqtt', '--api', 'ftp://a'],
      OUTPUTS,
      /--api/,
    ],
    ['a bad authorizer name', ['--outputs', 'o', '--authorizer', 'a b'], OUTPUTS, /--authorizer/],
    [
      'a bad token key name',
      ['--outputs', 'o', '--token-key-name', 'a=b'],
      OUTPUTS,
      /--token-key-name/,
    ],
    ['a bad topic prefix', ['--outputs', 'o', '--topic-prefix', 'a/b'], OUTPUTS, /--topic-prefix/],
    ['a bad timeout', ['--outputs', 'o', '--timeout', '0'], OUTPUTS, /--timeout/],
    ['an unknown option', ['--bogus'], OUTPUTS, /bogus/],
    ['outputs that are not JSON', ['--outputs', 'o'], 'nope', /not JSON/],
    ['outputs that are a list', ['--outputs', 'o'], [1], /JSON object/],
    [
      'an output that is not a string',
      ['--outputs', 'o'],
      { ...OUTPUTS, api_url: { value: 42 } },
      /output api_url must have a string value/,
    ],
  ])('refuses %s, saying what is wrong', (_case, argv, outputs, message) => {
    const read = () =>
      parseSmokeArgs(argv, {}, () =>
        typeof outputs === 'string' ? outputs : JSON.stringify(outputs),
      );
    expect(usage(read)).toMatch(message);
  });

  it('names an outputs file it cannot read', () => {
    const read = () =>
      parseSmokeArgs(['--outputs', 'missing.json'], {}, () => {
        throw new Error('ENOENT: no such file');
      });
    expect(usage(read)).toMatch(/cannot read --outputs missing.json: ENOENT/);
  });

  it('answers --help', () => {
    expect(parseSmokeArgs(['--help'], {}, () => '')).toEqual({ help: true });
  });
});

describe('readOutputs', () => {
  it('skips null and absent outputs and ignores unknown ones', () => {
    expect(
      readOutputs(
        JSON.stringify({
          api_url: { value: 'https://a' },
          token_secret_arn: { value: null },
          x: 1,
        }),
      ),
    ).toEqual({ apiUrl: 'https://a' });
  });
});
