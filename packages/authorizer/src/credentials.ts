import type { IoTCustomAuthorizerEvent } from 'aws-lambda';

/**
 * Where the player token came from: `token`, which IoT Core fills from the authorizer's token
 * key name after it verified the token's signature, or the MQTT password (an authorizer with
 * signing disabled, where the client sends the token as its password).
 */
export type TokenSource = 'token-key' | 'mqtt-password';

export type Credentials =
  | {
      readonly ok: true;
      readonly token: string;
      readonly source: TokenSource;
      readonly clientId: string | undefined;
    }
  | { readonly ok: false; readonly message: string };

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

/**
 * Reads the token and the client id. With token signing on (this project's authorizer), IoT
 * Core puts the token it verified in `token`, read from the token key name in the WebSocket
 * URL, an upgrade header or the MQTT user name's query string; that one wins. Without
 * signing, the token is the MQTT password. The Lambda never parses URLs or user names itself:
 * what IoT did not verify, it does not trust more than the password.
 */
export function readCredentials(event: IoTCustomAuthorizerEvent): Credentials {
  const mqtt = event.protocolData?.mqtt;
  const clientId = typeof mqtt?.clientId === 'string' ? mqtt.clientId : undefined;
  if (typeof event.token === 'string' && event.token !== '') {
    return { ok: true, token: event.token, source: 'token-key', clientId };
  }
  const password = mqtt?.password;
  if (typeof password === 'string' && password !== '') {
    const token = decodePassword(password);
    if (token === undefined)
      return { ok: false, message: 'the MQTT password is not base64 UTF-8 text' };
    return { ok: true, token, source: 'mqtt-password', clientId };
  }
  return { ok: false, message: 'no token from the token key name and no MQTT password' };
}
