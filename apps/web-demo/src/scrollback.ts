import type { ChatClient } from '@game-chat/client';
import type { ChatLog } from './chat-log.js';

export interface ScrollbackOptions {
  /** The scrolling log. */
  readonly list: HTMLElement;
  readonly log: ChatLog;
  readonly client: Pick<ChatClient, 'loadOlder'>;
  /** How an error reads in the log. */
  readonly describe: (error: unknown) => string;
}

/** Within this many pixels of the top, older messages are loaded. */
const TOP_PX = 40;
/** Messages per scrollback page. */
const PAGE_SIZE = 50;

/**
 * Scrollback for the channel on screen: scrolling to the top of the log loads the page just
 * older than what is shown (`chat.loadOlder`) above it, and once the channel's first kept message
 * is reached a marker says so. A log too short to scroll keeps loading until it fills or reaches
 * the start.
 */
export class Scrollback {
  readonly #options: ScrollbackOptions;
  #channel: string | undefined;
  #loading = false;
  #atStart = false;
  readonly #onScroll = () => void this.#loadIfAtTop();

  constructor(options: ScrollbackOptions) {
    this.#options = options;
    options.list.addEventListener('scroll', this.#onScroll, { passive: true });
  }

  /** The session ended: no more loading. */
  close(): void {
    this.#channel = undefined;
    this.#options.list.removeEventListener('scroll', this.#onScroll);
  }

  /** The channel now shown (its join's history is in the log), or none. */
  follow(channel: string | undefined): void {
    this.#channel = channel;
    this.#atStart = false;
    // Laid out first: whether the log is at its top depends on the history just added.
    this.#options.log.flush();
    void this.#loadIfAtTop();
  }

  async #loadIfAtTop(): Promise<void> {
    const channel = this.#channel;
    const { list, log, client } = this.#options;
    if (channel === undefined || this.#loading || this.#atStart || list.scrollTop > TOP_PX) return;
    this.#loading = true;
    let loaded = false;
    try {
      const page = await client.loadOlder(channel, { limit: PAGE_SIZE });
      if (this.#channel !== channel) return;
      log.addOlder(page.messages);
      loaded = true;
      if (!page.hasMore) {
        this.#atStart = true;
        log.startMarker(`Start of #${channel}: nothing older is kept`);
      }
    } catch (error) {
      if (this.#channel === channel) {
        log.notice(`Could not load older messages: ${this.#options.describe(error)}`, 'error');
      }
    } finally {
      this.#loading = false;
    }
    // Still at the top (a short page): the next page; after an error, the next scroll retries.
    if (loaded) await this.#loadIfAtTop();
  }
}
