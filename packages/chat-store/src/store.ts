import {
  MAX_MUTE_REASON_LENGTH,
  MAX_MUTE_SECONDS,
  PROTOCOL_VERSION,
} from '@game-chat/protocol/limits';
import { isRole, type Role, validateChannel, validatePlayerId } from '@game-chat/protocol/names';
import {
  type ChatMessage,
  isMessageId,
  MESSAGE_KINDS,
  type MessageKind,
  type Sender,
  validateClientMsgId,
} from '@game-chat/protocol/payloads';
import { countCodePoints, hasLoneSurrogate, normalizeDisplayName } from '@game-chat/protocol/text';
import type { RedisConnection, RedisReply } from './connection.js';
import { StoreInputError } from './errors.js';
import {
  ADMIT,
  APPEND,
  CLOCK_AND_COUNTER,
  MARK_PUBLISHED,
  MUTE,
  RECENT,
  REMOVE,
  SET_PROFILE,
} from './scripts.js';

export type { Role };

export interface Profile {
  readonly name: string;
  readonly role: Role;
}

/** What gets stored in a channel; the store adds `id`, `channel` and `sentAt`. */
export interface StoreEntry {
  readonly kind: MessageKind;
  readonly from: Sender;
  readonly text: string;
  readonly clientMsgId?: string;
  /** The rule event's id: a redelivered event is stored once. */
  readonly ingestId?: string;
  readonly moderated?: boolean;
  /** For `delete` events: the removed message. */
  readonly targetId?: string;
}

export interface RateLimit {
  /** Messages allowed at once. */
  readonly burst: number;
  /** Refill rate in messages per second. */
  readonly perSecond: number;
}

export interface AdmitInput {
  readonly playerId: string;
  /** The rule event's id: a redelivered event is admitted again without a charge. */
  readonly ingestId: string;
  readonly rate: RateLimit;
  /** When IoT received the message (epoch ms), which the rate limit charges; default now. */
  readonly receivedAt?: number;
  /**
   * The message's target and clientMsgId (`send/Town137:a1b2`): a resend of a message admitted
   * before is a retry, not charged again.
   */
  readonly resendKey?: string;
  /** A whisper's id: remembered with it, with a mark that it still has to be published. */
  readonly whisperId?: string;
}

/** A whisper admitted before: its first id, and whether it still has to be published. */
export interface AdmittedWhisper {
  readonly id: string;
  readonly unpublished: boolean;
}

export type AdmitResult =
  | {
      readonly ok: true;
      readonly profile: Profile | null;
      readonly retry: boolean;
      /** On a retry of a whisper (`whisperId` given the first time). */
      readonly whisper?: AdmittedWhisper;
    }
  | { readonly ok: false; readonly code: 'muted'; readonly until: number; readonly reason?: string }
  | { readonly ok: false; readonly code: 'rate_limited'; readonly retryAfterMs: number };

export interface AppendOptions {
  /** The channel's rate limit (burst = rate), counted by `receivedAt`; absent or 0: none. */
  readonly channelRatePerSecond?: number;
  /** When IoT received the message (epoch ms), which the channel limit charges; default now. */
  readonly receivedAt?: number;
  /**
   * Mark a new message "still to be published" until `markPublished`, so that a retry finding
   * it as a duplicate (`unpublished: true`) publishes it.
   */
  readonly trackPublish?: boolean;
}

export type AppendResult =
  | {
      readonly ok: true;
      readonly message: ChatMessage;
      readonly duplicate: boolean;
      /** Tracked and not yet marked published (always true for a new tracked message). */
      readonly unpublished: boolean;
    }
  | { readonly ok: false; readonly code: 'rate_limited'; readonly retryAfterMs: number };

export interface RecentResult {
  /** Oldest first. */
  readonly messages: ChatMessage[];
  /** False when messages after `after` have expired or were trimmed: the reader missed some. */
  readonly recovered: boolean;
  readonly retentionSeconds: number;
}

export interface MuteState {
  readonly until: number;
  readonly reason?: string;
  readonly by?: string;
}

export interface ChatStore {
  /** Player slot: redelivered event or resend? mute? per-player rate limit? Returns the profile. */
  admit(input: AdmitInput): Promise<AdmitResult>;
  /** Channel slot: de-duplicate, channel rate limit, store, trim, expire. */
  append(channel: string, entry: StoreEntry, options?: AppendOptions): Promise<AppendResult>;
  /** Without `after`: the newest `limit` messages; with it: the oldest `limit` after it. */
  recent(channel: string, options: { after?: string; limit: number }): Promise<RecentResult>;
  remove(channel: string, id: string): Promise<boolean>;
  setProfile(playerId: string, profile: Profile, ttlSeconds: number): Promise<void>;
  getProfile(playerId: string): Promise<Profile | null>;
  mute(
    playerId: string,
    options: { seconds: number; reason?: string; by: string },
  ): Promise<{ until: number }>;
  unmute(playerId: string): Promise<boolean>;
  getMute(playerId: string): Promise<MuteState | null>;
  /** Clears the mark of an `append` with `trackPublish`; true when it was there. */
  markPublished(channel: string, id: string): Promise<boolean>;
  /** The same for a whisper admitted with `whisperId`, kept with its sender. */
  markWhisperPublished(senderId: string, whisperId: string): Promise<boolean>;
}

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
}

/** `meta` outlives a quiet channel by an hour, so `recovered` can still be answered. */
const META_LIFETIME_MS = 60 * 60 * 1000;
const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_:.-]{1,64}$/;
const INGEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** `{send|whisper}/{channel or player}:{clientMsgId}`: names and ids of SPEC §2 and §3. */
const RESEND_KEY_PATTERN = /^(send|whisper)\/[A-Za-z0-9_-]{1,64}:[!-~]{1,64}$/;
/** Far above any configurable text limit; only a bound on what may reach Redis. */
const MAX_STORED_TEXT_LENGTH = 10_000;
const MAX_PROFILE_TTL_SECONDS = 366 * 24 * 60 * 60;

function positiveInteger(value: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new StoreInputError(`${what} must be a whole number 1-${max}`);
  }
  return value;
}

function checked<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new StoreInputError(result.message);
  return result.value;
}

function messageId(id: unknown): string {
  if (!isMessageId(id)) throw new StoreInputError('message id must look like 1764081600123-0');
  return id;
}

/** An epoch-ms time from the caller; absent means Redis's own now. */
function optionalTime(value: number | undefined, what: string): string {
  if (value === undefined) return '';
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreInputError(`${what} must be epoch milliseconds`);
  }
  return String(value);
}

function checkRate(rate: number, what: string): number {
  if (!(rate > 0 && Number.isFinite(rate))) {
    throw new StoreInputError(`${what} must be a positive number`);
  }
  return rate;
}

function checkIngestId(ingestId: unknown): string {
  if (typeof ingestId !== 'string' || !INGEST_ID_PATTERN.test(ingestId)) {
    throw new StoreInputError('ingestId must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
  }
  return ingestId;
}

function checkEntry(entry: StoreEntry): void {
  if (!(MESSAGE_KINDS as readonly unknown[]).includes(entry.kind)) {
    throw new StoreInputError(`kind must be one of ${MESSAGE_KINDS.join(', ')}`);
  }
  if (entry.from.id !== 'system') checked(validatePlayerId(entry.from.id));
  checked(normalizeDisplayName(entry.from.name));
  if (
    typeof entry.text !== 'string' ||
    hasLoneSurrogate(entry.text) ||
    countCodePoints(entry.text) > MAX_STORED_TEXT_LENGTH
  ) {
    throw new StoreInputError('text must be valid Unicode of at most 10000 characters');
  }
  checked(validateClientMsgId(entry.clientMsgId));
  if (entry.ingestId !== undefined) checkIngestId(entry.ingestId);
  if (entry.kind === 'delete' || entry.targetId !== undefined) messageId(entry.targetId);
}

/** Stream entry fields (docs/design.md): k kind, f from id, n from name, t text, c, m, x. */
function entryFields(entry: StoreEntry): string[] {
  const fields = ['k', entry.kind, 'f', entry.from.id, 'n', entry.from.name, 't', entry.text];
  if (entry.clientMsgId !== undefined) fields.push('c', entry.clientMsgId);
  if (entry.moderated === true) fields.push('m', '1');
  if (entry.targetId !== undefined) fields.push('x', entry.targetId);
  return fields;
}

function toMessage(channel: string, id: string, fields: readonly RedisReply[]): ChatMessage {
  const value: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) value[String(fields[i])] = String(fields[i + 1]);
  return {
    v: PROTOCOL_VERSION,
    id,
    kind: (value.k ?? 'chat') as MessageKind,
    channel,
    from: { id: value.f ?? '', name: value.n ?? '' },
    text: value.t ?? '',
    sentAt: Number(id.slice(0, id.indexOf('-'))),
    ...(value.c === undefined ? {} : { clientMsgId: value.c }),
    ...(value.m === '1' ? { moderated: true as const } : {}),
    ...(value.x === undefined ? {} : { targetId: value.x }),
  };
}

function asArray(reply: RedisReply): RedisReply[] {
  if (!Array.isArray(reply)) throw new TypeError(`unexpected Redis reply: ${String(reply)}`);
  return reply;
}

function optionalString(reply: RedisReply | undefined): string | undefined {
  return typeof reply === 'string' ? reply : undefined;
}

function toProfile(name: RedisReply | undefined, role: RedisReply | undefined): Profile | null {
  if (typeof name !== 'string' || !isRole(role)) return null;
  return { name, role };
}

export function createChatStore(options: ChatStoreOptions): ChatStore {
  const { client } = options;
  const historySeconds = positiveInteger(options.historySeconds ?? 30, 'historySeconds');
  const historyMax = positiveInteger(options.historyMax ?? 200, 'historyMax');
  const keyPrefix = options.keyPrefix ?? 'gc';
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new StoreInputError('keyPrefix must be 1-64 characters of A-Z, a-z, 0-9, _ : . or -');
  }
  const windowMs = historySeconds * 1000;
  const dedupeWindowMs =
    Math.max(historySeconds, positiveInteger(options.dedupeSeconds ?? 1, 'dedupeSeconds')) * 1000;

  /**
   * The newest page, read on every join: a plain XREVRANGE pipelined with the slot's clock and
   * counter (one round trip). Inside a script the same read costs several times the Redis CPU,
   * because every entry is copied into Lua tables and back. The window and the count cap are
   * applied here, with the clock of the channel's own node.
   */
  async function newestPage(
    keys: ReturnType<typeof channelKeys>,
    channel: string,
    limit: number,
  ): Promise<RecentResult> {
    const [clock, newest] = await Promise.all([
      client.evalScript(CLOCK_AND_COUNTER, [keys.meta], []),
      client.command(['XREVRANGE', keys.log, '+', '-', 'COUNT', String(limit)]),
    ]);
    const [now, counter] = asArray(clock);
    const cutoff = Number(now) - windowMs;
    const capped = counter === null || counter === undefined ? 0 : Number(counter) - historyMax;
    const messages: ChatMessage[] = [];
    for (const entry of asArray(newest)) {
      const [id, fields] = asArray(entry);
      const [ms = '0', seq = '0'] = String(id).split('-');
      if (Number(ms) < cutoff || Number(seq) <= capped) break;
      messages.push(toMessage(channel, String(id), asArray(fields ?? [])));
    }
    return { messages: messages.reverse(), recovered: true, retentionSeconds: historySeconds };
  }
  const metaTtlMs = Math.max(META_LIFETIME_MS, 2 * windowMs);

  // Hash tags: every key of one channel (one player) lands on one cluster slot.
  const channelKeys = (channel: string) => {
    const base = `${keyPrefix}:ch:{${checked(validateChannel(channel))}}`;
    return {
      log: `${base}:log`,
      dedupe: [`${base}:dedupe:0`, `${base}:dedupe:1`] as const,
      rate: `${base}:rate`,
      meta: `${base}:meta`,
      deleted: `${base}:deleted`,
    };
  };
  const playerKeys = (playerId: string) => {
    const base = `${keyPrefix}:pl:{${checked(validatePlayerId(playerId))}}`;
    return {
      profile: `${base}:profile`,
      mute: `${base}:mute`,
      rate: `${base}:rate`,
      seen: [`${base}:seen:0`, `${base}:seen:1`] as const,
    };
  };

  return {
    async admit({ playerId, ingestId, rate, receivedAt, resendKey, whisperId }) {
      const keys = playerKeys(playerId);
      checkIngestId(ingestId);
      const burst = positiveInteger(rate.burst, 'rate.burst');
      checkRate(rate.perSecond, 'rate.perSecond');
      if (resendKey !== undefined && !RESEND_KEY_PATTERN.test(resendKey)) {
        throw new StoreInputError('resendKey must be {kind}/{name}:{clientMsgId}');
      }
      const reply = asArray(
        await client.evalScript(
          ADMIT,
          [keys.mute, keys.rate, ...keys.seen, keys.profile],
          [
            ingestId,
            String(burst),
            String(rate.perSecond),
            String(dedupeWindowMs),
            optionalTime(receivedAt, 'receivedAt'),
            resendKey ?? '',
            whisperId === undefined ? '' : messageId(whisperId),
          ],
        ),
      );
      const [outcome, first, second, third, firstWhisper, unpublished] = reply;
      if (outcome === 'muted') {
        const reason = optionalString(second);
        return { ok: false, code: 'muted', until: Number(first), ...(reason ? { reason } : {}) };
      }
      if (outcome === 'rate_limited') {
        return { ok: false, code: 'rate_limited', retryAfterMs: Number(first) };
      }
      const retry = third === 1;
      return {
        ok: true,
        profile: toProfile(first, second),
        retry,
        ...(retry && isMessageId(firstWhisper)
          ? { whisper: { id: firstWhisper, unpublished: unpublished === 1 } }
          : {}),
      };
    },

    async append(channel, entry, appendOptions = {}) {
      const keys = channelKeys(channel);
      checkEntry(entry);
      const channelRate = appendOptions.channelRatePerSecond ?? 0;
      if (channelRate !== 0) checkRate(channelRate, 'channelRatePerSecond');
      const reply = asArray(
        await client.evalScript(
          APPEND,
          [keys.log, ...keys.dedupe, keys.rate, keys.meta],
          [
            String(windowMs),
            String(historyMax),
            String(channelRate),
            String(metaTtlMs),
            entry.clientMsgId === undefined ? '' : `c:${entry.from.id}:${entry.clientMsgId}`,
            entry.ingestId === undefined ? '' : `i:${entry.ingestId}`,
            String(dedupeWindowMs),
            optionalTime(appendOptions.receivedAt, 'receivedAt'),
            appendOptions.trackPublish === true ? '1' : '0',
            ...entryFields(entry),
          ],
        ),
      );
      const [outcome, first, stored, unpublished] = reply;
      if (outcome === 'rate_limited') {
        return { ok: false, code: 'rate_limited', retryAfterMs: Number(first) };
      }
      const id = String(first);
      const duplicate = outcome === 'duplicate';
      // A duplicate whose original was trimmed since: same sender and content by definition.
      const fields = Array.isArray(stored) ? stored : entryFields(entry);
      return {
        ok: true,
        message: toMessage(channel, id, fields),
        duplicate,
        unpublished: duplicate ? unpublished === 1 : appendOptions.trackPublish === true,
      };
    },

    async recent(channel, { after, limit }) {
      const keys = channelKeys(channel);
      positiveInteger(limit, 'limit', 1000);
      if (after === undefined) return newestPage(keys, channel, limit);
      const [afterMs = '', afterSeq = ''] = messageId(after).split('-');
      const [entries, recovered] = asArray(
        await client.evalScript(
          RECENT,
          [keys.log, keys.meta, keys.deleted],
          [
            String(windowMs),
            String(historyMax),
            String(limit),
            String(metaTtlMs),
            afterMs,
            afterSeq,
          ],
        ),
      );
      const messages = asArray(entries ?? []).map((entry) => {
        const [id, fields] = asArray(entry);
        return toMessage(channel, String(id), asArray(fields ?? []));
      });
      return { messages, recovered: recovered === 1, retentionSeconds: historySeconds };
    },

    async remove(channel, id) {
      const keys = channelKeys(channel);
      const checkedId = messageId(id);
      const counter = checkedId.slice(checkedId.indexOf('-') + 1);
      const removed = await client.evalScript(
        REMOVE,
        [keys.log, keys.deleted],
        [checkedId, counter, String(historyMax), String(metaTtlMs)],
      );
      return removed === 1;
    },

    async setProfile(playerId, profile, ttlSeconds) {
      const keys = playerKeys(playerId);
      const name = checked(normalizeDisplayName(profile.name));
      if (!isRole(profile.role))
        throw new StoreInputError('role must be player, moderator or admin');
      const ttl = positiveInteger(ttlSeconds, 'ttlSeconds', MAX_PROFILE_TTL_SECONDS);
      await client.evalScript(
        SET_PROFILE,
        [keys.profile],
        [String(ttl * 1000), name, profile.role],
      );
    },

    async getProfile(playerId) {
      const keys = playerKeys(playerId);
      const [name, role] = asArray(await client.command(['HMGET', keys.profile, 'name', 'role']));
      return toProfile(name, role);
    },

    async mute(playerId, { seconds, reason, by }) {
      const keys = playerKeys(playerId);
      positiveInteger(seconds, 'seconds', MAX_MUTE_SECONDS);
      if (by !== 'system') checked(validatePlayerId(by));
      if (
        reason !== undefined &&
        (typeof reason !== 'string' ||
          hasLoneSurrogate(reason) ||
          countCodePoints(reason) > MAX_MUTE_REASON_LENGTH)
      ) {
        throw new StoreInputError(`reason must be at most ${MAX_MUTE_REASON_LENGTH} characters`);
      }
      const until = await client.evalScript(
        MUTE,
        [keys.mute],
        [String(seconds * 1000), by, reason ?? ''],
      );
      return { until: Number(until) };
    },

    async unmute(playerId) {
      return (await client.command(['DEL', playerKeys(playerId).mute])) === 1;
    },

    async getMute(playerId) {
      const keys = playerKeys(playerId);
      const [until, reason, by] = asArray(
        await client.command(['HMGET', keys.mute, 'until', 'reason', 'by']),
      );
      if (typeof until !== 'string') return null;
      const state: { until: number; reason?: string; by?: string } = { until: Number(until) };
      if (typeof reason === 'string') state.reason = reason;
      if (typeof by === 'string') state.by = by;
      return state;
    },

    async markPublished(channel, id) {
      const keys = channelKeys(channel);
      return (await client.evalScript(MARK_PUBLISHED, keys.dedupe, [messageId(id)])) === 1;
    },

    async markWhisperPublished(senderId, whisperId) {
      const keys = playerKeys(senderId);
      return (await client.evalScript(MARK_PUBLISHED, keys.seen, [messageId(whisperId)])) === 1;
    },
  };
}
