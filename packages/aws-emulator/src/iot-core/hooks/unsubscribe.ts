import type { Client } from 'aedes';
import type { BrokerContext } from './context.js';

/** UNSUBSCRIBE: the filters no longer count toward the quota or match deliveries. */
export function onUnsubscribe(context: BrokerContext) {
  return (unsubscriptions: string[], client: Client): void => {
    const connection = context.connections.find(client);
    for (const filter of unsubscriptions) connection?.filters.delete(filter);
  };
}
