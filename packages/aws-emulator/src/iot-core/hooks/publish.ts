import type { AedesOptions, AedesPublishPacket, Client } from 'aedes';
import { type Connection, Refusal } from '../connection.js';
import { IOT_LIMITS } from '../limits.js';
import { checkTopicName, isReservedTopic } from '../topics.js';
import { type BrokerContext, closeFor } from './context.js';

/**
 * PUBLISH from a client: what IoT refuses (and closes the connection for), and every accepted
 * message handed to the rules engine (aws-fidelity §3, §5).
 */

/** Throws a Refusal when IoT would refuse this publish (and close the connection). */
function checkPublish(
  connection: Connection,
  topic: string,
  payload: Buffer | string,
  qos: number,
  retain: boolean,
): void {
  // [aws-fidelity §10.3, §5] No QoS 2: IoT sends no PUBACK for it.
  if (qos === 2) throw new Refusal('CLIENT_ERROR', 'QoS 2 is not supported');
  // [aws-fidelity §10.3, §5] At most 256 bytes and 7 slashes, no wildcards.
  const name = checkTopicName(topic);
  if (!name.ok) throw new Refusal('CLIENT_ERROR', name.message);
  // [aws-fidelity §5] `$aws/...` (lifecycle events, shadows) and aedes' `$SYS/...` belong to
  // the service.
  if (isReservedTopic(topic)) throw new Refusal('FORBIDDEN_ACCESS', `${topic} is reserved`);
  // [aws-fidelity §10.3, §5] Payloads are at most 128 KB.
  if (Buffer.byteLength(payload) > IOT_LIMITS.maxPayloadBytes) {
    throw new Refusal('CLIENT_ERROR', `payload is over ${IOT_LIMITS.maxPayloadBytes} bytes`);
  }
  // [aws-fidelity §10.4, §3] Publish is checked on every PUBLISH.
  if (!connection.allows('iot:Publish', topic)) {
    throw new Refusal('FORBIDDEN_ACCESS', `not authorized to publish to ${topic}`);
  }
  // [aws-fidelity §5] Retaining needs iot:RetainPublish too.
  if (retain && !connection.allows('iot:RetainPublish', topic)) {
    throw new Refusal('FORBIDDEN_ACCESS', `not authorized to retain on ${topic}`);
  }
}

export function authorizePublish(
  context: BrokerContext,
): NonNullable<AedesOptions['authorizePublish']> {
  return (client, packet, callback) => {
    const connection = context.connections.find(client);
    if (!client || !connection) return callback(new Error('no connection'));
    try {
      checkPublish(connection, packet.topic, packet.payload, packet.qos, packet.retain);
      callback(null);
    } catch (error) {
      callback(closeFor(context, connection, error));
    }
  };
}

/**
 * Every message published to the broker goes to the rules engine, the service's own (Data Plane)
 * publishes included, so a republish loop shows up locally ([aws-fidelity §10.2]).
 */
export function onPublish(context: BrokerContext) {
  return (packet: AedesPublishPacket, client: Client | null): void => {
    if (packet.topic.startsWith('$SYS/') || !context.onMessage) return;
    const connection = context.connections.find(client);
    context.onMessage({
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      clientId: client?.id,
      principal: connection?.authorization?.principalId,
    });
  };
}
