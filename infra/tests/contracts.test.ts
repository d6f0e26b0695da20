/**
 * The Terraform agrees with the rest of the repository: the contract's topics, the HTTP API's route
 * table, the zips `pnpm build` writes and AWS's limits (the Lambda settings: settings.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_SECONDS,
  ROUTES,
} from '@game-chat/protocol/http';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { createTopics } from '@game-chat/protocol/topics';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  blocks,
  dynamicBlocks,
  type HclBody,
  type HclValue,
  isBody,
  type TfConfig,
} from './hcl.js';
import { ENVS, infraDir, load, repoDir } from './paths.js';

const RULE_FILES = {
  send: 'chat-send.sql',
  whisper: 'chat-whisper.sql',
  presence_connections: 'presence-connections.sql',
  presence_subscriptions: 'presence-subscriptions.sql',
} as const;

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

describe('topic rules (contract §3)', () => {
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

  test('each rule invokes its function (presence-*.sql the presence one, as the local stack does), has an error action, and may invoke only from its own ARN', async () => {
    const config = await load('modules/iot-chat');
    const rule = resource(config, 'aws_iot_topic_rule', 'this');
    expect(only(blocks(rule, 'lambda'), 'lambda action').function_arn).toBe(
      '${local.rule_functions[each.key].arn}',
    );
    const targets = String(config.locals.rule_functions);
    expect(targets).toContain('for key, file in local.rules');
    expect(targets).toContain('startswith(file, "presence-")');
    expect(targets).toMatch(
      /\?\s*\{\s*name = var\.presence_function_name, arn = var\.presence_function_arn \}\s*:\s*\{\s*name = var\.message_filter_function_name, arn = var\.message_filter_function_arn \}/,
    );
    const errorAction = only(blocks(rule, 'error_action'), 'error action');
    expect(only(blocks(errorAction, 'cloudwatch_logs'), 'log action').log_group_name).toBe(
      '${aws_cloudwatch_log_group.rule_errors.name}',
    );
    const permission = resource(config, 'aws_lambda_permission', 'rule');
    expect(permission).toMatchObject({
      for_each: '${local.rules}',
      function_name: '${local.rule_functions[each.key].name}',
      action: 'lambda:InvokeFunction',
      principal: 'iot.amazonaws.com',
      source_arn: '${aws_iot_topic_rule.this[each.key].arn}',
      source_account: '${data.aws_caller_identity.current.account_id}',
    });
  });
});

describe('custom authorizer (contract §4, review S3)', () => {
  test('is a new, signed authorizer: IoT Core checks the token signature before invoking', async () => {
    const config = await load('modules/iot-chat');
    // AWS cannot switch signing on in place and the provider replaces nothing on that change
    // (authorizer.go: neither name nor signing_disabled is ForceNew), so the unsigned one goes.
    expect(config.resources.aws_iot_authorizer).not.toHaveProperty('this');
    expect(resource(config, 'aws_iot_authorizer', 'signed')).toMatchObject({
      name: '${var.authorizer_name}',
      authorizer_function_arn: '${var.authorizer_function_arn}',
      signing_disabled: false,
      token_key_name: '${var.authorizer_token_key_name}',
      token_signing_public_keys: '${var.authorizer_signing_public_keys}',
      status: 'ACTIVE',
    });
    expect(resource(config, 'aws_lambda_permission', 'authorizer')).toMatchObject({
      principal: 'iot.amazonaws.com',
      source_arn: '${aws_iot_authorizer.signed.arn}',
    });
    const [lifecycle] = blocks(resource(config, 'aws_iot_authorizer', 'signed'), 'lifecycle');
    const [precondition] = lifecycle ? blocks(lifecycle, 'precondition') : [];
    expect(precondition?.condition).toBe('${length(var.authorizer_signing_public_keys) >= 1}');
    expect(String(precondition?.error_message)).toContain('node scripts/deploy.mjs keys <env>');
  });

  test('uses the names the rest of the repository agrees on', async () => {
    const config = await load('modules/iot-chat');
    expect((config.variables.authorizer_name as HclBody).default).toBe(
      'game-chat-token-authorizer',
    );
    expect((config.variables.authorizer_token_key_name as HclBody).default).toBe('token');
    for (const env of ENVS) {
      const call = only(Object.values((await load(`envs/${env}`)).modules), 'one module');
      expect(call.authorizer_name, env).toBe(`game-chat-${env}-token-authorizer`);
      expect(String(call.authorizer_signing_public_keys), env).toContain(
        'fileset(local.authorizer_keys_dir, "*.pem")',
      );
    }
  });

  test('its name and key-name validations accept IoT Core names and refuse others', async () => {
    const variables = (await load('modules/iot-chat')).variables;
    const pattern = (name: string) => {
      const condition = String(
        only(blocks(variables[name] as HclBody, 'validation'), name).condition,
      );
      return new RegExp(
        (/regex\("(.+?)", var\./.exec(condition)?.[1] ?? '').replaceAll('\\\\', '\\'),
      );
    };
    expect(pattern('authorizer_name').test('game-chat-prod-token-authorizer')).toBe(true);
    expect(pattern('authorizer_name').test('has space')).toBe(false);
    expect(pattern('authorizer_token_key_name').test('token')).toBe(true);
    expect(pattern('authorizer_token_key_name').test('to.ken')).toBe(false);
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
    expect(lambdaPackages).toEqual(['authorizer', 'chat-api', 'message-filter', 'presence']);
    expect(Object.keys(config.locals.functions as HclBody).sort()).toEqual(lambdaPackages);
  });

  test('load the zips where `pnpm build` writes them, with handler.mjs exporting handler', async () => {
    const bundler = readFileSync(join(repoDir, 'scripts', 'bundle-lambda.mjs'), 'utf8');
    expect(bundler).toContain("const outDir = join(packageDir, 'dist');");
    expect(bundler).toContain("const zipPath = join(outDir, 'lambda.zip');");
    // handler.mjs at the zip's root, beside the chunks it imports (every output goes in).
    expect(bundler).toContain("entryPoints: { handler: join(packageDir, 'src', 'handler.ts') },");
    expect(bundler).toContain('outdir: outDir,');
    expect(bundler).toContain("outExtension: { '.js': '.mjs' },");
    expect(bundler).toContain('const files = Object.keys(result.metafile.outputs)');

    const fn = resource(await load('modules/chat-functions'), 'aws_lambda_function', 'this');
    expect(fn.filename).toBe('${var.packages_dir}/${each.key}/dist/lambda.zip');
    expect(fn.source_code_hash).toBe(
      '${filebase64sha256("${var.packages_dir}/${each.key}/dist/lambda.zip")}',
    );
    expect(fn.handler).toBe('handler.handler');

    for (const env of ENVS) {
      const envDir = join(infraDir, 'envs', env);
      const call = only(Object.values((await load(`envs/${env}`)).modules), 'one module');
      const packages = String(call.packages_dir).replace('${path.root}', envDir);
      expect(resolve(packages), env).toBe(join(repoDir, 'packages'));
    }
  });

  test('run Node 20 or 22 on arm64, with source maps except on the 5 s authorizer (m16)', async () => {
    const config = await load('modules/chat-functions');
    const fn = resource(config, 'aws_lambda_function', 'this');
    expect(fn.architectures).toEqual(['arm64']);
    expect(fn.runtime).toBe('${var.runtime}');
    const runtime = config.variables.runtime as HclBody;
    expect(runtime.default).toMatch(/^nodejs(20|22)\.x$/);
    expect(only(blocks(runtime, 'validation'), 'runtime validation').condition).toBe(
      '${contains(["nodejs20.x", "nodejs22.x"], var.runtime)}',
    );
    expect(config.locals.common_environment as HclBody).not.toHaveProperty('NODE_OPTIONS');
    expect((config.locals.history_environment as HclBody).NODE_OPTIONS).toBe(
      '--enable-source-maps',
    );
    const functions = config.locals.functions as Record<string, HclBody>;
    expect(String(functions.authorizer?.environment)).not.toContain('history_environment');
    expect(String(functions['message-filter']?.environment)).toContain('history_environment');
  });

  test("publish exactly where the protocol's server publish scope says (the local Data Plane enforces it), each function only its own kinds", async () => {
    const config = await load('modules/chat-functions');
    const functions = config.locals.functions as Record<string, HclBody>;
    const publishes = Object.fromEntries(
      Object.entries(functions).map(([key, fn]) => [key, fn.publishes as string[]]),
    );
    expect(publishes).toEqual({
      'message-filter': ['room', 'inbox'],
      'chat-api': ['room', 'inbox'],
      authorizer: [],
      presence: ['presence'],
    });
    const arn = String(config.locals.publish_topic_arn_prefix);
    const arnPrefix = 'arn:${local.partition}:iot:${local.region}:${local.account_id}:topic/';
    expect(arn).toBe(`${arnPrefix}\${var.topic_prefix}`);
    for (const prefix of ['chat', 'game-7_chat']) {
      const granted = [...new Set(Object.values(publishes).flat())].map(
        (kind) => `${prefix}/${kind}/*`,
      );
      expect(granted).toEqual(createTopics(prefix).serverPublishScope());
    }
    const document = config.data.aws_iam_policy_document?.function as HclBody;
    const publish = (document.dynamic as HclBody).statement as HclValue[];
    const grants = publish.filter(isBody).filter((d) => JSON.stringify(d).includes('iot:Publish'));
    const grant = only(grants, 'one iot:Publish statement');
    expect(grant.for_each).toBe(
      '${length(each.value.publishes) > 0 ? [each.value.publishes] : []}',
    );
    expect(JSON.stringify(grant.content)).toContain(
      '[for kind in statement.value : \\"${local.publish_topic_arn_prefix}/${kind}/*\\"]',
    );
  });

  test('A1: keep failed filter events long enough for both Lambda retries, then queue them', async () => {
    const config = await load('modules/chat-functions');
    const invoke = resource(config, 'aws_lambda_function_event_invoke_config', 'message_filter');
    expect(invoke.maximum_event_age_in_seconds).toBe(
      '${var.message_filter_maximum_event_age_in_seconds}',
    );
    expect(invoke.maximum_retry_attempts).toBe('${var.message_filter_maximum_retry_attempts}');
    const destination = only(blocks(invoke, 'destination_config'), 'destination');
    expect(only(blocks(destination, 'on_failure'), 'on failure').destination).toBe(
      '${aws_sqs_queue.failed_events.arn}',
    );
    const age = config.variables.message_filter_maximum_event_age_in_seconds as HclBody;
    const retries = config.variables.message_filter_maximum_retry_attempts as HclBody;
    // Lambda retries about 60 s and then about 120 s after a failure (Lambda developer guide,
    // asynchronous invocation): the default age lets both retries run.
    expect(Number(age.default)).toBe(300);
    expect(Number(age.default)).toBeGreaterThanOrEqual(60 + 120);
    expect(Number(retries.default)).toBe(2);
  });

  test('A1: the filter gets the retry budget and the event age from the same variables', async () => {
    const config = await load('modules/chat-functions');
    const filter = (config.locals.functions as Record<string, HclBody>)['message-filter'];
    const environment = String(filter?.environment);
    expect(environment).toContain('CHAT_RETRY_BUDGET_MS = tostring(var.retry_budget_ms)');
    expect(environment).toContain(
      'CHAT_MAX_EVENT_AGE_SECONDS = tostring(var.message_filter_maximum_event_age_in_seconds)',
    );
    expect(Number((config.variables.retry_budget_ms as HclBody).default)).toBe(8000);
    const stack = (await load('modules/chat-stack')).modules.functions as HclBody;
    expect(stack).toMatchObject({
      retry_budget_ms: '${var.message_filter.retry_budget_ms}',
      message_filter_maximum_event_age_in_seconds:
        '${var.message_filter.maximum_event_age_in_seconds}',
      message_filter_maximum_retry_attempts: '${var.message_filter.maximum_retry_attempts}',
    });
  });

  test('A1: a precondition keeps the retry budget below the filter timeout, and the defaults pass it', async () => {
    const config = await load('modules/chat-functions');
    const invoke = resource(config, 'aws_lambda_function_event_invoke_config', 'message_filter');
    const [lifecycle] = blocks(invoke, 'lifecycle');
    const [precondition] = lifecycle ? blocks(lifecycle, 'precondition') : [];
    expect(precondition?.condition).toBe(
      '${var.retry_budget_ms < var.timeout.message_filter * 1000}',
    );
    const timeout = /message_filter\s*=\s*optional\(number,\s*(\d+)\)/.exec(
      String((config.variables.timeout as HclBody).type),
    )?.[1];
    expect(Number((config.variables.retry_budget_ms as HclBody).default)).toBeLessThan(
      Number(timeout) * 1000,
    );
  });

  test('A2: with a customer managed key, the filter may encrypt what it sends to the queue', async () => {
    const config = await load('modules/chat-functions');
    const document = config.data.aws_iam_policy_document?.function as HclBody;
    const statements = ((document.dynamic as HclBody).statement as HclValue[]).filter(isBody);
    const encrypt = statements.find((d) => JSON.stringify(d).includes('EncryptFailedEvents'));
    expect(encrypt?.for_each).toBe(
      '${each.value.invoked_async && var.kms_key_arn != null ? [var.kms_key_arn] : []}',
    );
    expect(only(blocks(encrypt as HclBody, 'content'), 'content').actions).toEqual([
      'kms:GenerateDataKey',
    ]);
    const queue = resource(config, 'aws_sqs_queue', 'failed_events');
    expect(queue.sqs_managed_sse_enabled).toBe('${var.kms_key_arn == null ? true : null}');
    // The alarm topic's key must let CloudWatch use it; the variable says how.
    const monitoring = (await load('modules/monitoring')).variables.kms_key_arn as HclBody;
    expect(String(monitoring.description)).toContain('cloudwatch.amazonaws.com');
  });

  test('A5: a JWKS URL needs internet egress, checked at plan time', async () => {
    const config = await load('modules/chat-functions');
    const fn = resource(config, 'aws_lambda_function', 'this');
    const conditions = blocks(only(blocks(fn, 'lifecycle'), 'lifecycle'), 'precondition').map(
      (p) => p.condition,
    );
    expect(conditions).toContain('${var.token_jwks_url == null || var.internet_egress}');
    expect(((await load('modules/chat-stack')).modules.functions as HclBody).internet_egress).toBe(
      '${!coalesce(var.network.create_vpc, true) || coalesce(var.network.enable_nat_gateway, false)}',
    );
  });

  test('m6: secret ARNs must be full (with the six-character suffix) so IAM grants match', async () => {
    const config = await load('modules/chat-functions');
    for (const name of ['token_secret_arn', 'redis_auth_secret_arn']) {
      const condition = String(
        only(blocks(config.variables[name] as HclBody, 'validation'), name).condition,
      );
      const pattern = new RegExp(/regex\("([^"]+)"/.exec(condition)?.[1] ?? 'missing');
      expect(
        pattern.test('arn:aws:secretsmanager:eu-west-1:123456789012:secret:game-tokens-AbCdEf'),
        name,
      ).toBe(true);
      // A partial ARN (the secret's name only). A name that itself ends in -xxxxxx cannot be
      // told from a full ARN; the variable's message asks for the full one.
      for (const partial of ['secret:game-token', 'secret:chat/hs256']) {
        expect(pattern.test(`arn:aws:secretsmanager:eu-west-1:123456789012:${partial}`), name).toBe(
          false,
        );
      }
    }
  });

  test('S1.3: the generated HS256 secret is ephemeral and written write-only', async () => {
    const config = await load('modules/chat-functions');
    expect(config.resources).not.toHaveProperty('random_password');
    expect(config.ephemeral.random_password?.token).toMatchObject({ length: 64, special: false });
    expect(resource(config, 'aws_secretsmanager_secret_version', 'token')).toMatchObject({
      secret_string_wo: '${ephemeral.random_password.token[0].result}',
      secret_string_wo_version: '${var.token_secret_version}',
    });
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

  test('keeps player reports: nothing without a TTL is evicted, and prod takes snapshots', async () => {
    // Reports, their duplicate markers and block lists carry no TTL (docs: infra/README.md,
    // "Player reports"); only an allkeys-* policy could evict them.
    const config = await load('modules/chat-cache');
    const parameters = config.variables.parameters as HclBody;
    expect((parameters.default as HclBody)['maxmemory-policy']).toBe('volatile-ttl');
    expect(
      blocks(parameters, 'validation')
        .map((v) => String(v.condition))
        .join('\n'),
    ).toContain('^(volatile-(ttl|lru|lfu|random)|noeviction)$');
    const prod = only(Object.values((await load('envs/prod')).modules), 'one module');
    const cache = prod.cache as HclBody;
    expect(Number(cache.snapshot_retention_days)).toBeGreaterThanOrEqual(1);
    expect(Number(cache.replica_count)).toBeGreaterThanOrEqual(1);
  });

  test('keeps the token in Secrets Manager, alphanumeric within the 16-128 AUTH limit', async () => {
    const config = await load('modules/chat-cache');
    const token = resource(config, 'random_password', 'auth_token');
    expect(Number(token.length)).toBeGreaterThanOrEqual(16);
    expect(Number(token.length)).toBeLessThanOrEqual(128);
    expect(token.special).toBe(false);
    // Write-only, so a plan role without GetSecretValue can refresh it (review S2).
    expect(resource(config, 'aws_secretsmanager_secret_version', 'auth_token')).toMatchObject({
      secret_string_wo: '${random_password.auth_token.result}',
      secret_string_wo_version: '${var.auth_token_version}',
    });
    expect(token.keepers).toEqual({ version: '${var.auth_token_version}' });
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

describe('HTTP API (contract §5)', () => {
  test('routes equal the protocol route table', async () => {
    const config = await load('modules/chat-api');
    expect(config.locals.routes).toEqual(
      Object.fromEntries(ROUTES.map((route) => [route.routeKey, route.access])),
    );
    expect(resource(config, 'aws_apigatewayv2_route', 'this')).toMatchObject({
      for_each: '${local.routes}',
      route_key: '${each.key}',
      target: 'integrations/${aws_apigatewayv2_integration.this.id}',
    });
  });

  test('m7: each moderator route has its own lower throttle, applied after the routes exist', async () => {
    const config = await load('modules/chat-api');
    expect(config.locals.moderator_routes).toBe(
      '${toset([for key, access in local.routes : key if access == "moderator"])}',
    );
    const stage = resource(config, 'aws_apigatewayv2_stage', 'default');
    expect(stage.depends_on).toEqual(['${aws_apigatewayv2_route.this}']);
    const [[name, settings] = []] = dynamicBlocks(stage);
    expect(name).toBe('route_settings');
    expect(settings?.for_each).toBe('${local.moderator_routes}');
    expect(only(blocks(settings as HclBody, 'content'), 'content')).toMatchObject({
      route_key: '${route_settings.value}',
      throttling_rate_limit: '${var.moderator_throttling_rate_limit}',
      throttling_burst_limit: '${var.moderator_throttling_burst_limit}',
    });
    expect(config.variables.moderator_throttling_rate_limit?.default).toBeLessThan(
      config.variables.throttling_rate_limit?.default as number,
    );
  });

  test('CORS answers what the protocol declares', async () => {
    const config = await load('modules/chat-api');
    expect(config.locals.cors_allow_methods).toEqual([...CORS_ALLOW_METHODS]);
    expect(config.locals.cors_allow_headers).toEqual([...CORS_ALLOW_HEADERS]);
    expect(config.locals.cors_max_age).toBe(CORS_MAX_AGE_SECONDS);
  });

  test('uses payload format 2.0 and a throttled $default stage with access logs', async () => {
    const config = await load('modules/chat-api');
    expect(resource(config, 'aws_apigatewayv2_integration', 'this')).toMatchObject({
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

  test('outputs everything `pnpm smoke -- --outputs` reads', async () => {
    const config = await load(`envs/${env}`);
    for (const output of [
      'websocket_url',
      'api_url',
      'topic_prefix',
      'authorizer_name',
      'authorizer_token_key_name',
      'authorizer_signing_key_secret_arn',
      'token_secret_arn',
      'token_private_key_secret_arn',
    ]) {
      expect(config.outputs[output]?.value, output).toBe(`\${module.chat.${output}}`);
    }
  });
});

describe('player tokens per environment (review S1.4)', () => {
  test('prod verifies ES256 tokens with a public key and never generates an HS256 secret', async () => {
    const call = only(Object.values((await load('envs/prod')).modules), 'one module');
    const tokens = call.tokens as HclBody;
    expect(tokens.generate_secret).toBe(false);
    expect(tokens.public_key).toBe(
      '${local.has_player_token_key ? file(local.player_token_key_file) : null}',
    );
    expect(tokens).not.toHaveProperty('secret_arn');
  });

  test('without any verification configured and no generated secret, the plan stops with the keys command', async () => {
    const fn = resource(await load('modules/chat-functions'), 'aws_lambda_function', 'this');
    const preconditions = blocks(only(blocks(fn, 'lifecycle'), 'lifecycle'), 'precondition');
    const guard = preconditions.find((p) =>
      String(p.condition).includes('generated_token_secret_allowed'),
    );
    expect(String(guard?.error_message)).toContain('node scripts/deploy.mjs keys <env>');
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

describe('every part of contract §1 has its resources', () => {
  test.each(ENVS)('envs/%s', async (env) => {
    const types = await resourceTypesUnder(`envs/${env}`);
    const parts = {
      'IoT topic rule': 'aws_iot_topic_rule',
      'message-filter, chat-api and authorizer Lambdas': 'aws_lambda_function',
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

describe('IoT domain configuration (review A4)', () => {
  test('outputs stay null-safe while the host name is unknown, and no replacement loop', async () => {
    const config = await load('modules/iot-chat');
    expect(config.outputs.websocket_url?.value).toBe(
      '${local.mqtt_host == null ? null : "wss://${local.mqtt_host}/mqtt"}',
    );
    const domain = resource(config, 'aws_iot_domain_configuration', 'this');
    expect(only(blocks(domain, 'lifecycle'), 'lifecycle').ignore_changes).toEqual([
      '${domain_name}',
    ]);
    const [assert] = blocks(config.checks.domain_configuration_host as HclBody, 'assert');
    expect(assert?.condition).toBe(
      '${!var.create_domain_configuration || local.mqtt_host != null}',
    );
    // Its default authorizer is the signed one.
    const authorizer = only(blocks(domain, 'authorizer_config'), 'authorizer_config');
    expect(authorizer.default_authorizer_name).toBe('${aws_iot_authorizer.signed.name}');
  });
});

describe('network (review m4, m5, m10)', () => {
  test('m4: subnets go only in regular zones that offer the iot.data endpoint service', async () => {
    const config = await load('modules/network');
    const zones = config.data.aws_availability_zones?.available as HclBody;
    expect(only(blocks(zones, 'filter'), 'filter')).toEqual({
      name: 'opt-in-status',
      values: ['opt-in-not-required'],
    });
    expect(config.data.aws_vpc_endpoint_service?.iot_data?.service_name).toBe(
      'com.amazonaws.${data.aws_region.current.region}.iot.data',
    );
    expect(String(config.locals.availability_zones)).toContain(
      'contains(coalesce(local.iot_data_zones, []), zone)',
    );
    const subnet = resource(config, 'aws_subnet', 'private');
    expect(subnet.availability_zone).toBe('${local.availability_zones[count.index]}');
    const [precondition] = blocks(only(blocks(subnet, 'lifecycle'), 'lifecycle'), 'precondition');
    expect(precondition?.condition).toBe('${length(local.availability_zones) >= var.az_count}');
  });

  test('m5: the stack exposes both endpoint toggles, and an existing VPC must resolve private DNS', async () => {
    const call = (await load('modules/chat-stack')).modules.network as HclBody;
    expect(call).toMatchObject({
      enable_iot_data_endpoint: '${var.network.enable_iot_data_endpoint}',
      enable_secretsmanager_endpoint: '${var.network.enable_secretsmanager_endpoint}',
    });
    const group = resource(await load('modules/network'), 'aws_security_group', 'lambda');
    const conditions = blocks(only(blocks(group, 'lifecycle'), 'lifecycle'), 'precondition').map(
      (p) => p.condition,
    );
    expect(conditions).toContain(
      '${var.create_vpc || alltrue([for vpc in data.aws_vpc.existing : vpc.enable_dns_support && vpc.enable_dns_hostnames])}',
    );
  });

  test('m1: an environment rotates the cache AUTH token through the stack, without editing a module', async () => {
    const call = (await load('modules/chat-stack')).modules.cache as HclBody;
    expect(call).toMatchObject({
      auth_token_version: '${var.cache.auth_token_version}',
      auth_token_update_strategy: '${var.cache.auth_token_update_strategy}',
    });
  });

  test('m10: the Secrets Manager endpoint lets through only reads of this account', async () => {
    const config = await load('modules/network');
    expect(resource(config, 'aws_vpc_endpoint', 'secretsmanager').policy).toBe(
      '${data.aws_iam_policy_document.secretsmanager_endpoint.json}',
    );
    const document = config.data.aws_iam_policy_document?.secretsmanager_endpoint as HclBody;
    const statement = only(blocks(document, 'statement'), 'one statement');
    expect(statement.actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(only(blocks(statement, 'condition'), 'condition')).toMatchObject({
      variable: 'aws:PrincipalAccount',
    });
  });
});

describe('alarms for every silent-loss path (review O1)', () => {
  const rules = {
    send: 'game_chat_dev_send',
    whisper: 'game_chat_dev_whisper',
    presence_connections: 'game_chat_dev_presence_connections',
    presence_subscriptions: 'game_chat_dev_presence_subscriptions',
  };

  test('every alarm in the module is wired to the topic and to a source in infra/README.md', async () => {
    const config = await load('modules/monitoring');
    const readme = readFileSync(join(infraDir, 'README.md'), 'utf8');
    for (const metric of [
      'RuleMessageThrottled',
      'ErrorActionFailure',
      'Failure',
      'AsyncEventsDropped',
      'DestinationDeliveryFailures',
      'AsyncEventAge',
      'ApproximateNumberOfMessagesVisible',
      'Connect.AuthError',
      'Throttles',
    ]) {
      expect(String(config.locals.rule_alarms) + JSON.stringify(config.locals)).toContain(metric);
      expect(readme, metric).toContain(`\`${metric}\``);
    }
    expect(resource(config, 'aws_cloudwatch_metric_alarm', 'this').alarm_actions).toEqual([
      '${aws_sns_topic.alarms.arn}',
    ]);
  });

  test('per rule: throttling by RuleName, action and error-action failures by a query over ActionType', async () => {
    const config = await load('modules/monitoring');
    const template = String(config.locals.rule_alarms);
    expect(template).toContain('for key, rule in var.rule_names');
    expect(template).toContain('metric      = "RuleMessageThrottled"');
    expect(template).toContain('dimensions  = { RuleName = rule }');
    expect(template).toContain(
      `query       = "SELECT SUM(Failure) FROM SCHEMA(\\"AWS/IoT\\", ActionType, RuleName) WHERE RuleName = '\${rule}'"`,
    );
    expect(template).toContain(
      `query       = "SELECT SUM(ErrorActionFailure) FROM SCHEMA(\\"AWS/IoT\\", ActionType, RuleName) WHERE RuleName = '\${rule}'"`,
    );
    const stack = (await load('modules/chat-stack')).modules.monitoring as HclBody;
    expect(stack.rule_names).toBe('${module.iot_chat.rule_names}');
    expect(Object.keys(rules)).toEqual(Object.keys(RULE_FILES));
  });

  test('the filter (dropped events, destination failures, event age maximum) and the presence function (dropped events, destination failures), by FunctionName', async () => {
    const locals = (await load('modules/monitoring')).locals;
    expect(Object.keys(locals.async_losses as HclBody).sort()).toEqual([
      'message-filter',
      'presence',
    ]);
    const template = String(locals.async_alarms);
    expect(template).toContain('for key, lost in local.async_losses');
    for (const metric of ['AsyncEventsDropped', 'DestinationDeliveryFailures']) {
      expect(template).toContain(`metric      = "${metric}"`);
    }
    expect(
      template.match(/dimensions {2}= \{ FunctionName = var\.function_names\[key\] \}/g),
    ).toHaveLength(2);
    expect(template).toContain('"message-filter-async-event-age" = {');
    expect(template).toContain('metric      = "AsyncEventAge"');
    expect(template).toContain('dimensions  = { FunctionName = local.filter_function_name }');
    // AsyncEventAge is reported in milliseconds.
    expect(template).toContain('threshold = var.async_event_age_seconds * 1000');
  });

  test('query alarms run the query itself as their only metric', async () => {
    const alarm = resource(await load('modules/monitoring'), 'aws_cloudwatch_metric_alarm', 'this');
    expect(alarm.metric_name).toBe('${try(each.value.metric, null)}');
    expect(alarm.period).toBe('${can(each.value.query) ? null : 300}');
    const [query] = dynamicBlocks(alarm).filter(([name]) => name === 'metric_query');
    expect(query?.[1].for_each).toBe('${can(each.value.query) ? [each.value.query] : []}');
    expect(only(blocks(query?.[1] as HclBody, 'content'), 'content')).toEqual({
      id: 'q',
      expression: '${metric_query.value}',
      period: 300,
      return_data: true,
    });
  });
});
