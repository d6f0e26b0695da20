import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { SECRET_SETTINGS } from '../src/secrets.js';
import {
  defaultValueOf,
  SETTING_DEFAULTS,
  SETTINGS,
  type Setting,
  settingOf,
} from '../src/settings.js';

const rows: readonly Setting[] = SETTINGS;

describe('the SETTINGS table', () => {
  it('names each variable and each config key once', () => {
    const envs = rows.map((row) => row.env);
    const keys = rows.flatMap((row) => (row.key === undefined ? [] : [row.key]));
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has defaults that its own rules accept, written back as they are read', () => {
    for (const row of rows) {
      if (row.default === undefined || row.key === undefined) continue;
      const config = loadConfig({ [row.env]: String(row.default) }) as Record<string, unknown>;
      expect(config[row.key], row.env).toEqual(defaultValueOf(row));
    }
  });

  it('keeps numeric defaults inside their bounds', () => {
    for (const row of rows) {
      if (row.kind === 'integer') {
        expect(row.default ?? row.min, row.env).toBeGreaterThanOrEqual(row.min);
        expect(row.default ?? row.max, row.env).toBeLessThanOrEqual(row.max);
      }
      if (row.kind === 'rate') {
        expect(row.default, row.env).toBeGreaterThan(0);
        expect(row.default, row.env).toBeLessThanOrEqual(row.max);
      }
    }
  });

  it('refuses one past each bound, naming the variable', () => {
    for (const row of rows) {
      if (row.kind !== 'integer' && row.kind !== 'rate') continue;
      const below = row.kind === 'integer' ? row.min - 1 : 0;
      for (const value of [below, row.max + 1]) {
        if (value < 0) continue;
        expect(() => loadConfig({ [row.env]: String(value) }), `${row.env}=${value}`).toThrow(
          ConfigError,
        );
      }
    }
  });

  it('lists the defaults by config key', () => {
    expect(SETTING_DEFAULTS).toEqual({
      topicPrefix: 'chat',
      historySeconds: 30,
      historyMax: 200,
      maxTextLength: 500,
      rateBurst: 5,
      ratePerSecond: 1,
      channelRatePerSecond: 50,
      profanity: 'mask',
      historyRequireAuth: true,
      redisKeyPrefix: 'gc',
      retryBudgetMs: 8000,
      maxEventAgeSeconds: 300,
      channelClasses: [],
      presenceIntervalMs: 1000,
      presenceMaxMembers: 100,
      presenceStaleSeconds: 86_400,
      maxBlocks: 500,
      reportRetentionDays: 30,
    });
  });

  it('declares the secret ARNs that ./secrets resolves, into settings of the table', () => {
    const arns = rows.filter((row) => row.kind === 'secret-arn');
    expect(arns.map((row) => row.env).sort()).toEqual(Object.values(SECRET_SETTINGS).sort());
    for (const row of arns) {
      if (row.kind !== 'secret-arn') continue;
      const target = rows.find((candidate) => candidate.env === row.into);
      expect(target?.usedBy, row.env).toEqual(row.usedBy);
    }
  });

  it('finds a row by its variable', () => {
    expect(settingOf('CHAT_MAX_EVENT_AGE_SECONDS')).toMatchObject({ min: 60, max: 21_600 });
  });
});
