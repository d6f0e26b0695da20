import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../src/aws-location.js';
import {
  type Authorization,
  Connection,
  RECEIVE_DECISIONS_KEPT,
  resourceArn,
} from '../../src/iot-core/connection.js';
import { AUTHORIZER_LIMITS } from '../../src/iot-core/limits.js';
import { compilePolicy, type PolicyDocument } from '../../src/iot-core/policy.js';
import { matchesTopicFilter } from '../../src/iot-core/topics.js';
import { createLogger } from '../../src/logger.js';

/** The per-delivery decision cache of `Connection.mayReceive` against the uncached rule. */

const connections: Connection[] = [];
afterEach(() => {
  for (const connection of connections.splice(0)) connection.clearTimers();
});

function newConnection(): Connection {
  const connection = new Connection(
    { transport: 'tcp', ipAddress: '127.0.0.1', upgrade: undefined },
    {
      location: LOCAL_AWS,
      authorizerLimits: AUTHORIZER_LIMITS,
      log: createLogger({ mode: 'silent' }),
      invokeAuthorizer: () => Promise.reject(new Error('not in this test')),
    },
  );
  connections.push(connection);
  return connection;
}

const receive = (...resources: string[]): PolicyDocument => ({
  Statement: [
    {
      Effect: 'Allow',
      Action: 'iot:Receive',
      Resource: resources.map((resource) => resourceArn('iot:Receive', resource, LOCAL_AWS)),
    },
  ],
});

const denyReceive = (resource: string): PolicyDocument => ({
  Statement: [
    { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: 'iot:Receive',
      Resource: resourceArn('iot:Receive', resource, LOCAL_AWS),
    },
  ],
});

const POLICIES: readonly PolicyDocument[] = [
  receive('chat/room/*'),
  receive('chat/room/Town1', 'chat/inbox/alice'),
  receive('chat/inbox/*'),
  denyReceive('chat/room/Town1'),
  { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] },
];
const TOPICS = ['chat/room/Town1', 'chat/room/Town2', 'chat/inbox/alice', 'chat/inbox/bob', 'a'];
const FILTERS = ['chat/room/Town1', 'chat/room/+', 'chat/#', 'chat/inbox/alice', 'a/#', '#'];

function authorization(document: PolicyDocument): Authorization {
  return {
    principalId: 'alice',
    policy: compilePolicy([document], { clientId: 'alice' }),
    event: {} as Authorization['event'],
  };
}

/** The rule without any cache: the policy's iot:Receive and IoT's filter matching. */
function uncached(document: PolicyDocument | undefined, filters: Set<string>, topic: string) {
  if (document === undefined) return false;
  const allowed = compilePolicy([document], { clientId: 'alice' }).allows(
    'iot:Receive',
    resourceArn('iot:Receive', topic, LOCAL_AWS),
  );
  return allowed && [...filters].some((filter) => matchesTopicFilter(filter, topic));
}

type Step =
  | { kind: 'authorize'; policy: number }
  | { kind: 'subscribe' | 'unsubscribe'; filter: string }
  | { kind: 'clear' }
  | { kind: 'deliver'; topic: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('authorize' as const), policy: fc.nat(POLICIES.length - 1) }),
  fc.record({
    kind: fc.constantFrom('subscribe' as const, 'unsubscribe' as const),
    filter: fc.constantFrom(...FILTERS),
  }),
  fc.constant({ kind: 'clear' as const }),
  fc.record({ kind: fc.constant('deliver' as const), topic: fc.constantFrom(...TOPICS) }),
);

describe('Connection.mayReceive', () => {
  it('answers as the uncached rule after any sequence of policy and subscription changes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const connection = newConnection();
        let document: PolicyDocument | undefined;
        const filters = new Set<string>();
        for (const next of steps) {
          if (next.kind === 'authorize') {
            document = POLICIES[next.policy] as PolicyDocument;
            connection.authorization = authorization(document);
          } else if (next.kind === 'subscribe') {
            filters.add(next.filter);
            connection.filters.add(next.filter);
          } else if (next.kind === 'unsubscribe') {
            filters.delete(next.filter);
            connection.filters.delete(next.filter);
          } else if (next.kind === 'clear') {
            filters.clear();
            connection.filters.clear();
          }
          // Every topic after every step: a stale cached "yes" would show here.
          for (const topic of TOPICS) {
            expect(connection.mayReceive(topic)).toBe(uncached(document, filters, topic));
          }
        }
      }),
    );
  });

  it('denies a topic it had allowed once a refreshed policy no longer grants it', () => {
    const connection = newConnection();
    connection.authorize(authorization(receive('chat/room/*')), {
      disconnectAfterSeconds: 3600,
      refreshAfterSeconds: 3600,
    });
    connection.filters.add('chat/room/+');
    expect(connection.mayReceive('chat/room/Town1')).toBe(true);
    // What a refresh does: the authorizer's new answer replaces the authorization.
    connection.authorization = authorization(denyReceive('chat/room/Town1'));
    expect(connection.mayReceive('chat/room/Town1')).toBe(false);
    expect(connection.mayReceive('chat/room/Town2')).toBe(true);
  });

  it('denies a topic after its only matching filter is unsubscribed', () => {
    const connection = newConnection();
    connection.authorization = authorization(receive('chat/room/*'));
    connection.filters.add('chat/room/Town1');
    expect(connection.mayReceive('chat/room/Town1')).toBe(true);
    connection.filters.delete('chat/room/Town1');
    expect(connection.mayReceive('chat/room/Town1')).toBe(false);
  });

  it('denies everything before authorization, and keeps a bounded number of decisions', () => {
    const connection = newConnection();
    connection.filters.add('#');
    expect(connection.mayReceive('chat/room/Town1')).toBe(false);
    connection.authorization = authorization(receive('chat/room/*'));
    for (let index = 0; index < RECEIVE_DECISIONS_KEPT * 3; index++) {
      expect(connection.mayReceive(`chat/room/T${index}`)).toBe(true);
      expect(connection.mayReceive(`chat/inbox/T${index}`)).toBe(false);
    }
  });
});
