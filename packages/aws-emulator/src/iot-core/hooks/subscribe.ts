import type { AedesOptions } from 'aedes';
import { type Connection, Refusal } from '../connection.js';
import { IOT_LIMITS } from '../limits.js';
import { checkTopicFilter } from '../topics.js';
import { type BrokerContext, closeFor } from './context.js';

/**
 * SUBSCRIBE, one filter at a time: a refused filter gets the SUBACK failure code `0x80` and the
 * connection stays open; QoS 2 closes it (aws-fidelity §3, §5).
 */

/** Why IoT would refuse this filter, or undefined when it grants it. */
function subscriptionRefusal(connection: Connection, filter: string): string | undefined {
  // [aws-fidelity §10.3, §5] At most 256 bytes and 7 slashes.
  const checked = checkTopicFilter(filter);
  if (!checked.ok) return checked.message;
  // [aws-fidelity §10.4, §3] Subscribe is checked on every filter, on `topicfilter/`.
  if (!connection.allows('iot:Subscribe', filter)) return 'not authorized by policy';
  // [aws-fidelity §10.3, §5] 50 subscriptions per connection.
  if (
    !connection.filters.has(filter) &&
    connection.filters.size >= IOT_LIMITS.subscriptionsPerConnection
  ) {
    return `over ${IOT_LIMITS.subscriptionsPerConnection} subscriptions`;
  }
  return undefined;
}

export function authorizeSubscribe(
  context: BrokerContext,
): NonNullable<AedesOptions['authorizeSubscribe']> {
  return (client, subscription, callback) => {
    const connection = context.connections.of(client);
    const { topic, qos } = subscription;
    if (qos === 2) {
      // [aws-fidelity §10.3, §5] IoT sends no SUBACK for QoS 2; closing the connection is this
      // emulator's way to refuse.
      const error = new Refusal('CLIENT_ERROR', 'QoS 2 is not supported');
      return callback(closeFor(context, connection, error));
    }
    const refused = subscriptionRefusal(connection, topic);
    if (refused !== undefined) {
      context.log.info('subscription refused', {
        clientId: client.id,
        filter: topic,
        reason: refused,
      });
      return callback(null, null); // SUBACK 0x80
    }
    connection.filters.add(topic);
    callback(null, subscription);
  };
}
