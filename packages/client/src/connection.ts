import mqtt, { type MqttClient } from 'mqtt';
import { ChatError } from './errors.js';

export interface OpenConnectionOptions {
  readonly url: string;
  readonly clientId: string;
  readonly token: string;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMs: number;
}

/**
 * CONNACK codes that mean "your credentials were refused": 4 and 5 in MQTT 3.1.1 (IoT Core
 * documents 7 for authorization failures), 134 and 135 in MQTT 5.
 */
const REFUSED_CREDENTIALS = new Set([4, 5, 7, 134, 135]);

function connectError(error: unknown): ChatError {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number' && REFUSED_CREDENTIALS.has(code)) {
    return new ChatError('unauthorized', 'the broker refused the token', { cause: error });
  }
  if (error instanceof Error && error.message === 'connack timeout') {
    return new ChatError('timeout', 'the broker did not answer the connection in time');
  }
  return new ChatError('network', 'could not connect to the chat broker', { cause: error });
}

/**
 * Opens one MQTT 3.1.1 connection and resolves once the broker accepted it. MQTT.js's own
 * reconnect is off: the chat client decides when to retry, and with which token. The token is
 * the MQTT password, which IoT Core hands to the custom authorizer; the username stays empty.
 */
export function openConnection(options: OpenConnectionOptions): Promise<MqttClient> {
  const client = mqtt.connect(options.url, {
    clientId: options.clientId,
    username: '',
    password: options.token,
    protocolVersion: 4,
    clean: true,
    keepalive: options.keepaliveSeconds,
    connectTimeout: options.connectTimeoutMs,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
  });
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => {
      lastError = error;
    };
    const onConnect = () => {
      client.off('close', onClose);
      client.off('error', onError);
      resolve(client);
    };
    const onClose = () => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.end(true);
      reject(connectError(lastError));
    };
    client.once('connect', onConnect);
    client.on('close', onClose);
    client.on('error', onError);
  });
}
