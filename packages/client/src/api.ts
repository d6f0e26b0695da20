import { isApiErrorCode } from '@game-chat/protocol/errors';
import {
  HISTORY_LIMIT_MAX,
  MAX_CHANNEL_MESSAGES,
  MAX_MUTE_REASON_LENGTH,
  MAX_MUTE_SECONDS,
} from '@game-chat/protocol/limits';
import { validateChannel, validatePlayerId } from '@game-chat/protocol/names';
import {
  type ChatMessage,
  compareMessageIds,
  type HistoryResponse,
  isMessageId,
  toServerMessage,
} from '@game-chat/protocol/payloads';
import {
  isCount,
  OCCUPANCY_MAX_CHANNELS,
  PRESENCE_LIMIT_MAX,
  PRESENCE_LIMIT_MIN,
  type PresenceMember,
} from '@game-chat/protocol/presence';
import {
  type BlockEntry,
  isReportId,
  parseReportsQuery,
  type Report,
  type ReportReason,
  type ReportStatus,
  type ReportsPage,
  type ResolutionAction,
  validateReportRequest,
  validateResolutionRequest,
  validateSlowModeSeconds,
} from '@game-chat/protocol/safety';
import { normalizeText } from '@game-chat/protocol/text';
import { ChatError, validOrThrow } from './errors.js';

export interface ChatApiOptions {
  /** Base URL of the HTTP API, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  readonly apiUrl: string;
  /** A valid player token for the `Authorization` header. */
  readonly getToken: () => Promise<string>;
  readonly timeoutMs: number;
  readonly maxTextLength: number;
}

/** One page: the newest, the one just older than `before`, or the one just newer than `after`. */
export interface HistoryPageQuery {
  readonly after?: string | undefined;
  readonly before?: string | undefined;
  readonly limit?: number | undefined;
}

export interface MuteResult {
  /** When the mute ends, in milliseconds since the epoch. */
  readonly until: number;
}

export interface UnmuteResult {
  readonly wasMuted: boolean;
}

/** Who is in a channel (`GET /channels/{channel}/presence`). */
export interface MemberList {
  readonly count: number;
  readonly members: readonly PresenceMember[];
  /** More members than listed (`limit`). */
  readonly truncated: boolean;
}

function isMember(value: unknown): value is PresenceMember {
  const member = value as { id?: unknown; name?: unknown } | null;
  return typeof member?.id === 'string' && typeof member.name === 'string';
}

/** Messages after an id, gathered over as many pages as it takes. */
export interface HistorySince {
  readonly messages: readonly ChatMessage[];
  /** False when messages after `after` had already expired: the player missed some. */
  readonly recovered: boolean;
  /** The channel's slow mode as the last page said; 0 when off. */
  readonly slowModeSeconds: number;
}

export interface ReportsQueryOptions {
  readonly status?: ReportStatus;
  readonly limit?: number;
  readonly after?: string;
}

export interface ResolveOptions {
  /** `mute`: for how long. */
  readonly seconds?: number;
  readonly note?: string;
}

/** What resolving a report did, besides recording it. */
export interface ResolveResult {
  readonly report: Report;
  /** `delete`: false when the message had already left history. */
  readonly removed?: boolean;
  /** `mute`: who, and until when. */
  readonly muted?: { readonly playerId: string; readonly until: number };
}

export interface SlowModeResult {
  readonly channel: string;
  readonly slowModeSeconds: number;
  /** The `system` message that announced the change. */
  readonly message: ChatMessage;
}

/** Pages one catch-up may read: a channel holds at most MAX_CHANNEL_MESSAGES (its class's cap). */
const MAX_HISTORY_PAGES = MAX_CHANNEL_MESSAGES / HISTORY_LIMIT_MAX;

function toChatMessage(value: unknown): ChatMessage | undefined {
  const checked = toServerMessage(value);
  return checked.ok && checked.value.kind !== 'notice' ? checked.value : undefined;
}

function unexpectedAnswer(): ChatError {
  return new ChatError('invalid', 'unexpected answer from the chat API');
}

function slowModeAnswer(answer: unknown): SlowModeResult {
  const seconds = (answer as { slowModeSeconds?: unknown } | undefined)?.slowModeSeconds;
  const channel = (answer as { channel?: unknown } | undefined)?.channel;
  if (typeof seconds !== 'number' || typeof channel !== 'string') throw unexpectedAnswer();
  return { channel, slowModeSeconds: seconds, message: messageOf(answer) };
}

/** `{ message }` answers of the moderation routes. */
function messageOf(answer: unknown): ChatMessage {
  const message = toChatMessage((answer as { message?: unknown } | undefined)?.message);
  if (!message) throw unexpectedAnswer();
  return message;
}

async function errorFromResponse(response: Response): Promise<ChatError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = isApiErrorCode(error?.code) ? error.code : (`http_${response.status}` as const);
  const message =
    typeof error?.message === 'string'
      ? error.message
      : `HTTP ${response.status} from the chat API`;
  const retryAfterMs = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return new ChatError(code, message, {
    status: response.status,
    ...(typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) ? { retryAfterMs } : {}),
  });
}

/**
 * The HTTP API of contract §5: history for every player, moderation for moderators and admins.
 * Arguments are validated with the protocol's rules before any request is made.
 */
export class ChatApi {
  readonly #base: string;

  constructor(readonly options: ChatApiOptions) {
    this.#base = options.apiUrl.replace(/\/+$/, '');
  }

  /** One page of a channel's history, oldest first. */
  async history(channel: string, query: HistoryPageQuery = {}): Promise<HistoryResponse> {
    const name = validOrThrow(validateChannel(channel));
    const search = new URLSearchParams();
    for (const cursor of ['after', 'before'] as const) {
      const id = query[cursor];
      if (id === undefined) continue;
      if (!isMessageId(id)) {
        throw new ChatError('invalid', `${cursor} must be a message id such as 1764081600123-0`);
      }
      search.set(cursor, id);
    }
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    const suffix = search.size > 0 ? `?${search}` : '';
    const body = await this.#request('GET', `/channels/${name}/messages${suffix}`);
    const response = body as Partial<HistoryResponse> | undefined;
    if (!Array.isArray(response?.messages)) {
      throw new ChatError('invalid', 'history answer has no messages list');
    }
    const messages = response.messages
      .map(toChatMessage)
      .filter((message): message is ChatMessage => message !== undefined);
    return {
      channel: name,
      messages,
      retentionSeconds: Number(response.retentionSeconds),
      maxMessages: Number(response.maxMessages),
      recovered: response.recovered !== false,
      hasMore: response.hasMore === true,
      slowModeSeconds: Number(response.slowModeSeconds) || 0,
    };
  }

  /**
   * Every message after `after` (or the whole window), page by page. `caughtUp(lastId)` lets
   * the caller stop early once the pages reach messages it already received live.
   */
  async historySince(
    channel: string,
    after: string | undefined,
    caughtUp: (lastId: string) => boolean = () => false,
  ): Promise<HistorySince> {
    const messages: ChatMessage[] = [];
    let cursor = after;
    let recovered = true;
    let slowModeSeconds = 0;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const answer = await this.history(channel, { after: cursor, limit: HISTORY_LIMIT_MAX });
      if (page === 0) recovered = answer.recovered;
      slowModeSeconds = answer.slowModeSeconds;
      messages.push(...answer.messages);
      const last = answer.messages.at(-1)?.id;
      const advanced =
        last !== undefined && (cursor === undefined || compareMessageIds(last, cursor) > 0);
      // The newest page ends at the newest message; an `after` page says whether newer are left.
      if (cursor === undefined || !answer.hasMore || !advanced || caughtUp(last)) break;
      cursor = last;
    }
    return { messages, recovered, slowModeSeconds };
  }

  /** Posts a `system` message to a channel (moderator or admin); resolves with it. */
  async announce(channel: string, text: string): Promise<ChatMessage> {
    const name = validOrThrow(validateChannel(channel));
    const body = validOrThrow(normalizeText(text, this.options.maxTextLength));
    return messageOf(
      await this.#request('POST', `/channels/${name}/announcements`, { text: body.text }),
    );
  }

  /**
   * Removes a message from history and tells every client to drop it (moderator or admin);
   * resolves with the `delete` event. `not_found` when the message is not (or no longer) stored.
   */
  async deleteMessage(channel: string, id: string): Promise<ChatMessage> {
    const name = validOrThrow(validateChannel(channel));
    if (!isMessageId(id)) {
      throw new ChatError('invalid', 'id must be a message id such as 1764081600123-0');
    }
    return messageOf(await this.#request('DELETE', `/channels/${name}/messages/${id}`));
  }

  /** Refuses a player's messages for `seconds` (moderator or admin); resolves with when it ends. */
  async mute(playerId: string, seconds: number, reason?: string): Promise<MuteResult> {
    const player = validOrThrow(validatePlayerId(playerId));
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_MUTE_SECONDS) {
      throw new ChatError('invalid', `seconds must be a whole number 1-${MAX_MUTE_SECONDS}`);
    }
    const checkedReason =
      reason === undefined
        ? undefined
        : validOrThrow(normalizeText(reason, MAX_MUTE_REASON_LENGTH)).text;
    const answer = await this.#request('PUT', `/players/${player}/mute`, {
      seconds,
      reason: checkedReason,
    });
    const until = (answer as { until?: unknown } | undefined)?.until;
    if (typeof until !== 'number') throw unexpectedAnswer();
    return { until };
  }

  /** Lifts a mute (moderator or admin); `wasMuted` tells whether there was one. */
  async unmute(playerId: string): Promise<UnmuteResult> {
    const player = validOrThrow(validatePlayerId(playerId));
    const answer = await this.#request('DELETE', `/players/${player}/mute`);
    return { wasMuted: (answer as { wasMuted?: unknown } | undefined)?.wasMuted === true };
  }

  /** Who is in a channel: at most `limit` members (1-1,000, default 100) and the count. */
  async members(channel: string, limit?: number): Promise<MemberList> {
    const name = validOrThrow(validateChannel(channel));
    if (
      limit !== undefined &&
      !(Number.isInteger(limit) && limit >= PRESENCE_LIMIT_MIN && limit <= PRESENCE_LIMIT_MAX)
    ) {
      throw new ChatError(
        'invalid',
        `limit must be a whole number ${PRESENCE_LIMIT_MIN}-${PRESENCE_LIMIT_MAX}`,
      );
    }
    const suffix = limit === undefined ? '' : `?limit=${limit}`;
    const answer = (await this.#request('GET', `/channels/${name}/presence${suffix}`)) as
      | { count?: unknown; members?: unknown; truncated?: unknown }
      | undefined;
    if (!isCount(answer?.count) || !Array.isArray(answer.members)) throw unexpectedAnswer();
    return {
      count: answer.count,
      members: answer.members.filter(isMember).map(({ id, name }) => ({ id, name })),
      truncated: answer.truncated === true,
    };
  }

  /** How many players are in each of 1-100 distinct channels, without joining them. */
  async occupancy(channels: readonly string[]): Promise<Record<string, number>> {
    if (!Array.isArray(channels) || channels.length === 0) {
      throw new ChatError('invalid', 'channels must list at least one channel');
    }
    if (channels.length > OCCUPANCY_MAX_CHANNELS) {
      throw new ChatError('invalid', `at most ${OCCUPANCY_MAX_CHANNELS} channels at once`);
    }
    const names = channels.map((channel) => validOrThrow(validateChannel(channel)));
    if (new Set(names).size !== names.length) {
      throw new ChatError('invalid', 'channels must not repeat a name');
    }
    const answer = (await this.#request('GET', `/occupancy?channels=${names.join(',')}`)) as
      | { counts?: Record<string, unknown> }
      | undefined;
    const counts: Record<string, number> = {};
    for (const name of names) {
      const count = answer?.counts?.[name];
      if (!isCount(count)) throw unexpectedAnswer();
      counts[name] = count;
    }
    return counts;
  }

  /** Blocks a player for this player (`PUT /players/me/blocks/{id}`); resolves with the entry. */
  async block(playerId: string): Promise<BlockEntry> {
    const player = validOrThrow(validatePlayerId(playerId));
    const answer = (await this.#request('PUT', `/players/me/blocks/${player}`)) as
      | { since?: unknown }
      | undefined;
    if (typeof answer?.since !== 'number') throw unexpectedAnswer();
    return { id: player, since: answer.since };
  }

  /** Unblocks a player; `wasBlocked` tells whether the player was blocked. */
  async unblock(playerId: string): Promise<{ readonly wasBlocked: boolean }> {
    const player = validOrThrow(validatePlayerId(playerId));
    const answer = await this.#request('DELETE', `/players/me/blocks/${player}`);
    return { wasBlocked: (answer as { wasBlocked?: unknown } | undefined)?.wasBlocked === true };
  }

  /** This player's block list, oldest first. */
  async blocks(): Promise<BlockEntry[]> {
    const answer = (await this.#request('GET', '/players/me/blocks')) as
      | { blocks?: unknown }
      | undefined;
    if (!Array.isArray(answer?.blocks)) throw unexpectedAnswer();
    return answer.blocks.flatMap((entry: { id?: unknown; since?: unknown }) => {
      const id = validatePlayerId(entry?.id);
      return id.ok && typeof entry.since === 'number' ? [{ id: id.value, since: entry.since }] : [];
    });
  }

  /**
   * Reports a message; the server copies it and its context as evidence. `conflict` when this
   * player reported it before, `rate_limited` (with `retryAfterMs`) after too many reports,
   * `not_found` when it is no longer in history.
   */
  async report(
    channel: string,
    messageId: string,
    reason: ReportReason,
    note?: string,
  ): Promise<{ readonly reportId: string }> {
    const name = validOrThrow(validateChannel(channel));
    if (!isMessageId(messageId)) {
      throw new ChatError('invalid', 'messageId must be a message id such as 1764081600123-0');
    }
    const request = validOrThrow(validateReportRequest(reason, note));
    const answer = await this.#request(
      'POST',
      `/channels/${name}/messages/${messageId}/reports`,
      request,
    );
    const reportId = (answer as { reportId?: unknown } | undefined)?.reportId;
    if (!isReportId(reportId)) throw unexpectedAnswer();
    return { reportId };
  }

  /** Moderators: a page of the report queue, oldest first; pass `next` as `after` for more. */
  async reports(options: ReportsQueryOptions = {}): Promise<ReportsPage> {
    const query = {
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.limit === undefined ? {} : { limit: String(options.limit) }),
      ...(options.after === undefined ? {} : { after: options.after }),
    };
    validOrThrow(parseReportsQuery(query));
    const search = new URLSearchParams(query);
    const suffix = search.size > 0 ? `?${search}` : '';
    const answer = (await this.#request('GET', `/reports${suffix}`)) as ReportsPage | undefined;
    if (!Array.isArray(answer?.reports)) throw unexpectedAnswer();
    return answer;
  }

  /** Moderators: resolves a report, doing its action (`delete` the message, `mute` its sender). */
  async resolveReport(
    reportId: string,
    action: ResolutionAction,
    options: ResolveOptions = {},
  ): Promise<ResolveResult> {
    if (!isReportId(reportId)) throw new ChatError('invalid', 'reportId must be 16 hex digits');
    const body = validOrThrow(validateResolutionRequest(action, options.seconds, options.note));
    const answer = (await this.#request('POST', `/reports/${reportId}/resolution`, body)) as
      | ResolveResult
      | undefined;
    if (typeof answer?.report !== 'object' || answer.report === null) throw unexpectedAnswer();
    return answer;
  }

  /** Moderators: one message per player per `seconds` (1-600) in a channel. */
  async setSlowMode(channel: string, seconds: number): Promise<SlowModeResult> {
    const name = validOrThrow(validateChannel(channel));
    validOrThrow(validateSlowModeSeconds(seconds));
    return slowModeAnswer(await this.#request('PUT', `/channels/${name}/slow-mode`, { seconds }));
  }

  /** Moderators: turns a channel's slow mode off. */
  async clearSlowMode(channel: string): Promise<SlowModeResult> {
    const name = validOrThrow(validateChannel(channel));
    return slowModeAnswer(await this.#request('DELETE', `/channels/${name}/slow-mode`));
  }

  async #request(method: string, path: string, json?: object): Promise<unknown> {
    const token = await this.options.getToken();
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        body: json === undefined ? null : JSON.stringify(json),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw timedOut
        ? new ChatError('timeout', `${method} ${path}: no answer in ${this.options.timeoutMs} ms`)
        : new ChatError('network', `${method} ${path}: the chat API could not be reached`, {
            cause: error,
          });
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined;
    const text = await response.text();
    try {
      return text.length === 0 ? undefined : JSON.parse(text);
    } catch (error) {
      throw new ChatError('invalid', `${method} ${path}: the answer is not JSON`, { cause: error });
    }
  }
}
