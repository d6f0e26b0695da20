import { type ChatMessage, compareMessageIds } from '@game-chat/protocol/payloads';

/**
 * One channel's recent messages as the player should see them: each id once, in id order,
 * with messages that a `delete` event removed left out. History pages and live messages are
 * merged in whatever order they arrive; duplicates (a history page overlapping live traffic,
 * a QoS 1 redelivery) are dropped.
 */
export class ChannelTimeline {
  /** Every entry kept, `delete` events included, sorted by id. */
  readonly #entries: ChatMessage[] = [];
  readonly #ids = new Set<string>();
  /** Ids removed by `delete` events, kept even when the target has not arrived yet. */
  readonly #deleted = new Set<string>();
  /** Highest id dropped to respect `capacity`: anything at or below it counts as seen. */
  #floor: string | undefined;
  /** Entries kept: `capacity`, and every older page the player asked for on top of it. */
  #kept: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive whole number');
    }
    this.#kept = capacity;
  }

  /** The lowest id held, `delete` events included: where scrollback continues. */
  get oldestId(): string | undefined {
    return this.#entries[0]?.id;
  }

  /** The highest id seen, `delete` events included: where history resumes after a reconnect. */
  get lastId(): string | undefined {
    return this.#entries.at(-1)?.id ?? this.#floor;
  }

  /** Chat and system messages still visible, oldest first. */
  get messages(): ChatMessage[] {
    return this.#entries.filter((entry) => entry.kind !== 'delete' && !this.#deleted.has(entry.id));
  }

  has(id: string): boolean {
    return this.#ids.has(id) || this.#seenBelowFloor(id);
  }

  /**
   * Adds messages and returns those that are new and worth showing, in id order: visible
   * messages and `delete` events (a message already removed by an earlier `delete` is not).
   */
  merge(messages: Iterable<ChatMessage>): ChatMessage[] {
    return this.#merge(messages, false);
  }

  /**
   * Adds a scrollback page: the messages just older than `oldestId`, all of them. They are
   * kept on top of `capacity` (the player asked for them), and the page continues the held
   * messages downwards, so ids below the floor are no longer taken as seen. Returns what is new
   * and visible, like `merge`.
   */
  mergeOlder(messages: Iterable<ChatMessage>): ChatMessage[] {
    this.#floor = undefined;
    return this.#merge(messages, true);
  }

  #merge(messages: Iterable<ChatMessage>, grow: boolean): ChatMessage[] {
    const added: ChatMessage[] = [];
    for (const message of messages) {
      if (this.has(message.id)) continue;
      this.#insert(message);
      added.push(message);
    }
    added.sort((a, b) => compareMessageIds(a.id, b.id));
    if (grow) this.#kept += added.length;
    for (const entry of added) {
      if (entry.kind === 'delete' && entry.targetId !== undefined)
        this.#deleted.add(entry.targetId);
    }
    this.#trim();
    return added.filter((entry) => entry.kind === 'delete' || !this.#deleted.has(entry.id));
  }

  #seenBelowFloor(id: string): boolean {
    return this.#floor !== undefined && compareMessageIds(id, this.#floor) <= 0;
  }

  #insert(message: ChatMessage): void {
    // Live traffic arrives in order, so the usual case is an append; otherwise binary search.
    let low = 0;
    let high = this.#entries.length;
    const last = this.#entries.at(-1);
    if (last === undefined || compareMessageIds(last.id, message.id) < 0) low = high;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = this.#entries[middle] as ChatMessage;
      if (compareMessageIds(entry.id, message.id) < 0) low = middle + 1;
      else high = middle;
    }
    this.#entries.splice(low, 0, message);
    this.#ids.add(message.id);
  }

  #trim(): void {
    const excess = this.#entries.length - this.#kept;
    if (excess <= 0) return;
    const dropped = this.#entries.splice(0, excess);
    for (const entry of dropped) this.#ids.delete(entry.id);
    this.#floor = dropped.at(-1)?.id;
    for (const id of this.#deleted) {
      if (this.#seenBelowFloor(id)) this.#deleted.delete(id);
    }
  }
}
