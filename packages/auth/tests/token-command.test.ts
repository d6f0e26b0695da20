import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTokenCommand } from '../src/token-command.js';
import { createTokenVerifier, DEVELOPMENT_TOKEN_SECRET } from '../src/tokens.js';

const run = promisify(execFile);
const SECRET = 'cli-test-secret-that-is-long-enough-for-hs256';
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('runTokenCommand', () => {
  it('prints a token for the given claims, signed with CHAT_TOKEN_SECRET', async () => {
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
    expect(output.stderr).toBe('');
    const result = await createTokenVerifier({ secret: SECRET }).verify(output.stdout.trim());
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
      output.stdout.trim(),
    );
    expect(result.ok && result.claims.role).toBe('player');
  });

  it.each([
    ['no player id', [], 2],
    ['two player ids', ['alice', 'bob'], 2],
    ['an unknown role', ['alice', '--role', 'root'], 2],
    ['a bad ttl', ['alice', '--ttl', '1.5'], 2],
    ['an unknown option', ['alice', '--admin'], 2],
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
    expect(output.stderr).toMatch(/32 bytes/);
  });
});

describe('game-chat-token executable', () => {
  beforeAll(async () => {
    if (!existsSync(cliPath))
      await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: packageDir });
  }, 60_000);

  it('prints a verifiable token on stdout', async () => {
    const { stdout } = await run(process.execPath, [cliPath, 'erin', '--name', 'Erin'], {
      env: { ...process.env, CHAT_TOKEN_SECRET: SECRET },
    });

    const result = await createTokenVerifier({ secret: SECRET }).verify(stdout.trim());
    expect(result.ok && result.claims.name).toBe('Erin');
  });

  it('exits with status 2 on a usage error', async () => {
    await expect(run(process.execPath, [cliPath, '--role', 'root'])).rejects.toMatchObject({
      code: 2,
      stdout: '',
    });
  });
});
