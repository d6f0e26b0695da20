import { isApiErrorCode } from '@game-chat/protocol/errors';
import {
  HISTORY_LIMIT_MAX,
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

export interface HistoryPageQuery {
  readonly after?: string | undefined;
  readonly limit?: number | undefined;
}

export interface MuteResult {
  /** When the mute ends, in milliseconds since the epoch. */
  readonly until: number;
}

export interface UnmuteResult {
  readonly wasMuted: boolean;
}

/** Messages after an id, gathered over as many pages as it takes. */
export interface HistorySince {
  readonly messages: readonly ChatMessage[];
  /** False when messages after `after` had already expired: the player missed some. */
  readonly recovered: boolean;
}

/** Pages one catch-up may read: the window holds at most `CHAT_HISTORY_MAX` (200) messages. */
const MAX_HISTORY_PAGES = 20;

function toChatMessage(value: unknown): ChatMessage | undefined {
  const checked = toServerMessage(value);
  return checked.ok && checked.value.kind !== 'notice' ? checked.value : undefined;
}

function unexpectedAnswer(): ChatError {
  return new ChatError('invalid', 'unexpected answer from the chat API');
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
  return new ChatError(code, message, { status: response.status });
}

/**
 * The HTTP API of SPEC §5: history for every player, moderation for moderators and admins.
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
    if (query.after !== undefined && !isMessageId(query.after)) {
      throw new ChatError('invalid', 'after must be a message id such as 1764081600123-0');
    }
    const search = new URLSearchParams();
    if (query.after !== undefined) search.set('after', query.after);
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
      recovered: response.recovered !== false,
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
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const answer = await this.history(channel, { after: cursor, limit: HISTORY_LIMIT_MAX });
      if (page === 0) recovered = answer.recovered;
      messages.push(...answer.messages);
      const last = answer.messages.at(-1)?.id;
      const advanced =
        last !== undefined && (cursor === undefined || compareMessageIds(last, cursor) > 0);
      if (answer.messages.length < HISTORY_LIMIT_MAX || !advanced || caughtUp(last)) break;
      cursor = last;
    }
    return { messages, recovered };
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
