import type { LocalStack } from '@game-chat/aws-emulator';
import type { RedisConnection } from '@game-chat/chat-store/connection';
import {
  connectPacket,
  disconnectPacket,
  MAX_REMAINING_LENGTH,
  mqttString,
  PACKET,
  packet,
  pingreqPacket,
  publishPacket,
  subscribePacket,
  unsubscribePacket,
} from '@game-chat/testing/mqtt-packets';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../src/harness.js';
import { openRawConnection, type RawConnection, rawConnect } from '../src/raw-mqtt.js';
import { newKeys, snapshotKeyspace, without } from '../src/redis-snapshot.js';
import { signedUsername } from '../src/tokens.js';
import { fuzzSuite } from './support/fuzz-suite.js';

/**
 * The broker under random and malformed MQTT over raw TCP: wrong lengths, topics that are not
 * UTF-8, empty topics, huge remaining lengths, packets before CONNECT. The broker must close the
 * offending connection and nothing else: a canary connection keeps answering PINGREQ, two
 * players keep chatting, nothing is stored, and the process sees no unhandled error.
 */

const suite = fuzzSuite({ chatterIntervalMs: 1100 });
let stack: LocalStack;
let redis: RedisConnection;
let canary: RawConnection;
/** The user name carrying the player `fuzzer`'s signed token. */
let fuzzerUsername: string;
const opened: RawConnection[] = [];

/** Keys a fuzzer may legitimately create: players' hashes (the authorizer's profiles), the chatter's own. */
const EXPECTED_KEYS = /:pl:\{[^}]+\}$|\{(Lobby|chatterA|chatterB)\}/;

beforeAll(async () => {
  ({ stack, redis } = suite);
  fuzzerUsername = signedUsername(stack, await stack.issueToken('fuzzer'), 'fuzzer');
  const connected = await rawConnect(stack.urls.mqtt, {
    clientId: 'canary',
    username: signedUsername(stack, await stack.issueToken('canary'), 'canary'),
    keepaliveSeconds: 1200,
  });
  expect(connected.returnCode).toBe(0);
  canary = connected.connection;
});

afterAll(() => {
  for (const connection of opened) connection.destroy();
  canary?.destroy();
});

/** The broker still serves an existing connection: PINGREQ gets its PINGRESP. */
async function canaryAnswers(): Promise<void> {
  const before = canary.received.filter((p) => p.type === PACKET.pingresp).length;
  canary.send(pingreqPacket());
  await waitFor(
    'the canary PINGRESP',
    () => canary.received.filter((p) => p.type === PACKET.pingresp).length > before,
    5000,
  );
}

async function open(): Promise<RawConnection> {
  const connection = await openRawConnection(stack.urls.mqtt);
  opened.push(connection);
  return connection;
}

/** A connection that passed CONNECT as the player `fuzzer`, with a fresh client id. */
let fuzzerConnections = 0;
async function openAuthenticated(): Promise<RawConnection> {
  const { connection, returnCode } = await rawConnect(stack.urls.mqtt, {
    clientId: `fuzzer.c${fuzzerConnections++}`,
    username: fuzzerUsername,
  });
  opened.push(connection);
  expect(returnCode).toBe(0);
  return connection;
}

/** Resolves when the broker closed the connection; fails after 5 s. */
async function expectClosed(connection: RawConnection): Promise<void> {
  await waitFor('the broker to close the connection', () => connection.isClosed(), 5000);
}

const BAD_UTF8 = Uint8Array.from([0x63, 0x68, 0x61, 0x74, 0xff, 0xfe, 0xc3]);
const validConnect = () =>
  connectPacket({
    clientId: `fuzzer.k${fuzzerConnections++}`,
    username: fuzzerUsername,
  });

/** [case, bytes]: each must get the connection closed, before or without a CONNACK 0. */
const BEFORE_CONNECT: [string, () => Buffer][] = [
  [
    'a PUBLISH before CONNECT',
    () => publishPacket({ topic: 'chat/send/Town1', payload: '{"text":"x"}' }),
  ],
  ['a SUBSCRIBE before CONNECT', () => subscribePacket({ filters: [{ filter: '#' }] })],
  ['a PINGREQ before CONNECT', () => pingreqPacket()],
  ['a DISCONNECT before CONNECT', () => disconnectPacket()],
  ['a remaining length of 268,435,455 bytes', () => Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])],
  ['a remaining length of five bytes', () => Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])],
  ['protocol name "MQTX"', () => connectPacket({ clientId: 'a', protocolName: 'MQTX' })],
  ['protocol level 9', () => connectPacket({ clientId: 'a', protocolLevel: 9 })],
  ['the reserved connect flag set', () => connectPacket({ clientId: 'a', connectFlags: 0x03 })],
  ['a password without a user name', () => connectPacket({ clientId: 'a', connectFlags: 0x42 })],
  [
    'a client id that is not UTF-8',
    () => connectPacket({ clientId: BAD_UTF8, username: fuzzerUsername }),
  ],
  [
    'a client id length longer than the packet',
    () =>
      packet(
        PACKET.connect,
        Buffer.concat([mqttString('MQTT'), Buffer.from([4, 2, 0, 60]), mqttString('abc', 40)]),
      ),
  ],
  ['a CONNECT of packet type 0', () => packet(0, Buffer.alloc(4))],
  ['a CONNECT of packet type 15', () => packet(15, Buffer.alloc(4))],
];

/**
 * [case, bytes]: sent after a good CONNECT; each must get that connection closed (MQTT 3.1.1
 * §1.5.3 for the topics that are not UTF-8, §3.8.3-3 and §3.10.3-2 for packets without filters).
 */
const AFTER_CONNECT: [string, () => Buffer][] = [
  [
    'a PUBLISH whose topic is not UTF-8',
    () => publishPacket({ topic: BAD_UTF8, payload: '{"text":"x"}' }),
  ],
  ['a PUBLISH with an empty topic', () => publishPacket({ topic: '', payload: '{"text":"x"}' })],
  ['a PUBLISH to a wildcard topic', () => publishPacket({ topic: 'chat/send/#', payload: '{}' })],
  [
    'a PUBLISH with a NUL in the topic',
    () => publishPacket({ topic: 'chat/send/T\u0000x', payload: '{}' }),
  ],
  [
    'a PUBLISH with QoS 3',
    () => publishPacket({ topic: 'chat/send/Town1', qos: 3, payload: '{}' }),
  ],
  [
    'a PUBLISH with QoS 2',
    () => publishPacket({ topic: 'chat/send/Town1', qos: 2, payload: '{}' }),
  ],
  [
    'a PUBLISH whose topic length runs past the packet',
    () => publishPacket({ topic: 'chat/send/Town1', topicLength: 5000 }),
  ],
  [
    'a PUBLISH over 128 KB',
    () => publishPacket({ topic: 'chat/send/Town1', payload: Buffer.alloc(128 * 1024 + 1, 0x61) }),
  ],
  ['a SUBSCRIBE without filters', () => subscribePacket({ filters: [] })],
  [
    'a SUBSCRIBE with the wrong fixed-header flags',
    () => subscribePacket({ filters: [{ filter: 'chat/room/Town1' }], flags: 0 }),
  ],
  [
    'a SUBSCRIBE with QoS 3',
    () => subscribePacket({ filters: [{ filter: 'chat/room/Town1', qos: 3 }] }),
  ],
  [
    'a SUBSCRIBE to a filter that is not UTF-8',
    () => subscribePacket({ filters: [{ filter: BAD_UTF8 }] }),
  ],
  [
    'a SUBSCRIBE to a filter with a NUL',
    () => subscribePacket({ filters: [{ filter: 'chat/room/T\u0000x' }] }),
  ],
  [
    'an UNSUBSCRIBE of a filter that is not UTF-8',
    () => unsubscribePacket({ filters: [BAD_UTF8] }),
  ],
  ['an UNSUBSCRIBE without filters', () => unsubscribePacket({ filters: [] })],
  ['a second CONNECT', validConnect],
  ['a remaining length of 268,435,455 bytes', () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])],
  ['a packet of type 0', () => packet(0, Buffer.alloc(2))],
];

describe('malformed packets', () => {
  it.each(BEFORE_CONNECT)('closes a connection that starts with %s', async (_case, bytes) => {
    const connection = await open();
    connection.send(bytes());
    await expectClosed(connection);
    expect(connection.received.some((p) => p.type === PACKET.connack && p.body[1] === 0)).toBe(
      false,
    );
    await canaryAnswers();
  });

  it.each(AFTER_CONNECT)('closes a connection that sends %s', async (_case, bytes) => {
    const connection = await openAuthenticated();
    connection.send(bytes());
    await expectClosed(connection);
    await canaryAnswers();
  });
});

const hostileTopic = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(
    '',
    '#',
    '+',
    'chat/send/+',
    '$SYS/x',
    '$aws/events/presence/connected/x',
    '/',
    '//',
  ),
  fc.string({ maxLength: 300 }),
);
const hostilePacket = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc
    .record({
      topic: hostileTopic,
      payload: fc.uint8Array({ maxLength: 100 }),
      qos: fc.integer({ min: 0, max: 3 }),
      retain: fc.boolean(),
      dup: fc.boolean(),
      packetId: fc.integer({ min: 0, max: 65_535 }),
      declaredLength: fc.option(fc.integer({ min: 0, max: MAX_REMAINING_LENGTH }), {
        nil: undefined,
      }),
      topicLength: fc.option(fc.integer({ min: 0, max: 65_535 }), { nil: undefined }),
    })
    .map((options) => publishPacket(options)),
  fc
    .record({
      filters: fc.array(
        fc.record({ filter: hostileTopic, qos: fc.integer({ min: 0, max: 255 }) }),
        {
          maxLength: 10,
        },
      ),
      packetId: fc.integer({ min: 0, max: 65_535 }),
      flags: fc.integer({ min: 0, max: 15 }),
    })
    .map((options) => subscribePacket(options)),
  fc
    .tuple(
      fc.integer({ min: 0, max: 15 }),
      fc.integer({ min: 0, max: 15 }),
      fc.uint8Array({ maxLength: 50 }),
    )
    .map(([type, flags, body]) => packet(type, body, { flags })),
);

/**
 * 100 random sequences of 1-4 hostile packets, each on a fresh connection from `connect`; once
 * the canary has answered and the connection is closed, `check` judges what came back and the
 * keys that appeared since (profiles and the chatter's own left out).
 */
async function fuzzConnections(
  connect: () => Promise<RawConnection>,
  check: (received: RawConnection['received'], newKeys: string[]) => void,
): Promise<void> {
  const keyspace = async () => without(await snapshotKeyspace(redis, 'gc'), EXPECTED_KEYS);
  await fc.assert(
    fc.asyncProperty(fc.array(hostilePacket, { minLength: 1, maxLength: 4 }), async (packets) => {
      const before = await keyspace();
      const connection = await connect();
      for (const bytes of packets) connection.send(bytes);
      // The broker closes the connection or waits for the rest of a packet; either way the
      // canary still gets its answer.
      await canaryAnswers();
      connection.destroy();
      check(connection.received, newKeys(before, await keyspace()));
    }),
    { numRuns: 100 },
  );
}

describe('random packets', () => {
  it('before CONNECT: never a CONNACK 0, never harm to others, nothing stored', async () => {
    await fuzzConnections(open, (received, keys) => {
      expect(received.some((p) => p.type === PACKET.connack && p.body[1] === 0)).toBe(false);
      expect(keys).toEqual([]);
    });
    await canaryAnswers();
  });

  it('after a good CONNECT: the broker survives, others are unaffected, nothing is stored', async () => {
    await fuzzConnections(openAuthenticated, (_received, keys) => {
      // A player's own state (rate bucket, notices' seen marks) may change; no channel may.
      expect(keys.filter((key) => key.includes(':ch:'))).toEqual([]);
    });
  });
});

describe('the well-behaved players', () => {
  it('kept chatting during all of it, and the broker took no hit', async () => {
    await suite.expectPlayersUnharmed('broker fuzzing');
    expect(canary.isClosed()).toBe(false);
    await canaryAnswers();
    expect(suite.processErrors).toEqual([]);
    console.info('broker stats after fuzzing', stack.stats().broker);
  });
});
