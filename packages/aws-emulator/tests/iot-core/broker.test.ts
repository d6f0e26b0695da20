import { createPublicKey } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  loadAuthorizerSigningKey,
  signTokenForAuthorizer,
} from '@game-chat/auth/signing';
import { customAuthUrl, customAuthUsername } from '@game-chat/protocol/custom-auth';
import {
  closed,
  connect,
  endAll,
  record,
  subscribe,
  waitFor,
} from '@game-chat/testing/mqtt-client';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LOCAL_AWS } from '../../src/aws-location.js';
import type { PublishedMessage } from '../../src/iot-core/broker.js';
import { type Broker, type BrokerOptions, startBroker } from '../../src/iot-core/broker.js';
import { AUTHORIZER_LIMITS, IOT_LIMITS } from '../../src/iot-core/limits.js';
import { createLogger } from '../../src/logger.js';
import { fakeAuthorizer, playerPolicy } from '../helpers/authorizer.js';

const AUTHORIZER = 'game-chat-authorizer';
const signingKey = loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY);
const CUSTOM_AUTH: BrokerOptions['customAuth'] = {
  authorizerName: AUTHORIZER,
  tokenKeyName: 'token',
  signingPublicKeys: [createPublicKey(signingKey)],
  defaultAuthorizer: false,
};
const authorizer = fakeAuthorizer();
const published: PublishedMessage[] = [];
let clock = 1_000_000;
let broker: Broker;

/** What every broker here shares: free ports, the test authorizer's keys, the local AWS. */
const BROKER_BASE = {
  host: '127.0.0.1',
  mqttPort: 0,
  wsPort: 0,
  customAuth: CUSTOM_AUTH,
  location: LOCAL_AWS,
} as const;

beforeAll(async () => {
  broker = await startBroker({
    ...BROKER_BASE,
    authorize: (event) => {
      // `admin:` gets every permission, to test the broker's own rules without the policy's.
      if (event.token?.startsWith('admin:')) {
        return Promise.resolve({
          isAuthenticated: true,
          principalId: 'admin',
          policyDocuments: [{ Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }],
          disconnectAfterInSeconds: 3600,
          refreshAfterInSeconds: 3600,
        });
      }
      return authorizer.authorize(event);
    },
    onMessage: (message) => published.push(message),
    log: createLogger({ mode: process.env.DEBUG_BROKER ? 'pretty' : 'silent', level: 'debug' }),
    now: () => clock,
  });
});

afterEach(async () => {
  await endAll();
  published.length = 0;
  authorizer.events.length = 0;
});

afterAll(async () => {
  await broker.close();
});

/** Credentials for `token`, signed as the token issuer signs them. */
const signed = (token: string, authorizerName = AUTHORIZER) => ({
  authorizerName,
  tokenKeyName: 'token',
  token,
  signature: signTokenForAuthorizer(token, signingKey),
});

/** A signed MQTT connect in the user name form; the fake authorizer reads `player:<id>`. */
const asPlayer = (playerId: string, clientId = playerId, token = `player:${playerId}`) => ({
  clientId,
  username: customAuthUsername(playerId, signed(token)),
});

const ADMIN = { clientId: 'admin', username: customAuthUsername('admin', signed('admin:x')) };

const publishedTo = (topic: string) => published.filter((message) => message.topic === topic);

describe.each([
  ['TCP', () => broker.mqttUrl],
  ['WebSocket', () => broker.wsUrl],
])('over %s', (_transport, url) => {
  it('delivers room messages to the players of that room only', async () => {
    const alice = await connect(url(), asPlayer('alice'));
    const bob = await connect(url(), asPlayer('bob'));
    const carol = await connect(url(), asPlayer('carol'));
    const [aliceGot, bobGot, carolGot] = [record(alice), record(bob), record(carol)];
    expect(await subscribe(alice, 'chat/room/Town137')).toEqual([1]);
    expect(await subscribe(bob, 'chat/room/Town137')).toEqual([1]);
    expect(await subscribe(carol, 'chat/room/Town138')).toEqual([1]);

    await broker.publish({
      topic: 'chat/room/Town137',
      payload: Buffer.from('{"text":"hi"}'),
      qos: 1,
      retain: false,
    });

    await waitFor('both players in Town137 to get it', () => aliceGot.length + bobGot.length === 2);
    expect(aliceGot[0]?.payload.toString()).toBe('{"text":"hi"}');
    // Carol's marker message proves her subscription works and Town137's never came.
    await broker.publish({
      topic: 'chat/room/Town138',
      payload: Buffer.from('x'),
      qos: 1,
      retain: false,
    });
    await waitFor('carol to get her room', () => carolGot.length === 1);
    expect(carolGot.map((message) => message.topic)).toEqual(['chat/room/Town138']);
  });

  it('hands accepted publishes to the rules with the connection identity', async () => {
    const alice = await connect(url(), asPlayer('alice', 'alice.tab2'));
    await alice.publishAsync('chat/send/Town137', '{"text":"hello"}', { qos: 1 });
    await waitFor('the rules to see it', () => publishedTo('chat/send/Town137').length === 1);
    expect(publishedTo('chat/send/Town137')[0]).toMatchObject({
      clientId: 'alice.tab2',
      principal: 'alice',
      payload: Buffer.from('{"text":"hello"}'),
    });
  });
});

describe('authorization matrix', () => {
  const refusedConnects: [string, Record<string, unknown>][] = [
    ['connect as another player', asPlayer('alice', 'bob')],
    ['connect with a signed token the authorizer refuses', asPlayer('alice', 'alice', 'forged')],
  ];
  it.each(refusedConnects)('refuses to %s with CONNACK 5', async (_case, options) => {
    await expect(connect(broker.mqttUrl, options)).rejects.toMatchObject({ code: 5 });
  });

  const unheardConnects: [string, Record<string, unknown>][] = [
    ['without any credentials', { clientId: 'alice' }],
    [
      'with the token as the password (unsigned)',
      {
        clientId: 'alice',
        username: `alice?x-amz-customauthorizer-name=${AUTHORIZER}`,
        password: 'player:alice',
      },
    ],
    [
      'with a signature of another token',
      {
        clientId: 'alice',
        username: customAuthUsername('alice', {
          ...signed('player:alice'),
          signature: signed('player:bob').signature,
        }),
      },
    ],
    [
      'naming no authorizer (there is no default authorizer)',
      {
        clientId: 'alice',
        username: customAuthUsername('alice', {
          ...signed('player:alice'),
          authorizerName: undefined,
        }),
      },
    ],
    [
      'naming an unknown authorizer',
      { clientId: 'alice', username: customAuthUsername('alice', signed('player:alice', 'other')) },
    ],
  ];
  it.each(unheardConnects)(
    'refuses to connect %s with CONNACK 5, never invoking the authorizer',
    async (_case, options) => {
      const before = broker.stats();
      await expect(connect(broker.mqttUrl, options)).rejects.toMatchObject({ code: 5 });
      expect(authorizer.events).toEqual([]);
      expect(broker.stats()).toMatchObject({
        authorizerInvocations: before.authorizerInvocations,
        connectsRefused: before.connectsRefused + 1,
      });
    },
  );

  it('counts one authorizer invocation per signed connect', async () => {
    const before = broker.stats().authorizerInvocations;
    await connect(broker.mqttUrl, asPlayer('alice'));
    await connect(broker.wsUrl, asPlayer('bob'));
    expect(broker.stats().authorizerInvocations).toBe(before + 2);
  });

  it('refuses a client id over 128 bytes with CONNACK 2', async () => {
    const clientId = 'a'.repeat(IOT_LIMITS.maxClientIdBytes + 1);
    await expect(connect(broker.mqttUrl, { ...asPlayer('alice'), clientId })).rejects.toMatchObject(
      {
        code: 2,
      },
    );
  });

  const refusedPublishes: [
    string,
    string,
    { qos: 0 | 1 | 2; retain?: boolean },
    Buffer | string,
  ][] = [
    ['publish to a room (only the filter may)', 'chat/room/Town137', { qos: 1 }, '{}'],
    ["publish to someone's inbox", 'chat/inbox/bob', { qos: 1 }, '{}'],
    ['publish with QoS 2', 'chat/send/Town137', { qos: 2 }, '{}'],
    [
      'publish a payload over 128 KB',
      'chat/send/Town137',
      { qos: 1 },
      Buffer.alloc(IOT_LIMITS.maxPayloadBytes + 1),
    ],
    ['publish to a topic of 9 levels', 'chat/send/a/b/c/d/e/f/g', { qos: 1 }, '{}'],
    ['publish to a topic over 256 bytes', `chat/send/${'x'.repeat(250)}`, { qos: 1 }, '{}'],
    [
      'publish a retained message without iot:RetainPublish',
      'chat/send/Town137',
      { qos: 1, retain: true },
      '{}',
    ],
    ['publish a lifecycle event', '$aws/events/presence/connected/bob', { qos: 1 }, '{}'],
  ];
  it.each(refusedPublishes)(
    'closes the connection to %s',
    async (_case, topic, options, payload) => {
      const alice = await connect(broker.mqttUrl, asPlayer('alice'));
      alice.publish(topic, payload, options);
      await closed(alice);
      expect(publishedTo(topic)).toEqual([]);
      // Nobody else is affected: a new connection works.
      const again = await connect(broker.mqttUrl, asPlayer('alice'));
      await again.publishAsync('chat/send/Town137', '{}', { qos: 1 });
      await waitFor(
        'the next publish to go through',
        () => publishedTo('chat/send/Town137').length === 1,
      );
    },
  );

  it('closes a connection whose packet declares more than the limit, before reading it', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    alice.publish('chat/send/Town137', Buffer.alloc(1024 * 1024), { qos: 0 });
    await closed(alice);
    expect(publishedTo('chat/send/Town137')).toEqual([]);
  });

  const refusedSubscriptions: [string, string][] = [
    ["another player's inbox", 'chat/inbox/bob'],
    ['every chat topic', 'chat/#'],
    ['a send topic', 'chat/send/Town137'],
    ['lifecycle events', '$aws/events/presence/connected/+'],
    ['a filter of 9 levels', 'chat/room/a/b/c/d/e/f/g'],
  ];
  it.each(refusedSubscriptions)(
    'refuses to subscribe to %s with SUBACK 0x80',
    async (_case, filter) => {
      const alice = await connect(broker.mqttUrl, asPlayer('alice'));
      expect(await subscribe(alice, [filter, 'chat/inbox/alice'])).toEqual([128, 1]);
      expect(alice.connected).toBe(true);
    },
  );

  it('closes the connection on a QoS 2 subscription (IoT sends no SUBACK)', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    alice.subscribe('chat/room/Town137', { qos: 2 });
    await closed(alice);
  });

  it('does not deliver a message the policy does not let the player receive', async () => {
    const admin = await connect(broker.mqttUrl, ADMIN);
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    const aliceGot = record(alice);
    expect(await subscribe(alice, ['chat/room/Town137', 'chat/inbox/alice'])).toEqual([1, 1]);
    await admin.publishAsync('chat/inbox/alice', 'for alice', { qos: 1 });
    await waitFor('alice to get her inbox', () => aliceGot.length === 1);
    expect(aliceGot[0]?.topic).toBe('chat/inbox/alice');
  });
});

describe('IoT quirks', () => {
  it('does not match a/# to the parent topic a', async () => {
    const admin = await connect(broker.mqttUrl, ADMIN);
    const got = record(admin);
    await subscribe(admin, 'a/#');
    await admin.publishAsync('a', 'parent', { qos: 1 });
    await admin.publishAsync('a/b', 'child', { qos: 1 });
    await waitFor('the child topic', () => got.length >= 1);
    expect(got.map((message) => message.payload.toString())).toEqual(['child']);
  });

  it('sends a retained message only to a subscription equal to its topic', async () => {
    const admin = await connect(broker.mqttUrl, ADMIN);
    const got = record(admin);
    await admin.publishAsync('r/x', 'kept', { qos: 1, retain: true });
    await subscribe(admin, 'r/+');
    await subscribe(admin, 'r/x');
    await waitFor('the retained message', () => got.length >= 1);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ topic: 'r/x', retain: true });
  });

  it('kicks the older connection when a client id connects again', async () => {
    const first = await connect(broker.mqttUrl, asPlayer('alice'));
    await connect(broker.mqttUrl, asPlayer('alice'));
    await closed(first);
    await waitFor('the lifecycle event', () =>
      published.some((message) => message.topic === '$aws/events/presence/disconnected/alice'),
    );
    const [disconnected] = publishedTo('$aws/events/presence/disconnected/alice');
    expect(JSON.parse(disconnected?.payload.toString() ?? '')).toMatchObject({
      clientId: 'alice',
      eventType: 'disconnected',
      clientInitiatedDisconnect: false,
      disconnectReason: 'DUPLICATE_CLIENTID',
      principalIdentifier: 'alice',
    });
  });

  it('discards publishes over 100 per second on one connection', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    const burst = IOT_LIMITS.publishesPerSecond + 20;
    for (let index = 0; index < burst; index++)
      alice.publish('chat/send/Town137', `${index}`, { qos: 0 });
    const before = broker.stats().publishesDropped;
    await waitFor(
      'the excess to be dropped',
      () => broker.stats().publishesDropped - before === 20,
    );
    await waitFor('the rest to pass', () => publishedTo('chat/send/Town137').length === 100);
    clock += 1000; // the next second has a fresh quota
    await alice.publishAsync('chat/send/Town137', 'next second', { qos: 1 });
    await waitFor('the next second', () => publishedTo('chat/send/Town137').length === 101);
  });

  it('accepts 50 subscriptions on a connection and refuses the 51st', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    const filters = Array.from({ length: 50 }, (_, index) => `chat/room/Town${index}`);
    for (let start = 0; start < filters.length; start += 8) {
      const granted = await subscribe(alice, filters.slice(start, start + 8));
      expect(granted.every((qos) => qos === 1)).toBe(true);
    }
    expect(await subscribe(alice, 'chat/room/Town0')).toEqual([1]); // already held: not a new one
    expect(await subscribe(alice, 'chat/room/Extra')).toEqual([128]);
    await alice.unsubscribeAsync('chat/room/Town0');
    expect(await subscribe(alice, 'chat/room/Extra')).toEqual([1]);
  });

  it('closes the connection on a SUBSCRIBE with more than 8 filters', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    const filters = Array.from({ length: 9 }, (_, index) => `chat/room/Town${index}`);
    alice.subscribe(filters, { qos: 1 });
    await closed(alice);
  });

  it('publishes lifecycle events with the AWS payload', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    await alice.endAsync();
    await waitFor('both lifecycle events', () =>
      published.some((message) => message.topic === '$aws/events/presence/disconnected/alice'),
    );
    const [connected] = publishedTo('$aws/events/presence/connected/alice');
    const [disconnected] = publishedTo('$aws/events/presence/disconnected/alice');
    const connectedEvent = JSON.parse(connected?.payload.toString() ?? '');
    expect(connectedEvent).toEqual({
      clientId: 'alice',
      timestamp: expect.any(Number),
      eventType: 'connected',
      sessionIdentifier: expect.stringMatching(/^[0-9a-f-]{36}$/),
      principalIdentifier: 'alice',
      ipAddress: '127.0.0.1',
      versionNumber: expect.any(Number),
    });
    expect(JSON.parse(disconnected?.payload.toString() ?? '')).toEqual({
      clientId: 'alice',
      timestamp: expect.any(Number),
      eventType: 'disconnected',
      sessionIdentifier: connectedEvent.sessionIdentifier,
      principalIdentifier: 'alice',
      clientInitiatedDisconnect: true,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      versionNumber: connectedEvent.versionNumber,
    });
  });
});

describe('the custom authorizer event', () => {
  it('carries the verified token and the MQTT credentials as sent', async () => {
    const options = { ...asPlayer('alice', 'alice.tab1'), password: 'extra' };
    await connect(broker.mqttUrl, options);
    expect(authorizer.events.at(-1)).toEqual({
      token: 'player:alice',
      signatureVerified: true,
      protocols: ['tls', 'mqtt'],
      protocolData: {
        tls: { serverName: '127.0.0.1' },
        mqtt: {
          username: options.username,
          password: Buffer.from('extra').toString('base64'),
          clientId: 'alice.tab1',
        },
      },
      connectionMetadata: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
  });

  it('carries the WebSocket token, headers and query (as sent) for a WSS connect', async () => {
    const url = customAuthUrl(`${broker.wsUrl}?v=1`, signed('player:bob'));
    await connect(url, { clientId: 'bob', wsOptions: { headers: { 'X-Game': 'demo' } } });
    const event = authorizer.events.at(-1);
    expect(event?.token).toBe('player:bob');
    expect(event?.signatureVerified).toBe(true);
    expect(event?.protocols).toEqual(['tls', 'http', 'mqtt']);
    expect(event?.protocolData.http?.queryString).toBe(url.slice(url.indexOf('?')));
    expect(event?.protocolData.http?.headers).toMatchObject({
      'x-game': 'demo',
      upgrade: 'websocket',
    });
    expect(event?.protocolData.mqtt).toEqual({ clientId: 'bob' });
  });
});

describe('a default authorizer (create_domain_configuration)', () => {
  let withDefault: Broker;
  const heard = fakeAuthorizer();
  beforeAll(async () => {
    withDefault = await startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      wsPort: 0,
      customAuth: { ...CUSTOM_AUTH, defaultAuthorizer: true },
      authorize: heard.authorize,
      location: LOCAL_AWS,
      log: createLogger({ mode: 'silent' }),
    });
  });
  afterAll(() => withDefault.close());

  it('lets a signed connect that names no authorizer in', async () => {
    const username = customAuthUsername('alice', {
      ...signed('player:alice'),
      authorizerName: undefined,
    });
    const alice = await connect(withDefault.mqttUrl, { clientId: 'alice', username });
    expect(alice.connected).toBe(true);
    expect(heard.events).toHaveLength(1);
  });

  it('still refuses an unsigned one without invoking the authorizer', async () => {
    const before = heard.events.length;
    await expect(
      connect(withDefault.mqttUrl, {
        clientId: 'alice',
        username: 'alice',
        password: 'player:alice',
      }),
    ).rejects.toMatchObject({ code: 5 });
    expect(heard.events).toHaveLength(before);
  });
});

describe('connection lifetime', () => {
  let shortLived: Broker;
  beforeAll(async () => {
    shortLived = await startBroker({
      ...BROKER_BASE,
      authorize: fakeAuthorizer({ disconnectAfterInSeconds: 1 }).authorize,
      log: createLogger({ mode: 'silent' }),
      authorizerLimits: { ...AUTHORIZER_LIMITS, minSeconds: 1 },
    });
  });
  afterAll(() => shortLived.close());

  it('disconnects at disconnectAfterInSeconds', async () => {
    const alice = await connect(shortLived.mqttUrl, asPlayer('alice'));
    await closed(alice, 3000);
  });

  /**
   * A broker whose authorizer grants the fake player's answer with a 1 s refresh, and answers
   * every refresh with `onRefresh` (given that first answer); `events` has every call.
   */
  async function refreshingBroker(onRefresh: (granted: Record<string, unknown>) => unknown) {
    const events: unknown[] = [];
    const broker = await startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      wsPort: 0,
      customAuth: CUSTOM_AUTH,
      authorize: async (event) => {
        events.push(event);
        const granted = (await fakeAuthorizer().authorize(event)) as Record<string, unknown>;
        return events.length === 1 ? { ...granted, refreshAfterInSeconds: 1 } : onRefresh(granted);
      },
      location: LOCAL_AWS,
      log: createLogger({ mode: 'silent' }),
      authorizerLimits: { ...AUTHORIZER_LIMITS, minSeconds: 1 },
    });
    return { broker, events };
  }

  it('asks the authorizer again after refreshAfterInSeconds and disconnects when it refuses', async () => {
    const { broker: refreshing, events } = await refreshingBroker(() => ({
      isAuthenticated: false,
    }));
    try {
      const alice = await connect(refreshing.mqttUrl, asPlayer('alice'));
      await closed(alice, 3000);
      expect(events).toHaveLength(2);
      expect(events[1]).toEqual(events[0]);
    } finally {
      await refreshing.close();
    }
  });

  it('applies a refreshed policy to the next delivery on an existing subscription', async () => {
    // The refresh takes the room away: Receive on the inbox only.
    const inboxOnly = playerPolicy('alice');
    const { broker: refreshing, events } = await refreshingBroker((granted) => ({
      ...granted,
      policyDocuments: [
        {
          ...inboxOnly,
          Statement: inboxOnly.Statement.map((statement) =>
            statement.Action === 'iot:Receive'
              ? { ...statement, Resource: [statement.Resource[1]] }
              : statement,
          ),
        },
      ],
    }));
    try {
      const alice = await connect(refreshing.mqttUrl, asPlayer('alice'));
      const got = record(alice);
      await subscribe(alice, ['chat/room/Town1', 'chat/inbox/alice']);
      // The first delivery on the room topic: the broker now holds a "yes" for it.
      await refreshing.publish({
        topic: 'chat/room/Town1',
        payload: Buffer.from('before'),
        qos: 1,
        retain: false,
      });
      await waitFor('the room message before the refresh', () => got.length === 1);
      await waitFor('the refresh', () => events.length === 2, 4000);
      // Let the broker apply the authorizer's answer: a delivery to the inbox proves it did.
      await waitFor(
        'a delivery under the new policy',
        async () => {
          await refreshing.publish({
            topic: 'chat/inbox/alice',
            payload: Buffer.from('probe'),
            qos: 1,
            retain: false,
          });
          return got.some((message) => message.payload.toString() === 'probe');
        },
        4000,
      );
      await refreshing.publish({
        topic: 'chat/room/Town1',
        payload: Buffer.from('after'),
        qos: 1,
        retain: false,
      });
      await refreshing.publish({
        topic: 'chat/inbox/alice',
        payload: Buffer.from('last'),
        qos: 1,
        retain: false,
      });
      await waitFor('the last inbox message', () =>
        got.some((message) => message.payload.toString() === 'last'),
      );
      expect(got.map((message) => message.payload.toString())).not.toContain('after');
      expect(got[0]?.payload.toString()).toBe('before');
    } finally {
      await refreshing.close();
    }
  });

  it('refuses an authorizer answer outside IoT limits', async () => {
    const invalid = await startBroker({
      host: '127.0.0.1',
      mqttPort: 0,
      wsPort: 0,
      customAuth: CUSTOM_AUTH,
      authorize: fakeAuthorizer({ policyDocuments: Array(11).fill(playerPolicy('alice')) })
        .authorize,
      location: LOCAL_AWS,
      log: createLogger({ mode: 'silent' }),
    });
    try {
      await expect(connect(invalid.mqttUrl, asPlayer('alice'))).rejects.toMatchObject({ code: 5 });
    } finally {
      await invalid.close();
    }
  });
});

describe('hostile bytes', () => {
  const sendRaw = (bytes: Uint8Array) =>
    new Promise<void>((resolve) => {
      const url = new URL(broker.mqttUrl);
      const socket = connectTcp(Number(url.port), url.hostname, () => socket.end(bytes));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });

  it('survives random bytes and malformed packets; other players are unaffected', async () => {
    const watcher: MqttClient = await connect(broker.mqttUrl, asPlayer('alice'));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        await sendRaw(bytes);
      }),
      { numRuns: 60 },
    );
    // A CONNECT declaring a bad protocol and a remaining length of 5 bytes (aedes#324 shapes).
    await sendRaw(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    await sendRaw(
      Buffer.from([
        0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x09, 0x02, 0x00, 0x3c, 0x00, 0x00,
      ]),
    );
    expect(watcher.connected).toBe(true);
    await watcher.publishAsync('chat/send/Town137', 'still here', { qos: 1 });
    await waitFor('the broker to still work', () => publishedTo('chat/send/Town137').length === 1);
  });

  it('drops a subscriber that stops reading instead of stalling everyone else', async () => {
    const frozen = await connect(broker.mqttUrl, asPlayer('frozen'));
    const healthy = await connect(broker.mqttUrl, asPlayer('healthy'));
    const healthyGot = record(healthy);
    expect(await subscribe(frozen, 'chat/room/Busy')).toEqual([1]);
    expect(await subscribe(healthy, 'chat/room/Busy')).toEqual([1]);
    // The frozen client's socket is never read again: its buffers fill up.
    (frozen.stream as unknown as { pause(): void }).pause();
    const closedBefore = broker.stats().connectionsClosedByBroker;
    // 16 MB: far past the socket buffers and the broker's per-client limit. Before the fix,
    // aedes waited for the frozen socket to drain (30 s) and the healthy one got nothing more.
    const count = 1000;
    for (let i = 0; i < count; i++) {
      await broker.publish({
        topic: 'chat/room/Busy',
        payload: Buffer.alloc(16 * 1024, 0x61),
        qos: 1,
        retain: false,
      });
    }
    await waitFor('the healthy subscriber to get every message', () => healthyGot.length === count);
    // The broker let the frozen one go (its socket, paused, cannot notice by itself).
    await waitFor(
      'the broker to drop the frozen subscriber',
      () => broker.stats().connectionsClosedByBroker === closedBefore + 1,
    );
  }, 20_000);

  /** Raw bytes on an authenticated connection: packets mqtt.js would never send. */
  const packet = (firstByte: number, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([firstByte, body.length]), body]);
  };
  const mqttString = (bytes: Buffer) => Buffer.concat([Buffer.from([0, bytes.length]), bytes]);
  const NOT_UTF8 = Buffer.from([0x63, 0x68, 0x61, 0x74, 0xff, 0xfe]);
  const PACKET_ID = Buffer.from([0, 7]);
  it.each([
    ['a PUBLISH whose topic is not UTF-8', packet(0x30, mqttString(NOT_UTF8), Buffer.from('x'))],
    [
      'a SUBSCRIBE whose filter is not UTF-8',
      packet(0x82, PACKET_ID, mqttString(NOT_UTF8), Buffer.from([1])),
    ],
    ['an UNSUBSCRIBE whose filter is not UTF-8', packet(0xa2, PACKET_ID, mqttString(NOT_UTF8))],
    ['an UNSUBSCRIBE without filters', packet(0xa2, PACKET_ID)],
  ])('closes the connection on %s (MQTT 3.1.1 §1.5.3, §3.10.3)', async (_case, bytes) => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    const closedBefore = broker.stats().connectionsClosedByBroker;
    (alice.stream as Socket).write(bytes);
    await closed(alice);
    expect(broker.stats().connectionsClosedByBroker).toBe(closedBefore + 1);
  });

  it('closes a WebSocket that sends a frame over the packet limit', async () => {
    const socket = new WebSocket(broker.wsUrl, 'mqtt');
    await new Promise((resolve) => socket.once('open', resolve));
    const closedWith = new Promise<number>((resolve) =>
      socket.once('close', (code) => resolve(code)),
    );
    socket.send(Buffer.alloc(IOT_LIMITS.maxPayloadBytes * 2));
    expect(await closedWith).toBe(1009); // message too big
  });

  it('publishes subscribe and unsubscribe events with the granted filters, none on disconnect', async () => {
    const alice = await connect(broker.mqttUrl, asPlayer('alice'));
    // One granted, one refused by the policy (another player's inbox).
    expect(await subscribe(alice, ['chat/room/Town137', 'chat/inbox/bob'])).toEqual([1, 128]);
    await alice.unsubscribeAsync('chat/room/Town137');
    await subscribe(alice, 'chat/room/Town138');
    await alice.endAsync();
    await waitFor('the disconnect', () =>
      published.some((message) => message.topic === '$aws/events/presence/disconnected/alice'),
    );
    const [connected] = publishedTo('$aws/events/presence/connected/alice');
    const session = JSON.parse(connected?.payload.toString() ?? '').sessionIdentifier;
    const events = (topic: string) =>
      publishedTo(topic).map((message) => JSON.parse(message.payload.toString()));
    expect(events('$aws/events/subscriptions/subscribed/alice')).toEqual([
      {
        clientId: 'alice',
        timestamp: expect.any(Number),
        eventType: 'subscribed',
        sessionIdentifier: session,
        principalIdentifier: 'alice',
        topics: ['chat/room/Town137'],
      },
      expect.objectContaining({ topics: ['chat/room/Town138'] }),
    ]);
    // Only the UNSUBSCRIBE the client sent: closing the connection adds none.
    expect(events('$aws/events/subscriptions/unsubscribed/alice')).toEqual([
      {
        clientId: 'alice',
        timestamp: expect.any(Number),
        eventType: 'unsubscribed',
        sessionIdentifier: session,
        principalIdentifier: 'alice',
        topics: ['chat/room/Town137'],
      },
    ]);
  });
});
