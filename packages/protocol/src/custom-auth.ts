import { fail, ok, type Result } from './result.js';
import { hasLoneSurrogate } from './text.js';

/**
 * How a client hands IoT Core's custom authorizer its credentials (AWS IoT developer guide,
 * "Connecting to AWS IoT Core by using custom authentication"): the authorizer's name, the
 * token under the authorizer's token key name, and the token's signature, as query parameters
 * of the WebSocket URL or of the MQTT user name. Shared by the SDK, the token tools and the
 * local stack's IoT emulation, so both sides spell them the same way.
 */

export const AUTHORIZER_NAME_PARAM = 'x-amz-customauthorizer-name';
export const AUTHORIZER_SIGNATURE_PARAM = 'x-amz-customauthorizer-signature';
/** Terraform's `authorizer_name` default, and the local stack's. */
export const DEFAULT_AUTHORIZER_NAME = 'game-chat-token-authorizer';
/** Terraform's `authorizer_token_key_name` default, and the local stack's. */
export const DEFAULT_TOKEN_KEY_NAME = 'token';

/** CreateAuthorizer's rules: a name is 1-128 of `[\w=,@-]`, a token key name 1-128 of `[a-zA-Z0-9_-]`. */
const AUTHORIZER_NAME = /^[\w=,@-]{1,128}$/;
const TOKEN_KEY_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
/** Standard base64 (what `openssl base64` and Node's `sign(..., 'base64')` print). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Longer than any real token; the same bound the token verifier applies. */
const MAX_TOKEN_LENGTH = 8192;
/** An RSA-4096 signature is 684 base64 characters. */
const MAX_SIGNATURE_LENGTH = 1024;

/** A player token and its signature: base64 RSA-SHA256 of the token, as IoT Core verifies it. */
export interface SignedToken {
  readonly token: string;
  readonly signature: string;
}

/** What a connecting client sends IoT Core for a custom authorizer with token signing. */
export interface CustomAuthCredentials extends SignedToken {
  /** Leave out to use the endpoint's default authorizer. */
  readonly authorizerName?: string | undefined;
  readonly tokenKeyName: string;
}

export function validateAuthorizerName(value: unknown): Result<string> {
  return typeof value === 'string' && AUTHORIZER_NAME.test(value)
    ? ok(value)
    : fail('invalid', 'an authorizer name is 1-128 characters of A-Z, a-z, 0-9, _ = , @ or -');
}

export function validateTokenKeyName(value: unknown): Result<string> {
  return typeof value === 'string' && TOKEN_KEY_NAME.test(value)
    ? ok(value)
    : fail('invalid', 'a token key name is 1-128 characters of A-Z, a-z, 0-9, _ or -');
}

/** Whether `value` is standard, padded base64 (not base64url, no line breaks). */
export function isBase64(value: string): boolean {
  return value !== '' && BASE64.test(value);
}

/**
 * Reads `{ token, signature }` from untrusted input (a token endpoint's answer, `getToken`'s
 * result): a non-empty token of at most 8 KiB and a base64 signature. Other fields are ignored.
 */
export function readSignedToken(value: unknown): Result<SignedToken> {
  if (typeof value !== 'object' || value === null) {
    return fail('invalid', 'expected an object with token and signature');
  }
  const record = value as Readonly<Record<string, unknown>>;
  const own = (key: string) => (Object.hasOwn(record, key) ? record[key] : undefined);
  const token = own('token');
  const signature = own('signature');
  if (typeof token !== 'string' || token === '') {
    return fail('invalid', 'token must be a non-empty string');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    return fail('too_long', `token is longer than ${MAX_TOKEN_LENGTH} characters`);
  }
  // A lone surrogate cannot be URL-encoded, so such a token could never reach IoT Core.
  if (hasLoneSurrogate(token)) return fail('invalid', 'token is not well-formed Unicode');
  if (typeof signature !== 'string' || signature.length > MAX_SIGNATURE_LENGTH) {
    return fail('invalid', 'signature must be a base64 string');
  }
  if (!isBase64(signature)) return fail('invalid', 'signature must be standard base64');
  return ok({ token, signature });
}

/**
 * The credentials as a query string, URL-encoded (the signature's `+`, `/` and `=` must be):
 * `x-amz-customauthorizer-name=N&x-amz-customauthorizer-signature=S&{tokenKeyName}=T`.
 */
export function customAuthQuery(credentials: CustomAuthCredentials): string {
  const pairs: [string, string][] = [];
  if (credentials.authorizerName !== undefined) {
    pairs.push([AUTHORIZER_NAME_PARAM, credentials.authorizerName]);
  }
  pairs.push([AUTHORIZER_SIGNATURE_PARAM, credentials.signature]);
  pairs.push([credentials.tokenKeyName, credentials.token]);
  return pairs
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** A WebSocket endpoint with the credentials added to its query (what a browser can send). */
export function customAuthUrl(endpoint: string, credentials: CustomAuthCredentials): string {
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${customAuthQuery(credentials)}`;
}

/** An MQTT user name carrying the credentials in its query string: `base?...`. */
export function customAuthUsername(base: string, credentials: CustomAuthCredentials): string {
  return `${base}?${customAuthQuery(credentials)}`;
}
