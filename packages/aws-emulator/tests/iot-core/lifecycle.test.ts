import { describe, expect, it } from 'vitest';
import { lifecycleMessage, type Session } from '../../src/iot-core/lifecycle.js';

const session: Session = {
  clientId: 'alice.tab1',
  sessionIdentifier: '00000000-0000-4000-8000-000000000000',
  principalIdentifier: '616c696365',
  ipAddress: '127.0.0.1',
  versionNumber: 3,
};

const parse = (message: ReturnType<typeof lifecycleMessage>) =>
  message && { topic: message.topic, event: JSON.parse(message.payload.toString()) };

describe('lifecycleMessage', () => {
  it('builds the connected event', () => {
    expect(parse(lifecycleMessage(session, { eventType: 'connected' }, 1000))).toEqual({
      topic: '$aws/events/presence/connected/alice.tab1',
      event: {
        clientId: 'alice.tab1',
        timestamp: 1000,
        eventType: 'connected',
        sessionIdentifier: session.sessionIdentifier,
        principalIdentifier: '616c696365',
        ipAddress: '127.0.0.1',
        versionNumber: 3,
      },
    });
  });

  it.each([
    ['CLIENT_INITIATED_DISCONNECT', true],
    ['DUPLICATE_CLIENTID', false],
    ['CUSTOMAUTH_TTL_EXPIRATION', false],
  ] as const)('builds the disconnected event for %s', (reason, clientInitiated) => {
    const message = parse(lifecycleMessage(session, { eventType: 'disconnected', reason }, 2000));
    expect(message?.topic).toBe('$aws/events/presence/disconnected/alice.tab1');
    expect(message?.event).toEqual({
      clientId: 'alice.tab1',
      timestamp: 2000,
      eventType: 'disconnected',
      sessionIdentifier: session.sessionIdentifier,
      principalIdentifier: '616c696365',
      clientInitiatedDisconnect: clientInitiated,
      disconnectReason: reason,
      versionNumber: 3,
    });
  });

  it.each(['a+b', 'a#'])('sends nothing for the client id %s, as IoT', (clientId) => {
    expect(
      lifecycleMessage({ ...session, clientId }, { eventType: 'connected' }, 1),
    ).toBeUndefined();
  });
});

describe('subscription lifecycle events', () => {
  it.each(['subscribed', 'unsubscribed'] as const)(
    'builds the %s event with the filters and no versionNumber',
    (eventType) => {
      const topics = ['chat/room/Town137', 'chat/inbox/alice'];
      expect(parse(lifecycleMessage(session, { eventType, topics }, 3000))).toEqual({
        topic: `$aws/events/subscriptions/${eventType}/alice.tab1`,
        event: {
          clientId: 'alice.tab1',
          timestamp: 3000,
          eventType,
          sessionIdentifier: session.sessionIdentifier,
          principalIdentifier: '616c696365',
          topics,
        },
      });
    },
  );
});
