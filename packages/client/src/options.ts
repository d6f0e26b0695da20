import {
  DEFAULT_TOKEN_KEY_NAME,
  type SignedToken,
  validateAuthorizerName,
  validateTokenKeyName,
} from '@game-chat/protocol/custom-auth';
import {
  CLIENT_SUFFIX_PATTERN,
  DEFAULT_MAX_TEXT_LENGTH,
  DEFAULT_TOPIC_PREFIX,
} from '@game-chat/protocol/limits';
import { validateTopicPrefix } from '@game-chat/protocol/topics';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { ChatError } from './errors.js';
import { readPlayerToken } from './token.js';

/**
 * A player token as the game's backend hands it out: `{ token, signature }` for IoT Core's
 * custom authorizer with token signing (the signature is base64 RSA-SHA256 of the token), or
 * the token alone for an authorizer with signing disabled, which reads it from the MQTT password.
 */
export type PlayerToken = string | SignedToken;

/** Where the `online` and `offline` events come from: `window` in a browser, or the game's own. */
export type NetworkEventTarget = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/** The IoT Core custom authorizer a connection names, and where its token goes. */
export interface CustomAuthOptions {
  readonly authorizerName: string | undefined;
  readonly tokenKeyName: string;
}

export interface ChatClientOptions {
  /**
   * The MQTT endpoint. Locally `ws://127.0.0.1:<port>/mqtt` or `mqtt://127.0.0.1:<port>`; on
   * AWS `wss://<id>-ats.iot.<region>.amazonaws.com/mqtt` (with `authorizerName`).
   */
  readonly endpoint: string;
  /** Base URL of the HTTP API (history and moderation). */
  readonly apiUrl: string;
  /** A player token. Give `getToken` instead when tokens expire during a session. */
  readonly token?: PlayerToken;
  /** Called for the first token and again before each token expires; each one newly signed. */
  readonly getToken?: () => PlayerToken | Promise<PlayerToken>;
  /**
   * The IoT Core custom authorizer's name (`x-amz-customauthorizer-name`). Leave it out only
   * for an endpoint whose default authorizer is this one.
   */
  readonly authorizerName?: string;
  /** The authorizer's token key name (Terraform's `authorizer_token_key_name`; default `token`). */
  readonly tokenKeyName?: string;
  /**
   * Client id suffix (`alice.<suffix>`), 1-32 of `A-Z a-z 0-9 _ -`. Two connections with the
   * same client id kick each other off, so the default is random per client instance.
   */
  readonly clientSuffix?: string;
  /** `CHAT_TOPIC_PREFIX` of the deployment (default `chat`). */
  readonly topicPrefix?: string;
  /** `CHAT_MAX_TEXT` of the deployment, checked before sending (default 500). */
  readonly maxTextLength?: number;
  /**
   * How long `send` and `whisper` wait for the server's answer, resends included (default 25 s:
   * the filter's retry budget of 8 s, a resend 2-4 s after an `unavailable` notice, its 8 s).
   */
  readonly sendTimeoutMs?: number;
  /** How long one connection attempt may take (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** How long one HTTP API request may take (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Reconnect backoff (default 0.5 s doubling up to 30 s, jittered). */
  readonly reconnect?: Partial<BackoffOptions>;
  /** How long before expiry `getToken` is called (default 60 s; halfway for shorter tokens). */
  readonly tokenRefreshLeadMs?: number;
  /** MQTT keep-alive; IoT Core accepts 30-1200 s (default 30). */
  readonly keepaliveSeconds?: number;
  /** Messages kept per joined channel for `messages(channel)` (default 200). */
  readonly maxMessagesPerChannel?: number;
  /**
   * Where the network's `online` and `offline` events come from: by default `globalThis` when
   * it has `addEventListener` (a browser's `window`; nothing in Node), or an `EventTarget` the
   * game passes (a WebView bridge, a test), or `false` to ignore them.
   */
  readonly networkEvents?: NetworkEventTarget | false;
}

export interface ResolvedOptions {
  readonly mqttUrl: string;
  readonly apiUrl: string;
  readonly token: PlayerToken | undefined;
  readonly getToken: (() => PlayerToken | Promise<PlayerToken>) | undefined;
  readonly customAuth: CustomAuthOptions;
  readonly clientSuffix: string;
  readonly topicPrefix: string;
  readonly maxTextLength: number;
  readonly sendTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly reconnect: BackoffOptions;
  readonly tokenRefreshLeadMs: number;
  readonly keepaliveSeconds: number;
  readonly maxMessagesPerChannel: number;
  readonly networkEvents: NetworkEventTarget | undefined;
}

/**
 * Long enough for a send that meets an outage: the filter retries for up to 8 s
 * (`CHAT_RETRY_BUDGET_MS`) and answers `unavailable`; the resend goes 2-4 s later and may take
 * another 8 s. 8 + 4 + 8 s and some margin: 25 s.
 */
export const DEFAULT_SEND_TIMEOUT_MS = 25_000;
const MQTT_PROTOCOLS = new Set(['ws:', 'wss:', 'mqtt:', 'mqtts:']);
const HTTP_PROTOCOLS = new Set(['http:', 'https:']);

function invalid(message: string): ChatError {
  return new ChatError('invalid', message);
}

function parseUrl(value: unknown, what: string, protocols: ReadonlySet<string>): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !protocols.has(url.protocol)) {
    throw invalid(`${what} must be a ${[...protocols].map((p) => `${p}//`).join(', ')} URL`);
  }
  return url;
}

function positiveInteger(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw invalid(`${what} must be a positive whole number`);
  return value;
}

function isEventTarget(value: unknown): value is NetworkEventTarget {
  const target = value as Partial<NetworkEventTarget> | null | undefined;
  return (
    typeof target?.addEventListener === 'function' &&
    typeof target.removeEventListener === 'function'
  );
}

/** The `networkEvents` option: the target given, `globalThis` if it can be one, or none. */
function networkEventTarget(value: unknown): NetworkEventTarget | undefined {
  if (value === false) return undefined;
  if (value === undefined) {
    // Typed as unknown so that Node builds without the DOM library type-check this too.
    const global: unknown = globalThis;
    return isEventTarget(global) ? global : undefined;
  }
  if (!isEventTarget(value)) throw invalid('networkEvents must be an EventTarget or false');
  return value;
}

/** `bytes` random bytes as hex, from the Web Crypto API that browsers and Node share. */
export function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Checks every option once, up front, and fills in the defaults. Throws `ChatError('invalid')`. */
export function resolveOptions(options: ChatClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const mqttUrl = parseUrl(options.endpoint, 'endpoint', MQTT_PROTOCOLS);
  const apiUrl = parseUrl(options.apiUrl, 'apiUrl', HTTP_PROTOCOLS);
  if ((options.token === undefined) === (options.getToken === undefined)) {
    throw invalid('give exactly one of token and getToken');
  }
  if (options.token !== undefined) readPlayerToken(options.token, 'token');
  if (options.getToken !== undefined && typeof options.getToken !== 'function') {
    throw invalid('getToken must be a function');
  }
  if (options.authorizerName !== undefined && !validateAuthorizerName(options.authorizerName).ok) {
    throw invalid('authorizerName must be 1-128 characters of A-Z, a-z, 0-9, _ = , @ or -');
  }
  const tokenKeyName = options.tokenKeyName ?? DEFAULT_TOKEN_KEY_NAME;
  if (!validateTokenKeyName(tokenKeyName).ok) {
    throw invalid('tokenKeyName must be 1-128 characters of A-Z, a-z, 0-9, _ or -');
  }
  const clientSuffix = options.clientSuffix ?? randomHex(4);
  if (!CLIENT_SUFFIX_PATTERN.test(clientSuffix)) {
    throw invalid('clientSuffix must be 1-32 characters of A-Z, a-z, 0-9, _ or -');
  }
  const topicPrefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const prefix = validateTopicPrefix(topicPrefix);
  if (!prefix.ok) throw invalid(prefix.message);
  const keepaliveSeconds = positiveInteger(options.keepaliveSeconds, 30, 'keepaliveSeconds');
  if (keepaliveSeconds > 1200) throw invalid('keepaliveSeconds must be at most 1200');
  const initialDelayMs = positiveInteger(
    options.reconnect?.initialDelayMs,
    DEFAULT_BACKOFF.initialDelayMs,
    'reconnect.initialDelayMs',
  );
  const maxDelayMs = positiveInteger(
    options.reconnect?.maxDelayMs,
    Math.max(DEFAULT_BACKOFF.maxDelayMs, initialDelayMs),
    'reconnect.maxDelayMs',
  );
  if (maxDelayMs < initialDelayMs) throw invalid('reconnect.maxDelayMs must be >= initialDelayMs');
  return {
    mqttUrl: mqttUrl.href,
    apiUrl: apiUrl.href,
    token: options.token,
    getToken: options.getToken,
    customAuth: { authorizerName: options.authorizerName, tokenKeyName },
    clientSuffix,
    topicPrefix,
    maxTextLength: positiveInteger(options.maxTextLength, DEFAULT_MAX_TEXT_LENGTH, 'maxTextLength'),
    sendTimeoutMs: positiveInteger(options.sendTimeoutMs, DEFAULT_SEND_TIMEOUT_MS, 'sendTimeoutMs'),
    connectTimeoutMs: positiveInteger(options.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
    requestTimeoutMs: positiveInteger(options.requestTimeoutMs, 10_000, 'requestTimeoutMs'),
    reconnect: { initialDelayMs, maxDelayMs },
    tokenRefreshLeadMs: positiveInteger(options.tokenRefreshLeadMs, 60_000, 'tokenRefreshLeadMs'),
    keepaliveSeconds,
    maxMessagesPerChannel: positiveInteger(
      options.maxMessagesPerChannel,
      200,
      'maxMessagesPerChannel',
    ),
    networkEvents: networkEventTarget(options.networkEvents),
  };
}
