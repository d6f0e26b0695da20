/**
 * The books of a load run: what was sent, what the server confirmed, and who received what.
 *
 * Deliveries are matched to sends by sender and `clientMsgId`, never by text: moderation may
 * mask a text (obscenity reads `455` as a word) and the server assigns the ids. A delivery can
 * arrive before its `send()` resolves; it waits here until the send's key is known.
 */

export interface LedgerCounts {
  sent: number;
  confirmed: number;
  failed: number;
  /** First deliveries of matched messages, to any member. */
  received: number;
  /** A member got the same message again under another id (the SDK drops a repeated id). */
  duplicated: number;
  /** Members of the channels of confirmed messages, and how many of them got theirs. */
  expected: number;
  reachedConfirmed: number;
}

export interface LossDetail {
  /** Confirmed messages that missed at least one member. */
  readonly messages: number;
  /** Members that missed at least one confirmed message. */
  readonly receivers: number;
  /** The first few misses: the message and the member that never got it. */
  readonly examples: readonly { readonly seq: number; readonly receiver: number }[];
}

const LOSS_EXAMPLES = 10;

interface Arrival {
  readonly receiver: number;
  readonly at: number;
}

/** What identifies one message end to end: its sender and the SDK's `clientMsgId`. */
export function deliveryKey(senderId: string, clientMsgId: string): string {
  return `${senderId}\n${clientMsgId}`;
}

export class DeliveryLedger {
  readonly counts: LedgerCounts = {
    sent: 0,
    confirmed: 0,
    failed: 0,
    received: 0,
    duplicated: 0,
    expected: 0,
    reachedConfirmed: 0,
  };
  /** Milliseconds from `send()` to each member's delivery. */
  readonly latencies: number[] = [];
  /** Milliseconds from `send()` to its confirmation. */
  readonly confirmLatencies: number[] = [];
  readonly #sentAt: Float64Array;
  readonly #channelOf: Int32Array;
  readonly #confirmed: Uint8Array;
  readonly #reached: Uint32Array;
  readonly #members: Int32Array;
  readonly #channelOfReceiver = new Map<number, number>();
  readonly #seen = new Map<number, Set<number>>();
  readonly #seqOfKey = new Map<string, number>();
  readonly #early = new Map<string, Arrival[]>();

  constructor(messages: number, channels: number) {
    this.#sentAt = new Float64Array(messages);
    this.#channelOf = new Int32Array(messages);
    this.#confirmed = new Uint8Array(messages);
    this.#reached = new Uint32Array(messages);
    this.#members = new Int32Array(channels);
  }

  /** `receiver` is a member of `channel` from now on (call before the first send). */
  join(receiver: number, channel: number): void {
    this.#members[channel] = (this.#members[channel] as number) + 1;
    this.#channelOfReceiver.set(receiver, channel);
    this.#seen.set(receiver, new Set());
  }

  send(seq: number, channel: number, at: number): void {
    this.#channelOf[seq] = channel;
    this.#sentAt[seq] = at;
    this.counts.sent = Math.max(this.counts.sent, seq + 1);
  }

  /** `send()` resolved with the delivered message, whose sender and clientMsgId make `key`. */
  confirm(seq: number, key: string, at: number): void {
    this.#seqOfKey.set(key, seq);
    this.#confirmed[seq] = 1;
    this.counts.confirmed++;
    this.counts.expected += this.#members[this.#channelOf[seq] as number] as number;
    this.confirmLatencies.push(at - (this.#sentAt[seq] as number));
    for (const arrival of this.#early.get(key) ?? []) this.#record(arrival, seq);
    this.#early.delete(key);
  }

  fail(): void {
    this.counts.failed++;
  }

  deliver(receiver: number, key: string, at: number): void {
    const seq = this.#seqOfKey.get(key);
    if (seq === undefined) {
      const waiting = this.#early.get(key);
      if (waiting) waiting.push({ receiver, at });
      else this.#early.set(key, [{ receiver, at }]);
      return;
    }
    this.#record({ receiver, at }, seq);
  }

  #record(arrival: Arrival, seq: number): void {
    const seen = this.#seen.get(arrival.receiver);
    if (seen === undefined) return; // not a member of this run
    if (seen.has(seq)) {
      this.counts.duplicated++;
      return;
    }
    seen.add(seq);
    this.counts.received++;
    this.#reached[seq] = (this.#reached[seq] as number) + 1;
    this.latencies.push(arrival.at - (this.#sentAt[seq] as number));
    if (this.#confirmed[seq] === 1) this.counts.reachedConfirmed++;
  }

  /** Every send answered, and every confirmed message reached every member. */
  get settled(): boolean {
    const { sent, confirmed, failed, reachedConfirmed, expected } = this.counts;
    return confirmed + failed === sent && reachedConfirmed >= expected;
  }

  /** Deliveries never matched to a confirmed send (its `send()` failed, yet it got through). */
  get unconfirmedReceived(): number {
    let count = 0;
    for (const arrivals of this.#early.values()) count += arrivals.length;
    return count;
  }

  losses(): LossDetail {
    const examples: { seq: number; receiver: number }[] = [];
    const receivers = new Set<number>();
    let messages = 0;
    for (let seq = 0; seq < this.counts.sent; seq++) {
      const channel = this.#channelOf[seq] as number;
      if (this.#confirmed[seq] !== 1) continue;
      if ((this.#reached[seq] as number) >= (this.#members[channel] as number)) continue;
      messages++;
      for (const [receiver, joined] of this.#channelOfReceiver) {
        if (joined !== channel || this.#seen.get(receiver)?.has(seq)) continue;
        receivers.add(receiver);
        if (examples.length < LOSS_EXAMPLES) examples.push({ seq, receiver });
      }
    }
    return { messages, receivers: receivers.size, examples };
  }
}
