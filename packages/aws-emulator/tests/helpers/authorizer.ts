import { LOCAL_AWS } from '../../src/aws-location.js';
import type { AuthorizerEvent } from '../../src/iot-core/custom-auth.js';

/**
 * A stand-in for the authorizer Lambda in broker unit tests: the MQTT password `player:<id>`
 * authenticates player `<id>` with contract §4's policy. The real bundle is tested end to end.
 */

const arn = (resource: string) =>
  `arn:aws:iot:${LOCAL_AWS.region}:${LOCAL_AWS.accountId}:${resource}`;

export function playerPolicy(playerId: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: [arn(`client/${playerId}`), arn(`client/${playerId}.*`)],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [arn('topic/chat/send/*'), arn('topic/chat/whisper/*')],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [arn('topicfilter/chat/room/*'), arn(`topicfilter/chat/inbox/${playerId}`)],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: [arn('topic/chat/room/*'), arn(`topic/chat/inbox/${playerId}`)],
      },
    ],
  };
}

export interface FakeAuthorizer {
  readonly events: AuthorizerEvent[];
  authorize(event: AuthorizerEvent): Promise<unknown>;
}

export function fakeAuthorizer(overrides: Record<string, unknown> = {}): FakeAuthorizer {
  const events: AuthorizerEvent[] = [];
  return {
    events,
    async authorize(event) {
      events.push(event);
      const password = event.protocolData.mqtt.password;
      const secret = event.token ?? (password && Buffer.from(password, 'base64').toString());
      const playerId = /^player:([A-Za-z0-9_-]+)$/.exec(secret ?? '')?.[1];
      if (playerId === undefined) return { isAuthenticated: false };
      return {
        isAuthenticated: true,
        principalId: playerId.replace(/[^A-Za-z0-9]/g, ''),
        policyDocuments: [playerPolicy(playerId)],
        disconnectAfterInSeconds: 3600,
        refreshAfterInSeconds: 3600,
        ...overrides,
      };
    },
  };
}
