/**
 * Lambda results mapped back to HTTP as API Gateway maps them (aws-fidelity §7), and the
 * gateway's own answers.
 */

import { EmulatorError } from '../errors.js';

export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

export const json = (statusCode: number, body: unknown): GatewayResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify(body)),
});

export const NOT_FOUND = json(404, { message: 'Not Found' });
export const INTERNAL_SERVER_ERROR = json(500, { message: 'Internal Server Error' });
export const TOO_LARGE = json(413, { message: 'Request Entity Too Large' });

/** The integration returned something API Gateway cannot turn into a response. */
export class MalformedResultError extends EmulatorError<'malformed_lambda_result'> {
  constructor(message: string) {
    super('malformed_lambda_result', message);
  }
}

/**
 * Maps a payload 2.0 result to HTTP. A result with `statusCode` is taken field by field; any
 * other valid JSON (an object, a string, a number) means 200 with that JSON as the body.
 */
export function mapLambdaResult(result: unknown): GatewayResponse {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return json(200, result);
  }
  const {
    statusCode,
    headers = {},
    cookies = [],
    body = '',
    isBase64Encoded = false,
  } = result as Record<string, unknown>;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedResultError('statusCode must be a whole number 100-599');
  }
  if (typeof body !== 'string') throw new MalformedResultError('body must be a string');
  if (typeof headers !== 'object' || headers === null) {
    throw new MalformedResultError('headers must be an object');
  }
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) {
    throw new MalformedResultError('cookies must be a list of strings');
  }
  const plainHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new MalformedResultError(`header ${name} must be a string, number or boolean`);
    }
    plainHeaders[name.toLowerCase()] = String(value);
  }
  return {
    statusCode,
    headers: plainHeaders,
    cookies,
    body: Buffer.from(body, isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}
