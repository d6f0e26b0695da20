import { type IssuerKeys, signTokenForAuthorizer } from '@game-chat/auth/signing';
import { issuePlayerToken } from '@game-chat/auth/tokens';
import type { CustomAuthCredentials } from '@game-chat/protocol/custom-auth';
import { isRole } from '@game-chat/protocol/names';
import { parseJsonObject } from '@game-chat/protocol/payloads';
import type { LocalEndpoint } from './api-gateway/server.js';
import { EmulatorError } from './errors.js';

/**
 * Development tokens: what a game's backend does in production, done by the local stack so a
 * playtester or a test can get a token for any player (contract §8): HS256 with the stack's secret,
 * signed for the custom authorizer with the stack's signing key, and with what a client needs to
 * connect: the authorizer's name and token key name.
 */

export interface TokenRequest {
  readonly name?: string;
  readonly role?: string;
  readonly channels?: readonly string[];
  readonly expiresInSeconds?: number;
}

export const DEFAULT_TOKEN_SECONDS = 3600;
/** The longest a development token may live: IoT's longest connection. */
export const MAX_TOKEN_SECONDS = 86_400;

/** `{ token, signature, authorizerName, tokenKeyName }`, the answer of `POST /dev/tokens`. */
export type DevCredentials = CustomAuthCredentials & { readonly authorizerName: string };

export interface TokenIssuer {
  /** A player token for the claims, signed, with the authorizer's name and token key name. */
  issue(playerId: string, request?: TokenRequest): Promise<DevCredentials>;
  /** Any token, signed the same way (for hand-made tokens the issuer refuses to make). */
  sign(token: string): DevCredentials;
}

export interface TokenIssuerOptions {
  readonly keys: IssuerKeys;
  readonly authorizerName: string;
  readonly tokenKeyName: string;
}

/** Invalid claims: the message says which. */
export class TokenRequestError extends EmulatorError<'invalid'> {
  constructor(message: string) {
    super('invalid', message);
  }
}

export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keys, authorizerName, tokenKeyName } = options;
  const sign = (token: string): DevCredentials => ({
    token,
    signature: signTokenForAuthorizer(token, keys.authorizerSigning),
    authorizerName,
    tokenKeyName,
  });
  const issue = async (playerId: string, request: TokenRequest = {}) => {
    const expiresInSeconds = request.expiresInSeconds ?? DEFAULT_TOKEN_SECONDS;
    if (
      !Number.isInteger(expiresInSeconds) ||
      expiresInSeconds < 1 ||
      expiresInSeconds > MAX_TOKEN_SECONDS
    ) {
      throw new TokenRequestError(`expiresInSeconds must be a whole number 1-${MAX_TOKEN_SECONDS}`);
    }
    const { role } = request;
    if (role !== undefined && !isRole(role)) {
      throw new TokenRequestError('role must be player, moderator or admin');
    }
    try {
      const token = await issuePlayerToken(
        {
          sub: playerId,
          ...(request.name === undefined ? {} : { name: request.name }),
          ...(role === undefined ? {} : { role }),
          ...(request.channels === undefined ? {} : { channels: request.channels }),
        },
        keys.playerToken,
        { expiresInSeconds },
      );
      return sign(token);
    } catch (error) {
      // issuePlayerToken throws a TypeError naming the claim it refused.
      if (error instanceof TypeError) throw new TokenRequestError(error.message);
      throw error;
    }
  };
  return { issue, sign };
}

const badRequest = (message: string) => ({
  statusCode: 400,
  body: { error: { code: 'invalid', message } },
});

/** `POST /dev/tokens` with `{ playerId, name?, role?, channels?, expiresInSeconds? }`. */
export function devTokenEndpoint(issuer: TokenIssuer): LocalEndpoint {
  return async (body) => {
    const parsed = parseJsonObject(body, 4096);
    if (!parsed.ok) return badRequest(parsed.message);
    const request = parsed.value;
    const field = (key: string) => (Object.hasOwn(request, key) ? request[key] : undefined);
    const playerId = field('playerId');
    if (typeof playerId !== 'string') return badRequest('playerId must be a string');
    for (const key of ['name', 'role'] as const) {
      const value = field(key);
      if (value !== undefined && typeof value !== 'string')
        return badRequest(`${key} must be a string`);
    }
    const channels = field('channels');
    if (channels !== undefined && !Array.isArray(channels)) {
      return badRequest('channels must be a list of channel names or patterns');
    }
    const expiresInSeconds = field('expiresInSeconds');
    if (expiresInSeconds !== undefined && typeof expiresInSeconds !== 'number') {
      return badRequest('expiresInSeconds must be a number');
    }
    try {
      const credentials = await issuer.issue(playerId, {
        ...(field('name') === undefined ? {} : { name: field('name') as string }),
        ...(field('role') === undefined ? {} : { role: field('role') as string }),
        ...(channels === undefined ? {} : { channels: channels as string[] }),
        ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      });
      return { statusCode: 200, body: credentials };
    } catch (error) {
      if (error instanceof TokenRequestError) return badRequest(error.message);
      throw error;
    }
  };
}
