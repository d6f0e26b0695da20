import {
  type ChannelName,
  channelAllowed,
  formatClientId,
  type Role,
  validateChannel,
  validatePlayerId,
} from '@game-chat/protocol/names';
import { type ChatMessage, type Notice, parseServerMessage } from '@game-chat/protocol/payloads';
import { normalizeText } from '@game-chat/protocol/text';
import { type ChatTopics, createTopics } from '@game-chat/protocol/topics';
import type { MqttClient } from 'mqtt';
import { ChatApi, type MuteResult, type UnmuteResult } from './api.js';
import { backoffDelay } from './backoff.js';
import { ChannelSubscription, type GapEvent } from './channel-subscription.js';
import { openConnection } from './connection.js';
import { Emitter } from './emitter.js';
import { asChatError, ChatError, validOrThrow } from './errors.js';
import {
  type ChatClientOptions,
  type ResolvedOptions,
  randomHex,
  resolveOptions,
} from './options.js';
import { PendingSends, type PendingTarget } from './pending.js';
import { TokenSource } from './token-source.js';

export type { SignedToken } from '@game-chat/protocol/custom-auth';
export type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
export type { MuteResult, UnmuteResult } from './api.js';
export type { GapEvent } from './channel-subscription.js';
export { ChatError, type ChatErrorCode } from './errors.js';
export {
  type ChatClientOptions,
  DEFAULT_SEND_TIMEOUT_MS,
  type PlayerToken,
} from './options.js';

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'reconnecting';

export interface ConnectionEvent {
  readonly state: ConnectionState;
  /** On `reconnecting`: the attempt number, from 1. */
  readonly attempt?: number;
  /** On `reconnecting`: how long until that attempt. */
  readonly delayMs?: number;
  /** On `offline`: why, when it was not `close()`. */
  readonly error?: ChatError;
}

/** A moderator removed message `targetId`: drop it from view. */
export interface DeleteEvent {
  readonly channel: string;
  readonly targetId: string;
  readonly message: ChatMessage;
}

export type ChatClientEvents = {
  /** A chat message on a joined channel. */
  message: ChatMessage;
  /** An announcement on a joined channel. */
  system: ChatMessage;
  /** A whisper to this player, or this player's own whisper as delivered. */
  whisper: ChatMessage;
  delete: DeleteEvent;
  /** The server refused one of this player's messages. */
  notice: Notice;
  connection: ConnectionEvent;
  gap: GapEvent;
};

/** One MQTT connection; `retired` once replaced or closed on purpose, so its end is no loss. */
interface Link {
  readonly client: MqttClient;
  retired: boolean;
  /** QoS 1 publishes not yet acknowledged by the broker. */
  inFlight: number;
}

/** IoT Core accepts at most 8 topic filters per SUBSCRIBE packet. */
const MAX_FILTERS_PER_SUBSCRIBE = 8;
/** SUBACK return code for a refused subscription. */
const SUBSCRIBE_REFUSED = 128;
/** Whisper ids remembered to drop redeliveries (whispers are not stored in a timeline). */
const WHISPER_IDS_KEPT = 500;
/** A token this close to expiry is not worth connecting with. */
const MIN_TOKEN_LIFETIME_MS = 2_000;

/**
 * A chat connection for one player: joins channels, merges history with live messages,
 * sends with delivery confirmation, and reconnects (with a fresh token when needed) without
 * losing or doubling messages.
 */
export class ChatClient {
  readonly #options: ResolvedOptions;
  readonly #topics: ChatTopics;
  readonly #api: ChatApi;
  readonly #events = new Emitter<ChatClientEvents>();
  readonly #channels = new Map<ChannelName, ChannelSubscription>();
  readonly #pending: PendingSends;
  readonly #tokens: TokenSource;
  readonly #whisperIds = new Set<string>();
  #link: Link | undefined;
  #state: ConnectionState = 'offline';
  #connecting: Promise<void> | undefined;
  #reconnecting = false;
  #closed = false;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshAttempts = 0;
  #wake: (() => void) | undefined;

  constructor(options: ChatClientOptions) {
    this.#options = resolveOptions(options);
    this.#topics = createTopics(this.#options.topicPrefix);
    this.#tokens = new TokenSource({
      token: this.#options.token,
      getToken: this.#options.getToken,
      minLifetimeMs: MIN_TOKEN_LIFETIME_MS,
    });
    this.#pending = new PendingSends(this.#options.sendTimeoutMs);
    this.#api = new ChatApi({
      apiUrl: this.#options.apiUrl,
      getToken: async () => (await this.#tokens.usable()).token,
      timeoutMs: this.#options.requestTimeoutMs,
      maxTextLength: this.#options.maxTextLength,
    });
  }

  /** The player id (`sub`) of the token; known once a token was read. */
  get playerId(): string | undefined {
    return this.#tokens.claims?.sub;
  }

  /** The display name claim of the token, when it has one; known once a token was read. */
  get playerName(): string | undefined {
    return this.#tokens.claims?.name;
  }

  /** The role claim of the token (`player` when absent); known once a token was read. */
  get role(): Role | undefined {
    return this.#tokens.claims?.role;
  }

  /** The MQTT client id: `{playerId}.{suffix}`. */
  get clientId(): string | undefined {
    const claims = this.#tokens.claims;
    return claims && formatClientId(claims.sub, this.#options.clientSuffix);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Joined channels. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /** The visible messages of a joined channel, oldest first; `[]` for any other channel. */
  messages(channel: string): ChatMessage[] {
    return this.#channels.get(channel as ChannelName)?.messages ?? [];
  }

  /** Listens to an event; returns a function that stops listening. */
  on<E extends keyof ChatClientEvents & string>(
    event: E,
    listener: (payload: ChatClientEvents[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  off<E extends keyof ChatClientEvents & string>(
    event: E,
    listener: (payload: ChatClientEvents[E]) => void,
  ): void {
    this.#events.off(event, listener);
  }

  /**
   * Connects and resolves once online. Rejects when this first attempt fails (`unauthorized`,
   * `timeout`, `network`); after that, lost connections are retried automatically.
   */
  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new ChatError('closed', 'the client is closed'));
    if (this.#link) return Promise.resolve();
    if (this.#reconnecting) {
      this.#wake?.(); // Try now rather than after the backoff delay.
      return this.#nextOnline();
    }
    if (!this.#connecting) {
      this.#setState('connecting');
      this.#connecting = this.#establish()
        .catch((error: unknown) => {
          const chatError = asChatError(error);
          if (!this.#link) this.#setState('offline', { error: chatError });
          throw chatError;
        })
        .finally(() => {
          this.#connecting = undefined;
        });
    }
    return this.#connecting;
  }

  /**
   * Joins a channel: subscribes, reads its history and resolves with the recent messages,
   * oldest first, live messages that arrived meanwhile included. Later messages come as
   * `message`, `system` and `delete` events. Joining a joined channel resolves at once.
   */
  async join(channel: string): Promise<ChatMessage[]> {
    const name = this.#allowedChannel(channel);
    const existing = this.#channels.get(name);
    if (existing) {
      await existing.settled();
      // The join this one waited for may have failed; then try again.
      return this.#channels.get(name) === existing ? existing.messages : this.join(name);
    }
    const link = this.#onlineLink();
    const joined = new ChannelSubscription({
      name,
      capacity: this.#options.maxMessagesPerChannel,
      history: (after, caughtUp) => this.#api.historySince(name, after, caughtUp),
      deliver: (message, emit) => this.#deliver(name, message, emit),
      gap: (event) => this.#events.emit('gap', event),
    });
    this.#channels.set(name, joined);
    try {
      return await joined.join(this.#subscribe(link, [this.#topics.room(name)]));
    } catch (error) {
      if (this.#channels.get(name) === joined) {
        this.#channels.delete(name);
        joined.leave();
        link.client.unsubscribe(this.#topics.room(name));
      }
      throw asChatError(error);
    }
  }

  /** Leaves a channel; its pending sends reject with `not_joined`. */
  async leave(channel: string): Promise<void> {
    const name = validOrThrow(validateChannel(channel));
    if (!this.#forget(name, `left channel ${name}`)) return;
    await this.#link?.client.unsubscribeAsync(this.#topics.room(name)).catch(() => undefined);
  }

  /**
   * Sends a chat message to a joined channel. Resolves with the message as delivered (its
   * `id`, the masked text when moderated); rejects with a `ChatError` whose `code` is the
   * server's notice code (`rate_limited` with `retryAfterMs`, `muted`, ...), a validation
   * code for bad arguments (nothing is sent), `not_joined`, `not_connected`, `timeout`, or
   * `unavailable` (the server could not handle it, and resending it within `sendTimeoutMs` did
   * not help). On an `unavailable` notice the SDK sends it again by itself; it settles once.
   */
  async send(channel: string, text: string): Promise<ChatMessage> {
    const name = this.#allowedChannel(channel);
    const body = validOrThrow(normalizeText(text, this.#options.maxTextLength));
    if (!this.#channels.has(name)) {
      throw new ChatError('not_joined', `join channel ${name} before sending to it`);
    }
    return this.#publish(this.#topics.send(name), body.text, { kind: 'chat', channel: name });
  }

  /** Whispers to a player; settles like `send`, with the whisper as delivered. */
  async whisper(playerId: string, text: string): Promise<ChatMessage> {
    const to = validOrThrow(validatePlayerId(playerId));
    const body = validOrThrow(normalizeText(text, this.#options.maxTextLength));
    return this.#publish(this.#topics.whisper(to), body.text, {
      kind: 'whisper',
      channel: undefined,
    });
  }

  /** Moderators and admins: posts an announcement (a `system` message); resolves with it. */
  announce(channel: string, text: string): Promise<ChatMessage> {
    return this.#api.announce(channel, text);
  }

  /** Moderators and admins: removes a message; every client gets a `delete` event. */
  deleteMessage(channel: string, id: string): Promise<ChatMessage> {
    return this.#api.deleteMessage(channel, id);
  }

  /** Moderators and admins: refuses a player's messages for `seconds`. */
  mute(playerId: string, seconds: number, reason?: string): Promise<MuteResult> {
    return this.#api.mute(playerId, seconds, reason);
  }

  /** Moderators and admins: lifts a mute. */
  unmute(playerId: string): Promise<UnmuteResult> {
    return this.#api.unmute(playerId);
  }

  /** Disconnects for good: pending sends reject with `closed`, state becomes `offline`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
    this.#wake?.();
    this.#pending.abandon(new ChatError('closed', 'the client was closed'));
    for (const channel of this.#channels.values()) channel.leave();
    this.#channels.clear();
    const link = this.#link;
    this.#link = undefined;
    if (link) {
      link.retired = true;
      // A polite DISCONNECT waits for unacknowledged publishes; their sends were just
      // abandoned, and a stalled broker must not hold close() up, so then end at once.
      await link.client.endAsync(link.inFlight > 0).catch(() => undefined);
    }
    this.#setState('offline');
  }

  // -- connection -------------------------------------------------------------------------

  async #establish(): Promise<void> {
    const credentials = await this.#tokens.usable();
    const claims = this.#tokens.claims as NonNullable<TokenSource['claims']>;
    const client = await openConnection({
      url: this.#options.mqttUrl,
      clientId: formatClientId(claims.sub, this.#options.clientSuffix),
      credentials,
      customAuth: this.#options.customAuth,
      keepaliveSeconds: this.#options.keepaliveSeconds,
      connectTimeoutMs: this.#options.connectTimeoutMs,
    });
    if (this.#closed) {
      client.end(true);
      throw new ChatError('closed', 'the client was closed while connecting');
    }
    const link: Link = { client, retired: false, inFlight: 0 };
    client.on('message', (topic, payload) => this.#onMessage(link, topic, payload));
    client.on('close', () => this.#onClose(link));
    // Errors also close the connection, which is where they are handled.
    client.on('error', () => undefined);
    const previous = this.#link;
    this.#link = link;
    if (previous) {
      previous.retired = true;
      previous.client.end(true);
    }
    // A refreshed token may allow fewer channels; subscribing to the others would be refused.
    for (const name of this.#channels.keys()) {
      if (!channelAllowed(name, claims.channels)) {
        this.#forget(name, `the token no longer allows channel ${name}`);
      }
    }
    // Hold back live room messages from the first SUBACK on, until each channel caught up.
    const subscribed = this.#subscribe(link, [
      this.#topics.inbox(claims.sub),
      ...[...this.#channels.keys()].map((name) => this.#topics.room(name)),
    ]);
    const caughtUp = [...this.#channels.values()].map((channel) => channel.catchUp(subscribed));
    try {
      await subscribed;
    } catch (error) {
      link.retired = true;
      if (this.#link === link) this.#link = undefined;
      client.end(true);
      throw error;
    }
    this.#setState('online');
    this.#scheduleRefresh();
    await Promise.all(caughtUp);
  }

  async #subscribe(link: Link, topics: readonly string[]): Promise<void> {
    for (let start = 0; start < topics.length; start += MAX_FILTERS_PER_SUBSCRIBE) {
      const batch = topics.slice(start, start + MAX_FILTERS_PER_SUBSCRIBE);
      const grants = await link.client.subscribeAsync([...batch], { qos: 1 });
      const refused = grants.find((grant) => grant.qos === SUBSCRIBE_REFUSED);
      if (refused) throw new ChatError('forbidden', `not allowed to subscribe to ${refused.topic}`);
    }
  }

  #onClose(link: Link): void {
    if (link.retired || this.#link !== link) return;
    this.#link = undefined;
    clearTimeout(this.#refreshTimer);
    this.#setState('offline', { error: new ChatError('not_connected', 'the connection dropped') });
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      for (let attempt = 1; !this.#closed && !this.#link; attempt++) {
        const delayMs = backoffDelay(attempt, this.#options.reconnect);
        this.#setState('reconnecting', { attempt, delayMs });
        await this.#sleep(delayMs);
        if (this.#closed) return;
        try {
          await this.#establish();
        } catch (error) {
          const chatError = asChatError(error);
          if (chatError.code === 'unauthorized' && this.#tokens.renewable) {
            this.#tokens.discard(); // Refused: ask for a new token next time.
          } else if (chatError.code === 'unauthorized' || chatError.code === 'invalid') {
            this.#setState('offline', { error: chatError });
            return;
          }
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }

  /** Waits `ms`, or less when `close()` or `connect()` wakes it. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Resolves on the next `online`; rejects when the client gives up or is closed. */
  #nextOnline(): Promise<void> {
    return new Promise((resolve, reject) => {
      const stop = this.on('connection', (event) => {
        if (event.state === 'online') {
          stop();
          resolve();
        } else if (event.state === 'offline') {
          stop();
          reject(event.error ?? new ChatError('closed', 'the client was closed'));
        }
      });
    });
  }

  #onlineLink(): Link {
    if (this.#state !== 'online' || !this.#link) {
      throw new ChatError('not_connected', 'not connected; call connect() and wait for it');
    }
    return this.#link;
  }

  #setState(state: ConnectionState, details: Omit<ConnectionEvent, 'state'> = {}): void {
    if (this.#closed && state !== 'offline') return;
    this.#state = state;
    this.#events.emit('connection', { state, ...details });
  }

  // -- tokens -----------------------------------------------------------------------------

  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    const delay = this.#tokens.renewalDelayMs(this.#options.tokenRefreshLeadMs);
    if (delay === undefined) return;
    this.#refreshTimer = setTimeout(() => void this.#refresh(), delay);
  }

  /** Connects with a new token before the old one expires; the new connection replaces the old. */
  async #refresh(): Promise<void> {
    const old = this.#link;
    if (!old) return; // Offline: the reconnect loop asks for a token itself.
    try {
      await this.#tokens.renew();
      if (this.#link !== old) return; // Dropped meanwhile: the reconnect loop took over.
      old.retired = true; // The new connection (same client id) kicks this one off.
      await this.#establish();
      this.#refreshAttempts = 0;
    } catch (error) {
      if (this.#closed || (this.#link !== old && this.#link !== undefined)) return;
      if (old.client.connected) {
        old.retired = false;
        this.#refreshAttempts += 1;
        const retryMs = backoffDelay(this.#refreshAttempts, this.#options.reconnect);
        this.#refreshTimer = setTimeout(() => void this.#refresh(), retryMs);
        return;
      }
      this.#link = undefined;
      old.client.end(true);
      this.#setState('offline', { error: asChatError(error) });
      void this.#reconnect();
    }
  }

  // -- channels and messages --------------------------------------------------------------

  /** Drops a joined channel and rejects its pending sends; false if it was not joined. */
  #forget(name: ChannelName, reason: string): boolean {
    const channel = this.#channels.get(name);
    if (!channel) return false;
    this.#channels.delete(name);
    channel.leave();
    this.#pending.abandon(new ChatError('not_joined', reason), name);
    return true;
  }

  #allowedChannel(channel: string): ChannelName {
    const name = validOrThrow(validateChannel(channel));
    if (!channelAllowed(name, this.#tokens.claims?.channels)) {
      throw new ChatError('forbidden', `the token does not allow channel ${name}`);
    }
    return name;
  }

  /** A message new to a channel's timeline: it may answer a send; `emit` unless a join returns it. */
  #deliver(channel: ChannelName, message: ChatMessage, emit: boolean): void {
    this.#pending.resolve(message, this.playerId);
    if (!emit) return;
    if (message.kind === 'chat') this.#events.emit('message', message);
    else if (message.kind === 'system') this.#events.emit('system', message);
    else if (message.kind === 'delete' && message.targetId !== undefined) {
      this.#events.emit('delete', { channel, targetId: message.targetId, message });
    }
  }

  #onMessage(link: Link, topic: string, payload: Uint8Array): void {
    if (link !== this.#link) return;
    const where = this.#topics.parse(topic);
    const parsed = parseServerMessage(payload);
    if (!where.ok || !parsed.ok) return; // Not ours or malformed: nothing a player should see.
    const message = parsed.value;
    if (message.kind === 'notice') {
      this.#onNotice(message);
      return;
    }
    if (where.value.kind === 'room') {
      const channel = this.#channels.get(where.value.name as ChannelName);
      if (!channel || message.kind === 'whisper') return;
      this.#pending.resolve(message, this.playerId);
      channel.receive(message);
    } else if (where.value.kind === 'inbox' && message.kind === 'whisper') {
      if (this.#whisperIds.has(message.id)) return;
      this.#whisperIds.add(message.id);
      if (this.#whisperIds.size > WHISPER_IDS_KEPT) {
        this.#whisperIds.delete(this.#whisperIds.values().next().value as string);
      }
      this.#pending.resolve(message, this.playerId);
      this.#events.emit('whisper', message);
    }
  }

  #onNotice(notice: Notice): void {
    // An `unavailable` notice for a pending send is the SDK's to handle: it sends it again.
    if (this.#pending.answer(notice) && notice.code === 'unavailable') return;
    this.#events.emit('notice', notice);
  }

  #publish(topic: string, text: string, target: PendingTarget): Promise<ChatMessage> {
    this.#onlineLink();
    const clientMsgId = randomHex(16);
    const payload = JSON.stringify({ text, clientMsgId });
    // A publish lost with its connection is settled by the catch-up after the reconnect
    // (history carries clientMsgId), or else by the timeout. A resend (after an `unavailable`
    // notice) is the same payload, so the server stores it once.
    const send = (): boolean => {
      const link = this.#link;
      if (this.#state !== 'online' || !link) return false;
      link.inFlight += 1;
      link.client.publish(topic, payload, { qos: 1 }, () => {
        link.inFlight -= 1;
      });
      return true;
    };
    const delivered = this.#pending.wait(clientMsgId, target, send);
    send();
    return delivered;
  }
}

/** Creates a chat client; call `connect()` once listeners are in place. */
export function createChatClient(options: ChatClientOptions): ChatClient {
  return new ChatClient(options);
}
