import { createTopics } from '@game-chat/protocol/topics';
import { describe, expect, it } from 'vitest';
import { readLifecycleEvent } from '../src/event.js';

const topics = createTopics('chat');
const session = '00000000-0000-4000-8000-000000000000';

/** Payloads as the AWS IoT developer guide, "Lifecycle events", shows them. */
const connected = {
  clientId: 'alice.tab1',
  timestamp: 1_764_081_600_000,
  eventType: 'connected',
  sessionIdentifier: session,
  principalIdentifier: 'alice',
  ipAddress: '192.0.2.0',
  versionNumber: 3,
};
const disconnected = {
  ...connected,
  eventType: 'disconnected',
  ipAddress: undefined,
  clientInitiatedDisconnect: true,
  disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
};
const subscribed = {
  clientId: 'alice.tab1',
  timestamp: 1_764_081_600_100,
  eventType: 'subscribed',
  sessionIdentifier: session,
  principalIdentifier: 'alice',
  topics: ['chat/room/Town137', 'chat/inbox/alice', 'chat/presence/Town137', 'chat/room/Guild42'],
};

describe('readLifecycleEvent', () => {
  it('reads connect and disconnect events with their version', () => {
    expect(readLifecycleEvent(connected, topics)).toEqual({
      ok: true,
      value: {
        kind: 'connected',
        clientId: 'alice.tab1',
        session,
        at: connected.timestamp,
        version: 3,
      },
    });
    expect(readLifecycleEvent(disconnected, topics)).toMatchObject({
      ok: true,
      value: { kind: 'disconnected', version: 3 },
    });
  });

  it('keeps only the room topics of this prefix from a subscription event', () => {
    expect(readLifecycleEvent(subscribed, topics)).toEqual({
      ok: true,
      value: {
        kind: 'subscribed',
        clientId: 'alice.tab1',
        session,
        at: subscribed.timestamp,
        channels: ['Town137', 'Guild42'],
      },
    });
    expect(
      readLifecycleEvent(
        {
          ...subscribed,
          eventType: 'unsubscribed',
          topics: ['chat/room/Town137', 'chat/room/Town137'],
        },
        topics,
      ),
    ).toMatchObject({ ok: true, value: { kind: 'unsubscribed', channels: ['Town137'] } });
  });

  it.each([
    ['not an object', 'connected'],
    ['an array', [connected]],
    ['an unknown event type', { ...connected, eventType: 'connect_auth_failure' }],
    ['a client id that is no player', { ...connected, clientId: 'device-7/x' }],
    ['a client id with two suffixes', { ...connected, clientId: 'alice.a.b' }],
    ['no session', { ...connected, sessionIdentifier: undefined }],
    ['a session with spaces', { ...connected, sessionIdentifier: 'a b' }],
    ['a timestamp as text', { ...connected, timestamp: '1764081600000' }],
    ['a negative timestamp', { ...connected, timestamp: -1 }],
    ['a connect without versionNumber', { ...connected, versionNumber: undefined }],
    ['a fractional versionNumber', { ...connected, versionNumber: 1.5 }],
    ['topics that are not a list', { ...subscribed, topics: 'chat/room/Town137' }],
    ['more than 50 topics', { ...subscribed, topics: Array(51).fill('chat/room/Town137') }],
    ['only topics of another prefix', { ...subscribed, topics: ['game/room/Town137'] }],
    [
      'only inbox and presence topics',
      { ...subscribed, topics: ['chat/inbox/alice', 'chat/presence/Town137'] },
    ],
    ['a wildcard room filter', { ...subscribed, topics: ['chat/room/+', 'chat/room/#'] }],
    ['an inherited eventType', Object.create({ eventType: 'connected' })],
  ])('refuses %s', (_why, event) => {
    expect(readLifecycleEvent(event, topics)).toMatchObject({ ok: false, code: 'invalid' });
  });
});
