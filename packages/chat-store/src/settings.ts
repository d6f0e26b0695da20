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
  readonly historySeconds: number;
  readonly historyMax: number;
  /** The history window in milliseconds. */
  readonly windowMs: number;
  /** How long de-duplication remembers an event: one generation of the dedupe hashes. */
  readonly dedupeWindowMs: number;
  /** How long a channel's `meta` outlives its last message. */
  readonly metaTtlMs: number;
  readonly presence: PresenceSettings;
}

/** PresenceSettings.horizonMs: 15 minutes. */
export const PRESENCE_HORIZON_MS = 15 * 60 * 1000;

/** `meta` outlives a quiet channel by an hour, so `recovered` can still be answered. */
const META_LIFETIME_MS = 60 * 60 * 1000;
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
    presence: {
      staleMs:
        positiveInteger(options.presence?.staleSeconds ?? 86_400, 'presence.staleSeconds') * 1000,
      horizonMs: PRESENCE_HORIZON_MS,
      intervalMs: positiveInteger(options.presence?.intervalMs ?? 1000, 'presence.intervalMs'),
      maxMembers: positiveInteger(options.presence?.maxMembers ?? 100, 'presence.maxMembers'),
    },
  };
}
