/** Wire-format version carried as `v` in every message the server publishes. */
export const PROTOCOL_VERSION = 1;

/** contract §2: channel and player ids. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NAME_LENGTH = 64;
/** contract §2: the part after the dot of a client id (`alice.tab2`). */
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
/** History page size bounds (contract §5). */
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
/** Default most players one player may block (`CHAT_MAX_BLOCKS`). */
export const DEFAULT_MAX_BLOCKS = 500;
/** Longest note on a report or a resolution, in code points. */
export const MAX_REPORT_NOTE_LENGTH = 500;
/** Messages before and after the reported one that a report copies, when still in history. */
export const REPORT_CONTEXT_BEFORE = 20;
export const REPORT_CONTEXT_AFTER = 5;
/** Reports one player may make per window: a reporter cannot flood the moderators' queue. */
export const REPORTS_PER_WINDOW = 10;
export const REPORT_RATE_WINDOW_SECONDS = 600;
/** Default days a report is kept (`CHAT_REPORT_RETENTION_DAYS`). */
export const DEFAULT_REPORT_RETENTION_DAYS = 30;
/** Moderators' report page size bounds. */
export const REPORTS_LIMIT_MIN = 1;
export const REPORTS_LIMIT_MAX = 100;
export const REPORTS_LIMIT_DEFAULT = 20;
/** Slow mode interval bounds: one message per player per interval. */
export const SLOW_MODE_MIN_SECONDS = 1;
export const SLOW_MODE_MAX_SECONDS = 600;
