import type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
import { ChatError } from './errors.js';

/** What a send waits for: a delivered message of this kind (on this channel). */
export interface PendingTarget {
  readonly kind: 'chat' | 'whisper';
  readonly channel: string | undefined;
}

interface Entry extends PendingTarget {
  readonly resolve: (message: ChatMessage) => void;
  readonly reject: (error: ChatError) => void;
}

/**
 * Sends waiting for the server's answer, keyed by `clientMsgId`: the delivered message
 * resolves one, a notice rejects it, and silence past `timeoutMs` rejects it with `timeout`.
 */
export class PendingSends {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly timeoutMs: number) {}

  get size(): number {
    return this.#entries.size;
  }

  wait(clientMsgId: string, target: PendingTarget): Promise<ChatMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#entries.delete(clientMsgId);
        reject(new ChatError('timeout', `no answer from the server in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const settled = () => {
        clearTimeout(timer);
        this.#entries.delete(clientMsgId);
      };
      this.#entries.set(clientMsgId, {
        ...target,
        resolve: (message) => {
          settled();
          resolve(message);
        },
        reject: (error) => {
          settled();
          reject(error);
        },
      });
    });
  }

  /** Resolves the send that a message delivered for `playerId` answers; false if none. */
  resolve(message: ChatMessage, playerId: string | undefined): boolean {
    if (message.clientMsgId === undefined || message.from.id !== playerId) return false;
    const entry = this.#entries.get(message.clientMsgId);
    if (!entry || entry.kind !== message.kind) return false;
    if (entry.channel !== undefined && entry.channel !== message.channel) return false;
    entry.resolve(message);
    return true;
  }

  /** Rejects the send a notice refuses, with the notice's code and `retryAfterMs`. */
  reject(notice: Notice): boolean {
    const entry =
      notice.clientMsgId === undefined ? undefined : this.#entries.get(notice.clientMsgId);
    if (!entry) return false;
    entry.reject(new ChatError(notice.code, notice.detail, { retryAfterMs: notice.retryAfterMs }));
    return true;
  }

  /** Rejects every send to `channel`, or every send at all when `channel` is undefined. */
  abandon(error: ChatError, channel?: string): void {
    for (const entry of [...this.#entries.values()]) {
      if (channel === undefined || entry.channel === channel) entry.reject(error);
    }
  }
}
