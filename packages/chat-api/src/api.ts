import type { TokenVerifier } from '@game-chat/auth/tokens';
import { StoreInputError, StoreUnavailableError } from '@game-chat/chat-store/errors';
import type { ChatStore } from '@game-chat/chat-store/store';
import type { Logger } from '@game-chat/lambda-runtime/logger';
import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from '@game-chat/protocol/errors';
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
import type { Failure } from '@game-chat/protocol/result';
import type { ChatTopics } from '@game-chat/protocol/topics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type MatchedRoute, resolveRoute } from './routes.js';

export interface ChatApiDeps {
  readonly store: Pick<ChatStore, 'recent' | 'append' | 'remove' | 'mute' | 'unmute'>;
  readonly publish: (topic: string, message: ChatMessage) => Promise<unknown>;
  readonly verifier: TokenVerifier;
  readonly topics: ChatTopics;
  /** `CHAT_HISTORY_REQUIRE_AUTH`; when false, reads need no token. Moderation always does. */
  readonly requireAuth: boolean;
  /** `CHAT_MAX_TEXT`, for announcements. */
  readonly maxTextLength: number;
  readonly log: Pick<Logger, 'error'>;
}

/** Who is calling; `undefined` for an anonymous read when auth is off. */
interface Caller {
  readonly playerId: PlayerId;
  readonly role: Role;
  readonly channels: readonly string[] | undefined;
}

/** A refusal with its HTTP status; thrown inside an operation, answered as JSON. */
class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Headers = Record<string, string>;
type Response = APIGatewayProxyStructuredResultV2 & { headers: Headers };

interface RequestContext {
  readonly event: APIGatewayProxyEventV2;
  readonly parameters: Readonly<Record<string, string>>;
  readonly caller: Caller | undefined;
  readonly deps: ChatApiDeps;
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

function json(status: number, body: unknown, headers: Headers = {}): Response {
  return {
    statusCode: status,
    headers: { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function errorResponse(error: ApiError): Response {
  const body: ApiErrorBody = { error: { code: error.code, message: error.message } };
  const headers: Headers = error.code === 'unauthorized' ? { 'www-authenticate': 'Bearer' } : {};
  return json(API_ERROR_STATUS[error.code], body, headers);
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
  const { caller } = context;
  if (caller && !channelAllowed(channel.value, caller.channels)) {
    throw new ApiError('forbidden', `the token does not allow channel ${channel.value}`);
  }
  return channel.value;
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
    const parsed = parseHistoryQuery(channel, { after: query.after, limit: query.limit });
    if (!parsed.ok) throw fromFailure(parsed);
    const { after, limit } = parsed.value;
    const recent = await context.deps.store.recent(channel, { ...(after && { after }), limit });
    const response: HistoryResponse = {
      channel,
      messages: recent.messages,
      retentionSeconds: recent.retentionSeconds,
      recovered: recent.recovered,
    };
    return [200, response];
  },

  async announce(context) {
    const channel = requireChannel(context);
    const parsed = parseAnnouncementBody(body(context.event), context.deps.maxTextLength);
    if (!parsed.ok) throw fromFailure(parsed);
    const message = await appendAndPublish(context, channel, {
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
    if (!(await context.deps.store.remove(channel, id))) {
      throw new ApiError('not_found', `no message ${id} in channel ${channel}`);
    }
    // Stored too, so a client that reconnects with `after` learns of the removal.
    const message = await appendAndPublish(context, channel, {
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

  async unmutePlayer(context) {
    const playerId = validatePlayerId(context.parameters.playerId);
    if (!playerId.ok) throw fromFailure(playerId);
    const wasMuted = await context.deps.store.unmute(playerId.value);
    return [200, { playerId: playerId.value, muted: false, wasMuted }];
  },
};

async function appendAndPublish(
  context: RequestContext,
  channel: ChannelName,
  entry: { kind: 'system' | 'delete'; text: string; targetId?: string },
): Promise<ChatMessage> {
  const appended = await context.deps.store.append(channel, { ...entry, from: SYSTEM_SENDER });
  // Only the filter passes a channel rate limit; without one append always stores.
  if (appended.status === 'rate_limited') throw new Error('append refused: rate_limited');
  await context.deps.publish(context.deps.topics.room(channel), appended.message);
  return appended.message;
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
 * The HTTP API (SPEC §5) as one function of an API Gateway v2 event. It never throws: every
 * outcome is a response, errors are `{ error: { code, message } }` and never carry a stack.
 * API Gateway answers CORS itself (preflights, and the headers of every response), so the
 * function sets none.
 */
export async function handleApiRequest(
  event: APIGatewayProxyEventV2,
  deps: ChatApiDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const match = resolveRoute(event);
    if (!match) throw new ApiError('not_found', 'no such route');
    const context: RequestContext = {
      event,
      parameters: match.pathParameters,
      caller: await authorizeCaller(event, match, deps),
      deps,
    };
    const [status, result] = await operations[match.route.operation](context);
    return json(status, result);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    // Validation above should catch bad input first; the store's own check is the backstop.
    if (error instanceof StoreInputError)
      return errorResponse(new ApiError('invalid', error.message));
    if (error instanceof StoreUnavailableError) {
      deps.log.error('store unavailable', { error: error.message });
      return errorResponse(
        new ApiError('store_unavailable', 'the chat store is unavailable; try again shortly'),
      );
    }
    deps.log.error('request failed', { error });
    return errorResponse(new ApiError('internal', 'internal error'));
  }
}
