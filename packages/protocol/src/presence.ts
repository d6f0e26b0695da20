import { PROTOCOL_VERSION } from './limits.js';
import { type ChannelName, validateChannel } from './names.js';
import { type JsonObject, own, parseJsonObject } from './payloads.js';
import { fail, ok, type Result } from './result.js';

/**
 * Presence (contract §3, §5): who is in a channel and how many. A player is in a channel while at
 * least one of its connections is subscribed to the channel's room topic.
 */

/** `GET /channels/{channel}/presence?limit=`: members listed per answer. */
export const PRESENCE_LIMIT_MIN = 1;
export const PRESENCE_LIMIT_MAX = 1000;
export const PRESENCE_LIMIT_DEFAULT = 100;
/** `GET /occupancy?channels=`: names per request. */
export const OCCUPANCY_MAX_CHANNELS = 100;

export interface PresenceMember {
  readonly id: string;
  readonly name: string;
}

/**
 * What the presence Lambda publishes on `presence/{channel}`, at most once per channel per
 * `CHAT_PRESENCE_INTERVAL_MS`: the count, and the members who joined or left since the last
 * one (both empty above `CHAT_PRESENCE_MAX_MEMBERS` members: only the count is sent).
 */
export interface PresenceEvent {
  readonly v: typeof PROTOCOL_VERSION;
  readonly kind: 'presence';
  readonly channel: string;
  readonly count: number;
  readonly joined: readonly PresenceMember[];
  readonly left: readonly { readonly id: string }[];
}

export interface PresenceResponse {
  readonly channel: string;
  readonly count: number;
  readonly members: readonly PresenceMember[];
  /** True when the channel has more members than `limit` listed. */
  readonly truncated: boolean;
}

export interface OccupancyResponse {
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * IoT Core's `sessionIdentifier` is a UUID; anything without spaces, of a sane length, is kept
 * (the presence Lambda's input check and the store's backstop).
 */
export const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** A member count, a timestamp or a version: a whole number from 0. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isEntry(value: unknown, withName: boolean): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as JsonObject;
  return (
    typeof own(entry, 'id') === 'string' && (!withName || typeof own(entry, 'name') === 'string')
  );
}

function isEntryList(value: unknown, withName: boolean): boolean {
  return Array.isArray(value) && value.every((entry) => isEntry(entry, withName));
}

/** Checks a message received on a `presence` topic; clients drop anything else. */
export function parsePresenceEvent(raw: string | Uint8Array): Result<PresenceEvent> {
  const body = parseJsonObject(raw, Number.POSITIVE_INFINITY);
  if (!body.ok) return body;
  const event = body.value;
  if (
    own(event, 'v') !== PROTOCOL_VERSION ||
    own(event, 'kind') !== 'presence' ||
    !validateChannel(own(event, 'channel')).ok ||
    !isCount(own(event, 'count')) ||
    !isEntryList(own(event, 'joined'), true) ||
    !isEntryList(own(event, 'left'), false)
  ) {
    return fail('invalid', 'malformed presence event');
  }
  return ok(event as unknown as PresenceEvent);
}

export interface PresenceQuery {
  readonly channel: ChannelName;
  readonly limit: number;
}

/** `GET /channels/{channel}/presence?limit=`: `limit` 1-1000, default 100. */
export function parsePresenceQuery(
  channel: unknown,
  query: { readonly limit?: unknown } = {},
): Result<PresenceQuery> {
  const checked = validateChannel(channel);
  if (!checked.ok) return checked;
  const { limit } = query;
  if (limit === undefined) return ok({ channel: checked.value, limit: PRESENCE_LIMIT_DEFAULT });
  const value = typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : Number.NaN;
  if (!(value >= PRESENCE_LIMIT_MIN && value <= PRESENCE_LIMIT_MAX)) {
    return fail(
      'invalid',
      `limit must be a whole number ${PRESENCE_LIMIT_MIN}-${PRESENCE_LIMIT_MAX}`,
    );
  }
  return ok({ channel: checked.value, limit: value });
}

/**
 * `GET /occupancy?channels=a,b,c`: 1-100 distinct channel names, comma-separated. A bad name,
 * a duplicate or too many names is refused with the reason (nothing is read).
 */
export function parseOccupancyQuery(channels: unknown): Result<ChannelName[]> {
  if (typeof channels !== 'string' || channels === '') {
    return fail('invalid', 'channels must list 1-100 channel names, comma-separated');
  }
  const names = channels.split(',');
  if (names.length > OCCUPANCY_MAX_CHANNELS) {
    return fail('invalid', `channels lists more than ${OCCUPANCY_MAX_CHANNELS} names`);
  }
  const seen = new Set<string>();
  const result: ChannelName[] = [];
  for (const name of names) {
    const checked = validateChannel(name);
    if (!checked.ok) return fail('invalid', `channels: ${checked.message}`);
    if (seen.has(checked.value)) return fail('invalid', `channels names ${name} twice`);
    seen.add(checked.value);
    result.push(checked.value);
  }
  return ok(result);
}
