import type { AedesOptions, AedesPublishPacket } from 'aedes';
import type { Connection } from '../connection.js';
import type { BrokerContext } from './context.js';

/** Every delivery to a subscriber, checked as IoT checks it (aws-fidelity §3, §5). */

/** The per-delivery check: iot:Receive, IoT's filter matching and its retained-message rule. */
function mayReceive(connection: Connection, packet: AedesPublishPacket): boolean {
  if (!connection.mayReceive(packet.topic)) return false;
  // [aws-fidelity §10.3, §5] A retained message goes out on SUBSCRIBE only to a filter equal to
  // its topic.
  return !packet.retain || connection.filters.has(packet.topic);
}

export function authorizeForward(
  context: BrokerContext,
): NonNullable<AedesOptions['authorizeForward']> {
  return (client, packet) => {
    const connection = context.connections.find(client);
    return connection && mayReceive(connection, packet) ? packet : null;
  };
}
