import { MAX_EXPIRES_IN_MS } from '@game-chat/protocol/limits';
import type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
import { ChatError } from './errors.js';

/** What a send waits for: a delivered message of this kind (on this channel). */
export interface PendingTarget {
  readonly kind: 'chat' | 'whisper';
  readonly channel: string | undefined;
}

/** Publishes the send's payload again (same clientMsgId); false when there is no connection. */
export type Resend = () => boolean;

interface Entry extends PendingTarget {
  readonly resolve: (message: ChatMessage) => void;
  readonly reject: (error: ChatError) => void;
  readonly resend: Resend;
  readonly deadline: number;
  /** When the payload last went out: how long an attempt takes is the time to its answer. */
  sentAt: number;
  /** The last `unavailable` notice, when that was the server's last answer. */
  unavailable: Notice | undefined;
  resendTimer: ReturnType<typeof setTimeout> | undefined;
}

/** When an `unavailable` notice names no delay (it always does), or a resend found no connection. */
const DEFAULT_RESEND_AFTER_MS = 1000;
/** Room for a resend's answer to take longer than the attempt before it. */
const ANSWER_MARGIN_MS = 1000;

/**
 * Room for an attempt's trip to IoT Core (whose receipt time the server counts expiry from) and
 * for its delivery back to the sender: a message published just before its expiry must still
 * arrive before `send()` gives up. One second was too little on a starved machine.
 */
const EXPIRY_MARGIN_MS = 2000;

/**
 * The `expiresInMs` an attempt carries: the send's time left, less a margin (at most a quarter of
 * the timeout) for its trip to the server, so that the server stops taking the message before
 * `send()` gives up on it and no rejected send is delivered later. Undefined when less time is
 * left than the trip takes: such an attempt could not be answered in time, so it is not made.
 */
export function attemptExpiresInMs(
  deadline: number,
  timeoutMs: number,
  now: number,
): number | undefined {
  const margin = Math.min(EXPIRY_MARGIN_MS, timeoutMs / 4);
  const left = Math.floor(deadline - margin - now);
  return left < Math.max(1, margin) ? undefined : Math.min(MAX_EXPIRES_IN_MS, left);
}

/**
 * Sends waiting for the server's answer, keyed by `clientMsgId`: the delivered message
 * resolves one, a refusal notice rejects it, an `unavailable` notice sends it again (the same
 * payload and clientMsgId, after `retryAfterMs` plus up to as much again at random, so senders
 * cut off by one outage do not all come back at once) while the send's time allows for the
 * resend's answer too, and silence past `timeoutMs` rejects it with `unavailable` if that was the
 * last answer, else `timeout`. Each send settles exactly once.
 */
export class PendingSends {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly timeoutMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  wait(clientMsgId: string, target: PendingTarget, resend: Resend): Promise<ChatMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const last = this.#entries.get(clientMsgId)?.unavailable;
        settled();
        reject(
          last === undefined
            ? new ChatError('timeout', `no answer from the server in ${this.timeoutMs} ms`)
            : unavailableError(last),
        );
      }, this.timeoutMs);
      const settled = () => {
        clearTimeout(timer);
        clearTimeout(this.#entries.get(clientMsgId)?.resendTimer);
        this.#entries.delete(clientMsgId);
      };
      this.#entries.set(clientMsgId, {
        ...target,
        resend,
        deadline: Date.now() + this.timeoutMs,
        sentAt: Date.now(),
        unavailable: undefined,
        resendTimer: undefined,
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

  /**
   * Answers the send a notice is about: `unavailable` schedules a resend (or rejects when the
   * send's time would run out first), any other code rejects it with that code and
   * `retryAfterMs`. False when no pending send has the notice's clientMsgId.
   */
  answer(notice: Notice): boolean {
    const entry =
      notice.clientMsgId === undefined ? undefined : this.#entries.get(notice.clientMsgId);
    if (!entry) return false;
    if (notice.code !== 'unavailable') {
      entry.reject(
        new ChatError(notice.code, notice.detail, { retryAfterMs: notice.retryAfterMs }),
      );
      return true;
    }
    entry.unavailable = notice;
    // The server answered after retrying for this long; a resend would take as long again.
    const attemptMs = Date.now() - entry.sentAt;
    this.#scheduleResend(entry, notice.retryAfterMs ?? DEFAULT_RESEND_AFTER_MS, attemptMs);
    return true;
  }

  /** Rejects every send to `channel`, or every send at all when `channel` is undefined. */
  abandon(error: ChatError, channel?: string): void {
    for (const entry of [...this.#entries.values()]) {
      if (channel === undefined || entry.channel === channel) entry.reject(error);
    }
  }

  /**
   * Resends after `afterMs` (plus jitter) when the resend can also be answered in time, so that
   * no attempt is still under way when the send gives up (its message would then be delivered
   * after `send()` rejected); otherwise rejects now with the last answer.
   */
  #scheduleResend(entry: Entry, afterMs: number, attemptMs: number): void {
    const delay = Math.round(afterMs * (1 + this.random()));
    if (Date.now() + delay + attemptMs + ANSWER_MARGIN_MS >= entry.deadline) {
      entry.reject(unavailableError(entry.unavailable as Notice));
      return;
    }
    clearTimeout(entry.resendTimer);
    entry.resendTimer = setTimeout(() => {
      entry.resendTimer = undefined;
      if (entry.resend()) {
        entry.sentAt = Date.now();
        return;
      }
      // Offline: try again later; a reconnect's catch-up may also find the message meanwhile.
      this.#scheduleResend(entry, DEFAULT_RESEND_AFTER_MS, attemptMs);
    }, delay);
  }
}

function unavailableError(notice: Notice): ChatError {
  return new ChatError('unavailable', notice.detail, { retryAfterMs: notice.retryAfterMs });
}
