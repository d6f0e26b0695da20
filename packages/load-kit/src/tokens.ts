import { type IssuerKeys, issueSignedPlayerToken } from '@game-chat/auth/signing';
import { readSignedToken, type SignedToken } from '@game-chat/protocol/custom-auth';

/** Gives a bot its signed player token, as a game's backend would. */
export type TokenSource = (playerId: string) => Promise<SignedToken>;

/** A token endpoint did not give a token; `code` is stable for reports. */
export class TokenSourceError extends Error {
  readonly code = 'token_unavailable';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenSourceError';
  }
}

/**
 * Tokens from an HTTP endpoint that answers `POST { playerId, name }` with `{ token, signature }`:
 * the local stack's `/dev/tokens`, or a game backend's equivalent.
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
    const body: unknown = await response.json().catch(() => undefined);
    const signed = readSignedToken(body);
    if (!response.ok || !signed.ok) {
      const reason = signed.ok ? '' : ` (${signed.message})`;
      throw new TokenSourceError(
        `token endpoint ${url} answered ${response.status} without a signed token${reason}`,
      );
    }
    return signed.value;
  };
}

/** Tokens issued and signed here with the deployment's keys (see `readIssuerKeys`). */
export function tokensFromKeys(keys: IssuerKeys, expiresInSeconds = 3600): TokenSource {
  return (playerId) =>
    issueSignedPlayerToken({ sub: playerId, name: playerId }, keys, { expiresInSeconds });
}
