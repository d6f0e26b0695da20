import { MAX_MUTE_REASON_LENGTH, MAX_MUTE_SECONDS } from '@game-chat/protocol/limits';
import { isRole, type PlayerId, type Role } from '@game-chat/protocol/names';
import { isMessageId, type SYSTEM_SENDER } from '@game-chat/protocol/payloads';
import { countCodePoints, hasLoneSurrogate, normalizeDisplayName } from '@game-chat/protocol/text';
import { asArray, type RedisReply } from './connection.js';
import { StoreInputError } from './errors.js';
import * as inputs from './inputs.js';
import { playerKeyBase } from './keys.js';
import {
  ADMIT,
  BLOCK,
  MUTE,
  MUTE_STATE,
  PROFILE,
  RECIPIENT_STATUS,
  SET_PROFILE,
  UNMUTE,
} from './scripts.js';
import type { StoreSettings } from './settings.js';

export interface Profile {
  readonly name: string;
  readonly role: Role;
}

export interface RateLimit {
  /** Messages allowed at once. */
  readonly burst: number;
  /** Refill rate in messages per second. */
  readonly perSecond: number;
}

export interface AdmitInput {
  readonly playerId: PlayerId;
  /** The rule event's id: a redelivered event is admitted again without a charge. */
  readonly ingestId: string;
  readonly rate: RateLimit;
  /** When IoT received the message (epoch ms), which the rate limit charges; default now. */
  readonly receivedAt?: number;
  /**
   * The message's target and clientMsgId (`send/Town137:a1b2`): a resend of a message admitted
   * before is the same admission, not charged again.
   */
  readonly resendKey?: string;
  /** The id a whisper goes out under, kept with the admission so that a resend reuses it. */
  readonly whisperId?: string;
}

/**
 * An admission that goes on: `admitted` the first time (charged), `in-progress` when the same
 * event or message was admitted before and its admission not completed yet (not charged again).
 */
export interface Admission {
  readonly status: 'admitted' | 'in-progress';
  readonly profile: Profile | null;
  /** The admission's idempotency key, for `completeAdmission`. */
  readonly key: string;
  /** The whisper's id: the first admission's, whichever event or resend this is. */
  readonly whisperId?: string;
}

export type AdmitResult =
  | Admission
  /** Admitted and completed before: there is nothing left to do. */
  | { readonly status: 'completed' }
  | { readonly status: 'muted'; readonly until: number; readonly reason?: string }
  | { readonly status: 'rate_limited'; readonly retryAfterMs: number };

export interface MuteState {
  readonly until: number;
  readonly reason?: string;
  readonly by?: string;
}

export interface BlockedPlayer {
  readonly id: PlayerId;
  /** When it was blocked, epoch ms. */
  readonly since: number;
}

export type BlockResult =
  | { readonly status: 'blocked'; readonly since: number }
  /** The block list already holds `maxBlocks` players. */
  | { readonly status: 'full' };

/** Whether a whisper may reach its recipient. */
export type RecipientStatus = 'ok' | 'offline' | 'ignored';

/**
 * A player's slot: profile, mute, rate limit, the events and resends already admitted, and the
 * player's block list.
 */
export interface Players {
  /**
   * Player slot, one idempotency record per message: admitted before (the same event, or a
   * resend)? mute? per-player rate limit? Returns the profile.
   */
  admit(input: AdmitInput): Promise<AdmitResult>;
  /**
   * Marks an admission completed (its message delivered), so that the same event or message
   * admitted again is `completed`. True when it was in progress.
   */
  completeAdmission(playerId: PlayerId, key: string): Promise<boolean>;
  setProfile(playerId: PlayerId, profile: Profile, ttlSeconds: number): Promise<void>;
  getProfile(playerId: PlayerId): Promise<Profile | null>;
  mute(
    playerId: PlayerId,
    options: { seconds: number; reason?: string; by: PlayerId | typeof SYSTEM_SENDER.id },
  ): Promise<{ until: number }>;
  unmute(playerId: PlayerId): Promise<boolean>;
  getMute(playerId: PlayerId): Promise<MuteState | null>;
  /** Adds `blocked` to `playerId`'s block list (at most `maxBlocks`); again keeps `since`. */
  block(playerId: PlayerId, blocked: PlayerId): Promise<BlockResult>;
  /** True when `blocked` was on the list. */
  unblock(playerId: PlayerId, blocked: PlayerId): Promise<boolean>;
  /** The block list, oldest block first. */
  blocks(playerId: PlayerId): Promise<BlockedPlayer[]>;
  /**
   * One round trip before a whisper goes out: `offline` when the recipient has no live
   * connection, `ignored` when the recipient blocked the sender, else `ok`.
   */
  recipientStatus(recipient: PlayerId, sender: PlayerId): Promise<RecipientStatus>;
}

/** `{send|whisper}/{channel or player}:{clientMsgId}`: names and ids of contract §2 and §3. */
const RESEND_KEY_PATTERN = /^(send|whisper)\/[A-Za-z0-9_-]{1,64}:[!-~]{1,64}$/;
const MAX_PROFILE_TTL_SECONDS = 366 * 24 * 60 * 60;

function optionalString(reply: RedisReply | undefined): string | undefined {
  return typeof reply === 'string' ? reply : undefined;
}

function toProfile(name: RedisReply | undefined, role: RedisReply | undefined): Profile | null {
  if (typeof name !== 'string' || !isRole(role)) return null;
  return { name, role };
}

export function isAdmission(result: AdmitResult): result is Admission {
  return result.status === 'admitted' || result.status === 'in-progress';
}

/** ADMIT's (and POST's) first arguments: see `admission_args` in scripts.ts. */
export function admissionArgs(input: AdmitInput, dedupeWindowMs: number): string[] {
  const { ingestId, rate, receivedAt, resendKey, whisperId } = input;
  inputs.checkIngestId(ingestId);
  const burst = inputs.positiveInteger(rate.burst, 'rate.burst');
  inputs.checkRate(rate.perSecond, 'rate.perSecond');
  if (resendKey !== undefined && !RESEND_KEY_PATTERN.test(resendKey)) {
    throw new StoreInputError('resendKey must be {kind}/{name}:{clientMsgId}');
  }
  return [
    ingestId,
    String(burst),
    String(rate.perSecond),
    String(dedupeWindowMs),
    inputs.optionalTime(receivedAt, 'receivedAt'),
    resendKey ?? '',
    whisperId === undefined ? '' : inputs.messageId(whisperId),
  ];
}

/** ADMIT's reply (and the head of POST's). */
export function toAdmitResult(reply: readonly RedisReply[]): AdmitResult {
  const [status, first, second, key, firstWhisperId] = reply;
  if (status === 'completed') return { status };
  if (status === 'muted') {
    const reason = optionalString(second);
    return { status, until: Number(first), ...(reason ? { reason } : {}) };
  }
  if (status === 'rate_limited') return { status, retryAfterMs: Number(first) };
  return {
    status: status === 'admitted' ? 'admitted' : 'in-progress',
    profile: toProfile(first, second),
    key: String(key),
    ...(isMessageId(firstWhisperId) ? { whisperId: firstWhisperId } : {}),
  };
}

export function createPlayers(settings: StoreSettings): Players {
  const { client, keyPrefix, dedupeWindowMs, presence, maxBlocks } = settings;

  const playerKeys = (playerId: PlayerId) => {
    const base = playerKeyBase(keyPrefix, playerId);
    return {
      /** Profile, mute, rate limit and admissions: one hash (scripts.ts, PLAYER_HELPERS). */
      player: base,
      /** The player's connections (presence): what RECIPIENT_STATUS reads first. */
      conns: `${base}:conns`,
      /** Sorted set: blocked player id → since (ms); what RECIPIENT_STATUS reads second. */
      blocks: `${base}:blocks`,
    };
  };

  return {
    async admit(input) {
      const reply = await client.evalScript(
        ADMIT,
        [playerKeys(input.playerId).player],
        admissionArgs(input, dedupeWindowMs),
      );
      return toAdmitResult(asArray(reply));
    },

    async completeAdmission(playerId, key) {
      const mark = `p:${inputs.checkIngestId(key)}`;
      return (await client.command(['HDEL', playerKeys(playerId).player, mark])) === 1;
    },

    async setProfile(playerId, profile, ttlSeconds) {
      const keys = playerKeys(playerId);
      const name = inputs.checked(normalizeDisplayName(profile.name));
      const ttl = inputs.positiveInteger(ttlSeconds, 'ttlSeconds', MAX_PROFILE_TTL_SECONDS);
      await client.evalScript(SET_PROFILE, [keys.player], [String(ttl * 1000), name, profile.role]);
    },

    async getProfile(playerId) {
      const reply = await client.evalScript(PROFILE, [playerKeys(playerId).player], []);
      if (reply === null) return null;
      const [name, role] = asArray(reply);
      return toProfile(name, role);
    },

    async mute(playerId, { seconds, reason, by }) {
      const keys = playerKeys(playerId);
      inputs.positiveInteger(seconds, 'seconds', MAX_MUTE_SECONDS);
      if (
        reason !== undefined &&
        (hasLoneSurrogate(reason) || countCodePoints(reason) > MAX_MUTE_REASON_LENGTH)
      ) {
        throw new StoreInputError(`reason must be at most ${MAX_MUTE_REASON_LENGTH} characters`);
      }
      const until = await client.evalScript(
        MUTE,
        [keys.player],
        [String(seconds * 1000), by, reason ?? ''],
      );
      return { until: Number(until) };
    },

    async unmute(playerId) {
      return (await client.evalScript(UNMUTE, [playerKeys(playerId).player], [])) === 1;
    },

    async getMute(playerId) {
      const reply = await client.evalScript(MUTE_STATE, [playerKeys(playerId).player], []);
      if (reply === null) return null;
      const [until, reason, by] = asArray(reply);
      const state: { until: number; reason?: string; by?: string } = { until: Number(until) };
      if (typeof reason === 'string') state.reason = reason;
      if (typeof by === 'string') state.by = by;
      return state;
    },

    async block(playerId, blocked) {
      const [status, since] = asArray(
        await client.evalScript(BLOCK, [playerKeys(playerId).blocks], [blocked, String(maxBlocks)]),
      );
      return status === 'full' ? { status } : { status: 'blocked', since: Number(since) };
    },

    async unblock(playerId, blocked) {
      return (await client.command(['ZREM', playerKeys(playerId).blocks, blocked])) === 1;
    },

    async blocks(playerId) {
      const reply = asArray(
        await client.command(['ZRANGE', playerKeys(playerId).blocks, '0', '-1', 'WITHSCORES']),
      );
      const list: BlockedPlayer[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) {
        list.push({ id: String(reply[i]) as PlayerId, since: Number(reply[i + 1]) });
      }
      return list;
    },

    async recipientStatus(recipient, sender) {
      const keys = playerKeys(recipient);
      const status = await client.evalScript(
        RECIPIENT_STATUS,
        [keys.conns, keys.blocks],
        [sender, String(presence.staleMs)],
      );
      return status === 'offline' || status === 'ignored' ? status : 'ok';
    },
  };
}
