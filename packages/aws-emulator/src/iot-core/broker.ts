import { Aedes } from 'aedes';
import type { AwsLocation } from '../aws-location.js';
import type { Logger } from '../logger.js';
import { Connection, ConnectionRegistry } from './connection.js';
import type { AuthorizerEvent, CustomAuthSettings } from './custom-auth.js';
import { authenticate, preConnect } from './hooks/connect.js';
import type { BrokerContext, BrokerCounters } from './hooks/context.js';
import { onClientError, onConnectionError, onKeepaliveTimeout } from './hooks/failures.js';
import { authorizeForward } from './hooks/forward.js';
import { inspectFrame, onViolation } from './hooks/frames.js';
import { onClientDisconnect, onClientReady, onSubscribe } from './hooks/presence.js';
import { authorizePublish, onPublish } from './hooks/publish.js';
import { authorizeSubscribe } from './hooks/subscribe.js';
import { onUnsubscribe } from './hooks/unsubscribe.js';
import {
  AUTHORIZER_LIMITS,
  type AuthorizerLimits,
  MAX_PACKET_REMAINING_LENGTH,
  MAX_UNSENT_BYTES,
} from './limits.js';
import { guardConnection } from './mqtt-frames.js';
import { type AcceptedConnection, startTransports } from './transports.js';

/**
 * An MQTT 3.1.1 broker that behaves like AWS IoT Core for this project: aedes behind the TCP and
 * WebSocket transports, every CONNECT authorized by the custom authorizer Lambda, its policies
 * enforced on connect, publish, subscribe and every delivery, IoT's quotas and quirks, and
 * lifecycle events on `$aws/events/presence/...`. This is the wiring: per-connection state lives
 * in `Connection` (./connection.ts), and each aedes hook or event is a named function of
 * ./hooks/, one file per packet concern, as aedes' own lib/handlers/ are.
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

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const counters: BrokerCounters = {
    connectsAccepted: 0,
    connectsRefused: 0,
    authorizerInvocations: 0,
    publishesDropped: 0,
    connectionsClosedByBroker: 0,
  };
  let closing = false;
  const context: BrokerContext = {
    host: options.host,
    customAuth: options.customAuth,
    authorizerLimits: options.authorizerLimits ?? AUTHORIZER_LIMITS,
    location: options.location,
    log: options.log,
    now: options.now ?? Date.now,
    counters,
    connections: new ConnectionRegistry(),
    invokeAuthorizer(event: AuthorizerEvent) {
      counters.authorizerInvocations++;
      return options.authorize(event);
    },
    publish: (packet, done) => aedes.publish(packet, done),
    isOpen: () => !closing,
    onMessage: options.onMessage,
  };

  const aedes = await Aedes.createBroker({
    drainTimeout: 30_000,
    preConnect: preConnect(context),
    authenticate: authenticate(context),
    authorizePublish: authorizePublish(context),
    authorizeSubscribe: authorizeSubscribe(context),
    authorizeForward: authorizeForward(context),
  });
  aedes.on('clientReady', onClientReady(context));
  aedes.on('clientDisconnect', onClientDisconnect(context));
  aedes.on('keepaliveTimeout', onKeepaliveTimeout(context));
  aedes.on('subscribe', onSubscribe(context));
  aedes.on('unsubscribe', onUnsubscribe(context));
  aedes.on('clientError', onClientError(context));
  aedes.on('connectionError', onConnectionError(context));
  aedes.on('publish', onPublish(context));

  /** A transport's new connection: behind the frame guard, then handed to aedes. */
  function accept({ stream, transport, ipAddress, upgrade }: AcceptedConnection): void {
    if (closing) {
      stream.destroy();
      return;
    }
    const connection = new Connection({ transport, ipAddress, upgrade }, context);
    const guarded = guardConnection(stream, {
      maxRemainingLength: MAX_PACKET_REMAINING_LENGTH,
      maxUnsentBytes: MAX_UNSENT_BYTES,
      inspect: (frame) => inspectFrame(context, connection, frame),
      onViolation: (violation) => onViolation(context, connection, violation),
    });
    context.connections.add(aedes.handle(guarded, upgrade), connection);
  }

  let transports: Awaited<ReturnType<typeof startTransports>>;
  try {
    transports = await startTransports({ ...options, accept });
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
