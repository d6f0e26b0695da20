import {
  AUTHORIZER_NAME_PARAM,
  customAuthUrl,
  customAuthUsername,
} from '@game-chat/protocol/custom-auth';
import mqtt, { type MqttClient } from 'mqtt';
import { ChatError } from './errors.js';
import type { CustomAuthOptions } from './options.js';
import type { PlayerCredentials } from './token.js';

export interface OpenConnectionOptions {
  /** The endpoint as configured: `ws(s)://…/mqtt` or `mqtt(s)://…`. */
  readonly url: string;
  readonly clientId: string;
  readonly credentials: PlayerCredentials;
  readonly customAuth: CustomAuthOptions;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMs: number;
}

export interface ConnectTarget {
  readonly url: string;
  readonly username: string;
  readonly password?: string;
}

/**
 * Where the credentials go, the way IoT Core reads them (AWS IoT developer guide, "Connecting
 * to AWS IoT Core by using custom authentication"):
 *
 * - a signed token over WebSocket: the authorizer name, the signature and `{tokenKeyName}=token`
 *   in the URL's query string (browsers cannot set upgrade headers, and without TLS ALPN a
 *   browser cannot use the CONNECT user name for them);
 * - a signed token over TCP: the same parameters in the CONNECT user name's query string;
 * - a token without a signature (an authorizer with signing disabled): the MQTT password, with
 *   only the authorizer name in the URL or the user name.
 */
export function connectTarget(options: OpenConnectionOptions): ConnectTarget {
  const { url, clientId, credentials } = options;
  const { authorizerName, tokenKeyName } = options.customAuth;
  const webSocket = /^wss?:/.test(url);
  const { token, signature } = credentials;
  if (signature !== undefined) {
    const signed = { authorizerName, tokenKeyName, token, signature };
    return webSocket
      ? { url: customAuthUrl(url, signed), username: '' }
      : { url, username: customAuthUsername(clientId, signed) };
  }
  if (authorizerName === undefined) return { url, username: '', password: token };
  const nameQuery = `${AUTHORIZER_NAME_PARAM}=${encodeURIComponent(authorizerName)}`;
  return webSocket
    ? { url: `${url}${url.includes('?') ? '&' : '?'}${nameQuery}`, username: '', password: token }
    : { url, username: `${clientId}?${nameQuery}`, password: token };
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
 * reconnect is off: the chat client decides when to retry, and with which token (each new
 * connection carries the current token and its own signature; see `connectTarget`).
 */
export function openConnection(options: OpenConnectionOptions): Promise<MqttClient> {
  const target = connectTarget(options);
  const client = mqtt.connect(target.url, {
    clientId: options.clientId,
    username: target.username,
    ...(target.password === undefined ? {} : { password: target.password }),
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
