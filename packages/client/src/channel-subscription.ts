import type { ChannelName } from '@game-chat/protocol/names';
import { type ChatMessage, compareMessageIds } from '@game-chat/protocol/payloads';
import type { HistoryPageQuery, HistorySince } from './api.js';
import { asChatError, type ChatError } from './errors.js';
import { ChannelTimeline } from './timeline.js';

/** What `loadOlder` added to a channel's timeline. */
export interface OlderMessages {
  /** The visible messages new to the timeline, oldest first. */
  readonly messages: ChatMessage[];
  /** False once the page reached the first message the channel still keeps: its true start. */
  readonly hasMore: boolean;
}

/** A reconnect after which some messages of a channel could not be recovered. */
export interface GapEvent {
  readonly channel: string;
  /** The last message id received before the connection dropped. */
  readonly afterId: string;
  /** Set when history could not be read at all; absent when the missed messages had expired. */
  readonly error?: ChatError;
}

export interface ChannelSubscriptionOptions {
  readonly name: ChannelName;
  /** Messages the timeline keeps. */
  readonly capacity: number;
  /**
   * The channel's history after `after` (the whole window when undefined), page by page until
   * `caughtUp(lastId)` says the pages reached what came live (`ChatApi.historySince`).
   */
  readonly history: (
    after: string | undefined,
    caughtUp: (lastId: string) => boolean,
  ) => Promise<HistorySince>;
  /** One scrollback page: the `limit` messages just older than `before` (`ChatApi.history`). */
  readonly olderPage: (
    query: Required<Pick<HistoryPageQuery, 'limit'>> & Pick<HistoryPageQuery, 'before'>,
  ) => Promise<{ readonly messages: readonly ChatMessage[]; readonly hasMore: boolean }>;
  /** Each message new to the timeline, in id order; `emit` is false for those `join` returns. */
  readonly deliver: (message: ChatMessage, emit: boolean) => void;
  readonly gap: (event: GapEvent) => void;
}

/**
 * One joined channel: its timeline (whose last id is where history resumes after a reconnect),
 * the live messages held back while history loads, the chain of history reads, and gap
 * detection. The client subscribes; this object decides what comes out, once and in order.
 */
export class ChannelSubscription {
  readonly name: ChannelName;
  readonly #timeline: ChannelTimeline;
  readonly #options: ChannelSubscriptionOptions;
  /** Live messages held back while history loads, so that they come out merged and in order. */
  #buffer: ChatMessage[] | undefined;
  /** History reads started and not finished; the buffer lives while this is above 0. */
  #syncs = 0;
  /** The latest history read; the next one starts after it, from the id it reached. */
  #lastSync: Promise<void> = Promise.resolve();
  #left = false;
  /** The latest scrollback read: the next one continues below what it added. */
  #lastOlder: Promise<unknown> = Promise.resolve();

  constructor(options: ChannelSubscriptionOptions) {
    this.name = options.name;
    this.#options = options;
    this.#timeline = new ChannelTimeline(options.capacity);
  }

  /** The visible messages, oldest first. */
  get messages(): ChatMessage[] {
    return this.#timeline.messages;
  }

  /** The highest id seen: where history resumes after a reconnect. */
  get lastId(): string | undefined {
    return this.#timeline.lastId;
  }

  /** Resolves once every history read started so far has ended, whether it failed or not. */
  settled(): Promise<void> {
    return this.#lastSync;
  }

  /**
   * Reads the history window once `subscribed` (so that nothing falls between history and live
   * messages) and resolves with the visible messages, those that came live meanwhile included.
   * Rejects when the subscription or the history read fails.
   */
  async join(subscribed: Promise<void>): Promise<ChatMessage[]> {
    await this.#sync(subscribed, false);
    return this.messages;
  }

  /**
   * On a new connection: reads what came after `lastId` once `subscribed` and emits it. Never
   * rejects: missed messages that could not be recovered are reported as a gap, and a catch-up
   * that failed with its connection is made again on the next one.
   */
  catchUp(subscribed: Promise<void>): Promise<void> {
    return this.#sync(subscribed, true).catch(() => undefined);
  }

  /**
   * Scrollback: reads the `limit` messages just older than the oldest held (after the join's
   * history) and merges them into the timeline, once each. Calls run one after the other, each
   * continuing below the last. The messages are not emitted as events: they are not new.
   */
  loadOlder(limit: number): Promise<OlderMessages> {
    const run = async (): Promise<OlderMessages> => {
      await this.#lastSync;
      const before = this.#timeline.oldestId;
      const page = await this.#options.olderPage({ limit, ...(before && { before }) });
      const messages = this.#left ? [] : this.#timeline.mergeOlder(page.messages);
      return {
        messages: messages.filter((entry) => entry.kind !== 'delete'),
        hasMore: page.hasMore,
      };
    };
    const current = this.#lastOlder.then(run, run);
    this.#lastOlder = current.catch(() => undefined);
    return current;
  }

  /** A live message: held back while history loads, else delivered now. */
  receive(message: ChatMessage): void {
    if (this.#buffer) this.#buffer.push(message);
    else this.#deliver([message], true);
  }

  /** The channel was left (or the client closed): nothing comes out of it any more. */
  leave(): void {
    this.#left = true;
  }

  #sync(subscribed: Promise<void>, emit: boolean): Promise<void> {
    this.#syncs += 1;
    this.#buffer ??= [];
    const previous = this.#lastSync;
    const run = async () => {
      let fetched: readonly ChatMessage[] = [];
      try {
        await subscribed;
        await previous;
        fetched = await this.#readHistory();
      } finally {
        this.#syncs -= 1;
        const batch = [...fetched];
        if (this.#syncs === 0) {
          batch.push(...(this.#buffer ?? []));
          this.#buffer = undefined;
        }
        this.#deliver(batch, emit);
      }
    };
    const current = run();
    this.#lastSync = current.catch(() => undefined);
    return current;
  }

  /**
   * History after the last id held (the whole window for a new channel), up to the live
   * messages already held back. Reports a gap when some could not be recovered.
   */
  async #readHistory(): Promise<readonly ChatMessage[]> {
    const after = this.lastId;
    try {
      const history = await this.#options.history(after, (lastId) =>
        (this.#buffer ?? []).some((live) => compareMessageIds(live.id, lastId) <= 0),
      );
      if (after !== undefined && !history.recovered) {
        this.#options.gap({ channel: this.name, afterId: after });
      }
      return history.messages;
    } catch (error) {
      if (after === undefined) throw error;
      this.#options.gap({ channel: this.name, afterId: after, error: asChatError(error) });
      return [];
    }
  }

  #deliver(messages: readonly ChatMessage[], emit: boolean): void {
    if (this.#left) return;
    for (const message of this.#timeline.merge(messages)) this.#options.deliver(message, emit);
  }
}
