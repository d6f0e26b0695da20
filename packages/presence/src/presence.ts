import type { ChannelPresence, ChatStore } from '@game-chat/chat-store/store';
import type { Publisher } from '@game-chat/lambda-runtime/publisher';
import { createInvocationBudget, type InvocationLimits } from '@game-chat/lambda-runtime/retry';
import { PROTOCOL_VERSION } from '@game-chat/protocol/limits';
import type { PresenceEvent } from '@game-chat/protocol/presence';
import type { ChatTopics } from '@game-chat/protocol/topics';
import { readLifecycleEvent } from './event.js';

export interface PresenceDeps {
  readonly store: Pick<ChatStore, 'applyLifecycle' | 'flushPresence'>;
  readonly publisher: Publisher;
  readonly topics: ChatTopics;
  /** Defaults to a timer; tests may pass their own. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type PresenceOutcome =
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'stale' | 'expired' }
  | { readonly status: 'applied'; readonly published: number; readonly deferred: number };

/** Kept back from the function's timeout, so the invocation still ends cleanly. */
const RESERVE_MS = 500;
/** How long one broadcast's publish is retried when the Data Plane blips. */
const PUBLISH_BUDGET_MS = 2000;
/** A flush that is still early (clocks of Lambda and Redis differ) waits again, this often. */
const MAX_FLUSH_TRIES = 3;

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The presence Lambda's core: one lifecycle event in, membership updated (at most two Redis
 * round trips), and each touched channel's broadcast published when it is due.
 *
 * Coalescing without timers across invocations (Lambda freezes a container between them): the
 * store keeps a channel's last broadcast time and a "due at" marker. A change an interval after
 * the last broadcast publishes at once. Otherwise the first change marks the channel due at
 * last + interval and its invocation owns the broadcast: it waits (at most one interval, inside
 * its own run) and then publishes everything pending. Other changes in the meantime only add to
 * what is pending. Should the owner die, the next event at or after the due time publishes. So a
 * member sees the truth at most one interval after the last change (two when the owner failed
 * and traffic continues), and a burst of N joins costs about one publish per interval, not N.
 */
export function createPresenceService(deps: PresenceDeps) {
  const { store, publisher, topics } = deps;
  const sleep = deps.sleep ?? timer;

  async function publish(outcome: ChannelPresence, limits: InvocationLimits) {
    if (outcome.status !== 'publish') return;
    const { channel } = outcome;
    const event: PresenceEvent = {
      v: PROTOCOL_VERSION,
      kind: 'presence',
      channel,
      ...outcome.broadcast,
    };
    const budget = createInvocationBudget(limits, PUBLISH_BUDGET_MS, RESERVE_MS);
    await budget.run(() => publisher.publish(topics.presence(channel), event, 0));
  }

  /** The owner of a deferred broadcast waits for it, then publishes what is pending. */
  async function publishWhenDue(outcome: ChannelPresence, limits: InvocationLimits) {
    let current = outcome;
    for (let tries = 0; current.status === 'deferred' && tries < MAX_FLUSH_TRIES; tries++) {
      if (current.dueInMs > limits.remainingTimeMs() - RESERVE_MS) return;
      await sleep(current.dueInMs);
      current = await store.flushPresence(current.channel);
    }
    await publish(current, limits);
  }

  return {
    async handle(event: unknown, limits: InvocationLimits): Promise<PresenceOutcome> {
      const read = readLifecycleEvent(event, topics);
      if (!read.ok) return { status: 'ignored', reason: read.message };
      const result = await store.applyLifecycle(read.value);
      if (result.status !== 'applied') return { status: result.status };
      const now = result.channels.filter((outcome) => outcome.status === 'publish');
      const owned = result.channels.filter(
        (outcome) => outcome.status === 'deferred' && outcome.owner,
      );
      await Promise.all([
        ...now.map((outcome) => publish(outcome, limits)),
        ...owned.map((outcome) => publishWhenDue(outcome, limits)),
      ]);
      return { status: 'applied', published: now.length, deferred: owned.length };
    },
  };
}
