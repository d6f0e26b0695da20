/**
 * Renames keep what is deployed (terraform-aws-modules' habit): every address a rename changed
 * has a `moved` block in its module's migrations.tf, every `moved` block points from an address
 * that is gone to one that exists, and what AWS knows the resources by did not change. So
 * `terraform plan` after the history-api → chat-api rename moves resources and replaces none.
 */
import { describe, expect, test } from 'vitest';
import { type HclBody, isBody, type TfConfig } from './hcl.js';
import { load, MODULES } from './paths.js';

/** The package rename: function key and module name, before and after. */
const RENAMED_FUNCTION = { from: 'history-api', to: 'chat-api' } as const;

/** Whether `address` (`module.x`, `type.name`, `type.name["key"]`) is declared in `config`. */
function declares(config: TfConfig, address: string): boolean {
  const module = /^module\.([\w-]+)$/.exec(address);
  if (module) return (module[1] as string) in config.modules;
  const resource = /^([\w-]+)\.([\w-]+)(?:\["([^"]+)"\])?$/.exec(address);
  if (!resource) throw new Error(`unexpected address ${address}`);
  const [, type, name, key] = resource as unknown as [string, string, string, string | undefined];
  const body = config.resources[type]?.[name];
  if (!body) return false;
  if (key === undefined) return body.for_each === undefined;
  // Every keyed resource of these modules is keyed by local.functions.
  expect(body.for_each, address).toBe('${local.functions}');
  return key in (config.locals.functions as HclBody);
}

describe.each(MODULES)('modules/%s: moved blocks', (name) => {
  test('move from an address that is gone to one that exists', async () => {
    const config = await load(`modules/${name}`);
    for (const { from, to } of config.moved) {
      expect(declares(config, from), `${from} is still declared`).toBe(false);
      expect(declares(config, to), `${to} is not declared`).toBe(true);
    }
  });
});

describe('history-api → chat-api', () => {
  test('chat-stack moves the module, which now calls ../chat-api', async () => {
    const config = await load('modules/chat-stack');
    expect(config.moved).toEqual([{ from: 'module.history_api', to: 'module.chat_api' }]);
    expect(config.modules.chat_api?.source).toBe('../chat-api');
  });

  test('chat-functions moves every resource keyed by function to the new key', async () => {
    const config = await load('modules/chat-functions');
    const keyed = Object.entries(config.resources).flatMap(([type, named]) =>
      Object.entries(named)
        .filter(([, body]) => body.for_each === '${local.functions}')
        .map(([resourceName]) => `${type}.${resourceName}`),
    );
    expect(keyed).toHaveLength(4);
    const byFrom = (a: { from: string }, b: { from: string }) => a.from.localeCompare(b.from);
    expect([...config.moved].sort(byFrom)).toEqual(
      keyed
        .map((address) => ({
          from: `${address}["${RENAMED_FUNCTION.from}"]`,
          to: `${address}["${RENAMED_FUNCTION.to}"]`,
        }))
        .sort(byFrom),
    );
  });

  test('chat-api moves its integration, renamed `this`', async () => {
    const config = await load('modules/chat-api');
    expect(config.moved).toEqual([
      { from: 'aws_apigatewayv2_integration.history', to: 'aws_apigatewayv2_integration.this' },
    ]);
  });
});

describe('AWS names after the rename', () => {
  /**
   * The name templates as deployed before the rename (keyed by package, then `history-api`),
   * and the package each function key had then.
   */
  const DEPLOYED_TEMPLATES: Record<string, Record<string, string>> = {
    aws_lambda_function: { function_name: '${var.name}-${each.key}' },
    aws_iam_role: {
      name: '${var.name}-${each.key}',
      description: 'Execution role of ${var.name}-${each.key}',
    },
    aws_iam_role_policy: { name: '${var.name}-${each.key}' },
    aws_cloudwatch_log_group: { name: '/aws/lambda/${var.name}-${each.key}' },
  };
  const KEY_BEFORE: Record<string, string> = {
    'message-filter': 'message-filter',
    [RENAMED_FUNCTION.to]: RENAMED_FUNCTION.from,
    authorizer: 'authorizer',
    // New with presence: nothing deployed before to keep.
    presence: 'presence',
  };

  test('every function, role, role policy and log group keeps its name', async () => {
    const config = await load('modules/chat-functions');
    const functions = config.locals.functions as Record<string, HclBody>;
    expect(Object.keys(functions).sort()).toEqual(Object.keys(KEY_BEFORE).sort());
    for (const [type, attributes] of Object.entries(DEPLOYED_TEMPLATES)) {
      const body = config.resources[type]?.this as HclBody;
      for (const [attribute, before] of Object.entries(attributes)) {
        for (const [key, fn] of Object.entries(functions)) {
          const now = String(body[attribute])
            .replaceAll('${each.key}', key)
            .replaceAll('${each.value.name}', String(fn.name));
          const then = before.replaceAll('${each.key}', KEY_BEFORE[key] as string);
          expect(now, `${type}.this["${key}"].${attribute}`).toBe(then);
        }
      }
    }
  });

  test('the API, its access log group and its invoke permission keep their names', async () => {
    const config = await load('modules/chat-api');
    const named = (type: string, name: string) => config.resources[type]?.[name] as HclBody;
    expect(named('aws_apigatewayv2_api', 'this').name).toBe('${var.name}-history');
    expect(named('aws_cloudwatch_log_group', 'access').name).toBe(
      '/game-chat/${var.name}/history-api-access',
    );
    expect(named('aws_lambda_permission', 'api').statement_id).toBe('AllowHistoryApi');
  });

  test('Lambda alarms are named after the functions, not the package keys', async () => {
    const config = await load('modules/monitoring');
    const alarms = String(config.locals.lambda_alarms);
    expect(alarms).toContain('for function_name in values(var.function_names)');
    for (const suffix of ['errors', 'throttles']) {
      expect(alarms).toContain(`"\${trimprefix(function_name, "\${var.name}-")}-${suffix}"`);
    }
    const alarm = config.resources.aws_cloudwatch_metric_alarm?.this;
    expect(isBody(alarm) && alarm.alarm_name).toBe('${var.name}-${each.key}');
  });
});
