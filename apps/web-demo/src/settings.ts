import { DEFAULT_MAX_TEXT_LENGTH, MAX_TEXT_LENGTH_LIMIT } from '@game-chat/protocol/limits';

/**
 * Where the page connects. `config.json` next to `index.html` gives the defaults: the local
 * stack serves one made from its own URLs, the deploy script writes one from Terraform's
 * outputs. A playtester may override every field from the page (kept in `localStorage`), so
 * one build can talk to any stack.
 */
export interface DemoSettings {
  /** MQTT over WebSocket: `ws://127.0.0.1:21884/mqtt` or `wss://<id>-ats.iot.<region>.amazonaws.com/mqtt`. */
  readonly endpoint: string;
  /** Base URL of the HTTP API (history and moderation). */
  readonly apiUrl: string;
  /** The IoT custom authorizer's name; leave it empty only for an endpoint's default authorizer. */
  readonly authorizerName?: string;
  /** The authorizer's token key name (Terraform's `authorizer_token_key_name`; default `token`). */
  readonly tokenKeyName?: string;
  /** `POST { playerId, name, role } → { token, signature }`: only a local stack has one. */
  readonly devTokenUrl?: string;
  /** `CHAT_TOPIC_PREFIX` of the deployment. */
  readonly topicPrefix?: string;
  /** `CHAT_MAX_TEXT` of the deployment, for the counter under the message box. */
  readonly maxTextLength: number;
}

/** What the SDK connects with; the dev-token URL is the page's own business. */
export function connectionOptions(settings: DemoSettings) {
  const { endpoint, apiUrl, authorizerName, tokenKeyName, topicPrefix, maxTextLength } = settings;
  return { endpoint, apiUrl, authorizerName, tokenKeyName, topicPrefix, maxTextLength };
}

/** A settings field the page cannot use; `field` names it. */
export class SettingsError extends Error {
  readonly code = 'invalid_settings';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SettingsError';
  }
}

/** Keys a settings object may carry, with what each must be. */
const TEXT_FIELDS = [
  'endpoint',
  'apiUrl',
  'authorizerName',
  'tokenKeyName',
  'devTokenUrl',
  'topicPrefix',
] as const;
type TextField = (typeof TEXT_FIELDS)[number];

const URL_PROTOCOLS: Readonly<Partial<Record<TextField, readonly string[]>>> = {
  endpoint: ['ws:', 'wss:'],
  apiUrl: ['http:', 'https:'],
  devTokenUrl: ['http:', 'https:'],
};

function checkUrl(field: TextField, value: string): void {
  const protocols = URL_PROTOCOLS[field];
  if (!protocols) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(field, `"${value}" is not a URL`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new SettingsError(
      field,
      `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );
  }
}

/**
 * Reads a settings object (the parsed `config.json`, or the page's settings form): strings
 * are trimmed, empty ones count as absent, unknown keys are ignored, `maxTextLength` defaults
 * to the protocol's 500. Throws `SettingsError` naming the first field that is missing, of the
 * wrong type, or a URL of the wrong kind.
 */
export function readSettings(input: unknown): DemoSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SettingsError('config', 'must be a JSON object');
  }
  const source = input as Readonly<Record<string, unknown>>;
  const field = (key: string) => (Object.hasOwn(source, key) ? source[key] : undefined);
  const text: Partial<Record<TextField, string>> = {};
  for (const key of TEXT_FIELDS) {
    const raw = field(key);
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string') throw new SettingsError(key, 'must be a string');
    const value = raw.trim();
    if (value === '') continue;
    checkUrl(key, value);
    text[key] = value;
  }
  const { endpoint, apiUrl } = text;
  if (endpoint === undefined) throw new SettingsError('endpoint', 'is required');
  if (apiUrl === undefined) throw new SettingsError('apiUrl', 'is required');
  const maxTextLength = field('maxTextLength') ?? DEFAULT_MAX_TEXT_LENGTH;
  if (
    typeof maxTextLength !== 'number' ||
    !Number.isInteger(maxTextLength) ||
    maxTextLength < 1 ||
    maxTextLength > MAX_TEXT_LENGTH_LIMIT
  ) {
    throw new SettingsError('maxTextLength', `must be a whole number 1-${MAX_TEXT_LENGTH_LIMIT}`);
  }
  return { ...text, endpoint, apiUrl, maxTextLength };
}
