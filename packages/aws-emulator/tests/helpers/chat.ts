import {
  type CustomAuthCredentials,
  customAuthUrl,
  customAuthUsername,
} from '@game-chat/protocol/custom-auth';
import type { ServerMessage } from '@game-chat/protocol/payloads';
import { connect, type Received } from '@game-chat/testing/mqtt-client';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { LocalStack } from '../../src/stack.js';

/**
 * Connects with custom-authorizer credentials the way IoT Core reads them: in the WebSocket URL
 * for `ws://` (what a browser can send), in the user name's query string for `mqtt://`.
 */
export function connectSigned(
  url: string,
  credentials: CustomAuthCredentials,
  options: IClientOptions & { clientId: string },
): Promise<MqttClient> {
  return url.startsWith('ws')
    ? connect(customAuthUrl(url, credentials), options)
    : connect(url, { ...options, username: customAuthUsername(options.clientId, credentials) });
}

/** A player connected to a local stack over MQTT, with a signed token, as the client SDK connects. */
export async function joinAs(
  stack: LocalStack,
  playerId: string,
  options: { transport?: 'tcp' | 'ws'; clientId?: string; name?: string } = {},
) {
  const credentials = await stack.issueSignedToken(playerId, { name: options.name ?? playerId });
  const url = options.transport === 'ws' ? stack.urls.ws : stack.urls.mqtt;
  return connectSigned(url, credentials, { clientId: options.clientId ?? playerId });
}

export function parse(message: Received): ServerMessage {
  return JSON.parse(message.payload.toString()) as ServerMessage;
}
