import type { IoTCustomAuthorizerEvent } from 'aws-lambda';

/** Where a connecting client put its player token (SPEC §4). */
export type TokenSource = 'mqtt-password' | 'query-string';

export type Credentials =
  | {
      readonly ok: true;
      readonly token: string;
      readonly source: TokenSource;
      readonly clientId: string | undefined;
    }
  | { readonly ok: false; readonly message: string };

/** IoT Core forwards at most 8 KB of HTTP data; anything longer is not from IoT Core. */
const MAX_QUERY_STRING_LENGTH = 8192;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** IoT Core base64-encodes the MQTT password; a token is UTF-8 text. */
function decodePassword(password: string): string | undefined {
  if (!BASE64.test(password)) return undefined;
  try {
    return utf8.decode(Buffer.from(password, 'base64'));
  } catch {
    return undefined;
  }
}

function queryToken(queryString: unknown): string | undefined {
  if (typeof queryString !== 'string' || queryString.length > MAX_QUERY_STRING_LENGTH)
    return undefined;
  const token = new URLSearchParams(queryString.replace(/^\?/, '')).get('token');
  return token === null || token === '' ? undefined : token;
}

/**
 * Reads the token from the MQTT password (MQTT over TLS, or over WSS with credentials in
 * CONNECT) or from the `token` query parameter of a WebSocket upgrade, and the client id.
 */
export function readCredentials(event: IoTCustomAuthorizerEvent): Credentials {
  const mqtt = event.protocolData?.mqtt;
  const clientId = typeof mqtt?.clientId === 'string' ? mqtt.clientId : undefined;
  const password = mqtt?.password;
  if (typeof password === 'string' && password !== '') {
    const token = decodePassword(password);
    if (token === undefined)
      return { ok: false, message: 'the MQTT password is not base64 UTF-8 text' };
    return { ok: true, token, source: 'mqtt-password', clientId };
  }
  const token = queryToken(event.protocolData?.http?.queryString);
  if (token !== undefined) return { ok: true, token, source: 'query-string', clientId };
  return { ok: false, message: 'no token in the MQTT password or the token query parameter' };
}
