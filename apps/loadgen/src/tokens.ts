import { issuePlayerToken } from '@game-chat/auth/tokens';

/** Gives a bot its player token, as a game's backend would. */
export type TokenSource = (playerId: string) => Promise<string>;

/** A token endpoint did not give a token; `code` is stable for reports. */
export class TokenSourceError extends Error {
  readonly code = 'token_unavailable';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenSourceError';
  }
}

/**
 * Tokens from an HTTP endpoint that answers `POST { playerId, name }` with `{ token }`: the
 * local stack's `/dev/tokens`, or a game backend's equivalent.
 */
export function tokensFromUrl(url: string, timeoutMs = 10_000): TokenSource {
  return async (playerId) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ playerId, name: playerId }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new TokenSourceError(`token request to ${url} failed: ${String(error)}`, {
        cause: error,
      });
    }
    const body = (await response.json().catch(() => undefined)) as { token?: unknown } | undefined;
    if (!response.ok || typeof body?.token !== 'string') {
      throw new TokenSourceError(
        `token endpoint ${url} answered ${response.status} without a token`,
      );
    }
    return body.token;
  };
}

/** HS256 tokens signed here with the deployment's `CHAT_TOKEN_SECRET`. */
export function tokensFromSecret(secret: string, expiresInSeconds = 3600): TokenSource {
  return (playerId) =>
    issuePlayerToken({ sub: playerId, name: playerId }, { secret }, { expiresInSeconds });
}
