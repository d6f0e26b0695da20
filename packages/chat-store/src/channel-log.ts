import { PROTOCOL_VERSION } from '@game-chat/protocol/limits';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import {
  type ChatMessage,
  type MessageKind,
  type SYSTEM_SENDER,
  validateClientMsgId,
} from '@game-chat/protocol/payloads';
import { countCodePoints, hasLoneSurrogate, normalizeDisplayName } from '@game-chat/protocol/text';
import { asArray, type RedisReply } from './connection.js';
import { StoreInputError } from './errors.js';
import * as inputs from './inputs.js';
import { channelKeyBase } from './keys.js';
import { APPEND, CLOCK_AND_COUNTER, EVIDENCE, RECENT, REMOVE } from './scripts.js';
import { checkRetention, metaTtlFor, type StoreSettings } from './settings.js';

/** Who a stored message is from: a player, or the system (announcements, deletions). */
export interface EntrySender {
  readonly id: PlayerId | typeof SYSTEM_SENDER.id;
  readonly name: string;
}

/** What gets stored in a channel; the store adds `id`, `channel` and `sentAt`. */
export interface StoreEntry {
  readonly kind: MessageKind;
  readonly from: EntrySender;
  readonly text: string;
  readonly clientMsgId?: string;
  /** The rule event's id: a redelivered event is stored once. */
  readonly ingestId?: string;
  readonly moderated?: boolean;
  /** For `delete` events: the removed message. */
  readonly targetId?: string;
  /** For the `system` message announcing a slow mode change: the new interval (0: off). */
  readonly slowModeSeconds?: number;
}

/** How long a channel keeps its messages and how many at most: its class (or the defaults). */
export interface ChannelRetention {
  readonly retentionSeconds: number;
  readonly maxMessages: number;
}

export interface AppendOptions {
  /** The channel's class; default: the store's `historySeconds` / `historyMax`. */
  readonly retention?: ChannelRetention;
  /** The channel's rate limit (burst = rate), counted by `receivedAt`; absent or 0: none. */
  readonly channelRatePerSecond?: number;
  /** When IoT received the message (epoch ms), which the channel limit charges; default now. */
  readonly receivedAt?: number;
  /**
   * The player the channel's slow mode applies to (the sender); absent: exempt (moderators,
   * system messages).
   */
  readonly slowModeSender?: PlayerId;
}

export type AppendResult =
  /** `duplicate`: stored before (same ingestId, or same sender and clientMsgId); not again. */
  | { readonly status: 'stored' | 'duplicate'; readonly message: ChatMessage }
  | { readonly status: 'rate_limited'; readonly retryAfterMs: number }
  /** The sender posted in this channel less than `seconds` (its slow mode) ago. */
  | { readonly status: 'slow_mode'; readonly retryAfterMs: number; readonly seconds: number };

/** What a report copies from history: the message and those around it still there. */
export interface Evidence {
  readonly message: ChatMessage;
  /** Oldest first. */
  readonly before: ChatMessage[];
  /** Oldest first. */
  readonly after: ChatMessage[];
}

/**
 * A page of a channel: the newest `limit` messages (neither cursor), the `limit` just older than
 * `before` (scrollback), or the oldest `limit` newer than `after` (recovery). Ids are exclusive.
 */
export interface RecentOptions {
  readonly after?: string;
  readonly before?: string;
  readonly limit: number;
  /** The channel's class; default: the store's `historySeconds` / `historyMax`. */
  readonly retention?: ChannelRetention;
}

export interface RecentResult extends ChannelRetention {
  /** Oldest first. */
  readonly messages: ChatMessage[];
  /** False when messages after `after` have expired or were trimmed: the reader missed some. */
  readonly recovered: boolean;
  /**
   * More messages lie beyond this page in the direction it reads: older ones for the newest
   * page and `before` pages, newer ones for `after` pages.
   */
  readonly hasMore: boolean;
  /** The channel's slow mode interval; 0 when off. */
  readonly slowModeSeconds: number;
}

/** A channel's slot: its bounded stream of messages, de-duplication, rate limit and meta. */
export interface ChannelLog {
  /** Channel slot: de-duplicate, channel rate limit, store, trim, expire. */
  append(channel: ChannelName, entry: StoreEntry, options?: AppendOptions): Promise<AppendResult>;
  /** One page: see RecentOptions. `after` and `before` together are refused. */
  recent(channel: ChannelName, options: RecentOptions): Promise<RecentResult>;
  remove(
    channel: ChannelName,
    id: string,
    options?: { readonly retention?: ChannelRetention },
  ): Promise<boolean>;
  /** Slow mode: one message per player per `seconds` (moderators exempt); 0 turns it off. */
  setSlowMode(channel: ChannelName, seconds: number): Promise<void>;
  /**
   * Message `id` and up to `before`/`after` messages around it that are still in history
   * (`delete` events left out; the window and cap of `retention`, the channel's class); null
   * when `id` is not (or no longer) in history.
   */
  evidence(
    channel: ChannelName,
    id: string,
    around: {
      readonly before: number;
      readonly after: number;
      readonly retention?: ChannelRetention;
    },
  ): Promise<Evidence | null>;
}

function retentionOf(bounds: Bounds): ChannelRetention {
  return { retentionSeconds: bounds.retentionSeconds, maxMessages: bounds.maxMessages };
}

/** Slow mode's longest interval a store accepts; the API holds players to SLOW_MODE bounds. */
const MAX_SLOW_MODE_SECONDS = 86_400;

/** Far above any configurable text limit; only a bound on what may reach Redis. */
const MAX_STORED_TEXT_LENGTH = 10_000;

/**
 * The backstop for the entry's plain strings (the sender's id is a checked PlayerId): text,
 * display name, clientMsgId and ids must be what a message may hold before they reach Redis.
 */
function checkEntry(entry: StoreEntry): void {
  inputs.checked(normalizeDisplayName(entry.from.name));
  if (hasLoneSurrogate(entry.text) || countCodePoints(entry.text) > MAX_STORED_TEXT_LENGTH) {
    throw new StoreInputError('text must be valid Unicode of at most 10000 characters');
  }
  inputs.checked(validateClientMsgId(entry.clientMsgId));
  if (entry.ingestId !== undefined) inputs.checkIngestId(entry.ingestId);
  if (entry.kind === 'delete' || entry.targetId !== undefined) inputs.messageId(entry.targetId);
  if (entry.slowModeSeconds !== undefined && entry.slowModeSeconds !== 0) {
    inputs.positiveInteger(entry.slowModeSeconds, 'slowModeSeconds', MAX_SLOW_MODE_SECONDS);
  }
}

/** Stream entry fields (docs/design.md): k kind, f from id, n from name, t text, c, m, x, s. */
export function entryFields(entry: StoreEntry): string[] {
  const fields = ['k', entry.kind, 'f', entry.from.id, 'n', entry.from.name, 't', entry.text];
  if (entry.clientMsgId !== undefined) fields.push('c', entry.clientMsgId);
  if (entry.moderated === true) fields.push('m', '1');
  if (entry.targetId !== undefined) fields.push('x', entry.targetId);
  if (entry.slowModeSeconds !== undefined) fields.push('s', String(entry.slowModeSeconds));
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
    ...(value.s === undefined ? {} : { slowModeSeconds: Number(value.s) }),
  };
}

function toMessages(channel: string, entries: RedisReply): ChatMessage[] {
  return asArray(entries ?? []).map((entry) => {
    const [id, fields] = asArray(entry);
    return toMessage(channel, String(id), asArray(fields ?? []));
  });
}

const notDeleteEvent = (message: ChatMessage) => message.kind !== 'delete';

/** A class's bounds as the channel scripts take them. */
interface Bounds extends ChannelRetention {
  readonly windowMs: number;
  /** How long the channel's `meta` (and its deleted counters) outlive its last message. */
  readonly metaTtlMs: number;
}

function boundsFor(settings: StoreSettings, retention = settings.retention): Bounds {
  if (retention !== settings.retention) checkRetention(retention);
  const windowMs = retention.retentionSeconds * 1000;
  return { ...retention, windowMs, metaTtlMs: metaTtlFor(windowMs) };
}

export function channelKeys(keyPrefix: string, channel: ChannelName) {
  const base = channelKeyBase(keyPrefix, channel);
  return {
    log: `${base}:log`,
    dedupe: [`${base}:dedupe:0`, `${base}:dedupe:1`] as const,
    /** Counter, upkeep and the channel's rate ring (scripts.ts, CHANNEL_HELPERS). */
    meta: `${base}:meta`,
    deleted: `${base}:deleted`,
    slow: `${base}:slow`,
    slowPost: [`${base}:slowpost:0`, `${base}:slowpost:1`] as const,
  };
}

/**
 * The checked entry's stream fields and the arguments of `channel_args` (scripts.ts), which
 * APPEND and POST share.
 */
export function appendParts(
  settings: StoreSettings,
  entry: StoreEntry,
  options: AppendOptions,
): { readonly channelArgs: string[]; readonly fields: string[] } {
  checkEntry(entry);
  const bounds = boundsFor(settings, options.retention);
  const channelRate = options.channelRatePerSecond ?? 0;
  if (channelRate !== 0) inputs.checkRate(channelRate, 'channelRatePerSecond');
  return {
    channelArgs: [
      String(bounds.windowMs),
      String(bounds.maxMessages),
      String(channelRate),
      String(bounds.metaTtlMs),
      inputs.optionalTime(options.receivedAt, 'receivedAt'),
      options.slowModeSender ?? '',
    ],
    fields: entryFields(entry),
  };
}

/** APPEND's reply, or the tail of POST's. */
export function toAppendResult(
  channel: ChannelName,
  reply: readonly RedisReply[],
  fields: readonly string[],
): AppendResult {
  const [status, first, stored] = reply;
  if (status === 'rate_limited') return { status, retryAfterMs: Number(first) };
  if (status === 'slow_mode') {
    return { status, retryAfterMs: Number(first), seconds: Number(stored) };
  }
  // A duplicate whose original was trimmed since: same sender and content by definition.
  return {
    status: status === 'duplicate' ? 'duplicate' : 'stored',
    message: toMessage(channel, String(first), Array.isArray(stored) ? stored : fields),
  };
}

export function createChannelLog(settings: StoreSettings): ChannelLog {
  const { client, dedupeWindowMs } = settings;
  const boundsOf = (retention?: ChannelRetention) => boundsFor(settings, retention);
  const keysOf = (channel: ChannelName) => channelKeys(settings.keyPrefix, channel);

  /**
   * The newest page (read on every join), or the page just older than `before` (scrollback):
   * one XREVRANGE of at most `limit + 1` entries from the cursor, pipelined with the slot's clock
   * and counter (one round trip), so its cost depends on the page size only, not on the
   * channel's length or on other channels. Inside a script the same read costs several times the
   * Redis CPU, because every entry is copied into Lua tables and back. The window and the count
   * cap are applied here, with the clock of the channel's own node: expired and capped entries
   * are the oldest, so they can only end the page.
   */
  async function olderPage(
    keys: ReturnType<typeof keysOf>,
    channel: ChannelName,
    limit: number,
    before: string | undefined,
    bounds: Bounds,
  ): Promise<RecentResult> {
    const end = before === undefined ? '+' : `(${before}`;
    const [clock, newest] = await Promise.all([
      client.evalScript(CLOCK_AND_COUNTER, [keys.meta, keys.slow], []),
      client.command(['XREVRANGE', keys.log, end, '-', 'COUNT', String(limit + 1)]),
    ]);
    const [now, counter, slow] = asArray(clock);
    const cutoff = Number(now) - bounds.windowMs;
    const capped =
      counter === null || counter === undefined ? 0 : Number(counter) - bounds.maxMessages;
    const messages: ChatMessage[] = [];
    let hasMore = false;
    for (const entry of asArray(newest)) {
      const [id, fields] = asArray(entry);
      const [ms = '0', seq = '0'] = String(id).split('-');
      if (Number(ms) < cutoff || Number(seq) <= capped) break;
      if (messages.length === limit) {
        hasMore = true;
        break;
      }
      messages.push(toMessage(channel, String(id), asArray(fields ?? [])));
    }
    return {
      messages: messages.reverse(),
      recovered: true,
      hasMore,
      slowModeSeconds: Number(slow ?? 0),
      ...retentionOf(bounds),
    };
  }

  return {
    async append(channel, entry, appendOptions = {}) {
      const keys = keysOf(channel);
      const { channelArgs, fields } = appendParts(settings, entry, appendOptions);
      const reply = await client.evalScript(
        APPEND,
        [keys.log, ...keys.dedupe, keys.meta, keys.slow, ...keys.slowPost],
        [
          ...channelArgs,
          entry.clientMsgId === undefined ? '' : `c:${entry.from.id}:${entry.clientMsgId}`,
          entry.ingestId === undefined ? '' : `i:${entry.ingestId}`,
          String(dedupeWindowMs),
          ...fields,
        ],
      );
      return toAppendResult(channel, asArray(reply), fields);
    },

    async recent(channel, { after, before, limit, retention }) {
      const keys = keysOf(channel);
      inputs.positiveInteger(limit, 'limit', 1000);
      const bounds = boundsOf(retention);
      if (after !== undefined && before !== undefined) {
        throw new StoreInputError('after and before cannot be used together');
      }
      if (after === undefined) {
        const cursor = before === undefined ? undefined : inputs.messageId(before);
        return olderPage(keys, channel, limit, cursor, bounds);
      }
      const [afterMs = '', afterSeq = ''] = inputs.messageId(after).split('-');
      const [entries, recovered, hasMore, slow] = asArray(
        await client.evalScript(
          RECENT,
          [keys.log, keys.meta, keys.deleted, keys.slow],
          [
            String(bounds.windowMs),
            String(bounds.maxMessages),
            String(limit),
            String(bounds.metaTtlMs),
            afterMs,
            afterSeq,
          ],
        ),
      );
      return {
        messages: toMessages(channel, entries ?? []),
        recovered: recovered === 1,
        hasMore: hasMore === 1,
        slowModeSeconds: Number(slow ?? 0),
        ...retentionOf(bounds),
      };
    },

    async remove(channel, id, options = {}) {
      const keys = keysOf(channel);
      const checkedId = inputs.messageId(id);
      const bounds = boundsOf(options.retention);
      const counter = checkedId.slice(checkedId.indexOf('-') + 1);
      const removed = await client.evalScript(
        REMOVE,
        [keys.log, keys.deleted],
        [checkedId, counter, String(bounds.maxMessages), String(bounds.metaTtlMs)],
      );
      return removed === 1;
    },

    async setSlowMode(channel, seconds) {
      const keys = keysOf(channel);
      if (seconds === 0) {
        await client.command(['DEL', keys.slow]);
        return;
      }
      inputs.positiveInteger(seconds, 'seconds', MAX_SLOW_MODE_SECONDS);
      await client.command(['SET', keys.slow, String(seconds)]);
    },

    async evidence(channel, id, around) {
      const keys = keysOf(channel);
      const bounds = boundsOf(around.retention);
      const checkedId = inputs.messageId(id);
      const before = inputs.positiveInteger(around.before, 'before', 1000);
      const after = inputs.positiveInteger(around.after, 'after', 1000);
      const reply = await client.evalScript(
        EVIDENCE,
        [keys.log, keys.meta],
        [
          String(bounds.windowMs),
          String(bounds.maxMessages),
          checkedId,
          String(before),
          String(after),
        ],
      );
      if (reply === null) return null;
      const [entry, older, newer] = asArray(reply);
      const [messageId, fields] = asArray(entry ?? []);
      return {
        message: toMessage(channel, String(messageId), asArray(fields ?? [])),
        before: toMessages(channel, older ?? [])
          .reverse()
          .filter(notDeleteEvent),
        after: toMessages(channel, newer ?? []).filter(notDeleteEvent),
      };
    },
  };
}
