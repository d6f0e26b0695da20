import { type KeyObject, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  AUTHORIZER_NAME_PARAM,
  AUTHORIZER_SIGNATURE_PARAM,
  isBase64,
} from '@game-chat/protocol/custom-auth';
import { fail, ok, type Result } from '@game-chat/protocol/result';
import { AUTHORIZER_LIMITS, type AuthorizerLimits } from './limits.js';
import { type PolicyDocument, parsePolicyDocument } from './policy.js';

/**
 * The IoT custom authorizer contract (aws-fidelity §2): what IoT Core checks on CONNECT before
 * it invokes the authorizer Lambda (the authorizer's name, the token's signature), the event it
 * sends the Lambda, and the checks it applies to the Lambda's answer.
 */

/** How the authorizer is configured, as Terraform's `aws_iot_authorizer` configures it. */
export interface CustomAuthSettings {
  /** `name`: what clients put in `x-amz-customauthorizer-name`. */
  readonly authorizerName: string;
  /** `token_key_name`: the query parameter, upgrade header or user name parameter of the token. */
  readonly tokenKeyName: string;
  /** `token_signing_public_keys`: a signature any one of them verifies is accepted. */
  readonly signingPublicKeys: readonly KeyObject[];
  /**
   * `create_domain_configuration`: the authorizer is the endpoint's default, so a CONNECT that
   * names no authorizer gets it. Without it such a CONNECT is refused, as on the Data-ATS
   * endpoint, which has no default authorizer.
   */
  readonly defaultAuthorizer: boolean;
}

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

/** One place a client may put its credentials: a query string or the upgrade headers. */
interface CredentialSource {
  get(key: string): string | undefined;
}

function querySource(query: string): CredentialSource {
  const params = new URLSearchParams(query);
  return { get: (key) => params.get(key) ?? undefined };
}

function headerSource(headers: IncomingHttpHeaders): CredentialSource {
  return {
    get(key) {
      const value = headers[key.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}

/** The query string of `name?query` or of a URL, without the `?`; undefined when none. */
function queryOf(value: string): string | undefined {
  const mark = value.indexOf('?');
  return mark === -1 ? undefined : value.slice(mark + 1);
}

function joinHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) joined[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return joined;
}

/** RSA-SHA256 of the token's UTF-8 bytes, as IoT Core checks `x-amz-customauthorizer-signature`. */
export function verifyTokenSignature(
  token: string,
  signature: string,
  publicKeys: readonly KeyObject[],
): boolean {
  if (!isBase64(signature)) return false;
  const data = Buffer.from(token, 'utf8');
  const bytes = Buffer.from(signature, 'base64');
  return publicKeys.some((key) => verify('sha256', data, key, bytes));
}

/**
 * Does what IoT Core does with a CONNECT before it invokes a signed custom authorizer, and
 * builds the event it then sends (aws-fidelity §2.1):
 *
 * - the authorizer named in the WebSocket URL, an upgrade header or the user name's query
 *   string must be this one; naming none is refused unless it is the endpoint's default;
 * - the token is read from the token key name, in the same three places (URL first, then
 *   header, then user name), with the signature from the same place;
 * - the signature must verify with one of the authorizer's public keys.
 *
 * Any refusal here means the Lambda is never invoked. The event carries the token, and the
 * URL, headers and user name exactly as sent: AWS documents that it "sends all headers and
 * query parameters" and strips nothing, so neither does this.
 */
export function buildAuthorizerEvent(
  attempt: ConnectAttempt,
  settings: CustomAuthSettings,
): Result<AuthorizerEvent> {
  const urlQuery = attempt.upgrade ? queryOf(attempt.upgrade.url) : undefined;
  const usernameQuery = attempt.username === undefined ? undefined : queryOf(attempt.username);
  const sources = [
    urlQuery === undefined ? undefined : querySource(urlQuery),
    attempt.upgrade ? headerSource(attempt.upgrade.headers) : undefined,
    usernameQuery === undefined ? undefined : querySource(usernameQuery),
  ].filter((source): source is CredentialSource => source !== undefined);

  const names = sources
    .map((source) => source.get(AUTHORIZER_NAME_PARAM))
    .filter((name): name is string => name !== undefined);
  const stranger = names.find((name) => name !== settings.authorizerName);
  if (stranger !== undefined) return fail('invalid', `unknown custom authorizer "${stranger}"`);
  if (names.length === 0 && !settings.defaultAuthorizer) {
    return fail(
      'invalid',
      `no custom authorizer named (${AUTHORIZER_NAME_PARAM}) and the endpoint has no default authorizer`,
    );
  }

  const { tokenKeyName } = settings;
  const carrier = sources.find((source) => source.get(tokenKeyName) !== undefined);
  const token = carrier?.get(tokenKeyName);
  if (carrier === undefined || token === undefined || token === '') {
    return fail('invalid', `no token under the token key name "${tokenKeyName}"`);
  }
  const signature = carrier.get(AUTHORIZER_SIGNATURE_PARAM);
  if (signature === undefined || signature === '') {
    return fail('invalid', `no ${AUTHORIZER_SIGNATURE_PARAM} next to the token`);
  }
  if (!verifyTokenSignature(token, signature, settings.signingPublicKeys)) {
    return fail('invalid', "the token's signature does not verify with the authorizer's keys");
  }

  const mqtt = {
    ...(attempt.username === undefined ? {} : { username: attempt.username }),
    ...(attempt.password === undefined ? {} : { password: attempt.password.toString('base64') }),
    ...(attempt.clientId === '' ? {} : { clientId: attempt.clientId }),
  };
  const http = attempt.upgrade
    ? {
        headers: joinHeaders(attempt.upgrade.headers),
        queryString: urlQuery === undefined ? '' : `?${urlQuery}`,
      }
    : undefined;
  return ok({
    token,
    signatureVerified: true,
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
