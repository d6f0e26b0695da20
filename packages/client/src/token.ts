import { readSignedToken } from '@game-chat/protocol/custom-auth';
import { isRole, type PlayerId, type Role, validatePlayerId } from '@game-chat/protocol/names';
import { normalizeDisplayName } from '@game-chat/protocol/text';
import { ChatError } from './errors.js';

/** What the SDK reads from a player token. It never verifies the signature: the server does. */
export interface TokenClaims {
  readonly sub: PlayerId;
  /** The display name; absent when the token has none or a malformed one (the server shows `sub`). */
  readonly name: string | undefined;
  /** `player` when the token names no role or an unknown one; the server decides what it allows. */
  readonly role: Role;
  /** Expiry in seconds since the epoch; absent when the token has none. */
  readonly exp: number | undefined;
  /** Allowed channel names or `*`-patterns; absent means every channel. */
  readonly channels: readonly string[] | undefined;
}

/** A token and, for an authorizer with token signing, its signature. */
export interface PlayerCredentials {
  readonly token: string;
  readonly signature: string | undefined;
}

/**
 * Reads what the game handed over as a token (`options.token`, `getToken()`'s result): a
 * non-empty string, or `{ token, signature }` with a base64 signature. Throws
 * `ChatError('invalid')` naming `what` otherwise.
 */
export function readPlayerToken(value: unknown, what: string): PlayerCredentials {
  if (typeof value === 'string') {
    if (value === '') throw new ChatError('invalid', `${what} must be a non-empty string`);
    return { token: value, signature: undefined };
  }
  const signed = readSignedToken(value);
  if (!signed.ok) {
    throw new ChatError(
      'invalid',
      `${what} must be a token string or { token, signature }: ${signed.message}`,
    );
  }
  return signed.value;
}

/** The largest delay `setTimeout` honours (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function decodeBase64Url(segment: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new TypeError('not base64url');
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Reads the claims of a JWT without verifying it (browser-safe: `atob` and `TextDecoder`).
 * Throws `ChatError('invalid')` when the token is not a JWT or names no valid player id.
 */
export function decodeTokenClaims(token: unknown): TokenClaims {
  if (typeof token !== 'string' || token.length === 0) {
    throw new ChatError('invalid', 'token must be a non-empty string');
  }
  const segments = token.split('.');
  let payload: unknown;
  try {
    if (segments.length !== 3) throw new TypeError('not three segments');
    payload = JSON.parse(decodeBase64Url(segments[1] ?? ''));
  } catch (error) {
    throw new ChatError('invalid', 'token is not a JWT', { cause: error });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ChatError('invalid', 'token payload is not a JSON object');
  }
  const claims = payload as Record<string, unknown>;
  const sub = validatePlayerId(claims.sub);
  if (!sub.ok) throw new ChatError('invalid', `token sub: ${sub.message}`);
  const exp =
    typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : undefined;
  const channels =
    Array.isArray(claims.channels) && claims.channels.every((item) => typeof item === 'string')
      ? (claims.channels as string[])
      : undefined;
  const name = normalizeDisplayName(claims.name);
  const role = isRole(claims.role) ? claims.role : 'player';
  return { sub: sub.value, name: name.ok ? name.value : undefined, role, exp, channels };
}

/**
 * How long to wait before fetching a new token: `leadMs` before expiry, or halfway to expiry
 * when the token has less than twice `leadMs` left (a short-lived token is still refreshed in
 * time). `undefined` for a token that never expires; 0 for one that has already expired.
 */
export function refreshDelayMs(
  expSeconds: number | undefined,
  nowMs: number,
  leadMs: number,
): number | undefined {
  if (expSeconds === undefined) return undefined;
  const remaining = expSeconds * 1000 - nowMs;
  if (remaining <= 0) return 0;
  return Math.min(remaining - Math.min(leadMs, remaining / 2), MAX_TIMER_MS);
}
