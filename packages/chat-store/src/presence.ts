import { type ChannelName, type PlayerId, parseClientId } from '@game-chat/protocol/names';
import { type PresenceMember, SESSION_PATTERN } from '@game-chat/protocol/presence';
import { asArray, type RedisReply } from './connection.js';
import { StoreInputError } from './errors.js';
import * as inputs from './inputs.js';
import { channelKeyBase, playerKeyBase } from './keys.js';
import { PRESENCE_CHANNEL, PRESENCE_CLIENT, PRESENCE_READ } from './scripts.js';
import type { StoreSettings } from './settings.js';

export type LifecycleKind = 'connected' | 'disconnected' | 'subscribed' | 'unsubscribed';

/** One IoT Core lifecycle event, as the presence Lambda read it. */
export interface LifecycleInput {
  readonly kind: LifecycleKind;
  /** `{playerId}` or `{playerId}.{suffix}`. */
  readonly clientId: string;
  /** The event's `sessionIdentifier`: one per connection. */
  readonly session: string;
  /** The event's `timestamp` (epoch ms). */
  readonly at: number;
  /** `versionNumber` (connect and disconnect events only). */
  readonly version?: number;
  /** The room channels of a subscribe or unsubscribe event. */
  readonly channels?: readonly ChannelName[];
}

export interface PresenceBroadcast {
  readonly count: number;
  readonly joined: PresenceMember[];
  readonly left: { id: string }[];
}

/**
 * What a change did to a channel's broadcast: send it now; or it is due later (the caller that
 * marked it `owner` publishes it then with `flushPresence`); or nothing changed.
 */
export type ChannelPresence =
  | {
      readonly channel: ChannelName;
      readonly status: 'publish';
      readonly broadcast: PresenceBroadcast;
    }
  | {
      readonly channel: ChannelName;
      readonly status: 'deferred';
      readonly dueInMs: number;
      readonly owner: boolean;
    }
  | { readonly channel: ChannelName; readonly status: 'unchanged'; readonly count: number };

export interface LifecycleResult {
  /** `stale`: the session was replaced or disconnected; `expired`: older than the horizon. */
  readonly status: 'applied' | 'stale' | 'expired';
  readonly channels: ChannelPresence[];
}

export interface MemberList {
  readonly count: number;
  readonly members: PresenceMember[];
  readonly truncated: boolean;
}

export interface Presence {
  /**
   * Applies one lifecycle event in at most two round trips: the player's slot (the client id's
   * session and subscriptions), then the touched channels' slots together.
   */
  applyLifecycle(input: LifecycleInput): Promise<LifecycleResult>;
  /** Publishes a deferred broadcast once it is due (the owner calls it after waiting). */
  flushPresence(channel: ChannelName): Promise<ChannelPresence>;
  members(channel: ChannelName, limit: number): Promise<MemberList>;
  /** Counts of several channels: one script per channel, sent together. */
  occupancy(channels: readonly ChannelName[]): Promise<Record<string, number>>;
}

const MAX_MEMBERS_LIMIT = 1000;

/** A script's flat `{id, name, ...}` list as members. */
function toMembers(reply: RedisReply | undefined): PresenceMember[] {
  const flat = asArray(reply ?? []).map(String);
  const result: PresenceMember[] = [];
  for (let i = 0; i < flat.length; i += 2)
    result.push({ id: flat[i] ?? '', name: flat[i + 1] ?? '' });
  return result;
}

function toChannelPresence(channel: ChannelName, reply: RedisReply): ChannelPresence {
  const [status, first, second, third] = asArray(reply);
  if (status === 'publish') {
    return {
      channel,
      status,
      broadcast: {
        count: Number(first),
        joined: toMembers(second),
        left: asArray(third ?? []).map((id) => ({ id: String(id) })),
      },
    };
  }
  if (status === 'deferred') {
    return {
      channel,
      status,
      dueInMs: Math.max(0, Number(first) - Number(third)),
      owner: second === 1,
    };
  }
  return { channel, status: 'unchanged', count: Number(first) };
}

export function createPresence(settings: StoreSettings): Presence {
  const { client, keyPrefix, presence } = settings;
  const common = [String(presence.staleMs), String(presence.horizonMs)];

  const channelKeys = (channel: ChannelName) => {
    const base = channelKeyBase(keyPrefix, channel);
    return ['conns', 'lease', 'members', 'names', 'pending', 'presence'].map(
      (name) => `${base}:${name}`,
    );
  };

  const applyToChannel = (channel: ChannelName, args: readonly string[]) =>
    client
      .evalScript(PRESENCE_CHANNEL, channelKeys(channel), [
        ...common,
        String(presence.intervalMs),
        String(presence.maxMembers),
        ...args,
      ])
      .then((reply) => toChannelPresence(channel, reply));

  return {
    async applyLifecycle(input) {
      const { playerId } = inputs.checked(parseClientId(input.clientId));
      if (!SESSION_PATTERN.test(input.session)) {
        throw new StoreInputError('session must be 1-128 characters without spaces');
      }
      const at = inputs.optionalTime(input.at, 'at');
      if (at === '') throw new StoreInputError('at is required');
      const version =
        input.version === undefined ? '' : inputs.optionalTime(input.version, 'version');
      const base = playerKeyBase(keyPrefix, playerId as PlayerId);
      const [status, name, changes] = asArray(
        await client.evalScript(
          PRESENCE_CLIENT,
          [`${base}:conns`, `${base}:subs:${input.clientId}`, base],
          [
            input.kind,
            input.clientId,
            input.session,
            at,
            version,
            ...common,
            ...(input.channels ?? []),
          ],
        ),
      );
      if (status !== 'ok')
        return { status: status === 'stale' ? 'stale' : 'expired', channels: [] };
      const displayName = typeof name === 'string' ? name : playerId;
      const flat = asArray(changes ?? []).map(String);
      const calls: Promise<ChannelPresence>[] = [];
      for (let i = 0; i < flat.length; i += 4) {
        const [channel, op, epoch, when] = flat.slice(i, i + 4) as [
          ChannelName,
          string,
          string,
          string,
        ];
        calls.push(
          applyToChannel(channel, [op, input.clientId, playerId, displayName, epoch, when]),
        );
      }
      return { status: 'applied', channels: await Promise.all(calls) };
    },

    flushPresence(channel) {
      return applyToChannel(channel, ['flush', '']);
    },

    async members(channel, limit) {
      inputs.positiveInteger(limit, 'limit', MAX_MEMBERS_LIMIT);
      const [count, listed] = asArray(
        await client.evalScript(PRESENCE_READ, channelKeys(channel), [...common, String(limit)]),
      );
      const list = toMembers(listed);
      return { count: Number(count), members: list, truncated: Number(count) > list.length };
    },

    async occupancy(channels) {
      const counts = await Promise.all(
        channels.map(async (channel) => {
          const [count] = asArray(
            await client.evalScript(PRESENCE_READ, channelKeys(channel), [...common, '0']),
          );
          return [channel, Number(count)] as const;
        }),
      );
      return Object.fromEntries(counts);
    },
  };
}
