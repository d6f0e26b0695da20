import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Aedes, type AedesPublishPacket, type Client, type ConnectPacket } from 'aedes';
import type { AwsLocation } from '../aws-location.js';
import type { Logger } from '../logger.js';
import {
  type AuthorizerEvent,
  buildAuthorizerEvent,
  type CustomAuthSettings,
  readAuthorizerResponse,
} from './custom-auth.js';
import { type DisconnectReason, lifecycleMessage } from './lifecycle.js';
import {
  AUTHORIZER_LIMITS,
  type AuthorizerLimits,
  clampKeepAlive,
  IOT_LIMITS,
  MAX_PACKET_REMAINING_LENGTH,
  MAX_UNSENT_BYTES,
} from './limits.js';
import {
  ConnectionViolation,
  checkTopicStrings,
  countSubscribeFilters,
  type FrameVerdict,
  guardConnection,
  type MqttFrame,
  PACKET_TYPE,
} from './mqtt-frames.js';
import { compilePolicy, type IotAction, iotArn, type Policy, resourceKindOf } from './policy.js';
import { checkTopicFilter, checkTopicName, isReservedTopic, matchesTopicFilter } from './topics.js';
import { type AcceptedConnection, startTransports } from './transports.js';

/**
 * An MQTT 3.1.1 broker that behaves like AWS IoT Core for this project: aedes behind the TCP and
 * WebSocket transports, every CONNECT authorized by the custom authorizer Lambda, its policies
 * enforced on connect, publish, subscribe and every delivery, IoT's quotas and quirks, and
 * lifecycle events on `$aws/events/presence/...`.
 */

export interface BrokerOptions {
  /** Interface to bind, and the host in the URLs. */
  readonly host: string;
  readonly mqttPort: number;
  readonly wsPort: number;
  /** The custom authorizer's name, token key name, signing keys and default-ness. */
  readonly customAuth: CustomAuthSettings;
  /** Runs the custom authorizer Lambda with an event and resolves to its answer. */
  readonly authorize: (event: AuthorizerEvent) => Promise<unknown>;
  /** Sees every accepted publish, for the rules engine. */
  readonly onMessage?: (message: PublishedMessage) => void;
  readonly location: AwsLocation;
  readonly log: Logger;
  readonly authorizerLimits?: AuthorizerLimits;
  /** The clock of the publish-rate quota (tests pin it). */
  readonly now?: () => number;
}

export interface PublishedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Undefined for messages that did not come over MQTT (Data Plane publishes). */
  readonly clientId: string | undefined;
  readonly principal: string | undefined;
}

export interface BrokerStats {
  readonly connections: number;
  readonly connectsAccepted: number;
  readonly connectsRefused: number;
  /**
   * Calls of the authorizer Lambda (connects and refreshes). A CONNECT refused for its
   * authorizer name or signature costs none.
   */
  readonly authorizerInvocations: number;
  /** Publishes discarded over the per-connection rate quota. */
  readonly publishesDropped: number;
  /** Connections closed for breaking a rule (QoS 2, size, policy, ...). */
  readonly connectionsClosedByBroker: number;
}

export interface OutgoingPublish {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export interface Broker {
  readonly mqttUrl: string;
  readonly wsUrl: string;
  /** Publishes on behalf of the service (Data Plane), bypassing client policies. */
  publish(message: OutgoingPublish): Promise<void>;
  stats(): BrokerStats;
  close(): Promise<void>;
}

/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
const CONNACK = { identifierRejected: 2, notAuthorized: 5 } as const;

interface Authorization {
  readonly principalId: string;
  readonly policy: Policy;
  readonly event: AuthorizerEvent;
}

/** What the broker knows about one network connection. */
interface Connection {
  readonly sessionId: string;
  readonly transport: 'tcp' | 'websocket';
  readonly ipAddress: string;
  readonly upgrade: IncomingMessage | undefined;
  rawClientId: string;
  authorization: Authorization | undefined;
  readonly filters: Set<string>;
  publishWindow: { second: number; count: number };
  reason: DisconnectReason | undefined;
  clientInitiated: boolean;
  versionNumber: number;
  readonly timers: Set<NodeJS.Timeout>;
}

/** A refusal that closes the connection, with the reason IoT would report. */
class Refusal extends Error {
  constructor(
    readonly reason: DisconnectReason,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const { log, location } = options;
  const authorizerLimits = options.authorizerLimits ?? AUTHORIZER_LIMITS;
  const now = options.now ?? Date.now;
  const connections = new WeakMap<Client, Connection>();
  const byClientId = new Map<string, Client>();
  const versionNumbers = new Map<string, number>();
  const counters = {
    connectsAccepted: 0,
    connectsRefused: 0,
    authorizerInvocations: 0,
    publishesDropped: 0,
    connectionsClosedByBroker: 0,
  };
  let closing = false;

  const arn = (action: IotAction, name: string) => iotArn(resourceKindOf(action), name, location);
  const allows = (connection: Connection, action: IotAction, name: string) =>
    connection.authorization?.policy.allows(action, arn(action, name)) ?? false;

  const aedes = await Aedes.createBroker({
    drainTimeout: 30_000,
    preConnect(client, packet, callback) {
      const connection = connections.get(client);
      if (!connection) return callback(new Error('unknown connection'), false);
      connection.rawClientId = packet.clientId;
      (packet as ConnectPacket).keepalive = clampKeepAlive(packet.keepalive ?? 0);
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const connection = connections.get(client) as Connection;
      const refuse = (returnCode: number, message: string) => {
        counters.connectsRefused++;
        log.info('connect refused', { clientId: client.id, returnCode, reason: message });
        done(Object.assign(new Error(message), { returnCode }), false);
      };
      if (Buffer.byteLength(client.id, 'utf8') > IOT_LIMITS.maxClientIdBytes) {
        return refuse(CONNACK.identifierRejected, 'client id is longer than 128 bytes');
      }
      const event = buildAuthorizerEvent(
        {
          transport: connection.transport,
          clientId: connection.rawClientId,
          username,
          password,
          serverName: options.host,
          ...(connection.upgrade
            ? {
                upgrade: {
                  url: connection.upgrade.url ?? '/',
                  headers: connection.upgrade.headers,
                },
              }
            : {}),
          connectionId: connection.sessionId,
        },
        options.customAuth,
      );
      if (!event.ok) return refuse(CONNACK.notAuthorized, event.message);
      authorizeConnection(client, connection, event.value).then(
        (refusal) =>
          refusal === undefined ? done(null, true) : refuse(CONNACK.notAuthorized, refusal),
        (error: unknown) => refuse(CONNACK.notAuthorized, `authorizer failed: ${String(error)}`),
      );
    },
    authorizePublish(client, packet, callback) {
      const connection = client ? connections.get(client) : undefined;
      if (!client || !connection) return callback(new Error('no connection'));
      try {
        checkPublish(connection, packet.topic, packet.payload, packet.qos, packet.retain);
        callback(null);
      } catch (error) {
        callback(closeFor(client, connection, error));
      }
    },
    authorizeSubscribe(client, subscription, callback) {
      const connection = connections.get(client) as Connection;
      const { topic, qos } = subscription;
      if (qos === 2) {
        // IoT sends no SUBACK for QoS 2; closing the connection is this emulator's way to refuse.
        const error = new Refusal('CLIENT_ERROR', 'QoS 2 is not supported');
        return callback(closeFor(client, connection, error));
      }
      const refused = subscriptionRefusal(connection, topic);
      if (refused !== undefined) {
        log.info('subscription refused', { clientId: client.id, filter: topic, reason: refused });
        return callback(null, null); // SUBACK 0x80
      }
      connection.filters.add(topic);
      callback(null, subscription);
    },
    authorizeForward(client, packet) {
      const connection = connections.get(client);
      return connection && mayReceive(connection, packet) ? packet : null;
    },
  });

  /** Throws a Refusal when IoT would refuse this publish (and close the connection). */
  function checkPublish(
    connection: Connection,
    topic: string,
    payload: Buffer | string,
    qos: number,
    retain: boolean,
  ): void {
    if (qos === 2) throw new Refusal('CLIENT_ERROR', 'QoS 2 is not supported');
    const name = checkTopicName(topic);
    if (!name.ok) throw new Refusal('CLIENT_ERROR', name.message);
    // `$aws/...` (lifecycle events, shadows) and aedes' `$SYS/...` belong to the service.
    if (isReservedTopic(topic)) throw new Refusal('FORBIDDEN_ACCESS', `${topic} is reserved`);
    if (Buffer.byteLength(payload) > IOT_LIMITS.maxPayloadBytes) {
      throw new Refusal('CLIENT_ERROR', `payload is over ${IOT_LIMITS.maxPayloadBytes} bytes`);
    }
    if (!allows(connection, 'iot:Publish', topic)) {
      throw new Refusal('FORBIDDEN_ACCESS', `not authorized to publish to ${topic}`);
    }
    if (retain && !allows(connection, 'iot:RetainPublish', topic)) {
      throw new Refusal('FORBIDDEN_ACCESS', `not authorized to retain on ${topic}`);
    }
  }

  function subscriptionRefusal(connection: Connection, filter: string): string | undefined {
    const checked = checkTopicFilter(filter);
    if (!checked.ok) return checked.message;
    if (!allows(connection, 'iot:Subscribe', filter)) return 'not authorized by policy';
    if (
      !connection.filters.has(filter) &&
      connection.filters.size >= IOT_LIMITS.subscriptionsPerConnection
    ) {
      return `over ${IOT_LIMITS.subscriptionsPerConnection} subscriptions`;
    }
    return undefined;
  }

  /** The per-delivery check: iot:Receive, IoT's filter matching and its retained-message rule. */
  function mayReceive(connection: Connection, packet: AedesPublishPacket): boolean {
    if (!allows(connection, 'iot:Receive', packet.topic)) return false;
    // aedes matches `a/#` to `a` (MQTT does); IoT does not, so some filter must match IoT's way.
    const filters = [...connection.filters];
    if (!filters.some((filter) => matchesTopicFilter(filter, packet.topic))) return false;
    // A retained message goes out on SUBSCRIBE only to a filter equal to its topic.
    return !packet.retain || connection.filters.has(packet.topic);
  }

  function closeFor(client: Client, connection: Connection, error: unknown): Error {
    const refusal = error instanceof Refusal ? error : new Refusal('CLIENT_ERROR', String(error));
    connection.reason ??= refusal.reason;
    counters.connectionsClosedByBroker++;
    log.info('connection closed by broker', {
      clientId: client.id,
      reason: refusal.reason,
      detail: refusal.message,
    });
    return refusal;
  }

  function schedule(connection: Connection, delayMs: number, task: () => void): void {
    const timer = setTimeout(() => {
      connection.timers.delete(timer);
      task();
    }, delayMs);
    connection.timers.add(timer);
  }

  function invokeAuthorizer(event: AuthorizerEvent): Promise<unknown> {
    counters.authorizerInvocations++;
    return options.authorize(event);
  }

  /** Calls the authorizer; resolves to a refusal message, or undefined when accepted. */
  async function authorizeConnection(
    client: Client,
    connection: Connection,
    event: AuthorizerEvent,
  ): Promise<string | undefined> {
    const decision = readAuthorizerResponse(await invokeAuthorizer(event), authorizerLimits);
    if (!decision.ok) return `invalid authorizer response: ${decision.message}`;
    if (!decision.value.authenticated) return 'authorizer did not authenticate the client';
    const { principalId, policies, disconnectAfterSeconds, refreshAfterSeconds } = decision.value;
    const policy = compilePolicy(policies, { clientId: client.id });
    if (!policy.allows('iot:Connect', arn('iot:Connect', client.id))) {
      return `policy does not allow connecting as ${client.id}`;
    }
    if (client.closed) return 'connection closed during authorization';
    connection.authorization = { principalId, policy, event };
    const previous = byClientId.get(client.id);
    const previousConnection = previous && connections.get(previous);
    if (previousConnection && previous !== client)
      previousConnection.reason ??= 'DUPLICATE_CLIENTID';
    byClientId.set(client.id, client);
    counters.connectsAccepted++;
    log.info('client connected', {
      clientId: client.id,
      transport: connection.transport,
      principalId,
    });
    schedule(connection, disconnectAfterSeconds * 1000, () => {
      connection.reason ??= 'CUSTOMAUTH_TTL_EXPIRATION';
      client.close();
    });
    scheduleRefresh(client, connection, refreshAfterSeconds);
    return undefined;
  }

  /** After `refreshAfterInSeconds` IoT asks the authorizer again and applies the new policies. */
  function scheduleRefresh(client: Client, connection: Connection, seconds: number): void {
    schedule(connection, seconds * 1000, () => {
      const authorization = connection.authorization as Authorization;
      invokeAuthorizer(authorization.event)
        .then((response) => {
          const decision = readAuthorizerResponse(response, authorizerLimits);
          if (!decision.ok || !decision.value.authenticated) {
            throw new Error(decision.ok ? 'not authenticated' : decision.message);
          }
          const policy = compilePolicy(decision.value.policies, { clientId: client.id });
          connection.authorization = { ...authorization, policy };
          scheduleRefresh(client, connection, decision.value.refreshAfterSeconds);
        })
        .catch((error: unknown) => {
          log.info('authorization refresh failed; disconnecting', { clientId: client.id, error });
          connection.reason ??= 'AUTH_ERROR';
          client.close();
        });
    });
  }

  function publishLifecycle(client: Client, connection: Connection, connected: boolean): void {
    // When the stack stops, nobody is left to hear the disconnects.
    if (closing || !connection.authorization) return;
    const message = lifecycleMessage(
      {
        clientId: client.id,
        sessionIdentifier: connection.sessionId,
        principalIdentifier: connection.authorization.principalId,
        ipAddress: connection.ipAddress,
        versionNumber: connection.versionNumber,
      },
      connected
        ? { eventType: 'connected' }
        : { eventType: 'disconnected', reason: disconnectReason(connection) },
      Date.now(),
    );
    if (!message) return;
    aedes.publish({ cmd: 'publish', ...message, qos: 1, retain: false, dup: false }, (error) => {
      if (error) log.warn('lifecycle event not published', { clientId: client.id, error });
    });
  }

  const disconnectReason = (connection: Connection): DisconnectReason =>
    connection.clientInitiated
      ? 'CLIENT_INITIATED_DISCONNECT'
      : (connection.reason ?? 'CONNECTION_LOST');

  aedes.on('clientReady', (client) => {
    const connection = connections.get(client) as Connection;
    const version = (versionNumbers.get(client.id) ?? 0) + 1;
    versionNumbers.set(client.id, version);
    connection.versionNumber = version;
    publishLifecycle(client, connection, true);
  });
  aedes.on('clientDisconnect', (client) => {
    const connection = connections.get(client) as Connection;
    for (const timer of connection.timers) clearTimeout(timer);
    connection.timers.clear();
    if (byClientId.get(client.id) === client) byClientId.delete(client.id);
    log.info('client disconnected', { clientId: client.id, reason: disconnectReason(connection) });
    publishLifecycle(client, connection, false);
  });
  aedes.on('keepaliveTimeout', (client) => {
    const connection = connections.get(client);
    if (connection) connection.reason ??= 'MQTT_KEEP_ALIVE_TIMEOUT';
  });
  aedes.on('unsubscribe', (unsubscriptions, client) => {
    const connection = connections.get(client);
    for (const filter of unsubscriptions) connection?.filters.delete(filter);
  });
  // A bad packet must end one connection, never the process (moscajs/aedes#324, #12).
  aedes.on('clientError', (client, error) => {
    const connection = connections.get(client);
    if (connection && !(error instanceof Refusal)) {
      const lost = /ECONNRESET|EPIPE|closed/.test(error.message);
      connection.reason ??= lost ? 'CONNECTION_LOST' : 'CLIENT_ERROR';
    }
    log.debug('client error', { clientId: client.id, error });
  });
  aedes.on('connectionError', (_client, error) => {
    log.debug('connection error before CONNACK', { error });
  });
  aedes.on('publish', (packet, client) => {
    if (packet.topic.startsWith('$SYS/') || !options.onMessage) return;
    const connection = client ? connections.get(client) : undefined;
    options.onMessage({
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      clientId: client?.id,
      principal: connection?.authorization?.principalId,
    });
  });

  /** Rate quota: IoT discards publishes over 100 per second on one connection. */
  function takePublishSlot(connection: Connection): boolean {
    const second = Math.floor(now() / 1000);
    if (connection.publishWindow.second !== second) connection.publishWindow = { second, count: 0 };
    connection.publishWindow.count++;
    return connection.publishWindow.count <= IOT_LIMITS.publishesPerSecond;
  }

  function inspect(connection: Connection, frame: MqttFrame): FrameVerdict {
    checkTopicStrings(frame);
    switch (frame.type) {
      case PACKET_TYPE.publish:
        if (takePublishSlot(connection)) return 'pass';
        counters.publishesDropped++;
        log.debug('publish dropped over the rate quota', { sessionId: connection.sessionId });
        return 'drop';
      case PACKET_TYPE.subscribe: {
        const count = countSubscribeFilters(frame);
        if (count !== undefined && count > IOT_LIMITS.filtersPerSubscribe) {
          throw new ConnectionViolation(
            'too_many_filters',
            `SUBSCRIBE with ${count} filters; the limit is ${IOT_LIMITS.filtersPerSubscribe}`,
          );
        }
        return 'pass';
      }
      case PACKET_TYPE.disconnect:
        connection.clientInitiated = true;
        return 'pass';
      default:
        return 'pass';
    }
  }

  function accept({ stream, transport, ipAddress, upgrade }: AcceptedConnection): void {
    if (closing) {
      stream.destroy();
      return;
    }
    const connection: Connection = {
      sessionId: randomUUID(),
      transport,
      ipAddress,
      upgrade,
      rawClientId: '',
      authorization: undefined,
      filters: new Set(),
      publishWindow: { second: 0, count: 0 },
      reason: undefined,
      clientInitiated: false,
      versionNumber: 0,
      timers: new Set(),
    };
    const guarded = guardConnection(stream, {
      maxRemainingLength: MAX_PACKET_REMAINING_LENGTH,
      maxUnsentBytes: MAX_UNSENT_BYTES,
      inspect: (frame) => inspect(connection, frame),
      onViolation(violation) {
        connection.reason ??= 'CLIENT_ERROR';
        counters.connectionsClosedByBroker++;
        log.info('connection closed by broker', {
          sessionId: connection.sessionId,
          reason: violation.code,
          detail: violation.message,
        });
      },
    });
    connections.set(aedes.handle(guarded, upgrade), connection);
  }

  let transports: Awaited<ReturnType<typeof startTransports>>;
  try {
    transports = await startTransports({ ...options, accept, log });
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(resolve));
    throw error;
  }

  return {
    mqttUrl: transports.mqttUrl,
    wsUrl: transports.wsUrl,
    publish(message) {
      return new Promise((resolve, reject) => {
        aedes.publish({ cmd: 'publish', dup: false, ...message }, (error) =>
          error ? reject(error) : resolve(),
        );
      });
    },
    stats: () => ({ connections: aedes.connectedClients, ...counters }),
    async close() {
      closing = true;
      await new Promise<void>((resolve) => aedes.close(resolve));
      await transports.close();
    },
  };
}
