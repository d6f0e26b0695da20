import { generateKeyPairSync } from 'node:crypto';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  loadAuthorizerSigningKey,
  signTokenForAuthorizer,
} from '@game-chat/auth/signing';
import { endAll } from '@game-chat/testing/mqtt-client';
import { describe, expect, it } from 'vitest';
import { connectSigned } from './helpers/chat.js';
import { localStackForFile } from './helpers/local-stack.js';

/**
 * A stack configured like a deployment with `create_domain_configuration = true` (the
 * authorizer is the endpoint's default), its own authorizer name, token key name and signing
 * key: every setting reaches the IoT side, and the public development key no longer signs.
 */

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const file = localStackForFile(
  {
    authorizerName: 'game-chat-dev-token-authorizer',
    tokenKeyName: 'PlayerToken',
    createDomainConfiguration: true,
    authorizerSigningKey: signingKey,
  },
  endAll,
);

const invocations = () => file.stack.stats().broker.authorizerInvocations;

describe('a stack whose authorizer is the default one', () => {
  it('issues development credentials with its own names', async () => {
    const response = await fetch(`${file.stack.urls.api}/dev/tokens`, {
      method: 'POST',
      body: JSON.stringify({ playerId: 'nina' }),
    });
    expect(await response.json()).toMatchObject({
      authorizerName: 'game-chat-dev-token-authorizer',
      tokenKeyName: 'PlayerToken',
    });
    expect(file.stack).toMatchObject({
      tokenKeyName: 'PlayerToken',
      createDomainConfiguration: true,
    });
  });

  it.each([
    ['TCP', () => file.stack.urls.mqtt],
    ['WebSocket', () => file.stack.urls.ws],
  ])('lets a signed connect that names no authorizer in over %s', async (_transport, url) => {
    const credentials = {
      ...(await file.stack.issueSignedToken('nina')),
      authorizerName: undefined,
    };
    const before = invocations();
    const nina = await connectSigned(url(), credentials, { clientId: 'nina' });
    expect(nina.connected).toBe(true);
    expect(invocations()).toBe(before + 1);
  });

  it.each<[string, (token: string) => Record<string, unknown>]>([
    [
      'another authorizer name',
      (token) => ({ authorizerName: 'game-chat-token-authorizer', token }),
    ],
    [
      'a signature by the public development key',
      (token) => ({
        token,
        signature: signTokenForAuthorizer(
          token,
          loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY),
        ),
      }),
    ],
    ['the token under the default key name "token"', (token) => ({ token, tokenKeyName: 'token' })],
  ])('still refuses %s without invoking the authorizer', async (_case, change) => {
    const credentials = await file.stack.issueSignedToken('nina');
    const before = invocations();
    await expect(
      connectSigned(
        file.stack.urls.mqtt,
        { ...credentials, ...change(credentials.token) },
        {
          clientId: 'nina',
        },
      ),
    ).rejects.toMatchObject({ code: 5 });
    expect(invocations()).toBe(before);
  });
});
