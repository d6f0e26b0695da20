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

/** A signature IoT Core already checked; the Lambda never sees or checks it again. */
const SIGNATURE = 'c2lnbmF0dXJl';

/**
 * A signed MQTT connect over TLS: the token and its signature in the user name's query string.
 * IoT Core verified the signature and passes the token it read from the token key name as
 * `token`, next to the user name as sent.
 */
export function signedMqttEvent(options: {
  clientId?: string;
  token: string;
  password?: string;
}): IoTCustomAuthorizerEvent {
  const query = new URLSearchParams({
    'x-amz-customauthorizer-name': 'game-chat',
    'x-amz-customauthorizer-signature': SIGNATURE,
    token: options.token,
  });
  const event = mqttEvent({
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  const mqtt = event.protocolData.mqtt as NonNullable<typeof event.protocolData.mqtt>;
  return {
    ...event,
    token: options.token,
    signatureVerified: true,
    protocolData: { ...event.protocolData, mqtt: { ...mqtt, username: `player?${query}` } },
  };
}

/**
 * A signed MQTT connect over WSS with the credentials in the upgrade URL
 * (`/mqtt?x-amz-customauthorizer-name=…&x-amz-customauthorizer-signature=…&token=…`): IoT Core
 * sends the HTTP headers and query string, the MQTT CONNECT data without a password, and the
 * verified token as `token` (unless `tokenField` is false: an authorizer IoT did not fill it for).
 */
export function wssEvent(options: {
  clientId?: string;
  token?: string;
  tokenField?: boolean;
}): IoTCustomAuthorizerEvent {
  const query = new URLSearchParams({ 'x-amz-customauthorizer-name': 'game-chat' });
  if (options.token !== undefined) {
    query.set('x-amz-customauthorizer-signature', SIGNATURE);
    query.set('token', options.token);
  }
  const filled = options.token !== undefined && options.tokenField !== false;
  return {
    ...(filled ? { token: options.token } : {}),
    signatureVerified: filled,
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
