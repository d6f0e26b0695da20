import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CliOptions, parseCommandLine, planWarnings, UsageError } from '../src/args.js';

function options(argv: string[], env: Record<string, string> = {}): CliOptions {
  const parsed = parseCommandLine(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed;
}

const remote = [
  '--endpoint',
  'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt',
  '--api',
  'https://api.example.com',
];

describe('parseCommandLine', () => {
  it('has defaults and starts a local stack without --endpoint', () => {
    const parsed = options([]);
    expect(parsed.plan).toEqual({
      players: 100,
      channels: 10,
      rate: 20,
      durationSeconds: 10,
      connectConcurrency: 50,
      drainSeconds: 10,
    });
    expect(parsed.target).toEqual({ kind: 'local', settings: {} });
    expect(parsed.progress).toBe(true);
  });

  it('reads the issue command line and local settings', () => {
    const parsed = options([
      '--players',
      '500',
      '--channels',
      '50',
      '--rate',
      '100',
      '--duration',
      '30',
      '--setting',
      'CHAT_RATE_BURST=10',
      '--setting',
      'CHAT_PROFANITY=off',
      '--no-progress',
      '--out',
      'r.json',
    ]);
    expect(parsed.plan).toMatchObject({
      players: 500,
      channels: 50,
      rate: 100,
      durationSeconds: 30,
    });
    expect(parsed.target).toEqual({
      kind: 'local',
      settings: { CHAT_RATE_BURST: '10', CHAT_PROFANITY: 'off' },
    });
    expect(parsed).toMatchObject({ progress: false, out: 'r.json' });
  });

  it('targets a running deployment with a token URL or the issuer keys', () => {
    expect(
      options([
        ...remote,
        '--token-url',
        'http://127.0.0.1:1/dev/tokens',
        '--authorizer',
        'auth',
        '--token-key-name',
        'PlayerToken',
      ]).target,
    ).toEqual({
      kind: 'remote',
      endpoint: remote[1],
      apiUrl: remote[3],
      authorizerName: 'auth',
      tokenKeyName: 'PlayerToken',
      topicPrefix: 'chat',
      tokens: { kind: 'url', url: 'http://127.0.0.1:1/dev/tokens' },
    });
    const withSecret = options([...remote, '--secret', 's3cret', '--topic-prefix', 'game1'], {
      CHAT_AUTHORIZER_SIGNING_KEY: 'PEM',
      CHAT_TOKEN_SECRET: 'overridden',
      HOME: '/root',
    }).target;
    expect(withSecret).toMatchObject({ topicPrefix: 'game1' });
    // Only the issuer's variables are kept; --secret wins over CHAT_TOKEN_SECRET.
    expect((withSecret as { tokens: unknown }).tokens).toEqual({
      kind: 'issuer',
      env: { CHAT_TOKEN_SECRET: 's3cret', CHAT_AUTHORIZER_SIGNING_KEY: 'PEM' },
    });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k';
    expect(options(remote, { CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN: arn }).target).toMatchObject({
      tokens: { kind: 'issuer', env: { CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN: arn } },
    });
  });

  it.each([
    [['--players', '0'], '--players must be a whole number 1-20000'],
    [['--players', '1.5'], '--players'],
    [['--players', '10', '--channels', '11'], '--channels must be a whole number 1-10'],
    [['--rate', '0'], '--rate must be a number more than 0'],
    [['--rate', '-3'], '--rate'],
    [['--duration', 'ten'], '--duration'],
    [['--drain', '601'], '--drain'],
    [['--setting', 'REDIS_URL=redis://x'], '--setting must be CHAT_NAME=value'],
    [['--api', 'https://api.example.com'], '--api needs --endpoint'],
    [['--secret', 'x'], '--secret needs --endpoint'],
    [['--endpoint', 'mqtt://127.0.0.1:1'], '--endpoint needs --api'],
    [remote, 'exactly one token source'],
    [[...remote, '--secret', 'a', '--token-url', 'http://x/t'], 'exactly one token source'],
    [
      ['--endpoint', 'http://127.0.0.1:1', '--api', 'http://x', '--secret', 's'],
      '--endpoint must be a mqtt:',
    ],
    [[...remote, '--secret', 's', '--topic-prefix', 'a/+/b'], '--topic-prefix'],
    [
      [...remote, '--secret', 's', '--setting', 'CHAT_RATE_BURST=2'],
      '--setting is for the local stack',
    ],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('answers help', () => {
    expect(parseCommandLine(['-h'])).toEqual({ help: true });
  });

  it('never throws anything but a UsageError on arbitrary arguments', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom('--players', '--rate', '--endpoint', '--api', '--secret', '--setting'),
            fc.string(),
          ),
        ),
        (argv) => {
          try {
            parseCommandLine(argv);
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
          }
        },
      ),
    );
  });
});

describe('planWarnings', () => {
  const plan = options([]).plan;

  it('says nothing when the plan stays under the limits', () => {
    expect(planWarnings({ ...plan, players: 100, channels: 10, rate: 20 })).toEqual([]);
  });

  it('warns about the per-player and per-channel limits', () => {
    const [player, channel] = planWarnings({ ...plan, players: 10, channels: 1, rate: 60 });
    expect(player).toContain('6.00 messages/s, above the per-player limit of 1/s');
    expect(channel).toContain('60.0 messages/s, above the per-channel limit of 50/s');
    expect(
      planWarnings(
        { ...plan, players: 10, channels: 1, rate: 60 },
        { playerPerSecond: 10, channelPerSecond: 100 },
      ),
    ).toEqual([]);
  });
});
