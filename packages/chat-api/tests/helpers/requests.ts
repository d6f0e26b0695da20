import { issuePlayerToken } from '@game-chat/auth/tokens';
import type { Role } from '@game-chat/protocol/names';
import { expect } from 'vitest';

/** The HS256 secret the test bundles verify tokens with (`CHAT_TOKEN_SECRET`). */
export const SECRET = 'chat-api-test-secret-long-enough-for-hs256';

export function token(
  sub: string,
  role: Role = 'player',
  extra: { channels?: string[]; ttl?: number } = {},
) {
  return issuePlayerToken(
    { sub, role, ...(extra.channels && { channels: extra.channels }) },
    { secret: SECRET },
    { expiresInSeconds: extra.ttl ?? 600 },
  );
}

export const bearer = async (sub: string, role: Role = 'player', extra = {}) => ({
  authorization: `Bearer ${await token(sub, role, extra)}`,
});

/** An error answer: the status, and `{ error: { code, message } }` with nothing else. */
export function expectError(
  response: { status: number; json: unknown; text: string },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.json).toEqual({ error: { code, message: expect.any(String) } });
}
