import type { PublishPacket } from 'aedes';
import type { AwsLocation } from '../../aws-location.js';
import type { Logger } from '../../logger.js';
import type { PublishedMessage } from '../broker.js';
import { type Connection, type ConnectionRegistry, Refusal } from '../connection.js';
import type { AuthorizerEvent, CustomAuthSettings } from '../custom-auth.js';
import type { AuthorizerLimits } from '../limits.js';

/** The broker's counters, as `stats()` reports them. */
export interface BrokerCounters {
  connectsAccepted: number;
  connectsRefused: number;
  authorizerInvocations: number;
  publishesDropped: number;
  connectionsClosedByBroker: number;
}

/** What the hooks of one broker share: its connections, counters and settings. */
export interface BrokerContext {
  /** The server name clients connected to (the authorizer event's `tls.serverName`). */
  readonly host: string;
  readonly customAuth: CustomAuthSettings;
  readonly authorizerLimits: AuthorizerLimits;
  readonly location: AwsLocation;
  readonly log: Logger;
  /** The clock of the publish-rate quota. */
  readonly now: () => number;
  readonly counters: BrokerCounters;
  readonly connections: ConnectionRegistry;
  /** Calls the custom authorizer Lambda (and counts the call). */
  invokeAuthorizer(event: AuthorizerEvent): Promise<unknown>;
  /** Publishes as the service itself (lifecycle events). */
  publish(packet: PublishPacket, done: (error?: Error) => void): void;
  /** False once the broker is stopping: then nobody is left to hear lifecycle events. */
  isOpen(): boolean;
  /** Sees every accepted publish, for the rules engine. */
  readonly onMessage?: ((message: PublishedMessage) => void) | undefined;
}

/**
 * Records why the broker is closing a connection and returns the error that makes aedes close
 * it: a `Refusal` keeps its reason, anything else is a `CLIENT_ERROR`.
 */
export function closeFor(context: BrokerContext, connection: Connection, error: unknown): Error {
  const refusal = error instanceof Refusal ? error : new Refusal('CLIENT_ERROR', String(error));
  connection.noteReason(refusal.reason);
  context.counters.connectionsClosedByBroker++;
  context.log.info('connection closed by broker', {
    clientId: connection.client.id,
    reason: refusal.reason,
    detail: refusal.message,
  });
  return refusal;
}
