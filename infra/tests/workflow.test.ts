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
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
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
    for (const name of ['plan', 'deploy-dev', 'deploy-prod']) {
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
    expect(validate).toContain('for env in dev prod');
    expect(validate).toContain('init -backend=false');
    for (const name of ['plan', 'deploy-dev']) expect(job(name).needs, name).toBe('check');
  });

  test('plans dev and prod on pull requests only', () => {
    expect(job('plan').if).toContain("github.event_name == 'pull_request'");
    expect(runs('plan')).toEqual([
      'pnpm install --frozen-lockfile',
      'node scripts/deploy.mjs ${{ matrix.env }} --plan',
    ]);
  });

  test('applies dev on main, then prod behind the prod environment', () => {
    expect(job('deploy-dev').if).toContain("github.ref == 'refs/heads/main'");
    expect(job('deploy-dev').environment).toBe('dev');
    expect(runs('deploy-dev')).toContain('node scripts/deploy.mjs dev --auto-approve');
    expect(job('deploy-prod').needs).toBe('deploy-dev');
    expect(job('deploy-prod').environment).toBe('prod');
    expect(runs('deploy-prod')).toContain('node scripts/deploy.mjs prod --auto-approve');
  });

  test('queues runs of one ref instead of cancelling an apply', () => {
    expect(workflow.concurrency).toEqual({
      group: 'deploy-${{ github.ref }}',
      'cancel-in-progress': false,
    });
  });
});
