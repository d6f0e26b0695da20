import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AUTHORIZER_NAME_PARAM, AUTHORIZER_SIGNATURE_PARAM } from '@game-chat/protocol/custom-auth';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  loadAuthorizerSigningKey,
  signTokenForAuthorizer,
} from '../src/signing.js';
import { runTokenCommand } from '../src/token-command.js';
import { createTokenVerifier, DEVELOPMENT_TOKEN_SECRET } from '../src/tokens.js';

const run = promisify(execFile);
const SECRET = 'cli-test-secret-that-is-long-enough-for-hs256';
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const developmentKey = loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY);

/** The command's JSON answer. */
function printed(stdout: string) {
  return JSON.parse(stdout) as {
    token: string;
    signature: string;
    authorizerName: string;
    tokenKeyName: string;
  };
}

describe('runTokenCommand', () => {
  it('prints a token for the given claims, signed with CHAT_TOKEN_SECRET, and its signature', async () => {
    const output = await runTokenCommand(
      [
        'alice',
        '--name',
        'Alice',
        '--role',
        'moderator',
        '--channels',
        'Town137,Guild*',
        '--ttl',
        '120',
      ],
      { CHAT_TOKEN_SECRET: SECRET },
    );

    expect(output.exitCode).toBe(0);
    expect(output.stderr).toMatch(/CHAT_AUTHORIZER_SIGNING_KEY is not set/);
    const answer = printed(output.stdout);
    expect(answer).toMatchObject({
      authorizerName: 'game-chat-token-authorizer',
      tokenKeyName: 'token',
      signature: signTokenForAuthorizer(answer.token, developmentKey),
    });
    const result = await createTokenVerifier({ secret: SECRET }).verify(answer.token);
    expect(result.ok && result.claims).toMatchObject({
      sub: 'alice',
      name: 'Alice',
      role: 'moderator',
      channels: ['Town137', 'Guild*'],
    });
    if (result.ok) expect(result.claims.exp - Date.now() / 1000).toBeLessThanOrEqual(120);
  });

  it('signs with the development secret and says so when CHAT_TOKEN_SECRET is unset', async () => {
    const output = await runTokenCommand(['bob'], {});

    expect(output.stderr).toMatch(/CHAT_TOKEN_SECRET is not set/);
    const result = await createTokenVerifier({ secret: DEVELOPMENT_TOKEN_SECRET }).verify(
      printed(output.stdout).token,
    );
    expect(result.ok && result.claims.role).toBe('player');
  });

  it('prints an MQTT user name with the authorizer, the signature and the token', async () => {
    const output = await runTokenCommand(
      ['carol', '--username', '--authorizer', 'game-chat-dev-token-authorizer'],
      { CHAT_TOKEN_SECRET: SECRET, CHAT_AUTHORIZER_TOKEN_KEY_NAME: 'PlayerToken' },
    );

    const [base, query] = output.stdout.trim().split('?');
    const params = new URLSearchParams(query);
    expect(base).toBe('carol');
    expect(params.get(AUTHORIZER_NAME_PARAM)).toBe('game-chat-dev-token-authorizer');
    const token = params.get('PlayerToken') as string;
    expect(params.get(AUTHORIZER_SIGNATURE_PARAM)).toBe(
      signTokenForAuthorizer(token, developmentKey),
    );
    expect((await createTokenVerifier({ secret: SECRET }).verify(token)).ok).toBe(true);
  });

  it('prints a WebSocket URL carrying the credentials, named by CHAT_AUTHORIZER_NAME', async () => {
    const output = await runTokenCommand(
      ['dave', '--url', 'wss://abc-ats.iot.eu-west-1.amazonaws.com/mqtt'],
      {
        CHAT_TOKEN_SECRET: SECRET,
        CHAT_AUTHORIZER_NAME: 'from-env',
      },
    );

    const url = new URL(output.stdout.trim());
    expect(url.host).toBe('abc-ats.iot.eu-west-1.amazonaws.com');
    expect(url.searchParams.get(AUTHORIZER_NAME_PARAM)).toBe('from-env');
    const token = url.searchParams.get('token') as string;
    expect(url.searchParams.get(AUTHORIZER_SIGNATURE_PARAM)).toBe(
      signTokenForAuthorizer(token, developmentKey),
    );
  });

  it.each([
    ['no player id', [], 2],
    ['two player ids', ['alice', 'bob'], 2],
    ['an unknown role', ['alice', '--role', 'root'], 2],
    ['a bad ttl', ['alice', '--ttl', '1.5'], 2],
    ['an unknown option', ['alice', '--admin'], 2],
    ['both --username and --url', ['alice', '--username', '--url', 'wss://x/mqtt'], 2],
    ['a --url that is not a WebSocket URL', ['alice', '--url', 'https://x/mqtt'], 2],
    ['a bad authorizer name', ['alice', '--authorizer', 'a b'], 2],
    ['a bad token key name', ['alice', '--token-key-name', 'a=b'], 2],
    ['an invalid player id', ['al/ice'], 1],
    ['an invalid channel pattern', ['alice', '--channels', 'Town/#'], 1],
  ] as const)('refuses %s without printing a token', async (_label, argv, exitCode) => {
    const output = await runTokenCommand(argv, { CHAT_TOKEN_SECRET: SECRET });

    expect(output.exitCode).toBe(exitCode);
    expect(output.stdout).toBe('');
    expect(output.stderr.length).toBeGreaterThan(0);
  });

  it('refuses a secret shorter than 32 bytes', async () => {
    const output = await runTokenCommand(['alice'], { CHAT_TOKEN_SECRET: 'short' });

    expect(output).toMatchObject({ exitCode: 1, stdout: '' });
    expect(output.stderr).toMatch(/CHAT_TOKEN_SECRET must be at least 32 bytes/);
  });

  it('refuses a signing key it cannot use, naming the variable', async () => {
    const output = await runTokenCommand(['alice'], {
      CHAT_TOKEN_SECRET: SECRET,
      CHAT_AUTHORIZER_SIGNING_KEY: 'not a key',
    });

    expect(output).toMatchObject({ exitCode: 1, stdout: '' });
    expect(output.stderr).toMatch(/^CHAT_AUTHORIZER_SIGNING_KEY .*PEM private key/);
  });

  it('reads the signing key from the secret CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN names', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing';
    const asked: string[] = [];
    const output = await runTokenCommand(
      ['alice'],
      { CHAT_TOKEN_SECRET: SECRET, CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN: arn },
      async (secretArn) => {
        asked.push(secretArn);
        return DEVELOPMENT_AUTHORIZER_SIGNING_KEY;
      },
    );

    expect(output).toMatchObject({ exitCode: 0, stderr: '' });
    expect(asked).toEqual([arn]);
  });
});

describe('game-chat-token executable', () => {
  beforeAll(async () => {
    if (!existsSync(cliPath))
      await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: packageDir });
  }, 60_000);

  it('prints a verifiable token and its signature on stdout', async () => {
    const { stdout } = await run(process.execPath, [cliPath, 'erin', '--name', 'Erin'], {
      env: { ...process.env, CHAT_TOKEN_SECRET: SECRET },
    });

    const answer = printed(stdout);
    expect(answer.signature).toBe(signTokenForAuthorizer(answer.token, developmentKey));
    const result = await createTokenVerifier({ secret: SECRET }).verify(answer.token);
    expect(result.ok && result.claims.name).toBe('Erin');
  });

  it('exits with status 2 on a usage error', async () => {
    await expect(run(process.execPath, [cliPath, '--role', 'root'])).rejects.toMatchObject({
      code: 2,
      stdout: '',
    });
  });
});
