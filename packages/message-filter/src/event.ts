import { fail, ok, type Result } from '@game-chat/protocol/result';

/**
 * The message-filter's Lambda event: exactly the SELECT output of `infra/rules/chat-*.sql`.
 * A redelivered async event carries the same `ingestId`.
 */
export interface ChatRuleEvent {
  /** The MQTT payload, base64-encoded (`encode(*, 'base64')`); absent for an empty payload. */
  readonly payload: string;
  /** `{prefix}/send/{channel}` or `{prefix}/whisper/{playerId}`. */
  readonly topic: string;
  /** The publisher's MQTT client id; `n/a` when not published over MQTT. */
  readonly clientId: string;
  readonly principal?: string;
  /** The rules engine's receive time, epoch milliseconds. */
  readonly receivedAt: number;
  /** `newuuid()`: fixed per rule evaluation. */
  readonly ingestId: string;
}

/** IoT Core's payload limit is 128 KB; its base64 form is a third larger. */
const MAX_BASE64_LENGTH = Math.ceil((128 * 1024) / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** `newuuid()`: a random UUID in its usual textual form. */
const INGEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TOPIC_LENGTH = 256;
const MAX_CLIENT_ID_LENGTH = 128;

function field(input: object, key: string): unknown {
  return Object.hasOwn(input, key) ? (input as Record<string, unknown>)[key] : undefined;
}

/**
 * Checks that an event has the shape our rule produces. Anything else (a test invoke, a
 * misconfigured rule) is refused as a whole: there is no trustworthy sender to notify.
 */
export function parseRuleEvent(input: unknown): Result<ChatRuleEvent> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail('invalid', 'event must be an object');
  }
  const payload = field(input, 'payload') ?? '';
  const topic = field(input, 'topic');
  const clientId = field(input, 'clientId');
  const principal = field(input, 'principal');
  const receivedAt = field(input, 'receivedAt');
  const ingestId = field(input, 'ingestId');
  if (typeof payload !== 'string' || payload.length > MAX_BASE64_LENGTH || !BASE64.test(payload)) {
    return fail('invalid', 'payload must be base64');
  }
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    return fail('invalid', 'topic must be a string');
  }
  if (typeof clientId !== 'string' || clientId.length > MAX_CLIENT_ID_LENGTH) {
    return fail('invalid', 'clientId must be a string');
  }
  if (principal !== undefined && typeof principal !== 'string') {
    return fail('invalid', 'principal must be a string');
  }
  if (typeof receivedAt !== 'number' || !Number.isSafeInteger(receivedAt) || receivedAt < 0) {
    return fail('invalid', 'receivedAt must be epoch milliseconds');
  }
  if (typeof ingestId !== 'string' || !INGEST_ID.test(ingestId)) {
    return fail('invalid', 'ingestId must be a UUID');
  }
  return ok({
    payload,
    topic,
    clientId,
    ...(principal === undefined ? {} : { principal }),
    receivedAt,
    ingestId,
  });
}
