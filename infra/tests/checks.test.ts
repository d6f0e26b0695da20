/**
 * The checks must be able to fail: each one is fed a small configuration that is broken in
 * exactly the way it looks for, next to the same configuration done right.
 */
import { describe, expect, test } from 'vitest';
import {
  checkDocumented,
  checkIam,
  checkModuleCalls,
  checkQueueEncryption,
  checkRedisLambdasInVpc,
  checkReferences,
  checkSchema,
  checkSecretsHidden,
  checkSecretVersionsWriteOnly,
  checkUnusedAndNaming,
} from './checks.js';
import { configFromSources, type TfConfig } from './hcl.js';
import { schema } from './paths.js';

const snippet = (text: string, dir = '/snippet/root') =>
  configFromSources(dir, { 'main.tf': text });

const childModule = `
variable "name" {
  description = "Name."
  type        = string
}
variable "size" {
  description = "Size."
  type        = number
  default     = 1
}
output "id" {
  description = "The id."
  value       = var.name
}
`;
const loadChild = async (dir: string): Promise<TfConfig> => {
  expect(dir).toBe('/snippet/child');
  return snippet(childModule, dir);
};

describe('checkReferences', () => {
  test('accepts declared names and existing attributes', async () => {
    const config = await snippet(`
variable "name" {
  type        = string
  description = "x"
}
locals { queue = "\${var.name}-q" }
resource "aws_sqs_queue" "this" { name = local.queue }
data "aws_region" "current" {}
output "arn" {
  description = "x"
  value       = "\${aws_sqs_queue.this.arn}@\${data.aws_region.current.region}"
}
`);
    expect(await checkReferences(config, schema)).toEqual([]);
  });

  test('reports an undeclared variable, local, resource, data source and attribute', async () => {
    const config = await snippet(`
resource "aws_sqs_queue" "this" { name = "\${var.missing}-\${local.nope}" }
output "a" {
  description = "x"
  value       = aws_sqs_queue.other.arn
}
output "b" {
  description = "x"
  value       = aws_sqs_queue.this.no_such_attribute
}
output "c" {
  description = "x"
  value       = data.aws_region.current.region
}
output "d" {
  description = "x"
  value       = [for kind in ["room"] : "\${local.inside_for}/\${kind}"]
}
`);
    const problems = await checkReferences(config, schema);
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/local\.inside_for: no such local/);
    expect(problems.join('\n')).toMatch(/var\.missing: no such variable/);
    expect(problems.join('\n')).toMatch(/local\.nope: no such local/);
    expect(problems.join('\n')).toMatch(/aws_sqs_queue\.other\.arn: no such resource/);
    expect(problems.join('\n')).toMatch(/has no attribute no_such_attribute/);
    expect(problems.join('\n')).toMatch(/no such data source/);
  });

  test('reports a name declared twice across files', async () => {
    const config = await configFromSources('/snippet/root', {
      'a.tf': 'locals { x = 1 }',
      'b.tf': 'locals { x = 2 }',
    });
    expect(await checkReferences(config, schema)).toEqual([
      '/snippet/root: local "x" is declared twice',
    ]);
  });
});

describe('checkModuleCalls', () => {
  test('accepts a call with the required variables that reads an existing output', async () => {
    const config = await snippet(`
module "child" {
  source = "../child"
  name   = "a"
}
output "id" {
  description = "x"
  value       = module.child.id
}
`);
    expect(await checkModuleCalls(config, loadChild)).toEqual([]);
  });

  test('reports an unknown argument, a missing required variable and a missing output', async () => {
    const config = await snippet(`
module "child" {
  source = "../child"
  colour = "red"
}
output "id" {
  description = "x"
  value       = module.child.arn
}
`);
    expect(await checkModuleCalls(config, loadChild)).toEqual([
      '/snippet/root: module.child passes colour, which ../child does not declare',
      '/snippet/root: module.child does not set required variable name',
      '/snippet/root: output.id uses module.child.arn: module.child has no output arn',
    ]);
  });

  test('refuses a registry source, whose variables it cannot see', async () => {
    const config = await snippet('module "vpc" { source = "terraform-aws-modules/vpc/aws" }');
    expect(await checkModuleCalls(config, loadChild)).toEqual([
      '/snippet/root: module.vpc must use a local source, got terraform-aws-modules/vpc/aws',
    ]);
  });
});

describe('checkDocumented', () => {
  test('reports a variable without type or description and an output without description', async () => {
    const config = await snippet(`
variable "a" {}
output "b" { value = 1 }
`);
    expect(checkDocumented(config)).toEqual([
      '/snippet/root: variable a has no type',
      '/snippet/root: variable a has no description',
      '/snippet/root: output b has no description',
    ]);
  });
});

describe('checkSchema', () => {
  test('accepts real arguments, nested blocks and dynamic blocks', async () => {
    const config = await snippet(`
resource "aws_iot_topic_rule" "r" {
  name        = "a"
  enabled     = true
  sql         = "SELECT * FROM 'a/+'"
  sql_version = "2016-03-23"
  lambda { function_arn = "arn" }
  error_action {
    cloudwatch_logs {
      log_group_name = "g"
      role_arn       = "r"
    }
  }
}
resource "aws_elasticache_parameter_group" "p" {
  name   = "p"
  family = "valkey8"
  dynamic "parameter" {
    for_each = { a = "b" }
    content {
      name  = parameter.key
      value = parameter.value
    }
  }
}
`);
    expect(checkSchema(config, schema)).toEqual([]);
  });

  test('reports a misspelt argument, a misplaced nested argument, a missing required one and an unknown type', async () => {
    const config = await snippet(`
resource "aws_iot_topic_rule" "r" {
  name        = "a"
  enabled     = true
  sql_version = "2016-03-23"
  lambda { function = "arn" }
  errors_action {}
  dynamic "republish" {
    for_each = [1]
    content { topic_name = "x" }
  }
}
resource "aws_made_up_thing" "x" {}
`);
    expect(checkSchema(config, schema)).toEqual([
      '/snippet/root: aws_iot_topic_rule.r.republish: topic_name is not an argument of this type',
      '/snippet/root: aws_iot_topic_rule.r.republish: required argument role_arn is missing',
      '/snippet/root: aws_iot_topic_rule.r.republish: required argument topic is missing',
      '/snippet/root: aws_iot_topic_rule.r: errors_action is not an argument of this type',
      '/snippet/root: aws_iot_topic_rule.r.lambda: function is not an argument of this type',
      '/snippet/root: aws_iot_topic_rule.r.lambda: required argument function_arn is missing',
      '/snippet/root: aws_iot_topic_rule.r: required argument sql is missing',
      '/snippet/root: aws_made_up_thing.x: aws_made_up_thing is not in the provider schema',
    ]);
  });
});

describe('checkIam', () => {
  test('accepts scoped statements and the network-interface actions on *', async () => {
    const config = await snippet(`
data "aws_iam_policy_document" "ok" {
  statement {
    actions   = ["iot:Publish"]
    resources = ["arn:aws:iot:eu-west-1:1:topic/chat/room/*"]
  }
  statement {
    actions   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = data.aws_iam_policy_document.ok.json
}
`);
    expect(checkIam(config)).toEqual([]);
  });

  test('reports wildcard actions, * resources, NotAction and hand-written JSON policies', async () => {
    const config = await snippet(`
data "aws_iam_policy_document" "bad" {
  statement {
    sid       = "All"
    actions   = ["iot:*"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      not_actions = ["iam:PassRole"]
      resources   = ["arn:aws:s3:::b/*"]
    }
  }
}
resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = jsonencode({ Statement = [] })
}
`);
    expect(checkIam(config)).toEqual([
      '/snippet/root: data.aws_iam_policy_document.bad statement All: allows iot:*',
      '/snippet/root: data.aws_iam_policy_document.bad statement All: grants iot:* on * although a narrower resource exists',
      '/snippet/root: data.aws_iam_policy_document.bad statement 1: uses not_actions',
      '/snippet/root: aws_iam_role_policy.p must take its policy from an aws_iam_policy_document',
    ]);
  });
});

describe('checkSecretsHidden', () => {
  test('accepts an output of a secret ARN', async () => {
    const config = await snippet(`
resource "random_password" "t" { length = 32 }
resource "aws_secretsmanager_secret" "s" { name = "s" }
resource "aws_secretsmanager_secret_version" "v" {
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = random_password.t.result
}
output "arn" {
  description = "x"
  value       = aws_secretsmanager_secret.s.arn
}
`);
    expect(await checkSecretsHidden(config)).toEqual([]);
  });

  test('reports a leaked password, a secret variable, its output and a Lambda environment with a secret', async () => {
    const config = await snippet(`
variable "db_password" {
  description = "x"
  type        = string
}
variable "api_key" {
  description = "x"
  type        = string
  sensitive   = true
}
resource "random_password" "t" { length = 32 }
locals { token = random_password.t.result }
output "token" {
  description = "x"
  value       = local.token
}
output "key" {
  description = "x"
  value       = var.api_key
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "r"
  environment {
    variables = { KEY = var.api_key }
  }
}
`);
    expect(await checkSecretsHidden(config)).toEqual([
      '/snippet/root: variable db_password holds a secret and must be sensitive',
      '/snippet/root: output key shows sensitive var.api_key without sensitive = true',
      '/snippet/root: output token shows the secret random_password.t.result',
      '/snippet/root: aws_lambda_function.f puts var.api_key in its environment',
    ]);
  });
});

describe('checkRedisLambdasInVpc', () => {
  const lambda = (vpc: string) => `
locals {
  common = { REDIS_URL = "rediss://cache:6379" }
  fns    = { a = { environment = local.common } }
}
resource "aws_lambda_function" "f" {
  for_each      = local.fns
  function_name = each.key
  role          = "r"
  environment {
    variables = each.value.environment
  }
  ${vpc}
}
`;

  test('accepts a Redis Lambda with vpc_config, found through for_each and locals', async () => {
    const config = await snippet(
      lambda('vpc_config {\n subnet_ids = ["s"]\n security_group_ids = ["g"]\n }'),
    );
    expect(await checkRedisLambdasInVpc(config)).toEqual([]);
  });

  test('reports a Redis Lambda without vpc_config', async () => {
    expect(await checkRedisLambdasInVpc(await snippet(lambda('')))).toEqual([
      '/snippet/root: aws_lambda_function.f uses Redis but has no vpc_config with subnets and security groups',
    ]);
  });
});

describe('checkUnusedAndNaming', () => {
  test('accepts a config that reads everything it declares', async () => {
    const config = await snippet(`
variable "name" {
  type        = string
  description = "x"
}
data "aws_region" "current" {}
locals { label = "\${var.name}@\${data.aws_region.current.region}" }
output "label" {
  description = "x"
  value       = local.label
}
`);
    expect(await checkUnusedAndNaming(config)).toEqual([]);
  });

  test('reports an unused variable, local and data source, and a name that is not snake_case', async () => {
    const config = await snippet(`
variable "unused" {
  type        = string
  description = "x"
}
locals { spare = 1 }
data "aws_region" "current" {}
resource "aws_sqs_queue" "FailedEvents" { name = "q" }
`);
    expect(await checkUnusedAndNaming(config)).toEqual([
      '/snippet/root: var.unused is declared but never used',
      '/snippet/root: local.spare is declared but never used',
      '/snippet/root: data.aws_region.current is declared but never used',
      '/snippet/root: FailedEvents is not snake_case',
    ]);
  });
});

describe('ephemeral resources', () => {
  const config = () =>
    snippet(`
ephemeral "random_password" "t" {
  length  = 32
  special = false
}
resource "aws_secretsmanager_secret_version" "v" {
  secret_id                = "s"
  secret_string_wo         = ephemeral.random_password.t.result
  secret_string_wo_version = 1
}
`);

  test('are checked against the schema and count as used', async () => {
    expect(await checkReferences(await config(), schema)).toEqual([]);
    expect(checkSchema(await config(), schema)).toEqual([]);
    expect(await checkUnusedAndNaming(await config())).toEqual([]);
  });

  test('report a wrong argument, a missing declaration, a missing attribute and an unused one', async () => {
    const broken = await snippet(`
ephemeral "random_password" "t" { size = 32 }
ephemeral "random_password" "spare" { length = 8 }
output "a" {
  description = "x"
  value       = ephemeral.random_password.other.result
}
output "b" {
  description = "x"
  value       = ephemeral.random_password.t.no_such
}
`);
    expect(checkSchema(broken, schema)).toEqual([
      '/snippet/root: ephemeral.random_password.t: size is not an argument of this type',
      '/snippet/root: ephemeral.random_password.t: required argument length is missing',
    ]);
    expect(await checkReferences(broken, schema)).toEqual([
      '/snippet/root: output.a uses ephemeral.random_password.other.result: no such ephemeral resource',
      '/snippet/root: output.b uses ephemeral.random_password.t.no_such: random_password has no attribute no_such',
    ]);
    expect(await checkUnusedAndNaming(broken)).toEqual([
      '/snippet/root: ephemeral.random_password.spare is declared but never used',
    ]);
    expect(await checkSecretsHidden(broken)).toEqual([
      '/snippet/root: output a shows the secret ephemeral.random_password.other.result',
      '/snippet/root: output b shows the secret ephemeral.random_password.t.no_such',
    ]);
  });
});

describe('checkSecretVersionsWriteOnly', () => {
  test('accepts a write-only version', async () => {
    const config = await snippet(`
resource "aws_secretsmanager_secret_version" "v" {
  secret_id                = "s"
  secret_string_wo         = "x"
  secret_string_wo_version = 1
}
`);
    expect(checkSecretVersionsWriteOnly(config)).toEqual([]);
  });

  test('reports a value kept in the state and a write-only value without a version', async () => {
    const config = await snippet(`
resource "aws_secretsmanager_secret_version" "plain" {
  secret_id     = "s"
  secret_string = "x"
}
resource "aws_secretsmanager_secret_version" "unversioned" {
  secret_id        = "s"
  secret_string_wo = "x"
}
`);
    expect(checkSecretVersionsWriteOnly(config)).toEqual([
      '/snippet/root: aws_secretsmanager_secret_version.plain sets secret_string, which is kept in the state',
      '/snippet/root: aws_secretsmanager_secret_version.plain must set secret_string_wo and secret_string_wo_version',
      '/snippet/root: aws_secretsmanager_secret_version.unversioned must set secret_string_wo and secret_string_wo_version',
    ]);
  });
});

describe('checkQueueEncryption', () => {
  test('accepts SSE-SQS that turns null under a customer managed key, and a queue without a key', async () => {
    const config = await snippet(`
resource "aws_sqs_queue" "a" {
  name                    = "a"
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  kms_master_key_id       = var.kms_key_arn
}
resource "aws_sqs_queue" "b" {
  name                    = "b"
  sqs_managed_sse_enabled = true
}
`);
    expect(checkQueueEncryption(config)).toEqual([]);
  });

  test('reports the review A2 form, which is an explicit false next to the key', async () => {
    const config = await snippet(`
resource "aws_sqs_queue" "a" {
  name                    = "a"
  sqs_managed_sse_enabled = var.kms_key_arn == null
  kms_master_key_id       = var.kms_key_arn
}
`);
    expect(checkQueueEncryption(config)).toEqual([
      '/snippet/root: aws_sqs_queue.a sets sqs_managed_sse_enabled to "${var.kms_key_arn == null}" next to kms_master_key_id; use ${var.kms_key_arn == null ? true : null}',
    ]);
  });
});

describe('checkIam: conditions and managed policies', () => {
  test('accepts * narrowed by a condition, and ReadOnlyAccess', async () => {
    const config = await snippet(`
data "aws_iam_policy_document" "ok" {
  statement {
    actions   = ["ec2:CreateVpc"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = ["dev"]
    }
  }
}
resource "aws_iam_role_policy_attachment" "read" {
  role       = "r"
  policy_arn = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}
`);
    expect(checkIam(config)).toEqual([]);
  });

  test('reports * without a condition and any other managed policy', async () => {
    const config = await snippet(`
data "aws_iam_policy_document" "bad" {
  statement {
    sid       = "Open"
    actions   = ["ec2:CreateVpc"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = "r"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
`);
    expect(checkIam(config)).toEqual([
      '/snippet/root: data.aws_iam_policy_document.bad statement Open: grants ec2:CreateVpc on * although a narrower resource exists',
      '/snippet/root: aws_iam_role_policy_attachment.admin attaches arn:aws:iam::aws:policy/AdministratorAccess, not ReadOnlyAccess',
    ]);
  });
});
