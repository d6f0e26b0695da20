/**
 * Reads Terraform configurations with @cdktf/hcl2json (HashiCorp's HCL parser compiled to WASM)
 * and answers the questions the static tests ask: what a folder declares, and which
 * references its expressions make.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getExpressionAst, parse } from '@cdktf/hcl2json';

export type HclValue = string | number | boolean | null | HclValue[] | HclBody;
export interface HclBody {
  [key: string]: HclValue;
}

/** One Terraform module: every `.tf` file of one folder, merged. */
export interface TfConfig {
  readonly dir: string;
  readonly variables: Record<string, HclBody>;
  readonly outputs: Record<string, HclBody>;
  readonly locals: Record<string, HclValue>;
  readonly modules: Record<string, HclBody>;
  /** `resources[type][name]` */
  readonly resources: Record<string, Record<string, HclBody>>;
  /** `data[type][name]` */
  readonly data: Record<string, Record<string, HclBody>>;
  /** `ephemeral[type][name]`: values that exist during one plan or apply, never in state. */
  readonly ephemeral: Record<string, Record<string, HclBody>>;
  /** `check` blocks by name. */
  readonly checks: Record<string, HclBody>;
  readonly terraform: HclBody[];
  readonly providers: Record<string, HclBody>;
  /** `moved` blocks, addresses as written (`module.old`, `aws_x.this["key"]`). */
  readonly moved: { readonly from: string; readonly to: string }[];
  /** Problems found while merging, such as a name declared twice. */
  readonly duplicates: string[];
}

interface Hcl2Json {
  variable?: Record<string, HclBody[]>;
  output?: Record<string, HclBody[]>;
  locals?: HclBody[];
  module?: Record<string, HclBody[]>;
  resource?: Record<string, Record<string, HclBody[]>>;
  data?: Record<string, Record<string, HclBody[]>>;
  ephemeral?: Record<string, Record<string, HclBody[]>>;
  check?: Record<string, HclBody[]>;
  terraform?: HclBody[];
  provider?: Record<string, HclBody[]>;
  moved?: { from: string; to: string }[];
}

export function isBody(value: HclValue | undefined): value is HclBody {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nested blocks come out of hcl2json as arrays of bodies. */
export function blocks(body: HclBody, name: string): HclBody[] {
  const value = body[name];
  return Array.isArray(value) ? value.filter(isBody) : [];
}

/** `dynamic "name" { for_each, content { ... } }` blocks of a body, as `[name, definition]`. */
export function dynamicBlocks(body: HclBody): [string, HclBody][] {
  const dynamic = body.dynamic;
  if (!isBody(dynamic)) return [];
  return Object.entries(dynamic).flatMap(([name, definitions]) =>
    Array.isArray(definitions)
      ? definitions.filter(isBody).map((d): [string, HclBody] => [name, d])
      : [],
  );
}

/** Parses and merges the given `.tf` sources as one module rooted at `dir`. */
export async function configFromSources(
  dir: string,
  sources: Readonly<Record<string, string>>,
): Promise<TfConfig> {
  const config: TfConfig = {
    dir,
    variables: {},
    outputs: {},
    locals: {},
    modules: {},
    resources: {},
    data: {},
    ephemeral: {},
    checks: {},
    terraform: [],
    providers: {},
    moved: [],
    duplicates: [],
  };
  const addUnique = <T>(target: Record<string, T>, name: string, value: T, what: string) => {
    if (name in target) config.duplicates.push(`${what} "${name}" is declared twice`);
    target[name] = value;
  };
  for (const [file, text] of Object.entries(sources)) {
    const json = (await parse(join(dir, file), text)) as Hcl2Json;
    for (const [name, [body]] of Object.entries(json.variable ?? {})) {
      addUnique(config.variables, name, body ?? {}, 'variable');
    }
    for (const [name, [body]] of Object.entries(json.output ?? {})) {
      addUnique(config.outputs, name, body ?? {}, 'output');
    }
    for (const [name, [body]] of Object.entries(json.module ?? {})) {
      addUnique(config.modules, name, body ?? {}, 'module');
    }
    for (const [name, [body]] of Object.entries(json.provider ?? {})) {
      addUnique(config.providers, name, body ?? {}, 'provider');
    }
    for (const [name, [body]] of Object.entries(json.check ?? {})) {
      addUnique(config.checks, name, body ?? {}, 'check');
    }
    for (const block of json.locals ?? []) {
      for (const [name, value] of Object.entries(block)) {
        addUnique(config.locals, name, value, 'local');
      }
    }
    for (const kind of ['resource', 'data', 'ephemeral'] as const) {
      const target = { resource: config.resources, data: config.data, ephemeral: config.ephemeral }[
        kind
      ];
      for (const [type, named] of Object.entries(json[kind] ?? {})) {
        target[type] ??= {};
        for (const [name, [body]] of Object.entries(named)) {
          addUnique(target[type], name, body ?? {}, `${kind} ${type}`);
        }
      }
    }
    config.terraform.push(...(json.terraform ?? []));
    // hcl2json writes an address as an interpolation: `${module.old}`.
    const address = (value: string) => value.replace(/^\$\{(.*)\}$/s, '$1');
    for (const { from, to } of json.moved ?? []) {
      config.moved.push({ from: address(from), to: address(to) });
    }
  }
  return config;
}

export async function tfFileNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort();
}

/** Reads every `.tf` file of a folder. */
export async function loadConfig(dir: string): Promise<TfConfig> {
  const names = await tfFileNames(dir);
  const sources = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name), 'utf8')])),
  );
  return configFromSources(dir, sources);
}

/** Every string in a value that holds a Terraform expression (`${...}`). */
export function expressions(value: HclValue | undefined): string[] {
  if (typeof value === 'string') return value.includes('${') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (isBody(value)) return Object.values(value).flatMap(expressions);
  return [];
}

/** The `${...}` interpolations of a template string (not `$${`, which is a literal). */
export function interpolations(template: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < template.length - 1; i += 1) {
    if (template[i] === '$' && template[i + 1] === '$') {
      i += 1;
    } else if (template[i] === '$' && template[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < template.length && depth > 0; j += 1) {
        if (template[j] === '{') depth += 1;
        if (template[j] === '}') depth -= 1;
      }
      found.push(template.slice(i + 2, j - 1));
      i = j - 1;
    }
  }
  return found;
}

interface AstNode {
  type: string;
  meta?: { fullAccessor?: string };
  children?: AstNode[];
}

function traversals(node: AstNode | null, into: string[]): string[] {
  if (!node) return into;
  if (node.type === 'scopeTraversal' && node.meta?.fullAccessor) into.push(node.meta.fullAccessor);
  for (const child of node.children ?? []) traversals(child, into);
  return into;
}

const referenceCache = new Map<string, Promise<string[]>>();

/**
 * The traversals an expression makes, such as `var.name`, `module.cache.redis_url` or
 * `aws_lambda_function.this["chat-api"].arn`, from HCL's own syntax tree, so references
 * inside `for` expressions and nested templates count too. Iterator variables come back as
 * one-part names (`k`); the checks ignore roots they do not know.
 */
export function referencesIn(template: string): Promise<string[]> {
  let cached = referenceCache.get(template);
  if (!cached) {
    cached = Promise.all(
      interpolations(template).map(async (expression) =>
        traversals((await getExpressionAst('expression.tf', expression)) as AstNode | null, []),
      ),
    ).then((lists) => lists.flat());
    referenceCache.set(template, cached);
  }
  return cached;
}

export async function referencesOf(value: HclValue | undefined): Promise<string[]> {
  const all = await Promise.all(expressions(value).map(referencesIn));
  return [...new Set(all.flat())];
}

/**
 * `a.b["c"][0].d` → `a`, `b`, `c` (index), `0` (index), `d`. A computed index such as
 * `[each.key]` is one index part.
 */
export function splitReference(reference: string): { name: string; index: boolean }[] {
  return [...reference.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[([^\]]*)\]|([^.[\]]+)/g)].map((match) =>
    match[3] !== undefined
      ? { name: match[3], index: false }
      : { name: match[1] ?? match[2] ?? '', index: true },
  );
}

/** The first attribute named after `skip` leading parts, ignoring index parts. */
export function attributeAfter(reference: string, skip: number): string | undefined {
  return splitReference(reference)
    .slice(skip)
    .find((part) => !part.index)?.name;
}

/** Every block body of a config with a label saying where it is, for error messages. */
export function labelledBodies(config: TfConfig): [string, HclBody][] {
  const out: [string, HclBody][] = [];
  for (const [name, body] of Object.entries(config.variables)) out.push([`variable.${name}`, body]);
  for (const [name, body] of Object.entries(config.outputs)) out.push([`output.${name}`, body]);
  for (const [name, body] of Object.entries(config.modules)) out.push([`module.${name}`, body]);
  for (const [name, value] of Object.entries(config.locals)) {
    out.push([`local.${name}`, { value }]);
  }
  for (const [type, named] of Object.entries(config.resources)) {
    for (const [name, body] of Object.entries(named)) out.push([`${type}.${name}`, body]);
  }
  for (const [type, named] of Object.entries(config.data)) {
    for (const [name, body] of Object.entries(named)) out.push([`data.${type}.${name}`, body]);
  }
  for (const [type, named] of Object.entries(config.ephemeral)) {
    for (const [name, body] of Object.entries(named)) out.push([`ephemeral.${type}.${name}`, body]);
  }
  for (const [name, body] of Object.entries(config.checks)) out.push([`check.${name}`, body]);
  for (const [name, body] of Object.entries(config.providers)) out.push([`provider.${name}`, body]);
  return out;
}

/**
 * What a block can reach: its own expressions plus, transitively, the locals it reads and the
 * `for_each` value that `each.value` stands for. Used to ask "does this function's environment
 * contain REDIS_URL", however many locals it goes through.
 */
export async function closureOf(config: TfConfig, body: HclBody): Promise<HclValue[]> {
  const values: HclValue[] = [body];
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i += 1) {
    for (const reference of await referencesOf(values[i])) {
      const [root, name] = splitReference(reference);
      if (root?.name === 'local' && name && !seen.has(name.name) && name.name in config.locals) {
        seen.add(name.name);
        values.push(config.locals[name.name] ?? null);
      }
    }
  }
  return values;
}
