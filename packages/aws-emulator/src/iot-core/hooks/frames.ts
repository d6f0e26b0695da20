import type { Connection } from '../connection.js';
import { IOT_LIMITS } from '../limits.js';
import {
  ConnectionViolation,
  checkTopicStrings,
  countSubscribeFilters,
  type FrameVerdict,
  type MqttFrame,
  PACKET_TYPE,
} from '../mqtt-frames.js';
import type { BrokerContext } from './context.js';

/**
 * The raw packets, before aedes parses them (the frame guard of `../mqtt-frames`): the quotas
 * aedes cannot see and the DISCONNECT that makes an end client-initiated.
 */

export function inspectFrame(
  context: BrokerContext,
  connection: Connection,
  frame: MqttFrame,
): FrameVerdict {
  // MQTT 3.1.1 §1.5.3: topics and filters are well-formed UTF-8 without U+0000.
  checkTopicStrings(frame);
  switch (frame.type) {
    case PACKET_TYPE.publish:
      // [aws-fidelity §10.3, §5] Over 100 publishes per second, the excess is dropped.
      if (connection.takePublishSlot(context.now(), IOT_LIMITS.publishesPerSecond)) return 'pass';
      context.counters.publishesDropped++;
      context.log.debug('publish dropped over the rate quota', { sessionId: connection.sessionId });
      return 'drop';
    case PACKET_TYPE.subscribe: {
      // [aws-fidelity §10.3, §5] At most 8 filters per SUBSCRIBE.
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
      connection.markClientInitiated();
      return 'pass';
    default:
      return 'pass';
  }
}

/** The guard dropped the connection for breaking a rule (packet size, unread output, ...). */
export function onViolation(
  context: BrokerContext,
  connection: Connection,
  violation: ConnectionViolation,
): void {
  connection.noteReason('CLIENT_ERROR');
  context.counters.connectionsClosedByBroker++;
  context.log.info('connection closed by broker', {
    sessionId: connection.sessionId,
    reason: violation.code,
    detail: violation.message,
  });
}
