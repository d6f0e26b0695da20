import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as checks from './checks.js';
import { blocks } from './hcl.js';
import { ENVS, FOLDERS, infraDir, load, MODULES, schema } from './paths.js';

describe.each(FOLDERS)('%s', (folder) => {
  test('names only declared variables, locals, resources and data sources', async () => {
    expect(await checks.checkReferences(await load(folder), schema)).toEqual([]);
  });

  test('passes modules only their variables, every required one, and reads existing outputs', async () => {
    expect(await checks.checkModuleCalls(await load(folder), load)).toEqual([]);
  });

  test('declares nothing it does not use, and names everything in snake_case', async () => {
    expect(await checks.checkUnusedAndNaming(await load(folder))).toEqual([]);
  });

  test('types and describes every variable and describes every output', async () => {
    expect(checks.checkDocumented(await load(folder))).toEqual([]);
  });

  test('uses only arguments and blocks of the aws provider schema, and all required ones', async () => {
    expect(checks.checkSchema(await load(folder), schema)).toEqual([]);
  });

  test('grants no IAM wildcard where a narrower action or resource exists', async () => {
    expect(checks.checkIam(await load(folder))).toEqual([]);
  });

  test('shows no secret in outputs or Lambda environments', async () => {
    expect(await checks.checkSecretsHidden(await load(folder))).toEqual([]);
  });

  test('runs every Lambda that uses Redis inside the VPC', async () => {
    expect(await checks.checkRedisLambdasInVpc(await load(folder))).toEqual([]);
  });

  test('writes secret versions write-only, so neither state nor plan holds them', async () => {
    expect(checks.checkSecretVersionsWriteOnly(await load(folder))).toEqual([]);
  });

  test('leaves SSE-SQS null on a queue under a customer managed key', async () => {
    expect(checks.checkQueueEncryption(await load(folder))).toEqual([]);
  });
});

test('module READMEs list the current inputs and outputs', () => {
  const run = spawnSync(process.execPath, ['scripts/module-docs.mjs', '--check'], {
    cwd: infraDir,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
}, 60_000);

describe.each(MODULES)('modules/%s', (name) => {
  const dir = join(infraDir, 'modules', name);

  test('has the standard files', () => {
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
  });

  test('asks for Terraform 1.11 or later and aws provider 6 or later', async () => {
    const [settings] = (await load(`modules/${name}`)).terraform;
    expect(settings?.required_version).toBe('>= 1.11.0');
    const [providers] = settings ? blocks(settings, 'required_providers') : [];
    expect(providers?.aws).toEqual({ source: 'hashicorp/aws', version: '>= 6.0' });
  });
});

describe.each([...ENVS.map((env) => `envs/${env}`), 'bootstrap'])('%s', (root) => {
  test('asks for Terraform 1.11 (GA S3 locking, write-only arguments) and aws ~> 6.28', async () => {
    const [settings] = (await load(root)).terraform;
    expect(settings?.required_version).toBe('>= 1.11.0');
    const [providers] = settings ? blocks(settings, 'required_providers') : [];
    expect(providers?.aws).toEqual({ source: 'hashicorp/aws', version: '~> 6.28' });
  });
});
