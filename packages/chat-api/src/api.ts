import type { TokenVerifier } from '@game-chat/auth/tokens';
import type { ChannelRetention, ChatStore } from '@game-chat/chat-store/store';
import type { HttpAnswerableError } from '@game-chat/lambda-runtime/middleware';
import type { Publisher } from '@game-chat/lambda-runtime/publisher';
import { createRetryBudget } from '@game-chat/lambda-runtime/retry';
import { API_ERROR_STATUS, type ApiErrorCode } from '@game-chat/protocol/errors';
import type { Operation } from '@game-chat/protocol/http';
import {
  type ChannelName,
  canModerate,
  channelAllowed,
  type PlayerId,
  type Role,
  validateChannel,
  validatePlayerId,
} from '@game-chat/protocol/names';
import {
  type ChatMessage,
  type HistoryResponse,
  isMessageId,
  parseAnnouncementBody,
  parseHistoryQuery,
  parseMuteBody,
  SYSTEM_SENDER,
} from '@game-chat/protocol/payloads';
import {
  type OccupancyResponse,
  type PresenceResponse,
  parseOccupancyQuery,
  parsePresenceQuery,
} from '@game-chat/protocol/presence';
import type { Failure } from '@game-chat/protocol/result';
import type { ChatTopics } from '@game-chat/protocol/topics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type MatchedRoute, resolveRoute } from './routes.js';

export interface ChatApiDeps {
  readonly store: Pick<
    ChatStore,
    'recent' | 'append' | 'remove' | 'mute' | 'unmute' | 'members' | 'occupancy'
  >;
  readonly publisher: Publisher;
  readonly verifier: TokenVerifier;
  readonly topics: ChatTopics;
  /** `CHAT_HISTORY_REQUIRE_AUTH`; when false, reads need no token. Moderation always does. */
  readonly requireAuth: boolean;
  /** `CHAT_MAX_TEXT`, for announcements. */
  readonly maxTextLength: number;
  /** A channel's window and cap: its class (`CHAT_CHANNEL_CLASSES`) or the history settings. */
  readonly retentionOf: (channel: ChannelName) => ChannelRetention;
}

/** What the invocation allows: Lambda's `context.getRemainingTimeInMillis`. */
export interface InvocationLimits {
  readonly remainingTimeMs: () => number;
}

/**
 * How long a stored announcement's or deletion's publish is retried inside the request when the
 * Data Plane fails transiently: a moderator is waiting, so seconds, not the filter's budget.
 */
export const PUBLISH_RETRY_BUDGET_MS = 2000;
/** Kept back from the function's timeout, so the 503 still goes out. */
const ANSWER_RESERVE_MS = 500;

/** Who is calling; `undefined` for an anonymous read when auth is off. */
interface Caller {
  readonly playerId: PlayerId;
  readonly role: Role;
  readonly channels: readonly string[] | undefined;
}

/**
 * A refusal or failure with its HTTP answer, thrown inside an operation; the handler's error
 * middleware (lambda-runtime) answers it as `{ error: { code, message } }`. The message is shown
 * for a 4xx, and for a 5xx only when `expose` says it tells the client something it must know.
 */
export class ApiError extends Error implements HttpAnswerableError {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly expose: boolean;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options: { readonly expose?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = API_ERROR_STATUS[code];
    this.expose = options.expose ?? this.status < 500;
  }
}

interface RequestContext {
  readonly event: APIGatewayProxyEventV2;
  readonly parameters: Readonly<Record<string, string>>;
  readonly caller: Caller | undefined;
  readonly deps: ChatApiDeps;
  readonly limits: InvocationLimits;
}

function fromFailure(failure: Failure): ApiError {
  return new ApiError(failure.code, failure.message);
}

/** Headers are lower-cased by API Gateway; a hand-made event may not be. */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function json(status: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

const BEARER = /^Bearer +([^\s]+) *$/i;

async function authenticate(
  event: APIGatewayProxyEventV2,
  verifier: TokenVerifier,
): Promise<Caller> {
  const authorization = header(event, 'authorization');
  if (authorization === undefined) throw new ApiError('unauthorized', 'a bearer token is required');
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) {
    throw new ApiError('unauthorized', 'the authorization header must be "Bearer <token>"');
  }
  const result = await verifier.verify(token);
  if (!result.ok) throw new ApiError('unauthorized', result.message);
  const { sub, role, channels } = result.claims;
  return { playerId: sub, role, channels };
}

function requireChannel(context: RequestContext): ChannelName {
  const channel = validateChannel(context.parameters.channel);
  if (!channel.ok) throw fromFailure(channel);
  requireAllowed(context, channel.value);
  return channel.value;
}

/** The token's `channels` claim must allow the channel (no claim: all). */
function requireAllowed(context: RequestContext, channel: ChannelName): void {
  const { caller } = context;
  if (caller && !channelAllowed(channel, caller.channels)) {
    throw new ApiError('forbidden', `the token does not allow channel ${channel}`);
  }
}

/** The request body as bytes: API Gateway base64-encodes bodies it considers binary. */
function body(event: APIGatewayProxyEventV2): string | Uint8Array {
  const raw = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64') : raw;
}

function requireCaller(context: RequestContext): Caller {
  if (context.caller === undefined)
    throw new ApiError('unauthorized', 'a bearer token is required');
  return context.caller;
}

const operations: Record<Operation, (context: RequestContext) => Promise<[number, unknown]>> = {
  async listMessages(context) {
    const channel = requireChannel(context);
    const query = context.event.queryStringParameters ?? {};
    const parsed = parseHistoryQuery(channel, {
      after: query.after,
      before: query.before,
      limit: query.limit,
    });
    if (!parsed.ok) throw fromFailure(parsed);
    const { after, before, limit } = parsed.value;
    const recent = await context.deps.store.recent(channel, {
      ...(after && { after }),
      ...(before && { before }),
      limit,
      retention: context.deps.retentionOf(channel),
    });
    const response: HistoryResponse = {
      channel,
      messages: recent.messages,
      retentionSeconds: recent.retentionSeconds,
      maxMessages: recent.maxMessages,
      recovered: recent.recovered,
      hasMore: recent.hasMore,
    };
    return [200, response];
  },

  async announce(context) {
    const channel = requireChannel(context);
    const parsed = parseAnnouncementBody(body(context.event), context.deps.maxTextLength);
    if (!parsed.ok) throw fromFailure(parsed);
    const message = await appendAndPublish(context, channel, 'announcement', {
      kind: 'system',
      text: parsed.value.text,
    });
    return [201, { message }];
  },

  async deleteMessage(context) {
    const channel = requireChannel(context);
    const id = context.parameters.id;
    if (!isMessageId(id))
      throw new ApiError('invalid', 'id must be a message id such as 1764081600123-0');
    const retention = context.deps.retentionOf(channel);
    if (!(await context.deps.store.remove(channel, id, { retention }))) {
      throw new ApiError('not_found', `no message ${id} in channel ${channel}`);
    }
    // Stored too, so a client that reconnects with `after` learns of the removal.
    const message = await appendAndPublish(context, channel, 'deletion', {
      kind: 'delete',
      text: '',
      targetId: id,
    });
    return [200, { message }];
  },

  async mutePlayer(context) {
    const playerId = validatePlayerId(context.parameters.playerId);
    if (!playerId.ok) throw fromFailure(playerId);
    const parsed = parseMuteBody(body(context.event));
    if (!parsed.ok) throw fromFailure(parsed);
    const { seconds, reason } = parsed.value;
    const { until } = await context.deps.store.mute(playerId.value, {
      seconds,
      ...(reason !== undefined && { reason }),
      by: requireCaller(context).playerId,
    });
    return [200, { playerId: playerId.value, muted: true, until }];
  },

  async listPresence(context) {
    const channel = requireChannel(context);
    const query = context.event.queryStringParameters ?? {};
    const parsed = parsePresenceQuery(channel, { limit: query.limit });
    if (!parsed.ok) throw fromFailure(parsed);
    const { count, members, truncated } = await context.deps.store.members(
      channel,
      parsed.value.limit,
    );
    const response: PresenceResponse = { channel, count, members, truncated };
    return [200, response];
  },

  async getOccupancy(context) {
    const query = context.event.queryStringParameters ?? {};
    const channels = parseOccupancyQuery(query.channels);
    if (!channels.ok) throw fromFailure(channels);
    for (const channel of channels.value) requireAllowed(context, channel);
    const response: OccupancyResponse = {
      counts: await context.deps.store.occupancy(channels.value),
    };
    return [200, response];
  },

  async unmutePlayer(context) {
    const playerId = validatePlayerId(context.parameters.playerId);
    if (!playerId.ok) throw fromFailure(playerId);
    const wasMuted = await context.deps.store.unmute(playerId.value);
    return [200, { playerId: playerId.value, muted: false, wasMuted }];
  },
};

/**
 * Stores the entry, then publishes it to the room. The publisher makes one attempt per call, so
 * a Data Plane blip is retried here for PUBLISH_RETRY_BUDGET_MS (never past the function's
 * timeout); after that the answer is 503 `publish_unavailable`, saying the entry is stored, so
 * the moderator does not send it twice.
 */
async function appendAndPublish(
  context: RequestContext,
  channel: ChannelName,
  what: 'announcement' | 'deletion',
  entry: { kind: 'system' | 'delete'; text: string; targetId?: string },
): Promise<ChatMessage> {
  const { store, publisher, topics, retentionOf } = context.deps;
  const appended = await store.append(
    channel,
    { ...entry, from: SYSTEM_SENDER },
    { retention: retentionOf(channel) },
  );
  // Only the filter passes a channel rate limit; without one append always stores.
  if (appended.status === 'rate_limited') throw new Error('append refused: rate_limited');
  const { message } = appended;
  const started = Date.now();
  const giveUpAt = started + context.limits.remainingTimeMs() - ANSWER_RESERVE_MS;
  const budget = createRetryBudget(Math.min(started + PUBLISH_RETRY_BUDGET_MS, giveUpAt), giveUpAt);
  try {
    await budget.run(() => publisher.publish(topics.room(channel), message, 1));
  } catch (error) {
    // Past the budget, or refused outright: either way the entry is stored. The middleware logs
    // this 503 with its cause (the last failure, and the attempts when the budget ran out).
    throw new ApiError(
      'publish_unavailable',
      `the ${what} was stored as ${message.id} but could not be published live; players see it in history, so do not send it again`,
      { expose: true, cause: error },
    );
  }
  return message;
}

async function authorizeCaller(
  event: APIGatewayProxyEventV2,
  match: MatchedRoute,
  deps: ChatApiDeps,
): Promise<Caller | undefined> {
  if (match.route.access === 'player' && !deps.requireAuth) return undefined;
  const found = await authenticate(event, deps.verifier);
  if (match.route.access === 'moderator' && !canModerate(found.role)) {
    throw new ApiError('forbidden', 'this route needs the moderator or admin role');
  }
  return found;
}

/**
 * The HTTP API (SPEC §5) as one function of an API Gateway v2 event. A success is a JSON
 * response; a refusal or failure is thrown (ApiError, or the store's typed errors) and the
 * handler's error middleware answers `{ error: { code, message } }`, never with a stack.
 * API Gateway answers CORS itself (preflights, and the headers of every response), so the
 * function sets none.
 */
export async function handleApiRequest(
  event: APIGatewayProxyEventV2,
  deps: ChatApiDeps,
  limits: InvocationLimits,
): Promise<APIGatewayProxyStructuredResultV2> {
  const match = resolveRoute(event);
  if (!match) throw new ApiError('not_found', 'no such route');
  const context: RequestContext = {
    event,
    parameters: match.pathParameters,
    caller: await authorizeCaller(event, match, deps),
    deps,
    limits,
  };
  const [status, result] = await operations[match.route.operation](context);
  return json(status, result);
}
