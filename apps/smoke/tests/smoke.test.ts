import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalStack, type LocalStack } from '@game-chat/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `pnpm smoke` as CI runs it against the local stack: the built executable, in its own process,
 * pointed at a stack that checks token signatures like IoT Core. A passing run, and failing
 * runs whose last line names the step that failed.
 */

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let stack: LocalStack;
let workDir: string;

beforeAll(async () => {
  stack = await createLocalStack({ log: 'silent' });
  workDir = mkdtempSync(join(tmpdir(), 'smoke-'));
}, 30_000);

afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await stack?.stop();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function smoke(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      // No inherited issuer variables: each run says where its keys come from.
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? -1) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

/** The command line for the local stack, with some options changed (or left out: undefined). */
function local(changes: Record<string, string | undefined> = {}): string[] {
  const flags: Record<string, string | undefined> = {
    endpoint: stack.urls.ws,
    api: stack.urls.api,
    authorizer: stack.authorizerName,
    'token-url': `${stack.urls.api}/dev/tokens`,
    timeout: '15',
    ...changes,
  };
  return Object.entries(flags).flatMap(([flag, value]) =>
    value === undefined ? [] : [`--${flag}`, value],
  );
}

describe('pnpm smoke against the local stack', () => {
  it('passes every step with signed tokens from the token URL', async () => {
    const before = stack.stats().broker.authorizerInvocations;
    const run = await smoke(local());

    expect(run.stdout.trim()).toBe('The smoke test passed: 6 steps.');
    expect(run.code).toBe(0);
    for (const step of ['get signed tokens', 'connect both players', 'chat both ways', 'refusal']) {
      expect(run.stderr).toContain(step);
    }
    expect(stack.stats().broker.authorizerInvocations).toBe(before + 2);
  });

  it("passes from terraform's outputs, issuing tokens with the (development) keys itself", async () => {
    const outputs = join(workDir, 'outputs.json');
    const value = (text: string | null) => ({ sensitive: false, type: 'string', value: text });
    writeFileSync(
      outputs,
      JSON.stringify({
        websocket_url: value(stack.urls.ws),
        api_url: value(stack.urls.api),
        topic_prefix: value(stack.topicPrefix),
        authorizer_name: value(stack.authorizerName),
        authorizer_token_key_name: value(stack.tokenKeyName),
        authorizer_signing_key_secret_arn: value(null),
        token_secret_arn: value(null),
      }),
    );
    const run = await smoke(['--', '--outputs', outputs]);

    expect(run.stdout.trim()).toBe('The smoke test passed: 6 steps.');
    expect(run.stderr).toMatch(/warning: CHAT_AUTHORIZER_SIGNING_KEY is not set/);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a wrong authorizer name',
      { authorizer: 'game-chat-wrong-authorizer' },
      /^The smoke test failed at "connect both players over MQTT\/WSS with the custom authorizer": the broker refused the credentials/,
    ],
    [
      'a wrong token key name',
      { 'token-key-name': 'jwt' },
      /^The smoke test failed at "connect both players .*": the broker refused the credentials/,
    ],
    [
      'a token endpoint that does not exist',
      { 'token-url': 'http://127.0.0.1:1/dev/tokens' },
      /^The smoke test failed at "get signed tokens for two players": token request to .* failed/,
    ],
  ])('fails with one sentence naming the step for %s', async (_case, change, sentence) => {
    const run = await smoke(local(change));

    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout.trim()).toMatch(sentence);
  });

  it('fails at connecting when the signing key is not the one the authorizer lists', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const run = await smoke(local({ 'token-url': undefined }), {
      CHAT_AUTHORIZER_SIGNING_KEY: otherKey,
    });

    expect(run.code).toBe(1);
    expect(run.stdout.trim()).toMatch(
      /failed at "connect both players .*": the broker refused the credentials/,
    );
  });

  it('exits 2 with the usage for a bad command line', async () => {
    const run = await smoke(['--endpoint', 'https://not-a-websocket', '--api', stack.urls.api]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--endpoint must be a ws:\/\/ or wss:\/\/ URL[\s\S]*Usage: pnpm smoke/,
    );
  });
});
