import {
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  HISTORY_LIMIT_MIN,
} from '@game-chat/protocol/limits';
import {
  type ChannelName,
  channelAllowed,
  formatClientId,
  type Role,
  validateChannel,
  validatePlayerId,
} from '@game-chat/protocol/names';
import { type ChatMessage, type Notice, parseServerMessage } from '@game-chat/protocol/payloads';
import { parsePresenceEvent } from '@game-chat/protocol/presence';
import type { BlockEntry, ReportsPage, ResolutionAction } from '@game-chat/protocol/safety';
import { normalizeText } from '@game-chat/protocol/text';
import { type ChatTopics, createTopics } from '@game-chat/protocol/topics';
import {
  ChatApi,
  type MemberList,
  type MuteResult,
  type ReportsQueryOptions,
  type ResolveOptions,
  type ResolveResult,
  type SlowModeResult,
  type UnmuteResult,
} from './api.js';
import { backoffDelay, startDelay } from './backoff.js';
import { ChannelSubscription, type GapEvent, type OlderMessages } from './channel-subscription.js';
import { type Link, openLink } from './connection.js';
import {
  type ConnectionEvent,
  type ConnectionReason,
  type ConnectionState,
  type ConnectionStatus,
  connectionEvent,
  IllegalTransitionError,
  publicState,
  transitionProblem,
} from './connection-state.js';
import { Emitter } from './emitter.js';
import { asChatError, ChatError, validOrThrow } from './errors.js';
import {
  type ChatClientOptions,
  type ResolvedOptions,
  randomHex,
  resolveOptions,
} from './options.js';
import { attemptExpiresInMs, PendingSends, type PendingTarget } from './pending.js';
import { ChannelPresence, type PresenceSnapshot, type PresenceUpdate } from './presence.js';
import type { TokenClaims } from './token.js';
import { TokenSource } from './token-source.js';

export type { SignedToken } from '@game-chat/protocol/custom-auth';
export type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
export type {
  BlockEntry,
  Report,
  ReportReason,
  ReportsPage,
  ResolutionAction,
} from '@game-chat/protocol/safety';
export type {
  MemberList,
  MuteResult,
  ReportsQueryOptions,
  ResolveOptions,
  ResolveResult,
  SlowModeResult,
  UnmuteResult,
} from './api.js';
export type { GapEvent, OlderMessages } from './channel-subscription.js';
export type { ConnectionEvent, ConnectionReason, ConnectionState } from './connection-state.js';
export { ChatError, type ChatErrorCode } from './errors.js';
export {
  type ChatClientOptions,
  DEFAULT_SEND_TIMEOUT_MS,
  type PlayerToken,
} from './options.js';
export type { PresenceSnapshot, PresenceUpdate } from './presence.js';

/** A message `post` handed to the broker; the server's refusal would carry its `clientMsgId`. */
export interface PostedMessage {
  readonly channel: string;
  readonly clientMsgId: string;
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
  /**
   * A joined channel's count and who joined or left: the members when it is joined (and after
   * a reconnect), then the server's coalesced broadcasts.
   */
  presence: PresenceUpdate;
  /** This player's block list changed (loaded on connect, or `block`/`unblock`). */
  blocks: readonly BlockEntry[];
  /** A joined channel's slow mode changed (0: off), as read from history or announced live. */
  slowMode: { readonly channel: string; readonly seconds: number };
};

type Status = ConnectionStatus<Link>;
type Connecting = Extract<Status, { kind: 'connecting' }>;

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
  readonly #presence = new Map<ChannelName, ChannelPresence>();
  readonly #pending: PendingSends;
  readonly #tokens: TokenSource;
  readonly #whisperIds = new Set<string>();
  /** Players this player blocked: their messages, whispers and presence are hidden. */
  readonly #blocked = new Map<string, number>();
  /** The block list's load on the latest connection; joins wait for it, so nothing slips by. */
  #blocksLoaded: Promise<void> = Promise.resolve();
  readonly #slowMode = new Map<ChannelName, number>();
  /** Changed only by `#transition`. */
  #status: Status = { kind: 'offline' };
  /**
   * The link a token refresh is replacing while the new connection opens: the broker closes it
   * when the new one (same client id) arrives, and the refresh, not the close, decides what next.
   */
  #replacing: Link | undefined;

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
    return publicState(this.#status);
  }

  /** Joined channels. */
  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /**
   * What is known of a joined channel's members, players this player blocked left out (`count`
   * stays the channel's); undefined for any other channel.
   */
  presence(channel: string): PresenceSnapshot | undefined {
    const snapshot = this.#presence.get(channel as ChannelName)?.snapshot;
    return snapshot && { ...snapshot, members: this.#unblocked(snapshot.members) };
  }

  /**
   * The visible messages of a joined channel, oldest first; `[]` for any other channel. Messages
   * of blocked players are left out.
   */
  messages(channel: string): ChatMessage[] {
    return this.#visible(this.#channels.get(channel as ChannelName)?.messages ?? []);
  }

  /** The players this player blocked, oldest first. */
  blocked(): BlockEntry[] {
    return [...this.#blocked].map(([id, since]) => ({ id, since }) as BlockEntry);
  }

  /** Whether this player blocked `playerId` (for hiding presence entries and the like). */
  isBlocked(playerId: string): boolean {
    return this.#blocked.has(playerId);
  }

  /** A joined channel's slow mode interval in seconds; 0 when off or unknown. */
  slowMode(channel: string): number {
    return this.#slowMode.get(channel as ChannelName) ?? 0;
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
    const status = this.#status;
    if (status.kind === 'closed') return Promise.reject(closedError());
    this.#listenToNetwork();
    if (status.kind === 'online') return Promise.resolve();
    const online = this.#nextOnline();
    if (status.kind === 'connecting') {
      status.skipDelay(); // Reconnecting: try now rather than after the backoff delay.
    } else {
      const attempt: Connecting = {
        kind: 'connecting',
        attempt: 0,
        delayMs: 0,
        skipDelay: () => {},
      };
      this.#transition(attempt, 'connect');
      this.#attempt(attempt).catch((error: unknown) => {
        if (this.#status !== attempt) return;
        this.#transition({ kind: 'offline', error: asChatError(error) }, 'connect_failed');
      });
    }
    return online;
  }

  /**
   * Joins a channel: subscribes, reads its history and resolves with the recent messages,
   * oldest first, live messages that arrived meanwhile included. Later messages come as
   * `message`, `system` and `delete` events. The channel's members come as a `presence` event
   * (and `presence(channel)`), then its changes. Joining a joined channel resolves at once.
   */
  async join(channel: string): Promise<ChatMessage[]> {
    this.#assertOpen();
    const name = this.#allowedChannel(channel);
    const existing = this.#channels.get(name);
    if (existing) {
      await existing.settled();
      // The join this one waited for may have failed; then try again.
      return this.#channels.get(name) === existing ? existing.messages : this.join(name);
    }
    const link = this.#onlineLink();
    await this.#blocksLoaded;
    const joined = new ChannelSubscription({
      name,
      capacity: this.#options.maxMessagesPerChannel,
      history: async (after, caughtUp) => {
        const history = await this.#api.historySince(name, after, caughtUp);
        this.#setSlowMode(name, history.slowModeSeconds);
        return history;
      },
      olderPage: (query) => this.#api.history(name, query),
      deliver: (message, emit) => this.#deliver(name, message, emit),
      gap: (event) => this.#events.emit('gap', event),
    });
    this.#channels.set(name, joined);
    this.#presence.set(name, new ChannelPresence());
    try {
      const [messages] = await Promise.all([
        joined.join(link.subscribe(this.#channelTopics(name))),
        this.#refreshPresence(name),
      ]);
      return this.#visible(messages);
    } catch (error) {
      if (this.#channels.get(name) === joined) {
        this.#channels.delete(name);
        this.#presence.delete(name);
        joined.leave();
        void link.unsubscribe(this.#channelTopics(name));
      }
      this.#assertOpen(); // Closed meanwhile: that is why it failed.
      throw asChatError(error);
    }
  }

  /**
   * Scrollback for a joined channel: reads the `limit` (1-200, default 50) messages just older
   * than the oldest it holds and merges them into its timeline, each once, so `messages(channel)`
   * starts earlier. Resolves with the visible ones added (blocked players' left out), oldest
   * first, and `hasMore: false` once the channel's first kept message is reached. Rejects
   * `not_joined`, `invalid` (a bad limit, nothing sent), or with the API's error.
   */
  async loadOlder(channel: string, options: { limit?: number } = {}): Promise<OlderMessages> {
    this.#assertOpen();
    const name = validOrThrow(validateChannel(channel));
    const limit = options.limit ?? HISTORY_LIMIT_DEFAULT;
    if (!Number.isInteger(limit) || limit < HISTORY_LIMIT_MIN || limit > HISTORY_LIMIT_MAX) {
      throw new ChatError(
        'invalid',
        `limit must be a whole number ${HISTORY_LIMIT_MIN}-${HISTORY_LIMIT_MAX}`,
      );
    }
    const joined = this.#channels.get(name);
    if (!joined)
      throw new ChatError('not_joined', `join channel ${name} before loading older messages`);
    try {
      const older = await joined.loadOlder(limit);
      return { ...older, messages: this.#visible(older.messages) };
    } catch (error) {
      throw asChatError(error);
    }
  }

  /** A joined channel's topics: its room and its presence broadcasts, (un)subscribed together. */
  #channelTopics(name: ChannelName): string[] {
    return [this.#topics.room(name), this.#topics.presence(name)];
  }

  /** Leaves a channel; its pending sends reject with `not_joined`. */
  async leave(channel: string): Promise<void> {
    this.#assertOpen();
    const name = validOrThrow(validateChannel(channel));
    if (!this.#forget(name, `left channel ${name}`)) return;
    const status = this.#status;
    if (status.kind === 'online') {
      await status.link.unsubscribe(this.#channelTopics(name));
    }
  }

  /**
   * Sends a chat message to a joined channel. Resolves with the message as delivered (its
   * `id`, the masked text when moderated); rejects with a `ChatError` whose `code` is the
   * server's notice code (`rate_limited` with `retryAfterMs`, `muted`, ...), a validation
   * code for bad arguments (nothing is sent), `not_joined`, `not_connected`, `closed`, `timeout`, or
   * `unavailable` (the server could not handle it, and resending it within `sendTimeoutMs` did
   * not help). On an `unavailable` notice the SDK sends it again by itself; it settles once.
   */
  async send(channel: string, text: string): Promise<ChatMessage> {
    this.#assertOpen();
    const name = this.#allowedChannel(channel);
    const body = validOrThrow(normalizeText(text, this.#options.maxTextLength));
    if (!this.#channels.has(name)) {
      throw new ChatError('not_joined', `join channel ${name} before sending to it`);
    }
    return this.#publish(this.#topics.send(name), body.text, { kind: 'chat', channel: name });
  }

  /**
   * Sends a chat message to a channel without joining it, for senders that need not read the
   * channel (bots, game servers): the connection receives nothing of the channel, so the sender
   * costs the broker no deliveries. Resolves with the message's `clientMsgId` once the broker
   * has taken it (MQTT PUBACK), not when it is delivered; the server's refusal (`rate_limited`,
   * `muted`, `unavailable`, ...) comes later as a `notice` event with that `clientMsgId`, and
   * nothing is resent. The message carries no `expiresInMs`: nobody waits for it. Rejects with a validation code for bad arguments (nothing is sent),
   * `forbidden` (the token does not allow the channel), `not_connected`, `closed`, or `timeout`
   * (no PUBACK within `sendTimeoutMs`).
   */
  async post(channel: string, text: string): Promise<PostedMessage> {
    this.#assertOpen();
    const name = this.#allowedChannel(channel);
    const body = validOrThrow(normalizeText(text, this.#options.maxTextLength));
    const link = this.#onlineLink();
    const clientMsgId = randomHex(16);
    const payload = JSON.stringify({ text: body.text, clientMsgId });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new ChatError(
            'timeout',
            `no PUBACK from the broker in ${this.#options.sendTimeoutMs} ms`,
          ),
        );
      }, this.#options.sendTimeoutMs);
      link.publish(this.#topics.send(name), payload, (error) => {
        clearTimeout(timer);
        if (!error) resolve({ channel: name, clientMsgId });
        else
          reject(
            new ChatError(
              'not_connected',
              `the publish did not reach the broker: ${error.message}`,
            ),
          );
      });
    });
  }

  /** Whispers to a player; settles like `send`, with the whisper as delivered. */
  async whisper(playerId: string, text: string): Promise<ChatMessage> {
    this.#assertOpen();
    const to = validOrThrow(validatePlayerId(playerId));
    const body = validOrThrow(normalizeText(text, this.#options.maxTextLength));
    return this.#publish(this.#topics.whisper(to), body.text, {
      kind: 'whisper',
      channel: undefined,
    });
  }

  /**
   * Who is in a channel (joined or not, if the token allows it): the count and at most `limit`
   * members (1-1,000, default 100). Two tabs of one player count once.
   */
  async members(channel: string, limit?: number): Promise<MemberList> {
    this.#assertOpen();
    const list = await this.#api.members(this.#allowedChannel(channel), limit);
    return { ...list, members: this.#unblocked(list.members) };
  }

  /** How many players are in each channel (1-100 distinct names), for lobbies and server lists. */
  async occupancy(channels: readonly string[]): Promise<Record<string, number>> {
    this.#assertOpen();
    return this.#api.occupancy(channels);
  }

  /** Moderators and admins: posts an announcement (a `system` message); resolves with it. */
  async announce(channel: string, text: string): Promise<ChatMessage> {
    this.#assertOpen();
    return this.#api.announce(channel, text);
  }

  /** Moderators and admins: removes a message; every client gets a `delete` event. */
  async deleteMessage(channel: string, id: string): Promise<ChatMessage> {
    this.#assertOpen();
    return this.#api.deleteMessage(channel, id);
  }

  /** Moderators and admins: refuses a player's messages for `seconds`. */
  async mute(playerId: string, seconds: number, reason?: string): Promise<MuteResult> {
    this.#assertOpen();
    return this.#api.mute(playerId, seconds, reason);
  }

  /** Moderators and admins: lifts a mute. */
  async unmute(playerId: string): Promise<UnmuteResult> {
    this.#assertOpen();
    return this.#api.unmute(playerId);
  }

  /**
   * Blocks a player: their room messages, whispers and presence entries are hidden from now on
   * (and already shown ones left out of `messages()`), and their whispers are refused by the
   * server (they are told `ignored`). Kept in sync across this player's sessions on connect.
   */
  async block(playerId: string): Promise<BlockEntry> {
    this.#assertOpen();
    const entry = await this.#api.block(playerId);
    this.#blocked.set(entry.id, entry.since);
    this.#events.emit('blocks', this.blocked());
    return entry;
  }

  /** Unblocks a player; their messages show again. */
  async unblock(playerId: string): Promise<{ readonly wasBlocked: boolean }> {
    this.#assertOpen();
    const result = await this.#api.unblock(playerId);
    this.#blocked.delete(playerId);
    this.#events.emit('blocks', this.blocked());
    return result;
  }

  /**
   * Reports a message to the moderators; the server keeps a copy of it and its context.
   * Rejects with `conflict` (reported before), `rate_limited` (`retryAfterMs`), `not_found`
   * (no longer in history) or `invalid` (one's own message, a bad reason or note).
   */
  async report(...report: Parameters<ChatApi['report']>): ReturnType<ChatApi['report']> {
    this.#assertOpen();
    return this.#api.report(...report);
  }

  /** Moderators and admins: a page of the report queue (open by default), oldest first. */
  async reports(options: ReportsQueryOptions = {}): Promise<ReportsPage> {
    this.#assertOpen();
    return this.#api.reports(options);
  }

  /** Moderators and admins: resolves a report with `dismiss`, `delete` or `mute` (`seconds`). */
  async resolveReport(
    reportId: string,
    action: ResolutionAction,
    options: ResolveOptions = {},
  ): Promise<ResolveResult> {
    this.#assertOpen();
    return this.#api.resolveReport(reportId, action, options);
  }

  /** Moderators and admins: one message per player per `seconds` (1-600) in a channel. */
  async setSlowMode(channel: string, seconds: number): Promise<SlowModeResult> {
    this.#assertOpen();
    return this.#api.setSlowMode(channel, seconds);
  }

  /** Moderators and admins: turns a channel's slow mode off. */
  async clearSlowMode(channel: string): Promise<SlowModeResult> {
    this.#assertOpen();
    return this.#api.clearSlowMode(channel);
  }

  /**
   * Disconnects for good: pending sends reject with `closed`, state becomes `offline` (reason
   * `closed`), and every later call rejects with `closed`.
   */
  async close(): Promise<void> {
    const status = this.#status;
    if (status.kind === 'closed') return;
    this.#transition({ kind: 'closed' }, 'closed');
    if (status.kind === 'connecting') status.skipDelay(); // The reconnect loop ends.
    this.#options.networkEvents?.removeEventListener('online', this.#onNetworkOnline);
    this.#options.networkEvents?.removeEventListener('offline', this.#onNetworkOffline);
    this.#pending.abandon(closedError());
    for (const channel of this.#channels.values()) channel.leave();
    this.#channels.clear();
    if (status.kind === 'online') await status.link.close();
  }

  // -- connection -------------------------------------------------------------------------

  /** The only way the connection state changes; refuses what the table does not allow. */
  #transition(next: Status, reason: ConnectionReason): void {
    const previous = this.#status;
    const problem = transitionProblem(previous, next, reason);
    if (problem !== undefined) throw new IllegalTransitionError(problem);
    this.#status = next;
    this.#events.emit('connection', connectionEvent(previous, next, reason));
  }

  /** One connection attempt from `attempt`: connects, subscribes, then goes online. */
  async #attempt(attempt: Connecting): Promise<void> {
    const link = await this.#openLink();
    try {
      if (this.#status !== attempt) throw overtaken(this.#status);
      await this.#subscribeAll(link);
      if (this.#status !== attempt) throw overtaken(this.#status);
    } catch (error) {
      link.end();
      throw error;
    }
    this.#blocksLoaded = this.#loadBlocks();
    this.#transition({ kind: 'online', link }, 'connected');
    this.#scheduleRefresh(link);
  }

  /**
   * Reads the block list (on every connection, so blocks made in another session show). A
   * failed read keeps the list known so far: the API's own errors must not stop the chat.
   */
  async #loadBlocks(): Promise<void> {
    try {
      const blocks = await this.#api.blocks();
      this.#blocked.clear();
      for (const entry of blocks) this.#blocked.set(entry.id, entry.since);
      this.#events.emit('blocks', this.blocked());
    } catch {
      // Kept as it was; the next connection reads it again.
    }
  }

  #visible(messages: ChatMessage[]): ChatMessage[] {
    if (this.#blocked.size === 0) return messages;
    return messages.filter((message) => !this.#blocked.has(message.from.id));
  }

  /** Presence entries of players this player did not block. */
  #unblocked<T extends { readonly id: string }>(entries: readonly T[]): T[] {
    return entries.filter((entry) => !this.#blocked.has(entry.id));
  }

  #setSlowMode(channel: ChannelName, seconds: number): void {
    if (this.slowMode(channel) === seconds) return;
    this.#slowMode.set(channel, seconds);
    this.#events.emit('slowMode', { channel, seconds });
  }

  /** Opens a connection with a usable token. */
  async #openLink(): Promise<Link> {
    const credentials = await this.#tokens.usable();
    return openLink(
      {
        url: this.#options.mqttUrl,
        clientId: formatClientId(this.#claims().sub, this.#options.clientSuffix),
        credentials,
        customAuth: this.#options.customAuth,
        keepaliveSeconds: this.#options.keepaliveSeconds,
        connectTimeoutMs: this.#options.connectTimeoutMs,
      },
      {
        onMessage: (topic, payload) => this.#onMessage(topic, payload),
        onClose: (link) => this.#onLinkClosed(link),
      },
    );
  }

  /**
   * Subscribes a new connection to the inbox and to every joined channel the token allows (a
   * refreshed token may allow fewer: the others are left). Each channel holds live messages back
   * from the first SUBACK on and catches up from its last id.
   */
  #subscribeAll(link: Link): Promise<void> {
    const claims = this.#claims();
    for (const name of [...this.#channels.keys()]) {
      if (!channelAllowed(name, claims.channels)) {
        this.#forget(name, `the token no longer allows channel ${name}`);
      }
    }
    const names = [...this.#channels.keys()];
    const subscribed = link.subscribe([
      this.#topics.inbox(claims.sub),
      ...names.flatMap((name) => this.#channelTopics(name)),
    ]);
    for (const channel of this.#channels.values()) void channel.catchUp(subscribed);
    // Broadcasts missed while offline: read the members again.
    void subscribed.then(
      () => Promise.all(names.map((name) => this.#refreshPresence(name))),
      () => undefined,
    );
    return subscribed;
  }

  #onLinkClosed(link: Link): void {
    const status = this.#status;
    if (status.kind !== 'online' || status.link !== link || this.#replacing === link) return;
    this.#lose(new ChatError('not_connected', 'the connection dropped'), 'connection_lost');
  }

  /** Online → offline for `reason`, then reconnects (unless a listener closed or connected). */
  #lose(error: ChatError, reason: 'connection_lost' | 'network_offline' | 'refresh_failed'): void {
    const lost: Status = { kind: 'offline', error };
    this.#transition(lost, reason);
    if (this.#status === lost) void this.#reconnect();
  }

  /** Attempts 1, 2, ... with backoff until online, closed, or the token is refused for good. */
  async #reconnect(): Promise<void> {
    for (let number = 1; ; number++) {
      const delayMs = backoffDelay(number, this.#options.reconnect);
      const delay = startDelay(delayMs);
      const attempt: Connecting = {
        kind: 'connecting',
        attempt: number,
        delayMs,
        skipDelay: delay.skip,
      };
      this.#transition(attempt, 'reconnect');
      await delay.done;
      if (this.#status !== attempt) return; // Closed meanwhile.
      try {
        await this.#attempt(attempt);
        return;
      } catch (error) {
        if (this.#status !== attempt) return;
        const chatError = asChatError(error);
        if (chatError.code === 'unauthorized' && this.#tokens.renewable) {
          this.#tokens.discard(); // Refused: ask for a new token next time.
        } else if (chatError.code === 'unauthorized' || chatError.code === 'invalid') {
          this.#transition({ kind: 'offline', error: chatError }, 'token_rejected');
          return;
        }
      }
    }
  }

  /** Listens to the network's `online`/`offline` events (adding a listener twice adds it once). */
  #listenToNetwork(): void {
    this.#options.networkEvents?.addEventListener('online', this.#onNetworkOnline);
    this.#options.networkEvents?.addEventListener('offline', this.#onNetworkOffline);
  }

  /** The network is back: a reconnect waiting out its backoff delay tries now. */
  readonly #onNetworkOnline = (): void => {
    const status = this.#status;
    if (status.kind === 'connecting') status.skipDelay();
  };

  /**
   * The network is gone: the connection is dead even if its socket has not noticed (it would at
   * the next keep-alive), so drop it and reconnect; the attempts back off until `online`.
   */
  readonly #onNetworkOffline = (): void => {
    const status = this.#status;
    if (status.kind !== 'online') return;
    status.link.end();
    this.#lose(new ChatError('not_connected', 'the network is offline'), 'network_offline');
  };

  /** Resolves on the next `online`; rejects when the client gives up or is closed. */
  #nextOnline(): Promise<void> {
    return new Promise((resolve, reject) => {
      const stop = this.on('connection', (event) => {
        if (event.state === 'online') {
          stop();
          resolve();
        } else if (event.state === 'offline') {
          stop();
          reject(event.error ?? closedError());
        }
      });
    });
  }

  #assertOpen(): void {
    if (this.#status.kind === 'closed') throw closedError();
  }

  #onlineLink(): Link {
    const status = this.#status;
    if (status.kind !== 'online') {
      throw new ChatError('not_connected', 'not connected; call connect() and wait for it');
    }
    return status.link;
  }

  #isOnlineOn(link: Link): boolean {
    const status = this.#status;
    return status.kind === 'online' && status.link === link;
  }

  // -- tokens -----------------------------------------------------------------------------

  /** Claims of the token in use: read before any connection is opened. */
  #claims(): TokenClaims {
    return this.#tokens.claims as TokenClaims;
  }

  /** Refreshes before the token expires, or (`retry` > 0) again after a failed refresh. */
  #scheduleRefresh(link: Link, retry = 0): void {
    const delay =
      retry === 0
        ? this.#tokens.renewalDelayMs(this.#options.tokenRefreshLeadMs)
        : backoffDelay(retry, this.#options.reconnect);
    if (delay !== undefined) link.after(delay, () => void this.#refresh(link, retry));
  }

  /**
   * Connects with a new token before the old one expires. The new connection takes over as soon
   * as the broker accepts it, having closed the old one (same client id); its subscriptions
   * follow, and each channel's catch-up covers the moment between.
   */
  async #refresh(old: Link, retry: number): Promise<void> {
    try {
      await this.#tokens.renew();
      if (!this.#isOnlineOn(old)) return; // Dropped meanwhile: the reconnect loop took over.
      this.#replacing = old;
      const link = await this.#openLink().finally(() => {
        this.#replacing = undefined;
      });
      if (!this.#isOnlineOn(old)) {
        link.end();
        return;
      }
      this.#transition({ kind: 'online', link }, 'token_refreshed');
      old.end();
      this.#scheduleRefresh(link);
      await this.#subscribeAll(link).catch((error: unknown) => {
        if (!this.#isOnlineOn(link)) return;
        link.end();
        this.#lose(asChatError(error), 'refresh_failed');
      });
    } catch (error) {
      if (!this.#isOnlineOn(old)) return; // Closed, or dropped and reconnecting.
      if (old.connected) {
        this.#scheduleRefresh(old, retry + 1);
        return;
      }
      old.end();
      this.#lose(asChatError(error), 'refresh_failed');
    }
  }

  // -- channels and messages --------------------------------------------------------------

  /** Drops a joined channel and rejects its pending sends; false if it was not joined. */
  #forget(name: ChannelName, reason: string): boolean {
    const channel = this.#channels.get(name);
    if (!channel) return false;
    this.#channels.delete(name);
    this.#presence.delete(name);
    channel.leave();
    this.#pending.abandon(new ChatError('not_joined', reason), name);
    return true;
  }

  /**
   * Reads a joined channel's members and announces them. Best effort: when the API cannot
   * answer, the broadcasts still keep the count.
   */
  async #refreshPresence(name: ChannelName): Promise<void> {
    let list: MemberList;
    try {
      list = await this.#api.members(name);
    } catch {
      return;
    }
    const presence = this.#presence.get(name);
    if (presence) this.#emitPresence(presence.reset(name, list));
  }

  /** A presence update without the players this player blocked (`count` stays the channel's). */
  #emitPresence(update: PresenceUpdate): void {
    this.#events.emit('presence', {
      ...update,
      joined: this.#unblocked(update.joined),
      left: this.#unblocked(update.left),
    });
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
    if (message.kind === 'system' && message.slowModeSeconds !== undefined) {
      this.#setSlowMode(channel, message.slowModeSeconds);
    }
    if (!emit || this.#blocked.has(message.from.id)) return;
    if (message.kind === 'chat') this.#events.emit('message', message);
    else if (message.kind === 'system') this.#events.emit('system', message);
    else if (message.kind === 'delete' && message.targetId !== undefined) {
      this.#events.emit('delete', { channel, targetId: message.targetId, message });
    }
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    const where = this.#topics.parse(topic);
    if (where.ok && where.value.kind === 'presence') {
      const presence = this.#presence.get(where.value.name as ChannelName);
      const event = parsePresenceEvent(payload);
      if (presence && event.ok && event.value.channel === where.value.name) {
        this.#emitPresence(presence.apply(event.value));
      }
      return;
    }
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
      if (!this.#blocked.has(message.from.id)) this.#events.emit('whisper', message);
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
    const { timeoutMs } = this.#pending;
    const deadline = Date.now() + timeoutMs;
    // A publish lost with its connection is settled by the catch-up after the reconnect
    // (history carries clientMsgId), or else by the timeout. A resend (after an `unavailable`
    // notice) has the same clientMsgId, so the server stores it once; each attempt says how long
    // the send still waits, so the server never stores it after `send()` gave up.
    const send = (): boolean => {
      const status = this.#status;
      if (status.kind !== 'online') return false;
      const expiresInMs = attemptExpiresInMs(deadline, timeoutMs, Date.now());
      // Too late to be answered in time: the timeout settles the send.
      if (expiresInMs === undefined) return true;
      status.link.publish(topic, JSON.stringify({ text, clientMsgId, expiresInMs }));
      return true;
    };
    const delivered = this.#pending.wait(clientMsgId, target, send);
    send();
    return delivered;
  }
}

function closedError(): ChatError {
  return new ChatError('closed', 'the client is closed');
}

/** The error for an attempt that the state moved past (closed, or a newer attempt). */
function overtaken(status: Status): ChatError {
  return status.kind === 'closed'
    ? closedError()
    : new ChatError('not_connected', 'the connection attempt was overtaken');
}

/** Creates a chat client; call `connect()` once listeners are in place. */
export function createChatClient(options: ChatClientOptions): ChatClient {
  return new ChatClient(options);
}
