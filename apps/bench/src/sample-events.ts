import { randomUUID } from 'node:crypto';
import { routedEvent } from '@game-chat/testing/http-api-event';

/**
 * One typical event per Lambda, shaped as AWS delivers it (IoT rule SELECT output, IoT custom
 * authorizer request, HTTP API payload 2.0), for a first invocation after a cold start.
 */

export const SAMPLE_CHANNEL = 'Town1';
export const SAMPLE_PLAYER = 'coldstart';

/** The message filter's event (docs/design.md) for a chat message from `playerId`. */
export function ruleEvent(playerId: string, now = Date.now()) {
  const payload = JSON.stringify({ text: 'hello after a cold start', clientMsgId: randomUUID() });
  return {
    payload: Buffer.from(payload).toString('base64'),
    topic: `chat/send/${SAMPLE_CHANNEL}`,
    clientId: `${playerId}.bench`,
    receivedAt: now,
    ingestId: randomUUID(),
  };
}

/**
 * IoT Core's custom authorizer request for a signed MQTT CONNECT: the token and its signature in
 * the user name's query string, the token IoT verified passed as `token`.
 */
export function authorizerEvent(token: string) {
  const credentials = new URLSearchParams({
    'x-amz-customauthorizer-name': 'game-chat-token-authorizer',
    'x-amz-customauthorizer-signature': 'c2lnbmF0dXJl',
    token,
  });
  return {
    token,
    signatureVerified: true,
    protocols: ['tls', 'mqtt'],
    protocolData: {
      tls: { serverName: 'example-ats.iot.eu-west-1.amazonaws.com' },
      mqtt: { username: `${SAMPLE_PLAYER}?${credentials}`, clientId: `${SAMPLE_PLAYER}.bench` },
    },
    connectionMetadata: { id: randomUUID() },
  };
}

/** `GET /channels/Town1/messages` with a bearer token, as API Gateway's HTTP API sends it. */
export function historyEvent(token: string): ReturnType<typeof routedEvent> {
  return routedEvent(
    'GET /channels/{channel}/messages',
    { channel: SAMPLE_CHANNEL },
    { query: 'limit=50', headers: { authorization: `Bearer ${token}`, 'user-agent': 'bench' } },
  );
}
