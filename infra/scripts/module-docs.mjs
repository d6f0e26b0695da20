#!/usr/bin/env node
// Writes the Inputs and Outputs tables of every module README (and bootstrap's) between the terraform-docs
// markers, from the modules' own variables.tf and outputs.tf (what terraform-docs would do;
// it is a Go binary that is not available here). Text outside the markers is kept, and the
// result goes through biome's Markdown formatter, so lint and this script agree.
//
//   node scripts/module-docs.mjs          rewrite the tables
//   node scripts/module-docs.mjs --check  exit 1 when a README is out of date
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

const BEGIN = '<!-- BEGIN_TF_DOCS -->';
const END = '<!-- END_TF_DOCS -->';
const infraDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modulesDir = join(infraDir, 'modules');
// biome is a devDependency of the workspace root.
const biome = join(infraDir, '..', 'node_modules', '.bin', 'biome');

function formatMarkdown(path, text) {
  const run = spawnSync(biome, ['format', `--stdin-file-path=${path}`], {
    input: text,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`biome format ${path}: ${run.stderr}`);
  return run.stdout;
}

/** `${string}` → `string`; multi-line object types collapse to one line. */
function typeText(type) {
  if (typeof type !== 'string') return '`any`';
  const text = type
    .replace(/^\$\{([\s\S]*)\}$/, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return `\`${text}\``;
}

function valueText(value) {
  if (value === undefined) return 'n/a';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return `\`${text.replace(/^"\$\{(.*)\}"$/, '$1')}\``;
}

const cell = (text) =>
  String(text).replaceAll('$${', '${').replaceAll('|', '\\|').replaceAll('\n', ' ');

async function tables(dir) {
  const parsed = async (file) => parse(file, readFileSync(join(dir, file), 'utf8'));
  const variables = (await parsed('variables.tf')).variable ?? {};
  const outputs = (await parsed('outputs.tf')).output ?? {};
  const inputRows = Object.entries(variables)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, [v]]) => {
      const required = v.default === undefined ? 'yes' : 'no';
      return `| \`${name}\` | ${cell(v.description ?? '')} | ${cell(typeText(v.type))} | ${cell(valueText(v.default))} | ${required} |`;
    });
  const outputRows = Object.entries(outputs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, [o]]) => `| \`${name}\` | ${cell(o.description ?? '')} |`);
  return [
    BEGIN,
    '## Inputs',
    '',
    '| Name | Description | Type | Default | Required |',
    '|------|-------------|------|---------|:--------:|',
    ...inputRows,
    '',
    '## Outputs',
    '',
    '| Name | Description |',
    '|------|-------------|',
    ...outputRows,
    END,
  ].join('\n');
}

const check = process.argv.includes('--check');
const dirs = [
  ...readdirSync(modulesDir)
    .sort()
    .map((name) => join(modulesDir, name)),
  join(infraDir, 'bootstrap'),
];
let stale = 0;
for (const dir of dirs) {
  const readmePath = join(dir, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${readmePath} has no ${BEGIN} … ${END} section`);
  const updated = formatMarkdown(
    readmePath,
    readme.slice(0, start) + (await tables(dir)) + readme.slice(end + END.length),
  );
  if (updated === readme) continue;
  stale += 1;
  if (check) console.error(`${readmePath} is out of date: run node scripts/module-docs.mjs`);
  else writeFileSync(readmePath, updated);
}
if (check && stale > 0) process.exit(1);
