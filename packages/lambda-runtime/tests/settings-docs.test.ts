import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/settings.js';
import {
  renderSettingsBlocks,
  renderSettingsTable,
  updateSettingsDocs,
} from '../src/settings-docs.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const unformatted = (table: string) => table;

describe('the settings tables of the docs', () => {
  it('are what `pnpm docs:settings` writes from the SETTINGS table', () => {
    // Fails when a doc was edited by hand or SETTINGS changed: run `pnpm docs:settings`.
    expect(updateSettingsDocs(root, { check: true })).toEqual([]);
  }, 30_000);

  it('cover every setting, with the columns the marker names', () => {
    const table = renderSettingsTable(['variable', 'default', 'usedBy']);
    const lines = table.split('\n');
    expect(lines[0]).toBe('| variable | default | used by |');
    expect(lines).toHaveLength(SETTINGS.length + 2);
    expect(lines).toContain('| `CHAT_HISTORY_MAX` | 200 | message-filter, chat-api |');
    expect(lines).toContain('| `CHAT_TOPIC_PREFIX` | `chat` | all |');
    expect(lines).toContain('| `CHAT_TOKEN_SECRET` | — | chat-api, authorizer |');
  });

  it('replace only what is between the markers', () => {
    const doc = 'intro\n<!-- settings-table: variable -->\nstale\n<!-- /settings-table -->\nend\n';
    const rendered = renderSettingsBlocks(doc, unformatted);
    expect(rendered.startsWith('intro\n<!-- settings-table: variable -->\n\n| variable |')).toBe(
      true,
    );
    expect(rendered.endsWith('|\n\n<!-- /settings-table -->\nend\n')).toBe(true);
    expect(rendered).not.toContain('stale');
  });

  it('keep only the settings one function reads, with for=', () => {
    const doc = '<!-- settings-table: variable for=authorizer -->\n<!-- /settings-table -->\n';
    const rows = renderSettingsBlocks(doc, unformatted)
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows).toEqual([
      '| `REDIS_URL` |',
      '| `CHAT_TOPIC_PREFIX` |',
      '| `CHAT_TOKEN_SECRET` |',
      '| `CHAT_TOKEN_PUBLIC_KEY` |',
      '| `CHAT_TOKEN_JWKS_URL` |',
      '| `CHAT_REDIS_KEY_PREFIX` |',
      '| `CHAT_REDIS_AUTH_SECRET_ARN` |',
      '| `CHAT_TOKEN_SECRET_ARN` |',
    ]);
    expect(() =>
      renderSettingsBlocks(
        '<!-- settings-table: variable for=web -->\n<!-- /settings-table -->',
        unformatted,
      ),
    ).toThrow(/web/);
  });

  it('refuse a marker that names an unknown column', () => {
    const doc = '<!-- settings-table: variable color -->\n<!-- /settings-table -->\n';
    expect(() => renderSettingsBlocks(doc, unformatted)).toThrow(/color/);
  });
});
