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

/** What a link reports to its owner. */
export interface LinkHandlers {
  readonly onMessage: (topic: string, payload: Uint8Array) => void;
  /** The broker or the network closed it (not reported for a link that was ended). */
  readonly onClose: (link: Link) => void;
}

/** IoT Core accepts at most 8 topic filters per SUBSCRIBE packet. */
const MAX_FILTERS_PER_SUBSCRIBE = 8;
/** SUBACK return code for a refused subscription. */
const SUBSCRIBE_REFUSED = 128;

/**
 * One accepted MQTT connection, until it ends: subscribes in batches IoT Core accepts, counts
 * the publishes not yet acknowledged, and keeps timers that die with it. A link ends once, when
 * it closes by itself (reported) or is ended (replaced or closed on purpose, so no loss); it
 * delivers nothing after that.
 */
export class Link {
  readonly #client: MqttClient;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #inFlight = 0;
  #ended = false;

  constructor(client: MqttClient, handlers: LinkHandlers) {
    this.#client = client;
    client.on('message', (topic, payload) => {
      if (!this.#ended) handlers.onMessage(topic, payload);
    });
    client.on('close', () => {
      if (this.#ended) return;
      this.#finish();
      handlers.onClose(this);
    });
    // Errors also close the connection, which is where they are handled.
    client.on('error', () => undefined);
  }

  /** False once it ended, or the connection is going down. */
  get connected(): boolean {
    return !this.#ended && this.#client.connected;
  }

  /**
   * A QoS 1 publish. For `send` its PUBACK settles nothing, the server's answer does; `post`
   * passes `onAcked`, called once with the PUBACK or with the error that ended the publish.
   */
  publish(topic: string, payload: string, onAcked?: (error?: Error) => void): void {
    this.#inFlight += 1;
    this.#client.publish(topic, payload, { qos: 1 }, (error) => {
      this.#inFlight -= 1;
      onAcked?.(error ?? undefined);
    });
  }

  /** Subscribes at QoS 1; rejects with `forbidden` when the broker refuses a topic. */
  async subscribe(topics: readonly string[]): Promise<void> {
    for (let start = 0; start < topics.length; start += MAX_FILTERS_PER_SUBSCRIBE) {
      const batch = topics.slice(start, start + MAX_FILTERS_PER_SUBSCRIBE);
      const grants = await this.#client.subscribeAsync(batch, { qos: 1 });
      const refused = grants.find((grant) => grant.qos === SUBSCRIBE_REFUSED);
      if (refused) throw new ChatError('forbidden', `not allowed to subscribe to ${refused.topic}`);
    }
  }

  /**
   * Unsubscribes from `topics` in one UNSUBSCRIBE (IoT Core reports each packet as a lifecycle
   * event), best effort: a connection going down unsubscribes everything anyway.
   */
  async unsubscribe(topics: readonly string[]): Promise<void> {
    await this.#client.unsubscribeAsync([...topics]).catch(() => undefined);
  }

  /** Runs `callback` after `ms`, unless the link ends first. */
  after(ms: number, callback: () => void): void {
    if (this.#ended) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, ms);
    this.#timers.add(timer);
  }

  /** Ends it at once. */
  end(): void {
    this.#finish();
    this.#client.end(true);
  }

  /**
   * Ends it with a DISCONNECT, which waits for unacknowledged publishes; when some are in flight
   * (their sends were abandoned, and a stalled broker must not hold this up), at once.
   */
  async close(): Promise<void> {
    const force = this.#inFlight > 0;
    this.#finish();
    await this.#client.endAsync(force).catch(() => undefined);
  }

  #finish(): void {
    this.#ended = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** Opens a connection (see `openConnection`) and hands it to a `Link`. */
export async function openLink(
  options: OpenConnectionOptions,
  handlers: LinkHandlers,
): Promise<Link> {
  return new Link(await openConnection(options), handlers);
}
