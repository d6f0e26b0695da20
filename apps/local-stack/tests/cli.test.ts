import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DevCredentials } from '@game-chat/aws-emulator';
import { customAuthUsername } from '@game-chat/protocol/custom-auth';
import { closed, connect, endAll } from '@game-chat/testing/mqtt-client';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The `game-chat-local` command as `pnpm dev` runs it: the compiled `dist/cli.js` under plain
 * Node (the test task runs after the build).
 */

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FREE_PORTS = {
  CHAT_MQTT_PORT: '0',
  CHAT_WS_PORT: '0',
  CHAT_API_PORT: '0',
  CHAT_IOT_DATA_PORT: '0',
  CHAT_WEB_PORT: '0',
};

interface Run {
  readonly child: ChildProcess;
  readonly stdout: string[];
  stderr: string;
  readonly exit: Promise<number | null>;
}

const runs: Run[] = [];

function start(env: Record<string, string>): Run {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first`);
  // A clean environment: no REDIS_URL (the CLI starts its own) and no vitest markers.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => name !== 'REDIS_URL' && !name.startsWith('VITEST') && !name.startsWith('CHAT_'),
    ),
  );
  const child = spawn(process.execPath, [CLI], {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    stdout: [],
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    run.stdout.push(...lines);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  runs.push(run);
  return run;
}

async function readyLine(run: Run, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = run.stdout.find((candidate) => candidate.startsWith('ready '));
    if (line) return line;
    if (run.child.exitCode !== null) throw new Error(`the CLI exited: ${run.stderr}`);
    if (Date.now() > deadline) throw new Error(`no ready line: ${run.stdout.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

afterEach(async () => {
  await endAll();
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});

describe('game-chat-local', () => {
  it('prints one ready line with every URL, serves, and stops everything on SIGTERM', async () => {
    const run = start({ ...FREE_PORTS, CHAT_LOG: 'json' });
    const line = await readyLine(run);
    const urls = Object.fromEntries(
      [...line.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1], match[2]]),
    );
    expect(urls).toMatchObject({
      mqtt: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/),
      ws: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/),
      api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      tokens: expect.stringMatching(/\/dev\/tokens$/),
      iotData: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      redis: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+$/),
      authorizer: 'game-chat-token-authorizer',
      tokenKeyName: 'token',
      defaultAuthorizer: 'false',
    });
    expect(urls.web).toBeDefined();

    const response = await fetch(urls.tokens as string, {
      method: 'POST',
      body: JSON.stringify({ playerId: 'alice' }),
    });
    const credentials = (await response.json()) as DevCredentials;
    const alice = await connect(urls.mqtt as string, {
      clientId: 'alice',
      username: customAuthUsername('alice', credentials),
    });

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    await closed(alice);
    expect(await portAnswers(Number(new URL(urls.redis as string).port))).toBe(false);
    expect(run.stdout.filter((candidate) => candidate.startsWith('ready'))).toHaveLength(1);
    // Every other line is a JSON log record (the stack's and the Lambdas').
    for (const other of run.stdout.filter(
      (candidate) => candidate !== '' && !candidate.startsWith('ready'),
    )) {
      expect(() => JSON.parse(other)).not.toThrow();
    }
  }, 40_000);

  it('says how to install Redis when it has none and no REDIS_URL', async () => {
    const run = start({ ...FREE_PORTS, PATH: '/nonexistent' });
    expect(await run.exit).toBe(1);
    expect(run.stderr).toMatch(
      /redis-server was not found.*apt-get install redis-server.*brew install redis/s,
    );
  }, 20_000);

  // One setting the Lambdas' loader checks, one the CLI checks; the rest in stack-options.test.
  it.each([
    ['CHAT_RATE_BURST', 'lots'],
    ['CHAT_API_PORT', '99999'],
  ])(
    'refuses to start when %s is %s, naming it',
    async (variable, value) => {
      const run = start({ ...FREE_PORTS, [variable]: value });
      expect(await run.exit).toBe(1);
      expect(run.stderr).toContain(variable);
      expect(run.stdout.some((line) => line.startsWith('ready'))).toBe(false);
    },
    20_000,
  );
});
