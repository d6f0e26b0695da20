import {
  type Admission,
  type AdmitInput,
  type AdmitResult,
  type AppendResult,
  type ChatStore,
  isAdmission,
} from '@game-chat/chat-store/store';
import { createRetentionResolver } from '@game-chat/lambda-runtime/channel-classes';
import type { ChatConfig } from '@game-chat/lambda-runtime/config';
import type { Publisher } from '@game-chat/lambda-runtime/publisher';
import {
  createInvocationBudget,
  createRetryBudget,
  type InvocationLimits,
  type RetryBudget,
  RetryBudgetExhaustedError,
} from '@game-chat/lambda-runtime/retry';
import type { NoticeCode } from '@game-chat/protocol/errors';
import { PROTOCOL_VERSION } from '@game-chat/protocol/limits';
import { type ChannelName, type PlayerId, parseClientId } from '@game-chat/protocol/names';
import {
  type ChatMessage,
  type Notice,
  parseJsonObject,
  parseSendPayload,
  validateClientMsgId,
} from '@game-chat/protocol/payloads';
import { createTopics } from '@game-chat/protocol/topics';
import { type ChatRuleEvent, parseRuleEvent } from './event.js';
import type { ProfanityFilter } from './profanity.js';

export type FilterConfig = Pick<
  ChatConfig,
  | 'topicPrefix'
  | 'maxTextLength'
  | 'rateBurst'
  | 'ratePerSecond'
  | 'channelRatePerSecond'
  | 'retryBudgetMs'
  | 'maxEventAgeSeconds'
  | 'channelClasses'
  | 'historySeconds'
  | 'historyMax'
>;

/** Where dropped events and outages are reported; the Powertools logger fits. */
export interface FilterLog {
  warn(message: string, extra: Record<string, unknown>): void;
}

/** When the sender of an `unavailable` notice should send the same message again. */
export const UNAVAILABLE_RETRY_AFTER_MS = 2000;
/**
 * Time kept back from the function's timeout for the `unavailable` notice, so that it goes out
 * before Lambda stops the invocation.
 */
export const NOTICE_RESERVE_MS = 1000;
/** The notice itself may use what is left, short of the timeout. */
const TIMEOUT_MARGIN_MS = 100;

export interface MessageFilterDeps {
  readonly store: ChatStore;
  readonly publisher: Publisher;
  readonly config: FilterConfig;
  readonly profanity: ProfanityFilter;
  readonly log?: FilterLog;
}

/** What became of one rule event (for logs and tests; Lambda ignores the return value). */
export type FilterOutcome =
  | { readonly status: 'published'; readonly message: ChatMessage }
  | { readonly status: 'refused'; readonly code: NoticeCode }
  | { readonly status: 'duplicate' }
  | { readonly status: 'dropped'; readonly reason: string }
  /** Older than the maximum event age: dropped rather than risk storing it twice. */
  | { readonly status: 'expired'; readonly ageMs: number }
  /** Redis or the Data Plane stayed down through the budget; the sender was told to resend. */
  | { readonly status: 'unavailable'; readonly attempts: number };

/** A channel message that passed validation and moderation, with its admission to make. */
interface AcceptedRequest {
  readonly event: ChatRuleEvent;
  readonly admission: AdmitInput;
  readonly clientMsgId: string | undefined;
  readonly text: string;
  readonly moderated: boolean;
  /** When the sender stops waiting for it (epoch ms, from its `expiresInMs`), if it said. */
  readonly expiresAt: number | undefined;
}

/** A whisper that passed validation, admission and moderation. */
interface Accepted {
  readonly event: ChatRuleEvent;
  readonly admission: Admission;
  readonly from: { readonly id: PlayerId; readonly name: string };
  readonly clientMsgId: string | undefined;
  readonly text: string;
  readonly moderated: boolean;
  /** When the sender stops waiting for it (epoch ms, from its `expiresInMs`), if it said. */
  readonly expiresAt: number | undefined;
}

/**
 * Past `expiresAt` the sender's `send()` has settled (or is about to) without this message: storing
 * or delivering it now would show players a message its sender was told did not go out.
 */
function senderGaveUp(expiresAt: number | undefined): boolean {
  return expiresAt !== undefined && Date.now() > expiresAt;
}

export interface MessageFilter {
  /**
   * Handles one rule event. Refusals become a notice on the sender's inbox and return
   * normally. Redis and Data Plane failures are retried within the budget; when it runs out the
   * sender gets an `unavailable` notice, and when even that cannot be published the handler
   * throws, so Lambda's async retry runs the event again.
   */
  handle(event: unknown, limits?: InvocationLimits): Promise<FilterOutcome>;
}

/** A whisper's id: stable for a redelivered event, so recipients de-duplicate. */
export function whisperId(event: Pick<ChatRuleEvent, 'receivedAt' | 'ingestId'>): string {
  const hex = event.ingestId.replace(/-/g, '').slice(0, 12);
  return `${event.receivedAt}-${Number.parseInt(hex, 16)}`;
}

interface NoticeExtra {
  readonly clientMsgId?: string | undefined;
  readonly retryAfterMs?: number;
}

/** The payload's clientMsgId when it is valid, to echo in a notice about another problem. */
function echoableClientMsgId(payload: Uint8Array): string | undefined {
  const body = parseJsonObject(payload);
  if (!body.ok || !Object.hasOwn(body.value, 'clientMsgId')) return undefined;
  const clientMsgId = validateClientMsgId(body.value.clientMsgId);
  return clientMsgId.ok ? clientMsgId.value : undefined;
}

export function createMessageFilter(deps: MessageFilterDeps): MessageFilter {
  return new ChatMessageFilter(deps);
}

/** The filter's steps, a method each, around dependencies and settings read once. */
class ChatMessageFilter implements MessageFilter {
  readonly #store: ChatStore;
  readonly #publisher: Publisher;
  readonly #config: FilterConfig;
  readonly #profanity: ProfanityFilter;
  readonly #log: FilterLog | undefined;
  readonly #topics: ReturnType<typeof createTopics>;
  readonly #rate: { readonly burst: number; readonly perSecond: number };
  readonly #retentionOf: ReturnType<typeof createRetentionResolver>;

  constructor({ store, publisher, config, profanity, log }: MessageFilterDeps) {
    this.#store = store;
    this.#publisher = publisher;
    this.#config = config;
    this.#profanity = profanity;
    this.#log = log;
    this.#topics = createTopics(config.topicPrefix);
    this.#rate = { burst: config.rateBurst, perSecond: config.ratePerSecond };
    this.#retentionOf = createRetentionResolver(config);
  }

  #notice(code: NoticeCode, detail: string, extra: NoticeExtra): Notice {
    return {
      v: PROTOCOL_VERSION,
      kind: 'notice',
      code,
      ...(extra.clientMsgId === undefined ? {} : { clientMsgId: extra.clientMsgId }),
      detail,
      ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    };
  }

  async #refuse(
    budget: RetryBudget,
    to: PlayerId,
    code: NoticeCode,
    detail: string,
    extra: NoticeExtra = {},
  ): Promise<FilterOutcome> {
    await budget.run(() =>
      this.#publisher.publish(this.#topics.inbox(to), this.#notice(code, detail, extra), 1),
    );
    return { status: 'refused', code };
  }

  /** The admission's refusals; `completed`: delivered by an earlier try, nothing left to do. */
  #refuseAdmission(
    budget: RetryBudget,
    senderId: PlayerId,
    refused: Exclude<AdmitResult, Admission>,
    clientMsgId: string | undefined,
  ): Promise<FilterOutcome> {
    if (refused.status === 'completed') return Promise.resolve({ status: 'duplicate' });
    if (refused.status === 'muted') {
      const reason = refused.reason === undefined ? '' : `: ${refused.reason}`;
      return this.#refuse(
        budget,
        senderId,
        'muted',
        `You are muted until ${new Date(refused.until).toISOString()}${reason}`,
        { clientMsgId },
      );
    }
    return this.#refuse(
      budget,
      senderId,
      'rate_limited',
      `Slow down: ${this.#rate.burst} messages at once, then ${this.#rate.perSecond} per second`,
      { clientMsgId, retryAfterMs: refused.retryAfterMs },
    );
  }

  /** The sender stopped waiting before the message could be stored or delivered. */
  #tooLate(budget: RetryBudget, to: PlayerId, clientMsgId: string | undefined) {
    return this.#refuse(
      budget,
      to,
      'unavailable',
      'Your message expired before chat could take it',
      {
        clientMsgId,
      },
    );
  }

  /**
   * Marks the admission completed once its message went out. If that fails, a later retry may
   * publish the message again with the same id, which clients de-duplicate.
   */
  async #complete(playerId: PlayerId, key: string, id: string): Promise<void> {
    try {
      await this.#store.completeAdmission(playerId, key);
    } catch (error) {
      this.#log?.warn('could not complete the admission; a retry may publish it again', {
        id,
        error,
      });
    }
  }

  /**
   * A channel message that passed moderation: admitted and stored in one store call (one round
   * trip on one node), then published.
   */
  async #postToChannel(
    budget: RetryBudget,
    channel: ChannelName,
    request: AcceptedRequest,
  ): Promise<FilterOutcome> {
    const { event, admission, clientMsgId, text, moderated, expiresAt } = request;
    const senderId = admission.playerId;
    // Checked before every try: an outage's retries must not store what the sender gave up on.
    const posted = await budget.run(async () =>
      senderGaveUp(expiresAt)
        ? null
        : this.#store.post({
            admission,
            channel,
            // The display name the authorizer recorded replaces the id when there is one.
            entry: {
              kind: 'chat',
              from: { id: senderId, name: senderId },
              text,
              ingestId: event.ingestId,
              ...(clientMsgId === undefined ? {} : { clientMsgId }),
              ...(moderated ? { moderated } : {}),
            },
            options: {
              retention: this.#retentionOf(channel),
              channelRatePerSecond: this.#config.channelRatePerSecond,
              receivedAt: event.receivedAt,
            },
            // A try held up by an outage may reach Redis after the sender gave up: checked there.
            ...(expiresAt === undefined ? {} : { expiresAt }),
          }),
    );
    if (posted === null || posted.status === 'expired') {
      return this.#tooLate(budget, senderId, clientMsgId);
    }
    if (posted.status !== 'posted') {
      return this.#refuseAdmission(budget, senderId, posted, clientMsgId);
    }
    return this.#publishToChannel(budget, channel, posted.appended, request, posted.admission.key);
  }

  /** The channel's answer: its refusal, or the stored message published under its id. */
  async #publishToChannel(
    budget: RetryBudget,
    channel: ChannelName,
    appended: AppendResult,
    request: AcceptedRequest,
    admissionKey: string,
  ): Promise<FilterOutcome> {
    const { clientMsgId, expiresAt } = request;
    const { playerId } = request.admission;
    if (appended.status === 'slow_mode') {
      return this.#refuse(
        budget,
        playerId,
        'rate_limited',
        `Slow mode: one message every ${appended.seconds} seconds in this channel`,
        { clientMsgId, retryAfterMs: appended.retryAfterMs },
      );
    }
    if (appended.status === 'rate_limited') {
      return this.#refuse(
        budget,
        playerId,
        'rate_limited',
        'This channel is busy: try again shortly',
        {
          clientMsgId,
          retryAfterMs: appended.retryAfterMs,
        },
      );
    }
    // Stored now, or by an earlier try of this admission whose publish may not have gone out:
    // published either way, under the stored id, unless the sender gave up meanwhile (contract
    // §3): then it stays in history for a later join, and nobody is shown it live.
    const { message } = appended;
    const published = await budget.run(async () => {
      if (senderGaveUp(expiresAt)) return false;
      await this.#publisher.publish(this.#topics.room(channel), message, 1);
      return true;
    });
    if (!published) return this.#tooLate(budget, playerId, clientMsgId);
    await this.#complete(playerId, admissionKey, message.id);
    return { status: 'published', message };
  }

  async #deliverWhisper(
    budget: RetryBudget,
    to: PlayerId,
    accepted: Accepted,
  ): Promise<FilterOutcome> {
    const { event, admission, from, clientMsgId, text, moderated, expiresAt } = accepted;
    // A resend goes out under the first try's id, so recipients de-duplicate it.
    const id = admission.whisperId ?? whisperId(event);
    const message: ChatMessage = {
      v: PROTOCOL_VERSION,
      id,
      kind: 'whisper',
      from,
      to: { id: to },
      text,
      sentAt: Number(id.slice(0, id.indexOf('-'))),
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
      ...(moderated ? { moderated: true as const } : {}),
    };
    const inboxes = new Set<PlayerId>([to, from.id]);
    // Each copy is retried on its own; one that went out and is published again carries the
    // same id, which clients de-duplicate.
    const published = await Promise.all(
      [...inboxes].map((player) =>
        budget.run(async () => {
          if (senderGaveUp(expiresAt)) return false;
          await this.#publisher.publish(this.#topics.inbox(player), message, 1);
          return true;
        }),
      ),
    );
    if (published.includes(false)) return this.#tooLate(budget, from.id, clientMsgId);
    await this.#complete(from.id, admission.key, id);
    return { status: 'published', message };
  }

  /** Validation, admission, moderation and delivery, every Redis and Data Plane call retried. */
  async #process(event: ChatRuleEvent, budget: RetryBudget): Promise<FilterOutcome> {
    // The connection names the sender; nothing in the payload can.
    const client = parseClientId(event.clientId);
    if (!client.ok) {
      this.#log?.warn('dropped an event without a player client id', { reason: client.message });
      return { status: 'dropped', reason: client.message };
    }
    const senderId = client.value.playerId;
    const payload = Buffer.from(event.payload, 'base64');
    const request = parseSendPayload(payload, { maxTextLength: this.#config.maxTextLength });
    if (!request.ok) {
      return this.#refuse(budget, senderId, request.code, request.message, {
        clientMsgId: echoableClientMsgId(payload),
      });
    }
    const { clientMsgId, expiresInMs } = request.value;
    const expiresAt = expiresInMs === undefined ? undefined : event.receivedAt + expiresInMs;
    if (senderGaveUp(expiresAt)) return this.#tooLate(budget, senderId, clientMsgId);
    const topic = this.#topics.parse(event.topic);
    if (!topic.ok || (topic.value.kind !== 'send' && topic.value.kind !== 'whisper')) {
      return this.#refuse(
        budget,
        senderId,
        'forbidden',
        `publish to ${this.#topics.prefix}/send/{channel} or ${this.#topics.prefix}/whisper/{playerId} only`,
        { clientMsgId },
      );
    }
    const target = topic.value;
    const admission: AdmitInput = {
      playerId: senderId,
      ingestId: event.ingestId,
      rate: this.#rate,
      receivedAt: event.receivedAt,
      ...(clientMsgId === undefined
        ? {}
        : { resendKey: `${target.kind}/${target.name}:${clientMsgId}` }),
    };
    const moderation = this.#profanity.moderate(request.value.text);
    // this.#topics.parse validated the name as a channel (send) or a player id (whisper).
    if (target.kind === 'send' && moderation.ok) {
      return this.#postToChannel(budget, target.name as ChannelName, {
        event,
        admission,
        clientMsgId,
        text: moderation.text,
        moderated: moderation.moderated,
        expiresAt,
      });
    }
    // Whispers, and messages moderation blocks, are admitted on their own first, so that a muted
    // or rate-limited sender hears that. A whisper's recipient is checked alongside: one more
    // round trip, to the recipient's slot, answering both `offline` and `ignored`.
    const [admitted, recipient] = await budget.run(() =>
      Promise.all([
        this.#store.admit(
          target.kind === 'whisper' ? { ...admission, whisperId: whisperId(event) } : admission,
        ),
        target.kind === 'whisper'
          ? this.#store.recipientStatus(target.name as PlayerId, senderId)
          : ('ok' as const),
      ]),
    );
    if (!isAdmission(admitted)) {
      return this.#refuseAdmission(budget, senderId, admitted, clientMsgId);
    }
    // A refused whisper leaves its admission open, so a resend of the same clientMsgId is checked
    // again rather than taken for delivered.
    if (recipient === 'offline') {
      // Nobody would read it: no live connection, or no such player (ids are case-sensitive,
      // `Alice` is not `alice`).
      return this.#refuse(budget, senderId, 'offline', `${target.name} is not online`, {
        clientMsgId,
      });
    }
    if (recipient === 'ignored') {
      // Says only that this whisper was not delivered: nothing about anyone's block list.
      return this.#refuse(
        budget,
        senderId,
        'ignored',
        `${target.name} does not take whispers from you: the whisper was not delivered`,
        { clientMsgId },
      );
    }
    if (!moderation.ok) {
      return this.#refuse(budget, senderId, 'blocked', 'Your message was blocked by moderation', {
        clientMsgId,
      });
    }
    const accepted: Accepted = {
      event,
      admission: admitted,
      // The display name the authorizer recorded, or the player id when there is none.
      from: { id: senderId, name: admitted.profile?.name ?? senderId },
      clientMsgId,
      text: moderation.text,
      moderated: moderation.moderated,
      expiresAt,
    };
    // Only whispers get this far: a channel message was posted above, or blocked.
    return this.#deliverWhisper(budget, target.name as PlayerId, accepted);
  }

  /**
   * The budget ran out: tell the sender to send again, with what time the invocation has left.
   * When even that fails the event is not lost: the handler throws and Lambda retries it.
   */
  async #deferToSender(
    event: ChatRuleEvent,
    exhausted: RetryBudgetExhaustedError,
    deadline: number,
  ): Promise<FilterOutcome> {
    const client = parseClientId(event.clientId);
    if (!client.ok) throw exhausted;
    const clientMsgId = echoableClientMsgId(Buffer.from(event.payload, 'base64'));
    this.#log?.warn('chat store or Data Plane unavailable through the retry budget; sender told', {
      attempts: exhausted.attempts,
      error: exhausted.cause,
    });
    const unavailable = this.#notice(
      'unavailable',
      'Chat is briefly unavailable: your message will be sent again',
      { clientMsgId, retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS },
    );
    try {
      await createRetryBudget(deadline).run(() =>
        this.#publisher.publish(this.#topics.inbox(client.value.playerId), unavailable, 1),
      );
    } catch {
      throw exhausted;
    }
    return { status: 'unavailable', attempts: exhausted.attempts };
  }

  async handle(rawEvent: unknown, limits?: InvocationLimits): Promise<FilterOutcome> {
    const started = Date.now();
    const parsed = parseRuleEvent(rawEvent);
    if (!parsed.ok) {
      this.#log?.warn('dropped an event that is not from the chat rule', {
        reason: parsed.message,
      });
      return { status: 'dropped', reason: parsed.message };
    }
    const event = parsed.value;
    // Past the age Lambda keeps events for, the de-duplication may have forgotten it; the
    // handler logs and counts it.
    const ageMs = started - event.receivedAt;
    if (ageMs > this.#config.maxEventAgeSeconds * 1000) return { status: 'expired', ageMs };
    const invocation = limits ?? { remainingTimeMs: () => Number.POSITIVE_INFINITY };
    const timeout = started + invocation.remainingTimeMs();
    // Tries start within the budget; one still running when only the notice's reserve is left
    // is given up on, so the notice goes out before the timeout.
    const budget = createInvocationBudget(
      invocation,
      this.#config.retryBudgetMs,
      NOTICE_RESERVE_MS,
    );
    try {
      return await this.#process(event, budget);
    } catch (error) {
      if (!(error instanceof RetryBudgetExhaustedError)) throw error;
      return this.#deferToSender(event, error, timeout - TIMEOUT_MARGIN_MS);
    }
  }
}
