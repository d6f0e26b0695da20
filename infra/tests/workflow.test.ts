import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { repoDir } from './paths.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const text = readFileSync(join(repoDir, '.github', 'workflows', 'deploy.yml'), 'utf8');
const workflow = parse(text) as Workflow;
const job = (name: string): Job => {
  const found = workflow.jobs[name];
  expect(found, name).toBeDefined();
  return found as Job;
};
const runs = (name: string) => job(name).steps.flatMap((step) => step.run ?? []);

describe('.github/workflows/deploy.yml', () => {
  test('pins every action to a full commit SHA with its version in a comment', () => {
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, action, comment] of uses) {
      expect(action, action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(comment, action).toMatch(/# v\d+\.\d+\.\d+/);
    }
  });

  test('grants nothing by default and id-token only to jobs that assume an AWS role', () => {
    expect(workflow.permissions).toEqual({});
    for (const [name, { permissions, steps }] of Object.entries(workflow.jobs)) {
      const assumesRole = steps.some((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      expect(permissions?.contents, name).toBe('read');
      expect(permissions?.['id-token'], name).toBe(assumesRole ? 'write' : undefined);
      expect(Object.keys(permissions ?? {}).length, name).toBe(assumesRole ? 2 : 1);
    }
  });

  test('assumes roles through OIDC and never reads stored AWS keys', () => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    for (const name of ['plan-dev', 'deploy-dev', 'plan-prod', 'deploy-prod']) {
      const credentials = job(name).steps.find((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      expect(credentials?.with?.['role-to-assume'], name).toMatch(
        /^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/,
      );
    }
  });

  test('checks formatting and validates both environments before anything else', () => {
    expect(runs('check')).toContain('terraform fmt -check -recursive -diff infra');
    const validate = runs('check').find((run) => run.includes('validate')) ?? '';
    expect(validate).toContain('for root in envs/dev envs/prod bootstrap');
    expect(validate).toContain('init -backend=false $lockfile');
    // m3: a committed lock file pins the providers; init may not pick others.
    expect(validate).toContain('lockfile="-lockfile=readonly"');
    for (const name of ['plan-dev', 'deploy-dev']) expect(job(name).needs, name).toBe('check');
  });

  test('runs Terraform 1.11 or later (GA S3 locking, write-only arguments)', () => {
    const [major, minor] = (workflow.env.TERRAFORM_VERSION ?? '').split('.').map(Number);
    expect((major ?? 0) * 1000 + (minor ?? 0)).toBeGreaterThanOrEqual(1011);
  });

  test('S1: pull requests plan dev only, with the dev plan role, never touching prod', () => {
    expect(job('plan-dev').if).toContain("github.event_name == 'pull_request'");
    expect(job('plan-dev').if).toContain('head.repo.full_name == github.repository');
    expect(runs('plan-dev')).toEqual([
      'pnpm install --frozen-lockfile',
      'node scripts/deploy.mjs dev --plan',
    ]);
    const credentials = job('plan-dev').steps.find((s) => s.with?.['role-to-assume']);
    expect(credentials?.with?.['role-to-assume']).toBe('${{ vars.AWS_DEV_PLAN_ROLE_ARN }}');
    for (const [name, { if: condition, needs, environment }] of Object.entries(workflow.jobs)) {
      const touchesProd = JSON.stringify(workflow.jobs[name]).includes('prod');
      if (!touchesProd || name === 'check') continue;
      // Every prod job runs after the main-only dev apply, in an environment limited to main.
      expect(environment, name).toMatch(/^prod(-plan)?$/);
      expect(needs, name).toBeDefined();
      expect(condition ?? '', name).not.toContain('pull_request');
    }
  });

  test('plans prod on main in prod-plan, then applies it behind the prod environment', () => {
    expect(job('deploy-dev').if).toContain("github.ref == 'refs/heads/main'");
    expect(job('deploy-dev').environment).toBe('dev');
    expect(runs('deploy-dev')).toContain('node scripts/deploy.mjs dev --auto-approve');
    expect(job('plan-prod').needs).toBe('deploy-dev');
    expect(job('plan-prod').environment).toBe('prod-plan');
    expect(runs('plan-prod')).toContain('node scripts/deploy.mjs prod --plan');
    expect(job('deploy-prod').needs).toBe('plan-prod');
    expect(job('deploy-prod').environment).toBe('prod');
    expect(runs('deploy-prod')).toContain('node scripts/deploy.mjs prod --auto-approve');
  });

  test.each(['dev', 'prod'])('runs the smoke test on %s right after its apply', (env) => {
    const steps = runs(`deploy-${env}`);
    const apply = steps.indexOf(`node scripts/deploy.mjs ${env} --auto-approve`);
    const smoke = steps.findIndex((run) => run.includes('pnpm smoke -- --outputs outputs.json'));
    expect(apply).toBeGreaterThanOrEqual(0);
    expect(smoke).toBe(apply + 1);
    const script = steps[smoke] ?? '';
    expect(script).toContain(`terraform -chdir=infra/envs/${env} output -json > outputs.json`);
    for (const variable of [
      'CHAT_AUTHORIZER_SIGNING_KEY_SECRET_ARN="$(output authorizer_signing_key_secret_arn)"',
      'CHAT_TOKEN_SECRET_ARN="$(output token_secret_arn)"',
      'CHAT_TOKEN_PRIVATE_KEY_SECRET_ARN="$(output token_private_key_secret_arn)"',
    ]) {
      expect(script).toContain(`export ${variable}`);
    }
  });

  test('m12: dev and prod queue apart; applies are never cancelled, PR plans replace older ones', () => {
    expect(workflow.concurrency).toBeUndefined();
    const expected: [name: string, group: string, cancelInProgress: boolean][] = [
      ['deploy-dev', 'deploy-dev', false],
      ['plan-prod', 'plan-prod', false],
      ['deploy-prod', 'deploy-prod', false],
      ['plan-dev', 'plan-dev-${{ github.ref }}', true],
    ];
    for (const [name, group, cancelInProgress] of expected) {
      expect(job(name).concurrency, name).toEqual({
        group,
        'cancel-in-progress': cancelInProgress,
      });
    }
  });
});
