import type { ApiErrorCode, NoticeCode } from '@game-chat/protocol/errors';
import type { Result } from '@game-chat/protocol/result';

/**
 * Why an SDK call failed:
 * - a notice code (`rate_limited`, `too_long`, `muted`, ...) when the server refused a message,
 *   or the same validation code (`invalid`, `empty`, `too_long`) when the SDK refused a bad
 *   argument before sending anything; `unavailable` when the server could not handle a send
 *   through an outage and the SDK's resends within `sendTimeoutMs` did not get it through;
 * - an HTTP API code (`unauthorized`, `forbidden`, `not_found`, `store_unavailable`, ...), or
 *   `http_<status>` when the API answered an error without a known code;
 * - `timeout`: no answer in time; `not_connected`: no live connection; `not_joined`: the channel
 *   must be joined first; `closed`: the client was closed; `network`: the request never got an
 *   answer.
 */
export type ChatErrorCode =
  | NoticeCode
  | ApiErrorCode
  | 'timeout'
  | 'not_connected'
  | 'not_joined'
  | 'closed'
  | 'network'
  | `http_${number}`;

export interface ChatErrorDetails {
  /** From a `rate_limited` or `unavailable` notice: when a retry may succeed. */
  readonly retryAfterMs?: number | undefined;
  /** The HTTP status, for errors of the HTTP API. */
  readonly status?: number | undefined;
  readonly cause?: unknown;
}

/** The one error type the SDK throws and rejects with; switch on `code`. */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ChatErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(code: ChatErrorCode, message: string, details: ChatErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryAfterMs = details.retryAfterMs;
    this.status = details.status;
  }
}

/** The value of a protocol validation, or its failure thrown as a `ChatError` with its code. */
export function validOrThrow<T>(result: Result<T>): T {
  if (!result.ok) throw new ChatError(result.code, result.message);
  return result.value;
}

/** Any failure as a `ChatError`: a `ChatError` as is, anything else as `network`. */
export function asChatError(error: unknown): ChatError {
  return error instanceof ChatError
    ? error
    : new ChatError('network', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
}
