import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../src/logger.js';

const capture = (options: Omit<LoggerOptions, 'write' | 'now'>) => {
  const lines: string[] = [];
  const log = createLogger({
    ...options,
    write: (line) => lines.push(line),
    now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
  });
  return { log, lines };
};

describe('createLogger', () => {
  it('writes one JSON object per line, errors reduced to name, message and code', () => {
    const { log, lines } = capture({ mode: 'json' });
    const error = Object.assign(new Error('gone'), { code: 'store_unavailable' });
    log.child({ component: 'rules' }).warn('retrying', { attempt: 2, error });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'warn',
        time: '2026-01-02T03:04:05.006Z',
        message: 'retrying',
        component: 'rules',
        attempt: 2,
        error: { name: 'Error', message: 'gone', code: 'store_unavailable' },
      },
    ]);
  });

  it('writes short readable lines in pretty mode', () => {
    const { log, lines } = capture({ mode: 'pretty' });
    log
      .child({ component: 'broker' })
      .info('client connected', { clientId: 'alice', note: 'two words' });
    expect(lines).toEqual([
      '03:04:05.006 INFO  [broker] client connected clientId=alice note="two words"',
    ]);
  });

  it('drops lines under the level, and everything when silent', () => {
    const { log, lines } = capture({ mode: 'json', level: 'warn' });
    log.debug('no');
    log.info('no');
    log.error('yes');
    expect(lines).toHaveLength(1);
    const silent = capture({ mode: 'silent' });
    silent.log.error('no');
    expect(silent.lines).toEqual([]);
  });
});
