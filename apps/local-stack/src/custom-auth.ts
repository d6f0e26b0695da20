import type { IncomingHttpHeaders } from 'node:http';
import { fail, ok, type Result } from '@game-chat/protocol/result';
import { AUTHORIZER_LIMITS, type AuthorizerLimits } from './limits.js';
import { type PolicyDocument, parsePolicyDocument } from './policy.js';

/**
 * The IoT custom authorizer contract (aws-fidelity §2): the event IoT Core sends the authorizer
 * Lambda on CONNECT, and the checks IoT applies to the Lambda's answer.
 */

/** The token key name the authorizer is configured with: `?token=` or a `token` header. */
export const TOKEN_KEY_NAME = 'token';
const AUTHORIZER_NAME_KEY = 'x-amz-customauthorizer-name';
const SIGNATURE_KEY = 'x-amz-customauthorizer-signature';

export interface ConnectAttempt {
  readonly transport: 'tcp' | 'websocket';
  /** The client id exactly as sent in CONNECT; empty when the client sent none. */
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  /** The host name the client connected to (TLS SNI on AWS). */
  readonly serverName: string;
  /** The WebSocket upgrade request. */
  readonly upgrade?: { readonly url: string; readonly headers: IncomingHttpHeaders };
  /** A fresh id per connection attempt. */
  readonly connectionId: string;
}

export interface AuthorizerEvent {
  readonly token?: string;
  readonly signatureVerified: boolean;
  readonly protocols: readonly string[];
  readonly protocolData: {
    readonly tls: { readonly serverName: string };
    readonly http?: { readonly headers: Record<string, string>; readonly queryString: string };
    readonly mqtt: {
      readonly username?: string;
      readonly password?: string;
      readonly clientId?: string;
    };
  };
  readonly connectionMetadata: { readonly id: string };
}

/** Splits `name?query` and takes the authorizer's own parameters out of the query. */
function splitCredentials(value: string): { base: string; query: URLSearchParams } {
  const mark = value.indexOf('?');
  if (mark === -1) return { base: value, query: new URLSearchParams() };
  return { base: value.slice(0, mark), query: new URLSearchParams(value.slice(mark + 1)) };
}

function withoutAuthorizerKeys(query: URLSearchParams): string {
  const rest = new URLSearchParams(query);
  rest.delete(AUTHORIZER_NAME_KEY);
  rest.delete(SIGNATURE_KEY);
  const text = rest.toString();
  return text === '' ? '' : `?${text}`;
}

function joinHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === AUTHORIZER_NAME_KEY) continue;
    joined[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return joined;
}

/**
 * Builds the event IoT Core sends the authorizer (aws-fidelity §2.1). The authorizer's name may
 * come in the username's query string or the upgrade URL; it is taken out before the Lambda sees
 * them. A name other than `authorizerName` is refused, as IoT refuses an unknown authorizer.
 */
export function buildAuthorizerEvent(
  attempt: ConnectAttempt,
  authorizerName: string,
): Result<AuthorizerEvent> {
  const username = attempt.username === undefined ? undefined : splitCredentials(attempt.username);
  const url = attempt.upgrade ? splitCredentials(attempt.upgrade.url) : undefined;
  const headerName = attempt.upgrade?.headers[AUTHORIZER_NAME_KEY];
  const names = [
    username?.query.get(AUTHORIZER_NAME_KEY),
    url?.query.get(AUTHORIZER_NAME_KEY),
    Array.isArray(headerName) ? headerName[0] : headerName,
  ].filter((name): name is string => name !== undefined && name !== null);
  const stranger = names.find((name) => name !== authorizerName);
  if (stranger !== undefined) return fail('invalid', `unknown custom authorizer "${stranger}"`);

  const headerToken = attempt.upgrade?.headers[TOKEN_KEY_NAME];
  const token =
    url?.query.get(TOKEN_KEY_NAME) ??
    (Array.isArray(headerToken) ? headerToken[0] : headerToken) ??
    username?.query.get(TOKEN_KEY_NAME) ??
    undefined;

  const mqtt = {
    ...(username === undefined
      ? {}
      : { username: username.base + withoutAuthorizerKeys(username.query) }),
    ...(attempt.password === undefined ? {} : { password: attempt.password.toString('base64') }),
    ...(attempt.clientId === '' ? {} : { clientId: attempt.clientId }),
  };
  const http =
    attempt.upgrade && url
      ? {
          headers: joinHeaders(attempt.upgrade.headers),
          queryString: withoutAuthorizerKeys(url.query),
        }
      : undefined;
  return ok({
    ...(token === undefined ? {} : { token }),
    // Token signing is disabled for this authorizer, so IoT verified no signature.
    signatureVerified: false,
    protocols: http ? ['tls', 'http', 'mqtt'] : ['tls', 'mqtt'],
    protocolData: { tls: { serverName: attempt.serverName }, ...(http ? { http } : {}), mqtt },
    connectionMetadata: { id: attempt.connectionId },
  });
}

export type AuthorizerDecision =
  | { readonly authenticated: false }
  | {
      readonly authenticated: true;
      readonly principalId: string;
      readonly policies: readonly PolicyDocument[];
      readonly disconnectAfterSeconds: number;
      readonly refreshAfterSeconds: number;
    };

const PRINCIPAL_ID = /^[a-zA-Z0-9]{1,128}$/;

function readSeconds(value: unknown, field: string, limits: AuthorizerLimits): Result<number> {
  const { minSeconds, maxSeconds } = limits;
  if (value === undefined) return ok(maxSeconds);
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < minSeconds ||
    value > maxSeconds
  ) {
    return fail('invalid', `${field} must be a whole number ${minSeconds}-${maxSeconds}`);
  }
  return ok(value);
}

/**
 * Checks the authorizer's answer as IoT Core does (aws-fidelity §2.2): an answer outside the
 * limits fails the authentication, it is not clamped. Missing lifetimes default to the maximum.
 */
export function readAuthorizerResponse(
  response: unknown,
  limits: AuthorizerLimits = AUTHORIZER_LIMITS,
): Result<AuthorizerDecision> {
  if (typeof response !== 'object' || response === null) {
    return fail('invalid', 'authorizer response must be an object');
  }
  const answer = response as Record<string, unknown>;
  if (typeof answer.isAuthenticated !== 'boolean') {
    return fail('invalid', 'isAuthenticated must be a boolean');
  }
  if (!answer.isAuthenticated) return ok({ authenticated: false });
  if (typeof answer.principalId !== 'string' || !PRINCIPAL_ID.test(answer.principalId)) {
    return fail('invalid', 'principalId must be 1-128 letters and digits');
  }
  const documents = answer.policyDocuments;
  const { maxPolicyDocuments, maxPolicyCharacters } = limits;
  if (!Array.isArray(documents) || documents.length > maxPolicyDocuments) {
    return fail('invalid', `policyDocuments must be a list of at most ${maxPolicyDocuments}`);
  }
  const policies: PolicyDocument[] = [];
  for (const [index, document] of documents.entries()) {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    if (text.length > maxPolicyCharacters) {
      return fail(
        'too_long',
        `policyDocuments[${index}] is over ${maxPolicyCharacters} characters`,
      );
    }
    const policy = parsePolicyDocument(document);
    if (!policy.ok) return fail('invalid', `policyDocuments[${index}]: ${policy.message}`);
    policies.push(policy.value);
  }
  const disconnectAfter = readSeconds(
    answer.disconnectAfterInSeconds,
    'disconnectAfterInSeconds',
    limits,
  );
  if (!disconnectAfter.ok) return disconnectAfter;
  const refreshAfter = readSeconds(answer.refreshAfterInSeconds, 'refreshAfterInSeconds', limits);
  if (!refreshAfter.ok) return refreshAfter;
  return ok({
    authenticated: true,
    principalId: answer.principalId,
    policies,
    disconnectAfterSeconds: disconnectAfter.value,
    refreshAfterSeconds: refreshAfter.value,
  });
}
