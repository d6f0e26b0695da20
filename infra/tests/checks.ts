/**
 * The static checks the tests run on every Terraform folder. Each returns a list of problems
 * (empty when the folder is fine), so a test can show all of them at once, and so the checks
 * themselves can be tested on snippets that are broken on purpose.
 */
import { resolve } from 'node:path';
import {
  attributeAfter,
  blocks,
  closureOf,
  dynamicBlocks,
  type HclBody,
  type HclValue,
  isBody,
  labelledBodies,
  referencesOf,
  splitReference,
  type TfConfig,
} from './hcl.js';

export interface SchemaBlock {
  readonly attributes: Readonly<Record<string, { readonly required: boolean }>>;
  readonly blocks: Readonly<Record<string, SchemaBlock & { readonly required: boolean }>>;
}
export interface SchemaType extends SchemaBlock {
  /** Every attribute an expression may read, computed ones included. */
  readonly readable: readonly string[];
}
export interface ProviderSchema {
  readonly resource: Readonly<Record<string, SchemaType>>;
  readonly data: Readonly<Record<string, SchemaType>>;
  readonly ephemeral: Readonly<Record<string, SchemaType>>;
}

const RESOURCE_TYPE = /^(aws|random)_[a-z0-9_]+$/;
const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']);
const MODULE_META_ARGUMENTS = new Set([
  'source',
  'version',
  'providers',
  'count',
  'for_each',
  'depends_on',
]);

function typeHas(type: SchemaType, attribute: string): boolean {
  return (
    type.readable.includes(attribute) || attribute in type.attributes || attribute in type.blocks
  );
}

/** Every `var.`, `local.`, resource and data reference names something declared. */
export async function checkReferences(config: TfConfig, schema: ProviderSchema): Promise<string[]> {
  const problems = [...config.duplicates.map((problem) => `${config.dir}: ${problem}`)];
  for (const [where, body] of labelledBodies(config)) {
    for (const reference of await referencesOf(body)) {
      const [root, name] = splitReference(reference).map((part) => part.name);
      const fail = (why: string) =>
        problems.push(`${config.dir}: ${where} uses ${reference}: ${why}`);
      if (root === undefined || name === undefined) continue;
      if (root === 'var' && !(name in config.variables)) fail('no such variable');
      else if (root === 'local' && !(name in config.locals)) fail('no such local');
      else if (root === 'module' && !(name in config.modules)) fail('no such module');
      else if (root === 'data' || root === 'ephemeral') {
        const declaredName = splitReference(reference)[2]?.name;
        const declared = root === 'data' ? config.data : config.ephemeral;
        const type = schema[root][name];
        const what = root === 'data' ? 'data source' : 'ephemeral resource';
        if (!declaredName || !declared[name]?.[declaredName]) fail(`no such ${what}`);
        else if (!type) fail(`${what} type ${name} is not in the provider schema`);
        else {
          const attribute = attributeAfter(reference, 3);
          if (attribute && !typeHas(type, attribute)) fail(`${name} has no attribute ${attribute}`);
        }
      } else if (RESOURCE_TYPE.test(root)) {
        const type = schema.resource[root];
        if (!config.resources[root]?.[name]) fail('no such resource');
        else if (!type) fail(`resource type ${root} is not in the provider schema`);
        else {
          const attribute = attributeAfter(reference, 2);
          if (attribute && !typeHas(type, attribute)) fail(`${root} has no attribute ${attribute}`);
        }
      }
    }
  }
  return problems;
}

/**
 * Module calls pass only declared variables and every required one, and `module.x.y` names an
 * output that module has. `load` reads the called module's folder.
 */
export async function checkModuleCalls(
  config: TfConfig,
  load: (dir: string) => Promise<TfConfig>,
): Promise<string[]> {
  const problems: string[] = [];
  const targets = new Map<string, TfConfig>();
  for (const [name, call] of Object.entries(config.modules)) {
    const source = call.source;
    if (typeof source !== 'string' || !/^\.\.?\//.test(source)) {
      problems.push(`${config.dir}: module.${name} must use a local source, got ${String(source)}`);
      continue;
    }
    const target = await load(resolve(config.dir, source));
    targets.set(name, target);
    const passed = Object.keys(call).filter((key) => !MODULE_META_ARGUMENTS.has(key));
    for (const argument of passed) {
      if (!(argument in target.variables)) {
        problems.push(
          `${config.dir}: module.${name} passes ${argument}, which ${source} does not declare`,
        );
      }
    }
    for (const [variable, declaration] of Object.entries(target.variables)) {
      if (!('default' in declaration) && !passed.includes(variable)) {
        problems.push(`${config.dir}: module.${name} does not set required variable ${variable}`);
      }
    }
  }
  for (const [where, body] of labelledBodies(config)) {
    for (const reference of await referencesOf(body)) {
      const [root, name, output] = splitReference(reference).map((part) => part.name);
      if (root !== 'module' || !name || !output) continue;
      const target = targets.get(name);
      if (target && !(output in target.outputs)) {
        problems.push(
          `${config.dir}: ${where} uses ${reference}: module.${name} has no output ${output}`,
        );
      }
    }
  }
  return problems;
}

/** Every variable has a type and a description; every output a description and a value. */
export function checkDocumented(config: TfConfig): string[] {
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(config.variables)) {
    if (!('type' in variable)) problems.push(`${config.dir}: variable ${name} has no type`);
    if (typeof variable.description !== 'string' || variable.description.trim() === '') {
      problems.push(`${config.dir}: variable ${name} has no description`);
    }
  }
  for (const [name, output] of Object.entries(config.outputs)) {
    if (typeof output.description !== 'string' || output.description.trim() === '') {
      problems.push(`${config.dir}: output ${name} has no description`);
    }
    if (!('value' in output)) problems.push(`${config.dir}: output ${name} has no value`);
  }
  return problems;
}

function checkBlockAgainstSchema(body: HclBody, schema: SchemaBlock, where: string): string[] {
  const problems: string[] = [];
  const present = new Set(Object.keys(body));
  for (const [name, definition] of dynamicBlocks(body)) {
    present.add(name);
    const child = schema.blocks[name];
    if (!child) {
      problems.push(`${where}: dynamic "${name}" is not a block of this type`);
      continue;
    }
    for (const content of blocks(definition, 'content')) {
      problems.push(...checkBlockAgainstSchema(content, child, `${where}.${name}`));
    }
  }
  for (const [key, value] of Object.entries(body)) {
    if (META_ARGUMENTS.has(key) || key === 'dynamic') continue;
    const child = schema.blocks[key];
    if (child) {
      const children = Array.isArray(value) ? value.filter(isBody) : [];
      if (children.length === 0) problems.push(`${where}: ${key} is a block, not an argument`);
      for (const nested of children) {
        problems.push(...checkBlockAgainstSchema(nested, child, `${where}.${key}`));
      }
    } else if (!(key in schema.attributes)) {
      problems.push(`${where}: ${key} is not an argument of this type`);
    }
  }
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (attribute.required && !present.has(name)) {
      problems.push(`${where}: required argument ${name} is missing`);
    }
  }
  for (const [name, child] of Object.entries(schema.blocks)) {
    if (child.required && !present.has(name)) {
      problems.push(`${where}: required block ${name} is missing`);
    }
  }
  return problems;
}

/** Every resource and data block uses only arguments and blocks the provider schema has. */
export function checkSchema(config: TfConfig, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  for (const kind of ['resource', 'data', 'ephemeral'] as const) {
    const declared = { resource: config.resources, data: config.data, ephemeral: config.ephemeral }[
      kind
    ];
    for (const [type, named] of Object.entries(declared)) {
      const typeSchema = schema[kind][type];
      for (const [name, body] of Object.entries(named)) {
        const where = `${config.dir}: ${kind === 'resource' ? '' : `${kind}.`}${type}.${name}`;
        if (!typeSchema) problems.push(`${where}: ${type} is not in the provider schema`);
        else problems.push(...checkBlockAgainstSchema(body, typeSchema, where));
      }
    }
  }
  return problems;
}

/**
 * Actions AWS defines no resource-level permission for (Describe*), and the network-interface
 * calls Lambda makes with a VPC function's execution role; AWSLambdaVPCAccessExecutionRole
 * grants exactly these on `*`.
 */
export const ACTIONS_WITHOUT_RESOURCE_SCOPE = new Set([
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

function statementsOf(document: HclBody): HclBody[] {
  const direct = blocks(document, 'statement');
  const dynamic = dynamicBlocks(document)
    .filter(([name]) => name === 'statement')
    .flatMap(([, definition]) => blocks(definition, 'content'));
  return [...direct, ...dynamic];
}

function strings(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** AWS managed policies a role may have attached: read-only ones only. */
const READ_ONLY_MANAGED_POLICY = /^arn:(aws[a-z-]*|\$\{[^}]+\}):iam::aws:policy\/ReadOnlyAccess$/;

/**
 * No IAM statement allows `*` (or `service:*`) actions, no `not_*` escapes, and `*` resources
 * only for the actions that have nothing narrower, or narrowed by a condition (a tag or the
 * Region, for resources whose ARNs carry ids rather than names). Policies must come from policy
 * documents, so that this check sees them; the only managed policy attached is ReadOnlyAccess.
 */
export function checkIam(config: TfConfig): string[] {
  const problems: string[] = [];
  for (const [name, document] of Object.entries(config.data.aws_iam_policy_document ?? {})) {
    for (const [index, statement] of statementsOf(document).entries()) {
      const where = `${config.dir}: data.aws_iam_policy_document.${name} statement ${statement.sid ?? index}`;
      if (statement.effect === 'Deny') continue;
      const actions = strings(statement.actions);
      for (const action of actions) {
        if (action === '*' || action.endsWith(':*')) problems.push(`${where}: allows ${action}`);
      }
      for (const broad of ['not_actions', 'not_resources']) {
        if (broad in statement) problems.push(`${where}: uses ${broad}`);
      }
      const conditioned = blocks(statement, 'condition').length > 0;
      if (strings(statement.resources).includes('*') && !conditioned) {
        const unscoped = actions.filter((action) => !ACTIONS_WITHOUT_RESOURCE_SCOPE.has(action));
        if (unscoped.length > 0) {
          problems.push(
            `${where}: grants ${unscoped.join(', ')} on * although a narrower resource exists`,
          );
        }
      }
    }
  }
  for (const [name, body] of Object.entries(
    config.resources.aws_iam_role_policy_attachment ?? {},
  )) {
    if (typeof body.policy_arn !== 'string' || !READ_ONLY_MANAGED_POLICY.test(body.policy_arn)) {
      problems.push(
        `${config.dir}: aws_iam_role_policy_attachment.${name} attaches ${String(body.policy_arn)}, not ReadOnlyAccess`,
      );
    }
  }
  for (const kind of ['aws_iam_role_policy', 'aws_iam_policy']) {
    for (const [name, body] of Object.entries(config.resources[kind] ?? {})) {
      const policy = body.policy;
      if (
        typeof policy !== 'string' ||
        !/^\$\{data\.aws_iam_policy_document\.[a-z0-9_]+(\[[^\]]+\])?\.json\}$/.test(policy)
      ) {
        problems.push(
          `${config.dir}: ${kind}.${name} must take its policy from an aws_iam_policy_document`,
        );
      }
    }
  }
  return problems;
}

/** Attributes that hold a secret value in clear. */
const SECRET_ATTRIBUTES: readonly RegExp[] = [
  /^random_password\./,
  /^ephemeral\./,
  /^aws_secretsmanager_secret_version\.[^.[]+(\[[^\]]*\])?\.secret_string$/,
  /^aws_elasticache_replication_group\.[^.[]+(\[[^\]]*\])?\.auth_token$/,
];
const SECRET_VARIABLE_NAME = /(password|auth_token|private_key|token_secret|secret_string)$/;

function sensitiveVariables(config: TfConfig): Set<string> {
  return new Set(
    Object.entries(config.variables)
      .filter(([, variable]) => variable.sensitive === true)
      .map(([name]) => name),
  );
}

/**
 * Secrets stay secret: variables named like secret values are `sensitive`, no output shows a
 * secret attribute, an output of a sensitive variable is itself sensitive, and no Lambda gets a
 * secret value in its environment (it gets the secret's ARN instead).
 */
export async function checkSecretsHidden(config: TfConfig): Promise<string[]> {
  const problems: string[] = [];
  const sensitive = sensitiveVariables(config);
  for (const [name, variable] of Object.entries(config.variables)) {
    if (SECRET_VARIABLE_NAME.test(name) && variable.sensitive !== true) {
      problems.push(`${config.dir}: variable ${name} holds a secret and must be sensitive`);
    }
  }
  for (const [name, output] of Object.entries(config.outputs)) {
    const closure = await closureOf(config, { value: output.value ?? null });
    for (const reference of (await Promise.all(closure.map(referencesOf))).flat()) {
      if (SECRET_ATTRIBUTES.some((pattern) => pattern.test(reference))) {
        problems.push(`${config.dir}: output ${name} shows the secret ${reference}`);
      }
      const [root, variable] = splitReference(reference).map((part) => part.name);
      if (root === 'var' && variable && sensitive.has(variable) && output.sensitive !== true) {
        problems.push(
          `${config.dir}: output ${name} shows sensitive var.${variable} without sensitive = true`,
        );
      }
    }
  }
  for (const [name, fn] of Object.entries(config.resources.aws_lambda_function ?? {})) {
    // for_each comes along because `each.value.environment` is one of its entries.
    const closure = await closureOf(config, {
      environment: blocks(fn, 'environment'),
      for_each: fn.for_each ?? null,
    });
    for (const reference of (await Promise.all(closure.map(referencesOf))).flat()) {
      const [root, variable] = splitReference(reference).map((part) => part.name);
      const secretVariable = root === 'var' && variable !== undefined && sensitive.has(variable);
      if (secretVariable || SECRET_ATTRIBUTES.some((pattern) => pattern.test(reference))) {
        problems.push(
          `${config.dir}: aws_lambda_function.${name} puts ${reference} in its environment`,
        );
      }
    }
  }
  return problems;
}

/** A Lambda whose configuration mentions REDIS_URL must run in the VPC, next to the cache. */
export async function checkRedisLambdasInVpc(config: TfConfig): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, fn] of Object.entries(config.resources.aws_lambda_function ?? {})) {
    const closure = JSON.stringify(await closureOf(config, fn));
    if (!closure.includes('REDIS_URL')) continue;
    const [vpc] = blocks(fn, 'vpc_config');
    if (!vpc || !('subnet_ids' in vpc) || !('security_group_ids' in vpc)) {
      problems.push(
        `${config.dir}: aws_lambda_function.${name} uses Redis but has no vpc_config with subnets and security groups`,
      );
    }
  }
  return problems;
}

/**
 * What tflint's terraform_unused_declarations and terraform_naming_convention report: a
 * variable, local or data source nobody reads, and names that are not snake_case.
 */
export async function checkUnusedAndNaming(config: TfConfig): Promise<string[]> {
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [, body] of labelledBodies(config)) {
    for (const reference of await referencesOf(body)) {
      const parts = splitReference(reference).map((part) => part.name);
      const [root, name, dataName] = parts;
      if (root === 'var' || root === 'local') used.add(`${root}.${name}`);
      if (root === 'data' || root === 'ephemeral') used.add(`${root}.${name}.${dataName}`);
    }
  }
  const declared = [
    ...Object.keys(config.variables).map((name) => `var.${name}`),
    ...Object.keys(config.locals).map((name) => `local.${name}`),
    ...Object.entries(config.data).flatMap(([type, named]) =>
      Object.keys(named).map((name) => `data.${type}.${name}`),
    ),
    ...Object.entries(config.ephemeral).flatMap(([type, named]) =>
      Object.keys(named).map((name) => `ephemeral.${type}.${name}`),
    ),
  ];
  for (const name of declared) {
    if (!used.has(name)) problems.push(`${config.dir}: ${name} is declared but never used`);
  }
  const names = [
    ...declared.map((name) => name.split('.').pop() ?? ''),
    ...Object.keys(config.outputs),
    ...Object.keys(config.modules),
    ...Object.values(config.resources).flatMap((named) => Object.keys(named)),
  ];
  for (const name of names) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push(`${config.dir}: ${name} is not snake_case`);
  }
  return problems;
}

/**
 * Secret versions are write-only (`secret_string_wo` with `secret_string_wo_version`): the
 * value stays out of the state and the plan, and refresh lists version ids instead of calling
 * GetSecretValue, so a plan role without that permission can refresh them.
 */
export function checkSecretVersionsWriteOnly(config: TfConfig): string[] {
  const problems: string[] = [];
  for (const [name, body] of Object.entries(
    config.resources.aws_secretsmanager_secret_version ?? {},
  )) {
    const where = `${config.dir}: aws_secretsmanager_secret_version.${name}`;
    for (const readable of ['secret_string', 'secret_binary']) {
      if (readable in body) problems.push(`${where} sets ${readable}, which is kept in the state`);
    }
    if (!('secret_string_wo' in body) || !('secret_string_wo_version' in body)) {
      problems.push(`${where} must set secret_string_wo and secret_string_wo_version`);
    }
  }
  return problems;
}

/**
 * A queue that may be encrypted with a customer managed key leaves `sqs_managed_sse_enabled`
 * null when the key is set: the provider declares the two ConflictsWith, and an explicit
 * `false` counts as set.
 */
export function checkQueueEncryption(config: TfConfig): string[] {
  const problems: string[] = [];
  for (const [name, body] of Object.entries(config.resources.aws_sqs_queue ?? {})) {
    const key = body.kms_master_key_id;
    if (typeof key !== 'string' || !('sqs_managed_sse_enabled' in body)) continue;
    const keyExpression = /^\$\{(.+)\}$/.exec(key)?.[1];
    const expected = keyExpression ? `\${${keyExpression} == null ? true : null}` : undefined;
    if (body.sqs_managed_sse_enabled !== expected) {
      problems.push(
        `${config.dir}: aws_sqs_queue.${name} sets sqs_managed_sse_enabled to ${JSON.stringify(body.sqs_managed_sse_enabled)} next to kms_master_key_id; use ${expected ?? 'no sqs_managed_sse_enabled'}`,
      );
    }
  }
  return problems;
}
