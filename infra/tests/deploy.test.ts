import { spawnSync } from 'node:child_process';
import { createSign, createVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  checkConcurrencyQuota,
  createKeyPair,
  DeployError,
  KEY_PAIRS,
  keyPairsOf,
  keySecretName,
  MINIMUM_UNRESERVED_CONCURRENCY,
  parseArgs,
  pendingPromotion,
  promotionCommands,
  publicKeyFingerprint,
  stageForNewKey,
  stateLocation,
  terraformCommands,
  webDemoConfig,
  writeWebDemoConfig,
} from '../../scripts/deploy.mjs';
import { ENVS, infraDir, repoDir } from './paths.js';

/** What `terraform output -json` prints for envs/dev after an apply. */
const outputs = {
  websocket_url: {
    sensitive: false,
    type: 'string',
    value: 'wss://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com/mqtt',
  },
  authorizer_name: { sensitive: false, type: 'string', value: 'game-chat-dev-token-authorizer' },
  authorizer_token_key_name: { sensitive: false, type: 'string', value: 'token' },
  api_url: {
    sensitive: false,
    type: 'string',
    value: 'https://abc123def4.execute-api.eu-west-1.amazonaws.com',
  },
  topic_prefix: { sensitive: false, type: 'string', value: 'chat' },
  max_text_length: { sensitive: false, type: 'number', value: 500 },
  dashboard_name: { sensitive: false, type: 'string', value: 'game-chat-dev-chat' },
};

function deployError(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return error as { code: string; message: string };
  }
  throw new Error('expected a DeployError');
}

describe('parseArgs', () => {
  test('reads the environment and the flags in any order', () => {
    expect(parseArgs(['dev'])).toEqual({
      command: 'deploy',
      env: 'dev',
      plan: false,
      autoApprove: false,
      skipBuild: false,
    });
    expect(parseArgs(['--skip-build', 'prod', '--auto-approve'])).toEqual({
      command: 'deploy',
      env: 'prod',
      plan: false,
      autoApprove: true,
      skipBuild: true,
    });
  });

  test('reads keys <env>', () => {
    expect(parseArgs(['keys', 'prod'])).toEqual({ command: 'keys', env: 'prod' });
    for (const argv of [
      ['keys'],
      ['keys', 'staging'],
      ['keys', 'dev', '--plan'],
      ['dev', 'keys'],
    ]) {
      expect(deployError(() => parseArgs(argv)).code, argv.join(' ')).toBe('usage');
    }
  });

  test('refuses no environment, two environments, plan with auto-approve', () => {
    expect(deployError(() => parseArgs([])).code).toBe('usage');
    expect(deployError(() => parseArgs(['dev', 'prod'])).code).toBe('usage');
    expect(deployError(() => parseArgs(['dev', '--plan', '--auto-approve'])).code).toBe('usage');
  });

  test('refuses any other argument', () => {
    const known = new Set(['dev', 'prod', '--plan', '--auto-approve', '--skip-build']);
    fc.assert(
      fc.property(
        fc.string().filter((arg) => !known.has(arg)),
        (arg) => {
          expect(deployError(() => parseArgs(['dev', arg])).code).toBe('usage');
        },
      ),
    );
  });
});

describe('terraformCommands', () => {
  const state = { bucket: 'game-chat-tfstate', region: 'eu-west-1' };

  test('apply: init, validate, save a plan, read it as JSON, apply exactly it, read the outputs', () => {
    const commands = terraformCommands(parseArgs(['dev', '--auto-approve']), state);
    expect(commands).toEqual([
      [
        '-chdir=infra/envs/dev',
        'init',
        '-input=false',
        '-backend-config=bucket=game-chat-tfstate',
        '-backend-config=region=eu-west-1',
      ],
      ['-chdir=infra/envs/dev', 'validate'],
      ['-chdir=infra/envs/dev', 'plan', '-input=false', '-lock-timeout=10m', '-out=tfplan'],
      ['-chdir=infra/envs/dev', 'show', '-json', 'tfplan'],
      ['-chdir=infra/envs/dev', 'apply', '-input=false', '-lock-timeout=10m', 'tfplan'],
      ['-chdir=infra/envs/dev', 'output', '-json'],
    ]);
  });

  test('plan: stops after the plan and its JSON (for the quota check), never applies', () => {
    const commands = terraformCommands(parseArgs(['prod', '--plan']), state);
    expect(commands.map((args: string[]) => args[1])).toEqual(['init', 'validate', 'plan', 'show']);
  });

  test('init refuses other providers than a committed lock file names', () => {
    const [init] = terraformCommands(parseArgs(['prod', '--plan']), state, {
      lockFileCommitted: true,
    });
    expect(init).toContain('-lockfile=readonly');
    const [withoutLockFile] = terraformCommands(parseArgs(['prod', '--plan']), state);
    expect(withoutLockFile).not.toContain('-lockfile=readonly');
  });
});

describe('stateLocation', () => {
  test('takes the bucket and falls back from TF_STATE_REGION to AWS_REGION', () => {
    expect(stateLocation({ TF_STATE_BUCKET: 'b-1', AWS_REGION: 'us-east-1' })).toEqual({
      bucket: 'b-1',
      region: 'us-east-1',
    });
    expect(
      stateLocation({ TF_STATE_BUCKET: 'b-1', TF_STATE_REGION: 'eu-central-1', AWS_REGION: 'x' }),
    ).toEqual({ bucket: 'b-1', region: 'eu-central-1' });
  });

  test('refuses a missing or malformed bucket name', () => {
    for (const bucket of [undefined, '', 'Has_Upper', 'a', 'bucket name']) {
      expect(deployError(() => stateLocation({ TF_STATE_BUCKET: bucket })).code).toBe('config');
    }
  });
});

describe('webDemoConfig', () => {
  test('maps the Terraform outputs to the web demo settings', () => {
    expect(webDemoConfig(outputs)).toEqual({
      endpoint: 'wss://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com/mqtt',
      authorizerName: 'game-chat-dev-token-authorizer',
      tokenKeyName: 'token',
      apiUrl: 'https://abc123def4.execute-api.eu-west-1.amazonaws.com',
      topicPrefix: 'chat',
      maxTextLength: 500,
    });
  });

  test('refuses missing outputs and values of the wrong shape', () => {
    const broken = [
      {},
      { ...outputs, api_url: undefined },
      { ...outputs, websocket_url: { value: 'ws://host/mqtt' } },
      { ...outputs, websocket_url: { value: 'wss://host/mqtt?x-amz-customauthorizer-name=x' } },
      { ...outputs, api_url: { value: 'https://host/path' } },
      { ...outputs, authorizer_name: { value: 'has space' } },
      { ...outputs, authorizer_name: { value: 42 } },
      { ...outputs, authorizer_token_key_name: undefined },
      { ...outputs, authorizer_token_key_name: { value: 'to ken' } },
      // A new domain configuration whose host name is not known yet.
      { ...outputs, websocket_url: { value: null } },
      { ...outputs, topic_prefix: { value: 'chat/room' } },
      { ...outputs, max_text_length: { value: '500' } },
      { ...outputs, max_text_length: { value: 0 } },
      { ...outputs, max_text_length: { value: 4001 } },
      Object.assign(Object.create({ api_url: outputs.api_url }), {
        ...outputs,
        api_url: undefined,
      }),
    ];
    for (const candidate of broken) {
      expect(deployError(() => webDemoConfig(candidate)).code).toBe('outputs');
    }
  });

  test('writes config.json, creating the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-demo-'));
    try {
      const path = join(dir, 'public', 'config.json');
      writeWebDemoConfig(path, webDemoConfig(outputs));
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(webDemoConfig(outputs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scripts/deploy.mjs', () => {
  const deploy = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['scripts/deploy.mjs', ...args], {
      cwd: repoDir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });

  test('exits 2 with the usage on bad arguments', () => {
    const run = deploy(['staging']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: node scripts/deploy.mjs <dev|prod>');
  });

  test('stops before building anything when the state bucket is not set', () => {
    const run = deploy(['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('TF_STATE_BUCKET');
    expect(run.stderr).not.toContain('$ pnpm');
  });

  test('stops before building anything while the environment has no signing key', () => {
    const run = deploy(['prod', '--plan'], { TF_STATE_BUCKET: 'game-chat-tfstate' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('run node scripts/deploy.mjs keys prod first');
    expect(run.stderr).not.toContain('$ ');
  });
});

/** `terraform show -json` of a plan that changes Lambda functions' reserved concurrency. */
function planOf(...changes: [before: number | null, after: number | null][]) {
  return {
    resource_changes: [
      { type: 'aws_sqs_queue', change: { before: null, after: { name: 'q' } } },
      ...changes.map(([before, after], i) => ({
        type: 'aws_lambda_function',
        address: `module.chat.module.functions.aws_lambda_function.this["f${i}"]`,
        change: {
          before: before === null ? null : { reserved_concurrent_executions: before },
          after: after === null ? null : { reserved_concurrent_executions: after },
        },
      })),
    ],
  };
}
const account = (limit: number, unreserved: number) => ({
  AccountLimit: { ConcurrentExecutions: limit, UnreservedConcurrentExecutions: unreserved },
});

describe('checkConcurrencyQuota (review A3)', () => {
  test("passes prod's 400 reserved on a default account and counts only what the plan adds", () => {
    expect(
      checkConcurrencyQuota(
        planOf([null, 200], [null, 100], [null, 100]),
        account(1000, 1000),
        'prod',
      ),
    ).toBe(400);
    // Already applied: nothing more is reserved, however low the unreserved pool is now.
    expect(
      checkConcurrencyQuota(planOf([200, 200], [100, 100], [100, 100]), account(500, 100), 'prod'),
    ).toBe(0);
    // -1 (unreserved) and deleted functions reserve nothing; releasing never fails.
    expect(checkConcurrencyQuota(planOf([null, -1], [50, null]), account(50, 0), 'dev')).toBe(-50);
  });

  test('refuses a plan that would leave fewer than 100 unreserved, naming the quota to ask for', () => {
    const error = deployError(() =>
      checkConcurrencyQuota(
        planOf([null, 200], [null, 100], [null, 100]),
        account(400, 400),
        'prod',
      ),
    );
    expect(error.code).toBe('quota');
    expect(error.message).toContain('reserves 400 more');
    expect(error.message).toContain('at least 500');
    expect(error.message).toContain('infra/envs/prod/main.tf');
  });

  test('is exact at the boundary: 100 left is fine, 99 is not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 5000 }),
        fc.integer({ min: 1, max: 1000 }),
        (unreserved, add) => {
          const plan = planOf([null, add]);
          const fits = unreserved - add >= MINIMUM_UNRESERVED_CONCURRENCY;
          if (fits)
            expect(checkConcurrencyQuota(plan, account(unreserved, unreserved), 'dev')).toBe(add);
          else
            expect(
              deployError(() => checkConcurrencyQuota(plan, account(unreserved, unreserved), 'dev'))
                .code,
            ).toBe('quota');
        },
      ),
    );
  });

  test('refuses account settings without AccountLimit', () => {
    expect(deployError(() => checkConcurrencyQuota(planOf([null, 1]), {}, 'dev')).code).toBe(
      'quota',
    );
  });
});

describe('signing keys (review S3, S1.4)', () => {
  test('an authorizer pair signs a token the way IoT Core verifies it (base64 RSA-SHA256)', () => {
    const pair = createKeyPair(KEY_PAIRS.authorizer);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicKeyPem).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/,
    );
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
    const signature = createSign('RSA-SHA256').update(token).sign(pair.privateKeyPem, 'base64');
    expect(
      createVerify('RSA-SHA256').update(token).verify(pair.publicKeyPem, signature, 'base64'),
    ).toBe(true);
    expect(
      createVerify('RSA-SHA256').update(`${token}x`).verify(pair.publicKeyPem, signature, 'base64'),
    ).toBe(false);
  });

  test('a player-token pair is P-256 (ES256); names and version ids come from the public key', () => {
    const pair = createKeyPair(KEY_PAIRS['player-token']);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pair.versionId).toBe(publicKeyFingerprint(pair.publicKeyPem));
    expect(pair.versionId).toMatch(/^[0-9a-f]{64}$/);
    expect(pair.keyName).toBe(`k-${pair.versionId.slice(0, 16)}`);
    // IoT Core's key-name pattern, and a different pair gets a different name.
    expect(pair.keyName).toMatch(/^[a-zA-Z0-9:_-]{1,128}$/);
    expect(createKeyPair(KEY_PAIRS['player-token']).keyName).not.toBe(pair.keyName);
  });

  test('a new key is AWSCURRENT only while nothing signs yet, else AWSPENDING', () => {
    expect(stageForNewKey([])).toBe('AWSCURRENT');
    expect(stageForNewKey([{ VersionId: 'a', VersionStages: ['AWSPREVIOUS'] }])).toBe('AWSCURRENT');
    expect(stageForNewKey([{ VersionId: 'a', VersionStages: ['AWSCURRENT'] }])).toBe('AWSPENDING');
  });

  test('after an apply, promotes a pending key only once its public key is deployed', () => {
    const versions = [
      { VersionId: 'old', VersionStages: ['AWSCURRENT'] },
      { VersionId: 'new', VersionStages: ['AWSPENDING'] },
    ];
    expect(pendingPromotion(versions, ['old'])).toBeNull();
    expect(pendingPromotion(versions, ['old', 'new'])).toEqual({
      pendingId: 'new',
      currentId: 'old',
    });
    expect(pendingPromotion([versions[0]], ['old', 'new'])).toBeNull();
    expect(promotionCommands('s', { pendingId: 'new', currentId: 'old' })).toEqual([
      [
        'secretsmanager',
        'update-secret-version-stage',
        '--secret-id',
        's',
        '--version-stage',
        'AWSCURRENT',
        '--move-to-version-id',
        'new',
        '--remove-from-version-id',
        'old',
      ],
      [
        'secretsmanager',
        'update-secret-version-stage',
        '--secret-id',
        's',
        '--version-stage',
        'AWSPENDING',
        '--remove-from-version-id',
        'new',
      ],
    ]);
  });

  test.each(ENVS)(
    '%s: key pairs match the secrets bootstrap creates and the files main.tf reads',
    (env) => {
      const main = readFileSync(join(infraDir, 'envs', env, 'main.tf'), 'utf8');
      const bootstrap = readFileSync(join(infraDir, 'bootstrap', 'variables.tf'), 'utf8');
      const asymmetricDefault =
        /variable "asymmetric_player_token_environments"[\s\S]*?default\s*=\s*(\[[^\]]*\])/.exec(
          bootstrap,
        )?.[1];
      const pairs = keyPairsOf(env).map(([name]) => name);
      expect(pairs).toContain('authorizer');
      expect(pairs.includes('player-token')).toBe(main.includes('keys/player-token.pem'));
      expect(pairs.includes('player-token')).toBe(
        JSON.parse(asymmetricDefault ?? '[]').includes(env),
      );
      for (const [, spec] of keyPairsOf(env)) {
        expect(main).toContain(`name = "${keySecretName(env, spec)}"`);
      }
    },
  );
});
