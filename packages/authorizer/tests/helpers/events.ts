import { randomUUID } from 'node:crypto';
import type { IoTCustomAuthorizerEvent } from 'aws-lambda';

const SERVER_NAME = 'abc123-ats.iot.eu-west-1.amazonaws.com';

/**
 * MQTT over TLS (port 443, ALPN mqtt): IoT Core passes the CONNECT username, the password
 * base64-encoded, and the client id when the device sent one (aws-fidelity.md §2.1).
 */
export function mqttEvent(options: {
  clientId?: string;
  password?: string;
  rawPassword?: string;
}): IoTCustomAuthorizerEvent {
  const mqtt: Record<string, string> = { username: 'player?x-amz-customauthorizer-name=game-chat' };
  if (options.clientId !== undefined) mqtt.clientId = options.clientId;
  if (options.password !== undefined)
    mqtt.password = Buffer.from(options.password).toString('base64');
  if (options.rawPassword !== undefined) mqtt.password = options.rawPassword;
  return {
    signatureVerified: false,
    protocols: ['tls', 'mqtt'],
    protocolData: {
      tls: { serverName: SERVER_NAME },
      mqtt: mqtt as unknown as NonNullable<IoTCustomAuthorizerEvent['protocolData']['mqtt']>,
    },
    connectionMetadata: { id: randomUUID() },
  };
}

/**
 * MQTT over WSS with the token in the upgrade URL (`/mqtt?...&token=...`): IoT Core sends the
 * HTTP headers and query string, and the MQTT CONNECT data without a password.
 */
export function wssEvent(options: { clientId?: string; token?: string }): IoTCustomAuthorizerEvent {
  const query = new URLSearchParams({ 'x-amz-customauthorizer-name': 'game-chat' });
  if (options.token !== undefined) query.set('token', options.token);
  return {
    signatureVerified: false,
    protocols: ['tls', 'http', 'mqtt'],
    protocolData: {
      tls: { serverName: SERVER_NAME },
      http: {
        headers: { host: SERVER_NAME, upgrade: 'websocket', 'sec-websocket-protocol': 'mqtt' },
        queryString: `?${query.toString()}`,
      },
      mqtt: { username: '', clientId: options.clientId ?? '' },
    },
    connectionMetadata: { id: randomUUID() },
  };
}
