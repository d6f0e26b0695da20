/**
 * infra/bootstrap: the state bucket, GitHub's OIDC provider and the roles the deploy workflow
 * assumes (review S1, S2). Pull requests may reach dev's plan role only; prod's roles trust
 * only the environments that main alone may use.
 */
import { describe, expect, test } from 'vitest';
import { blocks, dynamicBlocks, type HclBody, type TfConfig } from './hcl.js';
import { load } from './paths.js';

const bootstrap = () => load('bootstrap');

function resource(config: TfConfig, type: string, name: string): HclBody {
  const body = config.resources[type]?.[name];
  expect(body, `${type}.${name}`).toBeDefined();
  return body as HclBody;
}

function statements(document: HclBody): HclBody[] {
  return [
    ...blocks(document, 'statement'),
    ...dynamicBlocks(document)
      .filter(([name]) => name === 'statement')
      .flatMap(([, definition]) => blocks(definition, 'content')),
  ];
}

function statement(document: HclBody, sid: string): HclBody {
  const found = statements(document).find((s) => s.sid === sid || String(s.sid).startsWith(sid));
  expect(found, sid).toBeDefined();
  return found as HclBody;
}

describe('state bucket', () => {
  test('is versioned, encrypted, private, TLS-only and kept on destroy', async () => {
    const config = await bootstrap();
    const bucket = resource(config, 'aws_s3_bucket', 'state');
    expect(blocks(bucket, 'lifecycle')[0]?.prevent_destroy).toBe(true);
    const versioning = resource(config, 'aws_s3_bucket_versioning', 'state');
    expect(blocks(versioning, 'versioning_configuration')[0]?.status).toBe('Enabled');
    const encryption = resource(
      config,
      'aws_s3_bucket_server_side_encryption_configuration',
      'state',
    );
    const [rule] = blocks(encryption, 'rule');
    expect(
      blocks(rule as HclBody, 'apply_server_side_encryption_by_default')[0]?.sse_algorithm,
    ).toBe('aws:kms');
    expect(resource(config, 'aws_s3_bucket_public_access_block', 'state')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = config.data.aws_iam_policy_document?.state_bucket as HclBody;
    const tls = statement(policy, 'DenyInsecureTransport');
    expect(tls.effect).toBe('Deny');
    expect(blocks(tls, 'condition')[0]).toEqual({
      test: 'Bool',
      variable: 'aws:SecureTransport',
      values: ['false'],
    });
  });

  test("S1: an environment's state is denied to everyone but its own roles and named admins", async () => {
    const policy = (await bootstrap()).data.aws_iam_policy_document?.state_bucket as HclBody;
    const deny = statement(policy, 'OnlyOwnRolesUse');
    expect(deny.effect).toBe('Deny');
    expect(deny.resources).toEqual(['${aws_s3_bucket.state.arn}/game-chat/${statement.value}/*']);
    expect(blocks(deny, 'condition')[0]).toEqual({
      test: 'ArnNotLike',
      variable: 'aws:PrincipalArn',
      values:
        '${concat([aws_iam_role.plan[statement.value].arn, aws_iam_role.apply[statement.value].arn], var.state_admin_principal_arns)}',
    });
  });

  test('the state keys are the ones the environments use', async () => {
    const config = await bootstrap();
    expect(config.locals.state_keys).toBe(
      '${{ for env in var.environments : env => "game-chat/${env}/terraform.tfstate" }}',
    );
    for (const env of ['dev', 'prod']) {
      const [settings] = (await load(`envs/${env}`)).terraform;
      const [s3] = blocks(settings?.backend as HclBody, 's3');
      expect(s3?.key).toBe(`game-chat/${env}/terraform.tfstate`);
    }
  });
});

describe('roles', () => {
  test("S1: pull requests may assume only dev's plan role; prod plans come from prod-plan", async () => {
    const config = await bootstrap();
    expect(config.locals.plan_subjects).toEqual({
      dev: 'repo:${coalesce(var.github_repository, "-")}:pull_request',
      prod: 'repo:${coalesce(var.github_repository, "-")}:environment:prod-plan',
    });
    expect(config.locals.apply_subjects).toBe(
      '${{ for env in var.environments : env => "repo:${coalesce(var.github_repository, "-")}:environment:${env}" }}',
    );
    const assume = config.data.aws_iam_policy_document?.assume as HclBody;
    expect(assume.for_each).toBe(
      '${merge(\n    { for env in local.roles : "${env}-plan" => local.plan_subjects[env] },\n    { for env in local.roles : "${env}-apply" => local.apply_subjects[env] },\n  )}',
    );
    const trust = statements(assume)[0] as HclBody;
    expect(trust.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(blocks(trust, 'condition')).toEqual([
      {
        test: 'StringEquals',
        variable: 'token.actions.githubusercontent.com:aud',
        values: ['sts.amazonaws.com'],
      },
      {
        test: 'StringEquals',
        variable: 'token.actions.githubusercontent.com:sub',
        values: ['${each.value}'],
      },
    ]);
    expect(resource(config, 'aws_iam_role', 'plan').assume_role_policy).toBe(
      '${data.aws_iam_policy_document.assume["${each.key}-plan"].json}',
    );
    expect(resource(config, 'aws_iam_role', 'apply').assume_role_policy).toBe(
      '${data.aws_iam_policy_document.assume["${each.key}-apply"].json}',
    );
  });

  test('S2: the plan role reads its own state and writes only the lock object', async () => {
    const documents = (await bootstrap()).data.aws_iam_policy_document ?? {};
    const document = documents.plan_state as HclBody;
    expect(document.source_policy_documents).toEqual([
      '${data.aws_iam_policy_document.state_read[each.key].json}',
    ]);
    const read = statement(documents.state_read as HclBody, 'ReadOwnState');
    expect(read.actions).toEqual(['s3:GetObject']);
    expect(statements(documents.state_read as HclBody).map((s) => s.actions)).toEqual([
      ['s3:ListBucket'],
      ['s3:GetObject'],
    ]);
    const lock = statement(document, 'TakeOwnStateLock');
    expect(lock.actions).toEqual(['s3:PutObject', 's3:DeleteObject']);
    expect(lock.resources).toEqual([
      '${aws_s3_bucket.state.arn}/${local.state_keys[each.key]}.tflock',
    ]);
    // No statement of the plan role writes anything else or reads a secret value.
    const all = JSON.stringify(statements(document));
    expect(all).not.toContain('secretsmanager:GetSecretValue');
    expect(
      statements(document).filter((s) => JSON.stringify(s.actions).includes('Put')),
    ).toHaveLength(1);
  });

  test('both roles refresh with ReadOnlyAccess, which holds no secret values', async () => {
    const config = await bootstrap();
    for (const name of ['plan_read_only', 'apply_read_only']) {
      expect(resource(config, 'aws_iam_role_policy_attachment', name).policy_arn).toBe(
        'arn:${local.partition}:iam::aws:policy/ReadOnlyAccess',
      );
    }
  });

  test('the apply role is scoped to the stack: its names, or its Environment tag', async () => {
    const document = (await bootstrap()).data.aws_iam_policy_document?.apply as HclBody;
    for (const s of statements(document)) {
      const resources = JSON.stringify(s.resources);
      const named =
        resources.includes('${local.stack_names[each.key]}') ||
        resources.includes('local.state_keys') ||
        resources.includes('aws_s3_bucket.state');
      const conditioned = blocks(s, 'condition').length > 0;
      expect(named || conditioned || s.sid === 'ManageHttpApis', String(s.sid)).toBe(true);
    }
    const network = statement(document, 'ChangeOwnNetwork');
    expect(blocks(network, 'condition')[0]).toEqual({
      test: 'StringEquals',
      variable: 'aws:ResourceTag/Environment',
      values: ['${each.key}'],
    });
    // The smoke test after each apply reads the stack's signing keys.
    expect(statement(document, 'ManageAndReadStackSecrets').actions).toContain(
      'secretsmanager:GetSecretValue',
    );
  });

  test('creates the key secrets that deploy.mjs keys fills, and never their values', async () => {
    const config = await bootstrap();
    expect(resource(config, 'aws_secretsmanager_secret', 'authorizer_signing_key').name).toBe(
      '${each.value}-authorizer-signing-key',
    );
    expect(resource(config, 'aws_secretsmanager_secret', 'player_token_key').name).toBe(
      '${each.value}-player-token-key',
    );
    expect(config.resources).not.toHaveProperty('aws_secretsmanager_secret_version');
  });
});
