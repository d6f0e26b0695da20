import {
  asJsonObject,
  fail,
  jsonObjectFromText,
  ok,
  type Result,
} from '@game-chat/protocol/result';
import type { AwsLocation } from '../aws-location.js';

/**
 * An AWS IoT policy evaluator (aws-fidelity §3): IAM-style statements where an explicit Deny
 * beats any Allow and anything not allowed is denied. In resources `*` matches any run of
 * characters, `/` included, and `?` exactly one; MQTT's `+` and `#` are plain characters.
 */

export const IOT_ACTIONS = [
  'iot:Connect',
  'iot:Publish',
  'iot:Subscribe',
  'iot:Receive',
  'iot:RetainPublish',
] as const;
export type IotAction = (typeof IOT_ACTIONS)[number];

/** The resource kind each action is checked against. */
export type ResourceKind = 'client' | 'topic' | 'topicfilter';

export function resourceKindOf(action: IotAction): ResourceKind {
  if (action === 'iot:Connect') return 'client';
  if (action === 'iot:Subscribe') return 'topicfilter';
  return 'topic';
}

export function iotArn(kind: ResourceKind, name: string, location: AwsLocation): string {
  return `arn:aws:iot:${location.region}:${location.accountId}:${kind}/${name}`;
}

type OneOrMany = string | readonly string[];

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: OneOrMany;
  readonly NotAction?: OneOrMany;
  readonly Resource?: OneOrMany;
  readonly NotResource?: OneOrMany;
  readonly Condition?: unknown;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** Values for the policy variables IoT resolves for a custom-authorizer connection. */
export interface PolicyVariables {
  readonly clientId: string;
}

export interface Policy {
  decide(action: IotAction, resource: string): Decision;
  allows(action: IotAction, resource: string): boolean;
}

const isStringList = (value: unknown): value is OneOrMany =>
  typeof value === 'string' ||
  (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string'));

function checkStatement(value: unknown, index: number): Result<PolicyStatement> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('invalid', `Statement[${index}] must be an object`);
  }
  const statement = value as Record<string, unknown>;
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    return fail('invalid', `Statement[${index}].Effect must be "Allow" or "Deny"`);
  }
  const hasAction = statement.Action !== undefined;
  if (hasAction === (statement.NotAction !== undefined)) {
    return fail('invalid', `Statement[${index}] needs exactly one of Action and NotAction`);
  }
  const hasResource = statement.Resource !== undefined;
  if (hasResource === (statement.NotResource !== undefined)) {
    return fail('invalid', `Statement[${index}] needs exactly one of Resource and NotResource`);
  }
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    if (statement[key] !== undefined && !isStringList(statement[key])) {
      return fail('invalid', `Statement[${index}].${key} must be a string or a list of strings`);
    }
  }
  return ok(statement as unknown as PolicyStatement);
}

/**
 * Checks a policy document as an authorizer returns it: an object, or (as older AWS docs show)
 * a JSON string of one.
 */
export function parsePolicyDocument(input: unknown): Result<PolicyDocument> {
  const document =
    typeof input === 'string'
      ? jsonObjectFromText(input, 'policy document')
      : asJsonObject(input, 'policy document');
  if (!document.ok) return document;
  const statements = document.value.Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  if (statements === undefined || list.length === 0) {
    return fail('invalid', 'policy document has no Statement');
  }
  for (const [index, statement] of list.entries()) {
    const checked = checkStatement(statement, index);
    if (!checked.ok) return checked;
  }
  return ok(document.value as unknown as PolicyDocument);
}

const toList = (value: OneOrMany | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// `${*}`, `${?}` and `${$}` stand for the literal characters (IAM's escapes).
const LITERAL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['*', '*'],
  ['?', '?'],
  ['$', '$'],
]);

/**
 * Compiles a wildcard pattern: `*` → any run, `?` → one character, policy variables resolved,
 * everything else literal. Returns undefined when the pattern names a variable this emulator
 * cannot resolve: such a resource then matches nothing.
 */
function compilePattern(
  pattern: string,
  variables: PolicyVariables,
  flags: string,
): RegExp | undefined {
  let source = '';
  for (const [token, variable] of pattern.matchAll(/\$\{([^}]*)\}|[*?]|[^$*?]+|\$/g)) {
    if (variable !== undefined) {
      const literal =
        variable === 'iot:ClientId' ? variables.clientId : LITERAL_ESCAPES.get(variable);
      if (literal === undefined) return undefined;
      source += escapeRegex(literal);
    } else if (token === '*') source += '.*';
    else if (token === '?') source += '.';
    else source += escapeRegex(token);
  }
  // `s`: `*` crosses line breaks too; `u`: `?` is one code point, not one UTF-16 unit.
  return new RegExp(`^${source}$`, `su${flags}`);
}

interface CompiledStatement {
  readonly allow: boolean;
  readonly conditional: boolean;
  readonly actions: readonly RegExp[];
  readonly negateActions: boolean;
  readonly resources: readonly RegExp[];
  readonly negateResources: boolean;
}

function compileStatement(
  statement: PolicyStatement,
  variables: PolicyVariables,
): CompiledStatement {
  const negateActions = statement.Action === undefined;
  const negateResources = statement.Resource === undefined;
  return {
    allow: statement.Effect === 'Allow',
    conditional: statement.Condition !== undefined,
    negateActions,
    // Action names are case-insensitive in IAM-style policies; resources are not.
    actions: toList(negateActions ? statement.NotAction : statement.Action).flatMap(
      (action) => compilePattern(action, variables, 'i') ?? [],
    ),
    negateResources,
    resources: toList(negateResources ? statement.NotResource : statement.Resource).flatMap(
      (resource) => compilePattern(resource, variables, '') ?? [],
    ),
  };
}

function applies(statement: CompiledStatement, action: string, resource: string): boolean {
  const actionListed = statement.actions.some((pattern) => pattern.test(action));
  if (actionListed === statement.negateActions) return false;
  const resourceListed = statement.resources.some((pattern) => pattern.test(resource));
  return resourceListed !== statement.negateResources;
}

/**
 * Compiles policy documents (already checked with `parsePolicyDocument`) once per connection.
 * Conditions are not evaluated: a conditional Allow never applies and a conditional Deny always
 * does, so an unsupported condition can only take permissions away.
 */
export function compilePolicy(
  documents: readonly PolicyDocument[],
  variables: PolicyVariables,
): Policy {
  const statements = documents.flatMap((document) =>
    (Array.isArray(document.Statement) ? document.Statement : [document.Statement]).map(
      (statement: PolicyStatement) => compileStatement(statement, variables),
    ),
  );
  const decide = (action: IotAction, resource: string): Decision => {
    let allowed = false;
    for (const statement of statements) {
      if (statement.allow) {
        if (!statement.conditional && !allowed) allowed = applies(statement, action, resource);
      } else if (applies(statement, action, resource)) {
        return 'explicit-deny';
      }
    }
    return allowed ? 'allow' : 'implicit-deny';
  };
  return { decide, allows: (action, resource) => decide(action, resource) === 'allow' };
}
