import { DEFAULT_MAX_BLOCKS, DEFAULT_REPORT_RETENTION_DAYS } from '@game-chat/protocol/limits';
import type { RedisConnection } from './connection.js';
import { StoreInputError } from './errors.js';
import { positiveInteger } from './inputs.js';

export interface ChatStoreOptions {
  readonly client: RedisConnection;
  /** History window (`CHAT_HISTORY_SECONDS`). */
  readonly historySeconds?: number;
  /**
   * How long a rule event or a `(sender, clientMsgId)` is remembered for de-duplication: the
   * message filter's maximum event age (`CHAT_MAX_EVENT_AGE_SECONDS`), so that a redelivery is
   * recognised for as long as Lambda may make one. Never shorter than the history window.
   */
  readonly dedupeSeconds?: number;
  /** History cap per channel (`CHAT_HISTORY_MAX`). */
  readonly historyMax?: number;
  /** `CHAT_REDIS_KEY_PREFIX` */
  readonly keyPrefix?: string;
  /** Most players one player may block (`CHAT_MAX_BLOCKS`). */
  readonly maxBlocks?: number;
  /** How long a report is kept (`CHAT_REPORT_RETENTION_DAYS`). */
  readonly reportRetentionDays?: number;
}

/** The options checked once, with the durations every part of the store derives from them. */
export interface StoreSettings {
  readonly client: RedisConnection;
  readonly keyPrefix: string;
  readonly historySeconds: number;
  readonly historyMax: number;
  /** The history window in milliseconds. */
  readonly windowMs: number;
  /** How long de-duplication remembers an event: one generation of the dedupe hashes. */
  readonly dedupeWindowMs: number;
  /** How long a channel's `meta` outlives its last message. */
  readonly metaTtlMs: number;
  readonly maxBlocks: number;
  readonly reportRetentionMs: number;
}

/** `meta` outlives a quiet channel by an hour, so `recovered` can still be answered. */
const META_LIFETIME_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Ten years: past that a retention is a mistake, not a policy. */
const MAX_REPORT_RETENTION_DAYS = 3650;
const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]{1,64}$/;

export function resolveSettings(options: ChatStoreOptions): StoreSettings {
  const historySeconds = positiveInteger(options.historySeconds ?? 30, 'historySeconds');
  const historyMax = positiveInteger(options.historyMax ?? 200, 'historyMax');
  const keyPrefix = options.keyPrefix ?? 'gc';
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new StoreInputError('keyPrefix must be 1-64 characters of A-Z, a-z, 0-9, _ : . or -');
  }
  const windowMs = historySeconds * 1000;
  const dedupeSeconds = positiveInteger(options.dedupeSeconds ?? 1, 'dedupeSeconds');
  return {
    client: options.client,
    keyPrefix,
    historySeconds,
    historyMax,
    windowMs,
    dedupeWindowMs: Math.max(historySeconds, dedupeSeconds) * 1000,
    metaTtlMs: Math.max(META_LIFETIME_MS, 2 * windowMs),
    maxBlocks: positiveInteger(options.maxBlocks ?? DEFAULT_MAX_BLOCKS, 'maxBlocks'),
    reportRetentionMs:
      positiveInteger(
        options.reportRetentionDays ?? DEFAULT_REPORT_RETENTION_DAYS,
        'reportRetentionDays',
        MAX_REPORT_RETENTION_DAYS,
      ) * DAY_MS,
  };
}
