/**
 * Terraform agrees with the one declaration of the Lambda settings (`SETTINGS` in
 * packages/lambda-runtime/src/settings.ts): each variable's default is the setting's default,
 * its validation accepts what the function accepts, chat-stack passes it through without a
 * default of its own, and each function gets exactly the settings it reads.
 */
import {
  MAX_CHANNEL_CLASSES,
  MAX_CLASS_MESSAGES,
  MAX_CLASS_WINDOW_SECONDS,
} from '@game-chat/lambda-runtime/channel-classes';
import { CHAT_FUNCTIONS, SETTINGS, type Setting } from '@game-chat/lambda-runtime/settings';
import { describe, expect, test } from 'vitest';
import { blocks, type HclBody, type HclValue, isBody, type TfConfig } from './hcl.js';
import { load } from './paths.js';

const settings: readonly Setting[] = SETTINGS;
const deployed = settings.filter(
  (row): row is Setting & { terraform: NonNullable<Setting['terraform']> } =>
    row.terraform !== null,
);

function variable(config: TfConfig, name: string): HclBody {
  const body = config.variables[name];
  expect(body, `variable ${name} in ${config.dir}`).toBeDefined();
  return body as HclBody;
}

/** The validation conditions of a variable, as one string. */
function conditions(body: HclBody): string {
  return blocks(body, 'validation')
    .map((validation) => String(validation.condition))
    .join('\n');
}

/** `optional(number, 10)` attributes of an object type: name → [type, default text]. */
function optionalAttributes(type: HclValue | undefined): Map<string, [string, string | undefined]> {
  const attributes = new Map<string, [string, string | undefined]>();
  // `optional(list(object({...})))` has no default either: the type's name is followed by `(`.
  for (const match of String(type).matchAll(/(\w+)\s*=\s*optional\((\w+)(?:,\s*([^)]+))?[()]/g)) {
    attributes.set(match[1] as string, [match[2] as string, match[3]]);
  }
  return attributes;
}

/**
 * The variables a function's `environment` sets, with the expression of each: the inline
 * assignments and, through `local.*` references, the shared maps merged in.
 */
function environmentOf(config: TfConfig, fn: string): Map<string, string> {
  const functions = config.locals.functions as Record<string, HclBody>;
  const found = new Map<string, string>();
  const visited = new Set<string>();
  const expand = (value: HclValue | undefined) => {
    if (isBody(value)) {
      for (const [name, expression] of Object.entries(value)) found.set(name, String(expression));
      return;
    }
    const text = String(value);
    for (const match of text.matchAll(/\b([A-Z][A-Z0-9_]+)\s*=\s*([^\n}]+)/g)) {
      found.set(match[1] as string, (match[2] as string).trim());
    }
    for (const [, local] of text.matchAll(/\blocal\.(\w+)/g)) {
      if (local === undefined || visited.has(local)) continue;
      visited.add(local);
      expand(config.locals[local]);
    }
  };
  expand(functions[fn]?.environment);
  return found;
}

describe('Terraform variables of the Lambda settings (chat-functions)', () => {
  test.each(deployed.map((row) => [row.env, row] as const))(
    '%s: the default is the setting default',
    async (_env, row) => {
      const body = variable(await load('modules/chat-functions'), row.terraform.functions);
      if (row.default === undefined) {
        expect(body.default ?? null).toBeNull();
      } else if (row.kind === 'channel-classes') {
        // A list of objects in Terraform; its empty default renders as the blank setting.
        expect(body.default).toEqual([]);
        expect(body.nullable).toBe(false);
      } else {
        expect(body.default).toEqual(row.default);
        expect(body.nullable).toBe(false);
      }
    },
  );

  test.each(deployed.map((row) => [row.env, row] as const))(
    '%s: the validation accepts what the function accepts',
    async (_env, row) => {
      const name = row.terraform.functions;
      const condition = conditions(variable(await load('modules/chat-functions'), name));
      const v = `var.${name}`;
      switch (row.kind) {
        case 'integer':
          expect(condition).toContain(
            `${v} >= ${row.min} && ${v} <= ${row.max} && floor(${v}) == ${v}`,
          );
          break;
        case 'rate':
          expect(condition).toContain(`${v} > 0 && ${v} <= ${row.max}`);
          break;
        case 'choice':
          expect(condition).toContain(
            `contains([${row.values.map((value) => `"${value}"`).join(', ')}], ${v})`,
          );
          break;
        case 'pattern':
          expect(condition).toContain(`can(regex("${row.pattern.source}", ${v}))`);
          break;
        case 'channel-classes':
          // The bounds of ./channel-classes, and its overlap rule (see the test below).
          expect(condition).toContain(`length(${v}) <= ${MAX_CHANNEL_CLASSES}`);
          expect(condition).toContain('can(regex("^[A-Za-z0-9_-]{1,64}\\\\*?$", c.pattern))');
          expect(condition).toContain('can(regex("^[0-9]{1,9}[smhd]$", c.window))');
          expect(condition).toContain(`<= ${MAX_CLASS_WINDOW_SECONDS}`);
          expect(condition).toContain(`c.cap >= 1 && c.cap <= ${MAX_CLASS_MESSAGES}`);
          expect(condition).toContain(`startswith(c.pattern, trimsuffix(${v}[j].pattern, "*"))`);
          break;
        default:
          // URLs, keys and ARNs: Terraform checks their shape its own way (e.g. no password
          // in redis_url), never more loosely than a string.
          expect(String(variable(await load('modules/chat-functions'), name).type)).toBe(
            row.kind === 'boolean' ? '${bool}' : '${string}',
          );
      }
    },
  );

  test.each(CHAT_FUNCTIONS)('%s gets exactly the settings it reads', async (fn) => {
    const environment = environmentOf(await load('modules/chat-functions'), fn);
    const expected = deployed.filter((row) => row.usedBy.includes(fn)).map((row) => row.env);
    const source = fn === 'authorizer' ? [] : ['NODE_OPTIONS'];
    expect([...environment.keys()].sort()).toEqual([...expected, ...source].sort());
    for (const row of deployed.filter((candidate) => candidate.usedBy.includes(fn))) {
      const expression = environment.get(row.env) ?? '';
      // The generated token secret's ARN is chosen in a local; every other value is the variable.
      const from = row.env === 'CHAT_TOKEN_SECRET_ARN' ? 'local.token_secret_arn' : 'var.';
      expect(expression, row.env).toContain(from);
      if (from === 'var.') expect(expression, row.env).toContain(`var.${row.terraform.functions}`);
    }
  });

  test('CHAT_CHANNEL_CLASSES is the list of classes written as pattern=window/cap rules, in order', async () => {
    const environment = environmentOf(await load('modules/chat-functions'), 'message-filter');
    expect(environment.get('CHAT_CHANNEL_CLASSES')).toBe(
      '${join(",", [for c in var.channel_classes : "${c.pattern}=${c.window}/${c.cap}"])}',
    );
  });

  test('no function gets CORS settings: API Gateway answers CORS', async () => {
    const config = await load('modules/chat-functions');
    expect(config.variables).not.toHaveProperty('cors_origins');
    for (const fn of CHAT_FUNCTIONS) {
      expect([...environmentOf(config, fn).keys()]).not.toContain('CHAT_CORS_ORIGINS');
    }
  });
});

describe('chat-stack passes the Lambda settings through', () => {
  test.each(deployed.filter((row) => row.terraform.stack).map((row) => [row.env, row] as const))(
    '%s: without a default of its own, or with the same one',
    async (_env, row) => {
      const stack = await load('modules/chat-stack');
      const path = row.terraform.stack as string;
      const [object, attribute] = path.split('.');
      const body = variable(stack, object as string);
      if (attribute === undefined) {
        expect(body.default ?? null).toEqual(row.default ?? null);
      } else {
        const declared = optionalAttributes(body.type).get(attribute);
        expect(declared, `${path} in chat-stack`).toBeDefined();
        // No default here: chat-functions' default (the setting's) applies.
        expect(declared?.[1], path).toBeUndefined();
      }
      const functions = stack.modules.functions as HclBody;
      expect(functions[row.terraform.functions], path).toBe(`\${var.${path}}`);
    },
  );

  test('CORS origins go to the API, whose module validates them', async () => {
    const stack = await load('modules/chat-stack');
    expect(stack.modules.functions).not.toHaveProperty('cors_origins');
    expect((stack.modules.chat_api as HclBody).cors_allow_origins).toBe('${var.cors_origins}');
    const api = await load('modules/chat-api');
    expect(conditions(variable(api, 'cors_allow_origins'))).toContain(
      'can(regex("^https?://[^/]+$", o))',
    );
  });
});
