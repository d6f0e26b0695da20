/**
 * Codes a player sees in a notice on their inbox when the filter refuses a message (contract §3).
 * `unavailable` is not a refusal of the message: the store or the Data Plane stayed down through
 * the filter's retry budget, and the same `clientMsgId` may be sent again after `retryAfterMs`.
 * `offline`: a whisper to a player with no live connection (nobody would read it).
 */
export const NOTICE_CODES = [
  'invalid',
  'too_long',
  'empty',
  'rate_limited',
  'muted',
  'blocked',
  'forbidden',
  'unavailable',
  'offline',
  /** A whisper to a player who blocked the sender: not delivered. */
  'ignored',
] as const;
export type NoticeCode = (typeof NOTICE_CODES)[number];

/** Codes that input validation returns; a subset of the notice codes. */
export type ValidationCode = Extract<NoticeCode, 'invalid' | 'too_long' | 'empty'>;

/**
 * Codes of the HTTP API's `{ error: { code, message } }` bodies (contract §5).
 * `publish_unavailable`: an announcement or a deletion was stored but the Data Plane did not take
 * its live publish within the request; players see it in history, so it must not be sent again.
 */
export const API_ERROR_CODES = [
  'invalid',
  'too_long',
  'empty',
  'unauthorized',
  'forbidden',
  'not_found',
  'store_unavailable',
  'publish_unavailable',
  'internal',
  /** The request conflicts with what is stored: a second report of one message, a full block list. */
  'conflict',
  /** Too many requests of this kind (reports); `retryAfterMs` in the body says when to try again. */
  'rate_limited',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The HTTP status each API error code answers with. */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  invalid: 400,
  too_long: 400,
  empty: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  store_unavailable: 503,
  publish_unavailable: 503,
  internal: 500,
  conflict: 409,
  rate_limited: 429,
};

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; retryAfterMs?: number };
}

export function isNoticeCode(value: unknown): value is NoticeCode {
  return typeof value === 'string' && (NOTICE_CODES as readonly string[]).includes(value);
}

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && (API_ERROR_CODES as readonly string[]).includes(value);
}
