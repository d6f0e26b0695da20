import {
  DEFAULT_MAX_BLOCKS,
  DEFAULT_REPORT_RETENTION_DAYS,
  MAX_CHANNEL_MESSAGES,
  MAX_RETENTION_SECONDS,
} from '@game-chat/protocol/limits';
import type { ChannelRetention } from './channel-log.js';
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
  /** Presence: `CHAT_PRESENCE_STALE_SECONDS`, `CHAT_PRESENCE_INTERVAL_MS`, `CHAT_PRESENCE_MAX_MEMBERS`. */
  readonly presence?: Partial<PresenceOptions>;
  /** Most players one player may block (`CHAT_MAX_BLOCKS`). */
  readonly maxBlocks?: number;
  /** How long a report is kept (`CHAT_REPORT_RETENTION_DAYS`). */
  readonly reportRetentionDays?: number;
}

export interface PresenceOptions {
  /**
   * How long a connection or a channel membership lives without a lifecycle event: the bound on
   * a member whose disconnect event was lost. IoT Core closes every connection within a day.
   */
  readonly staleSeconds: number;
  /** At most one presence broadcast per channel per this many milliseconds. */
  readonly intervalMs: number;
  /** Above this many members a broadcast carries only the count. */
  readonly maxMembers: number;
}

export interface PresenceSettings {
  readonly staleMs: number;
  /**
   * How long a lifecycle event is judged (older ones are ignored) and a disconnect remembered,
   * so that a late duplicate cannot bring a member back: past Lambda's async retries (about 1
   * and 2 minutes) and the ±2 minutes of a lifecycle timestamp.
   */
  readonly horizonMs: number;
  readonly intervalMs: number;
  readonly maxMembers: number;
}

/** The options checked once, with the durations every part of the store derives from them. */
export interface StoreSettings {
  readonly client: RedisConnection;
  readonly keyPrefix: string;
  /** A channel's retention when the caller passes none (`historySeconds`, `historyMax`). */
  readonly retention: ChannelRetention;
  /** How long de-duplication remembers an event: one generation of the dedupe hashes. */
  readonly dedupeWindowMs: number;
  readonly presence: PresenceSettings;
  readonly maxBlocks: number;
  readonly reportRetentionMs: number;
}

/** PresenceSettings.horizonMs: 15 minutes. */
export const PRESENCE_HORIZON_MS = 15 * 60 * 1000;

/**
 * `meta` (the channel's counter, and the counters of deleted messages) outlives a quiet
 * channel's last message by two windows, and at least an hour, so `recovered` can still be
 * answered after the stream itself expired.
 */
const META_LIFETIME_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Ten years: past that a retention is a mistake, not a policy. */
const MAX_REPORT_RETENTION_DAYS = 3650;
const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]{1,64}$/;

export function metaTtlFor(windowMs: number): number {
  return Math.max(META_LIFETIME_MS, 2 * windowMs);
}

/** A channel class from the caller: whole seconds up to a month, and a cap. */
export function checkRetention(retention: ChannelRetention): ChannelRetention {
  positiveInteger(retention.retentionSeconds, 'retentionSeconds', MAX_RETENTION_SECONDS);
  positiveInteger(retention.maxMessages, 'maxMessages', MAX_CHANNEL_MESSAGES);
  return retention;
}

export function resolveSettings(options: ChatStoreOptions): StoreSettings {
  const historySeconds = positiveInteger(options.historySeconds ?? 30, 'historySeconds');
  const historyMax = positiveInteger(options.historyMax ?? 200, 'historyMax');
  const keyPrefix = options.keyPrefix ?? 'gc';
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new StoreInputError('keyPrefix must be 1-64 characters of A-Z, a-z, 0-9, _ : . or -');
  }
  const dedupeSeconds = positiveInteger(options.dedupeSeconds ?? 1, 'dedupeSeconds');
  return {
    client: options.client,
    keyPrefix,
    retention: { retentionSeconds: historySeconds, maxMessages: historyMax },
    // Not per class: a resend or a redelivery comes within seconds or minutes, however long the
    // channel keeps its messages.
    dedupeWindowMs: Math.max(historySeconds, dedupeSeconds) * 1000,
    maxBlocks: positiveInteger(options.maxBlocks ?? DEFAULT_MAX_BLOCKS, 'maxBlocks'),
    reportRetentionMs:
      positiveInteger(
        options.reportRetentionDays ?? DEFAULT_REPORT_RETENTION_DAYS,
        'reportRetentionDays',
        MAX_REPORT_RETENTION_DAYS,
      ) * DAY_MS,
    presence: {
      staleMs:
        positiveInteger(options.presence?.staleSeconds ?? 86_400, 'presence.staleSeconds') * 1000,
      horizonMs: PRESENCE_HORIZON_MS,
      intervalMs: positiveInteger(options.presence?.intervalMs ?? 1000, 'presence.intervalMs'),
      maxMembers: positiveInteger(options.presence?.maxMembers ?? 100, 'presence.maxMembers'),
    },
  };
}
