/** Wire-format version carried as `v` in every message the server publishes. */
export const PROTOCOL_VERSION = 1;

/** SPEC §2: channel and player ids. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NAME_LENGTH = 64;
/** SPEC §2: the part after the dot of a client id (`alice.tab2`). */
export const CLIENT_SUFFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const MAX_DISPLAY_NAME_LENGTH = 32;
/** Default text limit in code points (`CHAT_MAX_TEXT`). */
export const DEFAULT_MAX_TEXT_LENGTH = 500;
/** The highest `CHAT_MAX_TEXT` a deployment may set: its text must still fit a send payload. */
export const MAX_TEXT_LENGTH_LIMIT = 4000;
/** Largest payload accepted on the `send` and `whisper` topics, in bytes. */
export const MAX_PAYLOAD_BYTES = 8 * 1024;
export const MAX_CLIENT_MSG_ID_LENGTH = 64;
/** Longest `expiresInMs` a send may carry: an hour is far beyond any send timeout. */
export const MAX_EXPIRES_IN_MS = 60 * 60 * 1000;
export const DEFAULT_TOPIC_PREFIX = 'chat';
/** History page size bounds (SPEC §5). */
export const HISTORY_LIMIT_MIN = 1;
export const HISTORY_LIMIT_MAX = 200;
export const HISTORY_LIMIT_DEFAULT = 50;
/** The most messages one channel may keep (`CHAT_HISTORY_MAX`, a class's cap). */
export const MAX_CHANNEL_MESSAGES = 10_000;
/** The longest a channel class may keep its messages: beyond a month, history belongs in a database. */
export const MAX_RETENTION_SECONDS = 30 * 24 * 60 * 60;
/** Longest mute a moderator may set: 30 days. */
export const MAX_MUTE_SECONDS = 30 * 24 * 60 * 60;
export const MAX_MUTE_REASON_LENGTH = 200;
