import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptedValues } from './config.js';
import { CHAT_FUNCTIONS, type ChatFunction, SETTINGS, type Setting } from './settings.js';

/**
 * Writes the settings tables of the docs from the SETTINGS table (`pnpm docs:settings`), the way
 * infra's module-docs script writes the Terraform inputs. A table sits between
 * `<!-- settings-table: <columns> [for=<function>] -->` and `<!-- /settings-table -->`; the
 * marker names the columns, and `for=` keeps the settings one function reads, so each doc shows
 * what its readers need. Text outside the markers is kept.
 */

/** The files that hold a settings table, from the repository root. */
export const SETTINGS_DOCS = [
  'README.md',
  'docs/design.md',
  'docs/contract.md',
  'packages/lambda-runtime/README.md',
  'infra/modules/chat-functions/README.md',
  'packages/message-filter/README.md',
  'packages/chat-api/README.md',
  'packages/authorizer/README.md',
] as const;

const COLUMNS = {
  variable: { header: 'variable', cell: (row: Setting) => `\`${row.env}\`` },
  key: { header: 'config key', cell: (row: Setting) => (row.key ? `\`${row.key}\`` : '—') },
  default: { header: 'default', cell: defaultText },
  accepted: { header: 'accepted', cell: acceptedValues },
  usedBy: { header: 'used by', cell: usedByText },
  terraform: {
    header: 'Terraform (chat-functions)',
    cell: (row: Setting) => (row.terraform ? `\`${row.terraform.functions}\`` : '—'),
  },
  stack: {
    header: 'Terraform (chat-stack)',
    cell: (row: Setting) => (row.terraform?.stack ? `\`${row.terraform.stack}\`` : '—'),
  },
  doc: { header: 'what', cell: (row: Setting) => row.doc },
} as const satisfies Record<string, { header: string; cell: (row: Setting) => string }>;

export type SettingsColumn = keyof typeof COLUMNS;

function defaultText(row: Setting): string {
  if (row.default === undefined) return '—';
  if (row.default === '') return 'none';
  return typeof row.default === 'number' ? String(row.default) : `\`${row.default}\``;
}

function usedByText(row: Setting): string {
  return row.usedBy.length === CHAT_FUNCTIONS.length ? 'all' : row.usedBy.join(', ');
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;');

function isColumn(name: string): name is SettingsColumn {
  return Object.hasOwn(COLUMNS, name);
}

function isFunction(name: string): name is ChatFunction {
  return (CHAT_FUNCTIONS as readonly string[]).includes(name);
}

/**
 * The Markdown table with these columns of every setting, or of those `only` reads; not yet
 * aligned.
 */
export function renderSettingsTable(
  columns: readonly SettingsColumn[],
  only?: ChatFunction,
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rows = (SETTINGS as readonly Setting[]).filter(
    (row) => only === undefined || row.usedBy.includes(only),
  );
  return [
    line(columns.map((column) => COLUMNS[column].header)),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map((column) => cell(COLUMNS[column].cell(row))))),
  ].join('\n');
}

/** Aligns a Markdown table as the repository's formatter does, so lint and this agree. */
export type MarkdownFormatter = (table: string) => string;

const BLOCK = /(<!-- settings-table: ([^>]*?) -->\n)[\s\S]*?(<!-- \/settings-table -->)/g;

/** `text` with every settings table rewritten; throws on a marker naming an unknown column. */
export function renderSettingsBlocks(text: string, format: MarkdownFormatter): string {
  return text.replace(BLOCK, (_block, open: string, names: string, close: string) => {
    const words = names.trim().split(/\s+/);
    const only = words.find((word) => word.startsWith('for='))?.slice('for='.length);
    if (only !== undefined && !isFunction(only)) throw new Error(`unknown function: ${only}`);
    const columns = words.filter((word) => !word.startsWith('for='));
    const unknown = columns.filter((name) => !isColumn(name));
    if (unknown.length > 0) throw new Error(`unknown settings-table column: ${unknown.join(', ')}`);
    const table = format(renderSettingsTable(columns as SettingsColumn[], only)).trimEnd();
    return `${open}\n${table}\n\n${close}`;
  });
}

/** biome's Markdown formatter, run from the repository root's node_modules. */
export function biomeFormatter(root: string): MarkdownFormatter {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  return (table) => {
    const run = spawnSync(biome, ['format', '--stdin-file-path=settings.md'], {
      input: table,
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`biome format: ${run.stderr}`);
    return run.stdout;
  };
}

/**
 * Rewrites the settings tables of SETTINGS_DOCS, or with `check` only reports them; returns the
 * files that differed from what the table renders.
 */
export function updateSettingsDocs(
  root: string,
  options: { readonly check?: boolean; readonly format?: MarkdownFormatter } = {},
): string[] {
  const format = options.format ?? biomeFormatter(root);
  const stale: string[] = [];
  for (const file of SETTINGS_DOCS) {
    const path = join(root, file);
    const current = readFileSync(path, 'utf8');
    if (!current.includes('<!-- settings-table:')) {
      throw new Error(`${file} has no settings-table block`);
    }
    const rendered = renderSettingsBlocks(current, format);
    if (rendered === current) continue;
    stale.push(file);
    if (!options.check) writeFileSync(path, rendered);
  }
  return stale;
}
