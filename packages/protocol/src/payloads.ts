import { isNoticeCode, type NoticeCode } from './errors.js';
import {
  DEFAULT_MAX_TEXT_LENGTH,
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  HISTORY_LIMIT_MIN,
  MAX_EXPIRES_IN_MS,
  MAX_MUTE_REASON_LENGTH,
  MAX_MUTE_SECONDS,
  MAX_PAYLOAD_BYTES,
  PROTOCOL_VERSION,
} from './limits.js';
import { validateChannel } from './names.js';
import { fail, jsonObjectFromText, ok, type Result } from './result.js';
import { normalizeText } from './text.js';

export type JsonObject = { readonly [key: string]: unknown };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Reads an own property only, so `constructor` or `__proto__` never come from the prototype. */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * Parses untrusted JSON that must be an object: bytes must be valid UTF-8 and at most
 * `maxBytes` long; arrays, strings, numbers and `null` are refused.
 */
export function parseJsonObject(
  raw: string | Uint8Array,
  maxBytes: number = MAX_PAYLOAD_BYTES,
): Result<JsonObject> {
  let text: string;
  if (typeof raw === 'string') {
    if (raw.length > maxBytes || byteLength(raw) > maxBytes) {
      return fail('too_long', `payload is larger than ${maxBytes} bytes`);
    }
    text = raw;
  } else {
    // A missing HTTP body arrives as undefined from plain JS callers: refuse it, never throw.
    if (!ArrayBuffer.isView(raw)) return fail('invalid', 'payload must be text or bytes');
    if (raw.byteLength > maxBytes) {
      return fail('too_long', `payload is larger than ${maxBytes} bytes`);
    }
    try {
      text = utf8.decode(raw);
    } catch {
      return fail('invalid', 'payload is not valid UTF-8');
    }
  }
  return jsonObjectFromText(text, 'payload') as Result<JsonObject>;
}

const CLIENT_MSG_ID = /^[\x21-\x7E]{1,64}$/;

/** `clientMsgId`: optional, 1-64 printable ASCII characters without spaces. */
export function validateClientMsgId(input: unknown): Result<string | undefined> {
  if (input === undefined) return ok(undefined);
  if (typeof input !== 'string' || !CLIENT_MSG_ID.test(input)) {
    return fail('invalid', 'clientMsgId must be 1-64 printable ASCII characters');
  }
  return ok(input);
}

/**
 * `expiresInMs`: optional, a whole number of milliseconds from 1 to an hour. Like MQTT 5's
 * message expiry interval: past it (counted from when IoT Core received the publish) the sender
 * has given up waiting, so the message must not be stored or delivered any more.
 */
export function validateExpiresInMs(input: unknown): Result<number | undefined> {
  if (input === undefined) return ok(undefined);
  if (
    !Number.isSafeInteger(input) ||
    (input as number) < 1 ||
    (input as number) > MAX_EXPIRES_IN_MS
  ) {
    return fail('invalid', `expiresInMs must be a whole number from 1 to ${MAX_EXPIRES_IN_MS}`);
  }
  return ok(input as number);
}

/** What a player publishes to `send/{channel}` or `whisper/{to}`. */
export interface SendPayload {
  readonly text: string;
  readonly clientMsgId?: string;
  /** How long the sender still waits for this message (the SDK sets it on every attempt). */
  readonly expiresInMs?: number;
}

export interface SendRequest {
  readonly text: string;
  /** Length of `text` in code points. */
  readonly length: number;
  readonly clientMsgId: string | undefined;
  readonly expiresInMs: number | undefined;
  /** True when the payload used the original design's `{ message, publish_id, channel }`. */
  readonly legacy: boolean;
}

export interface SendOptions {
  readonly maxTextLength?: number;
  readonly maxPayloadBytes?: number;
}

/**
 * Parses a send or whisper payload: `{ text, clientMsgId?, expiresInMs? }`, or the original design's
 * `{ message, publish_id, channel }` whose `publish_id` and `channel` are ignored (contract §3).
 */
export function parseSendPayload(
  raw: string | Uint8Array,
  options: SendOptions = {},
): Result<SendRequest> {
  const body = parseJsonObject(raw, options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES);
  if (!body.ok) return body;
  const legacy = own(body.value, 'text') === undefined && own(body.value, 'message') !== undefined;
  const text = normalizeText(
    own(body.value, legacy ? 'message' : 'text'),
    options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH,
  );
  if (!text.ok) return text;
  const clientMsgId = validateClientMsgId(own(body.value, 'clientMsgId'));
  if (!clientMsgId.ok) return clientMsgId;
  const expiresInMs = validateExpiresInMs(own(body.value, 'expiresInMs'));
  if (!expiresInMs.ok) return expiresInMs;
  return ok({
    ...text.value,
    clientMsgId: clientMsgId.value,
    expiresInMs: expiresInMs.value,
    legacy,
  });
}

export const MESSAGE_KINDS = ['chat', 'system', 'whisper', 'delete'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface Sender {
  readonly id: string;
  readonly name: string;
}

/** The one shape of every message the filter delivers on `room` and `inbox` topics. */
export interface ChatMessage {
  readonly v: typeof PROTOCOL_VERSION;
  /** Unique and increasing within a channel (a Redis stream id, `ms-seq`). */
  readonly id: string;
  readonly kind: MessageKind;
  /** Set on channel messages; absent on whispers. */
  readonly channel?: string;
  readonly from: Sender;
  /** The recipient of a whisper. */
  readonly to?: { readonly id: string };
  /** Empty for `delete` events. */
  readonly text: string;
  /** The server's receive time in milliseconds. */
  readonly sentAt: number;
  readonly clientMsgId?: string;
  /** Present when the filter changed the text (masked words). */
  readonly moderated?: true;
  /** The message a `delete` event removes. */
  readonly targetId?: string;
  /** On the `system` message that announces a slow mode change: the new interval (0: off). */
  readonly slowModeSeconds?: number;
}

/**
 * Sent to a player's inbox when the filter refuses their message, or (`unavailable`) could not
 * handle it within its retry budget.
 */
export interface Notice {
  readonly v: typeof PROTOCOL_VERSION;
  readonly kind: 'notice';
  readonly code: NoticeCode;
  readonly clientMsgId?: string;
  readonly detail: string;
  /** `rate_limited`: when a new try may pass; `unavailable`: when to send the same message again. */
  readonly retryAfterMs?: number;
}

export type ServerMessage = ChatMessage | Notice;

export const SYSTEM_SENDER = { id: 'system', name: 'System' } as const satisfies Sender;

/** A message id: a Redis stream id `{ms}-{seq}`. */
export const MESSAGE_ID_PATTERN = /^\d{1,16}-\d{1,16}$/;

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID_PATTERN.test(value);
}

/** Orders message ids as Redis orders stream ids: by time, then by sequence. */
export function compareMessageIds(a: string, b: string): number {
  const [aMs = '', aSeq = ''] = a.split('-');
  const [bMs = '', bSeq = ''] = b.split('-');
  return compareDigits(aMs, bMs) || compareDigits(aSeq, bSeq);
}

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** JSON turns `1e400` into Infinity: a wait or a timestamp must stay finite. */
function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isSender(value: unknown): value is Sender {
  if (typeof value !== 'object' || value === null) return false;
  const sender = value as JsonObject;
  return typeof own(sender, 'id') === 'string' && typeof own(sender, 'name') === 'string';
}

/**
 * Checks a message received on a `room` or `inbox` topic; clients drop anything else.
 */
export function parseServerMessage(raw: string | Uint8Array): Result<ServerMessage> {
  const body = parseJsonObject(raw, Number.POSITIVE_INFINITY);
  if (!body.ok) return body;
  return toServerMessage(body.value);
}

/**
 * The same check for a value already parsed from JSON (a message of a history page): its shape,
 * without serialising it again. Reads own properties only.
 */
export function toServerMessage(value: unknown): Result<ServerMessage> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('invalid', 'message must be a JSON object');
  }
  const message = value as JsonObject;
  if (own(message, 'v') !== PROTOCOL_VERSION) return fail('invalid', 'unknown protocol version');
  const kind = own(message, 'kind');
  if (kind === 'notice') {
    const retryAfterMs = own(message, 'retryAfterMs');
    if (
      !isNoticeCode(own(message, 'code')) ||
      typeof own(message, 'detail') !== 'string' ||
      (retryAfterMs !== undefined && !(isFiniteNumber(retryAfterMs) && retryAfterMs >= 0))
    ) {
      return fail('invalid', 'malformed notice');
    }
    return ok(message as unknown as Notice);
  }
  if (
    !(MESSAGE_KINDS as readonly unknown[]).includes(kind) ||
    !isMessageId(own(message, 'id')) ||
    !isSender(own(message, 'from')) ||
    typeof own(message, 'text') !== 'string' ||
    !isFiniteNumber(own(message, 'sentAt'))
  ) {
    return fail('invalid', 'malformed message');
  }
  if (kind === 'delete' && !isMessageId(own(message, 'targetId'))) {
    return fail('invalid', 'delete event without a valid targetId');
  }
  return ok(message as unknown as ChatMessage);
}

/**
 * `GET /channels/{channel}/messages?after=|before=&limit=` (contract §5): the newest page, the page
 * just older than `before` (scrollback) or the page just newer than `after` (recovery); never
 * both cursors.
 */
export interface HistoryQuery {
  readonly channel: string;
  readonly after: string | undefined;
  readonly before: string | undefined;
  readonly limit: number;
}

export interface HistoryResponse {
  readonly channel: string;
  readonly messages: readonly ChatMessage[];
  /** The channel's window (its class, or `CHAT_HISTORY_SECONDS`). */
  readonly retentionSeconds: number;
  /** The channel's cap (its class, or `CHAT_HISTORY_MAX`). */
  readonly maxMessages: number;
  /** False when messages after `after` have already expired: the client missed some. */
  readonly recovered: boolean;
  /**
   * More messages lie beyond the page in the direction it reads: older ones for the newest page
   * and `before` pages, newer ones for `after` pages.
   */
  readonly hasMore: boolean;
  /** The channel's slow mode: one message per player per this many seconds; 0 when off. */
  readonly slowModeSeconds: number;
}

/** A `limit` query parameter: at most three ASCII digits, within the page size bounds. */
function parseLimit(limit: unknown): number | undefined {
  if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit)) return undefined;
  const pageSize = Number(limit);
  return pageSize >= HISTORY_LIMIT_MIN && pageSize <= HISTORY_LIMIT_MAX ? pageSize : undefined;
}

export function parseHistoryQuery(
  channel: unknown,
  query: { readonly after?: unknown; readonly before?: unknown; readonly limit?: unknown } = {},
): Result<HistoryQuery> {
  const checkedChannel = validateChannel(channel);
  if (!checkedChannel.ok) return checkedChannel;
  const { after, before, limit } = query;
  if (after !== undefined && !isMessageId(after)) {
    return fail('invalid', 'after must be a message id such as 1764081600123-0');
  }
  if (before !== undefined && !isMessageId(before)) {
    return fail('invalid', 'before must be a message id such as 1764081600123-0');
  }
  if (after !== undefined && before !== undefined) {
    return fail('invalid', 'after and before cannot be used together: page one way at a time');
  }
  const pageSize = limit === undefined ? HISTORY_LIMIT_DEFAULT : parseLimit(limit);
  if (pageSize === undefined) {
    return fail(
      'invalid',
      `limit must be a whole number ${HISTORY_LIMIT_MIN}-${HISTORY_LIMIT_MAX}`,
    );
  }
  return ok({ channel: checkedChannel.value, after, before, limit: pageSize });
}

/** `POST /channels/{channel}/announcements` body: `{ "text": "..." }`. */
export function parseAnnouncementBody(
  raw: string | Uint8Array,
  maxTextLength: number = DEFAULT_MAX_TEXT_LENGTH,
): Result<{ readonly text: string }> {
  const body = parseJsonObject(raw);
  if (!body.ok) return body;
  const text = normalizeText(own(body.value, 'text'), maxTextLength);
  if (!text.ok) return text;
  return ok({ text: text.value.text });
}

export interface MuteRequest {
  readonly seconds: number;
  readonly reason: string | undefined;
}

/** `PUT /players/{playerId}/mute` body: `{ "seconds": 600, "reason": "..." }`. */
export function parseMuteBody(raw: string | Uint8Array): Result<MuteRequest> {
  const body = parseJsonObject(raw);
  if (!body.ok) return body;
  const seconds = own(body.value, 'seconds');
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < 1 ||
    seconds > MAX_MUTE_SECONDS
  ) {
    return fail('invalid', `seconds must be a whole number 1-${MAX_MUTE_SECONDS}`);
  }
  const rawReason = own(body.value, 'reason');
  if (rawReason === undefined) return ok({ seconds, reason: undefined });
  const reason = normalizeText(rawReason, MAX_MUTE_REASON_LENGTH);
  if (!reason.ok) return fail(reason.code, `reason: ${reason.message}`);
  return ok({ seconds, reason: reason.value.text });
}
