import { ChatError } from './errors.js';
import type { PlayerToken } from './options.js';
import {
  decodeTokenClaims,
  type PlayerCredentials,
  readPlayerToken,
  refreshDelayMs,
  type TokenClaims,
} from './token.js';

export interface TokenSourceOptions {
  readonly token?: PlayerToken | undefined;
  readonly getToken?: (() => PlayerToken | Promise<PlayerToken>) | undefined;
  /** A token with less than this left is not handed out when a new one can be had. */
  readonly minLifetimeMs: number;
}

/**
 * The player's token and its signature: a fixed one, or one from `getToken`, renewed on demand.
 * Concurrent callers share one `getToken` call, and every token must name the same player. A
 * renewed token comes with its own signature, so each new connection presents a matching pair.
 */
export class TokenSource {
  readonly #getToken: (() => PlayerToken | Promise<PlayerToken>) | undefined;
  readonly #minLifetimeMs: number;
  #credentials: PlayerCredentials | undefined;
  #claims: TokenClaims | undefined;
  #request: Promise<PlayerCredentials> | undefined;

  /** Throws `ChatError('invalid')` for a fixed token that is not a player JWT. */
  constructor(options: TokenSourceOptions) {
    this.#getToken = options.getToken;
    this.#minLifetimeMs = options.minLifetimeMs;
    if (options.token !== undefined) {
      const credentials = readPlayerToken(options.token, 'token');
      this.#claims = decodeTokenClaims(credentials.token);
      this.#credentials = credentials;
    }
  }

  /** The claims of the current token; undefined until `getToken` answered once. */
  get claims(): TokenClaims | undefined {
    return this.#claims;
  }

  /** True when tokens come from `getToken`, so an expiring one can be replaced. */
  get renewable(): boolean {
    return this.#getToken !== undefined;
  }

  /** The current token if it has some life left (or cannot be replaced), else a new one. */
  async usable(nowMs: number = Date.now()): Promise<PlayerCredentials> {
    const exp = this.#claims?.exp;
    const fresh =
      this.#credentials !== undefined &&
      (exp === undefined || exp * 1000 - nowMs > this.#minLifetimeMs);
    if (fresh || !this.#getToken) return this.#credentials as PlayerCredentials;
    return this.renew();
  }

  /** Asks `getToken` for a new token; `invalid` when it is no player JWT or names another player. */
  renew(): Promise<PlayerCredentials> {
    const getToken = this.#getToken;
    if (!getToken) return Promise.resolve(this.#credentials as PlayerCredentials);
    this.#request ??= (async () => {
      try {
        const credentials = readPlayerToken(await getToken(), 'getToken()');
        const claims = decodeTokenClaims(credentials.token);
        if (this.#claims && claims.sub !== this.#claims.sub) {
          throw new ChatError(
            'invalid',
            `getToken returned a token for ${claims.sub}, not ${this.#claims.sub}`,
          );
        }
        this.#claims = claims;
        this.#credentials = credentials;
        return credentials;
      } finally {
        this.#request = undefined;
      }
    })();
    return this.#request;
  }

  /** Drops a renewable token the server refused, so that `usable()` asks for a new one. */
  discard(): void {
    if (this.#getToken) this.#credentials = undefined;
  }

  /** When to renew: `leadMs` before expiry (see `refreshDelayMs`); undefined for never. */
  renewalDelayMs(leadMs: number, nowMs: number = Date.now()): number | undefined {
    return this.#getToken ? refreshDelayMs(this.#claims?.exp, nowMs, leadMs) : undefined;
  }
}
