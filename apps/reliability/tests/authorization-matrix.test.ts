import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { signTokenForAuthorizer } from '@game-chat/auth/signing';
import { DEVELOPMENT_TOKEN_SECRET } from '@game-chat/auth/tokens';
import type { LocalStack } from '@game-chat/aws-emulator';
import {
  type CustomAuthCredentials,
  customAuthUrl,
  customAuthUsername,
} from '@game-chat/protocol/custom-auth';
import type { ChatMessage, ServerMessage } from '@game-chat/protocol/payloads';
import { publishPacket } from '@game-chat/testing/mqtt-packets';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectMqtt,
  connectPlayer,
  endMqttClients,
  RATE_LIMITS_OFF,
  type StackUnderTest,
  startStack,
  subscribe,
  waitFor,
} from '../src/harness.js';
import { type RawConnection, rawConnect } from '../src/raw-mqtt.js';
import { nowSeconds, signedUsername, signJwt, unsignedJwt } from '../src/tokens.js';

/**
 * A random marker the profanity filter can never mask: a UUID's hex digits read as leetspeak
 * (b00b, 455) and get starred, which made markers vanish from the room at random.
 */
function unmaskable(): string {
  return Array.from(randomBytes(16), (byte) => 'hjkqvwxz'[byte % 8]).join('');
}

/**
 * Every role × every action × own or other resource, through the local stack (the real
 * authorizer, policies, filter and HTTP API bundles), table-driven. Names and client ids with
 * `+`, `#` and `$` are in the tables.
 */

const ROLES = ['player', 'moderator', 'admin'] as const;
type RoleName = (typeof ROLES)[number];
const ACTOR: Record<RoleName, string> = { player: 'pla-yer_1', moderator: 'mod_1', admin: 'adm-1' };
const VICTIM = 'victim';
const CHANNEL = 'Town1';

let sut: StackUnderTest;
let stack: LocalStack;
/** Sees the room of CHANNEL. */
const room: ServerMessage[] = [];
/** Sees the victim's inbox. */
const victimInbox: ServerMessage[] = [];
/** Each actor's own inbox, seen by a second connection of that actor. */
const actorInbox: Record<string, ServerMessage[]> = {};
const rawConnections: RawConnection[] = [];

const parse = (payload: Buffer) => JSON.parse(payload.toString()) as ServerMessage;

function record(client: MqttClient, into: ServerMessage[]): void {
  client.on('message', (_topic, payload) => into.push(parse(payload)));
}

const mentions = (messages: readonly ServerMessage[], marker: string) =>
  messages.some((message) => JSON.stringify(message).includes(marker));

beforeAll(async () => {
  // The matrix sends many messages from few players: rate limits are tested elsewhere.
  sut = await startStack({ settings: RATE_LIMITS_OFF });
  stack = sut.stack;
  const watcher = await connectPlayer(stack, 'watcher');
  record(watcher, room);
  expect(await subscribe(watcher, `chat/room/${CHANNEL}`)).toEqual([1]);
  const victim = await connectPlayer(stack, VICTIM);
  record(victim, victimInbox);
  expect(await subscribe(victim, `chat/inbox/${VICTIM}`)).toEqual([1]);
  for (const role of ROLES) {
    const observer = await connectPlayer(stack, ACTOR[role], {
      role,
      clientId: `${ACTOR[role]}.observer`,
    });
    actorInbox[ACTOR[role]] = [];
    record(observer, actorInbox[ACTOR[role]] as ServerMessage[]);
    expect(await subscribe(observer, `chat/inbox/${ACTOR[role]}`)).toEqual([1]);
  }
  // The first message warms the Lambdas up (Redis connection, scripts, Data Plane client).
  await deliverMarker();
});

afterAll(async () => {
  for (const connection of rawConnections) connection.destroy();
  await endMqttClients();
  await sut?.stop();
});

/**
 * A raw MQTT connection (the packet writer, so ids and topics can be anything) as `clientId`,
 * with `token` signed for IoT Core so that the authorizer itself decides.
 */
async function rawAs(clientId: string, token: string) {
  const username = signedUsername(stack, token, clientId);
  const result = await rawConnect(stack.urls.mqtt, { clientId, username });
  rawConnections.push(result.connection);
  return result;
}

type TokenKind = 'valid' | 'expired' | 'other secret' | 'alg none' | 'role root';

function tokenFor(kind: TokenKind, sub: string, role: RoleName): Promise<string> | string {
  const claims = { sub, name: sub, role, exp: nowSeconds() + 600 };
  switch (kind) {
    case 'valid':
      return stack.issueToken(sub, { role });
    case 'expired':
      return signJwt({ ...claims, exp: nowSeconds() - 600 }, DEVELOPMENT_TOKEN_SECRET);
    case 'other secret':
      return signJwt(claims, 'another-secret-that-is-long-enough-for-hs256');
    case 'alg none':
      return unsignedJwt(claims);
    case 'role root':
      return signJwt({ ...claims, role: 'root' }, DEVELOPMENT_TOKEN_SECRET);
  }
}

// [case, client id from the actor's id, token kind, token subject from the actor's id, CONNACK]
type ConnectCase = [
  string,
  (actor: string) => string,
  TokenKind,
  (actor: string) => string,
  number,
];
const self = (actor: string) => actor;
const CONNECT_CASES: ConnectCase[] = [
  ['as itself', self, 'valid', self, 0],
  ['as itself with a device suffix', (a) => `${a}.tab2`, 'valid', self, 0],
  ['as another player', () => VICTIM, 'valid', self, 5],
  ["as another player's device", () => `${VICTIM}.tab2`, 'valid', self, 5],
  ['with client id "+"', () => '+', 'valid', self, 5],
  ['with client id "#"', () => '#', 'valid', self, 5],
  ['with client id "$aws"', () => '$aws', 'valid', self, 5],
  ['with a trailing dot', (a) => `${a}.`, 'valid', self, 5],
  ['with the suffix "+"', (a) => `${a}.+`, 'valid', self, 5],
  ['with the suffix "#"', (a) => `${a}.#`, 'valid', self, 5],
  ['with two suffixes', (a) => `${a}.a.b`, 'valid', self, 5],
  ['with a slash in the client id', (a) => `${a}/x`, 'valid', self, 5],
  ['with an empty client id', () => '', 'valid', self, 5],
  ['with a client id over 128 bytes', (a) => `${a}.${'x'.repeat(130)}`, 'valid', self, 2],
  ['as "+" with a token for "+"', () => '+', 'valid', () => '+', 5],
  ['as "#" with a token for "#"', () => '#', 'valid', () => '#', 5],
  ['as "$SYS" with a token for "$SYS"', () => '$SYS', 'valid', () => '$SYS', 5],
  ['with an expired token', self, 'expired', self, 5],
  ['with a token signed by another secret', self, 'other secret', self, 5],
  ['with an alg:none token', self, 'alg none', self, 5],
  ['with a token claiming role "root"', self, 'role root', self, 5],
];

describe.each(ROLES)('%s: connect', (role) => {
  const actor = ACTOR[role];
  it.each(CONNECT_CASES)('%s', async (_case, clientId, kind, subject, expected) => {
    // The issuer refuses to sign a `sub` that is not a player id: sign those by hand.
    const token =
      kind === 'valid' && subject(actor) !== actor
        ? signJwt({ sub: subject(actor), role, exp: nowSeconds() + 600 }, DEVELOPMENT_TOKEN_SECRET)
        : await tokenFor(kind, subject(actor), role);
    const { connection, returnCode } = await rawAs(clientId(actor), token);
    expect(returnCode).toBe(expected);
    if (expected !== 0) await connection.closed;
    connection.destroy();
  });

  it.each([
    ['as itself', actor, true],
    ['as another player', VICTIM, false],
  ] as const)('over WebSocket %s', async (_case, clientId, accepted) => {
    const connecting = connectPlayer(stack, actor, { role, clientId, transport: 'ws' });
    if (accepted) await expect(connecting).resolves.toBeDefined();
    else await expect(connecting).rejects.toMatchObject({ code: 5 });
  });
});

/**
 * IoT Core's own checks for a signed custom authorizer, before it calls the Lambda: a token
 * whose signature is missing or wrong, or a connect naming no or another authorizer, is
 * refused without an authorizer invocation (which is what protects the authorizer's reserved
 * concurrency from a login flood).
 */
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
type Credentials = CustomAuthCredentials;
type SignatureCase = [string, (good: Credentials, other: Credentials) => Credentials];
const SIGNATURE_CASES: SignatureCase[] = [
  ['without a signature', (good) => ({ ...good, signature: '' })],
  ['with a signature that is not base64', (good) => ({ ...good, signature: 'sig%not*b64' })],
  [
    'with the signature of another token',
    (good, other) => ({ ...good, signature: other.signature }),
  ],
  [
    'with a token changed after signing (another player)',
    (good, other) => ({ ...good, token: other.token }),
  ],
  [
    'with a signature by a key the authorizer does not list',
    (good) => ({ ...good, signature: signTokenForAuthorizer(good.token, otherKey) }),
  ],
  [
    'naming no authorizer (no default authorizer)',
    (good) => ({ ...good, authorizerName: undefined }),
  ],
  ['naming another authorizer', (good) => ({ ...good, authorizerName: 'game-chat-other' })],
  ['with the token under another key name', (good) => ({ ...good, tokenKeyName: 'jwt' })],
];

describe.each([
  ['TCP', 'tcp'],
  ['WebSocket', 'ws'],
] as const)("IoT Core's signature check over %s", (_transport, transport) => {
  /** Connects with `credentials` the way the SDK does, as the actor `adm-1` (every role's power). */
  const connectWith = (credentials: Credentials) =>
    transport === 'ws'
      ? connectMqtt(customAuthUrl(stack.urls.ws, credentials), { clientId: ACTOR.admin })
      : connectMqtt(stack.urls.mqtt, {
          clientId: ACTOR.admin,
          username: customAuthUsername(ACTOR.admin, credentials),
        });

  it.each(SIGNATURE_CASES)(
    'refuses a connect %s, never invoking the authorizer',
    async (_c, change) => {
      const good = await stack.issueSignedToken(ACTOR.admin, { role: 'admin' });
      const other = await stack.issueSignedToken(VICTIM);
      const before = stack.stats().broker.authorizerInvocations;
      await expect(connectWith(change(good, other))).rejects.toMatchObject({ code: 5 });
      expect(stack.stats().broker.authorizerInvocations).toBe(before);
    },
  );

  it('refuses the token alone as the MQTT password (unsigned), never invoking the authorizer', async () => {
    const token = await stack.issueToken(ACTOR.admin, { role: 'admin' });
    const named = { clientId: ACTOR.admin, password: token };
    const before = stack.stats().broker.authorizerInvocations;
    const attempt =
      transport === 'ws'
        ? connectMqtt(`${stack.urls.ws}?x-amz-customauthorizer-name=${stack.authorizerName}`, {
            ...named,
            username: '',
          })
        : connectMqtt(stack.urls.mqtt, {
            ...named,
            username: `${ACTOR.admin}?x-amz-customauthorizer-name=${stack.authorizerName}`,
          });
    await expect(attempt).rejects.toMatchObject({ code: 5 });
    expect(stack.stats().broker.authorizerInvocations).toBe(before);
  });

  it('accepts the signed token, invoking the authorizer once', async () => {
    const good = await stack.issueSignedToken(ACTOR.admin, { role: 'admin' });
    const before = stack.stats().broker.authorizerInvocations;
    const client = await connectWith(good);
    expect(client.connected).toBe(true);
    expect(stack.stats().broker.authorizerInvocations).toBe(before + 1);
    await client.endAsync(true);
  });
});

describe('a default authorizer (create_domain_configuration = true)', () => {
  let withDefault: StackUnderTest;
  beforeAll(async () => {
    withDefault = await startStack({ createDomainConfiguration: true });
  });
  afterAll(() => withDefault?.stop());

  it.each([
    ['TCP', 'tcp'],
    ['WebSocket', 'ws'],
  ] as const)('lets in a signed connect naming no authorizer over %s', async (_t, transport) => {
    const signed = await withDefault.stack.issueSignedToken('nomad');
    const credentials = { ...signed, authorizerName: undefined };
    const client =
      transport === 'ws'
        ? await connectMqtt(customAuthUrl(withDefault.stack.urls.ws, credentials), {
            clientId: 'nomad',
          })
        : await connectMqtt(withDefault.stack.urls.mqtt, {
            clientId: 'nomad',
            username: customAuthUsername('nomad', credentials),
          });
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });

  it('still refuses a wrong signature, never invoking the authorizer', async () => {
    const signed = await withDefault.stack.issueSignedToken('nomad');
    const other = await withDefault.stack.issueSignedToken('rover');
    const before = withDefault.stack.stats().broker.authorizerInvocations;
    const username = customAuthUsername('nomad', {
      ...signed,
      authorizerName: undefined,
      signature: other.signature,
    });
    await expect(
      connectMqtt(withDefault.stack.urls.mqtt, { clientId: 'nomad', username }),
    ).rejects.toMatchObject({ code: 5 });
    expect(withDefault.stack.stats().broker.authorizerInvocations).toBe(before);
  });
});

/** Where a publish ends up. */
type Outcome =
  | 'room' // stored and delivered to the channel, from the actor
  | 'victim inbox' // a whisper delivered to the victim
  | 'own inbox' // a whisper delivered back to the actor
  | 'notice' // refused by the filter with a `forbidden` notice to the actor
  | 'closed'; // refused by the broker: the connection is closed

// [case, topic from the actor's id, payload, outcome]
type PublishCase = [string, (actor: string) => string, (marker: string) => string, Outcome];
const text = (marker: string) => JSON.stringify({ text: marker });
const PUBLISH_CASES: PublishCase[] = [
  ['send to a channel', () => `chat/send/${CHANNEL}`, text, 'room'],
  [
    'send with a spoofed sender in the payload',
    () => `chat/send/${CHANNEL}`,
    (marker) =>
      JSON.stringify({ text: marker, from: { id: VICTIM, name: 'V' }, sender: VICTIM, id: '1-1' }),
    'room',
  ],
  ['whisper to another player', () => `chat/whisper/${VICTIM}`, text, 'victim inbox'],
  ['whisper to itself', (a) => `chat/whisper/${a}`, text, 'own inbox'],
  ['publish to a room (only the filter may)', () => `chat/room/${CHANNEL}`, text, 'closed'],
  ["publish to another player's inbox", () => `chat/inbox/${VICTIM}`, text, 'closed'],
  ['publish to its own inbox', (a) => `chat/inbox/${a}`, text, 'closed'],
  ['send to "+" (a wildcard)', () => 'chat/send/+', text, 'closed'],
  ['send to "#" (a wildcard)', () => 'chat/send/#', text, 'closed'],
  ['whisper to "+"', () => 'chat/whisper/+', text, 'closed'],
  ['spoof a lifecycle event', () => `$aws/events/presence/connected/${VICTIM}`, text, 'closed'],
  ['publish to a topic outside chat/', () => `game/send/${CHANNEL}`, text, 'closed'],
  ['send to the channel "Town$"', () => 'chat/send/Town$', text, 'notice'],
  ['send to the channel "$SYS"', () => 'chat/send/$SYS', text, 'notice'],
  ['send to a channel with a space', () => 'chat/send/Town 1', text, 'notice'],
  ['whisper to "$victim"', () => `chat/whisper/$${VICTIM}`, text, 'notice'],
];

let markerSender: MqttClient | undefined;

/** Published through a separate, well-behaved player: proves the stack still delivers. */
async function deliverMarker(): Promise<void> {
  const marker = `marker-${unmaskable()}`;
  markerSender ??= await connectPlayer(stack, 'marker');
  await markerSender.publishAsync(`chat/send/${CHANNEL}`, text(marker), { qos: 1 });
  await markerSender.publishAsync(`chat/whisper/${VICTIM}`, text(marker), { qos: 1 });
  await waitFor(
    'the marker in the room and the inbox',
    () => mentions(room, marker) && mentions(victimInbox, marker),
  );
}

describe.each(ROLES)('%s: publish', (role) => {
  const actor = ACTOR[role];
  it.each(PUBLISH_CASES)('%s', async (_case, topic, payload, outcome) => {
    const marker = `m-${unmaskable()}`;
    const inbox = actorInbox[actor] as ServerMessage[];
    const { connection, returnCode } = await rawAs(
      `${actor}.p${marker.slice(2, 10)}`,
      await stack.issueToken(actor, { role }),
    );
    expect(returnCode).toBe(0);
    connection.send(
      publishPacket({ topic: topic(actor), payload: payload(marker), qos: 1, packetId: 7 }),
    );
    const from = (messages: readonly ServerMessage[]) =>
      messages.filter((message) => mentions([message], marker)) as ChatMessage[];
    switch (outcome) {
      case 'room':
        await waitFor('the message in the room', () => from(room).length === 1);
        expect(from(room)[0]).toMatchObject({ kind: 'chat', from: { id: actor }, text: marker });
        break;
      case 'victim inbox':
        await waitFor('the whisper', () => from(victimInbox).length === 1);
        expect(from(victimInbox)[0]).toMatchObject({ kind: 'whisper', from: { id: actor } });
        break;
      case 'own inbox':
        await waitFor('the whisper', () => from(inbox).length > 0);
        expect(from(inbox)[0]).toMatchObject({ kind: 'whisper', from: { id: actor } });
        break;
      case 'notice': {
        const notices = () =>
          inbox.filter((message) => message.kind === 'notice' && message.code === 'forbidden');
        const before = notices().length;
        await waitFor('the notice', () => notices().length > before);
        break;
      }
      case 'closed':
        await connection.closed;
        break;
    }
    // Nothing leaked anywhere else: a marker sent afterwards arrives, the attempt did not.
    await deliverMarker();
    if (outcome !== 'room') expect(from(room)).toEqual([]);
    if (outcome !== 'victim inbox') expect(from(victimInbox)).toEqual([]);
    connection.destroy();
  });
});

// [filter, granted QoS (128 = refused)]
const SUBSCRIBE_CASES: [string, (actor: string) => string, number][] = [
  ['a room', () => `chat/room/${CHANNEL}`, 1],
  ['every room with "+" (the token allows every channel)', () => 'chat/room/+', 1],
  ['every room with "#"', () => 'chat/room/#', 1],
  ['its own inbox', (a) => `chat/inbox/${a}`, 1],
  ["another player's inbox", () => `chat/inbox/${VICTIM}`, 128],
  ['every inbox with "+"', () => 'chat/inbox/+', 128],
  ['every inbox with "#"', () => 'chat/inbox/#', 128],
  ['everything under chat/', () => 'chat/#', 128],
  ['everything ("#")', () => '#', 128],
  ['a send topic (nobody but the rule reads them)', () => `chat/send/${CHANNEL}`, 128],
  ['whispers to anyone', () => 'chat/whisper/+', 128],
  ['lifecycle events', () => '$aws/events/presence/connected/+', 128],
  ['$SYS', () => '$SYS/#', 128],
];

describe.each(ROLES)('%s: subscribe', (role) => {
  const actor = ACTOR[role];
  let client: MqttClient;
  beforeAll(async () => {
    client = await connectPlayer(stack, actor, { role, clientId: `${actor}.sub` });
  });
  it.each(SUBSCRIBE_CASES)('%s', async (_case, filter, granted) => {
    expect(await subscribe(client, filter(actor))).toEqual([granted]);
  });

  it('receives no other inbox through a granted room wildcard', async () => {
    const marker = `w-${unmaskable()}`;
    const got: ServerMessage[] = [];
    record(client, got);
    const sender = await connectPlayer(stack, 'whisperer', { clientId: `whisperer.${actor}` });
    await sender.publishAsync(`chat/whisper/${VICTIM}`, text(marker), { qos: 1 });
    await waitFor('the whisper to the victim', () => mentions(victimInbox, marker));
    await deliverMarker();
    expect(mentions(got, marker)).toBe(false);
  });
});

describe('a token limited to some channels', () => {
  it.each(ROLES)('%s: subscribes, sends and reads only those channels', async (role) => {
    const actor = `${ACTOR[role]}s`;
    const token = await stack.issueToken(actor, { role, channels: [CHANNEL] });
    const client = await connectPlayer(stack, actor, { role, token });
    expect(await subscribe(client, `chat/room/${CHANNEL}`)).toEqual([1]);
    expect(await subscribe(client, 'chat/room/Town2')).toEqual([128]);
    expect(await subscribe(client, 'chat/room/+')).toEqual([128]);
    const read = (channel: string) =>
      fetch(`${stack.urls.api}/channels/${channel}/messages`, {
        headers: { authorization: `Bearer ${token}` },
      }).then((response) => response.status);
    expect(await read(CHANNEL)).toBe(200);
    expect(await read('Town2')).toBe(403);
    const announce = await fetch(`${stack.urls.api}/channels/Town2/announcements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"text":"elsewhere"}',
    });
    expect(announce.status).toBe(403);
    const { connection, returnCode } = await rawAs(`${actor}.raw`, token);
    expect(returnCode).toBe(0);
    connection.send(publishPacket({ topic: 'chat/send/Town2', payload: text('x'), qos: 1 }));
    await connection.closed;
  });
});

interface Api {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function api(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Api> {
  const response = await fetch(`${stack.urls.api}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, body: (await response.json()) as Api['body'] };
}

/** Sends a chat message as `playerId` and returns it as the room delivered it. */
async function chatAs(playerId: string, role: RoleName = 'player'): Promise<ChatMessage> {
  const marker = `own-${unmaskable()}`;
  const client = await connectPlayer(stack, playerId, { role, clientId: `${playerId}.own` });
  await client.publishAsync(`chat/send/${CHANNEL}`, text(marker), { qos: 1 });
  await waitFor('the message', () => mentions(room, marker));
  await client.endAsync(true);
  return room.find((message) => mentions([message], marker)) as ChatMessage;
}

async function inHistory(id: string): Promise<boolean> {
  const reader = await stack.issueToken('reader');
  const { body } = await api('GET', `/channels/${CHANNEL}/messages?limit=200`, { token: reader });
  return (body.messages as ChatMessage[]).some((message) => message.id === id);
}

/** Lazily made messages of one row: sent only by the rows that need them. */
interface RowIds {
  readonly actor: string;
  own(): Promise<string>;
  other(): Promise<string>;
}

// [case, method, path, body, status per role]
type HttpCase = [
  string,
  string,
  (ids: RowIds) => string | Promise<string>,
  unknown,
  Record<RoleName, number>,
];
const everyone = (status: number) => ({ player: status, moderator: status, admin: status });
const moderation = (status: number) => ({ player: 403, moderator: status, admin: status });
const messages = `/channels/${CHANNEL}/messages`;
const HTTP_CASES: HttpCase[] = [
  ['read a channel', 'GET', () => messages, undefined, everyone(200)],
  ['read "Town$"', 'GET', () => '/channels/Town%24/messages', undefined, everyone(400)],
  ['read "Town+1"', 'GET', () => '/channels/Town%2B1/messages', undefined, everyone(400)],
  ['read "#"', 'GET', () => '/channels/%23/messages', undefined, everyone(400)],
  ['read "$SYS"', 'GET', () => '/channels/%24SYS/messages', undefined, everyone(400)],
  [
    'read after an id that is not one',
    'GET',
    () => `${messages}?after=1-1%20OR%201`,
    undefined,
    everyone(400),
  ],
  [
    'announce',
    'POST',
    () => `/channels/${CHANNEL}/announcements`,
    { text: 'Restart soon' },
    moderation(201),
  ],
  [
    'announce to "Town#"',
    'POST',
    () => '/channels/Town%23/announcements',
    { text: 'x' },
    moderation(400),
  ],
  [
    'delete its own message',
    'DELETE',
    async ({ own }) => `${messages}/${await own()}`,
    undefined,
    moderation(200),
  ],
  [
    "delete another player's message",
    'DELETE',
    async ({ other }) => `${messages}/${await other()}`,
    undefined,
    moderation(200),
  ],
  [
    'delete an id that is not one',
    'DELETE',
    () => `${messages}/1-1%2B`,
    undefined,
    moderation(400),
  ],
  ['mute another player', 'PUT', () => `/players/${VICTIM}/mute`, { seconds: 60 }, moderation(200)],
  ['unmute another player', 'DELETE', () => `/players/${VICTIM}/mute`, undefined, moderation(200)],
  ['mute itself', 'PUT', ({ actor }) => `/players/${actor}/mute`, { seconds: 60 }, moderation(200)],
  ['unmute itself', 'DELETE', ({ actor }) => `/players/${actor}/mute`, undefined, moderation(200)],
  ['mute "+"', 'PUT', () => '/players/%2B/mute', { seconds: 60 }, moderation(400)],
  ['mute "$victim"', 'PUT', () => `/players/%24${VICTIM}/mute`, { seconds: 60 }, moderation(400)],
];

describe.each(ROLES)('%s: HTTP API', (role) => {
  const actor = ACTOR[role];
  it.each(HTTP_CASES)('%s', async (_case, method, path, body, expected) => {
    const made: string[] = [];
    const make = async (playerId: string, senderRole: RoleName) => {
      const { id } = await chatAs(playerId, senderRole);
      made.push(id);
      return id;
    };
    const ids: RowIds = {
      actor,
      own: () => make(actor, role),
      other: () => make('other', 'player'),
    };
    const target = await path(ids);
    const roomBefore = room.length;
    const token = await stack.issueToken(actor, { role });
    const response = await api(method, target, { token, body });
    expect(response.status).toBe(expected[role]);
    if (response.status >= 400) {
      expect(response.body).toEqual({
        error: { code: expect.any(String), message: expect.any(String) },
      });
      // A refusal leaves no trace: the messages are still there, nothing was published.
      for (const id of made) expect(await inHistory(id)).toBe(true);
      await deliverMarker();
      expect(room.slice(roomBefore).every((message) => message.kind === 'chat')).toBe(true);
    }
  });
});

describe('HTTP API without a valid token', () => {
  it.each([
    ['no token', undefined],
    [
      'an expired token',
      signJwt({ sub: 'x', role: 'admin', exp: nowSeconds() - 60 }, DEVELOPMENT_TOKEN_SECRET),
    ],
    [
      'a token signed by another secret',
      signJwt({ sub: 'x', role: 'admin', exp: nowSeconds() + 60 }, 'y'.repeat(40)),
    ],
    ['an alg:none admin token', unsignedJwt({ sub: 'x', role: 'admin', exp: nowSeconds() + 60 })],
  ])('refuses %s with 401 on every route', async (_case, token) => {
    const routes: [string, string, unknown][] = [
      ['GET', `/channels/${CHANNEL}/messages`, undefined],
      ['POST', `/channels/${CHANNEL}/announcements`, { text: 'x' }],
      ['DELETE', `/channels/${CHANNEL}/messages/1-1`, undefined],
      ['PUT', `/players/${VICTIM}/mute`, { seconds: 5 }],
      ['DELETE', `/players/${VICTIM}/mute`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const response = await api(method, path, { ...(token ? { token } : {}), body });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body.error?.code).toBe('unauthorized');
    }
  });
});
