import type { Client, Subscription } from 'aedes';
import type { Connection } from '../connection.js';
import { type LifecycleChange, lifecycleMessage } from '../lifecycle.js';
import type { BrokerContext } from './context.js';

/**
 * Lifecycle events: IoT publishes `connected` when a client is ready, `disconnected`, with
 * the reason, when it goes, and `subscribed` / `unsubscribed` with the filters of each
 * SUBSCRIBE it granted and each UNSUBSCRIBE ([aws-fidelity §10.4, §4]).
 */

export function publishLifecycle(
  context: BrokerContext,
  connection: Connection,
  change: LifecycleChange,
): void {
  // When the stack stops, nobody is left to hear the disconnects.
  if (!context.isOpen() || !connection.authorization) return;
  const { client } = connection;
  const message = lifecycleMessage(
    {
      clientId: client.id,
      sessionIdentifier: connection.sessionId,
      principalIdentifier: connection.authorization.principalId,
      ipAddress: connection.origin.ipAddress,
      versionNumber: connection.versionNumber,
    },
    change,
    Date.now(),
  );
  if (!message) return;
  context.publish({ cmd: 'publish', ...message, qos: 1, retain: false, dup: false }, (error) => {
    if (error) context.log.warn('lifecycle event not published', { clientId: client.id, error });
  });
}

export function onClientReady(context: BrokerContext) {
  return (client: Client): void => {
    const connection = context.connections.of(client);
    // [aws-fidelity §4] versionNumber grows per client id; a connect and its disconnect share it.
    connection.versionNumber = context.connections.nextVersionNumber(client.id);
    publishLifecycle(context, connection, { eventType: 'connected' });
  };
}

export function onClientDisconnect(context: BrokerContext) {
  return (client: Client): void => {
    const connection = context.connections.of(client);
    connection.clearTimers();
    context.connections.releaseClientId(client);
    const reason = connection.disconnectReason();
    context.log.info('client disconnected', { clientId: client.id, reason });
    publishLifecycle(context, connection, { eventType: 'disconnected', reason });
  };
}

const SUBACK_FAILURE = 0x80;

export function onSubscribe(context: BrokerContext) {
  return (subscriptions: Subscription[], client: Client): void => {
    // A refused filter stays in the list with the SUBACK failure code 0x80: IoT reports only
    // what it granted.
    const topics = subscriptions
      .filter((sub) => (sub.qos as number) !== SUBACK_FAILURE)
      .map((sub) => sub.topic);
    if (topics.length === 0) return;
    const connection = context.connections.find(client);
    if (connection) publishLifecycle(context, connection, { eventType: 'subscribed', topics });
  };
}
