#!/usr/bin/env node
// Writes tests/fixtures/provider-schema.json: the argument, block and attribute names of every
// resource and data source type that infra/**/*.tf uses, taken from the provider bindings that
// CDK for Terraform generates from the real provider schemas (`terraform providers schema`).
// There is no Terraform registry here, so this is how the static tests know that an argument
// such as `error_action` exists on `aws_iot_topic_rule` without a `terraform validate`.
//
// Run it after adding a resource type:  node scripts/extract-provider-schema.mjs
// It fetches the two binding packages with `npm pack` into a temporary folder and deletes it.
// The bindings have no ephemeral resources: the fixture's `ephemeral` section is written by hand
// (from the providers' sources, listed under `handWritten`) and this script keeps it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

const PACKAGES = {
  aws: '@cdktf/provider-aws@21.22.1',
  random: '@cdktf/provider-random@12.0.1',
};

const infraDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(infraDir, 'tests', 'fixtures', 'provider-schema.json');

function tfFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'tests', '.terraform'].includes(entry.name) ? [] : tfFiles(path);
    }
    return entry.name.endsWith('.tf') ? [path] : [];
  });
}

async function usedTypes() {
  const used = { resource: new Set(), data: new Set() };
  for (const file of tfFiles(infraDir)) {
    const json = await parse(file, readFileSync(file, 'utf8'));
    for (const kind of ['resource', 'data']) {
      for (const type of Object.keys(json[kind] ?? {})) used[kind].add(type);
    }
  }
  return used;
}

function unpack(spec, into) {
  const tarball = execFileSync('npm', ['pack', spec, '--silent'], { cwd: into, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const dir = join(into, spec.replace(/[^a-z0-9]+/gi, '_'));
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('tar', ['xzf', join(into, tarball), '-C', dir]);
  const root = join(dir, 'package');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return { root, provider: manifest.cdktf.provider };
}

/** `{ key: { value: fooToHclTerraform(...), isBlock: true, ... } }` entries of one attrs literal. */
function attrsEntries(body) {
  const entries = [];
  const pattern =
    /^\s{8,}([a-z0-9_]+): \{\n\s+value: (.*),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",/gm;
  for (const match of body.matchAll(pattern)) {
    const [, name, value, isBlock] = match;
    const child = /(\w+)ToHclTerraform\b/.exec(value)?.[1];
    entries.push({ name, isBlock: isBlock === 'true', child, value });
  }
  return entries;
}

/** Names of the fields declared without `?` in a .d.ts interface. */
function requiredFields(dts, interfaceName) {
  const start = dts.indexOf(`export interface ${interfaceName} `);
  if (start < 0) return new Set();
  const body = dts.slice(start, dts.indexOf('\n}', start));
  return new Set([...body.matchAll(/^\s+readonly (\w+): /gm)].map((m) => m[1]));
}

function camelOf(value) {
  return /(?:this\._|struct\.|struct\[")(\w+)/.exec(value)?.[1];
}

function functionBody(js, name) {
  const start = js.indexOf(`function ${name}ToHclTerraform(struct) {`);
  if (start < 0) throw new Error(`no ${name}ToHclTerraform`);
  return js.slice(start, js.indexOf('\n}\n', start));
}

function describeBlock(js, dts, body, interfaceName) {
  const required = requiredFields(dts, interfaceName);
  const block = { attributes: {}, blocks: {} };
  for (const entry of attrsEntries(body)) {
    const isRequired = required.has(camelOf(entry.value));
    if (entry.isBlock && entry.child) {
      const childInterface = entry.child[0].toUpperCase() + entry.child.slice(1);
      const child = describeBlock(js, dts, functionBody(js, entry.child), childInterface);
      block.blocks[entry.name] = { ...child, required: isRequired };
    } else {
      block.attributes[entry.name] = { required: isRequired };
    }
  }
  return block;
}

function describeType(libDir, type) {
  const js = readFileSync(join(libDir, 'index.js'), 'utf8');
  const dts = readFileSync(join(libDir, 'index.d.ts'), 'utf8');
  const marker = new RegExp(`^(\\w+)\\.tfResourceType = "${type}";$`, 'm').exec(js);
  if (!marker) throw new Error(`${type} not found in ${libDir}`);
  const className = marker[1];
  const classStart = js.indexOf(`class ${className} extends cdktf.Terraform`);
  const classBody = js.slice(classStart, marker.index);
  const hclStart = classBody.indexOf('synthesizeHclAttributes() {');
  const hclBody = classBody.slice(hclStart, classBody.indexOf('\n    }\n', hclStart));
  const block = describeBlock(js, dts, hclBody, `${className}Config`);
  const readable = new Set([
    ...[...classBody.matchAll(/get\w*Attribute\('([a-z0-9_]+)'\)/g)].map((m) => m[1]),
    ...[...classBody.matchAll(/new \w+\(this, "([a-z0-9_]+)"/g)].map((m) => m[1]),
  ]);
  return { ...block, readable: [...readable].sort() };
}

/** `aws_iot_topic_rule` → lib/iot-topic-rule, data `aws_iot_endpoint` → lib/data-aws-iot-endpoint. */
function libDirFor(root, kind, type) {
  const name =
    kind === 'data' ? `data-${type.replaceAll('_', '-')}` : type.split('_').slice(1).join('-');
  return join(root, 'lib', name);
}

const used = await usedTypes();
const work = mkdtempSync(join(tmpdir(), 'provider-schema-'));
try {
  const unpacked = Object.fromEntries(
    Object.entries(PACKAGES).map(([name, spec]) => [name, unpack(spec, work)]),
  );
  const schema = {
    generatedBy: 'scripts/extract-provider-schema.mjs',
    providers: Object.fromEntries(
      Object.entries(unpacked).map(([name, { provider }]) => [
        name,
        { ...provider, bindings: PACKAGES[name] },
      ]),
    ),
    resource: {},
    data: {},
  };
  for (const kind of ['resource', 'data']) {
    for (const type of [...used[kind]].sort()) {
      const provider = type.split('_')[0];
      const pkg = unpacked[provider];
      if (!pkg) throw new Error(`no bindings for provider of ${type}`);
      schema[kind][type] = describeType(libDirFor(pkg.root, kind, type), type);
    }
  }
  const previous = JSON.parse(readFileSync(outFile, 'utf8'));
  schema.ephemeral = previous.ephemeral ?? {};
  schema.handWritten = { ...previous.handWritten, resource: [], data: [] };
  writeFileSync(outFile, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(
    `wrote ${outFile}: ${Object.keys(schema.resource).length} resource and ${Object.keys(schema.data).length} data source types`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
