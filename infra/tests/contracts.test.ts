/**
 * The Terraform agrees with the rest of the repository: SPEC's topics, the history function's
 * route table, the zips `pnpm build` writes, the settings in docs/design.md, and AWS's limits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_SECONDS,
  ROUTE_KEYS,
} from '@game-chat/history-api/routes';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { createTopics } from '@game-chat/protocol/topics';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { blocks, type HclBody, type HclValue, isBody, type TfConfig } from './hcl.js';
import { ENVS, infraDir, load, repoDir } from './paths.js';

const RULE_FILES = { send: 'chat-send.sql', whisper: 'chat-whisper.sql' } as const;

function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

function resource(config: TfConfig, type: string, name: string): HclBody {
  const body = config.resources[type]?.[name];
  expect(body, `${type}.${name} in ${config.dir}`).toBeDefined();
  return body as HclBody;
}

/** MQTT topic-filter matching: `+` one level, `#` the rest (not the parent, as on IoT Core). */
function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (const [i, level] of f.entries()) {
    if (level === '#') return t.length > i;
    if (t[i] === undefined || (level !== '+' && level !== t[i])) return false;
  }
  return f.length === t.length;
}

/** The rule SQL as Terraform's templatefile() would render it for a prefix. */
function renderRule(kind: keyof typeof RULE_FILES, prefix: string): string {
  const template = readFileSync(join(infraDir, 'rules', RULE_FILES[kind]), 'utf8');
  return template.replaceAll('${topic_prefix}', prefix);
}

function fromFilter(sql: string): string | undefined {
  return /\bFROM\s+'([^']*)'/i.exec(sql)?.[1];
}

describe('topic rules (SPEC §3)', () => {
  test('FROM filters match the send and whisper topics for the default prefix', () => {
    const topics = createTopics('chat');
    expect(fromFilter(renderRule('send', 'chat'))).toBe(topics.filter('send'));
    expect(fromFilter(renderRule('whisper', 'chat'))).toBe(topics.filter('whisper'));
    expect(topics.filter('send')).toBe('chat/send/+');
    expect(topics.filter('whisper')).toBe('chat/whisper/+');
  });

  test('FROM filters follow any valid prefix, and never match what the filter publishes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/), (prefix) => {
        const topics = createTopics(prefix);
        for (const kind of ['send', 'whisper'] as const) {
          const filter = fromFilter(renderRule(kind, prefix));
          expect(filter).toBe(topics.filter(kind));
          // Republishing onto a rule's own topic would loop the rule.
          const name = 'Town137';
          expect(filterMatches(filter ?? '', topics.room(name as ChannelName))).toBe(false);
          expect(filterMatches(filter ?? '', topics.inbox(name as PlayerId))).toBe(false);
          expect(filterMatches(filter ?? '', topics[kind](name as ChannelName & PlayerId))).toBe(
            true,
          );
        }
      }),
    );
  });

  test('the SQL has one prefix placeholder, no comments (IoT SQL has none) and base64 payloads', () => {
    for (const kind of ['send', 'whisper'] as const) {
      const template = readFileSync(join(infraDir, 'rules', RULE_FILES[kind]), 'utf8');
      expect(template.match(/\$\{topic_prefix\}/g)).toHaveLength(1);
      expect(template).not.toMatch(/--|\/\*/);
      expect(template).toMatch(/encode\(\*,\s*'base64'\)\s+AS\s+payload/i);
    }
  });

  test('iot-chat renders exactly these files with templatefile() and the prefix', async () => {
    const config = await load('modules/iot-chat');
    expect(config.locals.rules).toEqual(RULE_FILES);
    const rule = resource(config, 'aws_iot_topic_rule', 'this');
    expect(rule.for_each).toBe('${local.rules}');
    expect(rule.sql).toBe(
      '${trimspace(templatefile("${local.rules_dir}/${each.value}", { topic_prefix = var.topic_prefix }))}',
    );
    expect(config.locals.rules_dir).toBe(
      '${coalesce(var.rules_dir, "${path.module}/../../rules")}',
    );
    expect(rule.sql_version).toBe('2016-03-23');
  });

  test('rule names are valid IoT rule names for every environment', async () => {
    const rule = resource(await load('modules/iot-chat'), 'aws_iot_topic_rule', 'this');
    expect(rule.name).toBe('${replace("${var.name}_${each.key}", "-", "_")}');
    for (const env of ENVS) {
      const { name } = only(Object.values((await load(`envs/${env}`)).modules), 'one module');
      for (const key of Object.keys(RULE_FILES)) {
        expect(`${name}_${key}`.replaceAll('-', '_')).toMatch(/^[a-zA-Z0-9_]{1,128}$/);
      }
    }
  });

  test('each rule invokes the filter, has an error action, and may invoke only from its own ARN', async () => {
    const config = await load('modules/iot-chat');
    const rule = resource(config, 'aws_iot_topic_rule', 'this');
    expect(only(blocks(rule, 'lambda'), 'lambda action').function_arn).toBe(
      '${var.message_filter_function_arn}',
    );
    const errorAction = only(blocks(rule, 'error_action'), 'error action');
    expect(only(blocks(errorAction, 'cloudwatch_logs'), 'log action').log_group_name).toBe(
      '${aws_cloudwatch_log_group.rule_errors.name}',
    );
    const permission = resource(config, 'aws_lambda_permission', 'rule');
    expect(permission).toMatchObject({
      for_each: '${local.rules}',
      action: 'lambda:InvokeFunction',
      principal: 'iot.amazonaws.com',
      source_arn: '${aws_iot_topic_rule.this[each.key].arn}',
      source_account: '${data.aws_caller_identity.current.account_id}',
    });
  });
});

describe('custom authorizer (SPEC §4)', () => {
  test('is active, verifies tokens itself, and only it may invoke the function', async () => {
    const config = await load('modules/iot-chat');
    expect(resource(config, 'aws_iot_authorizer', 'this')).toMatchObject({
      authorizer_function_arn: '${var.authorizer_function_arn}',
      signing_disabled: true,
      status: 'ACTIVE',
    });
    expect(resource(config, 'aws_lambda_permission', 'authorizer')).toMatchObject({
      principal: 'iot.amazonaws.com',
      source_arn: '${aws_iot_authorizer.this.arn}',
    });
  });

  test('the authorizer function times out within the 5 s IoT Core waits', async () => {
    const timeout = (await load('modules/chat-functions')).variables.timeout as HclBody;
    expect(timeout.type).toMatch(/authorizer\s*=\s*optional\(number,\s*([1-5])\)/);
    const conditions = blocks(timeout, 'validation').map((v) => v.condition);
    expect(conditions).toContain('${var.timeout.authorizer <= 5}');
  });
});

describe('functions', () => {
  const lambdaPackages = readdirSync(join(repoDir, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => {
      const manifest = JSON.parse(
        readFileSync(join(repoDir, 'packages', name, 'package.json'), 'utf8'),
      ) as { scripts?: { build?: string } };
      return /bundle-lambda\.mjs\s+(\S+)/.exec(manifest.scripts?.build ?? '')?.[1];
    })
    .filter((name): name is string => name !== undefined)
    .sort();

  test('are exactly the packages that build a Lambda bundle', async () => {
    const config = await load('modules/chat-functions');
    expect(lambdaPackages).toEqual(['authorizer', 'history-api', 'message-filter']);
    expect(Object.keys(config.locals.functions as HclBody).sort()).toEqual(lambdaPackages);
  });

  test('load the zips where `pnpm build` writes them, with handler.mjs exporting handler', async () => {
    const bundler = readFileSync(join(repoDir, 'scripts', 'bundle-lambda.mjs'), 'utf8');
    expect(bundler).toContain("const zipPath = join(root, 'dist', 'lambda', `${name}.zip`);");
    expect(bundler).toContain("outfile: join(outDir, 'handler.mjs'),");
    expect(bundler).toContain("const files = ['handler.mjs', 'handler.mjs.map']");

    const fn = resource(await load('modules/chat-functions'), 'aws_lambda_function', 'this');
    expect(fn.filename).toBe('${var.artifacts_dir}/${each.key}.zip');
    expect(fn.source_code_hash).toBe('${filebase64sha256("${var.artifacts_dir}/${each.key}.zip")}');
    expect(fn.handler).toBe('handler.handler');

    for (const env of ENVS) {
      const envDir = join(infraDir, 'envs', env);
      const call = only(Object.values((await load(`envs/${env}`)).modules), 'one module');
      const artifacts = String(call.artifacts_dir).replace('${path.root}', envDir);
      expect(resolve(artifacts), env).toBe(join(repoDir, 'dist', 'lambda'));
    }
  });

  test('run Node 20 or 22 on arm64 with source maps', async () => {
    const config = await load('modules/chat-functions');
    const fn = resource(config, 'aws_lambda_function', 'this');
    expect(fn.architectures).toEqual(['arm64']);
    expect(fn.runtime).toBe('${var.runtime}');
    const runtime = config.variables.runtime as HclBody;
    expect(runtime.default).toMatch(/^nodejs(20|22)\.x$/);
    expect(only(blocks(runtime, 'validation'), 'runtime validation').condition).toBe(
      '${contains(["nodejs20.x", "nodejs22.x"], var.runtime)}',
    );
    expect((config.locals.common_environment as HclBody).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  test('get every setting of docs/design.md, secrets by ARN', () => {
    const design = readFileSync(join(repoDir, 'docs', 'design.md'), 'utf8');
    const table = design.slice(design.indexOf('## Lambda settings'), design.indexOf('## Errors'));
    const settings = [...table.matchAll(/^\| (`[A-Z_]+`(?: \/ `[A-Z_]+`)*) +\|/gm)].flatMap((row) =>
      [...(row[1] ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1] as string),
    );
    expect(settings).toContain('REDIS_URL');
    const main = readFileSync(join(infraDir, 'modules', 'chat-functions', 'main.tf'), 'utf8');
    const assigned = new Set([...main.matchAll(/\b([A-Z][A-Z0-9_]+)\s+=/g)].map((m) => m[1]));
    // The token secret travels as the ARN of a Secrets Manager secret, never in clear.
    const expected = settings.map((name) => (name === 'CHAT_TOKEN_SECRET' ? `${name}_ARN` : name));
    expect(expected.filter((name) => !assigned.has(name))).toEqual([]);
    expect(assigned.has('CHAT_TOKEN_SECRET')).toBe(false);
    expect(assigned.has('CHAT_REDIS_AUTH_SECRET_ARN')).toBe(true);
  });

  test('publish only to the room and inbox topics of the prefix', async () => {
    const config = await load('modules/chat-functions');
    const template = String(config.locals.publish_topic_arns);
    const kinds = /for kind in \[([^\]]*)\]/.exec(template)?.[1]?.match(/"(\w+)"/g);
    expect(kinds?.map((k) => k.slice(1, -1))).toEqual(['room', 'inbox']);
    expect(template).toContain(':topic/${var.topic_prefix}/${kind}/*"');
    const topics = createTopics('chat');
    const granted = (kinds ?? []).map((k) => `chat/${k.slice(1, -1)}/*`);
    expect(granted).toEqual([topics.room('*' as ChannelName), topics.inbox('*' as PlayerId)]);
    const document = config.data.aws_iam_policy_document?.function as HclBody;
    const publish = (document.dynamic as HclBody).statement as HclValue[];
    const grants = publish.filter(isBody).filter((d) => JSON.stringify(d).includes('iot:Publish'));
    expect(only(grants, 'one iot:Publish statement').for_each).toBe(
      '${each.value.publishes ? [local.publish_topic_arns] : []}',
    );
  });

  test('drop async events older than a minute to a queue after two retries', async () => {
    const config = await load('modules/chat-functions');
    const invoke = resource(config, 'aws_lambda_function_event_invoke_config', 'message_filter');
    expect(invoke.maximum_event_age_in_seconds).toBe(60);
    expect(invoke.maximum_retry_attempts).toBe(2);
    const destination = only(blocks(invoke, 'destination_config'), 'destination');
    expect(only(blocks(destination, 'on_failure'), 'on failure').destination).toBe(
      '${aws_sqs_queue.failed_events.arn}',
    );
  });
});

describe('cache', () => {
  test('has TLS, encryption at rest, an AUTH token and Multi-AZ failover', async () => {
    const config = await load('modules/chat-cache');
    const group = resource(config, 'aws_elasticache_replication_group', 'this');
    expect(group).toMatchObject({
      transit_encryption_enabled: true,
      transit_encryption_mode: 'required',
      at_rest_encryption_enabled: true,
      auth_token: '${random_password.auth_token.result}',
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      num_cache_clusters: '${1 + var.replica_count}',
      subnet_group_name: '${aws_elasticache_subnet_group.this.name}',
      parameter_group_name: '${aws_elasticache_parameter_group.this.name}',
      snapshot_window: '${var.snapshot_window}',
      maintenance_window: '${var.maintenance_window}',
    });
    const replicas = config.variables.replica_count as HclBody;
    expect(Number(replicas.default)).toBeGreaterThanOrEqual(1);
    expect(blocks(replicas, 'validation').map((v) => v.condition)).toContain(
      '${var.replica_count >= 1 && var.replica_count <= 5}',
    );
  });

  test('keeps the token in Secrets Manager, alphanumeric within the 16-128 AUTH limit', async () => {
    const config = await load('modules/chat-cache');
    const token = resource(config, 'random_password', 'auth_token');
    expect(Number(token.length)).toBeGreaterThanOrEqual(16);
    expect(Number(token.length)).toBeLessThanOrEqual(128);
    expect(token.special).toBe(false);
    expect(resource(config, 'aws_secretsmanager_secret_version', 'auth_token').secret_string).toBe(
      '${random_password.auth_token.result}',
    );
  });

  test('admits only the Lambda security group, on the cache port', async () => {
    const config = await load('modules/network');
    const ingress = config.resources.aws_vpc_security_group_ingress_rule ?? {};
    const toCache = Object.values(ingress).filter(
      (rule) => rule.security_group_id === '${aws_security_group.cache.id}',
    );
    expect(only(toCache, 'one cache ingress rule')).toMatchObject({
      ip_protocol: 'tcp',
      from_port: '${var.cache_port}',
      to_port: '${var.cache_port}',
      referenced_security_group_id: '${aws_security_group.lambda.id}',
    });
  });
});

describe('history API (SPEC §5)', () => {
  test('routes equal the history function route table', async () => {
    const config = await load('modules/history-api');
    expect(config.locals.routes).toEqual([...ROUTE_KEYS]);
    expect(resource(config, 'aws_apigatewayv2_route', 'this')).toMatchObject({
      for_each: '${toset(local.routes)}',
      route_key: '${each.value}',
      target: 'integrations/${aws_apigatewayv2_integration.history.id}',
    });
  });

  test('CORS answers what the function declares', async () => {
    const config = await load('modules/history-api');
    expect(config.locals.cors_allow_methods).toEqual([...CORS_ALLOW_METHODS]);
    expect(config.locals.cors_allow_headers).toEqual([...CORS_ALLOW_HEADERS]);
    expect(config.locals.cors_max_age).toBe(CORS_MAX_AGE_SECONDS);
  });

  test('uses payload format 2.0 and a throttled $default stage with access logs', async () => {
    const config = await load('modules/history-api');
    expect(resource(config, 'aws_apigatewayv2_integration', 'history')).toMatchObject({
      integration_type: 'AWS_PROXY',
      payload_format_version: '2.0',
    });
    const stage = resource(config, 'aws_apigatewayv2_stage', 'default');
    expect(stage).toMatchObject({ name: '$default', auto_deploy: true });
    const throttling = only(blocks(stage, 'default_route_settings'), 'route settings');
    expect(throttling).toHaveProperty('throttling_rate_limit');
    expect(throttling).toHaveProperty('throttling_burst_limit');
    expect(only(blocks(stage, 'access_log_settings'), 'access logs').destination_arn).toBe(
      '${aws_cloudwatch_log_group.access.arn}',
    );
  });
});

describe.each(ENVS)('envs/%s', (env) => {
  test('keeps state in S3 with locking and encryption', async () => {
    const [settings] = (await load(`envs/${env}`)).terraform;
    const backend = settings?.backend as HclBody | undefined;
    const s3 = only(backend ? blocks(backend, 's3') : [], 's3 backend');
    expect(s3).toMatchObject({
      key: `game-chat/${env}/terraform.tfstate`,
      use_lockfile: true,
      encrypt: true,
    });
  });

  test('tags every resource through the provider and outputs what the web demo needs', async () => {
    const config = await load(`envs/${env}`);
    const tags = blocks(config.providers.aws as HclBody, 'default_tags');
    expect(only(tags, 'default_tags').tags).toMatchObject({
      Project: 'game-chat',
      Environment: env,
    });
    for (const output of ['websocket_url', 'authorizer_name', 'api_url']) {
      expect(config.outputs, output).toHaveProperty(output);
    }
  });
});

async function resourceTypesUnder(dir: string): Promise<Set<string>> {
  const config = await load(dir);
  const types = new Set(Object.keys(config.resources));
  for (const call of Object.values(config.modules)) {
    for (const type of await resourceTypesUnder(resolve(config.dir, String(call.source)))) {
      types.add(type);
    }
  }
  return types;
}

describe('every part of SPEC §1 has its resources', () => {
  test.each(ENVS)('envs/%s', async (env) => {
    const types = await resourceTypesUnder(`envs/${env}`);
    const parts = {
      'IoT topic rule': 'aws_iot_topic_rule',
      'message-filter, history and authorizer Lambdas': 'aws_lambda_function',
      'ElastiCache (Redis/Valkey)': 'aws_elasticache_replication_group',
      'IoT Data Plane endpoint in the VPC': 'aws_vpc_endpoint',
      'API Gateway HTTP API': 'aws_apigatewayv2_api',
      'IoT custom authorizer': 'aws_iot_authorizer',
      alarms: 'aws_cloudwatch_metric_alarm',
    };
    for (const [part, type] of Object.entries(parts)) expect(types.has(type), part).toBe(true);
  });

  test('prod is stricter than dev: more replicas, more zones, alarms that notify', async () => {
    const stack = async (env: string) =>
      only(Object.values((await load(`envs/${env}`)).modules), 'one module');
    const dev = await stack('dev');
    const prod = await stack('prod');
    const group = (call: HclBody, name: string) => call[name] as HclBody;
    expect(Number(group(prod, 'cache').replica_count)).toBeGreaterThan(
      Number(group(dev, 'cache').replica_count),
    );
    expect(group(prod, 'network').az_count).toBe(3);
    expect(group(prod, 'monitoring').alarm_actions_enabled).toBe(true);
    expect(group(dev, 'monitoring').alarm_actions_enabled).toBe(false);
  });
});
