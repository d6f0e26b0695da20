/**
 * The stack's own log: one JSON object per line for machines, or short readable lines for a
 * person at a terminal. The Lambda bundles log with their own logger, as they do on AWS.
 */

export type LogMode = 'json' | 'pretty' | 'silent';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. the component). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly mode: LogMode;
  readonly level?: LogLevel;
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return value;
}

function prettyValue(value: unknown): string {
  const simple = plain(value);
  if (typeof simple === 'string') return /\s/.test(simple) ? JSON.stringify(simple) : simple;
  return JSON.stringify(simple);
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const threshold = LEVELS.indexOf(options.level ?? 'info');

  const log = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (options.mode === 'silent' || LEVELS.indexOf(level) < threshold) return;
    const all = { ...bound, ...fields };
    if (options.mode === 'json') {
      const entries = Object.entries(all).map(([key, value]) => [key, plain(value)]);
      const record = { level, time: now().toISOString(), message, ...Object.fromEntries(entries) };
      write(JSON.stringify(record));
      return;
    }
    const time = now().toISOString().slice(11, 23);
    const { component, ...rest } = all;
    const prefix = component === undefined ? '' : `[${String(component)}] `;
    const details = Object.entries(rest).map(([key, value]) => ` ${key}=${prettyValue(value)}`);
    write(`${time} ${level.toUpperCase().padEnd(5)} ${prefix}${message}${details.join('')}`);
  };

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}
