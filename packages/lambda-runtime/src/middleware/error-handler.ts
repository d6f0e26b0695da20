import { StoreInputError, StoreUnavailableError } from '@game-chat/chat-store/errors';
import {
  API_ERROR_STATUS,
  type ApiErrorBody,
  type ApiErrorCode,
  isApiErrorCode,
} from '@game-chat/protocol/errors';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../logger.js';

/**
 * The chat Lambdas' one error middleware, in middy's http-error-handler convention: `defaults`
 * merged with the options, and a named onError function so that stack traces say whose it is. What an error that
 * reaches the function's edge becomes depends on who called:
 *
 * - `rethrow`: logged, then thrown again. An async event (the message filter) is retried by
 *   Lambda; IoT Core refuses a connection whose authorizer failed (the authorizer answers bad
 *   input with a refusal itself and never throws for it).
 * - `http`: answered as the HTTP API's `{ error: { code, message } }` with the error's status.
 *   An error carrying `code`, `status` and `expose` (middy's convention) answers with them; the
 *   store's errors map to `store_unavailable` (503) and `invalid` (400); anything else is a 500
 *   `internal` with nothing from the server's insides. 5xx answers are logged.
 */

export type ErrorAnswer = 'rethrow' | 'http';

export interface ChatErrorHandlerOptions {
  readonly logger: Pick<Logger, 'error'>;
  readonly answer?: ErrorAnswer;
}

const defaults = { answer: 'rethrow' } as const satisfies Partial<ChatErrorHandlerOptions>;

/** An error that knows its HTTP answer: `expose` says whether its message may be shown. */
export interface HttpAnswerableError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /** `rate_limited`: when a new try may pass; sent as `retryAfterMs` and `Retry-After`. */
  readonly retryAfterMs?: number | undefined;
}

function isHttpAnswerable(error: unknown): error is HttpAnswerableError {
  const candidate = error as Partial<HttpAnswerableError> | null;
  return (
    error instanceof Error &&
    isApiErrorCode(candidate?.code) &&
    typeof candidate?.status === 'number' &&
    typeof candidate?.expose === 'boolean'
  );
}

/** What a client is told for an error whose own message must not be shown. */
const UNEXPOSED_MESSAGES: Partial<Record<ApiErrorCode, string>> = {
  store_unavailable: 'the chat store is unavailable; try again shortly',
};

interface HttpAnswer {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly message: string;
  readonly retryAfterMs?: number | undefined;
}

function httpAnswerOf(error: unknown): HttpAnswer {
  if (isHttpAnswerable(error)) {
    const message = error.expose ? error.message : UNEXPOSED_MESSAGES[error.code];
    return {
      code: error.code,
      status: error.status,
      message: message ?? 'internal error',
      retryAfterMs: error.retryAfterMs,
    };
  }
  if (error instanceof StoreUnavailableError) {
    const code = 'store_unavailable';
    return { code, status: API_ERROR_STATUS[code], message: UNEXPOSED_MESSAGES[code] as string };
  }
  // Validation should have refused the input first; the store's own check is the backstop.
  if (error instanceof StoreInputError) {
    return { code: 'invalid', status: API_ERROR_STATUS.invalid, message: error.message };
  }
  return { code: 'internal', status: API_ERROR_STATUS.internal, message: 'internal error' };
}

/** The HTTP API's answer to an error: JSON `{ error: { code, message } }`, never a stack. */
export function httpErrorResult(
  error: unknown,
): APIGatewayProxyStructuredResultV2 & { statusCode: number } {
  const { code, status, message, retryAfterMs } = httpAnswerOf(error);
  const body: ApiErrorBody = {
    error: { code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  };
  return {
    statusCode: status,
    headers: {
      ...(code === 'unauthorized' ? { 'www-authenticate': 'Bearer' } : {}),
      ...(retryAfterMs === undefined
        ? {}
        : { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) }),
      'content-type': 'application/json',
      'cache-control': 'no-store',
    },
    body: JSON.stringify(body),
  };
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

export function chatErrorHandler(options: ChatErrorHandlerOptions): MiddlewareObj {
  const { logger, answer } = { ...defaults, ...options };

  const chatErrorHandlerMiddlewareOnError = (request: Request): void => {
    const { error } = request;
    if (answer === 'rethrow') {
      // Nothing set as the response: middy throws the error on to the caller.
      logger.error('invocation failed; the error goes back to the caller', {
        code: codeOf(error),
        error: error as Error,
      });
      return;
    }
    const result = httpErrorResult(error);
    if (result.statusCode >= 500) {
      logger.error('request failed', { code: codeOf(error), error: error as Error });
    }
    request.response = result;
  };

  return { onError: chatErrorHandlerMiddlewareOnError };
}
