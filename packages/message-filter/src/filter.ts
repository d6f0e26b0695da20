import type { ChatStore } from '@game-chat/chat-store/store';
import type { ChatConfig } from '@game-chat/lambda-runtime/config';
import type { Publisher } from '@game-chat/lambda-runtime/publisher';
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
  'topicPrefix' | 'maxTextLength' | 'rateBurst' | 'ratePerSecond' | 'channelRatePerSecond'
>;

/** Where a dropped event is reported; the Powertools logger fits. */
export interface FilterLog {
  warn(message: string, extra: Record<string, unknown>): void;
}

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
  | { readonly status: 'dropped'; readonly reason: string };

/** A message that passed validation, admission and moderation. */
interface Accepted {
  readonly event: ChatRuleEvent;
  readonly from: { readonly id: PlayerId; readonly name: string };
  readonly clientMsgId: string | undefined;
  readonly text: string;
  readonly moderated: boolean;
}

export interface MessageFilter {
  /**
   * Handles one rule event. Refusals become a notice on the sender's inbox and return
   * normally; Redis or Data Plane failures throw, so Lambda's async retry runs again.
   */
  handle(event: unknown): Promise<FilterOutcome>;
}

/** A whisper's id: stable for a redelivered event, so recipients de-duplicate. */
export function whisperId(event: Pick<ChatRuleEvent, 'receivedAt' | 'ingestId'>): string {
  const hex = event.ingestId.replace(/-/g, '').slice(0, 12);
  return `${event.receivedAt}-${Number.parseInt(hex, 16)}`;
}

/** The payload's clientMsgId when it is valid, to echo in a notice about another problem. */
function echoableClientMsgId(payload: Uint8Array): string | undefined {
  const body = parseJsonObject(payload);
  if (!body.ok || !Object.hasOwn(body.value, 'clientMsgId')) return undefined;
  const clientMsgId = validateClientMsgId(body.value.clientMsgId);
  return clientMsgId.ok ? clientMsgId.value : undefined;
}

export function createMessageFilter(deps: MessageFilterDeps): MessageFilter {
  const { store, publisher, config, profanity, log } = deps;
  const topics = createTopics(config.topicPrefix);
  const rate = { burst: config.rateBurst, perSecond: config.ratePerSecond };

  async function refuse(
    to: PlayerId,
    code: NoticeCode,
    detail: string,
    extra: { clientMsgId?: string | undefined; retryAfterMs?: number } = {},
  ): Promise<FilterOutcome> {
    const notice: Notice = {
      v: PROTOCOL_VERSION,
      kind: 'notice',
      code,
      ...(extra.clientMsgId === undefined ? {} : { clientMsgId: extra.clientMsgId }),
      detail,
      ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    };
    await publisher.publish(topics.inbox(to), notice, 1);
    return { status: 'refused', code };
  }

  async function deliverToChannel(
    channel: ChannelName,
    accepted: Accepted,
  ): Promise<FilterOutcome> {
    const { event, from, clientMsgId, text, moderated } = accepted;
    const appended = await store.append(
      channel,
      {
        kind: 'chat',
        from,
        text,
        ingestId: event.ingestId,
        ...(clientMsgId === undefined ? {} : { clientMsgId }),
        ...(moderated ? { moderated } : {}),
      },
      { channelRatePerSecond: config.channelRatePerSecond },
    );
    if (!appended.ok) {
      return refuse(from.id, 'rate_limited', 'This channel is busy: try again shortly', {
        clientMsgId,
        retryAfterMs: appended.retryAfterMs,
      });
    }
    const { message } = appended;
    // Stored before (a redelivered event or a resend): publish again only if that failed.
    if (appended.duplicate && !(await store.takeUnpublished(channel, message.id))) {
      return { status: 'duplicate' };
    }
    try {
      await publisher.publish(topics.room(channel), message, 1);
    } catch (error) {
      await store.markUnpublished(channel, message.id);
      throw error;
    }
    return { status: 'published', message };
  }

  async function deliverWhisper(
    to: PlayerId,
    accepted: Accepted,
    redelivered: boolean,
  ): Promise<FilterOutcome> {
    const { event, from, clientMsgId, text, moderated } = accepted;
    if (redelivered && !(await store.takeWhisperUnpublished(from.id, event.ingestId))) {
      return { status: 'duplicate' };
    }
    const message: ChatMessage = {
      v: PROTOCOL_VERSION,
      id: whisperId(event),
      kind: 'whisper',
      from,
      to: { id: to },
      text,
      sentAt: event.receivedAt,
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
      ...(moderated ? { moderated: true as const } : {}),
    };
    const inboxes = new Set<PlayerId>([to, from.id]);
    try {
      await Promise.all(
        [...inboxes].map((player) => publisher.publish(topics.inbox(player), message, 1)),
      );
    } catch (error) {
      await store.markWhisperUnpublished(from.id, event.ingestId);
      throw error;
    }
    return { status: 'published', message };
  }

  return {
    async handle(rawEvent) {
      const parsed = parseRuleEvent(rawEvent);
      if (!parsed.ok) {
        log?.warn('dropped an event that is not from the chat rule', { reason: parsed.message });
        return { status: 'dropped', reason: parsed.message };
      }
      const event = parsed.value;
      // The connection names the sender; nothing in the payload can.
      const client = parseClientId(event.clientId);
      if (!client.ok) {
        log?.warn('dropped an event without a player client id', { reason: client.message });
        return { status: 'dropped', reason: client.message };
      }
      const senderId = client.value.playerId;
      const payload = Buffer.from(event.payload, 'base64');
      const request = parseSendPayload(payload, { maxTextLength: config.maxTextLength });
      if (!request.ok) {
        return refuse(senderId, request.code, request.message, {
          clientMsgId: echoableClientMsgId(payload),
        });
      }
      const { clientMsgId } = request.value;
      const topic = topics.parse(event.topic);
      if (!topic.ok || (topic.value.kind !== 'send' && topic.value.kind !== 'whisper')) {
        return refuse(
          senderId,
          'forbidden',
          `publish to ${topics.prefix}/send/{channel} or ${topics.prefix}/whisper/{playerId} only`,
          { clientMsgId },
        );
      }

      const admitted = await store.admit({ playerId: senderId, ingestId: event.ingestId, rate });
      if (!admitted.ok) {
        if (admitted.code === 'muted') {
          const reason = admitted.reason === undefined ? '' : `: ${admitted.reason}`;
          return refuse(
            senderId,
            'muted',
            `You are muted until ${new Date(admitted.until).toISOString()}${reason}`,
            { clientMsgId },
          );
        }
        return refuse(
          senderId,
          'rate_limited',
          `Slow down: ${rate.burst} messages at once, then ${rate.perSecond} per second`,
          { clientMsgId, retryAfterMs: admitted.retryAfterMs },
        );
      }
      const moderation = profanity.moderate(request.value.text);
      if (!moderation.ok) {
        return refuse(senderId, 'blocked', 'Your message was blocked by moderation', {
          clientMsgId,
        });
      }
      const accepted: Accepted = {
        event,
        // The display name the authorizer recorded, or the player id when there is none.
        from: { id: senderId, name: admitted.profile?.name ?? senderId },
        clientMsgId,
        text: moderation.text,
        moderated: moderation.moderated,
      };
      // topics.parse validated the name as a channel (send) or a player id (whisper).
      if (topic.value.kind === 'send') {
        return deliverToChannel(topic.value.name as ChannelName, accepted);
      }
      return deliverWhisper(topic.value.name as PlayerId, accepted, admitted.retry);
    },
  };
}
