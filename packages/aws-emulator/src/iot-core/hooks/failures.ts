import type { Client } from 'aedes';
import { Refusal } from '../connection.js';
import type { BrokerContext } from './context.js';

/**
 * Connections that end badly: the `disconnectReason` IoT would report for them
 * ([aws-fidelity §4]), and a bad packet ending one connection, never the process
 * (moscajs/aedes#324, #12).
 */

export function onKeepaliveTimeout(context: BrokerContext) {
  return (client: Client): void => {
    context.connections.find(client)?.noteReason('MQTT_KEEP_ALIVE_TIMEOUT');
  };
}

export function onClientError(context: BrokerContext) {
  return (client: Client, error: Error): void => {
    const connection = context.connections.find(client);
    // A Refusal already recorded its reason.
    if (connection && !(error instanceof Refusal)) {
      const lost = /ECONNRESET|EPIPE|closed/.test(error.message);
      connection.noteReason(lost ? 'CONNECTION_LOST' : 'CLIENT_ERROR');
    }
    context.log.debug('client error', { clientId: client.id, error });
  };
}

export function onConnectionError(context: BrokerContext) {
  return (_client: Client, error: Error): void => {
    context.log.debug('connection error before CONNACK', { error });
  };
}
