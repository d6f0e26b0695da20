import { ChatError, type SignedToken } from '@game-chat/client';
import { readSignedToken } from '@game-chat/protocol/custom-auth';
import type { Role } from '@game-chat/protocol/names';

export interface DevTokenRequest {
  readonly playerId: string;
  readonly name: string;
  readonly role: Role;
}

/** How long the page waits for the token endpoint. */
const TOKEN_TIMEOUT_MS = 10_000;

/**
 * Gets a signed player token (`{ token, signature }`) from the local stack's development
 * endpoint (`POST /dev/tokens`), the stand-in for a game's own backend. Rejects with a
 * `ChatError`: `network` or `timeout` when the endpoint cannot be reached, the endpoint's error
 * code (`invalid` for a bad name) or `http_<status>` otherwise.
 */
export async function fetchDevToken(url: string, request: DevTokenRequest): Promise<SignedToken> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw timedOut
      ? new ChatError('timeout', `the token endpoint did not answer in ${TOKEN_TIMEOUT_MS} ms`)
      : new ChatError('network', `the token endpoint ${url} could not be reached`, {
          cause: error,
        });
  }
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code?: unknown; message?: unknown } }
    | undefined;
  const signed = readSignedToken(body);
  if (response.ok && signed.ok) return signed.value;
  const message =
    typeof body?.error?.message === 'string'
      ? body.error.message
      : `the token endpoint answered HTTP ${response.status} without a signed token`;
  const code = body?.error?.code === 'invalid' ? 'invalid' : (`http_${response.status}` as const);
  throw new ChatError(code, message, { status: response.status });
}
