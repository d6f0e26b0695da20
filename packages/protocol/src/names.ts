import { CLIENT_SUFFIX_PATTERN, NAME_PATTERN } from './limits.js';
import { fail, ok, type Result } from './result.js';

/** A channel name, checked against contract §2; a topic level with no `+ # $ /` in it. */
export type ChannelName = string & { readonly __brand: 'ChannelName' };
/** A player id, checked against contract §2. */
export type PlayerId = string & { readonly __brand: 'PlayerId' };

export const ROLES = ['player', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Moderator and admin may moderate; players may not. */
export function canModerate(role: Role): boolean {
  return role === 'moderator' || role === 'admin';
}

function validateName(input: unknown, what: string): Result<string> {
  if (typeof input !== 'string') return fail('invalid', `${what} must be a string`);
  if (input.length === 0) return fail('empty', `${what} is empty`);
  if (!NAME_PATTERN.test(input)) {
    return fail('invalid', `${what} must be 1-64 characters of A-Z, a-z, 0-9, _ or -`);
  }
  return ok(input);
}

export function validateChannel(input: unknown): Result<ChannelName> {
  return validateName(input, 'channel') as Result<ChannelName>;
}

export function validatePlayerId(input: unknown): Result<PlayerId> {
  return validateName(input, 'player id') as Result<PlayerId>;
}

export interface ClientIdParts {
  readonly playerId: PlayerId;
  readonly suffix: string | undefined;
}

/** Splits an MQTT client id `{playerId}` or `{playerId}.{suffix}` (`alice.tab2` → `alice`). */
export function parseClientId(input: unknown): Result<ClientIdParts> {
  if (typeof input !== 'string' || input.length === 0) {
    return fail('invalid', 'client id must be a non-empty string');
  }
  const dot = input.indexOf('.');
  const player = dot === -1 ? input : input.slice(0, dot);
  const suffix = dot === -1 ? undefined : input.slice(dot + 1);
  const playerId = validatePlayerId(player);
  if (!playerId.ok) return fail('invalid', `client id: ${playerId.message}`);
  if (suffix !== undefined && !CLIENT_SUFFIX_PATTERN.test(suffix)) {
    return fail('invalid', 'client id suffix must be 1-32 characters of A-Z, a-z, 0-9, _ or -');
  }
  return ok({ playerId: playerId.value, suffix });
}

/** Builds the client id for a player and an optional suffix (one per tab or device). */
export function formatClientId(playerId: PlayerId | string, suffix?: string): string {
  return suffix === undefined ? playerId : `${playerId}.${suffix}`;
}

/**
 * Matches a channel against a token's `channels` claim: exact names or `*` patterns
 * (`Town*`); an absent claim allows every channel.
 */
export function channelAllowed(channel: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  return allowed.some((pattern) => {
    if (!pattern.includes('*')) return pattern === channel;
    const parts = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.*')}$`).test(channel);
  });
}
