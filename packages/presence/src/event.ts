import { type ChannelName, parseClientId } from '@game-chat/protocol/names';
import { own } from '@game-chat/protocol/payloads';
import { isCount, SESSION_PATTERN } from '@game-chat/protocol/presence';
import { fail, ok, type Result } from '@game-chat/protocol/result';
import type { ChatTopics } from '@game-chat/protocol/topics';

/**
 * IoT Core's lifecycle events (AWS IoT developer guide, "Lifecycle events"), as the rules
 * `infra/rules/presence-*.sql` (`SELECT * FROM '$aws/events/...'`) hand them over:
 *
 * - `$aws/events/presence/{connected,disconnected}/{clientId}`: `clientId`, `timestamp` (ms),
 *   `eventType`, `sessionIdentifier`, `principalIdentifier`, `versionNumber`, and `ipAddress`
 *   (connected) or `clientInitiatedDisconnect` and `disconnectReason` (disconnected);
 * - `$aws/events/subscriptions/{subscribed,unsubscribed}/{clientId}`: `clientId`, `timestamp`,
 *   `eventType`, `sessionIdentifier`, `principalIdentifier`, `topics`.
 *
 * They may arrive late, twice or out of order; the store orders them.
 */

export const LIFECYCLE_EVENT_TYPES = [
  'connected',
  'disconnected',
  'subscribed',
  'unsubscribed',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

export interface LifecycleEvent {
  readonly kind: LifecycleEventType;
  readonly clientId: string;
  readonly session: string;
  readonly at: number;
  readonly version?: number;
  /** Subscription events: the channels of the room topics among `topics`. */
  readonly channels?: readonly ChannelName[];
}

/** A SUBSCRIBE names at most 8 filters on IoT Core; a connection holds at most 50. */
const MAX_TOPICS = 50;

function isLifecycleEventType(value: unknown): value is LifecycleEventType {
  return (LIFECYCLE_EVENT_TYPES as readonly unknown[]).includes(value);
}

/**
 * Reads one event. Anything not shaped like AWS's payload, a client id that is not a player's
 * (`alice` or `alice.tab2`), or a subscription event without a room topic of our prefix is
 * refused with the reason, to be logged and dropped: nothing of it is stored.
 */
export function readLifecycleEvent(event: unknown, topics: ChatTopics): Result<LifecycleEvent> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return fail('invalid', 'event must be an object');
  }
  const body = event as Readonly<Record<string, unknown>>;
  const kind = own(body, 'eventType');
  if (!isLifecycleEventType(kind)) return fail('invalid', 'not a lifecycle event type');
  const clientId = own(body, 'clientId');
  const parsed = parseClientId(clientId);
  if (!parsed.ok) return fail('invalid', parsed.message);
  const session = own(body, 'sessionIdentifier');
  if (typeof session !== 'string' || !SESSION_PATTERN.test(session)) {
    return fail('invalid', 'sessionIdentifier missing or malformed');
  }
  const at = own(body, 'timestamp');
  if (!isCount(at)) return fail('invalid', 'timestamp must be epoch milliseconds');
  const common = { kind, clientId: clientId as string, session, at };
  if (kind === 'connected' || kind === 'disconnected') {
    const version = own(body, 'versionNumber');
    if (!isCount(version)) return fail('invalid', 'versionNumber must be a whole number');
    return ok({ ...common, version });
  }
  const list = own(body, 'topics');
  if (!Array.isArray(list) || list.length > MAX_TOPICS) {
    return fail('invalid', `topics must be a list of at most ${MAX_TOPICS}`);
  }
  const channels = new Set<ChannelName>();
  for (const topic of list) {
    const where = topics.parse(topic);
    if (where.ok && where.value.kind === 'room') channels.add(where.value.name as ChannelName);
  }
  if (channels.size === 0) return fail('invalid', 'no room topic of this deployment in topics');
  return ok({ ...common, channels: [...channels] });
}
