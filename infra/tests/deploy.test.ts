import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DeployError,
  parseArgs,
  stateLocation,
  terraformCommands,
  webDemoConfig,
  writeWebDemoConfig,
} from '../../scripts/deploy.mjs';
import { repoDir } from './paths.js';

/** What `terraform output -json` prints for envs/dev after an apply. */
const outputs = {
  websocket_url: {
    sensitive: false,
    type: 'string',
    value: 'wss://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com/mqtt',
  },
  authorizer_name: { sensitive: false, type: 'string', value: 'game-chat-dev-authorizer' },
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
      env: 'dev',
      plan: false,
      autoApprove: false,
      skipBuild: false,
    });
    expect(parseArgs(['--skip-build', 'prod', '--auto-approve'])).toEqual({
      env: 'prod',
      plan: false,
      autoApprove: true,
      skipBuild: true,
    });
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

  test('apply: init with the state bucket, validate, apply, then read the outputs', () => {
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
      ['-chdir=infra/envs/dev', 'apply', '-input=false', '-auto-approve'],
      ['-chdir=infra/envs/dev', 'output', '-json'],
    ]);
  });

  test('plan: stops at a saved plan and never applies', () => {
    const commands = terraformCommands(parseArgs(['prod', '--plan']), state);
    expect(commands.map((args: string[]) => args[1])).toEqual(['init', 'validate', 'plan']);
    expect(commands[2]).toEqual(['-chdir=infra/envs/prod', 'plan', '-input=false', '-out=tfplan']);
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
      authorizerName: 'game-chat-dev-authorizer',
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
});
