import { randomUUID } from 'node:crypto';
import type { LocalStack } from '@game-chat/aws-emulator';
import type { RedisConnection } from '@game-chat/chat-store/connection';
import { customAuthUsername } from '@game-chat/protocol/custom-auth';
import { parseClientId } from '@game-chat/protocol/names';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Invoke, loadBundle } from '../src/bundles.js';
import { rawConnect } from '../src/raw-mqtt.js';
import { newKeys, snapshotKeyspace, without } from '../src/redis-snapshot.js';
import { nowSeconds, signJwt, unsignedJwt } from '../src/tokens.js';
import { fuzzSuite } from './support/fuzz-suite.js';

/**
 * The custom authorizer under random tokens, passwords and client ids: straight into its bundle
 * with random IoT events, and through the broker with random CONNECT packets, signed, unsigned
 * or with a wrong signature. Only a valid, signed token used with its own player's client id is
 * let in; nothing is stored for anyone else, and an unsigned one never reaches the authorizer.
 */

const SECRET = 'fuzz-authorizer-secret-that-is-long-enough';
const PLAYERS = ['alice', 'bob', 'carol'] as const;
const suite = fuzzSuite({ stack: { tokenSecret: SECRET }, chatterIntervalMs: 1100 });
let stack: LocalStack;
let redis: RedisConnection;
/** A genuine token per player. */
const genuine: Record<string, string> = {};

beforeAll(async () => {
  ({ stack, redis } = suite);
  for (const player of PLAYERS) genuine[player] = await stack.issueToken(player);
});

/** Flips one character of a token: the signature no longer matches. */
function tamper(token: string, at: number): string {
  const index = at % token.length;
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

/** A token and the player it is genuinely valid for (undefined: valid for nobody). */
interface TokenCase {
  readonly token: string;
  readonly validFor: string | undefined;
}

const player = fc.constantFrom(...PLAYERS);
const token: fc.Arbitrary<TokenCase> = fc.oneof(
  { weight: 4, arbitrary: player.map((sub) => ({ token: genuine[sub] as string, validFor: sub })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(player, fc.nat())
      .map(([sub, at]) => ({ token: tamper(genuine[sub] as string, at), validFor: undefined })),
  },
  {
    weight: 1,
    arbitrary: player.map((sub) => ({
      token: signJwt({ sub, role: 'admin', exp: nowSeconds() - 60 }, SECRET),
      validFor: undefined,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      {
        token: unsignedJwt({ sub: 'alice', role: 'admin', exp: nowSeconds() + 600 }),
        validFor: undefined,
      },
      {
        token: signJwt({ sub: 'alice', exp: nowSeconds() + 600 }, 'x'.repeat(40)),
        validFor: undefined,
      },
      { token: signJwt({ sub: '+', exp: nowSeconds() + 600 }, SECRET), validFor: undefined },
      {
        token: signJwt({ sub: 'alice', role: 'root', exp: nowSeconds() + 600 }, SECRET),
        validFor: undefined,
      },
      { token: '', validFor: undefined },
      { token: 'x'.repeat(9000), validFor: undefined },
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 300 })
      .map((value) => ({ token: value, validFor: undefined })),
  },
);

const clientId = fc.oneof(
  { weight: 4, arbitrary: player },
  {
    weight: 2,
    arbitrary: fc
      .tuple(player, fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/))
      .map(([p, s]) => `${p}.${s}`),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      player.map((p) => `${p}.`),
      player.map((p) => `${p}.+`),
      player.map((p) => `${p}.#`),
      player.map((p) => `${p}.a.b`),
      player.map((p) => `${p}/x`),
      fc.constantFrom('+', '#', '$aws', '', 'mallory', 'alice\u0000'),
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 140 }) },
);

/** The text with each lone surrogate replaced by U+FFFD, as UTF-8 encoding does. */
const wellFormed = (text: string) => Buffer.from(text).toString();

/** The player a client id belongs to, when it is a well-formed one. */
function playerOf(id: string): string | undefined {
  const parsed = parseClientId(id);
  return parsed.ok ? parsed.value.playerId : undefined;
}

/**
 * How the token reaches the authorizer: `token`, which IoT Core fills after it verified the
 * signature (from the user name over MQTT, from the URL over WSS), or, with no `token`, the
 * MQTT password (an authorizer without signing), which IoT base64-encodes; a raw one is
 * malformed. Over WSS without `token` the token is only in the query string, which the
 * authorizer does not read.
 */
const authorizerEvent = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        token,
        clientId,
        transport: fc.constantFrom('mqtt', 'wss'),
        tokenField: fc.boolean(),
        passwordEncoding: fc.constantFrom('base64', 'raw'),
      })
      .map(
        ({
          token: { token: value, validFor },
          clientId: id,
          transport,
          tokenField,
          passwordEncoding,
        }) => {
          const base = {
            ...(tokenField ? { token: value } : {}),
            signatureVerified: tokenField,
            connectionMetadata: { id: randomUUID() },
          };
          const readable = tokenField || (transport === 'mqtt' && passwordEncoding === 'base64');
          const legit = validFor !== undefined && playerOf(id) === validFor && readable;
          const credentials = new URLSearchParams({
            'x-amz-customauthorizer-name': 'game-chat-token-authorizer',
            'x-amz-customauthorizer-signature': 'c2lnbmF0dXJl',
            token: value,
          });
          const event =
            transport === 'mqtt'
              ? {
                  ...base,
                  protocols: ['tls', 'mqtt'],
                  protocolData: {
                    tls: { serverName: 'local' },
                    mqtt: {
                      username: tokenField ? `x?${credentials}` : 'x',
                      clientId: id,
                      ...(tokenField
                        ? {}
                        : {
                            password:
                              passwordEncoding === 'base64'
                                ? Buffer.from(value).toString('base64')
                                : value,
                          }),
                    },
                  },
                }
              : {
                  ...base,
                  protocols: ['tls', 'http', 'mqtt'],
                  protocolData: {
                    tls: { serverName: 'local' },
                    http: { headers: { host: 'local' }, queryString: `?${credentials}` },
                    mqtt: { username: '', clientId: id },
                  },
                };
          return { event, legit, sub: validFor };
        },
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .anything({ maxDepth: 3 })
      .map((event) => ({ event, legit: false, sub: undefined })),
  },
);

describe('random events straight into the authorizer bundle', () => {
  it('let in exactly a valid token on its own client id, and store nothing for anyone else', async () => {
    const handler: Invoke = await loadBundle('@game-chat/authorizer', {
      REDIS_URL: stack.redisUrl,
      CHAT_TOKEN_SECRET: SECRET,
      CHAT_REDIS_KEY_PREFIX: 'fuzza',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(authorizerEvent, async ({ event, legit, sub }) => {
        await redis.command(['DEL', ...PLAYERS.map((p) => `fuzza:pl:{${p}}`)]);
        const before = await snapshotKeyspace(redis, 'fuzza');
        const response = (await handler(event)) as {
          isAuthenticated: boolean;
          principalId: string;
          policyDocuments: unknown[];
        };
        expect(typeof response.isAuthenticated).toBe('boolean');
        expect(response.isAuthenticated).toBe(legit);
        const after = await snapshotKeyspace(redis, 'fuzza');
        if (!response.isAuthenticated) {
          expect(response.policyDocuments).toEqual([]);
          expect(newKeys(before, after)).toEqual([]);
          return;
        }
        accepted++;
        expect(newKeys(before, after)).toEqual([`fuzza:pl:{${sub}}`]);
        // The policy names this player's inbox and no other, and no MQTT wildcard.
        const policy = JSON.stringify(response.policyDocuments);
        for (const inbox of policy.match(/inbox\/[^"]*/g) ?? []) expect(inbox).toBe(`inbox/${sub}`);
        expect(policy).not.toMatch(/[+#]/);
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});

describe('random CONNECT packets through the broker', () => {
  it('are accepted exactly when the token is valid for the client id and signed; other players chat on', async () => {
    // The chatters' keys, and the connection records the presence function writes, on its own
    // time, for an accepted connect's lifecycle events (`:conns`).
    const ignoreChatter = /\{(Lobby|chatterA|chatterB)\}|:conns$/;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        token,
        clientId,
        fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined }),
        fc.oneof(
          { weight: 3, arbitrary: fc.constant('signed') },
          { weight: 1, arbitrary: fc.constantFrom('unsigned', 'signature of another token') },
        ),
        async ({ token: value, validFor }, id, username, signing) => {
          await redis.command(['DEL', ...PLAYERS.map((p) => `gc:pl:{${p}}`)]);
          const before = without(await snapshotKeyspace(redis, 'gc'), ignoreChatter);
          const invokedBefore = stack.stats().broker.authorizerInvocations;
          const legit = signing === 'signed' && validFor !== undefined && playerOf(id) === validFor;
          // A user name of its own before the credentials; a `?` in it would start them early.
          const base = (username ?? '').replace(/\?/g, '');
          const credentials =
            signing === 'unsigned'
              ? { username: username ?? '', password: value }
              : {
                  // A URL query holds well-formed Unicode only: lone surrogates become U+FFFD.
                  username: customAuthUsername(wellFormed(base), {
                    ...stack.signToken(wellFormed(value)),
                    ...(signing === 'signed'
                      ? {}
                      : { signature: stack.signToken(`${wellFormed(value)}x`).signature }),
                  }),
                };
          const { connection, returnCode } = await rawConnect(stack.urls.mqtt, {
            clientId: id,
            ...credentials,
          });
          connection.destroy();
          const after = without(await snapshotKeyspace(redis, 'gc'), ignoreChatter);
          if (legit) {
            accepted++;
            expect(returnCode).toBe(0);
            expect(newKeys(before, after)).toEqual([`gc:pl:{${validFor}}`]);
          } else {
            // Refused (5), an identifier IoT rejects (2), or closed without a CONNACK.
            expect([2, 5, undefined]).toContain(returnCode);
            expect(newKeys(before, after)).toEqual([]);
          }
          // IoT Core's signature check: a token not signed for it never reaches the authorizer.
          if (signing !== 'signed') {
            expect(stack.stats().broker.authorizerInvocations).toBe(invokedBefore);
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(accepted).toBeGreaterThan(5);
    await suite.expectPlayersUnharmed('authorizer fuzzing');
  });
});
