import type { ServerMessage } from '@game-chat/protocol/payloads';
import type { LocalStack } from '../../src/stack.js';
import { connect, type Received } from './mqtt.js';

/** A player connected to a local stack over MQTT, as the client SDK connects. */
export async function joinAs(
  stack: LocalStack,
  playerId: string,
  options: { transport?: 'tcp' | 'ws'; clientId?: string; name?: string } = {},
) {
  const token = await stack.issueToken(playerId, { name: options.name ?? playerId });
  const url =
    options.transport === 'ws'
      ? `${stack.urls.ws}?x-amz-customauthorizer-name=${stack.authorizerName}`
      : stack.urls.mqtt;
  return connect(url, { clientId: options.clientId ?? playerId, username: '', password: token });
}

export function parse(message: Received): ServerMessage {
  return JSON.parse(message.payload.toString()) as ServerMessage;
}
