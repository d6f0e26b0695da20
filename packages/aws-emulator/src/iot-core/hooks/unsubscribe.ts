import type { Client } from 'aedes';
import type { BrokerContext } from './context.js';
import { publishLifecycle } from './presence.js';

/**
 * UNSUBSCRIBE: the filters no longer count toward the quota or match deliveries, and IoT
 * publishes an `unsubscribed` event. A connection that closes sends none: its `disconnected`
 * event says it all (aedes unsubscribes a closing clean session itself).
 */
export function onUnsubscribe(context: BrokerContext) {
  return (unsubscriptions: string[], client: Client): void => {
    const connection = context.connections.find(client);
    if (!connection) return;
    for (const filter of unsubscriptions) connection.filters.delete(filter);
    if (client.closed || unsubscriptions.length === 0) return;
    publishLifecycle(context, connection, { eventType: 'unsubscribed', topics: unsubscriptions });
  };
}
