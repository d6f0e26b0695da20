import type { TokenVerifier } from '@game-chat/auth/tokens';
import type { ChannelRetention, ChatStore } from '@game-chat/chat-store/store';
import type { HttpAnswerableError } from '@game-chat/lambda-runtime/middleware';
import type { Publisher } from '@game-chat/lambda-runtime/publisher';
import { createInvocationBudget, type InvocationLimits } from '@game-chat/lambda-runtime/retry';
import { API_ERROR_STATUS, type ApiErrorCode } from '@game-chat/protocol/errors';
import type { Operation } from '@game-chat/protocol/http';
import { REPORT_CONTEXT_AFTER, REPORT_CONTEXT_BEFORE } from '@game-chat/protocol/limits';
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
import {
  isReportId,
  parseReportBody,
  parseReportsQuery,
  parseResolutionBody,
  parseSlowModeBody,
  type Report,
} from '@game-chat/protocol/safety';
import type { ChatTopics } from '@game-chat/protocol/topics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type MatchedRoute, resolveRoute } from './routes.js';

export interface ChatApiDeps {
  readonly store: Pick<
    ChatStore,
    | 'recent'
    | 'append'
    | 'remove'
    | 'mute'
    | 'unmute'
    | 'block'
    | 'unblock'
    | 'blocks'
    | 'evidence'
    | 'createReport'
    | 'getReport'
    | 'listReports'
    | 'resolveReport'
    | 'setSlowMode'
    | 'members'
    | 'occupancy'
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
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options: {
      readonly expose?: boolean;
      readonly cause?: unknown;
      readonly retryAfterMs?: number;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = API_ERROR_STATUS[code];
    this.expose = options.expose ?? this.status < 500;
    this.retryAfterMs = options.retryAfterMs;
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

function requireMessageId(context: RequestContext): string {
  const id = context.parameters.id;
  if (!isMessageId(id)) {
    throw new ApiError('invalid', 'id must be a message id such as 1764081600123-0');
  }
  return id;
}

/** The `{playerId}` of a block route: a valid id, not the caller's own. */
function requireOtherPlayer(context: RequestContext, caller: Caller): PlayerId {
  const playerId = validatePlayerId(context.parameters.playerId);
  if (!playerId.ok) throw fromFailure(playerId);
  if (playerId.value === caller.playerId) {
    throw new ApiError('invalid', 'a player cannot block themselves');
  }
  return playerId.value;
}

/**
 * Removes a message and stores and publishes its `delete` event; null when the message is not
 * (or no longer) in history.
 */
async function removeMessage(
  context: RequestContext,
  channel: ChannelName,
  id: string,
): Promise<ChatMessage | null> {
  const retention = context.deps.retentionOf(channel);
  if (!(await context.deps.store.remove(channel, id, { retention }))) return null;
  // Stored too, so a client that reconnects with `after` learns of the removal.
  return appendAndPublish(context, channel, 'deletion', { kind: 'delete', text: '', targetId: id });
}

/** Sets or clears a channel's slow mode and announces it as a `system` message. */
async function changeSlowMode(
  context: RequestContext,
  seconds: number,
): Promise<[number, unknown]> {
  const channel = requireChannel(context);
  await context.deps.store.setSlowMode(channel, seconds);
  const text =
    seconds === 0
      ? 'Slow mode is off'
      : `Slow mode is on: one message every ${seconds} second${seconds === 1 ? '' : 's'}`;
  const message = await appendAndPublish(context, channel, 'slow mode change', {
    kind: 'system',
    text,
    slowModeSeconds: seconds,
  });
  return [200, { channel, slowModeSeconds: seconds, message }];
}

/** A resolution's action, done with the moderation paths of the routes above. */
async function performResolution(
  context: RequestContext,
  report: Report,
  action: { readonly action: string; readonly seconds: number | undefined },
): Promise<Record<string, unknown>> {
  const moderator = requireCaller(context).playerId;
  if (action.action === 'delete') {
    // The report's channel and message id were checked when it was made.
    const channel = report.channel as ChannelName;
    const removed = await removeMessage(context, channel, report.messageId);
    return { removed: removed !== null };
  }
  if (action.action === 'mute' && action.seconds !== undefined) {
    const reported = validatePlayerId(report.evidence.message.from.id);
    if (!reported.ok) throw new ApiError('invalid', 'the reported message has no player sender');
    const { until } = await context.deps.store.mute(reported.value, {
      seconds: action.seconds,
      reason: `report ${report.reportId}: ${report.reason}`,
      by: moderator,
    });
    return { muted: { playerId: reported.value, until } };
  }
  return {};
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
      slowModeSeconds: recent.slowModeSeconds,
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
    const id = requireMessageId(context);
    const message = await removeMessage(context, channel, id);
    if (!message) throw new ApiError('not_found', `no message ${id} in channel ${channel}`);
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

  async blockPlayer(context) {
    const caller = requireCaller(context);
    const blocked = requireOtherPlayer(context, caller);
    const result = await context.deps.store.block(caller.playerId, blocked);
    if (result.status === 'full') {
      throw new ApiError('conflict', 'the block list is full: unblock someone first');
    }
    return [200, { id: blocked, since: result.since }];
  },

  async unblockPlayer(context) {
    const caller = requireCaller(context);
    const blocked = requireOtherPlayer(context, caller);
    const wasBlocked = await context.deps.store.unblock(caller.playerId, blocked);
    return [200, { id: blocked, wasBlocked }];
  },

  async listBlocks(context) {
    const caller = requireCaller(context);
    return [200, { blocks: await context.deps.store.blocks(caller.playerId) }];
  },

  async reportMessage(context) {
    const caller = requireCaller(context);
    const channel = requireChannel(context);
    const id = requireMessageId(context);
    const parsed = parseReportBody(body(context.event));
    if (!parsed.ok) throw fromFailure(parsed);
    const evidence = await context.deps.store.evidence(channel, id, {
      before: REPORT_CONTEXT_BEFORE,
      after: REPORT_CONTEXT_AFTER,
      retention: context.deps.retentionOf(channel),
    });
    if (!evidence) {
      throw new ApiError('not_found', `no message ${id} in channel ${channel}, or it has expired`);
    }
    if (evidence.message.kind !== 'chat') {
      throw new ApiError('invalid', "only players' chat messages can be reported");
    }
    if (evidence.message.from.id === caller.playerId) {
      throw new ApiError('invalid', 'a player cannot report their own message');
    }
    const created = await context.deps.store.createReport({
      reporter: caller.playerId,
      channel,
      reason: parsed.value.reason,
      note: parsed.value.note,
      evidence,
    });
    if (created.status === 'duplicate') {
      throw new ApiError('conflict', `this message was reported by you as ${created.reportId}`);
    }
    if (created.status === 'rate_limited') {
      throw new ApiError('rate_limited', 'too many reports: try again later', {
        retryAfterMs: created.retryAfterMs,
      });
    }
    return [201, { reportId: created.reportId }];
  },

  async listReports(context) {
    const query = context.event.queryStringParameters ?? {};
    const parsed = parseReportsQuery({
      status: query.status,
      limit: query.limit,
      after: query.after,
    });
    if (!parsed.ok) throw fromFailure(parsed);
    const page = await context.deps.store.listReports(parsed.value);
    // A moderator whose token names channels sees only their reports (a page may come out short).
    const { channels } = requireCaller(context);
    const reports = page.reports.filter((report) => channelAllowed(report.channel, channels));
    return [200, { ...page, reports }];
  },

  async resolveReport(context) {
    const reportId = context.parameters.reportId;
    if (!isReportId(reportId)) throw new ApiError('invalid', 'reportId must be 16 hex digits');
    const parsed = parseResolutionBody(body(context.event));
    if (!parsed.ok) throw fromFailure(parsed);
    const report = await context.deps.store.getReport(reportId);
    if (!report) throw new ApiError('not_found', `no report ${reportId}, or it has expired`);
    if (!channelAllowed(report.channel, requireCaller(context).channels)) {
      throw new ApiError('forbidden', `the token does not allow channel ${report.channel}`);
    }
    if (report.status !== 'open') {
      throw new ApiError('conflict', `report ${reportId} was resolved before`);
    }
    const done = await performResolution(context, report, parsed.value);
    const resolved = await context.deps.store.resolveReport(reportId, {
      action: parsed.value.action,
      by: requireCaller(context).playerId,
      note: parsed.value.note,
      seconds: parsed.value.seconds,
    });
    if (resolved.status !== 'resolved') {
      throw new ApiError('conflict', `report ${reportId} was resolved meanwhile`);
    }
    return [200, { report: resolved.report, ...done }];
  },

  async setSlowMode(context) {
    const parsed = parseSlowModeBody(body(context.event));
    if (!parsed.ok) throw fromFailure(parsed);
    return changeSlowMode(context, parsed.value.seconds);
  },

  clearSlowMode: (context) => changeSlowMode(context, 0),
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
  what: 'announcement' | 'deletion' | 'slow mode change',
  entry: { kind: 'system' | 'delete'; text: string; targetId?: string; slowModeSeconds?: number },
): Promise<ChatMessage> {
  const { store, publisher, topics, retentionOf } = context.deps;
  const appended = await store.append(
    channel,
    { ...entry, from: SYSTEM_SENDER },
    { retention: retentionOf(channel) },
  );
  // Only the filter passes a channel rate limit or a slow mode sender; without them append stores.
  if (appended.status === 'rate_limited' || appended.status === 'slow_mode') {
    throw new Error(`append refused: ${appended.status}`);
  }
  const { message } = appended;
  const budget = createInvocationBudget(context.limits, PUBLISH_RETRY_BUDGET_MS, ANSWER_RESERVE_MS);
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
 * The HTTP API (contract §5) as one function of an API Gateway v2 event. A success is a JSON
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
